"""One function per dashboard page. Pages read through `load`, which caches query results, and
write figures with dashboard.formatting so the browser test can read them back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, queries
from dashboard import formatting as fmt
from dashboard.queries import Filters

CACHE_SECONDS = 600


def warehouse_path() -> Path:
    return Path(os.environ.get("WAREHOUSE_PATH", "warehouse.duckdb")).resolve()


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def load(query: str, *args: Any) -> Any:
    """dashboard.queries.<query>(connection, *args), cached per argument set. Each cache miss
    opens the warehouse and closes it again, so the dashboard holds no lock between queries."""
    with queries.connect(warehouse_path()) as connection:
        return getattr(queries, query)(connection, *args)


def filters() -> Filters:
    return st.session_state["filters"]


def metrics(figures: list[tuple[str, str]]) -> None:
    for column, (label, value) in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(label, value)


def chart(figure: Any) -> None:
    st.plotly_chart(figure, width="stretch")


def side_by_side(*figures: Any) -> None:
    for column, figure in zip(st.columns(len(figures)), figures, strict=True):
        with column:
            chart(figure)


def overview() -> None:
    st.title("Overview")
    kpis = load("order_kpis", filters()).iloc[0]
    metrics(
        [
            ("Revenue", fmt.money(kpis["revenue"])),
            ("Orders", fmt.count(kpis["orders"])),
            ("Average order value", fmt.money(kpis["average_order_value"])),
            ("New customers", fmt.count(kpis["new_customers"])),
        ]
    )
    sessions = load("session_kpis", filters()).iloc[0]
    metrics(
        [
            ("Sessions", fmt.count(sessions["sessions"])),
            ("Conversion rate", fmt.rate(sessions["conversion_rate"])),
            ("Cart abandonment rate", fmt.rate(sessions["cart_abandonment_rate"])),
        ]
    )
    monthly = load("monthly_kpis", filters())
    if monthly.empty:
        st.info("No orders in the selected range.")
        return
    side_by_side(charts.monthly_trend(monthly), charts.new_customers_trend(monthly))
    chart(charts.revenue_by_category(load("revenue_by_category", filters())))
    st.caption(
        "Revenue, orders, average order value, new customers and revenue by product category are "
        "the semantic layer's metrics (saved queries monthly_kpis and revenue_by_category); the "
        "channel filter selects customers by acquisition channel and sessions by their own channel."
    )


def funnel() -> None:
    st.title("Funnel")
    stages = load("funnel_stages", filters())
    by_channel = load("funnel_by_channel_and_device", filters())
    visits = stages.loc[stages["stage_order"] == stages["stage_order"].min(), "sessions_reached"]
    purchases = stages.loc[stages["journey_stage"] == "purchase", "sessions_reached"]
    total = float(visits.sum()) if len(visits) else 0.0
    metrics(
        [
            ("Sessions", fmt.count(total)),
            ("Purchasing sessions", fmt.count(purchases.sum())),
            ("Session conversion", fmt.rate(purchases.sum() / total if total else None)),
        ]
    )
    if stages.empty:
        st.info("No sessions in the selected range.")
        return
    side_by_side(charts.funnel(stages), charts.conversion_by_channel_and_device(by_channel))
    st.caption(
        "From fct_funnel_daily (sessions by day, channel and device); the segment filter does not "
        "apply here, as the funnel is aggregated before customers are known."
    )


def cohorts() -> None:
    st.title("Cohort retention")
    retention = load("cohort_retention", filters())
    if retention.empty:
        st.info("No first-order cohorts in the selected range.")
        return
    second_month = retention[retention["months_since_first_order"] == 1]
    metrics(
        [
            ("Cohorts shown", fmt.count(retention["cohort_month"].nunique())),
            (
                "Month-1 retention",
                fmt.rate(
                    second_month["active_customers"].sum() / second_month["cohort_customers"].sum()
                    if len(second_month)
                    else None
                ),
            ),
        ]
    )
    chart(charts.retention_heatmap(retention))
    st.caption(
        "From fct_cohort_retention_monthly, the latest 24 first-order cohorts from the month the "
        "date range starts in to its end; the channel and segment filters do not apply to this "
        "aggregate."
    )


def lifecycle() -> None:
    st.title("Lifecycle stages")
    stages = load("lifecycle_stages", filters())
    metrics(
        [
            (stage, fmt.count(stages.loc[stages["lifecycle_stage"] == stage, "customers"].sum()))
            for stage in charts.STAGE_ORDER[1:]
        ]
    )
    months = load("lifecycle_flow_months")
    if not months:
        st.info("fct_lifecycle_flows_monthly is empty.")
        return
    month = st.selectbox("Month", months, format_func=lambda value: value.strftime("%Y-%m"))
    flows = load("lifecycle_flows", month)
    chart(charts.lifecycle_sankey(flows))
    chart(charts.lifecycle_history(load("lifecycle_stage_history")))
    st.caption(
        "Stage counts are as of the as-of time and follow the filters; flows come from "
        "fct_lifecycle_flows_monthly, over every customer (the filters do not apply to them)."
    )


def churn() -> None:
    st.title("Churn risk")
    kpis = load("churn_kpis", filters()).iloc[0]
    metrics(
        [
            ("Scored buyers", fmt.count(kpis["scored_customers"])),
            ("High churn risk", fmt.count(kpis["high_risk_customers"])),
            ("Share at high churn risk", fmt.rate(kpis["high_churn_risk_share"])),
            ("Average churn probability", fmt.rate(kpis["average_churn_probability"])),
        ]
    )
    distribution = load("churn_distribution", filters())
    if distribution.empty:
        st.info("No scored buyers for these filters.")
        return
    left, right = st.columns(2)
    with left:
        chart(charts.churn_histogram(distribution))
    drivers = load("churn_drivers", filters())
    with right:
        if drivers.empty:
            st.info("No high-risk customers for these filters.")
        else:
            chart(charts.churn_drivers(drivers))
    st.caption("Buyers not churned yet, scored by ml_churn_scores; drivers are SHAP top drivers.")


def segments() -> None:
    st.title("Segments")
    profiles = load("segment_profiles")
    if profiles.empty:
        st.info("dim_segments is empty.")
        return
    metrics(
        [
            ("Segments", fmt.count(len(profiles))),
            ("Segmented customers", fmt.count(profiles["customers"].sum())),
            ("Silhouette", fmt.score(profiles["silhouette_score"].iloc[0])),
        ]
    )
    chart(charts.segment_sizes(profiles))
    st.dataframe(profiles, hide_index=True)
    st.caption("Profiles from dim_segments, over every segmented customer (filters do not apply).")


def value() -> None:
    st.title("Value tiers")
    tiers = load("value_tiers", filters())
    metrics(
        [
            (f"{tier} customers", fmt.count(customers))
            for tier, customers in zip(tiers["value_tier"], tiers["customers"], strict=True)
        ]
    )
    chart(charts.value_tiers(tiers))
    st.dataframe(tiers, hide_index=True)


def sentiment() -> None:
    st.title("Review sentiment")
    monthly = load("sentiment_monthly", filters())
    categories = load("sentiment_by_category", filters())
    reviews = monthly["reviews"].sum()
    metrics(
        [
            ("Scored reviews", fmt.count(reviews)),
            (
                "Average sentiment",
                fmt.score(
                    (monthly["average_sentiment"] * monthly["reviews"]).sum() / reviews
                    if reviews
                    else None
                ),
            ),
        ]
    )
    if monthly.empty:
        st.info("No scored reviews in the selected range.")
        return
    side_by_side(charts.sentiment_trend(monthly), charts.sentiment_by_category(categories))
    st.caption(
        "Sentiment (-1 to 1) scored by ml_review_sentiment from each review's text, over the "
        "whole review (no per-aspect scores)."
    )


def customer() -> None:
    st.title("Customer")
    candidates = load("top_customers", filters())
    requested = st.query_params.get("customer_id")
    options = candidates["customer_id"].tolist()
    if requested and requested not in options:
        options.insert(0, requested)
    if not options:
        st.info("No scored customers for these filters.")
        return
    customer_id = st.selectbox(
        "Customer (highest predicted value first)",
        options,
        index=options.index(requested) if requested else 0,
    )
    profile = load("customer_profile", customer_id)
    if profile.empty:
        st.warning(f"No customer {customer_id} in customer_360.")
        return
    row = profile.iloc[0]
    metrics(
        [
            ("Lifecycle stage", row["lifecycle_stage"]),
            ("Risk tier", row["risk_tier"]),
            ("Churn probability", fmt.rate(row["churn_probability"])),
            ("Predicted value", fmt.money(row["predicted_value"])),
            ("Value tier", row["value_tier"]),
        ]
    )
    metrics(
        [
            ("Revenue orders", fmt.count(row["revenue_orders"])),
            ("Revenue", fmt.money(row["revenue"])),
            ("Days since last order", fmt.count(row["days_since_last_order"])),
            ("Reviews written", fmt.count(row["reviews_written"])),
            ("Open tickets", fmt.count(row["open_tickets"])),
        ]
    )
    st.markdown(f"**Segment:** {row['segment_name']} · **Country:** {row['country']}")
    st.subheader("Next-best action")
    st.markdown(
        f"**{row['next_best_action']}** by {row['next_best_action_channel']}: "
        f"{row['next_best_action_reason']}"
    )
    drivers = [
        row[f"top_driver_{rank}"] for rank in (1, 2, 3) if pd.notna(row[f"top_driver_{rank}"])
    ]
    st.markdown("**Churn drivers:** " + (", ".join(drivers) if drivers else "none (not scored)"))
    product_ids = row["recommended_product_ids"]
    # A null list arrives as None or pd.NA depending on the column's dtype; a list is a list.
    if not hasattr(product_ids, "__len__") or len(product_ids) == 0:
        st.caption("No product recommendations for this customer in fct_next_best_actions.")
    else:
        st.dataframe(load("recommended_products", list(product_ids)), hide_index=True)
    st.subheader("Recent journey")
    st.dataframe(load("recent_sessions", customer_id), hide_index=True)


PAGES = [
    (overview, "Overview", "overview"),
    (funnel, "Funnel", "funnel"),
    (cohorts, "Cohorts", "cohorts"),
    (lifecycle, "Lifecycle", "lifecycle"),
    (churn, "Churn risk", "churn"),
    (segments, "Segments", "segments"),
    (value, "Value tiers", "value"),
    (sentiment, "Sentiment", "sentiment"),
    (customer, "Customer", "customer"),
]
