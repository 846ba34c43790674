with

checked as (

    select * from {{ ref('base_shop__events') }}

),

final as (

    select
        event_id,
        anonymous_id,
        customer_id,
        product_id,
        order_id,
        event_type,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device,
        search_query,
        event_at
    from checked
    where quarantine_reason is null

)

select * from final
