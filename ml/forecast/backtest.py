"""Rolling-origin backtests: forecast from past weeks as if they were the last ones known.

Origins sit `horizon` weeks apart, the latest `horizon` weeks before the end of the series, so no
week is forecast from two origins. The older half of the origins chooses each series' model
(lowest mean MASE); the newer half reports it beside seasonal-naive, on weeks the choice never
saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.forecast.models import (
    BASELINE,
    FORECASTERS,
    Forecast,
    Forecaster,
    run_forecaster,
    seasonal_period,
)

ORIGINS = 6
# No backtest origin with fewer weeks of history than this.
MIN_TRAINING_WEEKS = 26


def mase(actual: np.ndarray, predicted: np.ndarray, history: pd.Series) -> float:
    """Mean absolute error scaled by the in-sample error of the (seasonal) naive forecast on the
    history; NaN when the history is constant, where no scale exists."""
    values = history.to_numpy(dtype=float)
    period = seasonal_period(history)
    scale = np.mean(np.abs(values[period:] - values[:-period])) if len(values) > period else 0.0
    if scale == 0:
        return float("nan")
    return float(np.mean(np.abs(actual - predicted)) / scale)


def covered(actual: np.ndarray, forecast: Forecast) -> float:
    """Number of actual weeks inside the prediction interval."""
    return float(np.sum((actual >= forecast.lower) & (actual <= forecast.upper)))


def origins(length: int, horizon: int) -> list[int]:
    """Training lengths of the backtest origins, oldest first, `horizon` weeks apart."""
    latest = length - horizon
    candidates = [latest - horizon * step for step in range(ORIGINS - 1, -1, -1)]
    return [origin for origin in candidates if origin >= MIN_TRAINING_WEEKS]


@dataclass
class SeriesBacktest:
    """Per model, the MASE and the weeks inside the interval at each origin (None where the
    model failed)."""

    origins: list[int]
    horizon: int
    mase: dict[str, list[float | None]] = field(default_factory=dict)
    covered: dict[str, list[float | None]] = field(default_factory=dict)

    @property
    def split(self) -> int:
        """Origins before this index choose the model, the rest report it."""
        return len(self.origins) // 2

    def _mean(self, name: str, values: dict[str, list[float | None]], report: bool) -> float:
        part = values[name][self.split :] if report else values[name][: self.split]
        if any(value is None for value in part):
            return float("inf")  # failed at some origin: not usable for this series
        finite = [value for value in part if not np.isnan(value)]
        return float(np.mean(finite)) if finite else float("nan")

    def choose(self) -> str:
        """The model with the lowest mean MASE on the choosing origins; the baseline on ties or
        when nothing can be scored (NaN scales)."""
        best, best_score = BASELINE.name, self._mean(BASELINE.name, self.mase, report=False)
        for name in self.mase:
            score = self._mean(name, self.mase, report=False)
            if np.isfinite(score) and (not np.isfinite(best_score) or score < best_score):
                best, best_score = name, score
        return best

    def report(self, name: str) -> dict[str, float]:
        """Mean MASE of `name` on the reporting origins, and the weeks forecast and covered."""
        inside = self.covered[name][self.split :]
        failed = any(value is None for value in inside)
        return {
            "mase": self._mean(name, self.mase, report=True),
            "weeks": 0.0 if failed else float(len(inside) * self.horizon),
            "covered_weeks": 0.0 if failed else float(sum(inside)),
        }


def backtest(
    history: pd.Series,
    horizon: int,
    regressors: pd.DataFrame,
    forecasters: tuple[Forecaster, ...] = FORECASTERS,
) -> SeriesBacktest | None:
    """Every forecaster from every origin; None when fewer than two origins fit the history."""
    points = origins(len(history), horizon)
    if len(points) < 2:
        return None
    result = SeriesBacktest(points, horizon)
    for forecaster in forecasters:
        result.mase[forecaster.name], result.covered[forecaster.name] = [], []
        for origin in points:
            train = history.iloc[:origin]
            actual = history.iloc[origin : origin + horizon].to_numpy(dtype=float)
            forecast = run_forecaster(forecaster, train, horizon, regressors)
            if forecast is None:
                result.mase[forecaster.name].append(None)
                result.covered[forecaster.name].append(None)
                continue
            result.mase[forecaster.name].append(mase(actual, forecast.point, train))
            result.covered[forecaster.name].append(covered(actual, forecast))
    return result
