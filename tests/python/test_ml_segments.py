"""Customer segments on synthetic buyers: k by silhouette, names from profiles, stable ids."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ml import segments as segments_module
from ml.artifacts import ArtifactStore
from ml.segment_features import NOT_SEGMENT_FEATURES, SEGMENT_FEATURES
from ml.segment_tables import (
    LATEST,
    TASK,
    customer_segment_table,
    fit_segments,
    latest_segmentation,
    segment_profile_table,
)
from ml.segments import (
    TYPICAL_NAME,
    Segmentation,
    SegmentConfig,
    choose_k,
    match_ids,
    name_segment,
    segment_customers,
    unique_names,
)
from ml.settings import MLSettings

ROOT = Path(__file__).resolve().parents[2]
AS_OF = pd.Timestamp("2026-06-30 23:59:59")
# Four kinds of buyer, in raw units: recency days, orders, order value, sessions in 90 days,
# mobile share, discount share, tickets per customer.
GROUPS = {
    "loyal": (20, 8, 120, 20, 0.5, 0.02, 0.1),
    "lapsed": (450, 1, 60, 0, 0.5, 0.05, 0.1),
    "big basket": (150, 2, 600, 4, 0.05, 0.01, 0.1),
    "bargain": (200, 2, 40, 6, 0.9, 0.35, 1.5),
}


def synthetic_buyers(
    customers: int, seed: int = 0, prefix: str = "c"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ml_segment_features rows and customer embeddings for buyers of the four GROUPS."""
    rng = np.random.default_rng(seed)
    names = list(GROUPS)
    group = rng.integers(0, len(names), customers)
    values = np.array([GROUPS[names[g]] for g in group], dtype=float)
    recency, orders, order_value, sessions, mobile, discount, tickets = values.T
    orders = np.maximum(1, rng.poisson(orders))
    order_value = order_value * rng.lognormal(0, 0.15, customers)
    reviews = rng.poisson(0.4, customers)
    tickets_total = rng.poisson(tickets)
    channel = rng.dirichlet([2, 2, 1, 2], customers)
    features = pd.DataFrame(
        {
            "customer_id": [f"{prefix}{i:05d}" for i in range(customers)],
            "lifecycle_stage": "active",
            "days_since_last_order": np.maximum(0, recency + rng.normal(0, 15, customers)),
            "revenue_orders": orders.astype(float),
            "revenue": orders * order_value,
            "average_order_value": order_value,
            "tenure_days": 400 + rng.normal(0, 30, customers),
            "sessions_last_90d": rng.poisson(sessions).astype(float),
            "mobile_session_share": np.clip(mobile + rng.normal(0, 0.05, customers), 0, 1),
            "paid_session_share": channel[:, 0],
            "organic_session_share": channel[:, 1],
            "email_session_share": channel[:, 2],
            "direct_session_share": channel[:, 3],
            "discount_share": np.clip(discount + rng.normal(0, 0.02, customers), 0, 1),
            "returned_order_share": 0.0,
            "reviews_written": reviews.astype(float),
            "avg_review_sentiment": np.where(reviews > 0, rng.uniform(0, 1, customers), np.nan),
            "tickets_total": tickets_total.astype(float),
            "avg_ticket_sentiment": np.where(tickets_total > 0, -0.3, np.nan),
            "as_of_at": AS_OF,
        }
    )
    centres = rng.normal(size=(len(names), 16))
    vectors = centres[group] + rng.normal(0, 0.5, (customers, 16))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    embeddings = pd.DataFrame(
        {"customer_id": features["customer_id"], "embedding": list(vectors.astype(np.float32))}
    )
    features["group"] = [names[g] for g in group]
    return features, embeddings


def _features(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="group")


@pytest.fixture(scope="module")
def buyers() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic_buyers(800)


@pytest.fixture(scope="module")
def segmented(buyers) -> Segmentation:
    features, embeddings = buyers
    return segment_customers(_features(features), embeddings)


