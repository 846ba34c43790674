"""The recommendations' offline evaluation on any built warehouse, with a holdout span of choice.

    python -m benchmarks.recommend_offline --warehouse warehouse.duckdb --holdout-days 30
    python -m benchmarks.recommend_offline --warehouse rees46.duckdb --holdout-hours 1

The build runs the same evaluation with whole days (recommendation_holdout_days); a clickstream
sample that spans hours needs a shorter span. Prints every recommender and the chosen blend
beside popularity on the test window, and the size of both windows.
"""

from __future__ import annotations

import argparse
import sys

import duckdb
import pandas as pd

from ml.device import resolve_device
from ml.recommend.catalogue import Catalogue
from ml.recommend.data import Interactions
from ml.recommend.evaluation import evaluate_offline
from ml.recommend.pipeline import product_matrix
from ml.recommend.recommenders import SegmentPopularity
from ml.settings import PRODUCT_ACTIVE_DAYS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    span = parser.add_mutually_exclusive_group(required=True)
    span.add_argument("--holdout-days", type=float)
    span.add_argument("--holdout-hours", type=float)
    parser.add_argument("--active-days", type=int, default=PRODUCT_ACTIVE_DAYS)
    args = parser.parse_args(argv)
    with duckdb.connect(args.warehouse, read_only=True) as connection:
        interactions = connection.sql(
            "select customer_id, product_id, interaction_type, quantity, interacted_at "
            "from intermediate.int_product_interactions"
        ).df()
        availability = connection.sql(
            "select product_id, price, created_at, is_repeat_purchase "
            "from intermediate.int_product_availability"
        ).df()
        embeddings = connection.sql(
            "select product_id, embedding from ml.ml_product_embeddings where status = 'embedded'"
        ).df()
        customers = connection.sql(
            "select customer_id, country from staging.stg_shop__customers"
        ).df()
        as_of = connection.sql("select as_of_at from intermediate.int_reference_dates").fetchall()[
            0
        ][0]
    catalogue = Catalogue.build(availability)
    known = Interactions.build(
        interactions, pd.Index(customers["customer_id"].unique()), catalogue.products
    )
    window = (
        pd.Timedelta(days=args.holdout_days)
        if args.holdout_days is not None
        else pd.Timedelta(hours=args.holdout_hours)
    )
    evaluation = evaluate_offline(
        known,
        catalogue,
        product_matrix(catalogue.products, embeddings),
        resolve_device("cpu"),
        pd.Timestamp(as_of),
        window,
        args.active_days,
        SegmentPopularity(
            customers.drop_duplicates("customer_id")
            .set_index("customer_id")["country"]
            .reindex(known.customers)
            .to_numpy(dtype=object)
        ),
    )
    metrics = evaluation.metrics
    if "evaluation_skipped" in metrics:
        print(metrics["evaluation_skipped"])
        return 1
    for name, described in metrics["windows"].items():
        print(f"{name} window: {described}")
    print(f"blend chosen on validation: {metrics['blend']}")
    frame = pd.DataFrame(metrics["test"]).T
    print(frame.round(4).to_string())
    print(f"recall@10 of the blend / popularity: {metrics['recall_at_10_to_popularity']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
