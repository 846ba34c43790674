"""Weekly demand forecasts per category and top product, the model per series chosen by backtest."""

from ml.forecast.pipeline import demand_forecast_table
from ml.settings import MLSettings, log_progress


def model(dbt, session):
    dbt.config(materialized="table")
    log_progress()
    daily = (
        dbt.ref("fct_demand_daily")
        .project("series_id, series_level, category, product_id, demand_date, units")
        .df()
    )
    calendar = dbt.ref("demand_calendar").project("event_name, start_date, end_date").df()
    as_of_date = dbt.ref("int_reference_dates").project("as_of_date").fetchall()[0][0]
    settings = MLSettings.from_meta(dbt.config.get("meta"))
    return demand_forecast_table(
        daily, calendar, as_of_date, settings.demand_forecast_weeks, settings.artifacts_dir
    )
