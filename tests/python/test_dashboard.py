"""The dashboard: its queries against SQL written here on the marts, and every page loaded in a
real browser (Debian's chromium driven by Playwright) against a built warehouse, checking that
the figures shown are the marts' figures and that every chart drew its data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import dbt_build

from benchmarks.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MISSING_CHROMIUM,
    chart_points,
    error_texts,
    settle,
    shown_figures,
    start_dashboard,
    stop_dashboard,
)
from benchmarks.dbt_run import warehouse_path
from dashboard import queries
from dashboard.formatting import parse
from dashboard.queries import Filters
from rawdata.demo import generate

pytestmark = pytest.mark.integration

# A process that holds the write lock on a DuckDB file, as a build does.
LOCK_HOLDER = (
    "import sys, time, duckdb\n"
    "connection = duckdb.connect(sys.argv[1])\n"
    "print('locked', flush=True)\n"
    "time.sleep(60)\n"
)
PAGES = ["overview", "funnel", "cohorts", "lifecycle", "churn", "segments", "value", "sentiment"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse `make test` built (DEMO_WAREHOUSE_DIR), else a small fresh one."""
    built = os.environ.get("DEMO_WAREHOUSE_DIR")
    if built:
        path = warehouse_path(Path(built))
        assert path.exists(), f"DEMO_WAREHOUSE_DIR={built} holds no built warehouse"
        return path
    root = tmp_path_factory.mktemp("dashboard")
    generate(out_dir=root / "raw", customers=600, seed=42)
    return dbt_build(root / "raw", root)


