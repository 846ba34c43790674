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
        -- an export without quantities sells one unit per line, and one without discounts
        -- grants none; a value that is there but does not parse quarantines the line
        coalesce(
            {{ parse_integer('quantity') }},
            case when {{ raw_text('quantity') }} is null then 1 end
        ) as quantity,
        {{ parse_amount('unit_price') }} as unit_price,
        coalesce(
            {{ parse_amount('discount_amount') }},
            case when {{ raw_text('discount_amount') }} is null then cast(0 as decimal(18, 2)) end
        ) as discount_amount,
        -- the raw text of each value that is there but does not parse, for the record
        {{ unparsed_text('quantity', parse_integer('quantity')) }} as raw_quantity,
        {{ unparsed_text('unit_price', parse_amount('unit_price')) }} as raw_unit_price,
        {{ unparsed_text('discount_amount', parse_amount('discount_amount')) }} as raw_discount_amount
    from source

),

checked as (

    select
        typed.*,
        {{ first_failed_check([
            ('typed.order_item_id is null', 'missing_order_item_id'),
            ('typed.order_id is null', 'missing_order_id'),
            ('typed.product_id is null', 'missing_product_id'),
            ('typed.raw_quantity is not null', 'invalid_quantity'),
            ('typed.raw_unit_price is not null', 'invalid_unit_price'),
            ('typed.raw_discount_amount is not null', 'invalid_discount_amount'),
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
