"""Top products per customer from the blend of recommenders the offline evaluation picked."""

from ml.recommend.pipeline import RecommendationInputs, recommendations_table
from ml.settings import MLSettings, log_progress


def model(dbt, session):
    dbt.config(materialized="table")
    log_progress()
    customers = dbt.ref("stg_shop__customers").project("customer_id").df()["customer_id"]
    interactions = (
        dbt.ref("int_product_interactions")
        .project("customer_id, product_id, interaction_type, quantity, interacted_at")
        .df()
    )
    availability = (
        dbt.ref("int_product_availability")
        .project("product_id, price, created_at, is_repeat_purchase")
        .df()
    )
    product_embeddings = (
        dbt.ref("ml_product_embeddings")
        .filter("status = 'embedded'")
        .project("product_id, embedding, model_version")
        .df()
    )
    groups = dbt.ref("stg_shop__customers").project("customer_id, country").df()
    as_of = dbt.ref("int_reference_dates").project("as_of_at").fetchall()[0][0]
    inputs = RecommendationInputs(
        customers, interactions, availability, product_embeddings, groups, as_of
    )
    return recommendations_table(inputs, MLSettings.from_meta(dbt.config.get("meta")))
