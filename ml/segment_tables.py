"""Rows of ml_customer_segments and ml_segment_profiles, and the segmentation kept between runs.

A segmentation is stored in the artifact store (task `segments`) under a version derived from
its features, embeddings and parameters: a rerun on the same data loads it, so its ids, names
and memberships are exactly those of the first run. `segments/latest.json` names the
segmentation in use; a run on changed data matches its clusters to that one's centroids
(ml/segments.py), so ids stay as stable as the data allows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ml.artifacts import ArtifactMetadata, ArtifactStore, frame_hash, model_version
from ml.segment_features import SEGMENT_FEATURES, segment_feature_columns
from ml.segments import Segmentation, SegmentConfig, embedding_matrix, segment_customers
from ml.settings import MLSettings

TASK = "segments"
MODEL_NAME = "kmeans-segments"
LATEST = "latest.json"
RESULT = "segmentation.json"
ASSIGNMENTS = "assignments.parquet"

SEGMENT_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("segment_id", pa.int32()),
        ("segment_name", pa.string()),
        ("distance_to_centroid", pa.float64()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("snapshot_at", pa.timestamp("us")),
        ("segmented_at", pa.timestamp("us")),
    ]
)
PROFILE_SCHEMA = pa.schema(
    [
        ("segment_id", pa.int32()),
        ("segment_name", pa.string()),
        ("name_basis", pa.string()),
        ("customers", pa.int64()),
        ("segment_count", pa.int32()),
        ("silhouette_score", pa.float64()),
        ("silhouette_by_k", pa.string()),
        ("profile_json", pa.string()),
        ("model_version", pa.string()),
        ("is_carried_over", pa.bool_()),
        ("segmented_at", pa.timestamp("us")),
    ]
)

logger = logging.getLogger(__name__)


def segment_config(settings: MLSettings) -> SegmentConfig:
    return SegmentConfig(
        min_clusters=settings.segment_min_clusters, max_clusters=settings.segment_max_clusters
    )


def _data_hash(features: pd.DataFrame, embeddings: pd.DataFrame | None) -> str:
    columns = ["customer_id", *segment_feature_columns(features.columns)]
    frame = features[columns].sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    frame = frame.astype({column: float for column in columns[1:]})
    matrix = embedding_matrix(frame["customer_id"], embeddings)
    if matrix is not None:
        vectors = pd.DataFrame(matrix, columns=[f"embedding_{i}" for i in range(matrix.shape[1])])
        frame = pd.concat([frame, vectors], axis=1)
    return frame_hash(frame)


def _load(store: ArtifactStore, version: str) -> Segmentation | None:
    directory = store.directory(TASK, version)
    if store.find(TASK, version) is None or not (directory / RESULT).exists():
        return None
    assignments_path = directory / ASSIGNMENTS
    assignments = pd.read_parquet(assignments_path) if assignments_path.exists() else pd.DataFrame()
    return Segmentation.from_json(json.loads((directory / RESULT).read_text()), assignments)


def latest_segmentation(store: ArtifactStore) -> tuple[str, Segmentation] | None:
    """The segmentation in use by the last run, whose ids the next run carries over.

    Its next_segment_id is the store's high-water mark, not necessarily its own: a run that
    reuses an older segmentation (the data went back to what it was) must not hand out again
    the ids a later one introduced.
    """
    pointer = store.root / TASK / LATEST
    if not pointer.exists():
        return None
    latest = json.loads(pointer.read_text())
    version = latest.get("model_version")
    loaded = _load(store, version) if version else None
    if loaded is None:
        return None
    loaded.next_segment_id = max(loaded.next_segment_id, int(latest.get("next_segment_id", 1)))
    return version, loaded


def fit_segments(
    features: pd.DataFrame,
    embeddings: pd.DataFrame | None,
    config: SegmentConfig,
    store: ArtifactStore,
) -> tuple[str, Segmentation]:
    """Load the stored segmentation of this data and config, else fit one (carrying ids over
    from the latest) and store it; either way it becomes the latest."""
    params = {**asdict(config), "features": [asdict(feature) for feature in SEGMENT_FEATURES]}
    version = model_version(TASK, _data_hash(features, embeddings), params)
    segmentation = _load(store, version)
    previous = latest_segmentation(store)
    if segmentation is not None:
        logger.info("segments: data unchanged, reusing %s", version)
    else:
        if previous is not None:
            logger.info("segments: matching ids to the previous segmentation %s", previous[0])
        segmentation = segment_customers(
            features, embeddings, config, previous[1] if previous else None
        )
        directory = store.directory(TASK, version)
        directory.mkdir(parents=True, exist_ok=True)
        segmentation.assignments.to_parquet(directory / ASSIGNMENTS, index=False)
        (directory / RESULT).write_text(json.dumps(segmentation.to_json(), indent=2))
        as_of = _as_of(features)
        store.save(  # last, so stored metadata always means a complete artifact
            ArtifactMetadata(
                task=TASK,
                model_version=version,
                data_hash=version.rsplit("-", 1)[-1],
                training_rows=len(features),
                data_window_start=as_of,
                data_window_end=as_of,
                params=params,
                metrics={
                    "silhouette": segmentation.silhouette,
                    "chosen_k": segmentation.chosen_k,
                    "silhouette_by_k": {
                        str(k): score for k, score in segmentation.silhouette_by_k.items()
                    },
                    "previous_model_version": previous[0] if previous else None,
                },
            )
        )
    pointer = store.root / TASK / LATEST
    pointer.parent.mkdir(parents=True, exist_ok=True)
    if previous is not None:  # a reused older segmentation continues from the high-water mark
        segmentation.next_segment_id = max(
            segmentation.next_segment_id, previous[1].next_segment_id
        )
    pointer.write_text(
        json.dumps({"model_version": version, "next_segment_id": segmentation.next_segment_id})
    )
    return version, segmentation


def _as_of(features: pd.DataFrame) -> str | None:
    if "as_of_at" not in features.columns or features["as_of_at"].isna().all():
        return None
    return pd.Timestamp(features["as_of_at"].max()).isoformat()


def customer_segment_table(
    features: pd.DataFrame, embeddings: pd.DataFrame | None, settings: MLSettings
) -> pa.Table:
    """One row per customer of `features`: segment id, name, distance to the centroid."""
    version, segmentation = fit_segments(
        features, embeddings, segment_config(settings), ArtifactStore(settings.artifacts_dir)
    )
    rows = segmentation.assignments.copy()
    rows["segment_id"] = rows["segment_id"].astype(np.int32)
    rows["model_name"] = MODEL_NAME
    rows["model_version"] = version
    as_of = _as_of(features)
    rows["snapshot_at"] = pd.Timestamp(as_of) if as_of else pd.NaT
    rows["segmented_at"] = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
    rows = rows.reindex(columns=SEGMENT_SCHEMA.names)
    return pa.Table.from_pandas(rows, schema=SEGMENT_SCHEMA, preserve_index=False)


def segment_profile_table(model_versions: list[str], store: ArtifactStore) -> pa.Table:
    """One row per segment of the segmentation(s) named, read back from the store."""
    rows: list[dict[str, Any]] = []
    for version in sorted(set(model_versions)):
        segmentation = _load(store, version)
        metadata = store.find(TASK, version)
        if segmentation is None or metadata is None:
            raise ValueError(
                f"segmentation {version} is used by ml_customer_segments but has no artifact "
                f"under {store.root}; rebuild it (dbt build --select ml_customer_segments+)"
            )
        by_k = json.dumps({str(k): round(s, 6) for k, s in segmentation.silhouette_by_k.items()})
        for segment in segmentation.segments:
            rows.append(
                {
                    "segment_id": segment.segment_id,
                    "segment_name": segment.segment_name,
                    "name_basis": "; ".join(
                        f"{column} {segment.profile[column]:+.2f}"
                        for column in segment.name_features
                    ),
                    "customers": segment.customers,
                    "segment_count": segmentation.chosen_k,
                    "silhouette_score": segmentation.silhouette,
                    "silhouette_by_k": by_k,
                    "profile_json": json.dumps(
                        {column: round(z, 4) for column, z in segment.profile.items()}
                    ),
                    "model_version": version,
                    "is_carried_over": segment.previous_segment_id is not None,
                    "segmented_at": pd.Timestamp(metadata.trained_at).tz_localize(None),
                }
            )
    frame = pd.DataFrame(rows, columns=PROFILE_SCHEMA.names)
    return pa.Table.from_pandas(frame, schema=PROFILE_SCHEMA, preserve_index=False)
