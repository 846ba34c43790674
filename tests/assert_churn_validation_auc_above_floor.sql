{#- The churn model that scored customers must be recorded in ml_model_runs and must not be
    significantly bad on its time-based validation cutoff: the build fails when the whole 95%
    confidence interval of its validation AUC lies under the floor (var churn_min_validation_auc),
    or when the interval of its AUC minus the recency baseline's lies under 0. A point estimate
    under the floor that its interval does not confirm is noise of one validation cutoff, and
    assert_churn_validation_auc_point_above_floor warns about it instead. Returns each offending
    model version. A build whose history was too short to train any model scores nobody and is
    flagged by assert_churn_model_trained instead. -#}
with

scoring_versions as (

    select distinct model_version
    from {{ ref('ml_churn_scores') }}
    where status = 'scored'

),

churn_runs as (

    select * from {{ ref('ml_model_runs') }}
    where task = 'churn'

),

final as (

    select
        scoring_versions.model_version,
        case
            when churn_runs.model_version is null then 'no churn model run recorded'
            when churn_runs.validation_auc_ci_high is null then 'no validation AUC interval recorded'
            when churn_runs.auc_minus_baseline_ci_high < 0 then 'significantly worse than the recency baseline'
            else 'validation AUC significantly under the floor'
        end as problem,
        churn_runs.validation_auc,
        churn_runs.validation_auc_ci_low,
        churn_runs.validation_auc_ci_high,
        churn_runs.auc_minus_baseline_ci_low,
        churn_runs.auc_minus_baseline_ci_high
    from scoring_versions
    left join churn_runs
        on scoring_versions.model_version = churn_runs.model_version
    where
        churn_runs.model_version is null
        or churn_runs.validation_auc_ci_high is null
        or churn_runs.validation_auc_ci_high < {{ var('churn_min_validation_auc') }}
        or churn_runs.auc_minus_baseline_ci_high < 0

)

select * from final
