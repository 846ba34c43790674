"""Rows of ml_customer_value: train on the value cutoffs, predict every buyer at the as-of snapshot.

Scores are one row per buyer, as in ml_churn_scores. When the history cannot train a model (it
spans less than one value horizon), every buyer still gets a row, with status
insufficient_history, no prediction and a warning that says what to change.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from ml.artifacts import ArtifactStore
from ml.churn_tables import INSUFFICIENT_HISTORY, SCORED
from ml.customer_features import feature_columns
from ml.customer_value import (
    InsufficientValueData,
    ValueConfig,
    ValueModel,
    train_value,
    value_tiers,
)
from ml.settings import MLSettings

MODEL_NAME = "lightgbm-tweedie-value"
SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("model_name", pa.string()),
        ("predicted_value", pa.float64()),
        ("btyd_expected_value", pa.float64()),
        ("value_rank", pa.int64()),
        ("value_tier", pa.string()),
        ("horizon_days", pa.int64()),
        ("model_version", pa.string()),
        ("status", pa.string()),
        ("snapshot_at", pa.timestamp("us")),
        ("scored_at", pa.timestamp("us")),
    ]
)

logger = logging.getLogger(__name__)


def customer_value_table(
    features: pd.DataFrame, settings: MLSettings
) -> tuple[pa.Table, ValueModel | None]:
    """Train (or reuse) the value model and predict the scoring snapshot, one row per buyer."""
    columns = feature_columns(features.columns)
    config = ValueConfig(
        horizon_days=settings.value_horizon_days,
        top_share=settings.value_tier_top_share,
        high_share=settings.value_tier_high_share,
    )
    snapshot = features[features["is_scoring_snapshot"].astype(bool)]
    snapshot = snapshot.sort_values("customer_id", kind="stable").reset_index(drop=True)
    scores = pd.DataFrame(
        {
            "customer_id": snapshot["customer_id"].to_numpy(),
            "btyd_expected_value": snapshot["btyd_expected_value"].to_numpy(dtype=float),
        }
    )
    try:
        model = train_value(features, columns, config, ArtifactStore(settings.artifacts_dir))
    except InsufficientValueData as reason:
        logger.warning("customer value: %d customers not scored: %s", len(snapshot), reason)
        model, status = None, INSUFFICIENT_HISTORY
    else:
        predicted = model.predict(snapshot)
        rank, tier = value_tiers(predicted, config.top_share, config.high_share)
        scores["predicted_value"] = predicted
        scores["value_rank"] = rank
        scores["value_tier"] = tier
        scores["model_version"] = model.model_version
        status = SCORED
    scores["model_name"] = MODEL_NAME
    scores["horizon_days"] = np.int64(config.horizon_days)
    scores["status"] = status
    scores["snapshot_at"] = snapshot["cutoff_at"].to_numpy()
    scores["scored_at"] = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
    scores = scores.reindex(columns=SCHEMA.names)
    return pa.Table.from_pandas(scores, schema=SCHEMA, preserve_index=False), model
