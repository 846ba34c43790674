{#- The last flow month of fct_lifecycle_flows_monthly ends at the as-of time, so its customers
    per to_stage must be dim_customers' customers per lifecycle stage. dim_customers keeps an
    account created after the as-of time (possible with the as_of_date var set) as a prospect,
    while the flows count it as not_signed_up unless it had a revenue order by then: such
    accounts are left out of the dim_customers side, and not_signed_up out of the flows side.
    Returns each stage whose counts differ, every stage when no flow month ends at the as-of time. -#}
with

flows as (

    select * from {{ ref('fct_lifecycle_flows_monthly') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

latest_flow_stages as (

    select
        flows.to_stage as lifecycle_stage,
        sum(flows.customers) as flow_customers
    from flows
    inner join reference_dates
        on flows.flow_month_end_at = reference_dates.as_of_at
    where flows.to_stage != 'not_signed_up'
    group by 1

),

customer_stages as (

    select
        customers.lifecycle_stage,
        count(*) as dim_customers
    from customers
    cross join reference_dates
    where not (customers.signup_at > reference_dates.as_of_at and customers.revenue_orders = 0)
    group by 1

),

final as (

    select
        coalesce(latest_flow_stages.lifecycle_stage, customer_stages.lifecycle_stage) as lifecycle_stage,
        coalesce(latest_flow_stages.flow_customers, 0) as flow_customers,
        coalesce(customer_stages.dim_customers, 0) as dim_customers
    from latest_flow_stages
    full outer join customer_stages
        on latest_flow_stages.lifecycle_stage = customer_stages.lifecycle_stage
    where coalesce(latest_flow_stages.flow_customers, 0) != coalesce(customer_stages.dim_customers, 0)

)

select * from final
