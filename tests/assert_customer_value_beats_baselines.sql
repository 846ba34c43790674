{{ config(severity='warn') }}
{#- Warns when the value model does no better than a baseline on held-out customers: a higher
    RMSE or a lower Spearman rank correlation than the historical average or than BG/NBD x
    Gamma-Gamma, or a higher MAE or a smaller share of the top decile's revenue than the
    historical average.
    A warning: a held-out set of a few hundred customers is noisy, and the figures sit in
    ml_model_runs beside each other. -#}
with

value_runs as (

    select * from {{ ref('ml_model_runs') }}
    where task = 'customer_value'

),

final as (

    select
        model_version,
        value_mae,
        historical_average_mae,
        value_rmse,
        historical_average_rmse,
        btyd_rmse,
        value_spearman,
        historical_average_spearman,
        btyd_spearman,
        value_top_decile_capture,
        historical_average_top_decile_capture
    from value_runs
    where
        value_mae >= historical_average_mae
        or value_rmse >= historical_average_rmse
        or value_rmse >= coalesce(btyd_rmse, value_rmse + 1)
        or value_spearman <= historical_average_spearman
        or value_spearman <= coalesce(btyd_spearman, value_spearman - 1)
        or value_top_decile_capture < historical_average_top_decile_capture

)

select * from final
