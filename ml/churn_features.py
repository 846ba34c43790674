"""The churn model's inputs: which columns of the feature table are features, and which are not.

Declared here, once, rather than taken as "every numeric column", so that a column added to the
feature table (ml_churn_features) becomes a feature only when someone says so: until it is
declared a feature or excluded, ml_churn_scores fails and names it. The feature table's YAML
(python_models/ml/_ml__models.yml) marks the same columns with `meta: {churn_feature: true}`,
and the test suite checks that the two agree. The order is the model's column order, part of its
version.
"""

from __future__ import annotations

from collections.abc import Iterable

CHURN_FEATURES = (
    "days_since_last_order",
    "tenure_days",
    "orders_total",
    "orders_last_90d",
    "revenue_total",
    "average_order_value",
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
# Keys, the label and the snapshot marker: never features.
NOT_FEATURES = (
    "customer_cutoff_id",
    "customer_id",
    "cutoff_number",
    "is_churned",
    "is_scoring_snapshot",
    "cutoff_at",
)


def feature_columns(columns: Iterable[str]) -> list[str]:
    """CHURN_FEATURES, after checking that every column of the feature table is declared."""
    undeclared = [
        column for column in columns if column not in CHURN_FEATURES and column not in NOT_FEATURES
    ]
    if undeclared:
        raise ValueError(
            f"the churn feature table has columns that are neither features nor excluded: "
            f"{undeclared}; add each to CHURN_FEATURES or NOT_FEATURES in ml/churn_features.py "
            "(and document it in python_models/ml/_ml__models.yml)"
        )
    return list(CHURN_FEATURES)
