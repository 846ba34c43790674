{#- Every customer who is not churned and has ordered (new, active, at_risk, reactivated) has
    exactly one churn score, and nobody else has one. Returns the customers where that fails. -#}
with

active_customers as (

    select customer_id
    from {{ ref('dim_customers') }}
    where lifecycle_stage in ('new', 'active', 'at_risk', 'reactivated')

),

scores as (

    select
        customer_id,
        count(*) as scores
    from {{ ref('ml_churn_scores') }}
    group by 1

),

final as (

    select
        coalesce(active_customers.customer_id, scores.customer_id) as customer_id,
        coalesce(scores.scores, 0) as scores,
        active_customers.customer_id is not null as is_active
    from active_customers
    full outer join scores
        on active_customers.customer_id = scores.customer_id
    where active_customers.customer_id is null or coalesce(scores.scores, 0) != 1

)

select * from final
