{#- Lower-case host of a URL without a leading www., e.g. 'https://www.google.com/x' -> 'google.com'. -#}
{% macro url_host(column) -%}
    nullif(regexp_replace(regexp_extract(lower({{ column }}), '^[a-z][a-z0-9+.-]*://([^/?#:]+)', 1), '^www\.', ''), '')
{%- endmacro %}
