{#- Whether an order of int_orders_enriched counted as revenue at the point in time `at`: a revenue
    order then, even when it was returned only later. A returned order without a return date is
    taken as returned already. Customer state as of a past date and churn features at each cutoff
    judge orders by what was true at that moment, not by today's outcome. -#}
{% macro is_revenue_at(orders, at) -%}
    ({{ orders }}.is_revenue or ({{ orders }}.is_returned and coalesce({{ orders }}.returned_at > {{ at }}, false)))
{%- endmacro %}
