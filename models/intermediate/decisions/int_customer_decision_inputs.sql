{#- One row per customer of dim_customers with every value the next_best_action_playbook seed
    can match on, and the scores that rank and explain a decision. A customer without a churn
    score (a prospect, or status insufficient_history) has risk_tier unscored, one without a value
    prediction value_tier unscored and one without a segment (a prospect) segment_name
    unsegmented, so every customer can be matched. A new condition column of the playbook is
    added here first. -#}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

churn_scores as (

    select * from {{ ref('ml_churn_scores') }}

),

customer_value as (

    select * from {{ ref('ml_customer_value') }}

),

segments as (

    select * from {{ ref('ml_customer_segments') }}

),

feedback as (

    select * from {{ ref('int_customer_feedback') }}

),

final as (

    select
        customers.customer_id,
        customers.lifecycle_stage,
        case when churn_scores.status = 'scored' then churn_scores.risk_tier else 'unscored' end as risk_tier,
        case when customer_value.status = 'scored' then customer_value.value_tier else 'unscored' end as value_tier,
        coalesce(segments.segment_name, 'unsegmented') as segment_name,
        segments.segment_id,
        case when churn_scores.status = 'scored' then churn_scores.churn_probability end as churn_probability,
        case when churn_scores.status = 'scored' then churn_scores.win_back_probability end as win_back_probability,
        case when customer_value.status = 'scored' then customer_value.predicted_value end as predicted_value,
        coalesce(feedback.has_bad_experience, false) as has_bad_experience
    from customers
    left join churn_scores
        on customers.customer_id = churn_scores.customer_id
    left join customer_value
        on customers.customer_id = customer_value.customer_id
    left join segments
        on customers.customer_id = segments.customer_id
    left join feedback
        on customers.customer_id = feedback.customer_id

)

select * from final
