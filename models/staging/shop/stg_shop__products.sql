with

checked as (

    select * from {{ ref('base_shop__products') }}

),

final as (

    select
        product_id,
        title,
        description,
        category,
        brand,
        price,
        created_at
    from checked
    where quarantine_reason is null

)

select * from final
