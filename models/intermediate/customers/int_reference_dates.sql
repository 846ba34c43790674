{#- The single point in time the marts are computed as of: with the as_of_date var set, the last
    instant of that day (all of the day is known, nothing from the next midnight on), else the
    latest order, event or signup in the data, so that a historical export is analysed as of its own last
    moment rather than as of today. Every as-of comparison is `<= as_of_at`. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

events as (

    select * from {{ ref('stg_shop__events') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

latest_activity as (

    select max(ordered_at) as activity_at from orders
    union all
    select max(event_at) as activity_at from events
    union all
    select max(signup_at) as activity_at from customers

),

final as (

    {% if var('as_of_date') -%}
        select
            {{ dbt.dateadd(
                'microsecond', -1,
                'cast(' ~ dbt.dateadd('day', 1, "cast('" ~ var('as_of_date') ~ "' as date)") ~ ' as timestamp)',
            ) }} as as_of_at
    {%- else -%}
        select max(activity_at) as as_of_at
        from latest_activity
    {%- endif %}

)

select
    cast(as_of_at as date) as as_of_date,
    as_of_at
from final
