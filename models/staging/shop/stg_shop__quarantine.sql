{%- set checked_tables = shop_raw_tables() -%}

with

{% for table_name, checked in checked_tables.items() %}
    {%- set key = checked['key'] %}
    rejected_{{ table_name }} as (

        select
            '{{ table_name }}' as source_table,
            cast(rejected.{{ key }} as varchar) as record_key,
            rejected.quarantine_reason,
            cast(to_json(rejected) as varchar) as record_json
        from {{ ref('base_shop__' ~ table_name) }} as rejected
        where rejected.quarantine_reason is not null

    ),

{% endfor -%}

unioned as (

    {% for table_name in checked_tables %}
        select * from rejected_{{ table_name }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        source_table,
        record_key,
        quarantine_reason,
        record_json,
        source_table
        || '-'
        || cast(
            row_number() over (
                partition by source_table order by record_key, quarantine_reason, record_json
            ) as varchar
        ) as quarantine_id
    from unioned

)

select * from final
