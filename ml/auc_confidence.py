"""Confidence intervals for a validation AUC and for its difference from a baseline's AUC.

One validation cutoff holds a few hundred to a few thousand customers, so the AUC measured there
moves by a few hundredths from one build to the next on noise alone (a handful of new rows, a
retrained model). A quality gate on the point estimate then fails builds for nothing; the gate
uses these intervals instead (tests/assert_churn_validation_auc_above_floor.sql).

DeLong's method (DeLong, DeLong and Clarke-Pearson 1988, in the fast form of Sun and Xu 2014)
rather than a bootstrap: exact to compute, no seed and no resampling cost, and it gives the
covariance of two AUCs measured on the same rows, which the model-minus-baseline interval needs.
Rows are assumed independent: the validation cutoff holds one row per customer.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm, rankdata

CI_LEVEL = 0.95


def auc_intervals(
    labels: np.ndarray,
    scores: np.ndarray,
    baseline_scores: np.ndarray | None = None,
    level: float = CI_LEVEL,
) -> dict[str, float | None]:
    """AUC of `scores` with its confidence interval, and the same for AUC(scores) minus
    AUC(baseline_scores) on the same rows (None without a baseline). Labels are 0/1."""
    labels = np.asarray(labels).astype(int)
    rows = [np.asarray(scores, dtype=float)]
    if baseline_scores is not None:
        rows.append(np.asarray(baseline_scores, dtype=float))
    aucs, covariance = _delong(labels, np.vstack(rows))
    z = float(norm.ppf(0.5 + level / 2))
    spread = z * float(np.sqrt(max(covariance[0, 0], 0.0)))
    result: dict[str, float | None] = {
        "ci_level": level,
        "auc_ci_low": float(max(aucs[0] - spread, 0.0)),
        "auc_ci_high": float(min(aucs[0] + spread, 1.0)),
        "auc_minus_baseline": None,
        "auc_minus_baseline_ci_low": None,
        "auc_minus_baseline_ci_high": None,
    }
    if baseline_scores is not None:
        difference = float(aucs[0] - aucs[1])
        variance = covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1]
        spread = z * float(np.sqrt(max(variance, 0.0)))
        result |= {
            "auc_minus_baseline": difference,
            "auc_minus_baseline_ci_low": max(difference - spread, -1.0),
            "auc_minus_baseline_ci_high": min(difference + spread, 1.0),
        }
    return result


def _delong(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUCs of each row of `scores` (k, n) and their (k, k) covariance, ties counted as half."""
    positive, negative = scores[:, labels == 1], scores[:, labels == 0]
    m, n = positive.shape[1], negative.shape[1]
    if m == 0 or n == 0:
        raise ValueError("an AUC interval needs both classes among the labels")
    within_positive = rankdata(positive, axis=1)
    within_negative = rankdata(negative, axis=1)
    overall = rankdata(np.hstack([positive, negative]), axis=1)
    aucs = (overall[:, :m].sum(axis=1) - m * (m + 1) / 2) / (m * n)
    # Structural components: each positive's share of negatives ranked below it, and each
    # negative's share of positives ranked above it.
    v_positive = (overall[:, :m] - within_positive) / n
    v_negative = 1.0 - (overall[:, m:] - within_negative) / m
    covariance = np.atleast_2d(np.cov(v_positive)) / m + np.atleast_2d(np.cov(v_negative)) / n
    return aucs, covariance
