with

sessions as (

    select * from {{ ref('int_sessions_stitched') }}

),

final as (

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
    from sessions
    window person_timeline as (
        partition by person_id
        order by started_at, session_id
        rows between unbounded preceding and current row
    )

)

select * from final
