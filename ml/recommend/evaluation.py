"""Offline evaluation by replaying the past: train on what was known at a cutoff, recommend, and
count how many of each customer's purchases in the following days were in their top 10.

Two windows: validation (the holdout span before the test cutoff) picks the blend, test (the last
holdout span before the as-of time) reports it beside every single recommender and the popularity
baseline. Nothing after a cutoff is used to train, to decide what is eligible, or to pick the blend
reported on test. One exception, from identity stitching: browsing before a cutoff by a visitor
who logs in only after it is credited to that customer at the cutoff (int_product_interactions).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import sparse

from ml.device import DeviceConfig
from ml.recommend.catalogue import Catalogue
from ml.recommend.data import Interactions
from ml.recommend.recommenders import (
    PERSONALISED,
    PopularityRecommender,
    Recommender,
    SegmentPopularity,
    TrainingState,
)
from ml.recommend.scoring import Blend, BlendScorer

LOG = logging.getLogger("ml.recommend")

EVALUATION_K = 10
POPULARITY = Blend({"popularity": 1.0})
# A blend may add popularity at this weight to its personalised recommenders.
POPULARITY_SHARE = 0.5


def candidate_blends() -> list[Blend]:
    """Every non-empty set of personalised recommenders, equally weighted, with and without
    popularity; simpler blends first, so a tie goes to the simpler one."""
    names = [recommender.name for recommender in PERSONALISED]
    blends = []
    for size in range(1, len(names) + 1):
        for chosen in combinations(names, size):
            weights = dict.fromkeys(chosen, 1.0)
            blends.append(Blend(weights))
            blends.append(Blend({**weights, "popularity": POPULARITY_SHARE}))
    return blends


def ranking_metrics(
    products: np.ndarray, truth: sparse.csr_matrix, n_eligible: int, k: int = EVALUATION_K
) -> dict[str, float]:
    """recall@k, NDCG@k and hit rate@k over the rows of `truth` (each with at least one relevant
    product) and the share of eligible products recommended to anyone (catalogue coverage).
    `products` may be narrower than k (a catalogue of fewer products): padded with -1."""
    products = np.pad(
        products[:, :k], ((0, 0), (0, k - min(k, products.shape[1]))), constant_values=-1
    )
    rows = np.repeat(np.arange(products.shape[0]), k)
    hits = np.asarray(truth[rows, np.maximum(products.ravel(), 0)]).reshape(products.shape)
    hits = (hits > 0) & (products >= 0)
    relevant = truth.getnnz(axis=1)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discounts)[np.minimum(relevant, k) - 1]
    recommended = np.unique(products[products >= 0])
    return {
        f"recall_at_{k}": float((hits.sum(axis=1) / relevant).mean()),
        f"ndcg_at_{k}": float(((hits * discounts).sum(axis=1) / ideal).mean()),
        f"hit_rate_at_{k}": float((hits.sum(axis=1) > 0).mean()),
        "catalogue_coverage": float(len(recommended) / max(n_eligible, 1)),
    }


@dataclass(frozen=True)
class Holdout:
    """One replay: the state at `cutoff` and the purchases after it, up to `end`."""

    name: str
    cutoff: pd.Timestamp
    end: pd.Timestamp
    state: TrainingState
    eligible: np.ndarray
    excluded: sparse.csr_matrix
    has_history: np.ndarray
    rows: np.ndarray  # customers who bought something recommendable after the cutoff
    truth: sparse.csr_matrix  # those customers x products they bought after the cutoff

    @classmethod
    def build(
        cls,
        name: str,
        interactions: Interactions,
        catalogue: Catalogue,
        product_vectors: np.ndarray,
        device: DeviceConfig,
        cutoff: pd.Timestamp,
        end: pd.Timestamp,
        active_days: int,
    ) -> Holdout:
        past = interactions.as_of(cutoff)
        eligible = catalogue.active(interactions, cutoff, active_days)
        excluded = catalogue.excluded(past.purchases())
        # Truth: products bought after the cutoff that could have been recommended at it.
        bought = (interactions.between(cutoff, end).purchases() > 0).astype(np.float32)
        allowed = bought @ sparse.diags(eligible.astype(np.float32))
        truth = (allowed - allowed.multiply(excluded)).tocsr()
        truth.eliminate_zeros()
        rows = np.flatnonzero(truth.getnnz(axis=1) > 0)
        state = TrainingState(past, cutoff, product_vectors, device)
        has_history = past.weights().getnnz(axis=1) > 0
        return cls(name, cutoff, end, state, eligible, excluded, has_history, rows, truth[rows])

    def evaluate(
        self, blends: list[Blend], cold_start: SegmentPopularity
    ) -> dict[str, dict[str, float]]:
        """Metrics of each blend; every recommender, and the cold-start lists customers without
        history get, are fitted once, on the past only."""
        components: dict[str, Recommender] = {"popularity": PopularityRecommender()}
        components.update({recommender.name: recommender() for recommender in PERSONALISED})
        for component in components.values():
            component.fit(self.state)
        cold_start.fit(self.state)
        results = {}
        for blend in blends:
            scorer = BlendScorer(
                components,
                blend,
                self.eligible,
                self.excluded,
                self.has_history,
                cold_start,
            )
            ranked = scorer.rank(self.rows, EVALUATION_K)
            results[blend.name] = ranking_metrics(
                ranked.products, self.truth, int(self.eligible.sum())
            )
        return results

    def describe(self) -> dict[str, object]:
        """What the replay covered, for the model run's metrics."""
        return {
            "cutoff": self.cutoff.isoformat(),
            "end": self.end.isoformat(),
            "customers": int(len(self.rows)),
            "cold_start_share": float((~self.has_history[self.rows]).mean())
            if len(self.rows)
            else None,
            "eligible_products": int(self.eligible.sum()),
        }


