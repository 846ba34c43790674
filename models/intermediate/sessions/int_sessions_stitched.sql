with

sessions as (

    select * from {{ ref('int_sessions') }}

),

stitched as (

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
    from sessions

),

final as (

    select
        *,
        coalesce(customer_id, 'anonymous:' || visitor_id) as person_id,
        logged_in_customer_id is null and customer_id is not null as is_stitched
    from stitched

)

select * from final
