{#- Every combination of lifecycle stage, risk tier, value tier, segment and bad experience that
    occurs among the customers is matched by at least one rule of the next_best_action_playbook
    seed (* matches anything). Returns each unmatched combination with the number of customers in
    it, so the failure says which rule to add; fct_next_best_actions would stop with the same message. -#}
with

decision_inputs as (

    select * from {{ ref('int_customer_decision_inputs') }}

),

playbook as (

    select * from {{ ref('next_best_action_playbook') }}

),

combinations as (

    select
        lifecycle_stage,
        risk_tier,
        value_tier,
        segment_name,
        case when has_bad_experience then 'true' else 'false' end as has_bad_experience,
        count(*) as customers
    from decision_inputs
    group by 1, 2, 3, 4, 5

),

matched as (

    select
        combinations.*,
        count(playbook.rule_order) as matching_rules
    from combinations
    left join playbook
        on
            playbook.lifecycle_stage in ('*', combinations.lifecycle_stage)
            and playbook.risk_tier in ('*', combinations.risk_tier)
            and playbook.value_tier in ('*', combinations.value_tier)
            and playbook.segment_name in ('*', combinations.segment_name)
            and playbook.has_bad_experience in ('*', combinations.has_bad_experience)
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        'no next_best_action_playbook rule matches lifecycle_stage=' || lifecycle_stage
        || ', risk_tier=' || risk_tier || ', value_tier=' || value_tier
        || ', segment_name=' || segment_name
        || ', has_bad_experience=' || has_bad_experience as problem,
        customers
    from matched
    where matching_rules = 0

)

select * from final