@dataclass(frozen=True)
class Evaluation:
    """The blend chosen on validation and the figures on test."""

    blend: Blend
    metrics: dict[str, object]


def evaluate_offline(
    interactions: Interactions,
    catalogue: Catalogue,
    product_vectors: np.ndarray,
    device: DeviceConfig,
    as_of: pd.Timestamp,
    span: pd.Timedelta,
    active_days: int,
    cold_start: SegmentPopularity,
) -> Evaluation:
    """Pick the blend on the validation window, report it and the rest on the test window; each
    window is `span` long, the test one ending at `as_of`.

    With nobody to evaluate in a window (too little history) every personalised recommender is
    blended and the metrics say why nothing was measured.
    """
    holdouts = {
        name: Holdout.build(
            name, interactions, catalogue, product_vectors, device, end - span, end, active_days
        )
        for name, end in (("validation", as_of - span), ("test", as_of))
    }
    default = Blend(dict.fromkeys((recommender.name for recommender in PERSONALISED), 1.0))
    empty = [name for name, holdout in holdouts.items() if len(holdout.rows) == 0]
    if empty:
        reason = (
            f"no customer bought a recommendable product in the {' and '.join(empty)} window "
            f"({span} before the as-of time; the recommendation_holdout_days var); nothing measured"
        )
        LOG.warning("recommendations: %s", reason)
        return Evaluation(default, {"evaluation_skipped": reason, "blend": default.name})
    candidates = candidate_blends()
    validation = holdouts["validation"].evaluate([POPULARITY, *candidates], cold_start)
    key = f"ndcg_at_{EVALUATION_K}"
    best = max(candidates, key=lambda blend: validation[blend.name][key])
    singles = [Blend({recommender.name: 1.0}) for recommender in PERSONALISED]
    test = holdouts["test"].evaluate(
        [POPULARITY, *singles, *([best] if best not in singles else [])], cold_start
    )
    chosen, baseline = test[best.name], test[POPULARITY.name]
    metrics: dict[str, object] = {
        **chosen,
        **{f"popularity_{name}": value for name, value in baseline.items()},
        f"recall_at_{EVALUATION_K}_to_popularity": (
            chosen[f"recall_at_{EVALUATION_K}"] / baseline[f"recall_at_{EVALUATION_K}"]
            if baseline[f"recall_at_{EVALUATION_K}"] > 0
            else None
        ),
        "blend": best.name,
        "test": test,
        "validation": validation,
        "windows": {name: holdout.describe() for name, holdout in holdouts.items()},
    }
    LOG.info(
        "recommendations: blend %s chosen on validation (NDCG@%d %.4f); on test recall@%d %.4f "
        "vs popularity %.4f",
        best.name,
        EVALUATION_K,
        validation[best.name][key],
        EVALUATION_K,
        chosen[f"recall_at_{EVALUATION_K}"],
        baseline[f"recall_at_{EVALUATION_K}"],
    )
    return Evaluation(best, metrics)
