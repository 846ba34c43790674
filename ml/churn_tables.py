"""Rows of ml_churn_scores: train on the labelled cutoffs, score every buyer at the as-of snapshot.

Lapsed buyers (lifecycle stage churned) are scored by the same model, which learnt from lapsed
buyers at the training cutoffs whether they came back; for them the score reads the other way
round, as the probability of a win-back within the horizon, and is flagged so.

The feature table comes from dbt (ml_customer_features_pit); its features are the ones declared in
ml/customer_features.py, and a column that is neither a declared feature nor excluded is an error,
so nothing becomes a feature unnoticed.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa

from ml.artifacts import ArtifactStore
from ml.churn import ChurnConfig, ChurnModel, train_churn
from ml.churn_data import InsufficientChurnData
from ml.customer_features import feature_columns
from ml.settings import MLSettings

MODEL_NAME = "lightgbm-churn"
SCORED = "scored"
INSUFFICIENT_HISTORY = "insufficient_history"
SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("model_name", pa.string()),
        ("churn_probability", pa.float64()),
        ("is_win_back", pa.bool_()),
        ("win_back_probability", pa.float64()),
        ("risk_tier", pa.string()),
        ("top_drivers", pa.string()),
        ("top_driver_1", pa.string()),
        ("top_driver_2", pa.string()),
        ("top_driver_3", pa.string()),
        ("model_version", pa.string()),
        ("status", pa.string()),
        ("snapshot_at", pa.timestamp("us")),
        ("scored_at", pa.timestamp("us")),
    ]
)

logger = logging.getLogger(__name__)


def churn_score_table(
    features: pd.DataFrame, settings: MLSettings
) -> tuple[pa.Table, ChurnModel | None]:
    """Train (or reuse) the churn model and score the scoring snapshot, one row per customer.

    When the history cannot train a model (too few labelled rows or a missing outcome), every
    snapshot customer still gets a row, with status `insufficient_history`, no probability and
    a warning in the log that says what to change; the returned model is then None.
    """
    columns = feature_columns(features.columns)
    config = ChurnConfig(
        horizon_days=settings.churn_horizon_days,
        high_risk_threshold=settings.churn_high_risk_threshold,
        medium_risk_threshold=settings.churn_medium_risk_threshold,
    )
    snapshot = features[features["is_scoring_snapshot"].astype(bool)]
    try:
        model = train_churn(features, columns, config, ArtifactStore(settings.artifacts_dir))
    except InsufficientChurnData as reason:
        logger.warning("churn: %d customers not scored: %s", len(snapshot), reason)
        scores = pd.DataFrame({"customer_id": snapshot["customer_id"].to_numpy()})
        model, status = None, INSUFFICIENT_HISTORY
    else:
        scores = model.score(snapshot).reset_index(drop=True)
        status = SCORED
    lapsed = snapshot["is_lapsed"].astype(bool).to_numpy()
    scores["is_win_back"] = lapsed
    if "risk_tier" in scores.columns:
        # A lapsed customer has churned already: a churn risk tier would fill the high tier
        # with them. Their ranking is win_back_probability.
        scores.loc[lapsed, "risk_tier"] = "lapsed"
    if "churn_probability" in scores.columns:
        scores["win_back_probability"] = (1.0 - scores["churn_probability"]).where(lapsed)
    scores["model_name"] = MODEL_NAME
    scores["status"] = status
    scores["snapshot_at"] = snapshot["cutoff_at"].to_numpy()
    scores["scored_at"] = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
    scores = scores.reindex(columns=SCHEMA.names)
    return pa.Table.from_pandas(scores, schema=SCHEMA, preserve_index=False), model
