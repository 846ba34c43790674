"""Predicted revenue over the value horizon and value tier for every buyer, from LightGBM."""

from ml.settings import MLSettings, log_progress
from ml.value_tables import customer_value_table


def model(dbt, session):
    dbt.config(materialized="table")
    log_progress()
    features = dbt.ref("ml_customer_features_pit").df()
    scores, _ = customer_value_table(features, MLSettings.from_meta(dbt.config.get("meta")))
    return scores
