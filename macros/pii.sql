{#- A keyed SHA-256 of a normalised (trimmed, lower-case) email address: marts carry it instead of
    the address, so CRM tools can join on it without BI users seeing who a customer is. The key is
    the pii_hash_key var (default: the PII_HASH_KEY environment variable). The public demo key
    (dbt_project.yml) is accepted on the dev and ci targets only: with it anyone could hash a
    guessed address and match it, so any other target stops until a key of your own is set. -#}
{% macro email_hash(column) -%}
    {%- set key = var("pii_hash_key") -%}
    {%- if key == "customer-lifecycle-demo-key" and target.name not in ["dev", "ci", "lint"] -%}
        {{ exceptions.raise_compiler_error(
            "Target '" ~ target.name ~ "' would hash email addresses with the public demo key: "
            ~ "set the PII_HASH_KEY environment variable (or the pii_hash_key var) to a secret."
        ) }}
    {%- endif -%}
    case
        when {{ column }} is not null
            then sha256('{{ key | replace("'", "''") }}' || '|' || lower(trim({{ column }})))
    end
{%- endmacro %}
