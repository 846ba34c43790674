"""Churn model on synthetic point-in-time features whose true churn mechanism is known.

Churn depends on late deliveries (strongly), recency and sessions; two features are pure noise.
The latest labelled cutoff has a higher churn rate than earlier ones, as seasonality would cause,
so a model trained on earlier cutoffs is miscalibrated there and calibration has work to do.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from ml.artifacts import ArtifactStore
from ml.auc_confidence import auc_intervals
from ml.churn import ChurnConfig, ChurnModel, train_churn

FEATURES = [
    "days_since_last_order",
    "late_deliveries",
    "sessions_last_30d",
    "avg_review_rating",
    "bgnbd_purchases_churn_horizon",
    "noise_a",
    "noise_b",
]
NOISE = {"noise_a", "noise_b"}
LABELLED_CUTOFFS = 4
CUSTOMERS = 1500
SCORE_COLUMNS = [
    "customer_id",
    "churn_probability",
    "risk_tier",
    "top_drivers",
    "top_driver_1",
    "top_driver_2",
    "top_driver_3",
    "model_version",
]


def make_features(
    labelled_cutoffs: int = LABELLED_CUTOFFS, customers: int = CUSTOMERS, seed: int = 0
) -> pd.DataFrame:
    """Labelled cutoffs 30 days apart plus one scoring snapshot with a null label."""
    rng = np.random.default_rng(seed)
    cutoffs = pd.date_range("2024-01-01", periods=labelled_cutoffs + 1, freq="30D")
    frames = []
    for number, cutoff in enumerate(cutoffs):
        days = rng.exponential(45.0, customers)
        late = rng.poisson(0.6, customers).astype(float)
        sessions = rng.poisson(3.0, customers).astype(float)
        rating = rng.uniform(1.0, 5.0, customers)
        rating[rng.random(customers) < 0.3] = np.nan
        drift = 0.8 if number == labelled_cutoffs - 1 else 0.0
        logit = -2.0 + 0.02 * days + 2.0 * late - 0.15 * sessions + drift
        churned = (rng.random(customers) < 1 / (1 + np.exp(-logit))).astype(float)
        if number == labelled_cutoffs:
            churned[:] = np.nan
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"c{index:05d}" for index in range(customers)],
                    "cutoff_at": cutoff,
                    "is_churned": churned,
                    "days_since_last_order": days,
                    "late_deliveries": late,
                    "sessions_last_30d": sessions,
                    "avg_review_rating": rating,
                    # The classic model's view: fewer expected purchases the longer the silence.
                    "bgnbd_purchases_churn_horizon": np.exp(-days / 60.0)
                    * rng.uniform(0.5, 1.5, customers),
                    "is_lapsed": days > 120.0,
                    "noise_a": rng.normal(size=customers),
                    "noise_b": rng.uniform(size=customers),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def scoring_rows(features: pd.DataFrame) -> pd.DataFrame:
    return features[features["is_churned"].isna()]


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    return make_features()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ArtifactStore:
    return ArtifactStore(tmp_path_factory.mktemp("artifacts"))


@pytest.fixture(scope="module")
def model(features: pd.DataFrame, store: ArtifactStore) -> ChurnModel:
    return train_churn(features, FEATURES, ChurnConfig(horizon_days=90), store)


@pytest.fixture(scope="module")
def scores(model: ChurnModel, features: pd.DataFrame) -> pd.DataFrame:
    return model.score(scoring_rows(features))


def test_model_beats_chance_and_recency_baseline(model: ChurnModel) -> None:
    assert not model.reused
    assert model.metrics["auc"] > 0.75
    assert model.metrics["baseline_feature"] == "days_since_last_order"
    assert model.metrics["auc"] > model.metrics["baseline_auc"] + 0.05
    assert 0 < model.metrics["pr_auc"] <= 1


def test_validates_on_latest_labelled_cutoff(model: ChurnModel, features: pd.DataFrame) -> None:
    labelled = features[features["is_churned"].notna()]
    latest = labelled["cutoff_at"].max()
    metrics = model.metrics
    assert metrics["split_strategy"] == "latest_cutoff"
    assert metrics["validation_cutoff"] == latest.isoformat()
    assert metrics["n_valid"] == (labelled["cutoff_at"] == latest).sum() == CUSTOMERS
    # Only cutoffs whose 90-day label window closed by the validation cutoff train the model.
    closed = labelled["cutoff_at"].unique()
    closed = closed[closed + pd.Timedelta(days=90) <= latest]
    assert len(closed) == 1  # of the three earlier cutoffs, 30 days apart
    assert metrics["n_train"] == CUSTOMERS * len(closed)
    assert metrics["train_cutoffs"] == len(closed)
    assert metrics["positive_rate"] == pytest.approx(
        labelled.loc[labelled["cutoff_at"] == latest, "is_churned"].mean()
    )
    assert model.metadata.data_window_start == labelled["cutoff_at"].min().isoformat()
    assert model.metadata.data_window_end == latest.isoformat()
    assert model.metadata.training_rows == len(labelled)


def test_calibration_improves_on_raw_probabilities(model: ChurnModel) -> None:
    metrics = model.metrics
    assert metrics["calibration_method"] == "isotonic"
    # Cross-fitted: each validation row is calibrated by a fit that did not see it.
    assert metrics["ece"] < metrics["ece_raw"]
    assert metrics["brier"] < metrics["brier_raw"]
    assert metrics["log_loss"] < metrics["log_loss_raw"]


def test_scores_are_probabilities_with_consistent_tiers(
    scores: pd.DataFrame, model: ChurnModel, features: pd.DataFrame
) -> None:
    assert list(scores.columns) == SCORE_COLUMNS
    assert len(scores) == CUSTOMERS
    assert scores["customer_id"].is_unique
    assert scores.index.equals(scoring_rows(features).index)
    assert scores["churn_probability"].between(0, 1).all()
    assert (scores["model_version"] == model.model_version).all()
    probability = scores["churn_probability"]
    expected = np.where(probability >= 0.6, "high", np.where(probability >= 0.3, "medium", "low"))
    assert (scores["risk_tier"] == expected).all()
    assert set(scores["risk_tier"]) == {"high", "medium", "low"}


def test_tier_thresholds_are_configurable_without_retraining(
    model: ChurnModel, features: pd.DataFrame, store: ArtifactStore
) -> None:
    config = ChurnConfig(horizon_days=90, high_risk_threshold=0.8, medium_risk_threshold=0.5)
    reloaded = train_churn(features, FEATURES, config, store)
    assert reloaded.reused and reloaded.model_version == model.model_version
    scored = reloaded.score(scoring_rows(features))
    probability = scored["churn_probability"]
    assert (scored.loc[probability >= 0.8, "risk_tier"] == "high").all()
    assert (scored.loc[(probability >= 0.5) & (probability < 0.8), "risk_tier"] == "medium").all()
    assert (scored.loc[probability < 0.5, "risk_tier"] == "low").all()


def test_top_drivers_name_real_features_and_find_the_true_driver(scores: pd.DataFrame) -> None:
    entry = r"(\w+) \(([+-]\d+\.\d{2})\)"
    pattern = re.compile(rf"{entry}; {entry}; {entry}")
    for text, first in zip(scores["top_drivers"], scores["top_driver_1"], strict=True):
        match = pattern.fullmatch(text)
        assert match, text
        assert set(match.group(1, 3, 5)) <= set(FEATURES)
        assert match.group(1) == first
        magnitudes = [abs(float(value)) for value in match.group(2, 4, 6)]
        assert magnitudes == sorted(magnitudes, reverse=True)
    first_drivers = scores["top_driver_1"].value_counts(normalize=True)
    assert first_drivers.index[0] == "late_deliveries"
    assert first_drivers.reindex(list(NOISE)).fillna(0).sum() < 0.05


def test_late_deliveries_push_towards_churn(scores: pd.DataFrame, features: pd.DataFrame) -> None:
    late = scoring_rows(features)["late_deliveries"]
    high_late = scores.loc[late >= 2, "top_drivers"]
    assert high_late.str.contains(r"late_deliveries \(\+").mean() > 0.9


def test_metrics_and_files_are_stored(model: ChurnModel, store: ArtifactStore) -> None:
    directory = store.directory("churn", model.model_version)
    assert (directory / "model.txt").exists() and (directory / "calibrator.pkl").exists()
    stored = json.loads((directory / "metadata.json").read_text())
    assert stored["metrics"] == model.metrics
    assert stored["params"]["feature_columns"] == FEATURES
    expected_keys = {
        "auc", "pr_auc", "brier", "log_loss", "ece", "brier_raw", "log_loss_raw", "ece_raw",
        "baseline_feature", "baseline_auc", "positive_rate", "train_positive_rate", "n_train",
        "n_valid", "split_strategy", "train_cutoffs", "validation_cutoff", "calibration_method",
        "best_iteration", "feature_importance_gain", "ci_level", "auc_ci_low", "auc_ci_high",
        "auc_minus_baseline", "auc_minus_baseline_ci_low", "auc_minus_baseline_ci_high",
        "bgnbd_feature", "bgnbd_auc", "auc_minus_bgnbd", "auc_minus_bgnbd_ci_low",
        "auc_minus_bgnbd_ci_high", "active_auc", "active_bgnbd_auc", "active_rows",
        "lapsed_auc", "lapsed_bgnbd_auc", "lapsed_rows", "n_early_stopping",
    }  # fmt: skip
    assert set(model.metrics) == expected_keys
    gain = model.metrics["feature_importance_gain"]
    assert list(gain) == sorted(gain, key=gain.get, reverse=True)
    assert next(iter(gain)) == "late_deliveries"
    # Both baselines are measured on the same rows, with the model ahead of the classic one here.
    assert model.metrics["auc_minus_bgnbd"] == pytest.approx(
        model.metrics["auc"] - model.metrics["bgnbd_auc"]
    )
    assert model.metrics["auc_minus_bgnbd_ci_low"] > 0
    assert model.metrics["active_rows"] + model.metrics["lapsed_rows"] == model.metrics["n_valid"]


def test_same_data_loads_instead_of_retraining(
    model: ChurnModel, features: pd.DataFrame, store: ArtifactStore, scores: pd.DataFrame
) -> None:
    # Row order and the scoring snapshot do not change what the model was trained on.
    reordered = features.sample(frac=1.0, random_state=1)
    labelled_only = features[features["is_churned"].notna()]
    for frame in (features, reordered, labelled_only):
        again = train_churn(frame, FEATURES, ChurnConfig(horizon_days=90), store)
        assert again.reused
        assert again.model_version == model.model_version
        assert again.metadata.trained_at == model.metadata.trained_at
        pd.testing.assert_frame_equal(again.score(scoring_rows(features)), scores)


def test_changed_parameters_or_data_retrain(features: pd.DataFrame, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    first = train_churn(features, FEATURES, ChurnConfig(horizon_days=90), store)
    tuned = train_churn(features, FEATURES, ChurnConfig(horizon_days=90, num_leaves=7), store)
    changed = features.copy()
    changed.loc[0, "late_deliveries"] += 1
    more_data = train_churn(changed, FEATURES, ChurnConfig(horizon_days=90), store)
    assert not tuned.reused and not more_data.reused
    assert len({first.model_version, tuned.model_version, more_data.model_version}) == 3


def test_validation_labels_do_not_steer_the_booster(
    features: pd.DataFrame, model: ChurnModel, tmp_path: Path
) -> None:
    """Early stopping uses training customers only: shuffled validation labels judge the
    booster differently but leave the booster itself, and its stopping round, as they were."""
    labelled = features["is_churned"].notna()
    validation = labelled & (features["cutoff_at"] == features.loc[labelled, "cutoff_at"].max())
    shuffled = features.copy()
    rng = np.random.default_rng(1)
    shuffled.loc[validation, "is_churned"] = rng.permutation(
        shuffled.loc[validation, "is_churned"].to_numpy()
    )
    other = train_churn(shuffled, FEATURES, ChurnConfig(horizon_days=90), ArtifactStore(tmp_path))
    assert other.model_version != model.model_version
    assert other.metrics["best_iteration"] == model.metrics["best_iteration"]
    assert other.metrics["n_early_stopping"] == model.metrics["n_early_stopping"] > 0
    matrix = features.loc[labelled, FEATURES].to_numpy(dtype=float)
    np.testing.assert_array_equal(other.booster.predict(matrix), model.booster.predict(matrix))
    assert other.metrics["auc"] < model.metrics["auc"] - 0.1


def test_same_seed_gives_same_predictions(
    features: pd.DataFrame, scores: pd.DataFrame, model: ChurnModel, tmp_path: Path
) -> None:
    fresh = train_churn(features, FEATURES, ChurnConfig(horizon_days=90), ArtifactStore(tmp_path))
    assert not fresh.reused
    assert fresh.model_version == model.model_version
    assert fresh.metrics == model.metrics
    pd.testing.assert_frame_equal(fresh.score(scoring_rows(features)), scores)


def test_scoring_nobody_gives_an_empty_frame(model: ChurnModel, features: pd.DataFrame) -> None:
    empty = model.score(features.iloc[:0])
    assert empty.empty and list(empty.columns) == SCORE_COLUMNS


def test_no_cutoff_a_horizon_before_validation_is_a_clear_error(
    features: pd.DataFrame, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="training_cutoff_spacing_days"):
        train_churn(features, FEATURES, ChurnConfig(horizon_days=100), ArtifactStore(tmp_path))


def test_single_labelled_cutoff_falls_back_to_customer_split(tmp_path: Path) -> None:
    features = make_features(labelled_cutoffs=1, seed=3)
    model = train_churn(features, FEATURES, ChurnConfig(horizon_days=90), ArtifactStore(tmp_path))
    metrics = model.metrics
    assert metrics["split_strategy"] == "customer_group"
    assert metrics["validation_cutoff"] is None
    assert metrics["n_train"] + metrics["n_valid"] == CUSTOMERS
    assert metrics["n_valid"] == pytest.approx(0.2 * CUSTOMERS, abs=1)
    assert metrics["auc"] > 0.7


def test_small_validation_set_uses_sigmoid_calibration(tmp_path: Path) -> None:
    features = make_features(customers=400, seed=4)
    model = train_churn(features, FEATURES, ChurnConfig(horizon_days=90), ArtifactStore(tmp_path))
    assert model.metrics["calibration_method"] == "sigmoid"
    assert model.score(scoring_rows(features))["churn_probability"].between(0, 1).all()


def test_too_few_labelled_rows_is_a_clear_error(tmp_path: Path) -> None:
    features = make_features(labelled_cutoffs=2, customers=60)
    with pytest.raises(ValueError, match="at least 200 labelled rows.*churn_training_cutoffs"):
        train_churn(features, FEATURES, ChurnConfig(horizon_days=90), ArtifactStore(tmp_path))


def test_single_class_is_a_clear_error(features: pd.DataFrame, tmp_path: Path) -> None:
    nobody_returns = features.assign(is_churned=features["is_churned"].where(lambda x: x.isna(), 1))
    with pytest.raises(ValueError, match="0 retained.*churn_horizon_days"):
        train_churn(nobody_returns, FEATURES, ChurnConfig(horizon_days=90), ArtifactStore(tmp_path))


def test_single_class_in_validation_cutoff_is_a_clear_error(
    features: pd.DataFrame, tmp_path: Path
) -> None:
    latest = features.loc[features["is_churned"].notna(), "cutoff_at"].max()
    labels = features["is_churned"].mask(features["cutoff_at"] == latest, 0.0)
    with pytest.raises(ValueError, match="validation rows have 0 churned"):
        train_churn(
            features.assign(is_churned=labels),
            FEATURES,
            ChurnConfig(horizon_days=90),
            ArtifactStore(tmp_path),
        )


def test_bad_columns_are_clear_errors(features: pd.DataFrame, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    config = ChurnConfig(horizon_days=90)
    with pytest.raises(ValueError, match="missing columns.*'tickets'"):
        train_churn(features, [*FEATURES, "tickets"], config, store)
    with pytest.raises(ValueError, match="numeric.*'segment'"):
        train_churn(features.assign(segment="vip"), [*FEATURES, "segment"], config, store)
    with pytest.raises(ValueError, match="risk thresholds"):
        replace(config, high_risk_threshold=0.2)


def test_auc_and_its_gain_over_the_baseline_come_with_confidence_intervals(
    model: ChurnModel,
) -> None:
    metrics = model.metrics
    assert metrics["ci_level"] == 0.95
    assert metrics["auc_ci_low"] < metrics["auc"] < metrics["auc_ci_high"]
    assert metrics["auc_ci_high"] - metrics["auc_ci_low"] < 0.15
    gain = metrics["auc"] - metrics["baseline_auc"]
    assert metrics["auc_minus_baseline"] == pytest.approx(gain)
    assert metrics["auc_minus_baseline_ci_low"] < gain < metrics["auc_minus_baseline_ci_high"]
    # Late deliveries drive churn more than recency does: the model is significantly better.
    assert metrics["auc_minus_baseline_ci_low"] > 0


def test_delong_intervals_agree_with_a_bootstrap() -> None:
    rng = np.random.default_rng(0)
    labels = (rng.random(1500) < 0.3).astype(int)
    model = labels * 0.8 + rng.normal(size=1500)
    baseline = np.round(labels * 0.3 + rng.normal(size=1500))  # ties, as a day count has
    intervals = auc_intervals(labels, model, baseline)
    assert intervals["auc_ci_low"] < roc_auc_score(labels, model) < intervals["auc_ci_high"]
    aucs, differences = [], []
    for _ in range(400):
        rows = rng.integers(0, len(labels), len(labels))
        aucs.append(roc_auc_score(labels[rows], model[rows]))
        differences.append(aucs[-1] - roc_auc_score(labels[rows], baseline[rows]))
    low, high = np.percentile(aucs, [2.5, 97.5])
    assert intervals["auc_ci_low"] == pytest.approx(low, abs=0.01)
    assert intervals["auc_ci_high"] == pytest.approx(high, abs=0.01)
    low, high = np.percentile(differences, [2.5, 97.5])
    assert intervals["auc_minus_baseline_ci_low"] == pytest.approx(low, abs=0.015)
    assert intervals["auc_minus_baseline_ci_high"] == pytest.approx(high, abs=0.015)
