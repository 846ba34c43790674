{#- The single point in time the marts are computed as of: the as_of_date var when set (end of that
    day), else the latest order or event in the data, so that a historical export is analysed as
    of its own last day rather than as of today. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

events as (

    select * from {{ ref('stg_shop__events') }}

),

latest_activity as (

    select max(ordered_at) as activity_at from orders
    union all
    select max(event_at) as activity_at from events

),

final as (

    {% if var('as_of_date') -%}
        select cast({{ dbt.dateadd('day', 1, "cast('" ~ var('as_of_date') ~ "' as date)") }} as timestamp) as as_of_at
    {%- else -%}
        select max(activity_at) as as_of_at
        from latest_activity
    {%- endif %}

)

select
    cast(as_of_at as date) as as_of_date,
    as_of_at
from final
