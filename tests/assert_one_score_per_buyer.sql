{#- Every customer who has ordered, churned ones included (whose score is a win-back score), has
    exactly one churn score and one value prediction, and nobody else has either; the win-back
    flag is set exactly for the churned. Returns the customers where that fails. -#}
with

buyers as (

    select
        customer_id,
        lifecycle_stage = 'churned' as is_churned_stage
    from {{ ref('dim_customers') }}
    where lifecycle_stage in ('new', 'active', 'at_risk', 'reactivated', 'churned')

),

churn_scores as (

    select
        customer_id,
        count(*) as churn_scores,
        bool_and(is_win_back) as is_win_back
    from {{ ref('ml_churn_scores') }}
    group by 1

),

value_scores as (

    select
        customer_id,
        count(*) as value_scores
    from {{ ref('ml_customer_value') }}
    group by 1

),

scored as (

    select
        coalesce(buyers.customer_id, churn_scores.customer_id, value_scores.customer_id) as customer_id,
        buyers.is_churned_stage,
        churn_scores.is_win_back,
        coalesce(churn_scores.churn_scores, 0) as churn_scores,
        coalesce(value_scores.value_scores, 0) as value_scores,
        buyers.customer_id is not null as is_buyer
    from buyers
    full outer join churn_scores
        on buyers.customer_id = churn_scores.customer_id
    full outer join value_scores
        on coalesce(buyers.customer_id, churn_scores.customer_id) = value_scores.customer_id

),

final as (

    select * from scored
    where
        not is_buyer
        or churn_scores != 1
        or value_scores != 1
        or is_win_back is distinct from is_churned_stage

)

select * from final
