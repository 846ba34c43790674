"""A warehouse built as of a past date: customer state ignores later activity, one row each."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.dbt_run import dbt_build, warehouse_path
from rawdata.demo import generate

pytestmark = pytest.mark.integration

AS_OF = "2026-03-31"


def test_past_as_of_date_builds_consistent_customer_state(tmp_path: Path) -> None:
    generate(out_dir=tmp_path / "raw", customers=1000, seed=3, truth_dir=tmp_path / "truth")
    result = dbt_build(
        tmp_path / "raw", tmp_path, "--vars", f"{{as_of_date: '{AS_OF}'}}", capture=True
    )
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
    with duckdb.connect(str(warehouse_path(tmp_path)), read_only=True) as warehouse:
        as_of = warehouse.sql("select as_of_at from intermediate.int_reference_dates").fetchall()
        customers = warehouse.sql(
            """
            select
                count(*),
                count(distinct customer_id),
                min(days_since_last_order),
                min(tenure_days),
                max(last_order_at)
            from marts.dim_customers
            """
        ).fetchall()[0]
        staged = warehouse.sql("select count(*) from staging.stg_shop__customers").fetchall()[0][0]
        later = warehouse.execute(
            "select count(*) from marts.fct_orders where ordered_at > ?", [as_of[0][0]]
        ).fetchall()[0][0]
    assert len(as_of) == 1 and str(as_of[0][0]) == f"{AS_OF} 23:59:59.999999"
    rows, distinct, min_recency, min_tenure, last_order = customers
    assert rows == distinct == staged
    assert min_recency >= 0 and min_tenure >= 0
    assert last_order <= as_of[0][0]
    assert later > 0  # the fact marts keep the history after the as-of date
