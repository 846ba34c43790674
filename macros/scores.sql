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

{#- The lifecycle stage of a customer at a point in time, from their revenue orders up to it:
    - prospect: no revenue order;
    - churned: no order for more than churn_days;
    - at_risk: no order for more than active_days;
    - new: first order within new_customer_days;
    - reactivated: ordering again after a gap of more than churn_days between the last two orders;
    - active: everyone else (a single order older than new_customer_days included).
    The first rule that holds wins, so a customer is in exactly one stage. Every argument is
    measured at the same point in time (days are whole days up to it, as dbt.datediff counts
    them). The thresholds come from the lifecycle_thresholds seed: the expression expects columns
    churn_days, active_days and new_customer_days in scope. dim_customers (as of the as-of time)
    and fct_lifecycle_flows_monthly (at each monthly snapshot) share it. -#}
{% macro lifecycle_stage(
    revenue_orders, days_since_last_order, days_since_first_order, days_between_last_two_orders
) -%}
    case
        when {{ revenue_orders }} = 0 then 'prospect'
        when {{ days_since_last_order }} > churn_days then 'churned'
        when {{ days_since_last_order }} > active_days then 'at_risk'
        when {{ days_since_first_order }} <= new_customer_days then 'new'
        when {{ days_between_last_two_orders }} > churn_days then 'reactivated'
        else 'active'
    end
{%- endmacro %}

{#- The lifecycle_thresholds seed (one row per threshold) as one row of columns new_customer_days,
    active_days and churn_days, which lifecycle_stage expects in scope. `thresholds` is the CTE or
    relation holding the seed's rows. -#}
{% macro lifecycle_threshold_columns(thresholds) -%}
    select
        max(case when threshold_name = 'new_customer_days' then threshold_days end) as new_customer_days,
        max(case when threshold_name = 'active_days' then threshold_days end) as active_days,
        max(case when threshold_name = 'churn_days' then threshold_days end) as churn_days
    from {{ thresholds }}
{%- endmacro %}
