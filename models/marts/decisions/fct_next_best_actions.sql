{#- One next-best action per customer: the first rule of the next_best_action_playbook seed, by
    rule_order, whose every condition equals the customer's value or is *. A customer whom no rule
    matches stops the build through DuckDB's error(), with a message naming the combination (the
    singular test assert_next_best_action_playbook_covers_every_customer reports the same before
    this model runs). -#}
with

decision_inputs as (

    select * from {{ ref('int_customer_decision_inputs') }}

),

playbook as (

    select * from {{ ref('next_best_action_playbook') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

recommendations as (

    select * from {{ ref('ml_recommendations') }}

),

product_lists as (

    {#- The top of each customer's ml_recommendations list, best first, for the actions that
        feature products. -#}
    select
        customer_id,
        list(product_id order by recommendation_rank) as recommended_product_ids
    from recommendations
    where product_id is not null and recommendation_rank <= {{ var('action_product_count') }}
    group by customer_id

),

customer_conditions as (

    select
        *,
        case when has_bad_experience then 'true' else 'false' end as bad_experience_condition,
        cast(cast(churn_probability as decimal(4, 2)) as varchar) as churn_probability_text,
        cast(cast(win_back_probability as decimal(4, 2)) as varchar) as win_back_probability_text,
        cast(cast(predicted_value as decimal(18, 2)) as varchar) as predicted_value_text
    from decision_inputs

),

matching_rules as (

    select
        customer_conditions.customer_id,
        playbook.rule_order,
        playbook.action,
        playbook.channel,
        playbook.priority,
        playbook.needs_products,
        playbook.rank_by
    from customer_conditions
    inner join playbook
        on
            playbook.lifecycle_stage in ('*', customer_conditions.lifecycle_stage)
            and playbook.risk_tier in ('*', customer_conditions.risk_tier)
            and playbook.value_tier in ('*', customer_conditions.value_tier)
            and playbook.segment_name in ('*', customer_conditions.segment_name)
            and playbook.has_bad_experience in ('*', customer_conditions.bad_experience_condition)

),

first_matching_rules as (

    select *
    from matching_rules
    qualify row_number() over (partition by customer_id order by rule_order) = 1

),

decided as (

    select
        customer_conditions.*,
        first_matching_rules.rule_order,
        first_matching_rules.action,
        first_matching_rules.channel,
        first_matching_rules.priority,
        first_matching_rules.needs_products,
        first_matching_rules.rank_by,
        'rule ' || cast(first_matching_rules.rule_order as varchar) || ': '
        || customer_conditions.lifecycle_stage
        || ', risk tier ' || customer_conditions.risk_tier
        || coalesce(' (churn probability ' || customer_conditions.churn_probability_text || ')', '')
        || coalesce(', win-back probability ' || customer_conditions.win_back_probability_text, '')
        || ', value tier ' || customer_conditions.value_tier
        || coalesce(' (predicted value ' || customer_conditions.predicted_value_text || ')', '')
        || ', segment "' || customer_conditions.segment_name || '"'
        || case when customer_conditions.has_bad_experience then ', bad experience' else '' end as reason
    from customer_conditions
    left join first_matching_rules
        on customer_conditions.customer_id = first_matching_rules.customer_id

),

checked as (

    select
        *,
        -- DuckDB's error() (no cross-database macro exists): an unmapped customer fails the build.
        case
            when action is null
                then error(
                        'no next_best_action_playbook rule matches lifecycle_stage=' || lifecycle_stage
                        || ', risk_tier=' || risk_tier || ', value_tier=' || value_tier
                        || ', segment_name=' || segment_name
                        || ', has_bad_experience=' || bad_experience_condition
                        || ' (customer ' || customer_id || '): add a rule or a catch-all rule with * in every condition'
                    )
        end as unmapped_check
    from decided

),

final as (

    select
        checked.customer_id,
        checked.action,
        checked.channel,
        checked.reason,
        case when checked.needs_products then product_lists.recommended_product_ids end
            as recommended_product_ids,
        checked.rank_by,
        checked.lifecycle_stage,
        checked.risk_tier,
        checked.value_tier,
        checked.segment_name,
        cast(checked.rule_order as integer) as rule_order,
        cast(checked.priority as integer) as priority,
        cast(checked.churn_probability as double) as churn_probability,
        cast(checked.win_back_probability as double) as win_back_probability,
        cast(checked.predicted_value as double) as predicted_value,
        checked.needs_products,
        checked.has_bad_experience,
        reference_dates.as_of_at
    from checked
    cross join reference_dates
    left join product_lists
        on checked.customer_id = product_lists.customer_id
    where checked.unmapped_check is null

)

select * from final
