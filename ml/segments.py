"""Customer segments: KMeans over standardised behaviour plus a reduced customer embedding, the
number of clusters chosen by silhouette, each segment named from its profile, ids kept stable.

- Behaviour features (ml/segment_features.py) are log1p-transformed where heavy-tailed, missing
  values imputed with the column median, then z-scored. Z-scores rather than robust (median/IQR)
  scaling: most buyers have one order, no review and no ticket, so the interquartile range of
  those columns is 0 and robust scaling would divide by zero or blow a handful of customers up;
  the log transform already tames the tails, and z-scores clipped at +-Z_CLIP bound the rest.
  A segment's profile is then its mean z-score per feature: how far it sits from the average
  buyer, in standard deviations, which is what the names are read from.
- The 384-d customer embedding (what they bought, viewed and wrote) is reduced by PCA to a few
  components, each scaled to unit variance and then all together to the weight of
  `embedding_weight` behaviour features, so taste refines the clusters without outvoting
  behaviour. Customers without an embedding sit at its mean (0).
- k runs over [min_clusters, max_clusters]; each KMeans has a fixed seed and n_init restarts;
  the k with the highest mean silhouette, computed on a seeded sample of at most
  `silhouette_sample` customers, wins (ties to the smaller k). Every k's score is kept.
- Ids: clusters are ordered by size (largest first), then centroid, so the same data gives the
  same ids. When an earlier segmentation is passed in, its centroids (kept in the units before
  standardisation: log-transformed behaviour and the full embedding) are carried into this
  run's standardised space and matched to the new centroids by the Hungarian algorithm; a
  matched cluster keeps its old id, unless the two are more than `max_match_distance` apart,
  and every unmatched cluster gets a fresh id, never one used before. To keep memberships, not
  just ids, stable, the previous k is kept while its silhouette is within SILHOUETTE_TOLERANCE
  of the best, and is fitted from the previous centroids too (see choose_k).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from ml.segment_features import SEGMENT_FEATURES, segment_feature_columns
from ml.settings import SEGMENT_MAX_CLUSTERS, SEGMENT_MIN_CLUSTERS

logger = logging.getLogger(__name__)

# z-scores beyond this are clipped: one extreme customer must not become a segment of its own.
Z_CLIP = 5.0
# A feature names a segment when the segment's mean z-score on it is at least this far from 0;
# names take up to MAX_NAME_WORDS such words, strongest first, and when fewer than two features
# pass, the next strongest with a word down to FILL_Z, so a name has two words where it can.
NAME_Z_THRESHOLD = 0.5
FILL_Z = 0.25
MAX_NAME_WORDS = 3
TYPICAL_NAME = "typical buyers"
# Stability when data changes (see choose_k): the previous k is kept while its silhouette is
# within SILHOUETTE_TOLERANCE of the best, and a fit started from the previous centroids while
# its inertia is within INERTIA_TOLERANCE (relative) of the best restart's.
SILHOUETTE_TOLERANCE = 0.005
INERTIA_TOLERANCE = 0.01
# Below this many customers KMeans runs on one thread: its OpenMP threads only pay off on large
# inputs, and on a busy machine they spin: the segmentation unit tests (800 customers) took 6 s
# single-threaded against 90 s with the default threads on two cores shared with other jobs.
SINGLE_THREAD_ROWS = 50_000


@dataclass(frozen=True)
class SegmentConfig:
    """How segments are fitted; every field is part of the segmentation's version."""

    min_clusters: int = SEGMENT_MIN_CLUSTERS
    max_clusters: int = SEGMENT_MAX_CLUSTERS
    seed: int = 42
    n_init: int = 10
    embedding_components: int = 4
    embedding_weight: float = 2.0
    silhouette_sample: int = 2000
    max_match_distance: float = 2.5


