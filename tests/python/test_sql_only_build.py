"""The SQL layers build and pass their tests on their own, without the ML layer (and torch) and
without the models downstream of it (dim_segments, the decision marts, customer_360)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.dbt_run import SQL_ONLY, dbt_build, warehouse_path
from rawdata.demo import generate

pytestmark = pytest.mark.integration


def test_sql_layers_build_without_the_ml_layer(tmp_path: Path) -> None:
    generate(out_dir=tmp_path / "raw", customers=1000, seed=42)
    result = dbt_build(tmp_path / "raw", tmp_path, *SQL_ONLY, capture=True)
    assert result.returncode == 0, f"SQL-only dbt build failed:\n{result.stdout[-6000:]}"
    with duckdb.connect(str(warehouse_path(tmp_path)), read_only=True) as connection:
        schemas = {
            row[0]: row[1]
            for row in connection.sql(
                "select table_schema, count(*) from information_schema.tables group by 1"
            ).fetchall()
        }
        features = connection.sql(
            "select count(*) from intermediate.int_customer_features_pit"
        ).fetchall()[0][0]
        tables = {
            row[0]
            for row in connection.sql("select table_name from information_schema.tables").fetchall()
        }
    assert "ml" not in schemas, schemas
    # Models that read ML tables are left out with the ML layer; the playbook seed is not.
    ml_dependent = {
        "dim_segments",
        "customer_360",
        "fct_next_best_actions",
        "int_customer_decision_inputs",
    }
    assert not tables & ml_dependent, tables
    assert {"dim_customers", "next_best_action_playbook"} <= tables, tables
    assert schemas.get("marts", 0) > 0 and features > 0, schemas
