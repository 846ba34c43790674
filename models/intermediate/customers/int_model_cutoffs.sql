{#- The points in time the customer models learn from, and the one they score at.
    Churn: churn_training_cutoffs cutoffs spaced training_cutoff_spacing_days apart, the latest
    churn_horizon_days before the as-of time so that its label has fully elapsed. Value: the same
    with value_training_cutoffs and value_horizon_days. A date can serve both; it is one row with
    both flags. The as-of time itself is the scoring snapshot, with no label. -#}
with

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

churn_numbers as (

    {{ dbt.generate_series(var('churn_training_cutoffs')) }}

),

value_numbers as (

    {{ dbt.generate_series(var('value_training_cutoffs')) }}

),

churn_cutoffs as (

    select
        {{ dbt.dateadd(
            'day',
            '-1 * (' ~ var('churn_horizon_days') ~ ' + (churn_numbers.generated_number - 1) * '
                ~ var('training_cutoff_spacing_days') ~ ')',
            'reference_dates.as_of_at',
        ) }} as cutoff_at,
        true as is_churn_training,
        false as is_value_training
    from churn_numbers
    cross join reference_dates

),

value_cutoffs as (

    select
        {{ dbt.dateadd(
            'day',
            '-1 * (' ~ var('value_horizon_days') ~ ' + (value_numbers.generated_number - 1) * '
                ~ var('training_cutoff_spacing_days') ~ ')',
            'reference_dates.as_of_at',
        ) }} as cutoff_at,
        false as is_churn_training,
        true as is_value_training
    from value_numbers
    cross join reference_dates

),

training_cutoffs as (

    select
        cutoff_at,
        bool_or(is_churn_training) as is_churn_training,
        bool_or(is_value_training) as is_value_training
    from (
        select * from churn_cutoffs
        union all
        select * from value_cutoffs
    ) as unioned
    group by 1

),

scoring_snapshot as (

    select
        as_of_at as cutoff_at,
        false as is_churn_training,
        false as is_value_training,
        true as is_scoring_snapshot
    from reference_dates

),

final as (

    select
        cast(row_number() over (order by cutoff_at desc) as integer) as cutoff_number,
        cutoff_at,
        is_churn_training,
        is_value_training,
        false as is_scoring_snapshot
    from training_cutoffs
    union all
    select
        0 as cutoff_number,
        cutoff_at,
        is_churn_training,
        is_value_training,
        is_scoring_snapshot
    from scoring_snapshot

)

select * from final
