{#- Every forecast lies inside its interval and nothing is negative: 0 <= lower_80 <=
    forecast_units <= upper_80. -#}
with

forecasts as (

    select * from {{ ref('ml_demand_forecast') }}

),

final as (

    select
        forecast_id,
        lower_80,
        forecast_units,
        upper_80
    from forecasts
    where not (0 <= lower_80 and lower_80 <= forecast_units and forecast_units <= upper_80)

)

select * from final
