{#- Identity stitching of a sessions relation (session_id, visitor_id, logged_in_customer_id,
    started_at): an anonymous session belongs to the next customer who logs in on the same
    visitor id, else to the last one who did; adds customer_id, person_id (the customer, or
    'anonymous:<visitor_id>') and is_stitched. The full history and the as-of view of customer
    state stitch with the same rule, over the sessions each may know. -#}
{% macro stitched_sessions(relation) -%}
    select
        *,
        coalesce(customer_id, 'anonymous:' || visitor_id) as person_id,
        logged_in_customer_id is null and customer_id is not null as is_stitched
    from (
        select
            *,
            coalesce(
                logged_in_customer_id,
                first_value(logged_in_customer_id ignore nulls) over (
                    partition by visitor_id
                    order by started_at, session_id
                    rows between current row and unbounded following
                ),
                last_value(logged_in_customer_id ignore nulls) over (
                    partition by visitor_id
                    order by started_at, session_id
                    rows between unbounded preceding and current row
                )
            ) as customer_id
        from {{ relation }}
    ) as stitched
{%- endmacro %}

{#- Channel attribution of a stitched sessions relation (person_id, channel, started_at): a direct
    session is credited to the person's last non-direct session within attribution_lookback_days;
    adds attributed_channel. -#}
{% macro attributed_sessions(relation) -%}
    select
        *,
        case
            when channel != 'direct' then channel
            when
                last_value(case when channel != 'direct' then started_at end ignore nulls)
                    over person_timeline
                >= {{ dbt.dateadd('day', -1 * var('attribution_lookback_days'), 'started_at') }}
                then
                    last_value(case when channel != 'direct' then channel end ignore nulls)
                        over person_timeline
            else 'direct'
        end as attributed_channel
    from {{ relation }}
    window person_timeline as (
        partition by person_id
        order by started_at, session_id
        rows between unbounded preceding and current row
    )
{%- endmacro %}
