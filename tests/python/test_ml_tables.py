"""The rows the dbt Python models return: composed texts, incremental embedding and sentiment
tables, customer vectors, churn scores without enough history, and model runs."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml

from ml.artifacts import ArtifactStore, frame_hash
from ml.churn_tables import INSUFFICIENT_HISTORY, SCHEMA, churn_score_table
from ml.customer_features import MODEL_FEATURES, NOT_FEATURES
from ml.customer_vectors import SOURCE_WEIGHTS, customer_embedding_table
from ml.model_runs import model_runs_table
from ml.settings import MLSettings
from ml.text_tables import (
    SKIPPED_NO_TEXT,
    TextModels,
    compose_texts,
    embedding_table,
    sentiment_table,
)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> TextModels:
    artifacts = tmp_path_factory.mktemp("artifacts")
    return TextModels(MLSettings(device="cpu", artifacts_dir=str(artifacts)))


def reviews_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "review_id": ["r1", "r2", "r3", "r4"],
            "review_title": ["Great kettle", None, float("nan"), "Broken"],
            "review_body": ["Boils fast and looks good.", "   ", None, "It leaks badly."],
        }
    )


def test_compose_texts_joins_present_columns_and_keeps_missing_as_none() -> None:
    texts = compose_texts(reviews_frame(), ["review_title", "review_body"])
    assert texts.dtype == object
    assert texts.tolist() == [
        "Great kettle\nBoils fast and looks good.",
        None,
        None,
        "Broken\nIt leaks badly.",
    ]


def test_embedding_table_embeds_new_texts_only(models: TextModels) -> None:
    frame = reviews_frame()
    first = embedding_table(frame, "review_id", ["review_title", "review_body"], models)
    rows = first.to_pandas()
    assert rows["status"].tolist() == ["embedded", SKIPPED_NO_TEXT, SKIPPED_NO_TEXT, "embedded"]
    assert first.schema.field("embedding").type == pa.list_(pa.float32())
    vectors = np.stack(rows.loc[rows["status"] == "embedded", "embedding"].to_list())
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert rows["embedding"].isna().sum() == 2 and rows["model_version"].notna().all()

    existing = rows[["review_id", "text_hash"]]
    other_columns = embedding_table(frame, "review_id", ["review_body"], models, existing)
    assert other_columns.column("review_id").to_pylist() == ["r1", "r4"]
    unchanged = embedding_table(
        frame, "review_id", ["review_title", "review_body"], models, existing
    )
    assert unchanged.num_rows == 0
    frame.loc[0, "review_body"] = "Boils fast, but the lid broke."
    edited = embedding_table(frame, "review_id", ["review_title", "review_body"], models, existing)
    assert edited.column("review_id").to_pylist() == ["r1"]


def test_sentiment_table_falls_back_to_zero_shot_and_records_it(models: TextModels) -> None:
    frame = reviews_frame()
    training = frame[["review_title", "review_body"]].assign(rating=[5, None, None, 1])
    result = sentiment_table(
        frame, "review_id", ["review_title", "review_body"], models, training
    ).to_pandas()
    assert result["status"].tolist() == ["scored", SKIPPED_NO_TEXT, SKIPPED_NO_TEXT, "scored"]
    scored = result[result["status"] == "scored"]
    assert set(scored["model_name"]) == {"sentiment-zero_shot"}
    total = scored[["p_negative", "p_neutral", "p_positive"]].sum(axis=1)
    np.testing.assert_allclose(total, 1.0)
    assert scored["sentiment_score"].between(-1, 1).all()
    assert scored.set_index("review_id").loc["r4", "sentiment_score"] < 0
    assert result.loc[result["status"] != "scored", "sentiment_label"].isna().all()

    runs = model_runs_table(scored["model_version"], models.store).to_pandas()
    assert runs["task"].tolist() == ["sentiment_zero_shot"]
    assert runs["training_rows"].tolist() == [0]


def test_model_runs_table_rejects_an_unknown_version(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ml_artifacts_dir"):
        model_runs_table(["churn-0123456789ab"], ArtifactStore(tmp_path))


def test_customer_vectors_blend_sources_and_flag_inactive_customers() -> None:
    a, b, review = np.eye(3, dtype=np.float32)
    products = pd.DataFrame(
        {"product_id": ["A", "B"], "embedding": [a, b], "model_version": "enc-1234"}
    )
    bought = pd.DataFrame({"customer_id": ["c1"], "product_id": ["A"], "weight": [2]})
    viewed = pd.DataFrame({"customer_id": ["c1", "c2"], "product_id": ["B", "B"], "weight": [5, 1]})
    reviews = pd.DataFrame(
        {
            "customer_id": ["c1"],
            "review_id": ["r1"],
            "embedding": [review],
            "model_version": "enc-1234",
        }
    )
    customers = pd.Series(["c1", "c2", "c3"])
    table = customer_embedding_table(customers, bought, viewed, products, reviews).to_pandas()
    table = table.set_index("customer_id")

    expected = np.array(
        [SOURCE_WEIGHTS["bought"], SOURCE_WEIGHTS["viewed"], SOURCE_WEIGHTS["wrote"]]
    )
    np.testing.assert_allclose(table.loc["c1", "embedding"], expected / np.linalg.norm(expected))
    np.testing.assert_allclose(table.loc["c2", "embedding"], b)
    assert table.loc["c3", "status"] == "no_activity" and table.loc["c3", "embedding"] is None
    assert table.loc["c1", ["products_bought", "products_viewed", "reviews_written"]].tolist() == [
        1,
        1,
        1,
    ]
    assert set(table["model_version"]) == {"enc-1234"}


def test_customer_vectors_from_reviews_alone_and_one_encoder_only() -> None:
    review = np.array([0.6, 0.8], dtype=np.float32)
    no_products = pd.DataFrame(
        {"product_id": pd.Series([], dtype=object), "embedding": [], "model_version": []}
    )
    none = pd.DataFrame({"customer_id": [], "product_id": [], "weight": []})
    reviews = pd.DataFrame(
        {
            "customer_id": ["c1"],
            "review_id": ["r1"],
            "embedding": [review],
            "model_version": "enc-1",
        }
    )
    table = customer_embedding_table(pd.Series(["c1"]), none, none, no_products, reviews)
    row = table.to_pandas().iloc[0]
    assert row["status"] == "embedded" and row["reviews_written"] == 1
    np.testing.assert_allclose(row["embedding"], review)

    products = pd.DataFrame({"product_id": ["A"], "embedding": [review], "model_version": "enc-2"})
    with pytest.raises(ValueError, match="embedding_model_path"):
        customer_embedding_table(pd.Series(["c1"]), none, none, products, reviews)


def test_empty_batches_keep_typed_columns_for_the_next_incremental_insert(
    models: TextModels,
) -> None:
    empty = reviews_frame().iloc[:0]
    training = reviews_frame()[["review_title", "review_body"]].assign(rating=np.nan)
    columns = ["review_title", "review_body"]
    for table in (
        embedding_table(empty, "review_id", columns, models),
        sentiment_table(empty, "review_id", columns, models, training),
        model_runs_table([], models.store),
    ):
        assert table.num_rows == 0
        assert not any(pa.types.is_null(field.type) for field in table.schema), table.schema
    with duckdb.connect() as connection:
        connection.register("first", embedding_table(empty, "review_id", columns, models))
        connection.sql("create table embeddings as select * from first")
        connection.register("later", embedding_table(reviews_frame(), "review_id", columns, models))
        connection.sql("insert into embeddings select * from later")
        assert connection.sql("select count(*) from embeddings").fetchall() == [(4,)]


def test_rows_of_another_encoder_are_embedded_again(models: TextModels) -> None:
    frame = reviews_frame()
    columns = ["review_title", "review_body"]
    current = embedding_table(frame, "review_id", columns, models).to_pandas()
    existing = current[["review_id", "text_hash", "model_version"]].copy()
    assert embedding_table(frame, "review_id", columns, models, existing).num_rows == 0
    existing.loc[0, "model_version"] = "another-encoder-0123"
    again = embedding_table(frame, "review_id", columns, models, existing)
    assert again.column("review_id").to_pylist() == ["r1"]


def test_rows_of_another_sentiment_model_are_scored_again(models: TextModels) -> None:
    frame = reviews_frame()
    columns = ["review_title", "review_body"]
    training = frame[columns].assign(rating=[5, None, None, 1])
    current = sentiment_table(frame, "review_id", columns, models, training).to_pandas()
    existing = current[["review_id", "text_hash", "model_version"]].copy()
    assert sentiment_table(frame, "review_id", columns, models, training, existing).num_rows == 0
    existing.loc[3, "model_version"] = "sentiment-0123456789ab"
    again = sentiment_table(frame, "review_id", columns, models, training, existing).to_pandas()
    assert again["review_id"].tolist() == ["r4"]
    assert again["model_version"].tolist() == [current.loc[3, "model_version"]]


def test_churn_scores_without_enough_history_keep_every_customer(tmp_path: Path) -> None:
    cutoff = pd.Timestamp("2026-06-01")
    features = pd.DataFrame(
        {
            "customer_cutoff_id": ["k1", "k2", "k3"],
            "customer_id": ["c1", "c2", "c1"],
            "cutoff_number": [0, 0, 1],
            **{column: [3.0, 40.0, 10.0] for column in MODEL_FEATURES},
            "is_churned": [None, None, 0],
            "is_lapsed": [False, True, False],
            "is_scoring_snapshot": [True, True, False],
            "cutoff_at": [cutoff, cutoff, cutoff - pd.Timedelta(days=90)],
        }
    )
    table, model = churn_score_table(features, MLSettings(artifacts_dir=str(tmp_path)))
    assert model is None
    assert table.schema == SCHEMA
    rows = table.to_pandas()
    assert rows["customer_id"].tolist() == ["c1", "c2"]
    assert (rows["status"] == INSUFFICIENT_HISTORY).all()
    assert rows["churn_probability"].isna().all() and rows["model_version"].isna().all()
    assert rows["is_win_back"].tolist() == [False, True]
    assert rows["win_back_probability"].isna().all()
    assert (rows["snapshot_at"] == cutoff).all()


def test_a_feature_table_column_neither_feature_nor_excluded_is_an_error(tmp_path: Path) -> None:
    cutoff = pd.Timestamp("2026-06-01")
    features = pd.DataFrame(
        {
            "customer_cutoff_id": ["k1", "k2"],
            "customer_id": ["c1", "c2"],
            "cutoff_number": [0, 0],
            **{column: [1.0, 2.0] for column in MODEL_FEATURES},
            "is_churned": [None, None],
            "is_lapsed": [False, False],
            "is_scoring_snapshot": [True, True],
            "cutoff_at": [cutoff, cutoff],
        }
    )
    table, _ = churn_score_table(features, MLSettings(artifacts_dir=str(tmp_path)))
    assert table.num_rows == 2
    with pytest.raises(ValueError, match="new_signal"):
        churn_score_table(features.assign(new_signal=3.0), MLSettings(artifacts_dir=str(tmp_path)))


def test_the_feature_table_yaml_declares_exactly_the_model_features() -> None:
    """Every column of ml_customer_features_pit is documented, and marked a feature exactly when
    MODEL_FEATURES lists it; the SQL selects the same columns."""
    root = Path(__file__).resolve().parents[2] / "python_models" / "ml"
    models = yaml.safe_load((root / "_ml__models.yml").read_text())["models"]
    table = next(model for model in models if model["name"] == "ml_customer_features_pit")
    marked = {
        column["name"]: column.get("config", {}).get("meta", {}).get("model_feature", False)
        for column in table["columns"]
    }
    assert set(marked) == set(MODEL_FEATURES) | set(NOT_FEATURES)
    assert [name for name, feature in marked.items() if feature] == list(MODEL_FEATURES)
    final = (root / "ml_customer_features_pit.sql").read_text().split("final as (")[1]
    selected = re.findall(r"^\s+(?:\w+\.|.* as )(\w+),?$", final.split("from features")[0], re.M)
    assert selected == list(marked)


def test_settings_from_dbt_meta() -> None:
    meta = {
        "ml_device": "None",
        "embedding_model_path": "",
        "sentiment_strategy": "sequence_classifier",
        "sentiment_model_path": "/models/reviews",
        "sentiment_label_map": '{"LABEL_0": "negative", "LABEL_1": "positive"}',
        "ml_artifacts_dir": "/tmp/artifacts",
        "churn_horizon_days": "60",
    }
    settings = MLSettings.from_meta(meta)
    assert settings.device is None and settings.embedding_model_path is None
    assert settings.sentiment_label_map == {"LABEL_0": "negative", "LABEL_1": "positive"}
    assert (settings.artifacts_dir, settings.churn_horizon_days) == ("/tmp/artifacts", 60)
    assert MLSettings.from_meta({"sentiment_label_map": "{}"}).sentiment_label_map == {}
    with pytest.raises(ValueError, match="sentiment_label_map"):
        MLSettings.from_meta({"sentiment_label_map": '["negative", "positive"]'})
    tiers = MLSettings.from_meta(
        {"churn_high_risk_threshold": "0.7", "churn_medium_risk_threshold": "None"}
    )
    assert (tiers.churn_high_risk_threshold, tiers.churn_medium_risk_threshold) == (0.7, 0.3)
    with pytest.raises(ValueError, match="churn_high_risk_threshold"):
        MLSettings.from_meta({"churn_high_risk_threshold": "1.5"})
    for days in ("0", "-5", "ninety"):
        with pytest.raises(ValueError, match="churn_horizon_days"):
            MLSettings.from_meta({"churn_horizon_days": days})


def test_frame_hash_ignores_float_summation_noise_but_not_real_changes() -> None:
    frame = pd.DataFrame({"value": [0.1 + 0.2, 1e-300, np.nan, 0.0, -np.inf], "key": list("abcde")})
    noisy = frame.assign(value=[0.3, 1e-300, np.nan, 0.0, -np.inf])
    changed = frame.assign(value=[0.3001, 1e-300, np.nan, 0.0, -np.inf])
    assert frame_hash(frame) == frame_hash(noisy)
    assert frame_hash(frame) != frame_hash(changed)
    assert frame_hash(frame) != frame_hash(frame.iloc[::-1])
