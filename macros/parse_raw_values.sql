{#- Parsing raw values as shops export them. Each macro takes a raw column of any type (a typed
    Parquet column, or text from a CSV export) and returns the typed value, or null when the
    value is missing or does not parse. Base models keep, as `raw_<column>`, the raw text of each
    value that is there but does not parse, so stg_shop__value_defects records every one.
    The type tests (`typeof`) and list literals are DuckDB's; they stay inside these macros. -#}

{#- The raw value as trimmed text; blank text counts as missing. -#}
{% macro raw_text(column) -%}
    {{ clean_text('cast(' ~ column ~ ' as varchar)') }}
{%- endmacro %}

{#- The raw text of a value that is there but did not parse (`parsed` is the parsing expression);
    null when the value parsed or is missing. Typed values parse, so they are never cast to text. -#}
{% macro unparsed_text(column, parsed) -%}
    case when {{ parsed }} is null then {{ raw_text(column) }} end
{%- endmacro %}

{#- Money as decimal(18, 2). A typed number (a Parquet double) is rounded to the cent. Text may
    take the forms shop exports use: a decimal comma (`12,50`), a currency symbol or ISO code
    before or after the number (`$12.50`, `€ 9,99`, `R$ 10,00`, `12.50 EUR`), and thousands
    separators in either style (`1,234.00`, `1.234,56`, `1 234,56` with spaces, no-break spaces or
    apostrophes). A lone comma followed by exactly three digits (`1,234`) is a thousands
    separator. Text is never rounded: more than two decimals (`12.345`, and so `1.234`, which
    may mean 1234) does not parse and is recorded, as does any other text (`n/a`, `12 pcs`). -#}
{% macro parse_amount(column) -%}
    {%- set currency = "([$€£¥₹]|USD|EUR|GBP|BRL|JPY|CNY|INR|CHF|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|MXN|ZAR|TRY|SGD|HKD)" -%}
    {%- set text = "regexp_replace(regexp_replace(regexp_replace(" ~ raw_text(column)
        ~ ", '[\\s\\x{00A0}\\x{202F}'']', '', 'g'), '^[A-Za-z]{0,2}" ~ currency ~ "', '', 'i'), '"
        ~ currency ~ "$', '', 'i')" -%}
    {%- set number -%}
        case
            when regexp_full_match({{ text }}, '[+-]?\d+(\.\d+)?')
                then {{ text }}
            when regexp_full_match({{ text }}, '[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?')
                then replace({{ text }}, ',', '')
            when regexp_full_match({{ text }}, '[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?')
                then replace(replace({{ text }}, '.', ''), ',', '.')
            when regexp_full_match({{ text }}, '[+-]?\d+,\d+')
                then replace({{ text }}, ',', '.')
        end
    {%- endset -%}
    case
        when typeof({{ column }}) != 'VARCHAR'
            then try_cast({{ column }} as decimal(18, 2))
        when try_cast({{ number }} as decimal(38, 9)) = try_cast({{ number }} as decimal(18, 2))
            then try_cast({{ number }} as decimal(18, 2))
    end
{%- endmacro %}

{#- A whole number; `3.0` is 3, while `2.5` or `two` is null (a count is never fractional). -#}
{% macro parse_integer(column) -%}
    case
        when try_cast({{ column }} as decimal(38, 9)) = trunc(try_cast({{ column }} as decimal(38, 9)))
            then try_cast(try_cast({{ column }} as decimal(38, 9)) as integer)
    end
{%- endmacro %}

{#- A UTC timestamp without time zone, whatever the host's time zone:
    - timezone-aware values (a Parquet timestamp with a time zone) are converted to UTC;
    - text with a UTC offset or `Z` (`2025-06-01T10:00:00+02:00`) is converted to UTC;
    - text without an offset, and timezone-naive timestamps, are taken as UTC already;
    - day-first text, `31/12/2025 14:00[:00]` or `31.12.2025 14:00[:00]` (and the date alone,
      at midnight), the form European shop back offices export. Month-first dates are not
      accepted: `01/02/2025` is the 1st of February. -#}
{% macro parse_timestamp(column) -%}
    {%- set text = raw_text(column) -%}
    case
        when typeof({{ column }}) = 'TIMESTAMP WITH TIME ZONE'
            then timezone('UTC', try_cast({{ column }} as timestamptz))
        when typeof({{ column }}) in ('TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S', 'DATE')
            then try_cast({{ column }} as timestamp)
        when regexp_matches({{ text }}, '\d:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$')
            then timezone('UTC', try_cast({{ text }} as timestamptz))
        else coalesce(
            try_cast({{ text }} as timestamp),
            try_strptime(
                {{ text }},
                [
                    '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y',
                    '%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d.%m.%Y'
                ]
            )
        )
    end
{%- endmacro %}

{#- A calendar date: ISO (`2025-12-31`), a timestamp's date, or day-first (`31/12/2025`). -#}
{% macro parse_date(column) -%}
    coalesce(
        try_cast({{ raw_text(column) }} as date),
        cast({{ parse_timestamp(column) }} as date)
    )
{%- endmacro %}
