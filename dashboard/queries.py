"""The SQL the dashboard runs against the warehouse.

Every query aggregates or limits inside DuckDB, so what reaches Python is a few hundred rows at
most however many customers the warehouse holds; the pages only draw what these return. The
metric definitions are the semantic layer's (models/marts/*/_*__models.yml): revenue is the sum
of net_revenue over fct_orders, orders count revenue orders, new customers count first revenue
orders, and the customer-level rates read customer_360.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

CUSTOMERS = "marts.customer_360"
# The semantic layer's revenue, orders, average_order_value and new_customers on fct_orders.
ORDER_KPIS = """
    coalesce(sum(net_revenue), 0) as revenue,
    count(*) filter (where is_revenue) as orders,
    sum(net_revenue) / nullif(count(*) filter (where is_revenue), 0) as average_order_value,
    count(*) filter (where is_revenue and customer_revenue_order_number = 1) as new_customers
"""


@dataclass(frozen=True)
class Filters:
    """What the sidebar selects. Empty tuples mean every channel or segment.

    The channel filter narrows sessions and the funnel by the session's channel, and customers
    (with their orders and reviews) by their acquisition channel; the segment filter narrows
    customers and what they did.
    """

    start: date
    end: date
    channels: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()

    @property
    def filters_customers(self) -> bool:
        return bool(self.channels or self.segments)


class WarehouseNotBuilt(RuntimeError):
    """The warehouse file or a table the dashboard reads is missing, or a build holds it."""


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection. DuckDB locks the file across processes, so the dashboard opens
    one per query and closes it: between page loads a build can take the file."""
    if not path.exists():
        raise WarehouseNotBuilt(
            f"no warehouse at {path}: run `make build`, or set WAREHOUSE_PATH to a built "
            "warehouse.duckdb"
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseNotBuilt(
                f"{path} is locked by another process, most likely a build writing it "
                f"({error}); reload the page when the build has finished"
            ) from error
        raise WarehouseNotBuilt(
            f"cannot open {path} as a DuckDB warehouse ({error}): rebuild it with `make build` "
            "or set WAREHOUSE_PATH to a built warehouse.duckdb"
        ) from error


def fetch(connection: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    """Run one statement on its own cursor; a missing table says what to build."""
    cursor = connection.cursor()
    try:
        return cursor.execute(sql, params).df()
    except duckdb.CatalogException as error:
        raise WarehouseNotBuilt(
            f"{error}; the dashboard reads the marts and ML tables of a full build: run "
            "`make build`, or `dbt build` on this warehouse"
        ) from error
    finally:
        cursor.close()


def _customer_filter(filters: Filters) -> tuple[str, list[Any]]:
    """A predicate on customer_360's columns selecting the filtered channels and segments."""
    conditions, params = ["true"], []
    if filters.channels:
        conditions.append("list_contains(?, acquisition_channel)")
        params.append(list(filters.channels))
    if filters.segments:
        conditions.append("list_contains(?, segment_name)")
        params.append(list(filters.segments))
    return " and ".join(conditions), params


def _customer_scope(filters: Filters) -> tuple[str, list[Any]]:
    """The same selection for a table keyed by customer_id (orders, sessions, reviews)."""
    if not filters.filters_customers:
        return "true", []
    where, params = _customer_filter(filters)
    return f"customer_id in (select customer_id from {CUSTOMERS} where {where})", params


def _session_channel(filters: Filters) -> tuple[str, list[Any]]:
    if not filters.channels:
        return "true", []
    return "list_contains(?, channel)", [list(filters.channels)]


def filter_options(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Date bounds (over orders, sessions and reviews), channels and segment names for the
    sidebar, from aggregates."""
    bounds = fetch(
        connection,
        """
        select min(first_day)::date as first_day, max(last_day)::date as last_day
        from (
            select min(ordered_at) as first_day, max(ordered_at) as last_day from marts.fct_orders
            union all
            select min(started_at), max(started_at) from marts.fct_sessions
            union all
            select min(reviewed_at), max(reviewed_at) from marts.fct_reviews
        )
        """,
        [],
    )
    channels = fetch(
        connection,
        "select distinct channel from marts.fct_funnel_daily "
        f"union select distinct acquisition_channel from {CUSTOMERS} order by 1 limit 100",
        [],
    )
    segments = fetch(
        connection,
        "select segment_name from marts.dim_segments order by segment_id limit 100",
        [],
    )
    if bounds["first_day"].isna().iloc[0]:
        raise WarehouseNotBuilt(
            "the warehouse holds no orders, sessions or reviews: build it from raw data that has "
            "some (RAW_DATA_DIR)"
        )
    return {
        "first_day": pd.Timestamp(bounds["first_day"].iloc[0]).date(),
        "last_day": pd.Timestamp(bounds["last_day"].iloc[0]).date(),
        "channels": channels.iloc[:, 0].tolist(),
        "segments": segments["segment_name"].tolist(),
    }


def order_kpis(connection: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Revenue, orders, average order value and new customers over the date range (one row)."""
    scope, params = _customer_scope(filters)
    return fetch(
        connection,
        f"""
        select {ORDER_KPIS}
        from marts.fct_orders
        where ordered_at::date between ? and ? and {scope}
        """,
        [filters.start, filters.end, *params],
    )


def monthly_kpis(connection: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """The saved query monthly_kpis (revenue, orders, AOV, new customers by month), filtered."""
    scope, params = _customer_scope(filters)
    return fetch(
        connection,
        f"""
        select date_trunc('month', ordered_at)::date as month, {ORDER_KPIS}
        from marts.fct_orders
        where ordered_at::date between ? and ? and {scope}
        group by 1
        order by 1
        """,
        [filters.start, filters.end, *params],
    )


def revenue_by_category(
    connection: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 30
) -> pd.DataFrame:
    """Net revenue and units per product category over the date range (fct_order_items)."""
    scope, params = _customer_scope(filters)
    return fetch(
        connection,
        f"""
        select
            product_category,
            sum(net_revenue) as revenue,
            sum(case when is_revenue then quantity else 0 end) as units
        from marts.fct_order_items
        where ordered_at::date between ? and ? and {scope}
        group by 1
        order by 2 desc
        limit ?
        """,
        [filters.start, filters.end, *params, limit],
    )


def session_kpis(connection: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Sessions, conversion rate and cart abandonment rate over the date range (one row)."""
    channel, channel_params = _session_channel(filters)
    # Channel here is the session's own; a segment is a set of customers, so with one selected
    # anonymous sessions drop out.
    scope, scope_params = _customer_scope(replace(filters, channels=()))
    return fetch(
        connection,
        f"""
        select
            count(*) as sessions,
            avg(case when is_converted then 1.0 else 0.0 end) as conversion_rate,
            count(*) filter (where cart_adds > 0 and not is_converted)
                / nullif(count(*) filter (where cart_adds > 0), 0) as cart_abandonment_rate
        from marts.fct_sessions
        where session_date between ? and ? and {channel} and {scope}
        """,
        [filters.start, filters.end, *channel_params, *scope_params],
    )


def funnel_stages(connection: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Sessions reaching each funnel stage over the date range, for the selected channels."""
    channel, params = _session_channel(filters)
    return fetch(
        connection,
        f"""
        select journey_stage, stage_order, sum(sessions_reached) as sessions_reached
        from marts.fct_funnel_daily
        where session_date between ? and ? and {channel}
        group by 1, 2
        order by 2
        """,
        [filters.start, filters.end, *params],
    )


def funnel_by_channel_and_device(
    connection: duckdb.DuckDBPyConnection, filters: Filters
) -> pd.DataFrame:
    """Sessions and the share reaching a purchase per channel and device."""
    channel, params = _session_channel(filters)
    return fetch(
        connection,
        f"""
        select
            channel,
            device,
            sum(sessions) filter (where stage_order = 1) as sessions,
            sum(sessions_reached) filter (where journey_stage = 'purchase') as purchases,
            coalesce(sum(sessions_reached) filter (where journey_stage = 'purchase'), 0)
                / nullif(sum(sessions) filter (where stage_order = 1), 0) as conversion_rate
        from marts.fct_funnel_daily
        where session_date between ? and ? and {channel}
        group by 1, 2
        order by 3 desc
        limit 200
        """,
        [filters.start, filters.end, *params],
    )


def cohort_retention(
    connection: duckdb.DuckDBPyConnection,
    filters: Filters,
    max_cohorts: int = 24,
    max_months: int = 24,
) -> pd.DataFrame:
    """Retention of the latest `max_cohorts` first-order cohorts whose month overlaps the date
    range, over their first `max_months` months after the first."""
    return fetch(
        connection,
        """
        with cohorts as (
            select distinct cohort_month
            from marts.fct_cohort_retention_monthly
            where cohort_month between date_trunc('month', ?::date) and ?
            order by cohort_month desc
            limit ?
        )
        select
            retention.cohort_month,
            retention.months_since_first_order,
            retention.cohort_customers,
            retention.active_customers,
            retention.retention_rate
        from marts.fct_cohort_retention_monthly as retention
        inner join cohorts on retention.cohort_month = cohorts.cohort_month
        where retention.months_since_first_order <= ?
        order by 1, 2
        """,
        [filters.start, filters.end, max_cohorts, max_months],
    )


def lifecycle_stages(connection: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Customers per lifecycle stage as of the as-of time."""
    where, params = _customer_filter(filters)
    return fetch(
        connection,
        f"""
        select lifecycle_stage, count(*) as customers
        from {CUSTOMERS}
        where {where}
        group by 1
        order by 2 desc
        """,
        params,
    )


def lifecycle_flow_months(connection: duckdb.DuckDBPyConnection) -> list[date]:
    frame = fetch(
        connection,
        "select distinct flow_month from marts.fct_lifecycle_flows_monthly "
        "order by 1 desc limit 120",
        [],
    )
    return frame["flow_month"].dt.date.tolist() if len(frame) else []


def lifecycle_flows(connection: duckdb.DuckDBPyConnection, flow_month: date) -> pd.DataFrame:
    """Customers moving from each stage to each stage during `flow_month` (its first day)."""
    return fetch(
        connection,
        """
        select from_stage, to_stage, customers
        from marts.fct_lifecycle_flows_monthly
        where flow_month = ?
        order by customers desc
        limit 100
        """,
        [flow_month],
    )


def lifecycle_stage_history(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Customers in each stage at the end of each month (the flows' destination side)."""
    return fetch(
        connection,
        """
        select flow_month, to_stage as lifecycle_stage, sum(customers) as customers
        from marts.fct_lifecycle_flows_monthly
        where to_stage <> 'not_signed_up'
        group by 1, 2
        order by 1, 2
        limit 2000
        """,
        [],
    )


def churn_kpis(connection: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Scored buyers, those at high risk and their share (the high_churn_risk_share metric)."""
    where, params = _customer_filter(filters)
    return fetch(
        connection,
        f"""
        select
            count(*) filter (where risk_tier in ('high', 'medium', 'low')) as scored_customers,
            count(*) filter (where risk_tier = 'high') as high_risk_customers,
            count(*) filter (where risk_tier = 'high')
                / nullif(count(*) filter (where risk_tier in ('high', 'medium', 'low')), 0)
                as high_churn_risk_share,
            avg(churn_probability) filter (where risk_tier in ('high', 'medium', 'low'))
                as average_churn_probability
        from {CUSTOMERS}
        where {where}
        """,
        params,
    )


def churn_distribution(
    connection: duckdb.DuckDBPyConnection, filters: Filters, bins: int = 20
) -> pd.DataFrame:
    """Scored buyers per churn-probability bin and risk tier."""
    where, params = _customer_filter(filters)
    return fetch(
        connection,
        f"""
        select
            least(floor(churn_probability * ?), ? - 1) / ? as bin_start,
            risk_tier,
            count(*) as customers
        from {CUSTOMERS}
        where risk_tier in ('high', 'medium', 'low') and {where}
        group by 1, 2
        order by 1, 2
        """,
        [bins, bins, bins, *params],
    )


def churn_drivers(
    connection: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 10
) -> pd.DataFrame:
    """The drivers most often among the top three of high-risk customers' churn scores."""
    where, params = _customer_filter(filters)
    return fetch(
        connection,
        f"""
        select driver, count(*) as customers
        from (
            select unnest([top_driver_1, top_driver_2, top_driver_3]) as driver
            from {CUSTOMERS}
            where risk_tier = 'high' and {where}
        )
        where driver is not null
        group by 1
        order by 2 desc, 1
        limit ?
        """,
        [*params, limit],
    )


def segment_profiles(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """dim_segments: one profile row per segment (a few dozen at most)."""
    return fetch(
        connection,
        """
        select
            segment_name, customers, customer_share, avg_days_since_last_order,
            avg_revenue_orders, avg_revenue, avg_order_value, avg_tenure_days,
            avg_sessions_last_90d, mobile_session_share, avg_discount_share,
            avg_returned_order_share, avg_review_sentiment, avg_tickets, silhouette_score
        from marts.dim_segments
        order by customers desc
        limit 100
        """,
        [],
    )


def value_tiers(connection: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Customers, predicted value and revenue per value tier."""
    where, params = _customer_filter(filters)
    return fetch(
        connection,
        f"""
        select
            value_tier,
            count(*) as customers,
            avg(predicted_value) as average_predicted_value,
            sum(predicted_value) as predicted_value,
            sum(revenue) as revenue
        from {CUSTOMERS}
        where {where}
        group by 1
        order by 3 desc nulls last
        """,
        params,
    )


def sentiment_monthly(connection: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Scored reviews per month: how many, average sentiment, share per label."""
    scope, params = _customer_scope(filters)
    return fetch(
        connection,
        f"""
        select
            review_month,
            count(*) as reviews,
            avg(sentiment_score) as average_sentiment,
            avg(case when sentiment_label = 'negative' then 1.0 else 0.0 end) as negative_share,
            avg(case when sentiment_label = 'positive' then 1.0 else 0.0 end) as positive_share
        from marts.fct_reviews
        where sentiment_status = 'scored' and reviewed_at::date between ? and ? and {scope}
        group by 1
        order by 1
        """,
        [filters.start, filters.end, *params],
    )


def sentiment_by_category(
    connection: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 30
) -> pd.DataFrame:
    """Scored reviews and average sentiment and rating per product category."""
    scope, params = _customer_scope(filters)
    return fetch(
        connection,
        f"""
        select
            product_category,
            count(*) as reviews,
            avg(sentiment_score) as average_sentiment,
            avg(rating) as average_rating
        from marts.fct_reviews
        where sentiment_status = 'scored' and reviewed_at::date between ? and ? and {scope}
        group by 1
        order by 2 desc
        limit ?
        """,
        [filters.start, filters.end, *params, limit],
    )


def top_customers(
    connection: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 50
) -> pd.DataFrame:
    """The highest-value customers, to pick one for the customer page."""
    where, params = _customer_filter(filters)
    return fetch(
        connection,
        f"""
        select customer_id, value_tier, predicted_value, lifecycle_stage, risk_tier
        from {CUSTOMERS}
        where value_rank is not null and {where}
        order by value_rank
        limit ?
        """,
        [*params, limit],
    )


def customer_profile(connection: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    """customer_360's row for one customer, with the next-best action's recommendations."""
    return fetch(
        connection,
        f"""
        select customers.*, actions.recommended_product_ids
        from {CUSTOMERS} as customers
        left join marts.fct_next_best_actions as actions
            on customers.customer_id = actions.customer_id
        where customers.customer_id = ?
        limit 1
        """,
        [customer_id],
    )


def recommended_products(
    connection: duckdb.DuckDBPyConnection, product_ids: list[str]
) -> pd.DataFrame:
    """Titles and categories of the recommended products, in recommendation order."""
    return fetch(
        connection,
        """
        select recommended.product_id, products.title, products.category, products.price
        from unnest(?) with ordinality as recommended(product_id, position)
        left join marts.dim_products as products
            on recommended.product_id = products.product_id
        order by recommended.position
        limit 20
        """,
        [product_ids],
    )


def recent_sessions(
    connection: duckdb.DuckDBPyConnection, customer_id: str, limit: int = 10
) -> pd.DataFrame:
    """The customer's latest sessions: the recent journey."""
    return fetch(
        connection,
        """
        select
            started_at, channel, device, landing_page, events, product_views, cart_adds,
            purchases, revenue, duration_seconds
        from marts.fct_sessions
        where customer_id = ?
        order by started_at desc
        limit ?
        """,
        [customer_id, limit],
    )
