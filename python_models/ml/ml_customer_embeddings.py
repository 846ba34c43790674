"""A vector per customer from the products they bought and viewed and the reviews they wrote."""

from ml.customer_vectors import customer_embedding_table
from ml.settings import log_progress


def model(dbt, session):
    dbt.config(materialized="table")
    log_progress()
    customers = dbt.ref("stg_shop__customers").project("customer_id").df()["customer_id"]
    orders = dbt.ref("stg_shop__orders").project("order_id, customer_id")
    bought = (
        dbt.ref("stg_shop__order_items")
        .project("order_id, product_id, quantity")
        .join(orders, "order_id")
        .aggregate("customer_id, product_id, sum(quantity) as weight", "customer_id, product_id")
        .df()
    )
    stitched = dbt.ref("int_sessions_stitched").project("session_id, customer_id")
    viewed = (
        dbt.ref("int_events_sessionized")
        .filter("event_type = 'product_view' and product_id is not null")
        .project("session_id, product_id")
        .join(stitched.filter("customer_id is not null"), "session_id")
        .aggregate("customer_id, product_id, count(*) as weight", "customer_id, product_id")
        .df()
    )
    products = (
        dbt.ref("ml_product_embeddings")
        .filter("status = 'embedded'")
        .project("product_id, embedding, model_version")
        .df()
    )
    reviews = (
        dbt.ref("ml_review_embeddings")
        .filter("status = 'embedded'")
        .project("review_id, embedding, model_version")
        .join(dbt.ref("stg_shop__reviews").project("review_id, customer_id"), "review_id")
        .df()
    )
    return customer_embedding_table(customers, bought, viewed, products, reviews)
