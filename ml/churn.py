"""Churn risk: a LightGBM classifier on point-in-time customer features, calibrated and explained.

The input is one row per (customer, cutoff) with features computed from what was known at the
cutoff and a label that is null for the scoring snapshot, whose horizon has not elapsed yet.

Validation is by time, because that is how the model is used: trained on the past, scored on the
present. The latest labelled cutoff is held out; earlier cutoffs train. It serves early stopping,
calibration and every reported metric (so AUC carries a small optimism from early stopping).
Calibrating there also adapts the probabilities to the most recent churn rate. Brier, log loss
and ECE are reported raw (`*_raw`) and calibrated, the latter cross-fitted over customer folds.

No refit on all cutoffs: the calibrator is fitted on the validation cutoff's predictions of this
booster, and a booster refitted on that cutoff would score it over-confidently, leaving the
calibrator mapping a score distribution it never saw. The cost is that the freshest labelled
cutoff shapes calibration and tree count but not the trees themselves.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from ml.artifacts import ArtifactMetadata, ArtifactStore, frame_hash, model_version
from ml.auc_confidence import CI_LEVEL
from ml.boosting import feature_matrix, train_early_stopped
from ml.churn_calibration import (
    CALIBRATION_METHODS,
    ProbabilityCalibrator,
    cross_fitted_calibration,
    probability_metrics,
)
from ml.churn_data import (
    Split,
    iso_text,
    labelled_rows,
    split_train_valid,
    validation_metrics,
)
from ml.churn_drivers import top_drivers
from ml.settings import CHURN_HIGH_RISK_THRESHOLD, CHURN_MEDIUM_RISK_THRESHOLD

TASK = "churn"
MODEL_FILE = "model.txt"
CALIBRATOR_FILE = "calibrator.pkl"

logger = logging.getLogger(__name__)


@dataclass
class ChurnConfig:
    """Training and scoring settings; everything that changes the fitted model is versioned."""

    horizon_days: int
    seed: int = 42
    num_boost_round: int = 500
    early_stopping_rounds: int = 50
    learning_rate: float = 0.05
    num_leaves: int = 15
    min_data_in_leaf: int = 50
    num_threads: int = 1
    calibration: str = "isotonic"
    # Below this many validation rows isotonic overfits its steps; Platt scaling is used instead.
    isotonic_min_rows: int = 1000
    calibration_folds: int = 5
    # Only used when a single labelled cutoff exists: share of customers held out for validation.
    validation_fraction: float = 0.2
    # Share of the training customers whose rows decide when boosting stops, so that the
    # validation rows the model is judged on (against recency and BG/NBD) never steer it.
    early_stopping_fraction: float = 0.2
    high_risk_threshold: float = CHURN_HIGH_RISK_THRESHOLD
    medium_risk_threshold: float = CHURN_MEDIUM_RISK_THRESHOLD
    top_drivers: int = 3
    min_training_rows: int = 200
    min_class_rows: int = 20
    baseline_feature: str | None = "days_since_last_order"
    # The classic model's ranking: more expected purchases in the horizon, less churn.
    bgnbd_feature: str | None = "bgnbd_purchases_churn_horizon"
    # Reported, not judged: BG/NBD's own probability of the label, also a feature of the model.
    bgnbd_no_purchase_feature: str | None = "bgnbd_p_no_purchase_churn_horizon"
    lapsed_column: str = "is_lapsed"
    id_column: str = "customer_id"
    cutoff_column: str = "cutoff_at"
    label_column: str = "is_churned"

    def __post_init__(self) -> None:
        if self.calibration not in CALIBRATION_METHODS:
            raise ValueError(f"calibration must be one of {CALIBRATION_METHODS}")
        if not 0.0 <= self.medium_risk_threshold <= self.high_risk_threshold <= 1.0:
            raise ValueError(
                "risk thresholds need 0 <= churn_medium_risk_threshold <= "
                "churn_high_risk_threshold <= 1 (dbt vars)"
            )
        if not 0.0 < self.early_stopping_fraction < 1.0:
            raise ValueError("early_stopping_fraction must lie strictly between 0 and 1")
        if self.top_drivers < 1:
            raise ValueError("top_drivers must be at least 1")

    def lightgbm_params(self) -> dict[str, Any]:
        """Booster parameters; deterministic, so the same data and seed give the same trees."""
        return {
            "objective": "binary",
            "metric": "binary_logloss",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.num_threads,
            "verbosity": -1,
        }

    def training_params(self, feature_columns: list[str]) -> dict[str, Any]:
        """What the model version is derived from. Tiers and drivers are scoring-time only."""
        return {
            "horizon_days": self.horizon_days,
            "feature_columns": list(feature_columns),
            "lightgbm": self.lightgbm_params(),
            "num_boost_round": self.num_boost_round,
            "early_stopping_rounds": self.early_stopping_rounds,
            "early_stopping_fraction": self.early_stopping_fraction,
            "calibration": self.calibration,
            "isotonic_min_rows": self.isotonic_min_rows,
            "calibration_folds": self.calibration_folds,
            "validation_fraction": self.validation_fraction,
            "baseline_feature": self.baseline_feature,
            "bgnbd_feature": self.bgnbd_feature,
            # The metrics stored with a model include these intervals (ml.auc_confidence).
            "auc_intervals": f"DeLong {CI_LEVEL}",
        }


@dataclass
class ChurnModel:
    """A trained (or reloaded) churn model; `reused` says it was loaded instead of trained."""

    booster: lgb.Booster
    calibrator: ProbabilityCalibrator
    metadata: ArtifactMetadata
    feature_columns: list[str]
    config: ChurnConfig
    reused: bool = False

    @property
    def model_version(self) -> str:
        return self.metadata.model_version

    @property
    def metrics(self) -> dict[str, Any]:
        return self.metadata.metrics

    def score(self, features: pd.DataFrame) -> pd.DataFrame:
        """Calibrated churn probability, risk tier and top drivers for each row of `features`.

        Drivers are the features with the largest absolute SHAP contribution (LightGBM's
        `pred_contrib`, in log-odds of the uncalibrated booster), shown with their sign: `+`
        pushes towards churn, `-` away from it. Calibration is monotone, so signs carry over.
        """
        _require_columns(features, [self.config.id_column, *self.feature_columns])
        if features.empty:  # nobody to score (e.g. no active customer at the as-of date)
            columns = ["churn_probability", "risk_tier", "top_drivers"]
            columns += [f"top_driver_{n + 1}" for n in range(self.config.top_drivers)]
            return pd.DataFrame(columns=[self.config.id_column, *columns, "model_version"])
        matrix = feature_matrix(features, self.feature_columns)
        probability = self.calibrator.predict(self.booster.predict(matrix))
        contributions = self.booster.predict(matrix, pred_contrib=True)[:, :-1]
        names, text = top_drivers(contributions, self.feature_columns, self.config.top_drivers)
        scores = pd.DataFrame(
            {
                self.config.id_column: features[self.config.id_column].to_numpy(),
                "churn_probability": probability,
                "risk_tier": self._risk_tiers(probability),
                "top_drivers": text,
            },
            index=features.index,
        )
        for position in range(names.shape[1]):
            scores[f"top_driver_{position + 1}"] = names[:, position]
        scores["model_version"] = self.model_version
        return scores

    def _risk_tiers(self, probability: np.ndarray) -> np.ndarray:
        conditions = [
            probability >= self.config.high_risk_threshold,
            probability >= self.config.medium_risk_threshold,
        ]
        return np.select(conditions, ["high", "medium"], default="low").astype(object)


def train_churn(
    features: pd.DataFrame, feature_columns: list[str], config: ChurnConfig, store: ArtifactStore
) -> ChurnModel:
    """Train, calibrate and store a churn model, or load the stored one for the same data.

    Only labelled rows are used and hashed, so adding or changing scoring-snapshot rows does not
    invalidate a stored model.
    """
    feature_columns = list(feature_columns)
    _require_columns(
        features,
        [config.id_column, config.cutoff_column, config.label_column, *feature_columns],
    )
    _require_numeric(features, feature_columns)
    labelled = labelled_rows(features, feature_columns, config)
    data_hash = frame_hash(labelled)
    params = config.training_params(feature_columns)
    version = model_version(TASK, data_hash, params)

    stored = store.find(TASK, version)
    if stored is not None and _artifact_complete(store.directory(TASK, version)):
        logger.info("churn: loading stored model %s (trained %s)", version, stored.trained_at)
        return _load(store, stored, feature_columns, config, reused=True)

    logger.info("churn: training model %s on %d labelled rows", version, len(labelled))
    booster, calibrator, metrics = _fit(
        split_train_valid(labelled, config), feature_columns, config
    )
    cutoffs = labelled[config.cutoff_column]
    metadata = ArtifactMetadata(
        task=TASK,
        model_version=version,
        data_hash=data_hash,
        training_rows=len(labelled),
        data_window_start=iso_text(cutoffs.min()),
        data_window_end=iso_text(cutoffs.max()),
        params=params,
        metrics=metrics,
    )
    directory = store.directory(TASK, version)
    directory.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(directory / MODEL_FILE), num_iteration=booster.best_iteration)
    (directory / CALIBRATOR_FILE).write_bytes(pickle.dumps(calibrator))
    store.save(metadata)  # last, so stored metadata always means a complete artifact
    # Score through the saved files so a fresh and a reloaded model are byte-for-byte the same.
    return _load(store, metadata, feature_columns, config, reused=False)


def _fit(
    split: Split, feature_columns: list[str], config: ChurnConfig
) -> tuple[lgb.Booster, ProbabilityCalibrator, dict[str, Any]]:
    """Booster early-stopped on training customers held back from fitting, calibrator fitted on
    validation, and their metrics.

    The validation rows only judge the booster; its calibration there is cross-fitted for the
    stored probability metrics, and a monotone calibrator leaves the AUCs as they are.
    """
    x_valid = feature_matrix(split.valid, feature_columns)
    y_valid = split.valid[config.label_column].to_numpy()
    booster, stopping_rows = train_early_stopped(
        split.train,
        feature_columns,
        config.label_column,
        config.lightgbm_params(),
        id_column=config.id_column,
        stopping_fraction=config.early_stopping_fraction,
        seed=config.seed,
        num_boost_round=config.num_boost_round,
        early_stopping_rounds=config.early_stopping_rounds,
    )
    raw_valid = booster.predict(x_valid, num_iteration=booster.best_iteration)
    method = config.calibration if len(y_valid) >= config.isotonic_min_rows else "sigmoid"
    calibrator = ProbabilityCalibrator(method).fit(raw_valid, y_valid)
    customers = split.valid[config.id_column].to_numpy()
    honest = cross_fitted_calibration(
        raw_valid, y_valid, customers, method, config.calibration_folds, config.seed
    )
    gain = booster.feature_importance(importance_type="gain", iteration=booster.best_iteration)
    importance = sorted(zip(feature_columns, gain.tolist(), strict=True), key=lambda item: -item[1])
    metrics = {
        **validation_metrics(split, raw_valid, config, n_early_stopping=stopping_rows),
        **probability_metrics(honest, y_valid),
        **{f"{key}_raw": value for key, value in probability_metrics(raw_valid, y_valid).items()},
        "calibration_method": method,
        "best_iteration": int(booster.best_iteration),
        "feature_importance_gain": {name: round(value, 4) for name, value in importance},
    }
    return booster, calibrator, metrics


def _load(
    store: ArtifactStore,
    metadata: ArtifactMetadata,
    feature_columns: list[str],
    config: ChurnConfig,
    reused: bool,
) -> ChurnModel:
    directory = store.directory(TASK, metadata.model_version)
    booster = lgb.Booster(model_file=str(directory / MODEL_FILE))
    calibrator = pickle.loads((directory / CALIBRATOR_FILE).read_bytes())
    return ChurnModel(booster, calibrator, metadata, feature_columns, config, reused)


def _artifact_complete(directory: Path) -> bool:
    return (directory / MODEL_FILE).exists() and (directory / CALIBRATOR_FILE).exists()


def _require_columns(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"churn features are missing columns {missing}")


def _require_numeric(frame: pd.DataFrame, columns: list[str]) -> None:
    wrong = [column for column in columns if not pd.api.types.is_numeric_dtype(frame[column])]
    if wrong:
        raise ValueError(f"churn feature columns must be numeric; not numeric: {wrong}")
