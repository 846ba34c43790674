{#- The one table per customer a BI user opens first: dim_customers' lifecycle and RFM, the churn
    and value scores and the segment from the ML layer, what the customer told the shop in reviews
    and tickets, and the next-best action. Reads the ML layer, so it is built with it. -#}
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

feedback as (

    select * from {{ ref('int_customer_feedback') }}

),

decision_inputs as (

    select * from {{ ref('int_customer_decision_inputs') }}

),

next_best_actions as (

    select * from {{ ref('fct_next_best_actions') }}

),

final as (

    select
        customers.customer_id,
        customers.email_hash,
        customers.country,
        customers.acquisition_channel,
        customers.lifecycle_stage,
        customers.rfm_segment,
        decision_inputs.risk_tier,
        churn_scores.top_drivers,
        churn_scores.top_driver_1,
        churn_scores.top_driver_2,
        churn_scores.top_driver_3,
        decision_inputs.value_tier,
        decision_inputs.segment_id,
        decision_inputs.segment_name,
        feedback.last_ticket_status,
        next_best_actions.action as next_best_action,
        next_best_actions.channel as next_best_action_channel,
        next_best_actions.reason as next_best_action_reason,
        customers.recency_score,
        customers.frequency_score,
        customers.monetary_score,
        customers.days_since_last_order,
        customers.revenue_orders,
        customers.revenue,
        customers.average_order_value,
        cast(decision_inputs.churn_probability as double) as churn_probability,
        cast(decision_inputs.win_back_probability as double) as win_back_probability,
        cast(decision_inputs.predicted_value as double) as predicted_value,
        cast(case when customer_value.status = 'scored' then customer_value.value_rank end as integer) as value_rank,
        feedback.reviews_written,
        feedback.average_review_rating,
        feedback.average_review_sentiment,
        feedback.tickets_opened,
        feedback.open_tickets,
        feedback.average_ticket_sentiment,
        next_best_actions.priority as next_best_action_priority,
        coalesce(churn_scores.is_win_back, false) as is_win_back,
        feedback.has_bad_experience,
        customers.signup_at,
        customers.first_order_at,
        customers.last_order_at,
        feedback.last_ticket_at,
        next_best_actions.as_of_at
    from customers
    left join churn_scores
        on customers.customer_id = churn_scores.customer_id
    left join customer_value
        on customers.customer_id = customer_value.customer_id
    left join feedback
        on customers.customer_id = feedback.customer_id
    left join decision_inputs
        on customers.customer_id = decision_inputs.customer_id
    left join next_best_actions
        on customers.customer_id = next_best_actions.customer_id

)

select * from final
