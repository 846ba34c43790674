{#- Consecutive flow months of fct_lifecycle_flows_monthly share a snapshot: the customers who
    leave a stage in one month (from_stage) are the customers who arrived in it the month before
    (to_stage). not_signed_up is left out of the check, since moves from not_signed_up to
    not_signed_up are not counted; customers leaving not_signed_up for a stage are counted on
    both sides like any other. Returns each month and stage whose counts differ, the first
    month (which has no month before it in the table) aside. -#}
with

flows as (

    select * from {{ ref('fct_lifecycle_flows_monthly') }}

),

flow_months as (

    select
        min(flow_month) as first_flow_month,
        max(flow_month) as last_flow_month
    from flows

),

leaving as (

    select
        flow_month,
        from_stage as lifecycle_stage,
        sum(customers) as customers
    from flows
    where from_stage != 'not_signed_up'
    group by 1, 2

),

arrived_month_before as (

    select
        cast({{ dbt.dateadd('month', 1, 'flow_month') }} as date) as flow_month,
        to_stage as lifecycle_stage,
        sum(customers) as customers
    from flows
    where to_stage != 'not_signed_up'
    group by 1, 2

),

compared as (

    select
        coalesce(leaving.flow_month, arrived_month_before.flow_month) as flow_month,
        coalesce(leaving.lifecycle_stage, arrived_month_before.lifecycle_stage) as lifecycle_stage,
        coalesce(leaving.customers, 0) as leaving_customers,
        coalesce(arrived_month_before.customers, 0) as arrived_customers_month_before
    from leaving
    full outer join arrived_month_before
        on
            leaving.flow_month = arrived_month_before.flow_month
            and leaving.lifecycle_stage = arrived_month_before.lifecycle_stage

),

final as (

    select compared.*
    from compared
    cross join flow_months
    where
        compared.flow_month > flow_months.first_flow_month
        and compared.flow_month <= flow_months.last_flow_month
        and compared.leaving_customers != compared.arrived_customers_month_before

)

select * from final
