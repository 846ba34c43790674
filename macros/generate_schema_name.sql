{#- Layers land in schemas named after the layer (staging, intermediate, marts, reference) rather than
    dbt's default of prefixing the target schema, so BI tools see stable names on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
