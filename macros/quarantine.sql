{#- The first contract check a row fails, as a reason string, or null when the row is clean.
    `checks` is a list of (condition, reason) pairs in priority order; base models use it so that
    every rejected row carries exactly one reason into stg_shop__quarantine. -#}
{% macro first_failed_check(checks) -%}
    case
        {%- for condition, reason in checks %}
            when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- Timestamps later than the build time plus `future_tolerance_hours` cannot be true: clocks of
    misconfigured devices and placeholder dates such as 2099-01-01 land here. The build time is
    taken in UTC, like every staged timestamp, whatever the host's time zone. -#}
{% macro future_cutoff() -%}
    {{ dbt.dateadd('hour', var('future_tolerance_hours'), "timezone('UTC', " ~ dbt.current_timestamp() ~ ")") }}
{%- endmacro %}

{#- True when a text shows encoding damage: the Unicode replacement character, C0 control
    characters other than tab and newlines, or UTF-8 read as Latin-1 ('Ã©', 'â€™'). -#}
{% macro has_encoding_damage(column) -%}
    regexp_matches({{ column }}, '\x{FFFD}|[\x{00}-\x{08}\x{0B}\x{0C}\x{0E}-\x{1F}]|Ã[\x{80}-\x{BF}]|â€')
{%- endmacro %}

{#- A text trimmed of spaces, tabs and line breaks, with empty and whitespace-only values turned
    into null: an empty review body means "no text", which is not a defect. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}, ' ' || chr(9) || chr(10) || chr(13)), '')
{%- endmacro %}

{#- Adds `quarantine_reason` to a checked relation: the row's own defect, or, for the second and
    later clean rows sharing a key, 'duplicate_<key>'. `order_by` decides which copy is kept (the
    first), e.g. the most recently updated one; copies that tie on it are ordered by their whole
    content, so the same rows keep the same copy whatever order the export lists them in. The
    content (as JSON, DuckDB's to_json) is computed only for keys that have copies. -#}
{% macro flag_duplicates(relation, key, order_by) -%}
    select
        * exclude (key_copies),
        coalesce(
            row_defect,
            case
                when row_number() over (
                    partition by {{ key }}, row_defect is null
                    order by
                        {{ order_by }},
                        case when key_copies > 1 then cast(to_json(counted) as varchar) end
                ) > 1 then 'duplicate_{{ key }}'
            end
        ) as quarantine_reason
    from (
        select
            *,
            count(*) over (partition by {{ key }}, row_defect is null) as key_copies
        from {{ relation }}
    ) as counted
{%- endmacro %}
