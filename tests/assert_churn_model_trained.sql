{{ config(severity='warn') }}
{#- Warns when customers could not be scored for churn because the history was too short to train
    a model (too few labelled cutoffs, or every customer churned or none did); the build log of
    ml_churn_scores says which and which var to change. -#}
with

unscored as (

    select * from {{ ref('ml_churn_scores') }}
    where status = 'insufficient_history'

),

final as (

    select
        count(*) as unscored_customers,
        min(snapshot_at) as snapshot_at
    from unscored
    having count(*) > 0

)

select * from final
