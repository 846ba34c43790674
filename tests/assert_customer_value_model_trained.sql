{{ config(severity='warn') }}
{#- Warns when buyers have no predicted value because the history was too short to train a value
    model (it must span more than value_horizon_days); the build log of ml_customer_value says
    which var to change. -#}
with

unscored as (

    select * from {{ ref('ml_customer_value') }}
    where status = 'insufficient_history'

),

final as (

    select
        count(*) as unscored_customers,
        min(snapshot_at) as snapshot_at
    from unscored
    having count(*) > 0

)

select * from final
