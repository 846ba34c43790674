{#- The churn model that scored customers must be recorded in ml_model_runs and reach the AUC floor
    (var churn_min_validation_auc) on its time-based validation cutoff. Returns each offending
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
        churn_runs.validation_auc,
        case
            when churn_runs.model_version is null then 'no churn model run recorded'
            else 'validation AUC under the floor'
        end as problem
    from scoring_versions
    left join churn_runs
        on scoring_versions.model_version = churn_runs.model_version
    where
        churn_runs.model_version is null
        or churn_runs.validation_auc is null
        or churn_runs.validation_auc < {{ var('churn_min_validation_auc') }}

)

select * from final
