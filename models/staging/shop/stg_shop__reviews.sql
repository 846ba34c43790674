with

checked as (

    select * from {{ ref('base_shop__reviews') }}

),

final as (

    select
        review_id,
        customer_id,
        order_id,
        product_id,
        review_title,
        review_body,
        rating,
        created_at
    from checked
    where quarantine_reason is null

)

select * from final
