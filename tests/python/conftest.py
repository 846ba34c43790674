"""Shared fixtures: building the warehouse with dbt on a raw data directory in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("SHOP_DATASETS_DIR", REPO_ROOT.parent / "shared" / "datasets"))

BuildWarehouse = Callable[[Path], duckdb.DuckDBPyConnection]


@pytest.fixture
def build_warehouse(tmp_path: Path) -> BuildWarehouse:
    """Run `dbt build` (seeds, models, every test) on `raw_dir` into a fresh DuckDB file.

    Returns a read-only connection to the built warehouse; fails the test with dbt's output when
    any node errors or any error-severity test fails.
    """
    connections: list[duckdb.DuckDBPyConnection] = []

    def build(raw_dir: Path) -> duckdb.DuckDBPyConnection:
        warehouse = tmp_path / "warehouse.duckdb"
        env = {**os.environ, "RAW_DATA_DIR": str(raw_dir), "WAREHOUSE_PATH": str(warehouse)}
        command = [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--profiles-dir", ".",
            "--target", "ci",
            "--target-path", str(tmp_path / "dbt-target"),
            "--log-path", str(tmp_path / "dbt-logs"),
        ]  # fmt: skip
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
        connection = duckdb.connect(str(warehouse), read_only=True)
        connections.append(connection)
        return connection

    yield build
    for connection in connections:
        connection.close()
