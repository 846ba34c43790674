{#- Every raw row is either in staging or in quarantine, never both and never lost:
    raw = staging + quarantined, table by table. Returns the tables where that fails. -#}
{%- set checked_tables = [
    'customers', 'products', 'orders', 'order_items',
    'payments', 'events', 'reviews', 'support_tickets',
] -%}

with

quarantined as (

    select
        source_table,
        count(*) as quarantined_rows
    from {{ ref('stg_shop__quarantine') }}
    group by 1

),

row_counts as (

    {% for table_name in checked_tables %}
        select
            '{{ table_name }}' as source_table,
            (select count(*) from {{ source('shop', table_name) }}) as raw_rows,
            (select count(*) from {{ ref('stg_shop__' ~ table_name) }}) as staged_rows
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        row_counts.source_table,
        row_counts.raw_rows,
        row_counts.staged_rows,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from row_counts
    left join quarantined
        on row_counts.source_table = quarantined.source_table
    where row_counts.raw_rows != row_counts.staged_rows + coalesce(quarantined.quarantined_rows, 0)

)

select * from final
