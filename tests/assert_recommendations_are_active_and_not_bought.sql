{#- Every recommended product is active at the as-of time (int_product_availability) and was not
    bought by the customer before, unless its category is in repeat_purchase_categories. The
    recommender applies the same rules in ml/recommend/catalogue.py; this checks the two agree. -#}
with

recommendations as (

    select * from {{ ref('ml_recommendations') }}
    where product_id is not null

),

availability as (

    select * from {{ ref('int_product_availability') }}

),

purchases as (

    select distinct
        customer_id,
        product_id
    from {{ ref('int_product_interactions') }}
    where interaction_type = 'purchase'

),

final as (

    select
        recommendations.customer_id,
        recommendations.product_id,
        case
            when not coalesce(availability.is_active, false) then 'inactive_product'
            else 'already_bought'
        end as violation
    from recommendations
    left join availability
        on recommendations.product_id = availability.product_id
    left join purchases
        on
            recommendations.customer_id = purchases.customer_id
            and recommendations.product_id = purchases.product_id
    where
        not coalesce(availability.is_active, false)
        or (purchases.product_id is not null and not availability.is_repeat_purchase)

)

select * from final
