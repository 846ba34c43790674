"""Generate demo data at a given scale, run `dbt build` on it, and print where the time goes.

Prints generator throughput, dbt wall time per layer (from run_results.json), rows per second
through the warehouse and peak memory of each step, so that a change in the models can be judged
by figures taken side by side in one run rather than by timed tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from benchmarks.dbt_run import ROOT, SQL_ONLY, dbt_build, warehouse_path


def _peak_child_rss_mib() -> float:
    """Peak resident memory of the largest child process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _layer(node: dict) -> str:
    """Group a run_results entry by what it is: seeds, tests, or the model's folder layer."""
    unique_id = node["unique_id"]
    kind = unique_id.split(".")[0]
    if kind != "model":
        return {"seed": "seeds", "unit_test": "unit tests"}.get(kind, "data tests")
    name = unique_id.split(".")[-1]
    prefixes = (("base_", "staging"), ("stg_", "staging"), ("int_", "intermediate"), ("ml_", "ml"))
    for prefix, layer in prefixes:
        if name.startswith(prefix):
            return layer
    return "marts"


def _raw_rows(raw_dir: Path) -> dict[str, int]:
    counts = {}
    with duckdb.connect() as connection:
        for path in sorted(raw_dir.glob("*.parquet")):
            query = f"select count(*) from read_parquet('{path}')"
            counts[path.stem] = connection.sql(query).fetchall()[0][0]
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=ROOT / "target" / "bench")
    parser.add_argument("--skip-generate", action="store_true", help="reuse workdir/raw")
    parser.add_argument(
        "--skip-ml",
        action="store_true",
        help="leave out the ML models and what depends on them (SQL layers only)",
    )
    parser.add_argument(
        "--keep-artifacts",
        action="store_true",
        help="keep trained models and the embedding cache from the last run (warm rebuild)",
    )
    parser.add_argument(
        "--memory-limit",
        help="DuckDB memory limit of the build, e.g. 2GB (sets DUCKDB_MEMORY_LIMIT; default: the "
        "environment's, else profiles.yml's 60%% of RAM)",
    )
    args = parser.parse_args()
    if args.memory_limit:
        os.environ["DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    memory_limit = os.environ.get("DUCKDB_MEMORY_LIMIT") or "60% of RAM (profiles.yml default)"

    raw_dir = args.workdir / "raw"
    generate_seconds = 0.0
    if not args.skip_generate:
        command = [sys.executable, "-m", "rawdata", "generate", "--out", str(raw_dir)]
        command += ["--customers", str(args.customers), "--seed", str(args.seed)]
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True)
        generate_seconds = time.perf_counter() - started
    generate_rss = _peak_child_rss_mib()
    raw_rows = _raw_rows(raw_dir)
    total_raw = sum(raw_rows.values())

    warehouse_path(args.workdir).unlink(missing_ok=True)
    if not args.keep_artifacts:
        shutil.rmtree(args.workdir / "ml_artifacts", ignore_errors=True)
    exclude = SQL_ONLY if args.skip_ml else ()
    started = time.perf_counter()
    dbt_build(raw_dir, args.workdir, *exclude)
    build_seconds = time.perf_counter() - started
    build_rss = _peak_child_rss_mib()

    target_path = args.workdir / "dbt-target"
    run_results = target_path / "run_results.json"
    if not run_results.exists():
        print(f"dbt build wrote no {run_results}: it failed before running; see its log above")
        return 1
    results = json.loads(run_results.read_text())["results"]
    per_layer: dict[str, float] = defaultdict(float)
    slowest = sorted(results, key=lambda node: node["execution_time"], reverse=True)[:5]
    for node in results:
        per_layer[_layer(node)] += node["execution_time"]

    scope = "SQL layers only (--skip-ml)" if args.skip_ml else "with ML"
    if not args.skip_ml:
        scope += ", warm ML artifacts" if args.keep_artifacts else ", cold ML artifacts"
    print(f"\n== build benchmark: {args.customers:,} customers, seed {args.seed}, {scope} ==")
    print(f"DuckDB memory limit: {memory_limit}")
    print("raw rows:", ", ".join(f"{table} {rows:,}" for table, rows in raw_rows.items()))
    if generate_seconds:
        print(
            f"generate: {generate_seconds:8.1f} s  {total_raw / generate_seconds:12,.0f} rows/s"
            f"  peak RSS {generate_rss:8,.0f} MiB"
        )
    print(
        f"dbt build:{build_seconds:8.1f} s  {total_raw / build_seconds:12,.0f} raw rows/s"
        f"  peak RSS {build_rss:8,.0f} MiB (largest process so far)"
    )
    print("time per layer (sum of node times; nodes run on 2 threads):")
    for layer in ("seeds", "staging", "intermediate", "marts", "ml", "data tests", "unit tests"):
        print(f"  {layer:<13}{per_layer.get(layer, 0.0):8.1f} s")
    print("slowest nodes:")
    for node in slowest:
        print(f"  {node['unique_id'].split('.')[-1]:<60}{node['execution_time']:8.1f} s")
    failed = [node["unique_id"] for node in results if node["status"] in ("error", "fail")]
    if failed:
        print("FAILED:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
