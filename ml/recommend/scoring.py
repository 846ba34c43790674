"""Blending recommenders and taking each customer's top k, a chunk of customers at a time.

The score arrays are bounded by the chunk: a chunk of customers x every product, a few times over,
is the largest array alive whatever the number of customers. What grows with the customers is
only their own rows: interaction matrices, ALS factors, content profiles and the top-k result.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import sparse

from ml.recommend.recommenders import Recommender

LOG = logging.getLogger("ml.recommend")

# Rows per chunk are sized so that all the chunk's score arrays together hold about this many
# values (rank() counts one per recommender plus two).
CHUNK_CELLS = 16_000_000
# The tiebreak adds at most this share of a standard deviation to a blended score.
TIEBREAK_SHARE = 1e-3


@dataclass(frozen=True)
class Blend:
    """Weights of the recommenders whose standardised scores are summed."""

    weights: Mapping[str, float]

    @property
    def name(self) -> str:
        return "+".join(
            name if weight == 1 else f"{weight:g}*{name}" for name, weight in self.weights.items()
        )


def chunk_rows(n_products: int, components: int = 1) -> int:
    """Customers per chunk for `components` score matrices of `n_products` columns."""
    return max(1, CHUNK_CELLS // max(1, n_products * components))


def standardise(scores: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Each row's scores as z-scores over the eligible products (0 where a row is constant), so
    recommenders on different scales weigh in by their blend weights only. Works in place: the
    recommenders hand over a fresh array per chunk."""
    candidates = scores if eligible.all() else scores[:, eligible]
    if candidates.size == 0:
        return scores
    mean = candidates.mean(axis=1, keepdims=True)
    spread = candidates.std(axis=1, keepdims=True)
    scores -= mean
    scores /= np.where(spread > 0, spread, np.inf)
    return scores


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and scores of each row's k best finite scores, best first; ties go to the
    lower index. Rows with fewer than k finite scores are padded with index -1."""
    k = min(k, scores.shape[1])
    if k == 0:
        empty = np.zeros((scores.shape[0], 0))
        return empty.astype(np.int64), empty.astype(np.float32)
    best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(scores, best, axis=1)
    order = np.lexsort((best, -values), axis=1)
    best = np.take_along_axis(best, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    best[~np.isfinite(values)] = -1
    return best, values


@dataclass(frozen=True)
class Ranked:
    """Each row's top k: product columns (-1 = none), blended scores and the index, into the
    scorer's `reasons`, of the recommender that contributed most to each product."""

    products: np.ndarray
    scores: np.ndarray
    reasons: np.ndarray


class ColdStart(Protocol):
    """Lists for customers without history: `__call__(rows)` gives scores and, per product, an
    index into REASONS, whose last entry is the shop-popularity reason that `shop` scores."""

    REASONS: list[str]
    shop: np.ndarray

    def __call__(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class BlendScorer:
    """Scores customers with a blend, masks what may not be shown, and ranks.

    Customers without any history get the `cold_start` lists instead, with their own reasons: a
    personalised recommender has nothing to go on for them. For everyone else, products the
    blend leaves tied are ordered by shop popularity (`cold_start.shop`), and products no
    recommender scored at all say "popular in the shop", not a made-up reason.
    """

    def __init__(
        self,
        components: Mapping[str, Recommender],
        blend: Blend,
        eligible: np.ndarray,
        excluded: sparse.csr_matrix,
        has_history: np.ndarray,
        cold_start: ColdStart,
    ) -> None:
        self.components = {name: components[name] for name in blend.weights}
        self.blend = blend
        self.eligible = eligible
        self.excluded = excluded
        self.has_history = has_history
        self.cold_start = cold_start
        self.reasons = [component.reason for component in self.components.values()]
        self.fallback_offset = len(self.reasons)
        self.reasons += cold_start.REASONS
        self.tiebreak_reason = len(self.reasons) - 1
        # Under TIEBREAK_SHARE of a standard deviation: orders only what the blend leaves tied.
        shop = cold_start.shop
        self.tiebreak = (TIEBREAK_SHARE * shop / (np.max(shop, initial=0) + 1)).astype(np.float32)

    def score(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Blended scores (-inf where not allowed) and reason indices for the customer rows."""
        n_products = len(self.eligible)
        total = np.zeros((len(rows), n_products), dtype=np.float32)
        reasons = np.zeros((len(rows), n_products), dtype=np.int16)
        strongest = None
        signal = np.zeros((len(rows), n_products), dtype=bool)
        for position, (name, component) in enumerate(self.components.items()):
            raw = component.score(rows).astype(np.float32, copy=False)
            signal |= raw != 0
            contribution = standardise(raw, self.eligible)
            contribution *= self.blend.weights[name]
            total += contribution
            if strongest is None:
                strongest = contribution
            else:
                stronger = contribution > strongest
                reasons[stronger] = position
                np.maximum(strongest, contribution, out=strongest)
        # Products no recommender has anything on (a customer whose only signal is a product they
        # may not be shown again, say) are ordered by shop popularity and say so.
        total += self.tiebreak
        reasons[~signal] = self.tiebreak_reason
        cold = ~self.has_history[rows]
        if cold.any():
            fallback_scores, fallback_reasons = self.cold_start(rows[cold])
            total[cold] = fallback_scores
            reasons[cold] = self.fallback_offset + fallback_reasons
        if not self.eligible.all():
            total[:, ~self.eligible] = -np.inf
        blocked = self.excluded[rows]
        total[blocked.nonzero()] = -np.inf
        return total, reasons

    def rank(self, rows: np.ndarray, k: int, chunk: int | None = None) -> Ranked:
        """Top k of every row in `rows`, `chunk` customers at a time, with progress in the log."""
        chunk = chunk or chunk_rows(len(self.eligible), len(self.components) + 2)
        products, scores, reasons = [], [], []
        started = time.perf_counter()
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            blended, reason_matrix = self.score(part)
            best, values = top_k(blended, k)
            products.append(best)
            scores.append(values)
            reasons.append(np.take_along_axis(reason_matrix, np.maximum(best, 0), axis=1))
            done = start + len(part)
            if len(rows) > chunk:
                elapsed = time.perf_counter() - started
                LOG.info(
                    "recommendations: scored %d of %d customers (%.0f customers/s, %.3g "
                    "customer-products/s)",
                    done,
                    len(rows),
                    done / elapsed,
                    done * len(self.eligible) / elapsed,
                )
        width = min(k, len(self.eligible))
        if not products:
            empty = np.zeros((0, width))
            return Ranked(empty.astype(np.int64), empty.astype(np.float32), empty.astype(np.int16))
        return Ranked(np.vstack(products), np.vstack(scores), np.vstack(reasons))
