"""How well the warehouse's ML tables recover the demo data's latent truth.

The generator knows which customers have really churned at the end of its window (churn that is
still in effect, `churned_at`) and the rating every review text was written to express. This
module reads a built warehouse and that truth, and returns figures for the benchmark and the
quality tests: nothing here feeds back into training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from sklearn.metrics import roc_auc_score

NEEDED_TABLES = {"ml_model_runs", "ml_churn_scores", "ml_review_sentiment", "ml_ticket_sentiment"}


def evaluate_ml(warehouse: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict[str, Any]:
    """Churn and sentiment quality of a warehouse built from demo data written with `truth_dir`."""
    present = {row[0] for row in warehouse.sql("select table_name from duckdb_tables()").fetchall()}
    missing = sorted(NEEDED_TABLES - present)
    if missing:
        raise ValueError(
            f"the warehouse has no {', '.join(missing)}: build it with its ML models first "
            "(dbt build, or python -m benchmarks.ml_quality without --skip-build)"
        )
    return {
        "churn": _churn(warehouse, Path(truth_dir) / "customers_truth.parquet"),
        "sentiment": _sentiment(warehouse),
    }


def _churn(warehouse: duckdb.DuckDBPyConnection, truth_path: Path) -> dict[str, Any]:
    """The model's own validation figures, and its scores against the latent churn at the end."""
    run = warehouse.sql(
        "select validation_auc, baseline_auc, validation_pr_auc, expected_calibration_error, "
        "training_rows from ml.ml_model_runs where task = 'churn'"
    ).fetchall()
    scored = warehouse.sql(
        f"""
        select
            scores.churn_probability,
            scores.risk_tier,
            truth.churned_at is not null as truly_churned
        from ml.ml_churn_scores as scores
        inner join read_parquet('{truth_path}') as truth
            on scores.customer_id = truth.customer_id
        where scores.status = 'scored'
        """
    ).df()
    if not run or scored.empty:
        return {"trained": False}
    validation_auc, baseline_auc, pr_auc, ece, training_rows = run[0]
    truth = scored["truly_churned"].to_numpy(dtype=bool)
    both_classes = 0 < truth.sum() < len(truth)
    tiers = scored.groupby("risk_tier")["truly_churned"].agg(["size", "mean"])
    return {
        "trained": True,
        "training_rows": int(training_rows),
        "validation_auc": validation_auc,
        "baseline_auc": baseline_auc,
        "validation_pr_auc": pr_auc,
        "expected_calibration_error": ece,
        "scored_customers": len(scored),
        "truly_churned_share": float(truth.mean()),
        "truth_auc": float(roc_auc_score(truth, scored["churn_probability"]))
        if both_classes
        else None,
        "mean_probability_truly_churned": float(scored.loc[truth, "churn_probability"].mean()),
        "mean_probability_still_active": float(scored.loc[~truth, "churn_probability"].mean()),
        "truly_churned_by_tier": {
            tier: {"customers": int(row["size"]), "truly_churned": round(float(row["mean"]), 3)}
            for tier, row in tiers.iterrows()
        },
    }


def _sentiment(warehouse: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Held-out figures of the sentiment model, and agreement of every review with its rating."""
    runs = warehouse.sql(
        "select task, accuracy, macro_f1, metrics_json from ml.ml_model_runs "
        "where task like 'sentiment%'"
    ).fetchall()
    agreement = warehouse.sql(
        """
        select
            count(*) as reviews,
            avg(case
                when reviews.rating <= 2 then sentiment.sentiment_label = 'negative'
                when reviews.rating = 3 then sentiment.sentiment_label = 'neutral'
                else sentiment.sentiment_label = 'positive'
            end::int) as accuracy
        from ml.ml_review_sentiment as sentiment
        inner join staging.stg_shop__reviews as reviews
            on sentiment.review_id = reviews.review_id
        where sentiment.status = 'scored' and reviews.rating is not null
        """
    ).fetchall()[0]
    result: dict[str, Any] = {
        "rated_reviews_scored": agreement[0],
        "agreement_with_ratings_all_reviews": agreement[1],
    }
    for task, accuracy, macro_f1, metrics_json in runs:
        metrics = json.loads(metrics_json)
        result[task] = {
            "held_out_accuracy": accuracy,
            "held_out_macro_f1": macro_f1,
            "majority_class_accuracy": metrics.get("majority_class_accuracy"),
            "held_out_texts": metrics.get("n_test"),
            "per_class_f1": {
                label: round(values["f1"], 3)
                for label, values in metrics.get("per_class", {}).items()
            },
        }
    ticket_labels = warehouse.sql(
        "select sentiment_label, count(*) from ml.ml_ticket_sentiment "
        "where status = 'scored' group by 1 order by 1"
    ).fetchall()
    result["ticket_labels"] = {label: int(count) for label, count in ticket_labels}
    return result
