"""The popularity baseline and the personalised recommenders, behind one small interface.

Each recommender is fitted on a `TrainingState` (what was known at one time) and scores any rows
of customers against every product. Scores of different recommenders are on different scales;
`scoring` standardises them before blending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
import torch
from scipy import sparse
from threadpoolctl import threadpool_limits

from ml.customer_vectors import SOURCE_WEIGHTS, unit_rows
from ml.device import DeviceConfig
from ml.recommend.data import INTERACTION_WEIGHTS, Interactions

LOG = logging.getLogger("ml.recommend")

# Item-item: each product keeps its most similar products only, which bounds the similarity
# matrix at products x ITEM_NEIGHBOURS whatever the catalogue size.
ITEM_NEIGHBOURS = 50
# Products per block while the item-item similarities are computed (block x products floats).
SIMILARITY_BLOCK = 512
# Implicit-feedback ALS (Hu, Koren and Volinsky 2008) as implemented by the `implicit` package.
# Recent interest: an interaction counts half as much after this many days.
RECENT_HALF_LIFE_DAYS = 14
ALS_PARAMS = {"factors": 64, "regularization": 0.05, "alpha": 10.0, "iterations": 15}


@dataclass(frozen=True)
class TrainingState:
    """What the recommenders learn from at one point in time."""

    interactions: Interactions  # only what happened at or before `at`
    at: pd.Timestamp
    product_vectors: np.ndarray  # products x dimension, unit rows; zero rows without text
    device: DeviceConfig

    def confidence(self) -> sparse.csr_matrix:
        """Summed interaction weights, log-damped so a hundred views do not drown one order."""
        weights = self.interactions.weights()
        weights.data = np.log1p(weights.data)
        return weights


class Recommender(Protocol):
    """Scores customers (matrix rows) against every product; higher is a better fit."""

    name: str
    reason: str

    def fit(self, state: TrainingState) -> None: ...

    def score(self, rows: np.ndarray) -> np.ndarray: ...


class DenseScorer:
    """customers' factors x products' factors, in float32, on the GPU when the device is CUDA.

    The product side is moved to the device once; each chunk of customers costs one transfer each
    way and no other host synchronisation.
    """

    def __init__(self, items: np.ndarray, device: DeviceConfig) -> None:
        self.device = device
        items = np.ascontiguousarray(items, dtype=np.float32)
        self.items = torch.from_numpy(items).to(device.device) if device.is_cuda else items

    def __call__(self, users: np.ndarray) -> np.ndarray:
        users = np.ascontiguousarray(users, dtype=np.float32)
        if self.device.is_cuda:
            scores = torch.from_numpy(users).to(self.device.device) @ self.items.T
            return scores.cpu().numpy()
        return users @ self.items.T


class PopularityRecommender:
    """The baseline: the same list for everyone, by recent distinct buyers."""

    name = "popularity"
    reason = "popular in the shop"

    def fit(self, state: TrainingState) -> None:
        self.popularity = state.interactions.popularity(state.at)

    def score(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.popularity, (len(rows), len(self.popularity))).copy()


class SegmentPopularity:
    """Cold-start lists: the products most bought recently by customers of the same group (the
    customer's country), then the shop's most popular; the shop's alone without a group. Called
    with customer rows, it returns their scores and, per product, the index of the reason in
    REASONS."""

    REASONS = ["popular with customers in their country", PopularityRecommender.reason]

    def __init__(self, group_of: np.ndarray, shop: np.ndarray | None = None) -> None:
        self.group_of = group_of  # one group label per customer row; None where unknown
        # Set by fit(); given directly, a list of the shop's popularity for everyone.
        self.shop = shop
        self.by_group: dict[object, np.ndarray] = {}

    def fit(self, state: TrainingState) -> None:
        self.shop = state.interactions.popularity(state.at)
        self.by_group = {}
        known = pd.notna(self.group_of)
        for group in pd.unique(self.group_of[known]):
            members = np.flatnonzero(known & (self.group_of == group))
            popularity = state.interactions.popularity(state.at, members)
            if popularity.max(initial=0) >= 1:  # at least one recent buyer in the group
                self.by_group[group] = popularity

    def __call__(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores and per-product reason indices: the group's recent buyers first, the rest of
        the shop after them by shop popularity (a small group's list is short)."""
        backfill = 0.25 * self.shop / (self.shop.max(initial=0) + 1)
        scores = np.broadcast_to(self.shop, (len(rows), len(self.shop))).copy()
        reasons = np.ones((len(rows), len(self.shop)), dtype=np.int16)
        for position, row in enumerate(rows):
            popularity = self.by_group.get(self.group_of[row])
            if popularity is not None:
                scores[position] = popularity + backfill
                reasons[position, popularity >= 1] = 0
        return scores, reasons


class ContentRecommender:
    """Products whose text embedding is nearest to the customer's profile: the mean embedding of
    what they bought and viewed, weighted as ml_customer_embeddings weights them."""

    name = "content"
    reason = "similar to what they bought or viewed"

    def fit(self, state: TrainingState) -> None:
        vectors = state.product_vectors.astype(np.float32)
        bought = unit_rows(state.interactions.purchases() @ vectors)
        viewed = unit_rows(state.interactions.matrix(("view", "cart"), "count") @ vectors)
        blend = SOURCE_WEIGHTS["bought"] * bought + SOURCE_WEIGHTS["viewed"] * viewed
        self.profiles = unit_rows(np.asarray(blend)).astype(np.float32)
        self.scorer = DenseScorer(vectors, state.device)

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.scorer(self.profiles[rows])


class ItemItemRecommender:
    """Products often viewed, carted or bought by the same customers as the customer's own
    (cosine similarity of the products' customer columns, ITEM_NEIGHBOURS per product)."""

    name = "item_item"
    reason = "often bought or viewed together with what they chose"

    def fit(self, state: TrainingState) -> None:
        self.history = state.confidence()
        columns = self.history.tocsc()
        norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=0))).ravel()
        normalised = (
            columns @ sparse.diags(np.divide(1.0, norms, where=norms > 0, out=np.zeros_like(norms)))
        ).tocsc()
        transposed = normalised.T.tocsr()
        n_products = normalised.shape[1]
        neighbours = min(ITEM_NEIGHBOURS, max(n_products - 1, 0))
        blocks = []
        for start in range(0, n_products, SIMILARITY_BLOCK):
            stop = min(start + SIMILARITY_BLOCK, n_products)
            similarity = (transposed @ normalised[:, start:stop]).toarray()
            similarity[np.arange(start, stop), np.arange(stop - start)] = 0.0
            if neighbours < n_products - 1:
                weakest = np.argpartition(-similarity, neighbours, axis=0)[neighbours:]
                np.put_along_axis(similarity, weakest, 0.0, axis=0)
            blocks.append(sparse.csc_matrix(similarity.astype(np.float32)))
        self.similarity = (
            sparse.hstack(blocks).tocsr()
            if blocks
            else sparse.csr_matrix((n_products, n_products), dtype=np.float32)
        )

    def score(self, rows: np.ndarray) -> np.ndarray:
        return (self.history[rows] @ self.similarity).toarray().astype(np.float32)


