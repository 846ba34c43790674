{#- A keyed SHA-256 of a normalised (trimmed, lower-case) email address: marts carry it instead of
    the address, so CRM tools can join on it without BI users seeing who a customer is. The key is
    the pii_hash_key var (default: the PII_HASH_KEY environment variable); without the key the
    hash cannot be recomputed from a guessed address. -#}
{% macro email_hash(column) -%}
    case
        when {{ column }} is not null
            then sha256('{{ var("pii_hash_key") | replace("'", "''") }}' || '|' || lower(trim({{ column }})))
    end
{%- endmacro %}
