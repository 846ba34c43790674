"""Customer value: revenue over the value horizon, from a LightGBM regression on the same
point-in-time features as churn, judged beside two baselines on held-out customers.

The target is a customer's net revenue in the `value_horizon_days` after a value cutoff: zero for
most customers, a long tail for a few. A Tweedie objective (log link) models exactly that mix of
a point mass at zero and a skewed positive part in one booster, the usual choice for spend, and
its predictions are means on the revenue scale, so they add up to a forecast of total revenue.

Validation. Value cutoffs lie closer together than one horizon (a year), so holding out the
latest cutoff in time, as churn does, would leave no cutoff whose label window closed before it.
Where no cutoff lies a full horizon before the latest, the split is by customer instead: every
row of a held-out customer is in validation, none in training, and the metrics are measured on
those rows at every value cutoff (a customer counts once per cutoff: each is a forecast made at
a different time, and one cutoff alone holds too few customers for a stable Spearman or
top-decile share on a small shop). Where cutoffs do lie that far
apart, training uses those cutoffs and validation the latest, as for churn. Early stopping uses a
customer split inside the training rows, so no reported metric has seen its own rows twice.

Baselines, on the same rows: the historical average (the customer's revenue so far, as a yearly
rate over their purchase age, at least one horizon, times the horizon) and BG/NBD × Gamma-Gamma
(`btyd_expected_value`, ml/btyd.py), the classic probabilistic forecast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from ml.artifacts import ArtifactMetadata, ArtifactStore, frame_hash, model_version
from ml.boosting import customer_split, feature_matrix, train_early_stopped
from ml.churn_data import CUSTOMER_SPLIT, TIME_SPLIT, iso_text
from ml.settings import VALUE_HORIZON_DAYS, VALUE_TIER_HIGH_SHARE, VALUE_TIER_TOP_SHARE

TASK = "customer_value"
MODEL_FILE = "model.txt"
TIERS = ("top", "high", "standard")
BASELINES = ("historical_average", "btyd")

logger = logging.getLogger(__name__)


class InsufficientValueData(ValueError):
    """Too few labelled rows to train and validate a value model: a property of the data (a shop
    younger than the value horizon), so callers score nothing and say why."""


@dataclass
class ValueConfig:
    """Training and scoring settings; everything that changes the fitted model is versioned."""

    horizon_days: int = VALUE_HORIZON_DAYS
    seed: int = 42
    num_boost_round: int = 1000
    early_stopping_rounds: int = 50
    learning_rate: float = 0.05
    num_leaves: int = 15
    min_data_in_leaf: int = 50
    tweedie_variance_power: float = 1.5
    num_threads: int = 1
    validation_fraction: float = 0.2
    min_training_rows: int = 200
    top_share: float = VALUE_TIER_TOP_SHARE
    high_share: float = VALUE_TIER_HIGH_SHARE
    id_column: str = "customer_id"
    cutoff_column: str = "cutoff_at"
    label_column: str = "revenue_in_value_horizon"
    btyd_column: str = "btyd_expected_value"

    def __post_init__(self) -> None:
        if not (
            self.top_share >= 0 and self.high_share >= 0 and self.top_share + self.high_share <= 1
        ):
            raise ValueError(
                "value tiers need 0 <= value_tier_top_share, 0 <= value_tier_high_share and "
                "their sum <= 1 (dbt vars)"
            )

    def lightgbm_params(self) -> dict[str, Any]:
        return {
            "objective": "tweedie",
            "tweedie_variance_power": self.tweedie_variance_power,
            "metric": "tweedie",
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
        """What the model version is derived from; tiers are scoring-time only."""
        return {
            "horizon_days": self.horizon_days,
            "feature_columns": list(feature_columns),
            "lightgbm": self.lightgbm_params(),
            "num_boost_round": self.num_boost_round,
            "early_stopping_rounds": self.early_stopping_rounds,
            "validation_fraction": self.validation_fraction,
            # The stored metrics depend on how they were measured (see the module docstring).
            "validation": "held-out customers at every value cutoff, period labelled",
        }


@dataclass
class ValueModel:
    """A trained (or reloaded) value model; `reused` says it was loaded instead of trained."""

    booster: lgb.Booster
    metadata: ArtifactMetadata
    feature_columns: list[str]
    config: ValueConfig
    reused: bool = False

    @property
    def model_version(self) -> str:
        return self.metadata.model_version

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Expected revenue over the horizon, never negative (the Tweedie mean is positive)."""
        if features.empty:
            return np.zeros(0)
        return np.clip(
            self.booster.predict(feature_matrix(features, self.feature_columns)), 0.0, None
        )


