"""Probability calibration for the churn model, and validation metrics that judge it honestly.

LightGBM's raw probabilities reflect the base rate of the training cutoffs; churn rates drift
between cutoffs (seasonality, campaigns), so the raw scores are remapped on the latest labelled
cutoff. Calibrated metrics are cross-fitted: each validation row is scored by a calibrator fitted
without it, because a calibrator judged on its own fitting rows always looks near-perfect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

CALIBRATION_METHODS = ("isotonic", "sigmoid")
_EPSILON = 1e-6


def _logit(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, _EPSILON, 1 - _EPSILON)
    return np.log(clipped / (1 - clipped)).reshape(-1, 1)


@dataclass
class ProbabilityCalibrator:
    """Maps raw model probabilities to calibrated ones.

    Isotonic is free-form and needs many rows; sigmoid (Platt scaling on the log-odds) has two
    parameters and is the safer choice for small validation sets.
    """

    method: str
    estimator: Any = field(default=None, repr=False)

    def fit(self, raw: np.ndarray, labels: np.ndarray) -> ProbabilityCalibrator:
        if self.method == "isotonic":
            self.estimator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            self.estimator.fit(raw, labels)
        elif self.method == "sigmoid":
            # Large C: Platt scaling is meant to be unregularised; two parameters cannot overfit.
            self.estimator = LogisticRegression(C=1e6).fit(_logit(raw), labels)
        else:
            raise ValueError(
                f"calibration must be one of {CALIBRATION_METHODS}, got {self.method!r}"
            )
        return self

    def predict(self, raw: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            calibrated = self.estimator.predict(raw)
        else:
            calibrated = self.estimator.predict_proba(_logit(raw))[:, 1]
        return np.clip(np.asarray(calibrated, dtype=float), 0.0, 1.0)


def cross_fitted_calibration(
    raw: np.ndarray, labels: np.ndarray, groups: np.ndarray, method: str, folds: int, seed: int
) -> np.ndarray:
    """Out-of-fold calibrated probabilities: each row calibrated by a fit that never saw it.

    Folds are grouped by customer (a customer's rows never straddle fit and evaluation) and
    stratified, so every fit sees both classes.
    """
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    calibrated = np.empty(len(raw), dtype=float)
    for fit_rows, held_out in splitter.split(raw, labels, groups):
        calibrator = ProbabilityCalibrator(method).fit(raw[fit_rows], labels[fit_rows])
        calibrated[held_out] = calibrator.predict(raw[held_out])
    return calibrated


def expected_calibration_error(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = 10
) -> float:
    """Row-weighted mean gap between predicted and observed churn rate over equal-width bins."""
    bin_index = np.minimum((probabilities * bins).astype(int), bins - 1)
    error = 0.0
    for current in np.unique(bin_index):
        in_bin = bin_index == current
        gap = abs(probabilities[in_bin].mean() - labels[in_bin].mean())
        error += in_bin.mean() * gap
    return float(error)


def probability_metrics(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Brier score, log loss and ECE: the metrics that judge probabilities, not just ranking."""
    clipped = np.clip(probabilities, _EPSILON, 1 - _EPSILON)
    return {
        "brier": float(brier_score_loss(labels, probabilities)),
        "log_loss": float(log_loss(labels, clipped, labels=[0, 1])),
        "ece": expected_calibration_error(probabilities, labels),
    }


def ranking_metrics(scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """ROC AUC and PR AUC (average precision) of a score, whatever its scale."""
    return {
        "auc": float(roc_auc_score(labels, scores)),
        "pr_auc": float(average_precision_score(labels, scores)),
    }