@dataclass
class Segment:
    """One cluster: its id and name, size, profile and the centroid a later run matches against."""

    segment_id: int
    segment_name: str
    customers: int
    profile: dict[str, float]  # mean z-score per behaviour feature
    name_features: list[str]  # the features the name's words come from, strongest first
    behaviour_centroid: list[float]  # mean of the log-transformed, imputed features
    embedding_centroid: list[float] | None  # mean raw embedding of members who have one
    previous_segment_id: int | None = None  # the id it matched in the earlier run, if any
    # Share of members with an embedding: members without one sit at 0 in the embedding
    # components, so the clustered centroid is this share of the present members' components.
    embedding_coverage: float = 1.0


@dataclass
class Segmentation:
    """The result: a row per customer, a Segment per cluster, and how k was chosen."""

    assignments: pd.DataFrame  # customer_id, segment_id, segment_name, distance_to_centroid
    segments: list[Segment]
    silhouette_by_k: dict[int, float]
    chosen_k: int
    silhouette: float | None
    next_segment_id: int
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": [asdict(segment) for segment in self.segments],
            "silhouette_by_k": {str(k): score for k, score in self.silhouette_by_k.items()},
            "chosen_k": self.chosen_k,
            "silhouette": self.silhouette,
            "next_segment_id": self.next_segment_id,
            "params": self.params,
        }

    @classmethod
    def from_json(cls, payload: dict[str, Any], assignments: pd.DataFrame) -> Segmentation:
        return cls(
            assignments=assignments,
            segments=[Segment(**segment) for segment in payload["segments"]],
            silhouette_by_k={int(k): score for k, score in payload["silhouette_by_k"].items()},
            chosen_k=payload["chosen_k"],
            silhouette=payload["silhouette"],
            next_segment_id=payload["next_segment_id"],
            params=payload.get("params", {}),
        )


@dataclass
class _Space:
    """The fitted transformation from features and embeddings to the clustering space."""

    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    pca: PCA | None
    component_scales: np.ndarray
    embedding_factor: float

    def behaviour_z(self, behaviour: np.ndarray) -> np.ndarray:
        return np.clip((behaviour - self.means) / self.scales, -Z_CLIP, Z_CLIP)

    def embedding_part(self, embedding: np.ndarray | None, rows: int) -> np.ndarray:
        """Weighted PCA components of `embedding` (rows x dim, NaN rows for missing ones)."""
        width = 0 if self.pca is None else self.pca.n_components_
        part = np.zeros((rows, width))
        if self.pca is None or embedding is None or embedding.shape[1] != self.pca.n_features_in_:
            return part
        present = ~np.isnan(embedding).any(axis=1)
        if present.any():
            components = self.pca.transform(embedding[present]) / self.component_scales
            part[present] = components * self.embedding_factor
        return part

    def transform(self, behaviour: np.ndarray, embedding: np.ndarray | None) -> np.ndarray:
        return np.hstack(
            [self.behaviour_z(behaviour), self.embedding_part(embedding, len(behaviour))]
        )


def behaviour_matrix(features: pd.DataFrame) -> np.ndarray:
    """The declared features as floats, log1p where declared; missing values stay NaN."""
    columns = []
    for feature in SEGMENT_FEATURES:
        values = pd.to_numeric(features[feature.column], errors="coerce").to_numpy(dtype=float)
        columns.append(np.log1p(np.clip(values, 0, None)) if feature.log else values)
    return np.column_stack(columns) if columns else np.zeros((len(features), 0))


def embedding_matrix(customer_ids: pd.Series, embeddings: pd.DataFrame | None) -> np.ndarray | None:
    """One row per customer in `customer_ids` (NaN where they have no embedding), or None."""
    if embeddings is None or embeddings.empty:
        return None
    embeddings = embeddings[embeddings["embedding"].notna()]
    if embeddings.empty:
        return None
    vectors = np.stack([np.asarray(vector, dtype=float) for vector in embeddings["embedding"]])
    index = pd.Index(embeddings["customer_id"].to_numpy())
    rows = index.get_indexer(customer_ids.to_numpy())
    matrix = np.full((len(customer_ids), vectors.shape[1]), np.nan)
    matrix[rows >= 0] = vectors[rows[rows >= 0]]
    return matrix


