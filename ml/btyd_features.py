"""BG/NBD and Gamma-Gamma scores per (customer, cutoff), each cutoff fitted on its own history.

The input is one row per customer and cutoff with the repeat-purchase summary as it stood at the
cutoff (see REQUIRED_COLUMNS). The models are fitted separately for every cutoff on that
cutoff's rows alone, so a score at a training cutoff never depends on purchases after it: the
scores can serve as point-in-time features next to the churn model's, and as a baseline it is
compared with.

Fit on every customer who had bought by the cutoff. A population filtered on recency (say,
customers not yet churned by a lifecycle rule) removes exactly the customers whose silence
teaches BG/NBD about dropout, and the fitted P(alive) comes out too high; filter after scoring.

A cutoff with too few customers or repeat buyers, or whose fit does not converge, gets NaN in
the columns of the model that failed (Gamma-Gamma failing leaves the BG/NBD columns), with a
warning that says what to change, rather than failing the build: early cutoffs of a young shop
are expected to be thin.
"""

from __future__ import annotations

import logging
import math
import time
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from ml.btyd import (
    BGNBDParams,
    BTYDFitError,
    GammaGammaParams,
    InsufficientBTYDData,
    expected_purchases,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
    probability_no_purchase,
)

logger = logging.getLogger(__name__)

FREQUENCY = "repeat_purchase_days"
RECENCY = "repeat_span_days"
AGE = "purchase_age_days"
MONETARY = "repeat_purchase_value"
REQUIRED_COLUMNS = (FREQUENCY, RECENCY, AGE, MONETARY)

P_ALIVE = "bgnbd_p_alive"
PURCHASES_CHURN = "bgnbd_purchases_churn_horizon"
PURCHASES_VALUE = "bgnbd_purchases_value_horizon"
NO_PURCHASE_CHURN = "bgnbd_p_no_purchase_churn_horizon"
SPEND = "gamma_gamma_spend"
EXPECTED_VALUE = "btyd_expected_value"
BGNBD_COLUMNS = (P_ALIVE, PURCHASES_CHURN, PURCHASES_VALUE, NO_PURCHASE_CHURN)
GAMMA_GAMMA_COLUMNS = (SPEND,)
BTYD_COLUMNS = (*BGNBD_COLUMNS, *GAMMA_GAMMA_COLUMNS, EXPECTED_VALUE)


def btyd_features(
    frame: pd.DataFrame,
    churn_horizon_days: float,
    value_horizon_days: float,
    *,
    penalizer_coef: float = 0.0,
    id_column: str = "customer_id",
    cutoff_column: str = "cutoff_at",
) -> pd.DataFrame:
    """Per row of `frame`: P(alive), expected purchases over both horizons, expected spend per
    purchase and expected value over the value horizon, as float64 columns (BTYD_COLUMNS).

    The result has `frame`'s index, its id and cutoff columns, and the five scores. Rows without
    a purchase by their cutoff (`purchase_age_days` null) are outside the models: NaN scores, not
    part of any fit. Gamma-Gamma is fitted on repeat buyers with a positive
    `repeat_purchase_value`; repeat buyers whose repeat purchases net to nothing (or have no
    value) get a NaN spend, and customers without repeat purchases the population mean.
    """
    _check_horizon("churn_horizon_days", churn_horizon_days)
    _check_horizon("value_horizon_days", value_horizon_days)
    missing = [c for c in (id_column, cutoff_column, *REQUIRED_COLUMNS) if c not in frame.columns]
    if missing:
        raise ValueError(f"btyd features are missing columns {missing}")
    if frame[cutoff_column].isna().any():
        raise ValueError(
            f"btyd features: {cutoff_column} is null in some rows; every row needs one"
        )
    result = pd.DataFrame(
        {id_column: frame[id_column], cutoff_column: frame[cutoff_column]}, index=frame.index
    )
    scores = np.full((len(frame), len(BTYD_COLUMNS)), np.nan)
    positions = pd.RangeIndex(len(frame))
    for cutoff, rows in positions.groupby(frame[cutoff_column].to_numpy()).items():
        rows = np.asarray(rows)
        scores[rows] = _score_cutoff(
            frame.iloc[rows],
            _cutoff_text(cutoff),
            churn_horizon_days,
            value_horizon_days,
            penalizer_coef,
        )
    for position, column in enumerate(BTYD_COLUMNS):
        result[column] = scores[:, position].astype(np.float64)
    return result


