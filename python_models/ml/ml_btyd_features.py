"""BG/NBD and Gamma-Gamma scores per customer and cutoff, each cutoff fitted on its own history."""

from ml.btyd_tables import btyd_feature_table
from ml.settings import MLSettings, log_progress


def model(dbt, session):
    dbt.config(materialized="table")
    log_progress()
    history = dbt.ref("int_customer_features_pit").select(
        "customer_cutoff_id, customer_id, cutoff_at, repeat_purchase_days, repeat_span_days, "
        "purchase_age_days, repeat_purchase_value"
    )
    return btyd_feature_table(history.df(), MLSettings.from_meta(dbt.config.get("meta")))
