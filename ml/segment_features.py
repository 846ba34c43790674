"""The segmentation's inputs: which columns of ml_segment_features are clustered, how each is
scaled, and the words that name a segment which stands out on it.

Declared here, once, like the churn features: a column added to the feature table becomes a
segmentation feature only when it is listed here, and until it is listed or excluded,
ml_customer_segments fails and names it. Adding a feature is one line: a customer value model's
`predicted_value` column, once ml_segment_features selects it, would be
`SegmentFeature("predicted_value", "predicted value", high="high potential", low="low potential",
log=True)`. The YAML of ml_segment_features marks the same columns `segment_feature: true`, and
the test suite checks that the two agree. The order is part of the segmentation's version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SegmentFeature:
    """A clustered column: `label` for people, `high`/`low` the word a segment well above or
    below the average on it earns (None: standing out that way says nothing worth a name), and
    `log` for heavy-tailed counts and money, clustered as log1p so a few big spenders do not
    stretch the scale for everyone else."""

    column: str
    label: str
    high: str | None
    low: str | None
    log: bool = False


SEGMENT_FEATURES = (
    SegmentFeature("days_since_last_order", "days since last order", "lapsed", "recent"),
    SegmentFeature("revenue_orders", "revenue orders", "frequent", "one-off", log=True),
    SegmentFeature("revenue", "revenue", "high value", "low value", log=True),
    SegmentFeature(
        "average_order_value", "average order value", "big basket", "small basket", log=True
    ),
    SegmentFeature("tenure_days", "tenure", "long-standing", "newly joined"),
    SegmentFeature(
        "sessions_last_90d", "sessions in the last 90 days", "engaged", "quiet", log=True
    ),
    SegmentFeature("mobile_session_share", "share of mobile sessions", "mobile", "desktop"),
    SegmentFeature(
        "paid_session_share", "share of sessions from paid channels", "paid-acquired", None
    ),
    SegmentFeature(
        "organic_session_share", "share of sessions from search and social", "organic", None
    ),
    SegmentFeature("email_session_share", "share of sessions from email", "email-responsive", None),
    SegmentFeature("direct_session_share", "share of direct sessions", "direct visitor", None),
    SegmentFeature(
        "discount_share", "share of item value discounted", "discount-driven", "full-price"
    ),
    SegmentFeature("returned_order_share", "share of orders returned", "returner", None),
    SegmentFeature("reviews_written", "reviews written", "reviewer", None, log=True),
    SegmentFeature(
        "avg_review_sentiment", "average review sentiment", "happy reviewer", "unhappy reviewer"
    ),
    SegmentFeature("tickets_total", "support tickets", "support-heavy", None, log=True),
    SegmentFeature("avg_ticket_sentiment", "average ticket sentiment", None, "frustrated"),
)
# Keys and descriptive columns: never clustered.
NOT_SEGMENT_FEATURES = ("customer_id", "lifecycle_stage", "as_of_at")


def segment_feature_columns(columns: Iterable[str]) -> list[str]:
    """The declared feature columns, after checking that every column of the table is declared."""
    columns = list(columns)
    undeclared = [
        column
        for column in columns
        if column not in {feature.column for feature in SEGMENT_FEATURES}
        and column not in NOT_SEGMENT_FEATURES
    ]
    if undeclared:
        raise ValueError(
            f"the segment feature table has columns that are neither features nor excluded: "
            f"{undeclared}; add each to SEGMENT_FEATURES or NOT_SEGMENT_FEATURES in "
            "ml/segment_features.py (and document it in python_models/ml/_ml__models.yml)"
        )
    missing = [feature.column for feature in SEGMENT_FEATURES if feature.column not in columns]
    if missing:
        raise ValueError(f"the segment feature table lacks declared features: {missing}")
    return [feature.column for feature in SEGMENT_FEATURES]
