"""Warehouses built from edited demo data: a re-fired purchase converts nothing twice, and customer
state as of a past date equals what a build of the data exported on that date reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from benchmarks.dbt_run import SQL_ONLY, dbt_build, warehouse_path
from rawdata.demo import generate

pytestmark = pytest.mark.integration

# The SQL layers only: these checks are about the marts, not the ML tables.
AS_OF = "2026-03-31"
AS_OF_END = f"timestamp '{AS_OF} 23:59:59.999999'"


def _build(raw_dir: Path, workdir: Path, *extra: str) -> duckdb.DuckDBPyConnection:
    result = dbt_build(raw_dir, workdir, *SQL_ONLY, *extra, capture=True)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
    return duckdb.connect(str(warehouse_path(workdir)), read_only=True)


def _rewrite(raw_dir: Path, table: str, select_sql: str) -> None:
    """Replace raw_dir/table.parquet with `select_sql` run over it (as the relation `raw`)."""
    path = raw_dir / f"{table}.parquet"
    with duckdb.connect() as connection:
        connection.sql(f"create table raw as select * from read_parquet('{path}')")
        connection.sql(f"copy ({select_sql}) to '{path}' (format parquet)")


@pytest.fixture(scope="module")
def demo_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("customer_state") / "raw"
    generate(out_dir=raw, customers=1500, seed=7)
    return raw


def test_refired_purchase_in_a_later_session_converts_nothing_twice(
    demo_raw: Path, tmp_path: Path
) -> None:
    """3% of purchase events fire again two days later (a bookmarked confirmation page)."""
    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    _rewrite(
        raw,
        "events",
        """
        select * from raw
        union all
        select * replace (
            'refired-' || event_id as event_id,
            event_ts + interval 2 day as event_ts
        )
        from raw
        where event_type = 'purchase' and hash(event_id) % 100 < 3
        """,
    )
    with _build(raw, tmp_path) as warehouse:
        refired = warehouse.sql(
            "select count(*) from staging.stg_shop__events where event_id like 'refired-%'"
        ).fetchall()[0][0]
        journeys_per_order = warehouse.sql(
            """
            select count(*) from (
                select order_id from marts.fct_customer_journeys
                where order_id is not null group by 1 having count(*) > 1
            )
            """
        ).fetchall()[0][0]
        converted_journeys, journey_orders = warehouse.sql(
            "select count(*) filter (where is_converted), count(distinct order_id)"
            " from marts.fct_customer_journeys"
        ).fetchall()[0]
        converted_sessions, session_orders = warehouse.sql(
            "select count(*) filter (where is_converted), sum(orders) from marts.fct_sessions"
        ).fetchall()[0]
        funnel_purchases = warehouse.sql(
            "select sum(sessions_reached) from marts.fct_funnel_daily"
            " where journey_stage = 'purchase'"
        ).fetchall()[0][0]
        purchased_orders = warehouse.sql(
            """
            select count(distinct events.order_id)
            from staging.stg_shop__events as events
            inner join marts.fct_orders as orders on events.order_id = orders.order_id
            where events.event_type = 'purchase'
            """
        ).fetchall()[0][0]
    assert refired > 20
    assert journeys_per_order == 0
    # Each purchased order converts one session and one journey, and the funnel counts it once.
    assert converted_sessions == session_orders == purchased_orders
    assert converted_journeys == journey_orders == purchased_orders
    assert funnel_purchases == purchased_orders


def _export_as_of(raw: Path) -> None:
    """Rewrite raw as the shop would have exported it at the end of AS_OF."""
    known = f"<= {AS_OF_END}"
    for table, column in {
        "events": "event_ts",
        "reviews": "created_at",
        "support_tickets": "created_at",
        "payments": "paid_at",
    }.items():
        _rewrite(raw, table, f"select * from raw where {column} {known}")
    _rewrite(
        raw,
        "orders",
        f"""
        select * replace (
            case
                when returned_at > {AS_OF_END} or delivered_at > {AS_OF_END}
                    then case
                        when delivered_at {known} then 'delivered'
                        when shipped_at {known} then 'shipped'
                        else 'placed'
                    end
                else status
            end as status,
            case when shipped_at {known} then shipped_at end as shipped_at,
            case when delivered_at {known} then delivered_at end as delivered_at,
            case when returned_at {known} then returned_at end as returned_at
        )
        from raw
        where ordered_at {known}
        """,
    )
    with duckdb.connect() as connection:
        orders = raw / "orders.parquet"
        items = raw / "order_items.parquet"
        connection.sql(
            f"create table kept as select * from read_parquet('{items}')"
            f" where order_id in (select order_id from read_parquet('{orders}'))"
        )
        connection.sql(f"copy kept to '{items}' (format parquet)")


def _rows(warehouse: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(warehouse.sql(sql).fetchall(), key=repr)


def test_customer_state_as_of_a_past_date_equals_the_export_of_that_date(
    demo_raw: Path, tmp_path: Path
) -> None:
    """Logins, returns and deliveries after the as-of date must not reach customer state."""
    as_of_vars = ("--vars", f"{{as_of_date: '{AS_OF}'}}")
    exported = tmp_path / "exported" / "raw"
    shutil.copytree(demo_raw, exported)
    _export_as_of(exported)
    customers = "select * from marts.dim_customers"
    cohorts = "select * from marts.fct_cohort_retention_monthly"
    with _build(demo_raw, tmp_path / "full", *as_of_vars) as full:
        full_customers, full_cohorts = _rows(full, customers), _rows(full, cohorts)
        later_logins = full.sql(
            f"select count(*) from staging.stg_shop__events"
            f" where event_type = 'login' and event_at > {AS_OF_END}"
        ).fetchall()[0][0]
    with _build(exported, tmp_path / "exported", *as_of_vars) as then:
        then_customers, then_cohorts = _rows(then, customers), _rows(then, cohorts)
    assert later_logins > 0
    assert len(full_customers) == len(then_customers) > 1000
    differing = [
        pair for pair in zip(full_customers, then_customers, strict=True) if pair[0] != pair[1]
    ]
    assert not differing, f"{len(differing)} customers differ, e.g. {differing[:3]}"
    assert full_cohorts == then_cohorts
