"""Settings of the ML models, as dbt passes them: the `meta` config of each Python model.

`python_models/ml/_ml__models.yml` renders dbt vars (and their environment fallbacks) into every
Python model's meta, so one `--vars` flag configures the whole ML layer; this module turns that
mapping into typed settings with the same defaults when run outside dbt.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The defaults of the churn vars in dbt_project.yml, which dbt always passes; these apply to runs
# outside dbt, and ml/churn.py takes its defaults from here.
CHURN_HORIZON_DAYS = 90
CHURN_HIGH_RISK_THRESHOLD = 0.6
CHURN_MEDIUM_RISK_THRESHOLD = 0.3
VALUE_HORIZON_DAYS = 365
VALUE_TIER_TOP_SHARE = 0.10
VALUE_TIER_HIGH_SHARE = 0.30
# The defaults of the segment vars; ml/segments.py takes its defaults from here.
SEGMENT_MIN_CLUSTERS = 3
SEGMENT_MAX_CLUSTERS = 8
# The defaults of the recommendation and demand vars; ml/recommend and ml/forecast take their
# defaults from here.
RECOMMENDATION_COUNT = 20
RECOMMENDATION_HOLDOUT_DAYS = 30
PRODUCT_ACTIVE_DAYS = 180
DEMAND_FORECAST_WEEKS = 8
# How sentence embeddings are computed: eager torch (the default, any device) or ONNX Runtime
# (CPU only, faster).
EMBEDDING_BACKENDS = ("torch", "onnxruntime")


def _text(value: Any) -> str | None:
    """Empty strings and the literal 'None' that Jinja renders for a null var mean 'not set'."""
    if value is None:
        return None
    text = str(value).strip()
    return text if text and text.lower() != "none" else None


@dataclass(frozen=True)
class MLSettings:
    """Where models come from, where artifacts go, which device runs them, how churn and value
    are framed."""

    device: str | None = None
    embedding_model_path: str | None = None
    embedding_backend: str = EMBEDDING_BACKENDS[0]
    sentiment_strategy: str = "supervised"
    sentiment_model_path: str | None = None
    sentiment_label_map: Mapping[str, str] = field(default_factory=dict)
    artifacts_dir: str | None = None
    churn_horizon_days: int = CHURN_HORIZON_DAYS
    churn_high_risk_threshold: float = CHURN_HIGH_RISK_THRESHOLD
    churn_medium_risk_threshold: float = CHURN_MEDIUM_RISK_THRESHOLD
    segment_min_clusters: int = SEGMENT_MIN_CLUSTERS
    segment_max_clusters: int = SEGMENT_MAX_CLUSTERS
    value_horizon_days: int = VALUE_HORIZON_DAYS
    value_tier_top_share: float = VALUE_TIER_TOP_SHARE
    value_tier_high_share: float = VALUE_TIER_HIGH_SHARE
    recommendation_count: int = RECOMMENDATION_COUNT
    recommendation_holdout_days: int = RECOMMENDATION_HOLDOUT_DAYS
    product_active_days: int = PRODUCT_ACTIVE_DAYS
    demand_forecast_weeks: int = DEMAND_FORECAST_WEEKS

    def __post_init__(self) -> None:
        if self.value_tier_top_share + self.value_tier_high_share > 1.0:
            raise ValueError(
                "the dbt vars value_tier_top_share and value_tier_high_share must sum to at "
                f"most 1, got {self.value_tier_top_share} + {self.value_tier_high_share}"
            )

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any] | None) -> MLSettings:
        meta = meta or {}
        return cls(
            device=_text(meta.get("ml_device")),
            embedding_model_path=_text(meta.get("embedding_model_path")),
            embedding_backend=_backend(meta),
            sentiment_strategy=_text(meta.get("sentiment_strategy")) or "supervised",
            sentiment_model_path=_text(meta.get("sentiment_model_path")),
            sentiment_label_map=_label_map(meta.get("sentiment_label_map")),
            artifacts_dir=_text(meta.get("ml_artifacts_dir")),
            churn_horizon_days=_positive_days(meta, "churn_horizon_days", CHURN_HORIZON_DAYS),
            churn_high_risk_threshold=_probability(
                meta, "churn_high_risk_threshold", CHURN_HIGH_RISK_THRESHOLD
            ),
            churn_medium_risk_threshold=_probability(
                meta, "churn_medium_risk_threshold", CHURN_MEDIUM_RISK_THRESHOLD
            ),
            value_horizon_days=_positive_days(meta, "value_horizon_days", VALUE_HORIZON_DAYS),
            value_tier_top_share=_probability(meta, "value_tier_top_share", VALUE_TIER_TOP_SHARE),
            value_tier_high_share=_probability(
                meta, "value_tier_high_share", VALUE_TIER_HIGH_SHARE
            ),
            recommendation_count=_positive_days(meta, "recommendation_count", RECOMMENDATION_COUNT),
            recommendation_holdout_days=_positive_days(
                meta, "recommendation_holdout_days", RECOMMENDATION_HOLDOUT_DAYS
            ),
            product_active_days=_positive_days(meta, "product_active_days", PRODUCT_ACTIVE_DAYS),
            demand_forecast_weeks=_positive_days(
                meta, "demand_forecast_weeks", DEMAND_FORECAST_WEEKS
            ),
            **_cluster_range(meta),
        )


def _backend(meta: Mapping[str, Any]) -> str:
    """The embedding backend var: torch (default) or onnxruntime (CPU)."""
    backend = _text(meta.get("embedding_backend")) or EMBEDDING_BACKENDS[0]
    if backend not in EMBEDDING_BACKENDS:
        raise ValueError(
            f"the dbt var embedding_backend (or $ML_EMBEDDING_BACKEND) must be one of "
            f"{', '.join(EMBEDDING_BACKENDS)}, got {backend!r}"
        )
    return backend


def _positive_days(meta: Mapping[str, Any], name: str, default: int) -> int:
    """A horizon or count var: a positive whole number (of days, or of products)."""
    value = meta.get(name)
    text = _text(value)
    if text is None:
        return default
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise ValueError(f"the `{name}` dbt var must be a positive integer, got {value!r}")
    return days


def _cluster_range(meta: Mapping[str, Any]) -> dict[str, int]:
    """The `segment_min_clusters` and `segment_max_clusters` vars: whole numbers, 2 <= min <= max
    (silhouette needs at least two clusters)."""
    values = {}
    for name, default in (
        ("segment_min_clusters", SEGMENT_MIN_CLUSTERS),
        ("segment_max_clusters", SEGMENT_MAX_CLUSTERS),
    ):
        text = _text(meta.get(name))
        try:
            values[name] = default if text is None else int(text)
        except ValueError:
            values[name] = 0
        if values[name] < 2:
            raise ValueError(
                f"the `{name}` dbt var must be a whole number of at least 2, got {text!r}"
            )
    if values["segment_min_clusters"] > values["segment_max_clusters"]:
        raise ValueError(
            "the `segment_min_clusters` dbt var must not exceed `segment_max_clusters`, got "
            f"{values['segment_min_clusters']} > {values['segment_max_clusters']}"
        )
    return values


def _probability(meta: Mapping[str, Any], name: str, default: float) -> float:
    """A dbt var that must be a number between 0 and 1."""
    text = _text(meta.get(name))
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"the `{name}` dbt var must be a number between 0 and 1, got {text!r}")
    return value


def _label_map(value: Any) -> dict[str, str]:
    """The `sentiment_label_map` var, which dbt renders into meta as JSON text."""
    text = _text(value)
    if isinstance(value, Mapping):
        parsed: Any = dict(value)
    elif text is None:
        return {}
    else:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
    if not isinstance(parsed, dict) or not all(
        isinstance(key, str) and isinstance(label, str) for key, label in parsed.items()
    ):
        raise ValueError(
            "the `sentiment_label_map` dbt var must map the classifier's labels to negative, "
            "neutral or positive, e.g. {'LABEL_0': 'negative', 'LABEL_1': 'positive'}; "
            f"got {value!r}"
        )
    return parsed


def log_progress() -> None:
    """Send the `ml` package's progress and throughput lines to stderr, where dbt's console shows
    them next to its own; idempotent, because dbt imports every Python model in one process."""
    logger = logging.getLogger("ml")
    if not any(getattr(handler, "_ml_progress", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s ml %(message)s", "%H:%M:%S"))
        handler._ml_progress = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # a root handler set up by a library would print every line twice
