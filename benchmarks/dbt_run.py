"""`dbt build` of a raw data directory into a work directory of its own.

The benchmarks and the integration tests build many throwaway warehouses; each gets its DuckDB
file, dbt target and log folders and ML artifacts under its work directory, so none of them
shares state (or a file lock) with a developer's warehouse or with each other.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Selection of a build of the SQL layers alone: every model, seed and test outside the ML layer
# (python_models/) and everything downstream of it (dim_segments, the decision marts and
# customer_360, which read ML tables), so it runs without torch, LightGBM or the bundled encoder.
SQL_ONLY = ("--exclude", "path:python_models+")


def warehouse_path(workdir: Path) -> Path:
    return workdir / "warehouse.duckdb"


def dbt_build(
    raw_dir: Path, workdir: Path, *extra_args: str, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `dbt build --target ci` on `raw_dir`; run_results.json lands in workdir/dbt-target.

    With `capture`, dbt's output is returned instead of streamed to the console.
    """
    env = {
        **os.environ,
        "RAW_DATA_DIR": str(raw_dir),
        "WAREHOUSE_PATH": str(warehouse_path(workdir)),
        "ML_ARTIFACTS_DIR": str(workdir / "ml_artifacts"),
    }
    command = [
        str(Path(sys.executable).parent / "dbt"),
        "build",
        "--profiles-dir", ".",
        "--target", "ci",
        "--target-path", str(workdir / "dbt-target"),
        "--log-path", str(workdir / "logs"),
        *extra_args,
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=capture, text=True)
