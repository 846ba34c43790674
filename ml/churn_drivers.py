"""Per-customer churn drivers from LightGBM's own SHAP values (`pred_contrib=True`).

Tree SHAP from the booster needs no extra dependency and is exact for the trees; the text form
is what a retention team reads next to the score.
"""

from __future__ import annotations

import numpy as np


def top_drivers(
    contributions: np.ndarray, feature_columns: list[str], count: int
) -> tuple[np.ndarray, list[str]]:
    """The `count` features with the largest absolute contribution per row, and their text.

    Absolute rather than positive-only, so low-risk customers also get an explanation (what keeps
    them). Features that contributed exactly nothing are left out (None) instead of padded in.
    Returns names (rows x count, object) and strings like "late_deliveries (+0.84); ...".
    """
    count = min(count, len(feature_columns))
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :count]
    values = np.take_along_axis(contributions, order, axis=1)
    names = np.asarray(feature_columns, dtype=object)[order]
    names[values == 0] = None
    text = [
        "; ".join(
            f"{name} ({value:+.2f})"
            for name, value in zip(row_names, row_values, strict=True)
            if name
        )
        for row_names, row_values in zip(names, values, strict=True)
    ]
    return names, text
