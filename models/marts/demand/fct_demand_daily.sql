{#- Demand per day and series, zero-filled: one series per product category and one per top
    product (the demand_top_products products with the most units). A series runs from its first
    sale to the as-of date, so a day without sales is a 0 row, not a gap, and a product launched
    late has no made-up zeros before its launch. Demand is what was ordered: every order not
    cancelled, a later return included (it does not erase the demand of its day, and a return
    known only today must not change yesterday's series). Cancellations keep today's status, for
    want of a timestamp. Orders come from int_orders_as_of (placed by the as-of time, revenue as
    of then). Units are what ml_demand_forecast forecasts; net_revenue counts the lines of orders
    that were revenue at the as-of time. -#}
with

order_items as (

    select * from {{ ref('fct_order_items') }}

),

orders as (

    select * from {{ ref('int_orders_as_of') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

ordered_lines as (

    select
        order_items.order_id,
        order_items.product_id,
        order_items.product_category as category,
        order_items.quantity,
        case
            when orders.is_revenue then order_items.gross_item_amount - order_items.discount_amount
            else 0
        end as net_revenue,
        cast(order_items.ordered_at as date) as demand_date
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    where not orders.is_cancelled

),

top_products as (

    select product_id
    from ordered_lines
    group by product_id
    order by sum(quantity) desc, product_id
    limit {{ var('demand_top_products') }}

),

series_lines as (

    select
        'category:' || category as series_id,
        'category' as series_level,
        category,
        cast(null as varchar) as product_id,
        order_id,
        quantity,
        net_revenue,
        demand_date
    from ordered_lines
    union all
    select
        'product:' || ordered_lines.product_id as series_id,
        'product' as series_level,
        ordered_lines.category,
        ordered_lines.product_id,
        ordered_lines.order_id,
        ordered_lines.quantity,
        ordered_lines.net_revenue,
        ordered_lines.demand_date
    from ordered_lines
    inner join top_products
        on ordered_lines.product_id = top_products.product_id

),

daily as (

    select
        series_id,
        demand_date,
        count(distinct order_id) as orders,
        sum(quantity) as units,
        sum(net_revenue) as net_revenue
    from series_lines
    group by series_id, demand_date

),

series as (

    select
        series_id,
        series_level,
        category,
        product_id,
        min(demand_date) as first_date
    from series_lines
    group by series_id, series_level, category, product_id

),

series_days as (

    {#- DuckDB's generate_series over dates, unnested: one row per series and day. -#}
    select
        series.series_id,
        series.series_level,
        series.category,
        series.product_id,
        cast(unnest(generate_series(
            cast(series.first_date as timestamp),
            cast(reference_dates.as_of_date as timestamp),
            interval 1 day
        )) as date) as demand_date
    from series
    cross join reference_dates

),

final as (

    select
        series_days.series_id || ':' || cast(series_days.demand_date as varchar) as demand_id,
        series_days.series_id,
        series_days.series_level,
        series_days.category,
        series_days.product_id,
        series_days.demand_date,
        cast(coalesce(daily.orders, 0) as integer) as orders,
        cast(coalesce(daily.units, 0) as integer) as units,
        cast(coalesce(daily.net_revenue, 0) as decimal(18, 2)) as net_revenue
    from series_days
    left join daily
        on
            series_days.series_id = daily.series_id
            and series_days.demand_date = daily.demand_date

)

select * from final
