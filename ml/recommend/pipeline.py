"""ml_recommendations: evaluate offline (or reuse the evaluation of the same data), fit the chosen
blend on everything known at the as-of time, and rank products for every customer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from ml.artifacts import ArtifactMetadata, ArtifactStore, frame_hash, model_version
from ml.device import resolve_device
from ml.recommend.catalogue import Catalogue
from ml.recommend.data import INTERACTION_WEIGHTS, POPULARITY_WINDOW_DAYS, Interactions
from ml.recommend.evaluation import POPULARITY_SHARE, evaluate_offline
from ml.recommend.recommenders import (
    ALS_PARAMS,
    ITEM_NEIGHBOURS,
    PERSONALISED,
    PopularityRecommender,
    Recommender,
    SegmentPopularity,
    TrainingState,
)
from ml.recommend.scoring import Blend, BlendScorer, Ranked
from ml.settings import MLSettings

LOG = logging.getLogger("ml.recommend")

TASK = "recommendations"
PERSONALISED_STATUS = "personalised"
COLD_START = "cold_start"
NO_PRODUCTS = "no_eligible_products"

SCHEMA = pa.schema(
    [
        ("recommendation_id", pa.string()),
        ("customer_id", pa.string()),
        ("recommendation_rank", pa.int32()),
        ("product_id", pa.string()),
        ("score", pa.float64()),
        ("reason", pa.string()),
        ("status", pa.string()),
        ("blend", pa.string()),
        ("model_version", pa.string()),
        ("as_of_at", pa.timestamp("us")),
        ("recommended_at", pa.timestamp("us")),
    ]
)


@dataclass(frozen=True)
class RecommendationInputs:
    """What ml_recommendations reads, as DataFrames."""

    customers: pd.Series  # customer_id of every registered customer
    interactions: pd.DataFrame  # int_product_interactions
    availability: pd.DataFrame  # int_product_availability
    product_embeddings: pd.DataFrame  # product_id, embedding, model_version (embedded rows)
    groups: pd.DataFrame  # customer_id, country: the cold-start group, known from sign-up
    as_of: pd.Timestamp


def product_matrix(products: pd.Index, embeddings: pd.DataFrame) -> np.ndarray:
    """Embeddings in catalogue order; zero rows for products without one (they score 0)."""
    embeddings = embeddings[embeddings["embedding"].notna()]
    if embeddings.empty:
        return np.zeros((len(products), 1), dtype=np.float32)
    vectors = np.stack([np.asarray(vector, dtype=np.float32) for vector in embeddings["embedding"]])
    matrix = np.zeros((len(products), vectors.shape[1]), dtype=np.float32)
    positions = products.get_indexer(embeddings["product_id"])
    matrix[positions[positions >= 0]] = vectors[positions >= 0]
    return matrix


def _training_hash(
    interactions: Interactions,
    catalogue: Catalogue,
    embeddings: pd.DataFrame,
    group_of: np.ndarray,
) -> str:
    frame = interactions.frame[
        ["customer_id", "product_id", "interaction_type", "quantity", "interacted_at"]
    ].sort_values(["customer_id", "product_id", "interacted_at", "interaction_type", "quantity"])
    frame = frame.reset_index(drop=True)
    products = pd.DataFrame(
        {
            "product_id": catalogue.products,
            "price": catalogue.price,
            "created_at": catalogue.created_at,
            "repeat": catalogue.is_repeat_purchase,
        }
    )
    versions = pd.DataFrame({"version": sorted(embeddings["model_version"].dropna().unique())})
    groups = pd.DataFrame({"customer_id": interactions.customers, "group": group_of})
    return frame_hash(
        pd.concat(
            [frame, products, versions, groups.astype(str)], axis=1, keys=["i", "p", "v", "g"]
        ).reset_index(drop=True)
    )


def recommendations_table(inputs: RecommendationInputs, settings: MLSettings) -> pa.Table:
    """Top `recommendation_count` products per customer, with the model run stored."""
    customers = pd.Index(np.sort(inputs.customers.drop_duplicates().to_numpy()))
    catalogue = Catalogue.build(inputs.availability)
    interactions = Interactions.build(inputs.interactions, customers, catalogue.products)
    vectors = product_matrix(catalogue.products, inputs.product_embeddings)
    device = resolve_device(settings.device)
    as_of = pd.Timestamp(inputs.as_of)
    group_of = (
        inputs.groups.drop_duplicates("customer_id")
        .set_index("customer_id")["country"]
        .reindex(customers)
        .to_numpy(dtype=object)
    )
    params = {
        "interaction_weights": INTERACTION_WEIGHTS,
        "popularity_window_days": POPULARITY_WINDOW_DAYS,
        "item_neighbours": ITEM_NEIGHBOURS,
        "als": ALS_PARAMS,
        "popularity_share": POPULARITY_SHARE,
        "holdout_days": settings.recommendation_holdout_days,
        "product_active_days": settings.product_active_days,
        "as_of": as_of.isoformat(),
        # What the evaluation does, beyond the figures above; a change here re-evaluates.
        "method": {"cold_start": "country, then shop", "tiebreak": "shop popularity"},
    }
    data_hash = _training_hash(interactions, catalogue, inputs.product_embeddings, group_of)
    version = model_version(TASK, data_hash, params)
    store = ArtifactStore(settings.artifacts_dir)
    metadata = store.find(TASK, version)
    if metadata is None:
        LOG.info(
            "recommendations: evaluating offline on %d interactions of %d customers with %d "
            "products (%s)",
            len(interactions.frame),
            len(customers),
            len(catalogue.products),
            device.describe(),
        )
        evaluation = evaluate_offline(
            interactions,
            catalogue,
            vectors,
            device,
            as_of,
            pd.Timedelta(days=settings.recommendation_holdout_days),
            settings.product_active_days,
            SegmentPopularity(group_of),
        )
        times = interactions.frame["interacted_at"]
        metadata = ArtifactMetadata(
            task=TASK,
            model_version=version,
            data_hash=data_hash,
            training_rows=len(interactions.frame),
            data_window_start=times.min().isoformat() if len(times) else None,
            data_window_end=times.max().isoformat() if len(times) else None,
            params={**params, "blend_weights": dict(evaluation.blend.weights)},
            metrics=evaluation.metrics,
        )
        store.save(metadata)
    else:
        LOG.info("recommendations: reusing the evaluation of %s (same data)", version)
    blend = Blend(metadata.params["blend_weights"])

    state = TrainingState(interactions, as_of, vectors, device)
    known = {
        recommender.name: recommender for recommender in (*PERSONALISED, PopularityRecommender)
    }
    components: dict[str, Recommender] = {name: known[name]() for name in blend.weights}
    for component in components.values():
        component.fit(state)
    has_history = interactions.weights().getnnz(axis=1) > 0
    cold_start = SegmentPopularity(group_of)
    cold_start.fit(state)
    scorer = BlendScorer(
        components,
        blend,
        catalogue.active(interactions, as_of, settings.product_active_days),
        catalogue.excluded(interactions.purchases()),
        has_history,
        cold_start,
    )
    ranked = scorer.rank(np.arange(len(customers)), settings.recommendation_count)
    return _table(
        customers, catalogue.products, ranked, scorer.reasons, has_history, blend, version, as_of
    )


def _table(
    customers: pd.Index,
    products: pd.Index,
    ranked: Ranked,
    reasons: list[str],
    has_history: np.ndarray,
    blend: Blend,
    version: str,
    as_of: pd.Timestamp,
) -> pa.Table:
    """One row per customer and rank; a customer with nothing eligible keeps one row that says so
    (rank 0, no product) rather than vanishing."""
    n_customers, width = ranked.products.shape
    columns = ranked.products.ravel()
    present = columns >= 0
    customer_rows = np.repeat(np.arange(n_customers), width)[present]
    empty = np.setdiff1d(np.arange(n_customers), customer_rows)
    rows = np.concatenate([customer_rows, empty])
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    ranks = np.concatenate(
        [np.tile(np.arange(1, width + 1), n_customers)[present], np.zeros(len(empty), int)]
    )[order]
    product_ids = np.concatenate(
        [products.to_numpy()[columns[present]], np.full(len(empty), None)]
    )[order]
    scores = np.concatenate([ranked.scores.ravel()[present], np.full(len(empty), np.nan)])[order]
    reason_text = np.asarray(reasons, dtype=object)
    reason = np.concatenate(
        [reason_text[ranked.reasons.ravel()[present]], np.full(len(empty), None)]
    )[order]
    status = np.where(has_history[rows], PERSONALISED_STATUS, COLD_START).astype(object)
    status[np.isin(rows, empty)] = NO_PRODUCTS
    customer_ids = customers.to_numpy()[rows]
    now = datetime.now(UTC).replace(tzinfo=None)
    return pa.table(
        {
            "recommendation_id": pa.array(
                [f"{customer}:{rank}" for customer, rank in zip(customer_ids, ranks, strict=True)],
                pa.string(),
            ),
            "customer_id": pa.array(customer_ids, pa.string()),
            "recommendation_rank": pa.array(ranks, pa.int32()),
            "product_id": pa.array(product_ids, pa.string()),
            "score": pa.array(scores, pa.float64(), from_pandas=True),
            "reason": pa.array(reason, pa.string()),
            "status": pa.array(status, pa.string()),
            "blend": pa.array([blend.name] * len(rows), pa.string()),
            "model_version": pa.array([version] * len(rows), pa.string()),
            "as_of_at": pa.array([as_of.to_pydatetime()] * len(rows), pa.timestamp("us")),
            "recommended_at": pa.array([now] * len(rows), pa.timestamp("us")),
        },
        schema=SCHEMA,
    )