def test_k_is_chosen_by_silhouette_over_the_configured_range(buyers, segmented) -> None:
    features, embeddings = buyers
    result = segmented
    assert sorted(result.silhouette_by_k) == list(range(3, 9))
    assert result.chosen_k == 4
    assert result.silhouette == max(result.silhouette_by_k.values())
    # The four kinds of buyer are recovered: each segment is (almost) one group.
    joined = features.merge(result.assignments, on="customer_id")
    purity = joined.groupby("segment_id")["group"].agg(lambda g: g.value_counts().iloc[0] / len(g))
    assert purity.min() > 0.95, purity
    narrow = segment_customers(_features(features), embeddings, SegmentConfig(5, 6))
    assert sorted(narrow.silhouette_by_k) == [5, 6] and narrow.chosen_k in (5, 6)


def test_segments_are_named_from_their_profiles(buyers, segmented) -> None:
    features, _ = buyers
    result = segmented
    joined = features.merge(result.assignments, on="customer_id")
    names = joined.groupby("group")["segment_name"].agg(lambda g: g.value_counts().index[0])
    assert "frequent" in names["loyal"] and "recent" in names["loyal"], names
    assert "lapsed" in names["lapsed"], names
    assert "big basket" in names["big basket"], names
    assert "discount-driven" in names["bargain"], names
    assert all(2 <= len(name.split(", ")) <= 3 for name in names), names
    assert len(set(segment.segment_name for segment in result.segments)) == len(result.segments)


def test_same_data_gives_the_same_ids_and_names_in_any_row_order(buyers, segmented) -> None:
    features, embeddings = buyers
    first = segmented
    shuffled = _features(features).sample(frac=1.0, random_state=3)
    second = segment_customers(shuffled, embeddings.sample(frac=1.0, random_state=4))
    pd.testing.assert_frame_equal(first.assignments, second.assignments)
    assert [(s.segment_id, s.segment_name) for s in first.segments] == [
        (s.segment_id, s.segment_name) for s in second.segments
    ]
    # Fresh ids run from 1, largest segment first.
    sizes = [segment.customers for segment in first.segments]
    assert [segment.segment_id for segment in first.segments] == list(range(1, 5))
    assert sizes == sorted(sizes, reverse=True)


def test_ten_percent_more_customers_keep_most_customers_in_their_segment(
    buyers, tmp_path: Path
) -> None:
    features, embeddings = buyers
    store = ArtifactStore(tmp_path)
    first_version, first = fit_segments(_features(features), embeddings, SegmentConfig(), store)
    more, more_embeddings = synthetic_buyers(80, seed=1, prefix="new")
    grown = pd.concat([_features(features), _features(more)], ignore_index=True)
    grown_embeddings = pd.concat([embeddings, more_embeddings], ignore_index=True)
    second_version, second = fit_segments(grown, grown_embeddings, SegmentConfig(), store)
    assert second_version != first_version
    before = first.assignments.set_index("customer_id")["segment_id"]
    after = second.assignments.set_index("customer_id")["segment_id"].reindex(before.index)
    assert (before == after).mean() > 0.95
    assert all(segment.previous_segment_id == segment.segment_id for segment in second.segments)
    latest = json.loads((tmp_path / TASK / LATEST).read_text())
    assert latest == {"model_version": second_version, "next_segment_id": second.next_segment_id}


def test_ids_are_never_reissued_after_returning_to_an_older_segmentation(
    buyers, tmp_path: Path
) -> None:
    """A -> B -> A: the reused A must not hand out again the ids B introduced."""
    features, embeddings = buyers
    store = ArtifactStore(tmp_path)
    _, first = fit_segments(_features(features), embeddings, SegmentConfig(), store)
    # A zero match distance gives B fresh ids only.
    _, fresh = fit_segments(
        _features(features), embeddings, SegmentConfig(max_match_distance=0.0), store
    )
    assert min(s.segment_id for s in fresh.segments) >= first.next_segment_id
    _, again = fit_segments(_features(features), embeddings, SegmentConfig(), store)
    assert [s.segment_id for s in again.segments] == [s.segment_id for s in first.segments]
    assert again.next_segment_id == fresh.next_segment_id
    latest = latest_segmentation(store)
    assert latest is not None and latest[1].next_segment_id == fresh.next_segment_id


