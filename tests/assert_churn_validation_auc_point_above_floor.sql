{{ config(severity='warn') }}
{#- Warns when the churn model's validation AUC (the point estimate) is under the floor (var
    churn_min_validation_auc) or under the recency baseline's, while its confidence interval
    still reaches above them: possibly noise of one validation cutoff, worth a look but no reason
    to fail the build. assert_churn_validation_auc_above_floor fails it when the interval confirms
    it. -#}
with

churn_runs as (

    select * from {{ ref('ml_model_runs') }}
    where task = 'churn'

),

final as (

    select
        model_version,
        validation_auc,
        validation_auc_ci_low,
        validation_auc_ci_high,
        baseline_auc,
        auc_minus_baseline
    from churn_runs
    where
        validation_auc < {{ var('churn_min_validation_auc') }}
        or auc_minus_baseline < 0

)

select * from final
