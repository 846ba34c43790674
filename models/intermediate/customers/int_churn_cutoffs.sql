{#- The points in time churn features are computed at: churn_training_cutoffs labelled cutoffs
    spaced churn_cutoff_spacing_days apart, the latest one churn_horizon_days before the as-of
    time so that its label has fully elapsed, plus the as-of time itself as the scoring snapshot. -#}
with

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

cutoff_numbers as (

    {{ dbt.generate_series(var('churn_training_cutoffs')) }}

),

training_cutoffs as (

    select
        cast(cutoff_numbers.generated_number as integer) as cutoff_number,
        {{ dbt.dateadd(
            'day',
            '-1 * (' ~ var('churn_horizon_days') ~ ' + (cutoff_numbers.generated_number - 1) * '
                ~ var('churn_cutoff_spacing_days') ~ ')',
            'reference_dates.as_of_at',
        ) }} as cutoff_at,
        false as is_scoring_snapshot
    from cutoff_numbers
    cross join reference_dates

),

scoring_snapshot as (

    select
        0 as cutoff_number,
        as_of_at as cutoff_at,
        true as is_scoring_snapshot
    from reference_dates

),

final as (

    select * from training_cutoffs
    union all
    select * from scoring_snapshot

)

select * from final
