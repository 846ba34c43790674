{#- A 1-5 quintile score over the rows where `where` holds (null elsewhere), ordered by `order_by`
    (higher is better). Tied rows share a score: percent_rank is the same for ties, unlike ntile,
    which would split one-order customers across several frequency scores. -#}
{% macro quintile_score(order_by, where) -%}
    case
        when {{ where }}
            then cast(least(5, 1 + floor(5 * percent_rank() over (
                    partition by {{ where }} order by {{ order_by }}
                ))) as integer)
    end
{%- endmacro %}
