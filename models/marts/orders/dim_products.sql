{#- The product catalogue for BI: what the dashboard shows next to recommended product ids and
    what order lines and reviews are categorised by. -#}
with

products as (

    select * from {{ ref('stg_shop__products') }}

),

final as (

    select
        product_id,
        title,
        coalesce(category, 'unknown') as category,
        brand,
        cast(price as decimal(18, 2)) as price,
        created_at
    from products

)

select * from final
