{#- Fails for every row of a model in which some text column holds something shaped like an email
    address: BI-facing tables carry email_hash, never an address. Every text column is checked, so
    a column added later is covered without editing this test. -#}
{% test no_email_addresses(model) %}

    {%- set text_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(model) -%}
            {%- if column.is_string() -%}
                {%- do text_columns.append(adapter.quote(column.name)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}

    select *
    from {{ model }}
    where
        {%- for column in text_columns %}
            regexp_matches({{ column }}, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}')
            {%- if not loop.last %} or{% endif %}
        {%- else %}
            false
        {%- endfor %}

{% endtest %}