def _score_cutoff(
    rows: pd.DataFrame,
    cutoff: str,
    churn_horizon_days: float,
    value_horizon_days: float,
    penalizer_coef: float,
) -> np.ndarray:
    """Scores of one cutoff's rows, one column per BTYD_COLUMNS, NaN where a model could not be
    fitted."""
    started = time.perf_counter()
    frequency, recency, age, monetary = (_floats(rows[column]) for column in REQUIRED_COLUMNS)
    scores = np.full((len(rows), len(BTYD_COLUMNS)), np.nan)
    bought = ~np.isnan(age)
    if not bought.all():
        logger.info(
            "btyd: cutoff %s: %s rows have no purchase by the cutoff and get no scores",
            cutoff,
            f"{int((~bought).sum()):,}",
        )
    x, t_x, t_cal, m = frequency[bought], recency[bought], age[bought], monetary[bought]
    bgnbd = _fit_or_warn(
        "BG/NBD",
        cutoff,
        len(x),
        BGNBD_COLUMNS + (EXPECTED_VALUE,),
        lambda: fit_bgnbd(x, t_x, t_cal, penalizer_coef=penalizer_coef),
    )
    if bgnbd is None:
        return scores
    purchases_value = expected_purchases(bgnbd, value_horizon_days, x, t_x, t_cal)
    scores[bought, 0] = probability_alive(bgnbd, x, t_x, t_cal)
    scores[bought, 1] = expected_purchases(bgnbd, churn_horizon_days, x, t_x, t_cal)
    scores[bought, 2] = purchases_value
    scores[bought, 3] = probability_no_purchase(bgnbd, churn_horizon_days, x, t_x, t_cal)

    repeat = x > 0
    valued = repeat & (m > 0)  # NaN compares False
    if (repeat & ~valued).any():
        logger.warning(
            "btyd: cutoff %s: %s repeat buyers have no positive repeat_purchase_value; they are "
            "left out of the Gamma-Gamma fit and get no expected spend",
            cutoff,
            f"{int((repeat & ~valued).sum()):,}",
        )
    gamma_gamma = _fit_or_warn(
        "Gamma-Gamma",
        cutoff,
        int(valued.sum()),
        GAMMA_GAMMA_COLUMNS + (EXPECTED_VALUE,),
        lambda: fit_gamma_gamma(x[valued], m[valued], penalizer_coef=penalizer_coef),
    )
    if gamma_gamma is not None:
        spend = np.full(len(x), np.nan)
        scored = valued | ~repeat
        spend[scored] = expected_spend(gamma_gamma, x[scored], np.where(valued, m, np.nan)[scored])
        scores[bought, BTYD_COLUMNS.index(SPEND)] = spend
        scores[bought, BTYD_COLUMNS.index(EXPECTED_VALUE)] = purchases_value * spend
    logger.info(
        "btyd: cutoff %s fitted on %s customers (%s repeat buyers) in %.1f s: %s",
        cutoff,
        f"{len(x):,}",
        f"{int(repeat.sum()):,}",
        time.perf_counter() - started,
        _describe(bgnbd, gamma_gamma),
    )
    return scores


def _fit_or_warn(
    model: str, cutoff: str, customers: int, columns: tuple[str, ...], fit: Any
) -> BGNBDParams | GammaGammaParams | None:
    """The fitted parameters, or None after a warning when the data cannot support a fit.

    Invalid inputs (negative days, recency beyond the age) are not caught: they mean the
    feature query is wrong, and the error says which column.
    """
    try:
        return fit()
    except (InsufficientBTYDData, BTYDFitError) as exc:
        logger.warning(
            "btyd: cutoff %s: no %s fit on %s customers, so %s are NaN: %s (expected at "
            "the early cutoffs of a short history; to start the cutoffs later, lower the "
            "dbt vars churn_training_cutoffs, value_training_cutoffs or "
            "training_cutoff_spacing_days)",
            cutoff,
            model,
            f"{customers:,}",
            ", ".join(columns),
            exc,
        )
        return None
    except ValueError as exc:
        raise ValueError(f"btyd: cutoff {cutoff}: {exc}") from exc


def _describe(bgnbd: BGNBDParams, gamma_gamma: GammaGammaParams | None) -> str:
    text = f"r={bgnbd.r:.3g} alpha={bgnbd.alpha:.3g} a={bgnbd.a:.3g} b={bgnbd.b:.3g}"
    if gamma_gamma is not None:
        text += f"; p={gamma_gamma.p:.3g} q={gamma_gamma.q:.3g} v={gamma_gamma.v:.3g}"
    return text


def _floats(column: pd.Series) -> np.ndarray:
    """A column as float64 with NaN for nulls, whatever its dtype (nullable, decimal, object)."""
    return pd.to_numeric(column, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)


def _check_horizon(name: str, days: float) -> None:
    if isinstance(days, bool) or not (isinstance(days, Real) and math.isfinite(days) and days > 0):
        raise ValueError(f"{name} must be a positive number of days, got {days!r}")


def _cutoff_text(cutoff: Any) -> str:
    """A cutoff for log lines: the date alone when it is midnight."""
    if isinstance(cutoff, np.datetime64):
        cutoff = pd.Timestamp(cutoff)
    if isinstance(cutoff, pd.Timestamp):
        return cutoff.date().isoformat() if cutoff == cutoff.normalize() else cutoff.isoformat()
    return cutoff.isoformat() if hasattr(cutoff, "isoformat") else str(cutoff)
