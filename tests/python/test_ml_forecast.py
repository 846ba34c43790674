"""Demand forecasts: weekly series, the baseline, the backtest's choice and what it reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.forecast.backtest import backtest, mase, origins
from ml.forecast.models import (
    SEASON_WEEKS,
    HarmonicRegression,
    SeasonalNaive,
    run_forecaster,
)
from ml.forecast.pipeline import demand_forecast_table
from ml.forecast.series import calendar_regressors, weekly_series

CALENDAR = pd.DataFrame(
    {
        "event_name": ["peak", "peak", "peak"],
        "start_date": pd.to_datetime(["2023-11-20", "2024-11-18", "2025-11-17"]),
        "end_date": pd.to_datetime(["2023-12-03", "2024-12-01", "2025-11-30"]),
    }
)


def _daily(weeks: int = 110, seed: int = 0) -> pd.DataFrame:
    """Daily units of one category: a flat base, a two-week holiday peak each year, noise."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-06-05", periods=weeks * 7, freq="D")
    peak = np.zeros(len(days), dtype=bool)
    for start, end in zip(CALENDAR["start_date"], CALENDAR["end_date"], strict=True):
        peak |= (days >= start) & (days <= end)
    units = rng.poisson(np.where(peak, 12.0, 3.0))
    return pd.DataFrame(
        {
            "series_id": "category:toys",
            "series_level": "category",
            "category": "toys",
            "product_id": None,
            "demand_date": days,
            "units": units,
        }
    )


def test_weekly_series_drops_the_week_the_as_of_date_cuts_short() -> None:
    daily = _daily(weeks=10)
    # 2023-08-13 is a Sunday: the week of 2023-08-07 is complete, the next one is not.
    series = weekly_series(daily, pd.Timestamp("2023-08-16"))[0]
    assert series.units.index[-1] == pd.Timestamp("2023-08-07")
    assert series.units.iloc[0] == daily["units"].iloc[:7].sum()


def test_weekly_series_drops_a_first_week_the_series_starts_in_the_middle_of() -> None:
    daily = _daily(weeks=10).iloc[3:]  # from Thursday
    series = weekly_series(daily, pd.Timestamp("2023-08-16"))[0]
    assert series.units.index[0] == pd.Timestamp("2023-06-12")
    assert series.units.iloc[0] == daily["units"].iloc[4:11].sum()


def test_calendar_regressors_are_the_share_of_each_week_inside_an_event() -> None:
    weeks = pd.date_range("2023-11-13", periods=4, freq="W-MON")
    shares = calendar_regressors(CALENDAR, weeks)["event_peak"].tolist()
    assert shares == [0.0, 1.0, 1.0, 0.0]


def test_seasonal_naive_repeats_last_year_and_forecasts_stay_ordered_and_non_negative() -> None:
    history = pd.Series(
        np.tile(np.arange(SEASON_WEEKS, dtype=float), 2),
        index=pd.date_range("2022-01-03", periods=2 * SEASON_WEEKS, freq="W-MON"),
    )
    forecast = run_forecaster(SeasonalNaive(), history, 4, pd.DataFrame())
    assert forecast.point.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert (forecast.lower >= 0).all() and (forecast.lower <= forecast.point).all()
    assert (forecast.upper >= forecast.point).all()


def test_mase_scales_by_the_in_sample_naive_error() -> None:
    history = pd.Series(
        [1.0, 3.0, 1.0, 3.0], index=pd.date_range("2024-01-01", periods=4, freq="W-MON")
    )
    assert mase(np.array([2.0, 2.0]), np.array([3.0, 1.0]), history) == pytest.approx(1 / 2)
    assert np.isnan(mase(np.array([1.0]), np.array([1.0]), history * 0))


def test_backtest_prefers_the_calendar_model_on_holiday_peaks_and_reports_held_out_origins() -> (
    None
):
    series = weekly_series(_daily(), pd.Timestamp("2025-07-20"))[0]
    weeks = series.units.index.append(
        pd.date_range(series.units.index[-1], periods=9, freq="W-MON")[1:]
    )
    result = backtest(series.units, 8, calendar_regressors(CALENDAR, weeks))
    # Six origins a horizon apart, the last one horizon weeks before the end: no week is
    # forecast from two origins, so the reporting half never saw the choosing half's weeks.
    assert result.origins == origins(len(series.units), 8)
    assert len(result.origins) == 6 and result.split == 3
    assert np.diff(result.origins).tolist() == [8] * 5
    assert result.origins[-1] == len(series.units) - 8
    chosen = result.choose()
    assert chosen != SeasonalNaive.name
    assert result.report(chosen)["mase"] < result.report(SeasonalNaive.name)["mase"]


def test_harmonic_regression_forecasts_the_next_peak_from_the_calendar() -> None:
    series = weekly_series(_daily(weeks=80), pd.Timestamp("2024-12-31"))[0]
    before_peak = series.units[: pd.Timestamp("2024-11-04")]
    weeks = pd.date_range(before_peak.index[0], periods=len(before_peak) + 4, freq="W-MON")
    forecast = run_forecaster(
        HarmonicRegression(), before_peak, 4, calendar_regressors(CALENDAR, weeks)
    )
    # The history ends with the week of 2024-11-04: weeks 2 and 3 ahead (2024-11-18 and -25) are
    # the peak, about four times the base demand of weeks 1 and 4.
    assert forecast.point[1:3].min() > 2.5 * forecast.point[[0, 3]].max()


def test_forecast_table_covers_every_series_and_reuses_its_backtest(tmp_path) -> None:
    daily = pd.concat(
        [_daily(), _daily(weeks=20, seed=1).assign(series_id="category:new", category="new")]
    )
    table = demand_forecast_table(daily, CALENDAR, pd.Timestamp("2025-07-20"), 4, str(tmp_path))
    frame = table.to_pandas()
    assert frame.groupby("series_id").size().to_dict() == {"category:new": 4, "category:toys": 4}
    short = frame[frame["series_id"] == "category:new"]
    assert short["status"].unique().tolist() == ["insufficient_history"]
    assert (frame["lower_80"] <= frame["forecast_units"]).all()
    assert (frame["forecast_units"] <= frame["upper_80"]).all()
    runs = list((tmp_path / "demand_forecast").iterdir())
    again = demand_forecast_table(daily, CALENDAR, pd.Timestamp("2025-07-20"), 4, str(tmp_path))
    assert list((tmp_path / "demand_forecast").iterdir()) == runs
    assert again.to_pandas()["forecast_units"].tolist() == frame["forecast_units"].tolist()
