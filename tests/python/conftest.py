"""Shared helpers: building the warehouse with dbt on a raw data directory in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("SHOP_DATASETS_DIR", REPO_ROOT.parent / "shared" / "datasets"))

BuildWarehouse = Callable[[Path], duckdb.DuckDBPyConnection]


def dbt_build(raw_dir: Path, workdir: Path) -> Path:
    """Run `dbt build` (seeds, models, every test) on `raw_dir` into a fresh DuckDB file.

    ML artifacts and caches go to `workdir` too, so tests never share state with a developer's
    warehouse. Fails the calling test with dbt's output when any node errors or any error-severity
    test fails; returns the warehouse path.
    """
    warehouse = workdir / "warehouse.duckdb"
    env = {
        **os.environ,
        "RAW_DATA_DIR": str(raw_dir),
        "WAREHOUSE_PATH": str(warehouse),
        "ML_ARTIFACTS_DIR": str(workdir / "ml_artifacts"),
    }
    command = [
        str(Path(sys.executable).parent / "dbt"),
        "build",
        "--profiles-dir", ".",
        "--target", "ci",
        "--target-path", str(workdir / "dbt-target"),
        "--log-path", str(workdir / "dbt-logs"),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
    return warehouse


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
