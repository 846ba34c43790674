{#- One row per catalogue product with whether it may be recommended at the as-of time. A shop's
    export rarely says which products are still sold, so a product counts as active when it has a
    price, was created by the as-of time and was created, viewed, carted or ordered within
    product_active_days before it. ml/recommend/catalogue.py applies the same rule at the offline
    evaluation's cutoffs; the product's category decides whether buying it again makes sense
    (repeat_purchase_categories seed). -#}
with

products as (

    select * from {{ ref('stg_shop__products') }}

),

interactions as (

    select * from {{ ref('int_product_interactions') }}

),

repeat_purchase_categories as (

    select * from {{ ref('repeat_purchase_categories') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

activity_window as (

    select
        as_of_at,
        {{ dbt.dateadd('day', -var('product_active_days'), 'as_of_at') }} as active_since
    from reference_dates

),

last_interactions as (

    select
        product_id,
        max(interacted_at) as last_interacted_at
    from interactions
    group by product_id

),

final as (

    select
        products.product_id,
        coalesce(products.category, 'unknown') as category,
        products.price,
        products.created_at,
        last_interactions.last_interacted_at,
        repeat_purchase_categories.category is not null as is_repeat_purchase,
        coalesce(
            products.price is not null
            and coalesce(products.created_at <= activity_window.as_of_at, true)
            and (
                products.created_at > activity_window.active_since
                or last_interactions.last_interacted_at > activity_window.active_since
            ),
            false
        ) as is_active
    from products
    cross join activity_window
    left join last_interactions
        on products.product_id = last_interactions.product_id
    left join repeat_purchase_categories
        on coalesce(products.category, 'unknown') = repeat_purchase_categories.category

)

select * from final
