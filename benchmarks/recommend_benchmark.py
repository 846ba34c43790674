"""Recommendation scoring at catalogue scale: customers x products ranked in chunks, with the
throughput and the peak memory it took.

    python -m benchmarks.recommend_benchmark --customers 1000000 --products 50000
    python -m benchmarks.recommend_benchmark --customers 100000 --products 50000 --device cuda

The customers and products are random factor vectors (as ALS learns them) and each customer has
a few bought products to exclude, so what is timed is exactly the production path: matrix
multiply per chunk, standardisation, masking, top-k. The unchunked whole must not fit where the
chunked run does: the figure of merit is peak memory against customers x products x 4 bytes.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import time

import numpy as np
from scipy import sparse

from ml.device import resolve_device
from ml.recommend.recommenders import DenseScorer, SegmentPopularity
from ml.recommend.scoring import Blend, BlendScorer, chunk_rows
from ml.settings import log_progress


class FactorRecommender:
    """Scores from fixed factor matrices: the shape of the ALS recommender without its fit."""

    name = "als"
    reason = "chosen by shoppers with similar taste"

    def __init__(self, users: np.ndarray, items: np.ndarray, device) -> None:
        self.users = users
        self.scorer = DenseScorer(items, device)

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.scorer(self.users[rows])


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    log_progress()
    logging.getLogger("ml").setLevel(logging.WARNING)
    device = resolve_device(args.device)
    rng = np.random.default_rng(0)
    users = rng.standard_normal((args.customers, args.factors), dtype=np.float32)
    items = rng.standard_normal((args.products, args.factors), dtype=np.float32)
    bought = sparse.csr_matrix(
        (
            np.ones(3 * args.customers, dtype=np.float32),
            (
                np.repeat(np.arange(args.customers), 3),
                rng.integers(0, args.products, 3 * args.customers),
            ),
        ),
        shape=(args.customers, args.products),
    )
    setup_rss = peak_rss_mib()
    scorer = BlendScorer(
        {"als": FactorRecommender(users, items, device)},
        Blend({"als": 1.0}),
        np.ones(args.products, dtype=bool),
        bought,
        np.ones(args.customers, dtype=bool),
        SegmentPopularity(
            np.full(args.customers, None, dtype=object), np.zeros(args.products, np.float32)
        ),
    )
    chunk = chunk_rows(args.products, 3)
    started = time.perf_counter()
    ranked = scorer.rank(np.arange(args.customers), args.k, chunk)
    seconds = time.perf_counter() - started
    cells = args.customers * args.products
    print(f"device: {device.describe()}")
    print(f"customers x products: {args.customers:,} x {args.products:,} ({args.factors} factors)")
    print(f"chunk: {chunk:,} customers")
    print(f"scoring + top-{args.k}: {seconds:.1f} s")
    print(
        f"throughput: {cells / seconds:,.0f} customer-products/s "
        f"({args.customers / seconds:,.0f} customers/s)"
    )
    print(f"peak RSS: {peak_rss_mib():,.0f} MiB (inputs alone {setup_rss:,.0f} MiB)")
    print(f"an unchunked score matrix would need: {cells * 4 / 2**20:,.0f} MiB")
    assert ranked.products.shape == (args.customers, args.k)
    return 0


if __name__ == "__main__":
    sys.exit(main())
