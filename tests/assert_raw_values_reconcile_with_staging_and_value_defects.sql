{#- No raw value is lost without a record: for every parsed column, the raw values that are there
    (not null, not blank) = the values staging parsed + the values recorded in
    stg_shop__value_defects. Raw values are counted in the raw files themselves, parsed values
    in the base models (less the defaults given where the export has no value), table by table
    and column by column; returns the columns where that fails. -#}
{%- set parsed_tables = shop_raw_tables() -%}

with

recorded as (

    select
        source_table,
        column_name,
        count(*) as recorded_values
    from {{ ref('stg_shop__value_defects') }}
    group by 1, 2

),

value_counts as (

    {% for table_name, parsed in parsed_tables.items() %}
        {%- set outer_last = loop.last %}
        {%- for raw_column, staged_column in parsed['columns'].items() %}
            select
                '{{ table_name }}' as source_table,
                '{{ raw_column }}' as column_name,
                (
                    select count({{ raw_text(raw_column) }})
                    from {{ source('shop', table_name) }}
                ) as raw_values,
                (
                    select count({{ staged_column }})
                    from {{ ref('base_shop__' ~ table_name) }}
                )
                {%- if raw_column in parsed.get('defaulted', []) %}
                    - (
                        select count(*) - count({{ raw_text(raw_column) }})
                        from {{ source('shop', table_name) }}
                    )
                {%- endif %} as parsed_values
            {% if not (outer_last and loop.last) %}union all{% endif %}
        {%- endfor %}
    {%- endfor %}

),

final as (

    select
        value_counts.source_table,
        value_counts.column_name,
        value_counts.raw_values,
        value_counts.parsed_values,
        coalesce(recorded.recorded_values, 0) as recorded_values
    from value_counts
    left join recorded
        on
            value_counts.source_table = recorded.source_table
            and value_counts.column_name = recorded.column_name
    where value_counts.raw_values != value_counts.parsed_values + coalesce(recorded.recorded_values, 0)

)

select * from final
