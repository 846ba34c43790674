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

NEEDED_TABLES = {
    "ml_model_runs",
    "ml_churn_scores",
    "ml_customer_value",
    "ml_btyd_features",
    "ml_review_sentiment",
    "ml_ticket_sentiment",
}


def evaluate_ml(warehouse: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict[str, Any]:
    """Churn, customer value and sentiment quality of a warehouse built from demo data written
    with `truth_dir`."""
    present = {row[0] for row in warehouse.sql("select table_name from duckdb_tables()").fetchall()}
    missing = sorted(NEEDED_TABLES - present)
    if missing:
        raise ValueError(
            f"the warehouse has no {', '.join(missing)}: build it with its ML models first "
            "(dbt build, or python -m benchmarks.ml_quality without --skip-build)"
        )
    return {
        "churn": _churn(warehouse, Path(truth_dir) / "customers_truth.parquet"),
        "customer_value": _customer_value(warehouse),
        "sentiment": _sentiment(warehouse),
    }


def _churn(warehouse: duckdb.DuckDBPyConnection, truth_path: Path) -> dict[str, Any]:
    """The model's own validation figures, and its scores against the latent churn at the end."""
    run = warehouse.sql(
        "select validation_auc, baseline_auc, validation_pr_auc, expected_calibration_error, "
        "training_rows, bgnbd_auc, auc_minus_bgnbd_ci_low, auc_minus_bgnbd_ci_high, metrics_json "
        "from ml.ml_model_runs where task = 'churn'"
    ).fetchall()
    scored = warehouse.sql(
        f"""
        select
            scores.churn_probability,
            scores.risk_tier,
            scores.is_win_back,
            features.days_since_last_order,
            btyd.bgnbd_purchases_churn_horizon,
            truth.churned_at is not null as truly_churned
        from ml.ml_churn_scores as scores
        inner join read_parquet('{truth_path}') as truth
            on scores.customer_id = truth.customer_id
        inner join intermediate.int_customer_features_pit as features
            on scores.customer_id = features.customer_id and features.is_scoring_snapshot
        left join ml.ml_btyd_features as btyd
            on features.customer_cutoff_id = btyd.customer_cutoff_id
        where scores.status = 'scored'
        """
    ).df()
    if not run or scored.empty:
        return {"trained": False}
    validation_auc, baseline_auc, pr_auc, ece, training_rows, bgnbd_auc, low, high, metrics = run[0]
    metrics = json.loads(metrics)
    truth = scored["truly_churned"].to_numpy(dtype=bool)
    both_classes = 0 < truth.sum() < len(truth)
    purchases = scored["bgnbd_purchases_churn_horizon"]
    purchases = purchases.fillna(purchases.median())
    tiers = scored.groupby("risk_tier")["truly_churned"].agg(["size", "mean"])
    return {
        "trained": True,
        "training_rows": int(training_rows),
        "validation_auc": validation_auc,
        "baseline_auc": baseline_auc,
        "bgnbd_auc": bgnbd_auc,
        "auc_minus_bgnbd_ci": [low, high],
        "active_auc": metrics.get("active_auc"),
        "active_bgnbd_auc": metrics.get("active_bgnbd_auc"),
        "lapsed_auc": metrics.get("lapsed_auc"),
        "lapsed_bgnbd_auc": metrics.get("lapsed_bgnbd_auc"),
        "win_back_scores": int(scored["is_win_back"].sum()),
        "validation_pr_auc": pr_auc,
        "expected_calibration_error": ece,
        "scored_customers": len(scored),
        "truly_churned_share": float(truth.mean()),
        "truth_auc": float(roc_auc_score(truth, scored["churn_probability"]))
        if both_classes
        else None,
        "truth_auc_recency": float(roc_auc_score(truth, scored["days_since_last_order"]))
        if both_classes
        else None,
        "truth_auc_bgnbd": float(roc_auc_score(truth, -purchases)) if both_classes else None,
        "mean_probability_truly_churned": float(scored.loc[truth, "churn_probability"].mean()),
        "mean_probability_still_active": float(scored.loc[~truth, "churn_probability"].mean()),
        "truly_churned_by_tier": {
            tier: {"customers": int(row["size"]), "truly_churned": round(float(row["mean"]), 3)}
            for tier, row in tiers.iterrows()
        },
    }


def _customer_value(warehouse: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The value model's held-out figures beside its two baselines, and its tiers. The generator
    keeps no latent spend beyond its window, so held-out revenue is the truth here."""
    run = warehouse.sql(
        "select metrics_json from ml.ml_model_runs where task = 'customer_value'"
    ).fetchall()
    if not run:
        return {"trained": False}
    metrics = json.loads(run[0][0])
    keys = ("mae", "rmse", "spearman", "top_decile_capture", "predicted_to_actual")
    tiers = warehouse.sql(
        "select value_tier, count(*), round(avg(predicted_value), 2) from ml.ml_customer_value "
        "where status = 'scored' group by 1 order by 1"
    ).fetchall()
    return {
        "trained": True,
        "split_strategy": metrics["split_strategy"],
        "validation_period": metrics["validation_period"],
        "held_out_rows": metrics["n_valid"],
        "held_out_customers": metrics["n_valid_customers"],
        **{
            name: {key: metrics.get(key if name == "model" else f"{name}_{key}") for key in keys}
            for name in ("model", "historical_average", "btyd")
        },
        "tiers": {tier: {"customers": n, "mean_predicted_value": mean} for tier, n, mean in tiers},
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
