"""The marts build from real shop exports mapped by the importers (skipped without the datasets)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import DATASETS, BuildWarehouse

from ml.reference_data import cdnow_file
from rawdata.importers import run_import

pytestmark = pytest.mark.integration


def _scalar(connection: duckdb.DuckDBPyConnection, query: str) -> object:
    return connection.sql(query).fetchall()[0][0]


def _distinct(connection: duckdb.DuckDBPyConnection, column: str, relation: str) -> set[object]:
    return {
        row[0] for row in connection.sql(f"select distinct {column} from {relation}").fetchall()
    }


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real export not available at {path} (set SHOP_DATASETS_DIR)")
    return path


def test_olist_export_builds_every_mart(tmp_path: Path, build_warehouse: BuildWarehouse) -> None:
    source = _require(DATASETS / "olist")
    raw = tmp_path / "raw"
    report = run_import("olist", source, raw)
    warehouse = build_warehouse(raw)

    written_orders = report["tables"]["orders"]["rows_written"]
    staged = _scalar(warehouse, "select count(*) from staging.stg_shop__orders")
    quarantined = _scalar(
        warehouse,
        "select count(*) from staging.stg_shop__quarantine where source_table = 'orders'",
    )
    assert staged + quarantined == written_orders
    assert _scalar(warehouse, "select count(*) from marts.fct_orders") == staged
    # Olist statuses (delivered, shipped, canceled, unavailable, ...) all map through the seed.
    assert quarantined == 0
    customers = _scalar(warehouse, "select count(*) from marts.dim_customers")
    assert customers == report["tables"]["customers"]["rows_written"]
    stages = {
        row[0]
        for row in warehouse.sql(
            "select distinct lifecycle_stage from marts.dim_customers"
        ).fetchall()
    }
    # A 2016-2018 export analysed as of its own last day: most one-time buyers have churned.
    assert "churned" in stages
    late_share = _scalar(
        warehouse, "select avg(cast(is_late_delivery as int)) from marts.fct_orders"
    )
    assert 0.01 < late_share < 0.5
    # No clickstream in this export: the session marts exist and are empty, with no error.
    assert _scalar(warehouse, "select count(*) from marts.fct_sessions") == 0
    assert _scalar(warehouse, "select count(*) from marts.fct_cohort_retention_monthly") > 0


def test_rees46_clickstream_builds_session_marts(
    tmp_path: Path, build_warehouse: BuildWarehouse
) -> None:
    source = _require(DATASETS / "rees46_clickstream" / "2019-Oct_sample.csv")
    raw = tmp_path / "raw"
    report = run_import("rees46", source, raw)
    warehouse = build_warehouse(raw)

    events = report["tables"]["events"]["rows_written"]
    assert _scalar(warehouse, "select sum(events) from marts.fct_sessions") == events
    sessions = _scalar(warehouse, "select count(*) from marts.fct_sessions")
    assert 0 < sessions < events
    converted = _scalar(warehouse, "select count(*) from marts.fct_sessions where is_converted")
    assert converted > 0
    journeys = warehouse.sql(
        "select journey_status, count(*) from marts.fct_customer_journeys group by 1"
    ).fetchall()
    assert dict(journeys).get("converted", 0) > 0
    funnel_stages = {
        row[0]
        for row in warehouse.sql(
            "select distinct journey_stage from marts.fct_funnel_daily"
        ).fetchall()
    }
    assert {"discovery", "cart", "purchase"} <= funnel_stages
    # No reviews, tickets or payments in this export: staging is empty, not an error.
    assert _scalar(warehouse, "select count(*) from staging.stg_shop__reviews") == 0


def test_cdnow_transaction_log_builds_customer_marts(
    tmp_path: Path, build_warehouse: BuildWarehouse
) -> None:
    """23,570 customers with nothing but purchases: every order and dollar reaches the marts."""
    try:
        cdnow_file("CDNOW_master.txt")
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    raw = tmp_path / "raw"
    report = run_import("cdnow", None, raw)
    warehouse = build_warehouse(raw)

    written_orders = report["tables"]["orders"]["rows_written"]
    assert _scalar(warehouse, "select count(*) from marts.fct_orders") == written_orders == 69_659
    revenue = _scalar(warehouse, "select sum(net_revenue) from marts.fct_orders")
    assert float(revenue) == pytest.approx(2_500_315.63, abs=0.005)
    assert _scalar(warehouse, "select count(*) from marts.dim_customers") == 23_570
    # Analysed as of 1998-06-30, 15 to 18 months after the cohort's first purchases.
    stages = _distinct(warehouse, "lifecycle_stage", "marts.dim_customers")
    assert {"active", "churned"} <= stages
    assert _scalar(warehouse, "select count(*) from intermediate.int_customer_features_pit") > 0
    assert _scalar(warehouse, "select count(*) from ml.ml_model_runs where task = 'churn'") == 1
    assert _scalar(warehouse, "select count(*) from marts.fct_sessions") == 0
