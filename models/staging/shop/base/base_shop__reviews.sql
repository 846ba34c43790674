with

source as (

    select * from {{ source('shop', 'reviews') }}

),

customers as (

    select customer_id from {{ ref('stg_shop__customers') }}

),

orders as (

    select order_id from {{ ref('stg_shop__orders') }}

),

products as (

    select product_id from {{ ref('stg_shop__products') }}

),

typed as (

    select
        cast(review_id as varchar) as review_id,
        cast(customer_id as varchar) as customer_id,
        cast(order_id as varchar) as order_id,
        cast(product_id as varchar) as product_id,
        {{ clean_text('cast(title as varchar)') }} as review_title,
        {{ clean_text('cast(body as varchar)') }} as review_body,
        {{ parse_integer('rating') }} as rating,
        {{ parse_timestamp('created_at') }} as created_at,
        -- the raw text of each value that is there but does not parse, for the record
        {{ unparsed_text('rating', parse_integer('rating')) }} as raw_rating,
        {{ unparsed_text('created_at', parse_timestamp('created_at')) }} as raw_created_at
    from source

),

checked as (

    select
        typed.*,
        {{ first_failed_check([
            ('typed.review_id is null', 'missing_review_id'),
            ('typed.customer_id is null', 'missing_customer_id'),
            ('typed.raw_created_at is not null', 'invalid_created_at'),
            ('typed.created_at is null', 'missing_created_at'),
            ('typed.created_at > ' ~ future_cutoff(), 'future_created_at'),
            ('typed.rating not between 1 and 5', 'rating_out_of_range'),
            (has_encoding_damage("coalesce(typed.review_title, '') || ' ' || coalesce(typed.review_body, '')"), 'damaged_text_encoding'),
            ('length(typed.review_body) > ' ~ var('max_text_length'), 'oversized_text'),
            ('customers.customer_id is null', 'orphan_customer_id'),
            ('typed.order_id is not null and orders.order_id is null', 'orphan_order_id'),
            ('typed.product_id is not null and products.product_id is null', 'orphan_product_id'),
        ]) }} as row_defect
    from typed
    left join customers
        on typed.customer_id = customers.customer_id
    left join orders
        on typed.order_id = orders.order_id
    left join products
        on typed.product_id = products.product_id

),

final as (

    {{ flag_duplicates('checked', 'review_id', 'created_at desc') }}

)

select * from final
