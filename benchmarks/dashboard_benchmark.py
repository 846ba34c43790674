"""Dashboard page load times at the demo scale and at a large scale, side by side in one run.

The large warehouse is the built demo warehouse replicated: every customer becomes `factor`
customers (keys suffixed, so they stay unique), each with copies of their orders, sessions,
reviews and next-best action, and the aggregate marts (funnel, cohorts, segments, lifecycle
flows) have their counts multiplied by the same factor. Distributions stay those of the demo
data; what grows is the number of rows every dashboard query has to scan. For each page it
prints the time its queries take in DuckDB on a fresh connection, and the time until the page
has settled in the browser with nothing cached for it, at both scales, and their ratio.

    python -m benchmarks.dashboard_benchmark --customers 1000000
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from benchmarks.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MISSING_CHROMIUM,
    error_texts,
    settle,
    start_dashboard,
    stop_dashboard,
)
from benchmarks.dbt_run import ROOT
from dashboard import queries
from dashboard.queries import Filters

# Per replicated table, the key columns rewritten so that each copy is a distinct entity.
REPLICATED = {
    "marts.customer_360": ["customer_id"],
    "marts.fct_orders": ["order_id", "customer_id"],
    "marts.fct_order_items": ["order_item_id", "order_id", "customer_id"],
    "marts.fct_sessions": ["session_id", "journey_id", "visitor_id", "customer_id", "person_id"],
    "marts.fct_reviews": ["review_id", "customer_id", "order_id"],
    "marts.fct_next_best_actions": ["customer_id"],
}
# Per aggregate table, the count columns multiplied by the factor.
SCALED = {
    "marts.fct_funnel_daily": ["sessions", "sessions_reached"],
    "marts.fct_cohort_retention_monthly": [
        "cohort_customers", "active_customers", "orders", "revenue",
    ],
    "marts.dim_segments": ["customers"],
    "marts.fct_lifecycle_flows_monthly": ["customers"],
}  # fmt: skip
COPIED = ["marts.dim_products"]


def replicate(source: Path, target: Path, customers: int) -> int:
    """Write the replicated warehouse to `target`; returns the factor used."""
    target.unlink(missing_ok=True)
    with duckdb.connect(str(target)) as connection:
        connection.execute(f"attach '{source}' as source (read_only)")
        (demo_customers,) = connection.sql(
            "select count(*) from source.marts.customer_360"
        ).fetchall()[0]
        factor = max(1, math.ceil(customers / demo_customers))
        connection.execute("create schema marts")
        for table, keys in REPLICATED.items():
            started = time.perf_counter()
            rewritten = ", ".join(f"{key} || '~' || copy as {key}" for key in keys)
            extra = ", value_rank * {f} + copy as value_rank" if table.endswith("360") else ""
            connection.execute(
                f"create table {table} as select * exclude (copy) replace ({rewritten}"
                f"{extra.format(f=factor)}) from source.{table}, range({factor}) as copies(copy)"
            )
            (rows,) = connection.sql(f"select count(*) from {table}").fetchall()[0]
            seconds = time.perf_counter() - started
            print(f"  {table}: {rows:,} rows ({rows / seconds:,.0f} rows/s)", flush=True)
        for table, columns in SCALED.items():
            scaled = ", ".join(f"{column} * {factor} as {column}" for column in columns)
            connection.execute(
                f"create table {table} as select * replace ({scaled}) from source.{table}"
            )
        for table in COPIED:
            connection.execute(f"create table {table} as select * from source.{table}")
        connection.execute("detach source")
    return factor


def default_filters(connection: duckdb.DuckDBPyConnection) -> Filters:
    options = queries.filter_options(connection)
    return Filters(start=options["first_day"], end=options["last_day"])


def page_queries(
    connection: duckdb.DuckDBPyConnection,
) -> dict[str, list[Callable[[], object]]]:
    """The queries each page runs with the default filters (the customer page for the
    highest-value customer)."""
    filters = default_filters(connection)
    top = queries.top_customers(connection, filters, limit=1)["customer_id"].iloc[0]
    months = queries.lifecycle_flow_months(connection)

    def run(name: str, *args: object) -> Callable[[], object]:
        return lambda: getattr(queries, name)(connection, *args)

    return {
        "overview": [
            run(name, filters)
            for name in ("order_kpis", "session_kpis", "monthly_kpis", "revenue_by_category")
        ],
        "funnel": [run("funnel_stages", filters), run("funnel_by_channel_and_device", filters)],
        "cohorts": [run("cohort_retention", filters)],
        "lifecycle": [
            run("lifecycle_stages", filters),
            run("lifecycle_flows", months[0]),
            run("lifecycle_stage_history"),
        ],
        "churn": [
            run(name, filters) for name in ("churn_kpis", "churn_distribution", "churn_drivers")
        ],
        "segments": [run("segment_profiles")],
        "value": [run("value_tiers", filters)],
        "sentiment": [run("sentiment_monthly", filters), run("sentiment_by_category", filters)],
        "customer": [
            run("top_customers", filters),
            run("customer_profile", top),
            run("recent_sessions", top),
        ],
    }


def query_seconds(warehouse: Path) -> dict[str, float]:
    """Seconds the page's queries take, on a fresh read-only connection (DuckDB's caches cold)."""
    with queries.connect(warehouse) as connection:
        timings = {}
        for page, runs in page_queries(connection).items():
            started = time.perf_counter()
            for query in runs:
                query()
            timings[page] = time.perf_counter() - started
    return timings


def browser_seconds(warehouse: Path, pages: list[str], workdir: Path) -> dict[str, float]:
    """Seconds from navigation until each page has settled, in a new browser tab each, on one
    Streamlit process started for this warehouse: a page's queries run for the first time
    (nothing cached for them), as when a user opens it. The first page also pays for the
    process's first script run (imports, the sidebar's options)."""
    from playwright.sync_api import sync_playwright

    timings = {}
    process, url = start_dashboard(warehouse, workdir / "streamlit.log")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for path in pages:
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                started = time.perf_counter()
                page.goto(url if path == pages[0] else f"{url}/{path}")
                timings[path] = settle(page) - started
                errors = error_texts(page)
                if errors:
                    raise RuntimeError(f"page {path} shows errors at {warehouse}: {errors}")
                page.close()
            browser.close()
    finally:
        stop_dashboard(process)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=ROOT / "target" / "ci" / "warehouse.duckdb",
        help="a built demo warehouse (default: the one `make dbt-ci` builds)",
    )
    parser.add_argument("--customers", type=int, default=1_000_000, help="large-scale customers")
    parser.add_argument("--workdir", type=Path, default=ROOT / "target" / "bench-dashboard")
    parser.add_argument("--skip-browser", action="store_true", help="query times only")
    parser.add_argument(
        "--keep", action="store_true", help="keep the replicated warehouse (about 1 GB at 1M)"
    )
    args = parser.parse_args()
    if not args.warehouse.exists():
        sys.exit(f"no warehouse at {args.warehouse}: run `make dbt-ci` or pass --warehouse")
    browser = not args.skip_browser
    if browser and not CHROMIUM.exists():
        sys.exit(f"{MISSING_CHROMIUM}; or pass --skip-browser")

    args.workdir.mkdir(parents=True, exist_ok=True)
    demo = args.workdir / "demo.duckdb"
    shutil.copy(args.warehouse, demo)  # the same file layout as the large one, read-only use
    large = args.workdir / f"customers_{args.customers}.duckdb"
    print(f"replicating {args.warehouse} to {args.customers:,} customers in {large}", flush=True)
    started = time.perf_counter()
    factor = replicate(args.warehouse, large, args.customers)
    print(f"  factor {factor}, {time.perf_counter() - started:.1f} s", flush=True)

    with queries.connect(demo) as connection:
        pages = list(page_queries(connection))  # in the dashboard's order, overview first
    try:
        results = {}
        for label, warehouse in (("demo", demo), ("large", large)):
            with queries.connect(warehouse) as connection:
                (customers,) = connection.sql("select count(*) from marts.customer_360").fetchall()[
                    0
                ]
            print(f"measuring {label} ({customers:,} customers)", flush=True)
            results[label] = {"customers": customers, "queries": query_seconds(warehouse)}
            if browser:
                with tempfile.TemporaryDirectory() as logs:
                    results[label]["browser"] = browser_seconds(warehouse, pages, Path(logs))

        demo_n, large_n = results["demo"]["customers"], results["large"]["customers"]
        print(f"\npage load times, {demo_n:,} vs {large_n:,} customers (seconds)")
        header = f"{'page':<11}{'queries':>10}{'queries':>10}{'ratio':>7}"
        if browser:
            header += f"{'browser':>10}{'browser':>10}{'ratio':>7}"
        print(header)
        for page in pages:
            row = f"{page:<11}"
            for kind in ("queries", "browser") if browser else ("queries",):
                small, big = results["demo"][kind][page], results["large"][kind][page]
                row += f"{small:>10.3f}{big:>10.3f}{big / small:>7.1f}"
            print(row)
    finally:
        if not args.keep:
            demo.unlink()
            large.unlink()


if __name__ == "__main__":
    main()
