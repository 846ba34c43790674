"""The SQL layers build and pass their tests on their own, without the ML layer (and torch) and
the one mart built on it, dim_segments."""

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
        marts = {
            row[0]
            for row in connection.sql(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    assert "ml" not in schemas, schemas
    # The one mart built on the ML layer is left out with it.
    assert "dim_segments" not in marts and "dim_customers" in marts, marts
    assert schemas.get("marts", 0) > 0 and features > 0, schemas
