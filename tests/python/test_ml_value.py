"""Customer value: tiers, metrics, the split, and a model that beats its baselines on data with
a known signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml.artifacts import ArtifactStore
from ml.customer_value import (
    InsufficientValueData,
    ValueConfig,
    _split,
    historical_average,
    regression_metrics,
    train_value,
    value_tiers,
)
from ml.settings import MLSettings
from ml.value_tables import SCHEMA, customer_value_table

FEATURES = ["purchase_age_days", "revenue_total", "orders_last_90d", "btyd_expected_value", "noise"]


def make_features(customers: int = 2000, cutoffs: int = 3, seed: int = 0) -> pd.DataFrame:
    """Value cutoffs 30 days apart plus a scoring snapshot. Future revenue follows recent
    activity (orders in the last 90 days), which the historical average dilutes over the
    customer's whole age and the BTYD column only sees through noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=cutoffs + 1, freq="30D")
    frames = []
    for number, cutoff in enumerate(dates):
        age = rng.uniform(30, 700, customers)
        recent = rng.poisson(0.8, customers).astype(float)
        revenue = rng.gamma(2.0, 60.0, customers) * (1 + rng.poisson(1.5, customers))
        mean = 80.0 * recent + 5.0
        future = np.where(
            rng.random(customers) < 1 - np.exp(-mean / 60), rng.gamma(2.0, mean / 2), 0
        )
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"c{index:05d}" for index in range(customers)],
                    "cutoff_at": cutoff,
                    "revenue_in_value_horizon": np.nan if number == cutoffs else future,
                    "is_scoring_snapshot": number == cutoffs,
                    "purchase_age_days": age,
                    "revenue_total": revenue,
                    "orders_last_90d": recent,
                    "btyd_expected_value": mean * rng.lognormal(0, 1.0, customers),
                    "noise": rng.normal(size=customers),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_value_tiers_follow_the_shares() -> None:
    predicted = np.array([5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 0.0])
    rank, tier = value_tiers(predicted, top_share=0.1, high_share=0.3)
    assert rank.tolist() == [5, 9, 1, 7, 3, 8, 2, 6, 4, 10]
    assert tier.tolist().count("top") == 1 and tier[2] == "top"
    assert sorted(np.flatnonzero(tier == "high").tolist()) == [4, 6, 8]
    assert tier.tolist().count("standard") == 6


def test_regression_metrics_on_a_known_case() -> None:
    actual = np.array([0.0, 0.0, 10.0, 100.0] + [0.0] * 6)
    perfect = regression_metrics(actual, actual)
    assert perfect["mae"] == 0 and perfect["top_decile_capture"] == 1.0
    assert perfect["predicted_to_actual"] == 1.0
    reversed_ = regression_metrics(-actual + 100, actual)
    assert reversed_["top_decile_capture"] == 0.0 and reversed_["spearman"] < 0


def test_historical_average_spreads_revenue_over_at_least_one_horizon() -> None:
    frame = pd.DataFrame({"purchase_age_days": [30.0, 730.0], "revenue_total": [100.0, 200.0]})
    assert historical_average(frame, 365).tolist() == pytest.approx([100.0, 100.0])


def test_close_cutoffs_split_by_customer() -> None:
    labelled = make_features(customers=500)
    labelled = labelled[labelled["revenue_in_value_horizon"].notna()]
    train, valid, strategy = _split(labelled, ValueConfig())
    assert strategy == "customer_group"
    assert not set(train["customer_id"]) & set(valid["customer_id"])
    assert len(train) + len(valid) == len(labelled)
    assert valid["cutoff_at"].nunique() == labelled["cutoff_at"].nunique()


def test_the_model_beats_both_baselines_and_is_reused(tmp_path: Path) -> None:
    features = make_features()
    store = ArtifactStore(tmp_path)
    model = train_value(features, FEATURES, ValueConfig(), store)
    metrics = model.metadata.metrics
    assert metrics["mae"] < metrics["historical_average_mae"]
    assert metrics["mae"] < metrics["btyd_mae"]
    assert metrics["spearman"] > metrics["historical_average_spearman"]
    assert metrics["spearman"] > metrics["btyd_spearman"]
    assert metrics["predicted_to_actual"] == pytest.approx(1.0, abs=0.25)
    again = train_value(features, FEATURES, ValueConfig(), store)
    assert again.reused and again.model_version == model.model_version
    snapshot = features[features["is_scoring_snapshot"]]
    assert np.allclose(again.predict(snapshot), model.predict(snapshot))
    assert (model.predict(snapshot) >= 0).all()


def test_value_table_scores_every_buyer_with_tiers(tmp_path: Path) -> None:
    from ml.customer_features import MODEL_FEATURES, NOT_FEATURES

    raw = make_features(customers=800)
    features = pd.DataFrame({column: raw.get(column, 1.0) for column in MODEL_FEATURES}).assign(
        **{
            column: raw[column]
            for column in (
                "customer_id",
                "cutoff_at",
                "revenue_in_value_horizon",
                "is_scoring_snapshot",
            )
        }
    )
    assert set(features.columns) <= set(MODEL_FEATURES) | set(NOT_FEATURES)
    settings = MLSettings(
        artifacts_dir=str(tmp_path), value_tier_top_share=0.2, value_tier_high_share=0.3
    )
    table, model = customer_value_table(features, settings)
    assert model is not None and table.schema == SCHEMA
    rows = table.to_pandas()
    assert len(rows) == 800 and rows["customer_id"].is_unique
    assert rows["value_tier"].value_counts().to_dict() == {"standard": 400, "high": 240, "top": 160}
    top = rows[rows["value_tier"] == "top"]["predicted_value"].min()
    assert top >= rows[rows["value_tier"] == "high"]["predicted_value"].max()


def test_a_history_shorter_than_the_horizon_scores_nobody_and_says_why(tmp_path: Path) -> None:
    features = make_features(customers=50)
    with pytest.raises(InsufficientValueData, match="value_horizon_days"):
        train_value(features, FEATURES, ValueConfig(), ArtifactStore(tmp_path))


def test_tier_shares_that_exceed_one_are_refused() -> None:
    with pytest.raises(ValueError, match="value_tier_top_share"):
        MLSettings(value_tier_top_share=0.6, value_tier_high_share=0.5)
