"""A vector per customer from what they bought, viewed and wrote, in the product text space.

Each source is averaged separately (bought products weighted by units, viewed products by views,
own reviews equally), normalised, and then blended with SOURCE_WEIGHTS: buying says more about a
customer than browsing. All vectors come from the same encoder, so customers, products and
reviews can be compared directly (nearest products to a customer are recommendations).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse

SOURCE_WEIGHTS = {"bought": 3.0, "viewed": 1.0, "wrote": 2.0}
EMBEDDED = "embedded"
NO_ACTIVITY = "no_activity"


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _weighted_means(
    customer_index: pd.Index, pairs: pd.DataFrame, key: str, keys: pd.Index, vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer weighted mean of the vectors of `key` in `pairs` (customer_id, key, weight).

    Returns the unit-length means and how many distinct items each customer contributed.
    """
    pairs = pairs[pairs[key].isin(keys) & pairs["customer_id"].isin(customer_index)]
    rows = customer_index.get_indexer(pairs["customer_id"])
    columns = keys.get_indexer(pairs[key])
    weights = sparse.csr_matrix(
        (pairs["weight"].astype(float).to_numpy(), (rows, columns)),
        shape=(len(customer_index), len(keys)),
    )
    means = unit_rows(np.asarray(weights @ vectors, dtype=np.float64))
    return means, np.diff(weights.indptr)


def customer_embedding_table(
    customers: pd.Series,
    bought: pd.DataFrame,
    viewed: pd.DataFrame,
    products: pd.DataFrame,
    reviews: pd.DataFrame,
) -> pa.Table:
    """One row per customer in `customers`.

    `bought` and `viewed` have customer_id, product_id, weight; `products` product_id, embedding,
    model_version; `reviews` customer_id, review_id, embedding, model_version. Customers with no
    usable activity get status `no_activity` and a null vector. Product and review vectors must
    come from one encoder: averaging two embedding spaces would give meaningless vectors.
    """
    index = pd.Index(customers.drop_duplicates().to_numpy(), name="customer_id")
    products = products[products["embedding"].notna()]
    reviews = reviews[reviews["embedding"].notna()]
    versions = sorted(
        set(products["model_version"].dropna()) | set(reviews["model_version"].dropna())
    )
    if len(versions) > 1:
        raise ValueError(
            f"product and review embeddings come from different encoders ({', '.join(versions)}): "
            "rebuild ml_product_embeddings and ml_review_embeddings with the same "
            "embedding_model_path (dbt build --full-refresh --select ml_product_embeddings "
            "ml_review_embeddings)"
        )
    product_keys = pd.Index(products["product_id"].to_numpy())
    product_vectors = _matrix(products["embedding"])
    review_keys = pd.Index(reviews["review_id"].to_numpy())
    review_vectors = _matrix(reviews["embedding"])
    review_pairs = reviews.assign(weight=1.0)[["customer_id", "review_id", "weight"]]

    dimension = max(product_vectors.shape[1], review_vectors.shape[1])
    blend = np.zeros((len(index), dimension))
    counts = {}
    sources = {
        "bought": (bought, "product_id", product_keys, product_vectors),
        "viewed": (viewed, "product_id", product_keys, product_vectors),
        "wrote": (review_pairs, "review_id", review_keys, review_vectors),
    }
    for source, (pairs, key, keys, vectors) in sources.items():
        if len(keys) == 0:
            counts[source] = np.zeros(len(index), dtype=np.int64)
            continue
        means, counts[source] = _weighted_means(index, pairs, key, keys, vectors)
        blend += SOURCE_WEIGHTS[source] * means
    vectors = unit_rows(blend).astype(np.float32)
    active = np.linalg.norm(vectors, axis=1) > 0 if dimension else np.zeros(len(index), bool)
    version = versions[0] if versions else None
    return pa.table(
        {
            "customer_id": pa.array(index.to_list(), pa.string()),
            "embedding": pa.array(
                [vector if live else None for vector, live in zip(vectors, active, strict=True)]
                if dimension
                else [None] * len(index),
                pa.list_(pa.float32()),
            ),
            "products_bought": pa.array(counts["bought"], pa.int32()),
            "products_viewed": pa.array(counts["viewed"], pa.int32()),
            "reviews_written": pa.array(counts["wrote"], pa.int32()),
            "model_name": pa.array(
                [version.rsplit("-", 1)[0] if version else None] * len(index), pa.string()
            ),
            "model_version": pa.array([version] * len(index), pa.string()),
            "status": pa.array([EMBEDDED if live else NO_ACTIVITY for live in active], pa.string()),
            "embedded_at": pa.array(
                [datetime.now(UTC).replace(tzinfo=None)] * len(index), pa.timestamp("us")
            ),
        }
    )


def _matrix(column: pd.Series) -> np.ndarray:
    if len(column) == 0:
        return np.zeros((0, 0), dtype=np.float64)
    return np.stack([np.asarray(vector, dtype=np.float64) for vector in column])
