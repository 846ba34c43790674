{{ config(severity='warn') }}
{#- Warns when the recommendation blend's recall@10 on the test window is under twice the
    popularity baseline's on the same customers, or when nothing could be measured (too little
    history for the recommendation_holdout_days windows). A warning: a test window holds only the
    customers who bought in it, and the figures sit in ml_model_runs side by side. -#}
with

recommendation_runs as (

    select * from {{ ref('ml_model_runs') }}
    where task = 'recommendations'

),

final as (

    select
        model_version,
        recall_at_10,
        popularity_recall_at_10,
        recall_at_10_to_popularity
    from recommendation_runs
    where recall_at_10 is null or recall_at_10 < 2 * popularity_recall_at_10

)

select * from final
