with

source as (

    select * from {{ source('shop', 'order_items') }}

),

orders as (

    select order_id from {{ ref('stg_shop__orders') }}

),

products as (

    select product_id from {{ ref('stg_shop__products') }}

),

typed as (

    select
        cast(order_item_id as varchar) as order_item_id,
        cast(order_id as varchar) as order_id,
        cast(product_id as varchar) as product_id,
        coalesce(try_cast(quantity as integer), 1) as quantity,
        try_cast(unit_price as double) as unit_price,
        coalesce(try_cast(discount_amount as double), 0) as discount_amount
    from source

),

checked as (

    select
        typed.*,
        {{ first_failed_check([
            ('typed.order_item_id is null', 'missing_order_item_id'),
            ('typed.order_id is null', 'missing_order_id'),
            ('typed.product_id is null', 'missing_product_id'),
            ('typed.quantity <= 0', 'non_positive_quantity'),
            ('typed.unit_price < 0', 'negative_unit_price'),
            ('typed.discount_amount < 0', 'negative_discount_amount'),
            ('orders.order_id is null', 'orphan_order_id'),
            ('products.product_id is null', 'orphan_product_id'),
        ]) }} as row_defect
    from typed
    left join orders
        on typed.order_id = orders.order_id
    left join products
        on typed.product_id = products.product_id

),

final as (

    {{ flag_duplicates('checked', 'order_item_id', 'unit_price desc nulls last') }}

)

select * from final
