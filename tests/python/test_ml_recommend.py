"""Recommendations: the ranking rules (nothing bought, nothing inactive, cold start), chunking,
the metrics and the evaluation's separation of past and future, on small hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from ml.device import resolve_device
from ml.recommend.catalogue import Catalogue
from ml.recommend.data import Interactions
from ml.recommend.evaluation import Holdout, ranking_metrics
from ml.recommend.pipeline import RecommendationInputs, product_matrix, recommendations_table
from ml.recommend.recommenders import (
    AlsRecommender,
    ContentRecommender,
    ItemItemRecommender,
    PopularityRecommender,
    RecentInterestRecommender,
    SegmentPopularity,
    TrainingState,
)
from ml.recommend.scoring import Blend, BlendScorer, top_k
from ml.settings import MLSettings

AS_OF = pd.Timestamp("2025-06-30 23:00")


def _shop(seed: int = 0, customers: int = 60, products: int = 24) -> dict[str, pd.DataFrame]:
    """Customers who each like one of four product groups and view, cart and buy within it."""
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(customers):
        group = customer % 4
        for _ in range(8):
            product = group * (products // 4) + int(rng.integers(products // 4))
            kind = rng.choice(["view", "cart", "purchase"], p=[0.6, 0.2, 0.2])
            at = AS_OF - pd.Timedelta(days=float(rng.uniform(1, 120)))
            rows.append((f"c{customer:03d}", f"p{product:03d}", kind, 1, at))
    interactions = pd.DataFrame(
        rows, columns=["customer_id", "product_id", "interaction_type", "quantity", "interacted_at"]
    )
    availability = pd.DataFrame(
        {
            "product_id": [f"p{product:03d}" for product in range(products)],
            "price": 10.0,
            "created_at": pd.Timestamp("2024-01-01"),
            "is_repeat_purchase": [product % 6 == 0 for product in range(products)],
        }
    )
    vectors = np.eye(4)[np.arange(products) // (products // 4)] + 0.01
    embeddings = pd.DataFrame(
        {
            "product_id": availability["product_id"],
            "embedding": list(
                (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
            ),
            "model_version": "encoder-1",
        }
    )
    return {"interactions": interactions, "availability": availability, "embeddings": embeddings}


def _state(shop: dict[str, pd.DataFrame], at: pd.Timestamp = AS_OF):
    catalogue = Catalogue.build(shop["availability"])
    customers = pd.Index(sorted(shop["interactions"]["customer_id"].unique()) + ["c_new"])
    interactions = Interactions.build(shop["interactions"], customers, catalogue.products)
    vectors = product_matrix(catalogue.products, shop["embeddings"])
    return (
        catalogue,
        interactions,
        TrainingState(interactions.as_of(at), at, vectors, resolve_device("cpu")),
    )


def _scorer(catalogue, interactions, state, blend):
    components = {
        "popularity": PopularityRecommender(),
        "content": ContentRecommender(),
        "item_item": ItemItemRecommender(),
        "als": AlsRecommender(),
    }
    for name in blend.weights:
        components[name].fit(state)
    components["popularity"].fit(state)
    popularity = components["popularity"]
    return BlendScorer(
        components,
        blend,
        catalogue.active(interactions, state.at, 180),
        catalogue.excluded(interactions.purchases()),
        interactions.weights().getnnz(axis=1) > 0,
        SegmentPopularity(
            np.full(len(interactions.customers), None, dtype=object), popularity.popularity
        ),
    )


def test_top_k_orders_best_first_breaks_ties_by_index_and_pads() -> None:
    scores = np.array([[0.5, 2.0, 2.0, -np.inf], [-np.inf, -np.inf, 1.0, -np.inf]])
    products, values = top_k(scores, 3)
    assert products.tolist() == [[1, 2, 0], [2, -1, -1]]
    assert values[0].tolist() == [2.0, 2.0, 0.5]


def test_chunked_ranking_equals_unchunked() -> None:
    catalogue, interactions, state = _state(_shop())
    scorer = _scorer(
        catalogue, interactions, state, Blend({"content": 1.0, "item_item": 1.0, "als": 1.0})
    )
    rows = np.arange(len(interactions.customers))
    whole = scorer.rank(rows, 10, chunk=len(rows))
    chunked = scorer.rank(rows, 10, chunk=7)
    np.testing.assert_array_equal(whole.products, chunked.products)
    np.testing.assert_allclose(whole.scores, chunked.scores, rtol=1e-6)
    np.testing.assert_array_equal(whole.reasons, chunked.reasons)


def test_never_recommends_a_bought_product_unless_repeat_purchase_nor_an_inactive_one() -> None:
    shop = _shop()
    # p001 has no price: never active. p000 and p006 are repeat-purchase products.
    shop["availability"].loc[1, "price"] = np.nan
    catalogue, interactions, state = _state(shop)
    scorer = _scorer(catalogue, interactions, state, Blend({"item_item": 1.0, "als": 1.0}))
    ranked = scorer.rank(np.arange(len(interactions.customers)), 24)
    bought = interactions.purchases().toarray() > 0
    repeat = catalogue.is_repeat_purchase
    for row, products in enumerate(ranked.products):
        shown = products[products >= 0]
        assert 1 not in shown
        assert not (bought[row, shown] & ~repeat[shown]).any()
    # A repeat-purchase product a customer bought can still be shown to them.
    buyers_of_repeat = np.flatnonzero(bought[:, repeat].any(axis=1))
    assert any(
        np.isin(np.flatnonzero(bought[row] & repeat), ranked.products[row]).any()
        for row in buyers_of_repeat
    )


def test_customer_without_history_gets_the_fallback_list() -> None:
    catalogue, interactions, state = _state(_shop())
    scorer = _scorer(catalogue, interactions, state, Blend({"content": 1.0}))
    new = interactions.customers.get_loc("c_new")
    ranked = scorer.rank(np.array([new]), 5)
    popular = np.argsort(-state.interactions.popularity(AS_OF), kind="stable")[:5]
    assert ranked.products[0].tolist() == popular.tolist()
    assert {scorer.reasons[index] for index in ranked.reasons[0]} == {"popular in the shop"}


def test_products_the_blend_has_nothing_on_are_ordered_by_popularity_and_say_so() -> None:
    shop = _shop()
    catalogue, interactions, state = _state(shop)
    # Under recent interest alone, a customer whose views are all of products they then bought
    # has nothing left the blend can score.
    row = interactions.customers.get_loc("c000")
    frame = interactions.frame
    viewed = set(
        frame.loc[(frame["row"] == row) & (frame["interaction_type"] != "purchase"), "column"]
    )
    bought = set(
        frame.loc[(frame["row"] == row) & (frame["interaction_type"] == "purchase"), "column"]
    )
    shop["interactions"] = shop["interactions"][
        (shop["interactions"]["customer_id"] != "c000")
        | (shop["interactions"]["product_id"].isin(catalogue.products[sorted(bought)]))
    ]
    assert viewed  # the customer did browse, before the edit
    catalogue, interactions, state = _state(shop)
    recent = RecentInterestRecommender()
    recent.fit(state)
    popularity = PopularityRecommender()
    popularity.fit(state)
    scorer = BlendScorer(
        {"recent_interest": recent},
        Blend({"recent_interest": 1.0}),
        catalogue.active(interactions, AS_OF, 180),
        catalogue.excluded(interactions.purchases()),
        interactions.weights().getnnz(axis=1) > 0,
        SegmentPopularity(
            np.full(len(interactions.customers), None, dtype=object), popularity.popularity
        ),
    )
    ranked = scorer.rank(np.array([row]), 5)
    excluded = set(np.flatnonzero(catalogue.excluded(interactions.purchases())[row].toarray()))
    expected = [
        column
        for column in np.argsort(-popularity.popularity, kind="stable")
        if column not in excluded
    ][:5]
    assert ranked.products[0].tolist() == expected
    assert {scorer.reasons[index] for index in ranked.reasons[0]} == {"popular in the shop"}


def test_ranking_metrics_on_a_worked_example() -> None:
    products = np.array([[3, 1, 2], [0, 4, -1]])
    truth = sparse.csr_matrix(np.array([[0, 1, 0, 0, 1], [0, 0, 0, 1, 0]], dtype=np.float32))
    metrics = ranking_metrics(products, truth, n_eligible=5, k=3)
    assert metrics["recall_at_3"] == pytest.approx((1 / 2 + 0) / 2)
    # First customer: hit at position 2 (discount 1/log2(3)), ideal two hits at positions 1, 2.
    ideal = 1 + 1 / np.log2(3)
    assert metrics["ndcg_at_3"] == pytest.approx(((1 / np.log2(3)) / ideal + 0) / 2)
    assert metrics["hit_rate_at_3"] == 0.5
    assert metrics["catalogue_coverage"] == pytest.approx(5 / 5)


def test_holdout_trains_on_the_past_only_and_judges_products_eligible_then() -> None:
    shop = _shop()
    cutoff = AS_OF - pd.Timedelta(days=30)
    # A product launched after the cutoff and bought after it cannot count against the past.
    late = pd.DataFrame(
        {
            "product_id": ["p_late"],
            "price": [5.0],
            "created_at": [cutoff + pd.Timedelta(days=2)],
            "is_repeat_purchase": [False],
        }
    )
    shop["availability"] = pd.concat([shop["availability"], late], ignore_index=True)
    shop["interactions"] = pd.concat(
        [
            shop["interactions"],
            pd.DataFrame(
                {
                    "customer_id": ["c000"],
                    "product_id": ["p_late"],
                    "interaction_type": ["purchase"],
                    "quantity": [1],
                    "interacted_at": [cutoff + pd.Timedelta(days=5)],
                }
            ),
        ],
        ignore_index=True,
    )
    catalogue, interactions, state = _state(shop)
    holdout = Holdout.build(
        "test", interactions, catalogue, state.product_vectors, state.device, cutoff, AS_OF, 180
    )
    assert holdout.state.interactions.frame["interacted_at"].max() <= cutoff
    late_column = catalogue.products.get_loc("p_late")
    assert not holdout.eligible[late_column]
    assert holdout.truth[:, late_column].nnz == 0
    assert len(holdout.rows) > 0


def test_recommendations_table_covers_every_customer_and_reuses_its_evaluation(tmp_path) -> None:
    shop = _shop(customers=80)
    customers = pd.Series(sorted(shop["interactions"]["customer_id"].unique()) + ["c_new"])
    inputs = RecommendationInputs(
        customers,
        shop["interactions"],
        shop["availability"],
        shop["embeddings"],
        pd.DataFrame({"customer_id": ["c_new", "c001"], "country": ["FR", "FR"]}),
        AS_OF,
    )
    settings = MLSettings(artifacts_dir=str(tmp_path), recommendation_count=5)
    table = recommendations_table(inputs, settings).to_pandas()
    assert set(table["customer_id"]) == set(customers)
    assert table.groupby("customer_id").size().max() == 5
    new = table[table["customer_id"] == "c_new"]
    assert new["status"].unique().tolist() == ["cold_start"]
    # c_new's only compatriot, c001, bought a few products recently: those come first, with the
    # country reason, and the shop's most popular fill the rest of the list, with theirs.
    recent = shop["interactions"]
    recent = recent[
        (recent["customer_id"] == "c001")
        & (recent["interaction_type"] == "purchase")
        & (recent["interacted_at"] > AS_OF - pd.Timedelta(days=90))
    ]
    country = new[new["reason"] == "popular with customers in their country"]
    assert len(recent) > 0 and len(country) > 0
    assert set(country["product_id"]) == set(recent["product_id"]) or len(country) == 5
    assert country["recommendation_rank"].tolist() == list(range(1, len(country) + 1))
    assert set(new["reason"]) <= {"popular with customers in their country", "popular in the shop"}
    assert table["recommendation_id"].is_unique
    runs = list((tmp_path / "recommendations").iterdir())
    assert len(runs) == 1
    again = recommendations_table(inputs, settings).to_pandas()
    assert list((tmp_path / "recommendations").iterdir()) == runs
    pd.testing.assert_frame_equal(
        table.drop(columns="recommended_at"), again.drop(columns="recommended_at")
    )
    # The same data in another row order is the same run, not a new version.
    shuffled = RecommendationInputs(
        inputs.customers,
        inputs.interactions.sample(frac=1.0, random_state=3),
        inputs.availability.sample(frac=1.0, random_state=4),
        inputs.product_embeddings,
        inputs.groups,
        AS_OF,
    )
    recommendations_table(shuffled, settings)
    assert list((tmp_path / "recommendations").iterdir()) == runs


def test_metrics_of_a_catalogue_smaller_than_k_are_still_at_10() -> None:
    truth = sparse.csr_matrix(np.array([[0, 1, 0]], dtype=np.float32))
    metrics = ranking_metrics(np.array([[1, 0, 2]]), truth, n_eligible=3)
    assert metrics["recall_at_10"] == 1.0 and metrics["hit_rate_at_10"] == 1.0
