{#- One row per day, the calendar MetricFlow joins metrics to (cumulative metrics, filled gaps,
    metric_time). A fixed, generous range rather than one read from the data, so the spine does
    not move with every load (real exports such as CDNOW go back to 1997); 51 years are about
    18,600 rows. -#}
with

days as (

    select cast(range as date) as date_day
    from range(date '1990-01-01', date '2041-01-01', interval 1 day)

),

final as (

    select date_day
    from days

)

select * from final
