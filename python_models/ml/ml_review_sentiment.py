"""Sentiment of reviews, learnt from the shop's own ratings; new or edited reviews, and every
review when the model changed (rated reviews scored out of fold)."""

from ml.settings import MLSettings, log_progress
from ml.text_tables import TextModels, incremental_state, sentiment_table


def model(dbt, session):
    dbt.config(
        materialized="incremental", unique_key="review_id", incremental_strategy="delete+insert"
    )
    log_progress()
    # After ml_review_embeddings, so the review texts come from the embedding cache instead of
    # being encoded by both models at the same time.
    dbt.ref("ml_review_embeddings")
    reviews = (
        dbt.ref("stg_shop__reviews").project("review_id, review_title, review_body, rating").df()
    )
    existing = None
    if dbt.is_incremental:
        existing = incremental_state(
            session, dbt.this, "review_id", reviews["review_id"], ["text_hash", "model_version"]
        )
    models = TextModels(MLSettings.from_meta(dbt.config.get("meta")))
    training = reviews[["review_title", "review_body", "rating"]]
    return sentiment_table(
        reviews,
        "review_id",
        ["review_title", "review_body"],
        models,
        training,
        existing,
        rating_column="rating",
    )
