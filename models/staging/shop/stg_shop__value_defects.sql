{%- set parsed_tables = shop_raw_tables() -%}

with

{% for table_name, parsed in parsed_tables.items() %}
    {%- for raw_column in parsed['columns'] %}
        unparsed_{{ table_name }}_{{ raw_column }} as (

            select
                '{{ table_name }}' as source_table,
                cast(base_rows.{{ parsed['key'] }} as varchar) as record_key,
                '{{ raw_column }}' as column_name,
                base_rows.raw_{{ raw_column }} as raw_value,
                'invalid_{{ raw_column }}' as value_defect_reason,
                base_rows.quarantine_reason
            from {{ ref('base_shop__' ~ table_name) }} as base_rows
            where base_rows.raw_{{ raw_column }} is not null

        ),

    {% endfor -%}
{% endfor -%}

unioned as (

    {% for table_name, parsed in parsed_tables.items() %}
        {%- set outer_last = loop.last %}
        {%- for raw_column in parsed['columns'] %}
            select * from unparsed_{{ table_name }}_{{ raw_column }}
            {% if not (outer_last and loop.last) %}union all{% endif %}
        {%- endfor %}
    {%- endfor %}

),

final as (

    select
        source_table
        || '-'
        || cast(
            row_number() over (
                partition by source_table
                order by record_key, column_name, raw_value, quarantine_reason
            ) as varchar
        ) as value_defect_id,
        source_table,
        record_key,
        column_name,
        raw_value,
        value_defect_reason,
        quarantine_reason,
        quarantine_reason is not null as is_row_quarantined
    from unioned

)

select * from final