def _fit_space(
    behaviour: np.ndarray, embedding: np.ndarray | None, config: SegmentConfig
) -> _Space:
    with np.errstate(all="ignore"):
        medians = (
            np.nanmedian(behaviour, axis=0) if len(behaviour) else np.zeros(behaviour.shape[1])
        )
    medians = np.where(np.isnan(medians), 0.0, medians)
    imputed = np.where(np.isnan(behaviour), medians, behaviour)
    means = imputed.mean(axis=0) if len(imputed) else np.zeros(imputed.shape[1])
    scales = imputed.std(axis=0) if len(imputed) else np.ones(imputed.shape[1])
    scales = np.where(scales > 1e-12, scales, 1.0)
    pca, component_scales, factor = None, np.ones(0), 0.0
    if embedding is not None and config.embedding_components > 0:
        present = embedding[~np.isnan(embedding).any(axis=1)]
        components = min(config.embedding_components, len(present) - 1, present.shape[1])
        if components >= 1:
            pca = PCA(n_components=components, random_state=config.seed).fit(present)
            component_scales = np.sqrt(np.maximum(pca.explained_variance_, 1e-12))
            # Each unit-variance component gets weight/components of variance: together, the
            # embedding counts as much as `embedding_weight` standardised behaviour features.
            factor = float(np.sqrt(config.embedding_weight / components))
    return _Space(medians, means, scales, pca, component_scales, factor)


def choose_k(
    matrix: np.ndarray, config: SegmentConfig, previous_centroids: np.ndarray | None = None
) -> tuple[int, dict[int, float], dict[int, KMeans]]:
    """Fit KMeans for every k in the configured range and pick the best mean silhouette.

    With the previous segmentation's centroids (in this run's space), its k is also fitted from
    them, and that fit is kept while its inertia is within INERTIA_TOLERANCE of the best restart;
    and its k is kept while its silhouette is within SILHOUETTE_TOLERANCE of the best k. On
    behavioural data the silhouette is nearly flat over k and KMeans has many near-equal optima,
    so without this a few new customers could reshuffle every segment for no real gain.
    """
    rows = len(matrix)
    with threadpool_limits(limits=1 if rows < SINGLE_THREAD_ROWS else None):
        return _choose_k(matrix, config, previous_centroids)


def _choose_k(
    matrix: np.ndarray, config: SegmentConfig, previous_centroids: np.ndarray | None
) -> tuple[int, dict[int, float], dict[int, KMeans]]:
    rows = len(matrix)
    previous_k = None if previous_centroids is None else len(previous_centroids)
    candidates = [k for k in range(config.min_clusters, config.max_clusters + 1) if k < rows]
    scores: dict[int, float] = {}
    fits: dict[int, KMeans] = {}
    sample = min(rows, config.silhouette_sample)
    for k in candidates:
        started = time.perf_counter()
        fit = KMeans(n_clusters=k, n_init=config.n_init, random_state=config.seed).fit(matrix)
        if k == previous_k:
            warm = KMeans(n_clusters=k, init=previous_centroids, n_init=1).fit(matrix)
            if warm.inertia_ <= fit.inertia_ * (1 + INERTIA_TOLERANCE):
                fit = warm
                logger.info("segments: k=%d started from the previous centroids", k)
        if len(np.unique(fit.labels_)) < 2:
            continue
        score = silhouette_score(matrix, fit.labels_, sample_size=sample, random_state=config.seed)
        scores[k], fits[k] = float(score), fit
        logger.info(
            "segments: k=%d silhouette %.4f (%d customers, %.2f s)",
            k, score, rows, time.perf_counter() - started,
        )  # fmt: skip
    if not scores:
        return 1, scores, fits
    best = max(scores, key=lambda k: (round(scores[k], 9), -k))
    if previous_k in scores and scores[previous_k] >= scores[best] - SILHOUETTE_TOLERANCE:
        if previous_k != best:
            logger.info(
                "segments: keeping the previous k=%d, within %.3f of the best silhouette (k=%d)",
                previous_k, SILHOUETTE_TOLERANCE, best,
            )  # fmt: skip
        best = previous_k
    return best, scores, fits


