"""Sentence embeddings of review texts (title and body), only for new or edited reviews."""

from ml.settings import MLSettings, log_progress
from ml.text_tables import TextModels, embedding_table, incremental_state


def model(dbt, session):
    dbt.config(
        materialized="incremental", unique_key="review_id", incremental_strategy="delete+insert"
    )
    log_progress()
    reviews = dbt.ref("stg_shop__reviews").project("review_id, review_title, review_body").df()
    existing = None
    if dbt.is_incremental:
        existing = incremental_state(
            session, dbt.this, "review_id", reviews["review_id"], ["text_hash", "model_version"]
        )
    models = TextModels(MLSettings.from_meta(dbt.config.get("meta")))
    return embedding_table(reviews, "review_id", ["review_title", "review_body"], models, existing)
