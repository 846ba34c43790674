"""The customer models' inputs: which columns of the feature table are features, and which not.

Declared here, once, rather than taken as "every numeric column", so that a column added to the
feature table (ml_customer_features_pit) becomes a feature only when someone says so: until it is
declared a feature or excluded, ml_churn_scores and ml_customer_value fail and name it. The
feature table's YAML (python_models/ml/_ml__models.yml) marks the same columns with
`meta: {model_feature: true}`, and the test suite checks that the two agree. The order is the
models' column order, part of their versions. Churn and value read the same features: what
predicts whether a customer buys again also predicts how much.
"""

from __future__ import annotations

from collections.abc import Iterable

MODEL_FEATURES = (
    "days_since_last_order",
    "tenure_days",
    "orders_total",
    "orders_last_30d",
    "orders_last_90d",
    "orders_last_180d",
    "orders_last_365d",
    "revenue_total",
    "revenue_last_365d",
    "average_order_value",
    "repeat_purchase_days",
    "repeat_span_days",
    "purchase_age_days",
    "mean_gap_days",
    "gap_variation",
    "last_gap_days",
    "recency_gap_ratio",
    "repeat_purchase_value",
    "bgnbd_p_alive",
    "bgnbd_purchases_churn_horizon",
    "bgnbd_purchases_value_horizon",
    "bgnbd_p_no_purchase_churn_horizon",
    "gamma_gamma_spend",
    "btyd_expected_value",
    "returned_orders",
    "late_deliveries",
    "avg_delivery_delay_days",
    "sessions_last_30d",
    "sessions_prev_30d",
    "session_trend",
    "cart_abandonment_rate",
    "days_since_last_session",
    "tickets_total",
    "tickets_last_90d",
    "unresolved_tickets",
    "reviews_total",
    "negative_reviews",
    "avg_review_rating",
    "avg_review_sentiment",
)
# Keys, the labels and the cutoff markers: never features. Lapsed is days_since_last_order past
# a threshold, which the trees see already.
NOT_FEATURES = (
    "customer_cutoff_id",
    "customer_id",
    "cutoff_number",
    "is_churned",
    "revenue_in_value_horizon",
    "is_lapsed",
    "is_churn_training",
    "is_value_training",
    "is_scoring_snapshot",
    "cutoff_at",
)


def feature_columns(columns: Iterable[str]) -> list[str]:
    """MODEL_FEATURES, after checking that every column of the feature table is declared."""
    undeclared = [
        column for column in columns if column not in MODEL_FEATURES and column not in NOT_FEATURES
    ]
    if undeclared:
        raise ValueError(
            f"the customer feature table has columns that are neither features nor excluded: "
            f"{undeclared}; add each to MODEL_FEATURES or NOT_FEATURES in ml/customer_features.py "
            "(and document it in python_models/ml/_ml__models.yml)"
        )
    return list(MODEL_FEATURES)
