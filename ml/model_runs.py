"""Rows of ml_model_runs: one per model in use, read back from the artifact store.

"In use" means some row of an ML table carries its version; the sentiment tables re-score rows of
an older model, so a replaced model drops out of the table with its last row.

The store already holds each model's metadata (data window, training rows, metrics); this module
flattens the metrics every dashboard asks for into columns and keeps the full set as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict

import pandas as pd
import pyarrow as pa

from ml.artifacts import ArtifactMetadata, ArtifactStore

# Column -> metric key in the stored metrics, by what the model reports.
METRIC_COLUMNS = {
    "validation_auc": "auc",
    "validation_pr_auc": "pr_auc",
    "validation_auc_ci_low": "auc_ci_low",
    "validation_auc_ci_high": "auc_ci_high",
    "baseline_auc": "baseline_auc",
    "auc_minus_baseline": "auc_minus_baseline",
    "auc_minus_baseline_ci_low": "auc_minus_baseline_ci_low",
    "auc_minus_baseline_ci_high": "auc_minus_baseline_ci_high",
    "bgnbd_auc": "bgnbd_auc",
    "auc_minus_bgnbd": "auc_minus_bgnbd",
    "auc_minus_bgnbd_ci_low": "auc_minus_bgnbd_ci_low",
    "auc_minus_bgnbd_ci_high": "auc_minus_bgnbd_ci_high",
    "bgnbd_no_purchase_auc": "bgnbd_no_purchase_auc",
    "auc_minus_bgnbd_no_purchase": "auc_minus_bgnbd_no_purchase",
    "auc_minus_bgnbd_no_purchase_ci_low": "auc_minus_bgnbd_no_purchase_ci_low",
    "auc_minus_bgnbd_no_purchase_ci_high": "auc_minus_bgnbd_no_purchase_ci_high",
    "active_auc": "active_auc",
    "active_bgnbd_auc": "active_bgnbd_auc",
    "lapsed_auc": "lapsed_auc",
    "lapsed_bgnbd_auc": "lapsed_bgnbd_auc",
    "brier_score": "brier",
    "expected_calibration_error": "ece",
    "accuracy": "accuracy",
    "macro_f1": "macro_f1",
    "value_mae": "mae",
    "value_rmse": "rmse",
    "value_spearman": "spearman",
    "value_top_decile_capture": "top_decile_capture",
    "value_predicted_to_actual": "predicted_to_actual",
    "historical_average_mae": "historical_average_mae",
    "historical_average_rmse": "historical_average_rmse",
    "historical_average_spearman": "historical_average_spearman",
    "historical_average_top_decile_capture": "historical_average_top_decile_capture",
    "btyd_mae": "btyd_mae",
    "btyd_rmse": "btyd_rmse",
    "btyd_spearman": "btyd_spearman",
    "btyd_top_decile_capture": "btyd_top_decile_capture",
    "recall_at_10": "recall_at_10",
    "ndcg_at_10": "ndcg_at_10",
    "hit_rate_at_10": "hit_rate_at_10",
    "catalogue_coverage": "catalogue_coverage",
    "popularity_recall_at_10": "popularity_recall_at_10",
    "popularity_ndcg_at_10": "popularity_ndcg_at_10",
    "recall_at_10_to_popularity": "recall_at_10_to_popularity",
    "median_mase": "median_mase",
    "seasonal_naive_median_mase": "seasonal_naive_median_mase",
    "interval_coverage_80": "interval_coverage_80",
}


# Explicit types, so that a build with no model in use still creates typed columns.
SCHEMA = pa.schema(
    [
        ("model_version", pa.string()),
        ("task", pa.string()),
        ("training_rows", pa.int64()),
        ("data_hash", pa.string()),
        *[(column, pa.float64()) for column in METRIC_COLUMNS],
        ("metrics_json", pa.string()),
        ("params_json", pa.string()),
        ("data_window_start", pa.timestamp("us")),
        ("data_window_end", pa.timestamp("us")),
        ("trained_at", pa.timestamp("us")),
    ]
)


def find_run(store: ArtifactStore, model_version: str) -> ArtifactMetadata | None:
    """Metadata of `model_version` under whichever task stored it."""
    for task_directory in sorted(store.root.glob("*")):
        metadata = store.find(task_directory.name, model_version)
        if metadata is not None:
            return metadata
    return None


def model_runs_table(model_versions: Iterable[str], store: ArtifactStore) -> pa.Table:
    """One row per distinct version; a version with no stored artifact is an error, not a gap."""
    rows = []
    for version in sorted(set(model_versions)):
        metadata = find_run(store, version)
        if metadata is None:
            raise ValueError(
                f"model {version} is used by a table but has no artifact under {store.root}; "
                "rebuild the ML models (dbt build --select +ml_model_runs) or check the "
                "ml_artifacts_dir var"
            )
        record = asdict(metadata)
        row = {
            "model_version": metadata.model_version,
            "task": metadata.task,
            "training_rows": metadata.training_rows,
            "data_hash": metadata.data_hash,
        }
        for column, key in METRIC_COLUMNS.items():
            value = metadata.metrics.get(key)
            row[column] = float(value) if isinstance(value, int | float) else None
        row["metrics_json"] = json.dumps(record["metrics"], default=str, sort_keys=True)
        row["params_json"] = json.dumps(record["params"], default=str, sort_keys=True)
        row["data_window_start"] = pd.to_datetime(metadata.data_window_start)
        row["data_window_end"] = pd.to_datetime(metadata.data_window_end)
        trained_at = pd.Timestamp(metadata.trained_at)
        row["trained_at"] = trained_at.tz_convert(None) if trained_at.tzinfo else trained_at
        rows.append(row)
    frame = pd.DataFrame(rows, columns=SCHEMA.names)
    return pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)
