{#- Export-ready CRM audiences: one row per customer with an action to send (not no_action) and
    an email hash to reach them by, in the audience named for the action and its channel, ranked
    by the priority of the rule that chose them (several rules can share an audience, e.g. a
    generous and a standard win-back email), then by the score the playbook's rank_by names
    (highest first). No addresses or names: the CRM
    joins email_hash to the contacts it holds. The shop's export carries no marketing consent
    field; when one exists, filter on it in contactable_customers. -#}
with

next_best_actions as (

    select * from {{ ref('fct_next_best_actions') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

contactable_customers as (

    select
        customer_id,
        email_hash
    from customers
    where email_hash is not null

),

audience_members as (

    select
        next_best_actions.customer_id,
        contactable_customers.email_hash,
        next_best_actions.action || '_' || next_best_actions.channel as audience_name,
        next_best_actions.action,
        next_best_actions.channel,
        next_best_actions.rank_by,
        next_best_actions.reason,
        next_best_actions.priority,
        next_best_actions.rule_order,
        case next_best_actions.rank_by
            when 'churn_probability' then next_best_actions.churn_probability
            when 'win_back_probability' then next_best_actions.win_back_probability
            when 'predicted_value' then next_best_actions.predicted_value
        end as ranking_score,
        next_best_actions.as_of_at
    from next_best_actions
    inner join contactable_customers
        on next_best_actions.customer_id = contactable_customers.customer_id
    where next_best_actions.action != 'no_action'

),

final as (

    select
        customer_id,
        email_hash,
        audience_name,
        action,
        channel,
        rank_by,
        reason,
        cast(priority as integer) as priority,
        cast(rule_order as integer) as rule_order,
        cast(ranking_score as double) as ranking_score,
        cast(row_number() over (
            partition by audience_name
            order by priority asc, ranking_score desc nulls last, customer_id asc
        ) as integer) as audience_rank,
        as_of_at
    from audience_members

)

select * from final
