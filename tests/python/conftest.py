"""Shared helpers: building the warehouse with dbt on a raw data directory in a temp folder."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from benchmarks.dbt_run import dbt_build as run_dbt_build
from benchmarks.dbt_run import warehouse_path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("SHOP_DATASETS_DIR", REPO_ROOT.parent / "shared" / "datasets"))

BuildWarehouse = Callable[[Path], duckdb.DuckDBPyConnection]


def dbt_build(raw_dir: Path, workdir: Path) -> Path:
    """Run `dbt build` (seeds, models, every test) on `raw_dir` into a DuckDB file in `workdir`.

    Fails the calling test with dbt's output when any node errors or any error-severity test
    fails; returns the warehouse path.
    """
    result = run_dbt_build(raw_dir, workdir, capture=True)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
    return warehouse_path(workdir)


@pytest.fixture
def build_warehouse(tmp_path: Path) -> Iterator[BuildWarehouse]:
    """Build the warehouse from a raw directory; yields read-only connections to the result."""
    connections: list[duckdb.DuckDBPyConnection] = []

    def build(raw_dir: Path) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(str(dbt_build(raw_dir, tmp_path)), read_only=True)
        connections.append(connection)
        return connection

    yield build
    for connection in connections:
        connection.close()
