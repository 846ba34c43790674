"""Labelled churn rows: the checks that they can train a model, and the train/validation split.

Errors name the setting to change, because the usual cause of too few rows or a single outcome is
the warehouse configuration (horizon too long or short, too few labelled cutoffs), not the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ml.auc_confidence import auc_intervals
from ml.boosting import customer_split
from ml.churn_calibration import ranking_metrics

if TYPE_CHECKING:
    from ml.churn import ChurnConfig

TIME_SPLIT = "latest_cutoff"
CUSTOMER_SPLIT = "customer_group"


class InsufficientChurnData(ValueError):
    """Too few labelled rows, or a missing outcome, to train and validate a churn model.

    A property of the data (a young shop, a short history), not a bug: callers may score nothing
    and say why instead of failing the build.
    """


@dataclass
class Split:
    """Training and validation rows, and how they were separated."""

    train: pd.DataFrame
    valid: pd.DataFrame
    strategy: str
    train_cutoffs: int


def labelled_rows(
    features: pd.DataFrame, feature_columns: list[str], config: ChurnConfig
) -> pd.DataFrame:
    """Rows whose horizon has elapsed, in a canonical order so the data hash ignores row order."""
    keys = [config.cutoff_column, config.id_column]
    columns = [*keys, config.label_column, *feature_columns]
    if config.lapsed_column in features.columns:
        columns.append(config.lapsed_column)
    labelled = features.loc[features[config.label_column].notna(), columns]
    labelled = labelled.sort_values(keys, kind="stable").reset_index(drop=True)
    if not labelled[config.label_column].isin([0, 1]).all():
        raise ValueError(f"churn label {config.label_column} must be 0, 1 or null")
    labelled[config.label_column] = labelled[config.label_column].astype(int)
    if labelled.duplicated(keys).any():
        raise ValueError(f"churn features must have one row per {keys}; found duplicates")
    if len(labelled) < config.min_training_rows:
        raise InsufficientChurnData(
            f"churn training needs at least {config.min_training_rows} labelled rows "
            f"(non-null {config.label_column}), got {len(labelled)}: label more cutoffs "
            "(dbt var churn_training_cutoffs), load more history, or lower "
            "ChurnConfig.min_training_rows"
        )
    _require_both_classes(labelled, "labelled", config)
    return labelled


def split_train_valid(labelled: pd.DataFrame, config: ChurnConfig) -> Split:
    """Validate on the latest labelled cutoff; with only one cutoff, on a seeded customer sample.

    Training uses only cutoffs whose label window has closed by the validation cutoff (cutoff +
    horizon <= validation cutoff): a later one would have its label observed during the
    validation window, and validation would no longer look only at the future. The customer
    split keeps every row of a customer on one side, so validation never scores a customer the
    model was trained on.
    """
    cutoffs = pd.to_datetime(labelled[config.cutoff_column])
    if cutoffs.nunique() > 1:
        latest = cutoffs.max()
        is_valid = (cutoffs == latest).to_numpy()
        closed = (cutoffs + pd.Timedelta(days=config.horizon_days) <= latest).to_numpy()
        train = labelled[closed]
        if train.empty:
            raise InsufficientChurnData(
                f"no labelled cutoff lies a full churn horizon ({config.horizon_days} days) before "
                f"the validation cutoff {iso_text(latest)}: label more cutoffs (dbt var "
                "churn_training_cutoffs) or space them further apart (training_cutoff_spacing_days)"
            )
        split = Split(train, labelled[is_valid], TIME_SPLIT, int(cutoffs[closed].nunique()))
    else:
        train_rows, valid_rows = customer_split(
            labelled, config.id_column, config.validation_fraction, config.seed
        )
        split = Split(labelled.iloc[train_rows], labelled.iloc[valid_rows], CUSTOMER_SPLIT, 1)
    _require_both_classes(split.train, "training", config)
    _require_both_classes(split.valid, "validation", config)
    return split


def validation_metrics(
    split: Split, raw_valid: np.ndarray, config: ChurnConfig, n_early_stopping: int = 0
) -> dict[str, Any]:
    """Ranking metrics of the model and of two baselines on the same rows, with confidence
    intervals for the AUC and for the model's AUC minus each baseline's: recency alone
    (`baseline_*`) and the BG/NBD expected purchases in the horizon, the classic model
    (`bgnbd_*`). Also the AUCs among active and among lapsed customers separately, because the
    two groups differ so much that a pooled AUC can hide a model that ranks neither well. The
    BG/NBD probability of no purchase in the horizon is reported beside them
    (`bgnbd_no_purchase_*`): it is also one of the model's features, so the gap to it says how
    much the rest of the features add to the classic model's own churn probability."""
    labels = split.valid[config.label_column].to_numpy()
    baseline = _baseline_scores(split.valid, config.baseline_feature)
    bgnbd = _baseline_scores(split.valid, config.bgnbd_feature, higher_is_churn=False)
    vs_bgnbd = {}
    if bgnbd is not None:
        intervals = auc_intervals(labels, raw_valid, bgnbd)
        vs_bgnbd = {
            "bgnbd_auc": float(roc_auc_score(labels, bgnbd)),
            "auc_minus_bgnbd": intervals["auc_minus_baseline"],
            "auc_minus_bgnbd_ci_low": intervals["auc_minus_baseline_ci_low"],
            "auc_minus_bgnbd_ci_high": intervals["auc_minus_baseline_ci_high"],
        }
    no_purchase = _baseline_scores(split.valid, config.bgnbd_no_purchase_feature)
    if no_purchase is not None:
        intervals = auc_intervals(labels, raw_valid, no_purchase)
        vs_bgnbd |= {
            "bgnbd_no_purchase_auc": float(roc_auc_score(labels, no_purchase)),
            "auc_minus_bgnbd_no_purchase": intervals["auc_minus_baseline"],
            "auc_minus_bgnbd_no_purchase_ci_low": intervals["auc_minus_baseline_ci_low"],
            "auc_minus_bgnbd_no_purchase_ci_high": intervals["auc_minus_baseline_ci_high"],
        }
    return {
        **ranking_metrics(raw_valid, labels),
        **auc_intervals(labels, raw_valid, baseline),
        **vs_bgnbd,
        **_group_aucs(split.valid, raw_valid, bgnbd, config),
        "baseline_feature": config.baseline_feature,
        "bgnbd_feature": config.bgnbd_feature,
        "baseline_auc": None if baseline is None else float(roc_auc_score(labels, baseline)),
        "positive_rate": float(labels.mean()),
        "train_positive_rate": float(split.train[config.label_column].mean()),
        "n_train": len(split.train),
        # Of the training rows, those held back (by customer) to decide when boosting stops.
        "n_early_stopping": n_early_stopping,
        "n_valid": len(split.valid),
        "split_strategy": split.strategy,
        "train_cutoffs": split.train_cutoffs,
        "validation_cutoff": iso_text(split.valid[config.cutoff_column].max())
        if split.strategy == TIME_SPLIT
        else None,
    }