class AlsRecommender:
    """Implicit-feedback matrix factorisation (the `implicit` package's ALS) on all interactions."""

    name = "als"
    reason = "chosen by shoppers with similar taste"

    def fit(self, state: TrainingState) -> None:
        from implicit.als import AlternatingLeastSquares
        from implicit.recommender_base import ModelFitError

        confidence = state.confidence()
        # No more factors than the smaller side of the matrix can carry.
        factors = max(1, min(ALS_PARAMS["factors"], *confidence.shape))
        try:
            # implicit parallelises over users itself; a BLAS thread pool underneath slows it
            # down (and makes the constructor warn).
            with threadpool_limits(1, "blas"):
                model = AlternatingLeastSquares(
                    **{**ALS_PARAMS, "factors": factors}, random_state=0, use_gpu=False
                )
                model.fit(confidence, show_progress=False)
            users, items = model.user_factors, model.item_factors
        except ModelFitError as error:
            # A catalogue or history too small to factorise (a shop with one product, say):
            # ALS then scores nothing and the blend's other recommenders and tiebreak decide.
            LOG.warning("recommendations: ALS could not be fitted (%s); it scores 0", error)
            users = np.zeros((confidence.shape[0], 1))
            items = np.zeros((confidence.shape[1], 1))
        self.user_factors = np.asarray(users, dtype=np.float32)
        self.scorer = DenseScorer(np.asarray(items), state.device)

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.scorer(self.user_factors[rows])


class RecentInterestRecommender:
    """The products the customer viewed or carted themselves, most recent and most often first
    (each interaction's weight halves every RECENT_HALF_LIFE_DAYS): the "you looked at this"
    list, for products they have not bought (what they bought is excluded unless it is a
    repeat-purchase product)."""

    name = "recent_interest"
    reason = "they viewed or carted it recently"

    def fit(self, state: TrainingState) -> None:
        frame = state.interactions.frame
        frame = frame[frame["interaction_type"].isin(("view", "cart"))]
        age_days = (state.at - frame["interacted_at"]).dt.total_seconds().to_numpy() / 86_400
        weights = frame["interaction_type"].map(INTERACTION_WEIGHTS).to_numpy(dtype=np.float64)
        decayed = weights * np.exp2(-np.maximum(age_days, 0) / RECENT_HALF_LIFE_DAYS)
        self.interest = sparse.csr_matrix(
            (decayed.astype(np.float32), (frame["row"].to_numpy(), frame["column"].to_numpy())),
            shape=(len(state.interactions.customers), len(state.interactions.products)),
        )
        self.interest.sum_duplicates()

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.interest[rows].toarray()


PERSONALISED = (
    ContentRecommender,
    ItemItemRecommender,
    AlsRecommender,
    RecentInterestRecommender,
)
