"""Weekly demand series and the calendar regressors that go with them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Weeks start on Monday, as DuckDB's date_trunc('week') does.
WEEK = pd.offsets.Week(weekday=0)


@dataclass(frozen=True)
class Series:
    """One weekly series of complete weeks, with what identifies it in the tables."""

    series_id: str
    series_level: str
    category: str | None
    product_id: str | None
    units: pd.Series  # float, indexed by week start (Monday), freq W-MON, no gaps


def weekly_series(daily: pd.DataFrame, as_of_date: pd.Timestamp) -> list[Series]:
    """Sum fct_demand_daily rows (series_id, series_level, category, product_id, demand_date,
    units) into weeks, keeping complete weeks only: a week the as-of date cuts short, or one a
    series starts in the middle of, would read as a drop in demand."""
    frame = daily.assign(demand_date=pd.to_datetime(daily["demand_date"]))
    frame["week_start"] = frame["demand_date"] - pd.to_timedelta(
        frame["demand_date"].dt.day_of_week, unit="D"
    )
    last_complete = pd.Timestamp(as_of_date).normalize() - pd.Timedelta(days=6)
    frame = frame[frame["week_start"] <= last_complete]
    result = []
    for series_id, rows in frame.groupby("series_id", sort=True):
        first = rows.iloc[0]
        # A series' first week is kept only when the series covers all of it (from Monday).
        first_full = rows["demand_date"].min() + pd.Timedelta(
            days=(7 - rows["demand_date"].min().weekday()) % 7
        )
        rows = rows[rows["week_start"] >= first_full]
        if rows.empty:
            continue
        weekly = rows.groupby("week_start")["units"].sum().astype(float)
        index = pd.date_range(weekly.index.min(), weekly.index.max(), freq="W-MON")
        result.append(
            Series(
                series_id=str(series_id),
                series_level=str(first["series_level"]),
                category=None if pd.isna(first["category"]) else str(first["category"]),
                product_id=None if pd.isna(first["product_id"]) else str(first["product_id"]),
                units=weekly.reindex(index, fill_value=0.0).asfreq("W-MON"),
            )
        )
    return result


def calendar_regressors(calendar: pd.DataFrame, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Per week and demand_calendar event: the share of the week's seven days inside the event."""
    columns = {}
    days = pd.DatetimeIndex(np.repeat(weeks.to_numpy(), 7)) + pd.to_timedelta(
        np.tile(np.arange(7), len(weeks)), unit="D"
    )
    for name, events in calendar.groupby("event_name", sort=True):
        inside = np.zeros(len(days), dtype=bool)
        for start, end in zip(
            pd.to_datetime(events["start_date"]), pd.to_datetime(events["end_date"]), strict=True
        ):
            inside |= (days >= start) & (days <= end)
        columns[f"event_{name}"] = inside.reshape(len(weeks), 7).mean(axis=1)
    return pd.DataFrame(columns, index=weeks)