def test_the_previous_k_is_kept_only_while_its_silhouette_is_close_to_the_best(
    buyers, monkeypatch: pytest.MonkeyPatch
) -> None:
    features, embeddings = buyers
    rng = np.random.default_rng(0)
    matrix = np.vstack([rng.normal(centre, 0.3, (100, 2)) for centre in ((0, 0), (4, 0), (0, 4))])
    best, scores, _ = choose_k(matrix, SegmentConfig(3, 6))
    assert best == 3 and scores[3] > scores[5] + segments_module.SILHOUETTE_TOLERANCE
    five = np.array([[0, 0], [4, 0], [0, 4], [0.3, 0.3], [4.3, 0]])
    assert choose_k(matrix, SegmentConfig(3, 6), five)[0] == 3  # clearly worse: not kept
    monkeypatch.setattr(segments_module, "SILHOUETTE_TOLERANCE", 1.0)
    kept, _, fits = choose_k(matrix, SegmentConfig(3, 6), five)
    assert kept == 5 and len(fits[5].cluster_centers_) == 5


def test_reordered_clusters_get_their_old_ids_back(buyers, tmp_path: Path) -> None:
    """Growth that changes which cluster is largest would renumber fresh ids; matching does not."""
    features, embeddings = buyers
    store = ArtifactStore(tmp_path)
    _, first = fit_segments(_features(features), embeddings, SegmentConfig(), store)
    smallest = first.segments[-1]
    members = first.assignments.loc[first.assignments["segment_id"] == smallest.segment_id]
    grown = pd.concat(
        [_features(features)]
        + [
            _features(features)
            .set_index("customer_id")
            .loc[members["customer_id"]]
            .reset_index()
            .assign(customer_id=lambda frame, copy=copy: frame["customer_id"] + f"-copy{copy}")
            for copy in range(2)
        ],
        ignore_index=True,
    )
    copies = grown["customer_id"].str.replace(r"-copy\d$", "", regex=True)
    grown_embeddings = embeddings.set_index("customer_id").loc[copies].reset_index(drop=True)
    grown_embeddings.insert(0, "customer_id", grown["customer_id"].to_numpy())
    fresh = segment_customers(grown, grown_embeddings)
    _, matched = fit_segments(grown, grown_embeddings, SegmentConfig(), store)
    assert fresh.segments[0].customers > first.segments[0].customers  # now the largest
    old = first.assignments.set_index("customer_id")["segment_id"]
    new = matched.assignments.set_index("customer_id")["segment_id"].reindex(old.index)
    assert (old == new).mean() > 0.95


def test_same_data_loads_the_stored_segmentation(buyers, tmp_path: Path) -> None:
    features, embeddings = buyers
    store = ArtifactStore(tmp_path)
    version, first = fit_segments(_features(features), embeddings, SegmentConfig(), store)
    metadata = store.find(TASK, version)
    assert metadata is not None and metadata.metrics["chosen_k"] == 4
    assert set(metadata.metrics["silhouette_by_k"]) == {str(k) for k in range(3, 9)}
    again_version, again = fit_segments(_features(features), embeddings, SegmentConfig(), store)
    assert again_version == version
    pd.testing.assert_frame_equal(first.assignments, again.assignments)
    assert store.find(TASK, version).trained_at == metadata.trained_at


def test_tables_carry_one_row_per_customer_and_per_segment(buyers, tmp_path: Path) -> None:
    features, embeddings = buyers
    settings = MLSettings(artifacts_dir=str(tmp_path))
    segments = customer_segment_table(_features(features), embeddings, settings).to_pandas()
    assert len(segments) == len(features) and segments["customer_id"].is_unique
    assert segments["snapshot_at"].eq(AS_OF).all() and segments["model_version"].nunique() == 1
    assert (segments["distance_to_centroid"] >= 0).all()
    profiles = segment_profile_table(
        segments["model_version"].unique().tolist(), ArtifactStore(tmp_path)
    ).to_pandas()
    assert sorted(profiles["segment_id"]) == sorted(segments["segment_id"].unique())
    assert profiles["customers"].sum() == len(segments)
    assert profiles["segment_count"].eq(4).all() and profiles["segment_name"].is_unique
    assert set(json.loads(profiles["silhouette_by_k"].iloc[0])) == {str(k) for k in range(3, 9)}
    with pytest.raises(ValueError, match="no artifact"):
        segment_profile_table(["segments-000000000000"], ArtifactStore(tmp_path))


