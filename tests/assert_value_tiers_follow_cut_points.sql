{#- Value tiers match their cut points: the first ceil(n * value_tier_top_share) ranks are top,
    the next up to ceil(n * (value_tier_top_share + value_tier_high_share)) high, the rest
    standard, and a better rank never has a lower predicted value. Returns the rows that break it. -#}
with

scores as (

    select * from {{ ref('ml_customer_value') }}
    where status = 'scored'

),

tier_counts as (

    select
        ceil(count(*) * {{ var('value_tier_top_share') }} - 1e-9) as top_count,
        ceil(count(*) * ({{ var('value_tier_top_share') }} + {{ var('value_tier_high_share') }}) - 1e-9)
            as high_count
    from scores

),

expected as (

    select
        scores.customer_id,
        scores.value_tier,
        scores.predicted_value,
        lag(scores.predicted_value) over (order by scores.value_rank) as better_ranked_value,
        case
            when scores.value_rank <= tier_counts.top_count then 'top'
            when scores.value_rank <= tier_counts.high_count then 'high'
            else 'standard'
        end as expected_tier
    from scores
    cross join tier_counts

),

final as (

    select * from expected
    where value_tier != expected_tier or predicted_value > better_ranked_value

)

select * from final