def value_tiers(
    predicted: np.ndarray, top_share: float, high_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rank (1 = most valuable; ties broken by position, so callers sort by a stable key first)
    and tier: the first ceil(n * top_share) ranks are top, the next up to ceil(n * (top_share +
    high_share)) high, the rest standard. Counts, not value thresholds, so the tiers keep their
    sizes whatever the currency or the shop's scale."""
    n = len(predicted)
    order = np.argsort(-np.asarray(predicted, dtype=float), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    top_count = int(np.ceil(n * top_share - 1e-9))
    high_count = int(np.ceil(n * (top_share + high_share) - 1e-9))
    tier = np.where(rank <= top_count, "top", np.where(rank <= high_count, "high", "standard"))
    return rank, tier.astype(object)


def regression_metrics(predicted: np.ndarray, actual: np.ndarray) -> dict[str, float | None]:
    """MAE, RMSE, Spearman rank correlation, the share of the actual top decile's revenue that
    the predicted top decile holds, and total predicted over total actual revenue."""
    predicted = np.asarray(predicted, dtype=float)
    actual = np.asarray(actual, dtype=float)
    decile = max(int(np.ceil(len(actual) * 0.1)), 1)
    top_actual = np.sort(actual)[::-1][:decile].sum()
    top_predicted = actual[np.argsort(-predicted, kind="stable")[:decile]].sum()
    rho = spearmanr(predicted, actual).statistic if np.ptp(predicted) > 0 else np.nan
    return {
        "mae": float(np.mean(np.abs(predicted - actual))),
        "rmse": float(np.sqrt(np.mean((predicted - actual) ** 2))),
        "spearman": None if np.isnan(rho) else float(rho),
        "top_decile_capture": float(top_predicted / top_actual) if top_actual > 0 else None,
        "predicted_to_actual": float(predicted.sum() / actual.sum()) if actual.sum() > 0 else None,
    }


def historical_average(frame: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """The customer's revenue so far as a rate over their purchase age (at least one horizon,
    so a week-old customer's first order is not multiplied up to a year), times the horizon."""
    age = np.maximum(frame["purchase_age_days"].to_numpy(dtype=float), horizon_days)
    return frame["revenue_total"].to_numpy(dtype=float) / age * horizon_days


def train_value(
    features: pd.DataFrame, feature_columns: list[str], config: ValueConfig, store: ArtifactStore
) -> ValueModel:
    """Train and store a value model, or load the stored one trained on the same data."""
    feature_columns = list(feature_columns)
    labelled = _labelled_rows(features, feature_columns, config)
    data_hash = frame_hash(labelled)
    params = config.training_params(feature_columns)
    version = model_version(TASK, data_hash, params)
    stored = store.find(TASK, version)
    directory = store.directory(TASK, version)
    if stored is not None and (directory / MODEL_FILE).exists():
        logger.info(
            "customer value: loading stored model %s (trained %s)", version, stored.trained_at
        )
        booster = lgb.Booster(model_file=str(directory / MODEL_FILE))
        return ValueModel(booster, stored, feature_columns, config, reused=True)

    logger.info("customer value: training model %s on %d labelled rows", version, len(labelled))
    train, valid, strategy = _split(labelled, config)
    booster, _ = train_early_stopped(
        train,
        feature_columns,
        config.label_column,
        config.lightgbm_params(),
        id_column=config.id_column,
        stopping_fraction=config.validation_fraction,
        seed=config.seed,
        num_boost_round=config.num_boost_round,
        early_stopping_rounds=config.early_stopping_rounds,
    )
    metrics = _metrics(booster, valid, feature_columns, config)
    metrics |= {
        "split_strategy": strategy,
        # Same period, other customers: under a customer split, validation labels cover the
        # same calendar year as training ones, so the figures say how well the model ranks and
        # sizes customers it has not seen, not how it carries over to a year it has not seen.
        "validation_period": "out_of_time" if strategy == TIME_SPLIT else "same_period",
        "n_train": len(train),
        "n_valid": len(valid),
        "n_valid_customers": int(valid[config.id_column].nunique()),
    }
    logger.info(
        "customer value: held-out MAE %.2f (historical average %.2f, BG/NBD x Gamma-Gamma %s), "
        "Spearman %.3f, top-decile capture %.3f on %d held-out rows",
        metrics["mae"],
        metrics["historical_average_mae"],
        _fmt(metrics.get("btyd_mae")),
        metrics["spearman"] or float("nan"),
        metrics["top_decile_capture"] or float("nan"),
        len(valid),
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
    directory.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(directory / MODEL_FILE), num_iteration=booster.best_iteration)
    store.save(metadata)  # last, so stored metadata always means a complete artifact
    reloaded = lgb.Booster(model_file=str(directory / MODEL_FILE))
    return ValueModel(reloaded, metadata, feature_columns, config)


def _labelled_rows(
    features: pd.DataFrame, feature_columns: list[str], config: ValueConfig
) -> pd.DataFrame:
    """Rows whose value horizon has elapsed, canonically ordered so the hash ignores row order."""
    keys = [config.cutoff_column, config.id_column]
    missing = [c for c in [*keys, config.label_column, *feature_columns] if c not in features]
    if missing:
        raise ValueError(f"customer value features are missing columns {missing}")
    columns = [*keys, config.label_column, *feature_columns]
    labelled = features.loc[features[config.label_column].notna(), columns]
    labelled = labelled.sort_values(keys, kind="stable").reset_index(drop=True)
    if (labelled[config.label_column] < 0).any():
        raise ValueError(f"{config.label_column} must not be negative")
    if labelled.duplicated(keys).any():
        raise ValueError(f"customer value features must have one row per {keys}; found duplicates")
    if len(labelled) < config.min_training_rows:
        raise InsufficientValueData(
            f"customer value training needs at least {config.min_training_rows} labelled rows, "
            f"got {len(labelled)}: the data must span more than one value horizon "
            f"({config.horizon_days} days, dbt var value_horizon_days); shorten it, label more "
            "cutoffs (value_training_cutoffs) or load more history"
        )
    if not (labelled[config.label_column] > 0).any():
        raise InsufficientValueData(
            "no customer bought anything within a value horizon after any value cutoff; "
            "check value_horizon_days and value_training_cutoffs"
        )
    return labelled


def _split(labelled: pd.DataFrame, config: ValueConfig) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Training rows, validation rows and the strategy's name."""
    cutoffs = pd.to_datetime(labelled[config.cutoff_column])
    latest = cutoffs.max()
    closed = (cutoffs + pd.Timedelta(days=config.horizon_days) <= latest).to_numpy()
    if closed.any():
        return labelled[closed], labelled[(cutoffs == latest).to_numpy()], TIME_SPLIT
    train_rows, valid_rows = customer_split(
        labelled, config.id_column, config.validation_fraction, config.seed
    )
    return labelled.iloc[train_rows], labelled.iloc[valid_rows], CUSTOMER_SPLIT


def _metrics(
    booster: lgb.Booster, valid: pd.DataFrame, feature_columns: list[str], config: ValueConfig
) -> dict[str, Any]:
    """The model's held-out metrics, and each baseline's under its name as a prefix."""
    actual = valid[config.label_column].to_numpy(dtype=float)
    predicted = np.clip(
        booster.predict(
            feature_matrix(valid, feature_columns), num_iteration=booster.best_iteration
        ),
        0.0,
        None,
    )
    metrics: dict[str, Any] = dict(regression_metrics(predicted, actual))
    baselines = {"historical_average": historical_average(valid, config.horizon_days)}
    if config.btyd_column in valid.columns and valid[config.btyd_column].notna().any():
        btyd = valid[config.btyd_column].astype(float)
        baselines["btyd"] = btyd.fillna(btyd.median()).to_numpy()
    for name, scores in baselines.items():
        metrics |= {
            f"{name}_{key}": value for key, value in regression_metrics(scores, actual).items()
        }
    gain = booster.feature_importance(importance_type="gain", iteration=booster.best_iteration)
    importance = sorted(zip(feature_columns, gain.tolist(), strict=True), key=lambda item: -item[1])
    metrics |= {
        "actual_mean": float(actual.mean()),
        "actual_zero_share": float((actual == 0).mean()),
        "best_iteration": int(booster.best_iteration),
        "feature_importance_gain": {name: round(value, 4) for name, value in importance},
    }
    return metrics


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
