"""Churn probability, risk tier and top drivers for every active customer, from LightGBM."""

from ml.churn_tables import churn_score_table
from ml.settings import MLSettings, log_progress


def model(dbt, session):
    dbt.config(materialized="table")
    log_progress()
    features = dbt.ref("ml_customer_features_pit").df()
    scores, _ = churn_score_table(features, MLSettings.from_meta(dbt.config.get("meta")))
    return scores
