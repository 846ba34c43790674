"""profiles.yml takes DuckDB's memory limit, threads and spill directory from the environment,
so a build on a small machine stays under the limit it is given instead of DuckDB's default of
80% of RAM."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def duckdb_settings(tmp_path: Path, spill: Path, **env: str) -> dict[str, str]:
    """What DuckDB reports for its resource settings inside a dbt session with `env` set (and
    no other DUCKDB_ variable); the spill directory is compared with `spill` inside DuckDB, as
    dbt show shortens long values."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"), "show", "--profiles-dir", ".",
            "--target", "ci", "--target-path", str(tmp_path / "dbt-target"),
            "--log-path", str(tmp_path / "logs"), "--inline",
            "select current_setting('memory_limit') as memory_limit, "
            "current_setting('threads') as duckdb_threads, "
            f"current_setting('temp_directory') = '{spill}' as spills_there",
        ],
        cwd=ROOT,
        env={
            **{key: value for key, value in os.environ.items() if not key.startswith("DUCKDB_")},
            "WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
            **env,
        },
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("|")]
    header, values = (
        [cell.strip() for cell in line.strip("|").split("|")] for line in (lines[0], lines[2])
    )
    (concurrency,) = re.findall(r"Concurrency: (\d+) threads", result.stdout)
    return {**dict(zip(header, values, strict=True)), "dbt_threads": concurrency}


def sixty_percent_of_ram() -> str:
    """How DuckDB reports the default limit on this machine."""
    with duckdb.connect(config={"memory_limit": "60%"}) as connection:
        return connection.sql("select current_setting('memory_limit')").fetchall()[0][0]


def test_memory_limit_threads_and_spill_directory_come_from_the_environment(
    tmp_path: Path,
) -> None:
    spill = tmp_path / "spill"
    shown = duckdb_settings(
        tmp_path,
        spill,
        DBT_THREADS="3",
        DUCKDB_MEMORY_LIMIT="1GB",
        DUCKDB_THREADS="1",
        DUCKDB_TEMP_DIRECTORY=str(spill),
    )
    assert shown == {
        "memory_limit": "953.6 MiB",  # DuckDB reports 1GB (10^9 bytes) in MiB
        "duckdb_threads": "1",
        "spills_there": "True",
        "dbt_threads": "3",
    }


@pytest.mark.parametrize("empty", [False, True], ids=["unset", "empty"])
def test_defaults_bound_memory_and_spill_beside_the_warehouse(tmp_path: Path, empty: bool) -> None:
    """Unset and empty variables (as templated CI environments leave them) mean the defaults."""
    blank = dict.fromkeys(
        ["DBT_THREADS", "DUCKDB_MEMORY_LIMIT", "DUCKDB_THREADS", "DUCKDB_TEMP_DIRECTORY"], ""
    )
    shown = duckdb_settings(
        tmp_path, Path(f"{tmp_path / 'warehouse.duckdb'}.tmp"), **(blank if empty else {})
    )
    assert shown == {
        "memory_limit": sixty_percent_of_ram(),
        "duckdb_threads": "4",
        "spills_there": "True",
        "dbt_threads": "2",
    }
