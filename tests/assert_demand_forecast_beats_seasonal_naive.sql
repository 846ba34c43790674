{{ config(severity='warn') }}
{#- Warns when the chosen demand models' median backtest MASE is not below seasonal naive's on the
    same series, or when their 80% intervals held the actual weeks less than 75% or more than 85%
    of the time (too narrow or too wide), or when no series could be backtested. -#}
with

forecast_runs as (

    select * from {{ ref('ml_model_runs') }}
    where task = 'demand_forecast'

),

final as (

    select
        model_version,
        median_mase,
        seasonal_naive_median_mase,
        interval_coverage_80
    from forecast_runs
    where
        median_mase is null
        or median_mase >= seasonal_naive_median_mase
        or interval_coverage_80 not between 0.75 and 0.85

)

select * from final
