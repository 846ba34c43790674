"""Command line: `python -m rawdata generate ...` and `python -m rawdata import ...`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rawdata", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write deterministic demo raw data as Parquet")
    generate.add_argument("--out", type=Path, default=Path("data/raw"), help="raw data directory")
    generate.add_argument("--customers", type=int, default=5000, help="scale: registered customers")
    generate.add_argument("--seed", type=int, default=42, help="random seed: same seed, same data")
    generate.add_argument(
        "--defect-rate", type=float, default=0.0, help="share of rows with injected defects"
    )
    generate.add_argument("--start", type=date.fromisoformat, default=date(2024, 11, 1))
    generate.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 31))
    generate.add_argument("--truth", type=Path, default=None, help="latent truth directory")

    importer = commands.add_parser("import", help="map a real shop export onto the raw contract")
    importer.add_argument("source", choices=["olist", "rees46", "cdnow"], help="export format")
    importer.add_argument(
        "--src",
        type=Path,
        default=None,
        help="export folder or file; required except for cdnow, which defaults to the "
        "CDNOW_master.txt of the installed lifetimes package",
    )
    importer.add_argument("--out", type=Path, required=True, help="raw data directory to write")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.command == "generate":
        from rawdata.demo import generate

        summary = generate(
            out_dir=args.out,
            customers=args.customers,
            seed=args.seed,
            defect_rate=args.defect_rate,
            start=args.start,
            end=args.end,
            truth_dir=args.truth,
        )
    else:
        from rawdata.importers import run_import

        summary = run_import(args.source, args.src, args.out)
    json.dump(summary, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