@pytest.fixture(scope="module")
def connection(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with queries.connect(warehouse) as connection:
        yield connection


def one(connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    rows = connection.cursor().execute(sql, params or []).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def full_range(connection: duckdb.DuckDBPyConnection, **kwargs: tuple[str, ...]) -> Filters:
    first, last = one(
        connection, "select min(ordered_at)::date, max(ordered_at)::date from marts.fct_orders"
    )
    return Filters(start=first, end=last, **kwargs)


# Queries ------------------------------------------------------------------------------------


def test_order_kpis_over_everything_equal_the_orders_mart(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    kpis = queries.order_kpis(connection, full_range(connection)).iloc[0]
    revenue, orders, first_orders = one(
        connection,
        """
        select sum(net_revenue), count(*) filter (where is_revenue),
               count(*) filter (where is_revenue and customer_revenue_order_number = 1)
        from marts.fct_orders
        """,
    )
    assert orders > 100
    assert kpis["revenue"] == pytest.approx(float(revenue))
    assert (kpis["orders"], kpis["new_customers"]) == (orders, first_orders)
    assert kpis["average_order_value"] == pytest.approx(float(revenue) / orders)
    categories = queries.revenue_by_category(connection, full_range(connection))
    assert len(categories) > 2 and categories["revenue"].sum() == pytest.approx(float(revenue))


def test_channel_and_segment_filters_select_customers(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    """Orders narrowed by the customers' acquisition channel and segment, and the monthly trend
    adding up to the same total."""
    channel, segment = one(
        connection,
        """
        select acquisition_channel, segment_name from marts.customer_360
        where revenue_orders > 0 and segment_name is not null
        group by 1, 2 order by count(*) desc limit 1
        """,
    )
    filters = full_range(connection, channels=(channel,), segments=(segment,))
    (expected,) = one(
        connection,
        """
        select sum(orders.net_revenue) from marts.fct_orders as orders
        inner join marts.customer_360 as customers on orders.customer_id = customers.customer_id
        where customers.acquisition_channel = ? and customers.segment_name = ?
        """,
        [channel, segment],
    )
    (everything,) = one(connection, "select sum(net_revenue) from marts.fct_orders")
    kpis = queries.order_kpis(connection, filters).iloc[0]
    assert 0 < kpis["revenue"] < float(everything)
    assert kpis["revenue"] == pytest.approx(float(expected))
    assert queries.monthly_kpis(connection, filters)["revenue"].sum() == pytest.approx(
        float(expected)
    )


def test_date_range_narrows_orders_and_sessions(connection: duckdb.DuckDBPyConnection) -> None:
    everything = full_range(connection)
    last_year = Filters(start=date(everything.end.year, 1, 1), end=everything.end)
    revenue, sessions = one(
        connection,
        """
        select
            (select sum(net_revenue) from marts.fct_orders where ordered_at::date between ? and ?),
            (select count(*) from marts.fct_sessions where session_date between ? and ?)
        """,
        [last_year.start, last_year.end] * 2,
    )
    assert queries.order_kpis(connection, last_year).iloc[0]["revenue"] == pytest.approx(
        float(revenue)
    )
    assert queries.session_kpis(connection, last_year).iloc[0]["sessions"] == sessions
    assert sessions < queries.session_kpis(connection, everything).iloc[0]["sessions"]


def test_funnel_sessions_reconcile_with_the_sessions_mart(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    filters = Filters(start=date(2000, 1, 1), end=date(2100, 1, 1))
    by_channel = queries.funnel_by_channel_and_device(connection, filters)
    expected = connection.sql(
        "select channel, device, count(*) as sessions, count(*) filter (where purchases > 0) "
        "as purchases from marts.fct_sessions group by 1, 2"
    ).df()
    merged = expected.merge(by_channel, on=["channel", "device"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) > 4, merged
    assert (merged["sessions_x"] == merged["sessions_y"]).all()
    assert (merged["purchases_x"] == merged["purchases_y"].fillna(0)).all()
    stages = queries.funnel_stages(connection, filters)
    assert stages["sessions_reached"].is_monotonic_decreasing
    assert stages["sessions_reached"].iloc[0] == expected["sessions"].sum()


def test_customer_grain_queries_add_up_to_customer_360(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    filters = full_range(connection)
    customers, scored, high = one(
        connection,
        """
        select count(*), count(*) filter (where risk_tier in ('high', 'medium', 'low')),
               count(*) filter (where risk_tier = 'high')
        from marts.customer_360
        """,
    )
    assert queries.lifecycle_stages(connection, filters)["customers"].sum() == customers
    assert queries.value_tiers(connection, filters)["customers"].sum() == customers
    assert queries.churn_distribution(connection, filters)["customers"].sum() == scored
    kpis = queries.churn_kpis(connection, filters).iloc[0]
    assert (kpis["scored_customers"], kpis["high_risk_customers"]) == (scored, high)
    drivers = queries.churn_drivers(connection, filters)
    assert 0 < len(drivers) <= 10 and drivers["customers"].max() <= high


def test_session_filters_use_the_session_channel_and_the_customers_segment(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    everything = Filters(start=date(2000, 1, 1), end=date(2100, 1, 1))
    channel, segment = one(
        connection,
        """
        select sessions.channel, customers.segment_name
        from marts.fct_sessions as sessions
        inner join marts.customer_360 as customers on sessions.customer_id = customers.customer_id
        where customers.segment_name is not null
        group by 1, 2 order by count(*) desc limit 1
        """,
    )
    (by_channel,) = one(
        connection, "select count(*) from marts.fct_sessions where channel = ?", [channel]
    )
    (by_both,) = one(
        connection,
        """
        select count(*) from marts.fct_sessions as sessions
        inner join marts.customer_360 as customers on sessions.customer_id = customers.customer_id
        where sessions.channel = ? and customers.segment_name = ?
        """,
        [channel, segment],
    )
    narrowed = queries.session_kpis(connection, replace(everything, channels=(channel,)))
    assert narrowed.iloc[0]["sessions"] == by_channel
    both = replace(everything, channels=(channel,), segments=(segment,))
    assert 0 < by_both < by_channel
    assert queries.session_kpis(connection, both).iloc[0]["sessions"] == by_both
    stages = queries.funnel_stages(connection, replace(everything, channels=(channel,)))
    assert stages["sessions_reached"].iloc[0] == by_channel


def test_review_queries_follow_the_segment_filter(connection: duckdb.DuckDBPyConnection) -> None:
    (segment,) = one(
        connection,
        """
        select customers.segment_name from marts.fct_reviews as reviews
        inner join marts.customer_360 as customers on reviews.customer_id = customers.customer_id
        where customers.segment_name is not null and reviews.sentiment_status = 'scored'
        group by 1 order by count(*) desc limit 1
        """,
    )
    reviews, sentiment = one(
        connection,
        """
        select count(*), avg(reviews.sentiment_score) from marts.fct_reviews as reviews
        inner join marts.customer_360 as customers on reviews.customer_id = customers.customer_id
        where customers.segment_name = ? and reviews.sentiment_status = 'scored'
        """,
        [segment],
    )
    filters = Filters(start=date(2000, 1, 1), end=date(2100, 1, 1), segments=(segment,))
    monthly = queries.sentiment_monthly(connection, filters)
    assert monthly["reviews"].sum() == reviews
    weighted = (monthly["average_sentiment"] * monthly["reviews"]).sum() / reviews
    assert weighted == pytest.approx(sentiment)
    assert queries.sentiment_by_category(connection, filters)["reviews"].sum() == reviews


def test_cohorts_include_the_month_the_range_starts_in(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    (second,) = one(
        connection,
        "select distinct cohort_month from marts.fct_cohort_retention_monthly "
        "order by 1 limit 1 offset 1",
    )
    mid_month = Filters(start=second + timedelta(days=14), end=date(2100, 1, 1))
    retention = queries.cohort_retention(connection, mid_month, max_cohorts=1000)
    assert pd.Timestamp(retention["cohort_month"].min()).date() == second


def test_date_bounds_span_orders_sessions_and_reviews(tmp_path: Path) -> None:
    """Sessions after the last order and reviews before the first stay in the default range."""
    path = tmp_path / "bounds.duckdb"
    with duckdb.connect(str(path)) as build:
        build.execute(
            """
            create schema marts;
            create table marts.fct_orders as select timestamp '2025-03-10 10:00' as ordered_at;
            create table marts.fct_sessions as select timestamp '2025-06-30 23:00' as started_at;
            create table marts.fct_reviews as select timestamp '2025-01-02 08:00' as reviewed_at;
            create table marts.fct_funnel_daily as select 'email' as channel;
            create table marts.customer_360 as select 'paid_search' as acquisition_channel;
            create table marts.dim_segments as select 1 as segment_id, 'loyal' as segment_name;
            """
        )
    with queries.connect(path) as connection:
        options = queries.filter_options(connection)
    assert (options["first_day"], options["last_day"]) == (date(2025, 1, 2), date(2025, 6, 30))
    assert options["channels"] == ["email", "paid_search"] and options["segments"] == ["loyal"]


def test_missing_warehouse_table_or_lock_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(queries.WarehouseNotBuilt, match="make build"):
        queries.connect(tmp_path / "absent.duckdb")
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with (
        queries.connect(path) as empty,
        pytest.raises(queries.WarehouseNotBuilt, match="make build"),
    ):
        queries.order_kpis(empty, Filters(start=date(2025, 1, 1), end=date(2025, 12, 31)))
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"not a database" * 1000)
    with pytest.raises(queries.WarehouseNotBuilt, match="cannot open .* as a DuckDB warehouse"):
        queries.connect(garbage)
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(queries.WarehouseNotBuilt, match="locked by another process"):
            queries.connect(path)
    finally:
        holder.kill()
        holder.wait()


# Browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{MISSING_CHROMIUM}; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def dashboard(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("dashboard-log") / "streamlit.log"
    process, url = start_dashboard(warehouse, log)
    yield url
    stop_dashboard(process)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where page screenshots go: DEMO_WAREHOUSE_DIR/screenshots under `make test`."""
    built = os.environ.get("DEMO_WAREHOUSE_DIR")
    folder = Path(built) / "screenshots" if built else tmp_path_factory.mktemp("screenshots")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def open_page(browser, url: str, screenshot: Path):  # noqa: ANN001, ANN201 (Playwright objects)
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(url)
    settle(page)
    page.screenshot(path=str(screenshot), full_page=True)
    return page


def assert_no_errors(page) -> None:  # noqa: ANN001
    errors = error_texts(page)
    assert not errors, (page.url, errors)


def expected_figures(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """What each page must show with the default filters (a date range spanning all orders,
    sessions and reviews), computed here from the marts."""
    revenue, orders, new = one(
        connection,
        "select sum(net_revenue), count(*) filter (where is_revenue), count(*) filter "
        "(where is_revenue and customer_revenue_order_number = 1) from marts.fct_orders",
    )
    sessions, conversion, purchasing = one(
        connection,
        """
        select count(*), avg(case when is_converted then 1 else 0 end),
               count(*) filter (where purchases > 0)
        from marts.fct_sessions
        """,
    )
    scored, high = one(
        connection,
        "select count(*) filter (where risk_tier in ('high', 'medium', 'low')), "
        "count(*) filter (where risk_tier = 'high') from marts.customer_360",
    )
    stages = dict(
        connection.sql(
            "select lifecycle_stage, count(*) from marts.customer_360 group by 1"
        ).fetchall()
    )
    reviews, sentiment = one(
        connection,
        "select count(*), avg(sentiment_score) from marts.fct_reviews "
        "where sentiment_status = 'scored'",
    )
    segments, segmented = one(connection, "select count(*), sum(customers) from marts.dim_segments")
    return {
        "overview": {
            "Revenue": float(revenue),
            "Orders": orders,
            "Average order value": float(revenue) / orders,
            "New customers": new,
            "Sessions": sessions,
            "Conversion rate": conversion,
        },
        "funnel": {"Sessions": sessions, "Purchasing sessions": purchasing},
        "lifecycle": {
            stage: stages.get(stage, 0)
            for stage in ("prospect", "new", "active", "reactivated", "at_risk", "churned")
        },
        "churn": {
            "Scored buyers": scored,
            "High churn risk": high,
            "Share at high churn risk": high / scored,
        },
        "segments": {"Segments": segments, "Segmented customers": segmented},
        "sentiment": {"Scored reviews": reviews, "Average sentiment": sentiment},
    }


def display_tolerance(text: str) -> float:
    """Half a unit of the last digit shown: figures are rounded to the cent, 0.1 % or 0.001."""
    decimals = len(text.rstrip("%").partition(".")[2])
    unit = 10.0**-decimals / (100 if text.endswith("%") else 1)
    return unit / 2 + 1e-9


def assert_shows(shown: dict[str, str], expected: dict[str, float], page: str) -> None:
    for label, value in expected.items():
        assert label in shown, (page, label, shown)
        assert parse(shown[label]) == pytest.approx(value, abs=display_tolerance(shown[label])), (
            page,
            label,
            shown[label],
            value,
        )


def test_every_page_shows_the_marts_figures_and_draws_its_charts(
    browser, dashboard: str, connection: duckdb.DuckDBPyConnection, screenshots: Path
) -> None:  # noqa: ANN001
    expected = expected_figures(connection)
    minimum_charts = {"overview": 3, "funnel": 2, "cohorts": 1, "lifecycle": 2, "churn": 2,
                      "segments": 1, "value": 1, "sentiment": 2}  # fmt: skip
    for name in PAGES:
        path = "" if name == PAGES[0] else name  # the default page lives at the root
        page = open_page(browser, f"{dashboard}/{path}", screenshots / f"{name}.png")
        assert_no_errors(page)
        assert_shows(shown_figures(page), expected.get(name, {}), name)
        points = chart_points(page)
        assert len(points) >= minimum_charts[name] and all(points), (name, points)
        page.close()


def test_customer_page_shows_the_customer_360_row(
    browser, dashboard: str, connection: duckdb.DuckDBPyConnection, screenshots: Path
) -> None:  # noqa: ANN001
    customer_id, stage, tier, churn, value, orders = one(
        connection,
        """
        select customer_id, lifecycle_stage, risk_tier, churn_probability, predicted_value,
               revenue_orders
        from marts.customer_360
        where risk_tier in ('high', 'medium', 'low')
        order by value_rank desc
        limit 1
        """,
    )
    page = open_page(
        browser, f"{dashboard}/customer?customer_id={customer_id}", screenshots / "customer.png"
    )
    assert_no_errors(page)
    shown = shown_figures(page)
    assert (shown["Lifecycle stage"], shown["Risk tier"]) == (stage, tier)
    assert parse(shown["Churn probability"]) == pytest.approx(churn, abs=0.0005)
    assert parse(shown["Predicted value"]) == pytest.approx(value, abs=0.005)
    assert parse(shown["Revenue orders"]) == orders
    (sessions,) = one(
        connection, "select count(*) from marts.fct_sessions where customer_id = ?", [customer_id]
    )
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Next-best action" in text and "Recent journey" in text
    assert page.locator('[data-testid="stDataFrame"]').count() >= (1 if sessions else 0)
    page.close()


def test_customer_page_of_a_prospect_shows_what_is_not_scored(
    browser, dashboard: str, connection: duckdb.DuckDBPyConnection, screenshots: Path
) -> None:  # noqa: ANN001
    """A customer without orders has null scores and days: the page says n/a, it does not fail."""
    (customer_id,) = one(
        connection,
        "select customer_id from marts.customer_360 where revenue_orders = 0 "
        "order by customer_id limit 1",
    )
    page = open_page(
        browser,
        f"{dashboard}/customer?customer_id={customer_id}",
        screenshots / "customer-prospect.png",
    )
    assert_no_errors(page)
    shown = shown_figures(page)
    assert shown["Lifecycle stage"] == "prospect" and shown["Revenue orders"] == "0"
    assert shown["Days since last order"] == "n/a" and shown["Predicted value"] == "n/a"
    page.close()


def test_segment_filter_narrows_the_overview(
    browser, dashboard: str, connection: duckdb.DuckDBPyConnection, screenshots: Path
) -> None:  # noqa: ANN001
    segment, revenue = one(
        connection,
        """
        select customers.segment_name, sum(orders.net_revenue)
        from marts.fct_orders as orders
        inner join marts.customer_360 as customers on orders.customer_id = customers.customer_id
        where customers.segment_name is not null
        group by 1 order by 2 desc limit 1
        """,
    )
    page = open_page(browser, dashboard, screenshots / "overview-unfiltered.png")
    select = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').nth(1)
    select.click()
    page.get_by_role("option", name=segment, exact=True).click()
    page.keyboard.press("Escape")
    settle(page)
    page.screenshot(path=str(screenshots / "overview-segment.png"), full_page=True)
    assert_no_errors(page)
    assert parse(shown_figures(page)["Revenue"]) == pytest.approx(float(revenue), abs=0.005)
    page.close()


def test_a_missing_warehouse_is_reported_on_the_page(browser, tmp_path: Path) -> None:  # noqa: ANN001
    process, url = start_dashboard(tmp_path / "absent.duckdb", tmp_path / "streamlit.log")
    try:
        page = browser.new_page()
        page.goto(url)
        settle(page)
        alert = page.locator('[data-testid="stAlert"]').inner_text()
        assert "no warehouse at" in alert and "make build" in alert, alert
        page.close()
    finally:
        stop_dashboard(process)
