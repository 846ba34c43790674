"""Weekly demand forecasts: candidate models per series, chosen by a rolling-origin backtest.

`series` shapes fct_demand_daily into weekly series and calendar regressors, `models` holds the
seasonal-naive baseline and the statsmodels forecasters, `backtest` replays forecasts from past
origins to measure MASE and interval coverage and choose a model per series, and `pipeline`
builds the ml_demand_forecast table.
"""
