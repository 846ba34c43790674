"""`generate`: run the demo shop chunk by chunk and stream every raw table to Parquet.

Customers are simulated in fixed-size chunks, each with its own random generator derived from the
seed and the chunk number, so a run is reproducible, memory stays flat however many customers are
asked for, and ids stay unique because every chunk continues the previous chunk's numbering.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from rawdata.contract import TABLES, TableWriter
from rawdata.demo.catalog import build_catalog
from rawdata.demo.clickstream import build_clicks
from rawdata.demo.commerce import build_commerce
from rawdata.demo.defects import DefectLog, inject
from rawdata.demo.feedback import build_reviews, build_tickets
from rawdata.demo.lifecycle import simulate
from rawdata.demo.population import build_population
from rawdata.demo.sessions import build_sessions
from rawdata.demo.timeline import Timeline
from rawdata.demo.truth import truth_table

log = logging.getLogger(__name__)
CHUNK = 20_000
ANONYMOUS_PER_CUSTOMER = 1.0


def peak_rss_mib() -> float:
    """Peak resident memory of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _check(
    out_dir: Path, truth_dir: Path, customers: int, defect_rate: float, start: date, end: date
) -> None:
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if not 0 <= defect_rate < 0.5:
        raise ValueError("defect_rate must be in [0, 0.5)")
    if end <= start:
        raise ValueError("end must be after start")
    out, truth = out_dir.resolve(), truth_dir.resolve()
    if truth == out or out in truth.parents:
        raise ValueError("truth_dir must not be inside out_dir: dbt reads every file there")


def generate(
    out_dir: Path,
    customers: int = 5000,
    seed: int = 42,
    defect_rate: float = 0.0,
    start: date = date(2024, 11, 1),
    end: date = date(2026, 10, 31),
    truth_dir: Path | None = None,
) -> dict:
    """Write the eight raw tables to `out_dir` and the latent truth to `truth_dir`.

    Same arguments, same content. Returns rows per table, timing and peak memory.
    """
    began = time.perf_counter()
    out_dir = Path(out_dir)
    truth_dir = Path(truth_dir) if truth_dir is not None else out_dir.parent / "truth"
    _check(out_dir, truth_dir, customers, defect_rate, start, end)
    truth_dir.mkdir(parents=True, exist_ok=True)
    tl = Timeline(start, end)
    catalog = build_catalog(seed, customers, tl.start_us)
    defects = DefectLog()
    n_chunks = (customers + CHUNK - 1) // CHUNK
    counters = dict.fromkeys(("event", "order", "item", "payment", "review", "ticket"), 0)
    writers = {t: TableWriter(out_dir, t) for t in TABLES}
    truth_path = truth_dir / "customers_truth.parquet"
    truth_writer: pq.ParquetWriter | None = None
    try:
        products = catalog.table
        if defect_rate > 0:
            drng = np.random.default_rng(np.random.SeedSequence([seed, 2, n_chunks]))
            products = inject(drng, "products", products, defect_rate, defects, ensure_each=True)
        writers["products"].write(products)
        for chunk in range(n_chunks):
            first = chunk * CHUNK
            n = min(CHUNK, customers - first)
            rng = np.random.default_rng(np.random.SeedSequence([seed, 1, chunk]))
            pop = build_population(rng, tl, first, n)
            life = simulate(rng, tl, pop)
            n_anon = int(round(n * ANONYMOUS_PER_CUSTOMER))
            ss = build_sessions(rng, tl, pop, life, catalog, first, n_anon)
            clicks = build_clicks(rng, tl, pop, catalog, ss, counters["event"], counters["order"])
            com = build_commerce(
                rng,
                tl,
                pop,
                catalog,
                life,
                ss,
                clicks.order_us,
                counters["order"],
                counters["item"],
                counters["payment"],
            )
            reviews = build_reviews(rng, tl, pop, catalog, life, com, counters["review"])
            tickets = build_tickets(rng, tl, pop, catalog, life, com, counters["ticket"])
            tables = {
                "customers": pop.table,
                "orders": com.orders,
                "order_items": com.order_items,
                "payments": com.payments,
                "events": clicks.table,
                "reviews": reviews,
                "support_tickets": tickets,
            }
            for key, name in (
                ("event", "events"),
                ("order", "orders"),
                ("item", "order_items"),
                ("payment", "payments"),
                ("review", "reviews"),
                ("ticket", "support_tickets"),
            ):
                counters[key] += tables[name].num_rows
            if defect_rate > 0:
                drng = np.random.default_rng(np.random.SeedSequence([seed, 2, chunk]))
                tables = {
                    t: inject(drng, t, d, defect_rate, defects, ensure_each=chunk == 0)
                    for t, d in tables.items()
                }
            for name, data in tables.items():
                writers[name].write(data)
            truth = truth_table(tl, pop, life)
            if truth_writer is None:
                truth_writer = pq.ParquetWriter(truth_path, truth.schema, compression="zstd")
            truth_writer.write_table(truth)
            elapsed = time.perf_counter() - began
            log.info(
                "chunk %d/%d: %d customers, %.0f customers/s, %d events so far, peak RSS %.0f MiB",
                chunk + 1,
                n_chunks,
                first + n,
                (first + n) / elapsed,
                counters["event"],
                peak_rss_mib(),
            )
    finally:
        for writer in writers.values():
            writer.close()
        if truth_writer is not None:
            truth_writer.close()

    paths = {t: str(w.path) for t, w in writers.items()}
    paths["customers_truth"] = str(truth_path)
    defects_path = truth_dir / "defects.parquet"
    if defect_rate > 0:
        pq.write_table(defects.to_table(), defects_path, compression="zstd")
        paths["defects"] = str(defects_path)
    elif defects_path.exists():
        defects_path.unlink()  # a stale list from an earlier run would lie about this one
    seconds = time.perf_counter() - began
    rows = {t: w.rows for t, w in writers.items()}
    total = sum(rows.values())
    summary = {
        "customers": customers,
        "seed": seed,
        "defect_rate": defect_rate,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "rows": rows,
        "defects": len(defects.types),
        "seconds": round(seconds, 2),
        "rows_per_second": round(total / seconds) if seconds else None,
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "paths": paths,
    }
    log.info("wrote %d rows in %.1f s (%.0f rows/s)", total, seconds, total / max(seconds, 1e-9))
    return summary
