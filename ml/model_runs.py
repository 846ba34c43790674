"""Rows of ml_model_runs: one per trained model in use, read back from the artifact store.

The store already holds each model's metadata (data window, training rows, metrics); this module
flattens the metrics every dashboard asks for into columns and keeps the full set as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict

import pandas as pd

from ml.artifacts import ArtifactMetadata, ArtifactStore

# Column -> metric key in the stored metrics, by what the model reports.
METRIC_COLUMNS = {
    "validation_auc": "auc",
    "validation_pr_auc": "pr_auc",
    "baseline_auc": "baseline_auc",
    "brier_score": "brier",
    "expected_calibration_error": "ece",
    "accuracy": "accuracy",
    "macro_f1": "macro_f1",
}


def find_run(store: ArtifactStore, model_version: str) -> ArtifactMetadata | None:
    """Metadata of `model_version` under whichever task stored it."""
    for task_directory in sorted(store.root.glob("*")):
        metadata = store.find(task_directory.name, model_version)
        if metadata is not None:
            return metadata
    return None


def model_runs_table(model_versions: Iterable[str], store: ArtifactStore) -> pd.DataFrame:
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
        row["trained_at"] = pd.to_datetime(metadata.trained_at).tz_localize(None)
        rows.append(row)
    return pd.DataFrame(rows, columns=_COLUMNS)


_COLUMNS = [
    "model_version",
    "task",
    "training_rows",
    "data_hash",
    *METRIC_COLUMNS,
    "metrics_json",
    "params_json",
    "data_window_start",
    "data_window_end",
    "trained_at",
]
