"""One row per trained model the ML tables use: task, version, data window, rows, metrics."""

from ml.artifacts import ArtifactStore
from ml.model_runs import model_runs_table
from ml.settings import MLSettings


def model(dbt, session):
    dbt.config(materialized="table")
    settings = MLSettings.from_meta(dbt.config.get("meta"))
    # dbt finds dependencies by reading literal dbt.ref() calls, so each table is named here.
    used = [
        dbt.ref("ml_churn_scores"),
        dbt.ref("ml_customer_value"),
        dbt.ref("ml_review_sentiment"),
        dbt.ref("ml_ticket_sentiment"),
        dbt.ref("ml_customer_segments"),
        dbt.ref("ml_recommendations"),
        dbt.ref("ml_demand_forecast"),
    ]
    versions = []
    for relation in used:
        distinct = relation.filter("model_version is not null").project("model_version").distinct()
        versions += [row[0] for row in distinct.fetchall()]
    return model_runs_table(versions, ArtifactStore(settings.artifacts_dir))