def test_few_or_no_buyers_still_give_typed_tables(tmp_path: Path) -> None:
    features, embeddings = synthetic_buyers(3)
    one = segment_customers(_features(features), embeddings)
    assert one.chosen_k == 1 and one.silhouette is None
    assert one.assignments["segment_id"].eq(1).all()
    settings = MLSettings(artifacts_dir=str(tmp_path))
    empty = customer_segment_table(_features(features).iloc[:0], embeddings.iloc[:0], settings)
    assert empty.num_rows == 0 and "segment_id" in empty.schema.names
    without_embeddings = segment_customers(_features(features), None)
    assert len(without_embeddings.assignments) == 3


def test_names_take_the_strongest_deviations_with_a_word() -> None:
    profile = {"revenue_orders": 1.8, "revenue": 1.2, "discount_share": 0.9, "tenure_days": 0.6}
    assert name_segment(profile) == (
        "frequent, high value, discount-driven",
        ["revenue_orders", "revenue", "discount_share"],
    )
    assert name_segment({"days_since_last_order": -1.1, "mobile_session_share": -0.3})[0] == (
        "recent, desktop"
    )
    # A side without a word is skipped; a word inside a stronger one adds nothing.
    reviewer = {"paid_session_share": -2.0, "avg_review_sentiment": -2.5, "reviews_written": 1.5}
    assert name_segment(reviewer)[0] == "unhappy reviewer"
    assert name_segment({"revenue": 0.1, "tenure_days": -0.2}) == (TYPICAL_NAME, [])
    assert unique_names(["recent, mobile", "lapsed", "recent, mobile", "recent, mobile"]) == [
        "recent, mobile",
        "lapsed",
        "recent, mobile (2)",
        "recent, mobile (3)",
    ]


def test_ids_are_matched_by_centroid_and_fresh_ones_never_reused() -> None:
    old = np.array([[0.0, 0.0], [5.0, 5.0], [10.0, 0.0]])
    new = np.array([[10.2, 0.1], [0.1, -0.1], [5.1, 4.9], [30.0, 30.0]])
    ids, matched, next_id = match_ids(new, old, [4, 7, 9], next_id=12, max_distance=2.5)
    assert ids == [9, 4, 7, 12] and matched == [9, 4, 7, None] and next_id == 13
    # Fewer clusters than before: the unmatched old id retires; a far one gets a fresh id.
    ids, matched, next_id = match_ids(new[[0, 3]], old, [4, 7, 9], next_id=12, max_distance=2.5)
    assert ids == [9, 12] and next_id == 13
    assert match_ids(new[:2], np.zeros((0, 2)), [], next_id=1, max_distance=2.5)[0] == [1, 2]


def test_an_undeclared_feature_table_column_is_an_error(buyers) -> None:
    features, embeddings = buyers
    with pytest.raises(ValueError, match="predicted_value"):
        segment_customers(_features(features).assign(predicted_value=1.0), embeddings)


def test_segment_vars_are_validated_naming_the_var() -> None:
    settings = MLSettings.from_meta({"segment_min_clusters": "4", "segment_max_clusters": "None"})
    assert (settings.segment_min_clusters, settings.segment_max_clusters) == (4, 8)
    for meta, name in (
        ({"segment_min_clusters": "1"}, "segment_min_clusters"),
        ({"segment_max_clusters": "many"}, "segment_max_clusters"),
        ({"segment_min_clusters": "6", "segment_max_clusters": "5"}, "segment_min_clusters"),
    ):
        with pytest.raises(ValueError, match=name):
            MLSettings.from_meta(meta)


def test_the_feature_table_yaml_and_sql_declare_exactly_the_segment_features() -> None:
    root = ROOT / "python_models" / "ml"
    models = yaml.safe_load((root / "_ml__models.yml").read_text())["models"]
    table = next(model for model in models if model["name"] == "ml_segment_features")
    marked = {
        column["name"]: column.get("config", {}).get("meta", {}).get("segment_feature", False)
        for column in table["columns"]
    }
    declared = [feature.column for feature in SEGMENT_FEATURES]
    assert set(marked) == set(declared) | set(NOT_SEGMENT_FEATURES)
    assert [name for name, feature in marked.items() if feature] == declared
    final = (root / "ml_segment_features.sql").read_text().split("final as (")[1]
    selected = re.findall(r"^\s+(?:\w+\.|.* as )(\w+),?$", final.split("from buyers")[0], re.M)
    assert selected == list(marked)
