"""The semantic layer: MetricFlow validates the semantic models and metrics against a built
warehouse, and `mf query` returns the figures that SQL on the marts gives."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import dbt_build

from benchmarks.dbt_run import warehouse_path
from rawdata.demo import generate

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo warehouse `make test` built (DEMO_WAREHOUSE_DIR), else a small fresh
    one, with the semantic manifest that `mf` reads from target/ parsed beside it."""
    root = tmp_path_factory.mktemp("semantic")
    built = os.environ.get("DEMO_WAREHOUSE_DIR")
    if built:
        source = warehouse_path(Path(built))
        assert source.exists(), f"DEMO_WAREHOUSE_DIR={built} holds no built warehouse"
        path = root / "warehouse.duckdb"
        shutil.copy(source, path)  # mf connects read-write; the original stays untouched
    else:
        generate(out_dir=root / "raw", customers=600, seed=42)
        path = dbt_build(root / "raw", root)
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse", "--profiles-dir", ".", "--target", "ci"],
        cwd=ROOT,
        env={**os.environ, "WAREHOUSE_PATH": str(path)},
        capture_output=True,
        text=True,
    )
    assert parsed.returncode == 0, parsed.stdout[-4000:]
    return path


def mf(warehouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_PROJECT_DIR": str(ROOT),
        "DBT_TARGET": "ci",
        "WAREHOUSE_PATH": str(warehouse),
    }
    return subprocess.run(
        [str(BIN / "mf"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def query(warehouse: Path, tmp_path: Path, *args: str) -> pd.DataFrame:
    out = tmp_path / "query.csv"
    result = mf(warehouse, "query", *args, "--csv", str(out))
    assert result.returncode == 0 and out.exists(), result.stdout[-4000:] + result.stderr[-4000:]
    return pd.read_csv(out)


def sql(warehouse: Path, statement: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.sql(statement).df()


def test_semantic_manifest_validates_against_the_warehouse(warehouse: Path) -> None:
    result = mf(warehouse, "validate-configs")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "(ERRORS: 0" in output and not re.search(r"ERRORS: [1-9]", output), output[-4000:]


def test_monthly_revenue_orders_and_aov_equal_the_orders_mart(
    warehouse: Path, tmp_path: Path
) -> None:
    metrics = query(
        warehouse,
        tmp_path,
        "--metrics",
        "revenue,orders,average_order_value,new_customers",
        "--group-by",
        "metric_time__month",
    )
    expected = sql(
        warehouse,
        """
        select
            date_trunc('month', ordered_at) as month,
            sum(net_revenue)::double as revenue,
            count(*) filter (where is_revenue) as orders,
            count(*) filter (where is_revenue and customer_revenue_order_number = 1) as first
        from marts.fct_orders
        group by 1
        """,
    )
    metrics["month"] = pd.to_datetime(metrics["metric_time__month"])
    merged = expected.merge(metrics, on="month", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert len(merged) > 6
    pd.testing.assert_series_equal(
        merged["revenue_x"], merged["revenue_y"], check_names=False, rtol=1e-9
    )
    assert (merged["orders_x"] == merged["orders_y"]).all()
    assert (merged["first"] == merged["new_customers"]).all()
    with_orders = merged["orders_x"] > 0
    aov = merged.loc[with_orders, "revenue_x"] / merged.loc[with_orders, "orders_x"]
    pd.testing.assert_series_equal(
        aov, merged.loc[with_orders, "average_order_value"], check_names=False, rtol=1e-9
    )


def test_conversion_by_channel_equals_the_sessions_mart(warehouse: Path, tmp_path: Path) -> None:
    metrics = query(
        warehouse,
        tmp_path,
        "--metrics",
        "conversion_rate,sessions",
        "--group-by",
        "session__channel",
    )
    expected = sql(
        warehouse,
        """
        select channel, count(*) as sessions, avg(case when is_converted then 1 else 0 end) as rate
        from marts.fct_sessions
        group by 1
        """,
    )
    merged = expected.merge(metrics, left_on="channel", right_on="session__channel")
    assert len(merged) == len(expected) == len(metrics) > 3
    assert (merged["sessions_x"] == merged["sessions_y"]).all()
    pd.testing.assert_series_equal(
        merged["rate"], merged["conversion_rate"], check_names=False, rtol=1e-9
    )


def test_revenue_by_segment_and_churn_risk_share_join_through_the_customer(
    warehouse: Path, tmp_path: Path
) -> None:
    """Orders are sliced by customer_360's segment through the customer entity, and the share at
    high churn risk is that of customer_360."""
    metrics = query(
        warehouse, tmp_path, "--metrics", "revenue", "--group-by", "customer__segment_name"
    )
    expected = sql(
        warehouse,
        """
        select customers.segment_name, sum(orders.net_revenue)::double as revenue
        from marts.fct_orders as orders
        inner join marts.customer_360 as customers on orders.customer_id = customers.customer_id
        group by 1
        """,
    )
    merged = expected.merge(metrics, left_on="segment_name", right_on="customer__segment_name")
    assert len(merged) == len(expected) == len(metrics) > 2
    pd.testing.assert_series_equal(
        merged["revenue_x"], merged["revenue_y"], check_names=False, rtol=1e-9
    )

    share = query(warehouse, tmp_path, "--metrics", "high_churn_risk_share")
    expected_share = sql(
        warehouse,
        """
        select avg(case when risk_tier = 'high' then 1 else 0 end) as share
        from marts.customer_360
        where risk_tier in ('high', 'medium', 'low')
        """,
    )
    assert share["high_churn_risk_share"].iloc[0] == pytest.approx(expected_share["share"].iloc[0])


def test_customer_rates_equal_customer_360(warehouse: Path, tmp_path: Path) -> None:
    metrics = query(
        warehouse,
        tmp_path,
        "--metrics",
        "repeat_purchase_rate,churn_rate,tickets_per_order,cart_abandonment_rate,"
        "predicted_customer_value,average_review_sentiment",
    )
    customers = sql(
        warehouse,
        """
        select
            avg(case when revenue_orders >= 2 then 1 else 0 end)
                filter (where revenue_orders >= 1) as repeat_purchase_rate,
            avg(case when lifecycle_stage = 'churned' then 1 else 0 end)
                filter (where revenue_orders >= 1) as churn_rate,
            sum(tickets_opened) filter (where revenue_orders >= 1) / sum(revenue_orders)
                as tickets_per_order,
            avg(predicted_value) as predicted_customer_value,
            avg(average_review_sentiment) as average_review_sentiment
        from marts.customer_360
        """,
    )
    sessions = sql(
        warehouse,
        """
        select avg(case when is_converted then 0 else 1 end) as cart_abandonment_rate
        from marts.fct_sessions
        where cart_adds > 0
        """,
    )
    expected = {**customers.iloc[0].to_dict(), **sessions.iloc[0].to_dict()}
    for name, value in expected.items():
        assert value > 0 if name == "predicted_customer_value" else -1 < value < 1, (name, value)
        assert metrics[name].iloc[0] == pytest.approx(value), name


@pytest.mark.parametrize(
    "saved_query",
    [
        "monthly_kpis",
        "conversion_by_channel_and_device",
        "customers_by_segment",
        "cohort_retention",
        "review_sentiment_by_category",
        "revenue_by_category",
    ],
)
def test_saved_queries_run(warehouse: Path, tmp_path: Path, saved_query: str) -> None:
    result = query(warehouse, tmp_path, "--saved-query", saved_query)
    assert len(result) > 1 and result.notna().any().all(), result


def test_dashboard_queries_give_the_saved_queries_figures(warehouse: Path, tmp_path: Path) -> None:
    """The dashboard computes its KPIs in its own SQL (bounded, filterable); unfiltered they are
    the semantic layer's: the monthly_kpis saved query, conversion and cart abandonment, and the
    share at high churn risk."""
    from dashboard import queries

    saved = query(warehouse, tmp_path, "--saved-query", "monthly_kpis")
    totals = query(
        warehouse,
        tmp_path,
        "--metrics",
        "sessions,conversion_rate,cart_abandonment_rate,high_churn_risk_share",
    )
    with queries.connect(warehouse) as connection:
        options = queries.filter_options(connection)
        everything = queries.Filters(start=options["first_day"], end=options["last_day"])
        monthly = queries.monthly_kpis(connection, everything)
        sessions = queries.session_kpis(connection, everything).iloc[0]
        churn = queries.churn_kpis(connection, everything).iloc[0]
    saved["month"] = pd.to_datetime(saved["metric_time__month"])
    monthly["month"] = pd.to_datetime(monthly["month"])
    merged = saved.merge(monthly, on="month", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) > 6, merged
    for metric in ("revenue", "orders", "average_order_value", "new_customers"):
        pd.testing.assert_series_equal(
            merged[f"{metric}_x"].astype(float),
            merged[f"{metric}_y"].astype(float),
            check_names=False,
            rtol=1e-9,
        )
    assert sessions["sessions"] == totals["sessions"].iloc[0]
    for metric in ("conversion_rate", "cart_abandonment_rate"):
        assert sessions[metric] == pytest.approx(totals[metric].iloc[0]), metric
    assert churn["high_churn_risk_share"] == pytest.approx(totals["high_churn_risk_share"].iloc[0])


def test_retention_by_cohort_month_equals_the_cohort_mart(warehouse: Path, tmp_path: Path) -> None:
    result = query(warehouse, tmp_path, "--saved-query", "cohort_retention")
    expected = sql(
        warehouse,
        "select cohort_month, months_since_first_order, cohort_customers, retention_rate "
        "from marts.fct_cohort_retention_monthly",
    )
    result["cohort_month"] = pd.to_datetime(result["cohort__cohort_month__month"])
    expected["cohort_month"] = pd.to_datetime(expected["cohort_month"])
    merged = expected.merge(
        result,
        left_on=["cohort_month", "months_since_first_order"],
        right_on=["cohort_month", "cohort__months_since_first_order"],
        how="outer",
        indicator=True,
    )
    assert (merged["_merge"] == "both").all() and len(merged) > 20, merged
    assert (merged["cohort_customers"] == merged["cohort_size"]).all()
    pd.testing.assert_series_equal(
        merged["retention_rate"], merged["cohort_retention_rate"], check_names=False, rtol=1e-9
    )


def test_review_sentiment_by_category_equals_the_reviews_mart(
    warehouse: Path, tmp_path: Path
) -> None:
    result = query(
        warehouse,
        tmp_path,
        "--metrics",
        "scored_reviews,sentiment_per_review,negative_review_share",
        "--group-by",
        "review__product_category",
    )
    expected = sql(
        warehouse,
        """
        select
            product_category,
            count(*) as reviews,
            avg(sentiment_score) as sentiment,
            avg(case when sentiment_label = 'negative' then 1 else 0 end) as negative
        from marts.fct_reviews
        where sentiment_status = 'scored'
        group by 1
        """,
    )
    merged = expected.merge(result, left_on="product_category", right_on="review__product_category")
    assert len(merged) == len(expected) == len(result) > 2
    assert (merged["reviews"] == merged["scored_reviews"]).all()
    for ours, theirs in (
        ("sentiment", "sentiment_per_review"),
        ("negative", "negative_review_share"),
    ):
        pd.testing.assert_series_equal(merged[ours], merged[theirs], check_names=False, rtol=1e-9)


def test_revenue_by_product_category_adds_up_to_revenue(warehouse: Path, tmp_path: Path) -> None:
    result = query(
        warehouse,
        tmp_path,
        "--metrics",
        "item_revenue",
        "--group-by",
        "order_item__product_category",
    )
    expected = sql(
        warehouse,
        "select product_category, sum(net_revenue)::double as revenue "
        "from marts.fct_order_items group by 1",
    )
    merged = expected.merge(
        result, left_on="product_category", right_on="order_item__product_category"
    )
    assert len(merged) == len(expected) == len(result) > 2
    pd.testing.assert_series_equal(
        merged["revenue"], merged["item_revenue"], check_names=False, rtol=1e-9
    )
    total = sql(warehouse, "select sum(net_revenue)::double as revenue from marts.fct_orders")
    assert result["item_revenue"].sum() == pytest.approx(total["revenue"].iloc[0])
