"""Trained models stored on disk with what they were trained on, so unchanged data is not retrained.

Each artifact lives in `<root>/<task>/<version>/` as `model.<ext>` plus `metadata.json`. The version
is derived from the task, its parameters and a hash of the training data: rerunning a build on the
same data finds the same version and loads it instead of training again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_ROOT_ENV = "ML_ARTIFACTS_DIR"


def artifacts_root(configured: str | os.PathLike[str] | None = None) -> Path:
    """The artifact directory: the configured path, else $ML_ARTIFACTS_DIR, else `.ml_artifacts`."""
    return Path(configured or os.environ.get(DEFAULT_ROOT_ENV) or ".ml_artifacts")


# Mantissa bits of floats that count for the hash (about 10 significant digits). A warehouse's
# parallel aggregations add floats in varying order, so the same data can differ in the last bits
# from one build to the next; that must not count as new training data.
HASH_MANTISSA_BITS = 33


def frame_hash(frame: pd.DataFrame) -> str:
    """A content hash of a DataFrame (values, column names and order), stable across runs and
    across float rounding noise (floats count to HASH_MANTISSA_BITS bits of mantissa)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([str(column) for column in frame.columns]).encode())
    stable = frame.copy()
    for column in stable.columns:
        if pd.api.types.is_float_dtype(stable[column]):
            values = stable[column].to_numpy(dtype=float, na_value=np.nan)
            mantissa, exponent = np.frexp(values)
            scale = float(2**HASH_MANTISSA_BITS)
            stable[column] = np.ldexp(np.round(mantissa * scale) / scale, exponent)
    digest.update(pd.util.hash_pandas_object(stable, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@dataclass
class ArtifactMetadata:
    """What a model run records: enough to reproduce it and to judge whether it can be reused."""

    task: str
    model_version: str
    data_hash: str
    training_rows: int
    data_window_start: str | None
    data_window_end: str | None
    params: dict[str, Any]
    metrics: dict[str, Any]
    trained_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def model_version(task: str, data_hash: str, params: dict[str, Any]) -> str:
    """Version string `<task>-<12 hex>` determined by the task, parameters and training data."""
    payload = json.dumps({"task": task, "data": data_hash, "params": params}, sort_keys=True)
    return f"{task}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


class ArtifactStore:
    """Reads and writes model artifacts under one root directory."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = artifacts_root(root)

    def directory(self, task: str, version: str) -> Path:
        return self.root / task / version

    def find(self, task: str, version: str) -> ArtifactMetadata | None:
        """Metadata of a stored artifact, or None when this version was never trained here."""
        path = self.directory(task, version) / "metadata.json"
        if not path.exists():
            return None
        return ArtifactMetadata(**json.loads(path.read_text()))

    def save(self, metadata: ArtifactMetadata) -> Path:
        """Write metadata.json; the caller writes the model file into the returned directory."""
        directory = self.directory(metadata.task, metadata.model_version)
        directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(asdict(metadata), indent=2, default=str)
        (directory / "metadata.json").write_text(text)
        return directory
