"""Sentiment of support tickets, scored by the model learnt from rated reviews; new or edited
tickets, and every ticket when the model changed."""

from ml.settings import MLSettings, log_progress
from ml.text_tables import TextModels, incremental_state, sentiment_table


def model(dbt, session):
    dbt.config(
        materialized="incremental", unique_key="ticket_id", incremental_strategy="delete+insert"
    )
    log_progress()
    # After ml_review_sentiment, which trains the model learnt from rated reviews: tickets reuse
    # that stored model instead of training the same one in parallel.
    dbt.ref("ml_review_sentiment")
    tickets = (
        dbt.ref("stg_shop__support_tickets").project("ticket_id, ticket_subject, ticket_body").df()
    )
    training = dbt.ref("stg_shop__reviews").project("review_title, review_body, rating").df()
    existing = None
    if dbt.is_incremental:
        existing = incremental_state(
            session, dbt.this, "ticket_id", tickets["ticket_id"], ["text_hash", "model_version"]
        )
    models = TextModels(MLSettings.from_meta(dbt.config.get("meta")))
    return sentiment_table(
        tickets, "ticket_id", ["ticket_subject", "ticket_body"], models, training, existing
    )
