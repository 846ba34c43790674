{{ config(severity='warn') }}
{#- Warns when the value model does no better than a baseline on held-out customers: a higher
    RMSE, a lower Spearman rank correlation or a smaller share of the top decile's revenue than
    the historical average or than BG/NBD x Gamma-Gamma, or no Spearman at all (constant
    predictions). MAE is reported but not judged: most customers spend nothing in a horizon, so
    forecasting zero for all wins on it. A warning: held-out sets of a few hundred customers are
    noisy, and the figures sit in ml_model_runs beside each other. -#}
with

value_runs as (

    select * from {{ ref('ml_model_runs') }}
    where task = 'customer_value'

),

final as (

    select
        model_version,
        value_rmse,
        historical_average_rmse,
        btyd_rmse,
        value_spearman,
        historical_average_spearman,
        btyd_spearman,
        value_top_decile_capture,
        historical_average_top_decile_capture,
        btyd_top_decile_capture
    from value_runs
    where
        value_spearman is null
        or value_rmse >= historical_average_rmse
        or value_rmse >= coalesce(btyd_rmse, value_rmse + 1)
        or value_spearman <= coalesce(historical_average_spearman, -1)
        or value_spearman <= coalesce(btyd_spearman, -1)
        or value_top_decile_capture < coalesce(historical_average_top_decile_capture, 0)
        or value_top_decile_capture < coalesce(btyd_top_decile_capture, 0)

)

select * from final
