with

source as (

    select * from {{ source('shop', 'events') }}

),

customers as (

    select customer_id from {{ ref('stg_shop__customers') }}

),

event_types as (

    select event_type from {{ ref('event_types') }}

),

typed as (

    select
        cast(event_id as varchar) as event_id,
        {{ clean_text('cast(anonymous_id as varchar)') }} as anonymous_id,
        {{ clean_text('cast(customer_id as varchar)') }} as customer_id,
        cast(product_id as varchar) as product_id,
        cast(order_id as varchar) as order_id,
        lower({{ clean_text('cast(event_type as varchar)') }}) as event_type,
        {{ clean_text('cast(page_url as varchar)') }} as page_url,
        {{ clean_text('cast(referrer as varchar)') }} as referrer,
        lower({{ clean_text('cast(utm_source as varchar)') }}) as utm_source,
        lower({{ clean_text('cast(utm_medium as varchar)') }}) as utm_medium,
        {{ clean_text('cast(utm_campaign as varchar)') }} as utm_campaign,
        case
            when {{ clean_text('cast(device as varchar)') }} is null then 'unknown'
            when lower(trim(device)) in ('desktop', 'mobile', 'tablet') then lower(trim(device))
            else 'other'
        end as device,
        {{ clean_text('cast(search_query as varchar)') }} as search_query,
        {{ parse_timestamp('event_ts') }} as event_at,
        -- the raw text of each value that is there but does not parse, for the record
        {{ unparsed_text('event_ts', parse_timestamp('event_ts')) }} as raw_event_ts
    from source

),

checked as (

    select
        typed.*,
        {{ first_failed_check([
            ('typed.event_id is null', 'missing_event_id'),
            ('typed.event_type is null', 'missing_event_type'),
            ('typed.raw_event_ts is not null', 'invalid_event_ts'),
            ('typed.event_at is null', 'missing_event_ts'),
            ('typed.anonymous_id is null and typed.customer_id is null', 'missing_visitor'),
            ('typed.event_at > ' ~ future_cutoff(), 'future_event_ts'),
            ('event_types.event_type is null', 'unknown_event_type'),
            ('typed.customer_id is not null and customers.customer_id is null', 'orphan_customer_id'),
        ]) }} as row_defect
    from typed
    left join event_types
        on typed.event_type = event_types.event_type
    left join customers
        on typed.customer_id = customers.customer_id

),

final as (

    {{ flag_duplicates('checked', 'event_id', 'event_at asc') }}

)

select * from final
