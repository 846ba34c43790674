"""Generate demo data, build the warehouse with its ML models, and print how well they recover the
generator's latent truth: churn AUC against the recency baseline and against who really churned,
and sentiment accuracy against the ratings.

    python -m benchmarks.ml_quality --customers 5000
    python -m benchmarks.ml_quality --workdir target/ml-quality --skip-build   # report again
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.dbt_run import ROOT, dbt_build, warehouse_path
from rawdata.demo import generate
from rawdata.demo.evaluation import evaluate_ml


def build(workdir: Path, customers: int, seed: int) -> float:
    """Fresh demo data and a fresh warehouse (ML artifacts kept in workdir); returns seconds."""
    started = time.perf_counter()
    generate(out_dir=workdir / "raw", customers=customers, seed=seed, truth_dir=workdir / "truth")
    warehouse_path(workdir).unlink(missing_ok=True)
    dbt_build(workdir / "raw", workdir).check_returncode()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=ROOT / "target" / "ml-quality")
    parser.add_argument("--skip-build", action="store_true", help="report on workdir as it is")
    args = parser.parse_args()

    if not args.skip_build:
        seconds = build(args.workdir, args.customers, args.seed)
        print(f"generated {args.customers:,} customers and built in {seconds:.1f} s")
    with duckdb.connect(str(warehouse_path(args.workdir)), read_only=True) as warehouse:
        report = evaluate_ml(warehouse, args.workdir / "truth")
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
