{#- The marts are computed as of a single point in time: int_reference_dates must hold exactly
    one row, whether the as-of time comes from the as_of_date var or from the data. -#}
with

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

final as (

    select count(*) as as_of_rows
    from reference_dates
    having count(*) != 1

)

select * from final
