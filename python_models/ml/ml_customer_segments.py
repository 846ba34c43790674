"""A segment for every buyer: KMeans over standardised behaviour and their reduced embedding."""

from ml.segment_tables import customer_segment_table
from ml.settings import MLSettings, log_progress


def model(dbt, session):
    dbt.config(materialized="table")
    log_progress()
    features = dbt.ref("ml_segment_features").df()
    embeddings = (
        dbt.ref("ml_customer_embeddings")
        .filter("status = 'embedded'")
        .project("customer_id, embedding")
        .df()
    )
    settings = MLSettings.from_meta(dbt.config.get("meta"))
    return customer_segment_table(features, embeddings, settings)
