{#- What an order line is worth before its discount: quantity x unit price, a line without a
    price counting 0. int_orders_enriched sums it per order and fct_order_items keeps it per
    line, so an order's lines add up to the order. `lines` is the alias holding quantity and
    unit_price, none for unqualified columns. -#}
{% macro order_line_gross_amount(lines=none) -%}
    {%- set prefix = lines ~ '.' if lines else '' -%}
    {{ prefix }}quantity * coalesce({{ prefix }}unit_price, 0)
{%- endmacro %}