def name_segment(profile: dict[str, float]) -> tuple[str, list[str]]:
    """Two or three words from the features a segment deviates on most, e.g. 'frequent, high
    value, discount-driven', and the features they came from; 'typical buyers' when none does."""
    worded = []
    for feature in SEGMENT_FEATURES:
        z = profile.get(feature.column, 0.0)
        word = feature.high if z > 0 else feature.low
        if word is not None and abs(z) >= FILL_Z:
            worded.append((abs(z), feature.column, word))
    worded.sort(key=lambda item: (-item[0], item[1]))
    # A word inside (or around) a stronger one adds nothing ("reviewer" after "unhappy reviewer").
    kept: list[tuple[float, str, str]] = []
    for item in worded:
        if not any(item[2] in other[2] or other[2] in item[2] for other in kept):
            kept.append(item)
    worded = kept
    chosen = [item for item in worded if item[0] >= NAME_Z_THRESHOLD][:MAX_NAME_WORDS]
    if len(chosen) < 2:
        chosen = worded[:2] if chosen else []
    if not chosen:
        return TYPICAL_NAME, []
    return ", ".join(word for _, _, word in chosen), [column for _, column, _ in chosen]


def unique_names(names: list[str]) -> list[str]:
    """The second and later segments with the same name get ' (2)', ' (3)', ... in id order."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return result


def match_ids(
    new_centroids: np.ndarray,
    old_centroids: np.ndarray,
    old_ids: list[int],
    next_id: int,
    max_distance: float,
) -> tuple[list[int], list[int | None], int]:
    """Ids for the new clusters (in their order): the old id of the centroid the Hungarian
    algorithm pairs each with, when within `max_distance`; a fresh id from `next_id` otherwise.

    Returns the ids, the matched old id of each (None for fresh ones) and the next fresh id.
    """
    ids: list[int | None] = [None] * len(new_centroids)
    if len(new_centroids) and len(old_centroids):
        cost = np.linalg.norm(new_centroids[:, None, :] - old_centroids[None, :, :], axis=2)
        for row, column in zip(*linear_sum_assignment(cost), strict=True):
            if cost[row, column] <= max_distance:
                ids[row] = old_ids[column]
    matched = list(ids)
    for position, segment_id in enumerate(ids):
        if segment_id is None:
            ids[position] = next_id
            next_id += 1
    return [int(segment_id) for segment_id in ids], matched, next_id


def segment_customers(
    features: pd.DataFrame,
    embeddings: pd.DataFrame | None,
    config: SegmentConfig | None = None,
    previous: Segmentation | None = None,
) -> Segmentation:
    """Segment the customers of `features` (ml_segment_features rows), with `embeddings`
    (customer_id, embedding) joined by customer; ids carried over from `previous` by centroid."""
    config = config or SegmentConfig()
    started = time.perf_counter()
    segment_feature_columns(features.columns)
    if features.empty:
        return Segmentation(
            assignments=pd.DataFrame(
                {
                    "customer_id": pd.Series(dtype=str),
                    "segment_id": pd.Series(dtype=np.int64),
                    "segment_name": pd.Series(dtype=str),
                    "distance_to_centroid": pd.Series(dtype=float),
                }
            ),
            segments=[],
            silhouette_by_k={},
            chosen_k=0,
            silhouette=None,
            next_segment_id=previous.next_segment_id if previous is not None else 1,
            params=asdict(config),
        )
    features = features.sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    behaviour = behaviour_matrix(features)
    embedding = embedding_matrix(features["customer_id"], embeddings)
    space = _fit_space(behaviour, embedding, config)
    imputed = np.where(np.isnan(behaviour), space.medians, behaviour)
    matrix = space.transform(imputed, embedding)
    old = None
    if previous is not None and previous.segments:
        old = np.vstack(
            [
                space.transform(
                    np.asarray([segment.behaviour_centroid], dtype=float),
                    None
                    if segment.embedding_centroid is None
                    else np.asarray([segment.embedding_centroid], dtype=float),
                )
                for segment in previous.segments
            ]
        )
        behaviour_width = behaviour.shape[1]
        coverage = np.asarray([segment.embedding_coverage for segment in previous.segments])
        old[:, behaviour_width:] *= coverage[:, None]

    chosen_k, scores, fits = choose_k(matrix, config, old)
    if chosen_k in fits:
        labels, centroids = fits[chosen_k].labels_, fits[chosen_k].cluster_centers_
    else:
        labels = np.zeros(len(matrix), dtype=int)
        centroids = matrix.mean(axis=0, keepdims=True) if len(matrix) else np.zeros((0, 0))
    clusters = sorted(
        np.unique(labels),
        key=lambda label: (-int((labels == label).sum()), tuple(np.round(centroids[label], 6))),
    )
    ordered = np.array([centroids[label] for label in clusters]).reshape(len(clusters), -1)

    behaviour_centroids = [imputed[labels == label].mean(axis=0) for label in clusters]
    embedding_centroids: list[np.ndarray | None] = []
    coverages: list[float] = []
    for label in clusters:
        member = embedding[labels == label] if embedding is not None else None
        present = member[~np.isnan(member).any(axis=1)] if member is not None else None
        embedding_centroids.append(
            present.mean(axis=0) if present is not None and len(present) else None
        )
        coverages.append(len(present) / len(member) if present is not None and len(member) else 0.0)

    first_id = previous.next_segment_id if previous is not None else 1
    if previous is not None and old is not None:
        ids, matched, next_id = match_ids(
            ordered, old, [segment.segment_id for segment in previous.segments], first_id,
            config.max_match_distance,
        )  # fmt: skip
    else:
        ids, matched, next_id = match_ids(ordered, np.zeros((0, 0)), [], first_id, 0.0)

    z = space.behaviour_z(imputed)
    segments = []
    for position, label in enumerate(clusters):
        members = labels == label
        profile = {
            feature.column: float(z[members, column].mean())
            for column, feature in enumerate(SEGMENT_FEATURES)
        }
        name, basis = name_segment(profile)
        segments.append(
            Segment(
                segment_id=ids[position],
                segment_name=name,
                customers=int(members.sum()),
                profile=profile,
                name_features=basis,
                behaviour_centroid=[float(value) for value in behaviour_centroids[position]],
                embedding_centroid=None
                if embedding_centroids[position] is None
                else [float(value) for value in embedding_centroids[position]],
                previous_segment_id=matched[position],
                embedding_coverage=coverages[position],
            )
        )
    segments.sort(key=lambda segment: segment.segment_id)
    for segment, name in zip(
        segments, unique_names([s.segment_name for s in segments]), strict=True
    ):
        segment.segment_name = name

    by_label = {label: position for position, label in enumerate(clusters)}
    positions = np.array([by_label[label] for label in labels], dtype=int)
    distances = np.linalg.norm(matrix - ordered[positions], axis=1) if len(matrix) else np.zeros(0)
    names = {segment.segment_id: segment.segment_name for segment in segments}
    segment_ids = [ids[position] for position in positions]
    assignments = pd.DataFrame(
        {
            "customer_id": features["customer_id"].astype(str).to_numpy(),
            "segment_id": np.asarray(segment_ids, dtype=np.int64),
            "segment_name": [names[segment_id] for segment_id in segment_ids],
            "distance_to_centroid": distances,
        }
    )
    silhouette = scores.get(chosen_k)
    logger.info(
        "segments: chose k=%d (silhouette %s) for %d customers in %.2f s: %s",
        chosen_k,
        "n/a" if silhouette is None else f"{silhouette:.4f}",
        len(features),
        time.perf_counter() - started,
        "; ".join(f"{segment.segment_id} {segment.segment_name}" for segment in segments),
    )
    return Segmentation(
        assignments=assignments,
        segments=segments,
        silhouette_by_k=scores,
        chosen_k=chosen_k,
        silhouette=silhouette,
        next_segment_id=next_id,
        params=asdict(config),
    )
