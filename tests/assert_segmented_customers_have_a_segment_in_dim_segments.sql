{#- Every segmented customer's segment is a row of dim_segments, under the same name, and each
    segment's customer count there equals its customers in ml_customer_segments. Returns the
    customers or segments where that fails. -#}
with

customer_segments as (

    select * from {{ ref('ml_customer_segments') }}

),

segments as (

    select * from {{ ref('dim_segments') }}

),

segment_sizes as (

    select
        segment_id,
        count(*) as customers
    from customer_segments
    group by 1

),

missing_segments as (

    select
        customer_segments.customer_id,
        customer_segments.segment_id,
        'segment missing or renamed in dim_segments' as failure
    from customer_segments
    left join segments
        on
            customer_segments.segment_id = segments.segment_id
            and customer_segments.segment_name = segments.segment_name
    where segments.segment_id is null

),

size_mismatches as (

    select
        null as customer_id,
        segments.segment_id,
        'customer count differs from ml_customer_segments' as failure
    from segments
    left join segment_sizes
        on segments.segment_id = segment_sizes.segment_id
    where segments.customers != coalesce(segment_sizes.customers, 0)

),

final as (

    select * from missing_segments
    union all
    select * from size_mismatches

)

select * from final
