"""Plotly figures built from the frames dashboard.queries returns (pure: frame in, figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

STAGE_ORDER = ["not_signed_up", "prospect", "new", "active", "reactivated", "at_risk", "churned"]
RISK_COLOURS = {"low": "#2ca02c", "medium": "#ff7f0e", "high": "#d62728"}


def monthly_trend(monthly: pd.DataFrame) -> go.Figure:
    figure = px.bar(monthly, x="month", y="revenue", labels={"month": "", "revenue": "Revenue"})
    figure.add_scatter(
        x=monthly["month"], y=monthly["orders"], name="Orders", yaxis="y2", mode="lines+markers"
    )
    figure.update_layout(
        title="Revenue (bars) and orders (line) by month",
        yaxis2={"overlaying": "y", "side": "right", "title": "Orders"},
        showlegend=False,
    )
    return figure


def new_customers_trend(monthly: pd.DataFrame) -> go.Figure:
    return px.line(
        monthly,
        x="month",
        y="new_customers",
        markers=True,
        title="New customers by month",
        labels={"month": "", "new_customers": "New customers"},
    )


def revenue_by_category(categories: pd.DataFrame) -> go.Figure:
    return px.bar(
        categories,
        x="product_category",
        y="revenue",
        hover_data=["units"],
        title="Revenue by product category",
        labels={"product_category": "", "revenue": "Revenue"},
    )


def funnel(stages: pd.DataFrame) -> go.Figure:
    figure = go.Figure(
        go.Funnel(
            y=stages["journey_stage"],
            x=stages["sessions_reached"],
            textinfo="value+percent initial",
        )
    )
    figure.update_layout(title="Sessions reaching each stage")
    return figure


def conversion_by_channel_and_device(frame: pd.DataFrame) -> go.Figure:
    return px.bar(
        frame,
        x="channel",
        y="conversion_rate",
        color="device",
        barmode="group",
        title="Conversion rate by channel and device",
        labels={"conversion_rate": "Conversion rate", "channel": ""},
    ).update_yaxes(tickformat=".0%")


def retention_heatmap(retention: pd.DataFrame) -> go.Figure:
    grid = retention.pivot(
        index="cohort_month", columns="months_since_first_order", values="retention_rate"
    )
    grid.index = [month.strftime("%Y-%m") for month in pd.to_datetime(grid.index)]
    figure = px.imshow(
        grid,
        aspect="auto",
        color_continuous_scale="Blues",
        labels={"x": "Months since first order", "y": "Cohort", "color": "Retention"},
        title="Retention by first-order cohort",
    )
    return figure.update_traces(hovertemplate="%{y} +%{x} months: %{z:.1%}<extra></extra>")


def lifecycle_sankey(flows: pd.DataFrame) -> go.Figure:
    stages = [
        stage for stage in STAGE_ORDER if stage in set(flows["from_stage"]) | set(flows["to_stage"])
    ]
    index = {stage: position for position, stage in enumerate(stages)}
    figure = go.Figure(
        go.Sankey(
            node={
                "label": [f"{stage} (start)" for stage in stages]
                + [f"{stage} (end)" for stage in stages]
            },
            link={
                "source": [index[stage] for stage in flows["from_stage"]],
                "target": [len(stages) + index[stage] for stage in flows["to_stage"]],
                "value": flows["customers"].tolist(),
            },
        )
    )
    return figure.update_layout(title="Customers moving between lifecycle stages over the month")


def lifecycle_history(history: pd.DataFrame) -> go.Figure:
    return px.area(
        history,
        x="flow_month",
        y="customers",
        color="lifecycle_stage",
        category_orders={"lifecycle_stage": STAGE_ORDER},
        title="Customers per lifecycle stage at each month end",
        labels={"flow_month": "", "customers": "Customers"},
    )


def churn_histogram(distribution: pd.DataFrame) -> go.Figure:
    return px.bar(
        distribution,
        x="bin_start",
        y="customers",
        color="risk_tier",
        color_discrete_map=RISK_COLOURS,
        title="Scored buyers by churn probability",
        labels={"bin_start": "Churn probability (bin start)", "customers": "Customers"},
    )


def churn_drivers(drivers: pd.DataFrame) -> go.Figure:
    return px.bar(
        drivers.sort_values("customers"),
        x="customers",
        y="driver",
        orientation="h",
        title="Top churn drivers of high-risk customers",
        labels={"customers": "High-risk customers with it among their top three", "driver": ""},
    )


def segment_sizes(profiles: pd.DataFrame) -> go.Figure:
    return px.bar(
        profiles,
        x="segment_name",
        y="customers",
        hover_data=["avg_revenue", "avg_days_since_last_order"],
        title="Customers per segment",
        labels={"segment_name": "", "customers": "Customers"},
    )


def value_tiers(tiers: pd.DataFrame) -> go.Figure:
    return px.bar(
        tiers,
        x="value_tier",
        y=["predicted_value", "revenue"],
        barmode="group",
        title="Predicted value and revenue to date by value tier",
        labels={"value_tier": "", "value": "Amount", "variable": ""},
    )


def sentiment_trend(monthly: pd.DataFrame) -> go.Figure:
    figure = px.line(
        monthly,
        x="review_month",
        y=["negative_share", "positive_share"],
        markers=True,
        title="Share of negative and positive reviews by month",
        labels={"review_month": "", "value": "Share of scored reviews", "variable": ""},
    )
    return figure.update_yaxes(tickformat=".0%")


def sentiment_by_category(categories: pd.DataFrame) -> go.Figure:
    return px.scatter(
        categories,
        x="average_rating",
        y="average_sentiment",
        size="reviews",
        text="product_category",
        title="Average sentiment and rating by product category",
        labels={"average_rating": "Average rating", "average_sentiment": "Average sentiment"},
    )