def _baseline_scores(
    valid: pd.DataFrame, feature: str | None, higher_is_churn: bool = True
) -> np.ndarray | None:
    """A baseline's score: the feature itself (no fitting, no tuning), signed so that higher
    means more churn. Missing values get the median so they neither help nor hurt it."""
    if feature is None or feature not in valid.columns or valid[feature].isna().all():
        return None  # e.g. BG/NBD could not be fitted at the validation cutoff: no baseline
    score = valid[feature].astype(float)
    score = score.fillna(score.median()).fillna(0.0).to_numpy()
    return score if higher_is_churn else -score


def _group_aucs(
    valid: pd.DataFrame, raw_valid: np.ndarray, bgnbd: np.ndarray | None, config: ChurnConfig
) -> dict[str, float | None]:
    """AUC of the model and of BG/NBD among active (`active_*`) and lapsed (`lapsed_*`)
    customers; None where a group is missing or holds one outcome only."""
    result: dict[str, float | None] = {}
    if config.lapsed_column not in valid.columns:
        return result
    labels = valid[config.label_column].to_numpy()
    lapsed = valid[config.lapsed_column].astype(bool).to_numpy()
    for name, rows in (("active", ~lapsed), ("lapsed", lapsed)):
        both = len(np.unique(labels[rows])) == 2
        result[f"{name}_auc"] = (
            float(roc_auc_score(labels[rows], raw_valid[rows])) if both else None
        )
        result[f"{name}_bgnbd_auc"] = (
            float(roc_auc_score(labels[rows], bgnbd[rows])) if both and bgnbd is not None else None
        )
        result[f"{name}_rows"] = int(rows.sum())
    return result


def _require_both_classes(rows: pd.DataFrame, which: str, config: ChurnConfig) -> None:
    churned = int(rows[config.label_column].sum())
    retained = len(rows) - churned
    if min(churned, retained) < config.min_class_rows:
        raise InsufficientChurnData(
            f"churn {which} rows have {churned} churned and {retained} retained; each class needs "
            f"at least {config.min_class_rows} (ChurnConfig.min_class_rows). A missing class "
            f"usually means the churn horizon ({config.horizon_days} days, dbt var "
            "churn_horizon_days) does not suit the data, or too few cutoffs are labelled "
            "(churn_training_cutoffs / training_cutoff_spacing_days): change those or add data"
        )


def iso_text(value: Any) -> str:
    """A cutoff as text for metadata: ISO format for dates and timestamps."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
