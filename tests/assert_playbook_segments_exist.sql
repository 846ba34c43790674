{{ config(severity='warn') }}
{#- Segment names come from the data and can change when it does (a new segmentation, a segment
    split or gone): warn for every next_best_action_playbook rule naming a segment that no longer
    exists, since such a rule silently matches no one. -#}
with

playbook as (

    select * from {{ ref('next_best_action_playbook') }}

),

segments as (

    select * from {{ ref('dim_segments') }}

),

final as (

    select
        playbook.rule_order,
        playbook.segment_name
    from playbook
    left join segments
        on playbook.segment_name = segments.segment_name
    where
        playbook.segment_name not in ('*', 'unsegmented')
        and segments.segment_name is null

)

select * from final
