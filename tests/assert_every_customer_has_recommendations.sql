{#- Every registered customer has rows in ml_recommendations: products, or one row whose status
    says why there are none (no_eligible_products). Cold-start customers get popular products. -#}
with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

recommendations as (

    select * from {{ ref('ml_recommendations') }}

),

final as (

    select customers.customer_id
    from customers
    left join recommendations
        on customers.customer_id = recommendations.customer_id
    where recommendations.customer_id is null

)

select * from final
