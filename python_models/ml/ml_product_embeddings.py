"""Sentence embeddings of product texts (title, category, brand, description); new or edited."""

from ml.settings import MLSettings, log_progress
from ml.text_tables import TextModels, embedding_table, incremental_state

TEXT_COLUMNS = ["title", "category", "brand", "description"]


def model(dbt, session):
    dbt.config(
        materialized="incremental", unique_key="product_id", incremental_strategy="delete+insert"
    )
    log_progress()
    products = dbt.ref("stg_shop__products").project("product_id, " + ", ".join(TEXT_COLUMNS)).df()
    existing = None
    if dbt.is_incremental:
        existing = incremental_state(
            session, dbt.this, "product_id", products["product_id"], ["text_hash", "model_version"]
        )
    models = TextModels(MLSettings.from_meta(dbt.config.get("meta")))
    return embedding_table(products, "product_id", TEXT_COLUMNS, models, existing)
