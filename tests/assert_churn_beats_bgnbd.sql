{{ config(severity='warn') }}
{#- Warns when the churn model ranks the validation customers no better than the classic BG/NBD
    ranking (fewer expected purchases in the horizon, more churn) on the same rows: all of them,
    or only those still active at the cutoff, where recency separates little and the pooled AUC
    can hide a tie. When BG/NBD could not be fitted, or the active customers hold one outcome
    only, the comparison is null and warns too. A warning, not an error: on a small shop one validation cutoff is noisy, and the interval
    (auc_minus_bgnbd_ci_low / _high in ml_model_runs) says whether a gap is real. -#}
with

churn_runs as (

    select * from {{ ref('ml_model_runs') }}
    where task = 'churn'

),

final as (

    select
        model_version,
        validation_auc,
        bgnbd_auc,
        auc_minus_bgnbd,
        auc_minus_bgnbd_ci_low,
        auc_minus_bgnbd_ci_high,
        active_auc,
        active_bgnbd_auc
    from churn_runs
    where
        auc_minus_bgnbd is null
        or auc_minus_bgnbd <= 0
        or active_auc is null
        or active_bgnbd_auc is null
        or active_auc <= active_bgnbd_auc

)

select * from final
