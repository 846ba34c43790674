"""ml_demand_forecast: backtest every series (or reuse the backtest of the same data), forecast
each with its chosen model, and record the run."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from ml.artifacts import ArtifactMetadata, ArtifactStore, frame_hash, model_version
from ml.forecast.backtest import MIN_TRAINING_WEEKS, ORIGINS, backtest
from ml.forecast.models import BASELINE, FORECASTERS, INTERVAL_ALPHA, run_forecaster
from ml.forecast.series import Series, calendar_regressors, weekly_series

LOG = logging.getLogger("ml.forecast")

TASK = "demand_forecast"
FORECAST = "forecast"
SHORT_HISTORY = "insufficient_history"

SCHEMA = pa.schema(
    [
        ("forecast_id", pa.string()),
        ("series_id", pa.string()),
        ("series_level", pa.string()),
        ("category", pa.string()),
        ("product_id", pa.string()),
        ("week_start", pa.date32()),
        ("horizon_week", pa.int32()),
        ("forecast_units", pa.float64()),
        ("lower_80", pa.float64()),
        ("upper_80", pa.float64()),
        ("model_name", pa.string()),
        ("backtest_mase", pa.float64()),
        ("seasonal_naive_mase", pa.float64()),
        ("backtest_coverage_80", pa.float64()),
        ("status", pa.string()),
        ("model_version", pa.string()),
        ("history_end_week", pa.date32()),
        ("forecasted_at", pa.timestamp("us")),
    ]
)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def _share(report: dict[str, float]) -> float | None:
    return report["covered_weeks"] / report["weeks"] if report["weeks"] else None


def _median(values: list[float | None]) -> float | None:
    finite = [value for value in values if value is not None]
    return float(np.median(finite)) if finite else None


def _backtest_all(
    series: list[Series], horizon: int, regressors: pd.DataFrame
) -> dict[str, dict[str, object]]:
    """Per series: the chosen model and its reported figures beside the baseline's."""
    results, started = {}, time.perf_counter()
    for position, item in enumerate(series, start=1):
        outcome = backtest(item.units, horizon, regressors)
        if outcome is None:
            results[item.series_id] = {"model": BASELINE.name, "status": SHORT_HISTORY}
        else:
            chosen = outcome.choose()
            report, baseline = outcome.report(chosen), outcome.report(BASELINE.name)
            results[item.series_id] = {
                "model": chosen,
                "status": FORECAST,
                "mase": _finite(report["mase"]),
                "coverage_80": _share(report),
                "weeks": report["weeks"],
                "covered_weeks": report["covered_weeks"],
                "seasonal_naive_mase": _finite(baseline["mase"]),
                "seasonal_naive_coverage_80": _share(baseline),
                "seasonal_naive_weeks": baseline["weeks"],
                "seasonal_naive_covered_weeks": baseline["covered_weeks"],
            }
        elapsed = time.perf_counter() - started
        LOG.info(
            "demand forecast: backtested %d of %d series (%.1f series/s), %s -> %s",
            position,
            len(series),
            position / elapsed,
            item.series_id,
            results[item.series_id]["model"],
        )
    return results


def _pooled(scored: list[dict[str, object]], prefix: str) -> float | None:
    weeks = sum(result[f"{prefix}weeks"] for result in scored)
    return sum(result[f"{prefix}covered_weeks"] for result in scored) / weeks if weeks else None


def _summary(results: dict[str, dict[str, object]]) -> dict[str, object]:
    scored = [result for result in results.values() if result["status"] == FORECAST]
    return {
        "median_mase": _median([result["mase"] for result in scored]),
        "seasonal_naive_median_mase": _median([result["seasonal_naive_mase"] for result in scored]),
        # Pooled over every backtest week of every series, not a median of per-series shares.
        "interval_coverage_80": _pooled(scored, ""),
        "seasonal_naive_interval_coverage_80": _pooled(scored, "seasonal_naive_"),
        "series_backtested": len(scored),
        "series_short_history": len(results) - len(scored),
        "models_chosen": pd.Series([result["model"] for result in results.values()])
        .value_counts()
        .to_dict(),
        "series": results,
    }


def demand_forecast_table(
    daily: pd.DataFrame,
    calendar: pd.DataFrame,
    as_of_date: pd.Timestamp,
    horizon: int,
    artifacts_dir: str | None,
) -> pa.Table:
    """Forecasts for the `horizon` weeks after the last complete week of every series."""
    series = weekly_series(daily, as_of_date)
    if not series:
        LOG.warning("demand forecast: fct_demand_daily has no complete week of sales; no forecasts")
        return SCHEMA.empty_table()
    first = min(item.units.index[0] for item in series)
    last = max(item.units.index[-1] for item in series)
    weeks = pd.date_range(first, last + pd.Timedelta(weeks=horizon), freq="W-MON")
    regressors = calendar_regressors(calendar, weeks)
    params = {
        "horizon_weeks": horizon,
        "models": [forecaster.name for forecaster in FORECASTERS],
        "origins": ORIGINS,
        "origin_spacing_weeks": horizon,
        "min_training_weeks": MIN_TRAINING_WEEKS,
        "interval": 1 - INTERVAL_ALPHA,
        # What the backtest does, beyond the figures above; a change here re-runs it.
        "method": {
            "theta_deseasonalize": False,
            "harmonic_regression": "ols, trend, fourier, calendar",
            "coverage": "pooled",
        },
    }
    frames = [
        pd.DataFrame({"series_id": item.series_id, "week": item.units.index, "units": item.units})
        for item in series
    ]
    data_hash = frame_hash(
        pd.concat([pd.concat(frames, ignore_index=True), regressors.reset_index(drop=True)], axis=1)
    )
    version = model_version(TASK, data_hash, params)
    store = ArtifactStore(artifacts_dir)
    metadata = store.find(TASK, version)
    if metadata is None:
        LOG.info(
            "demand forecast: backtesting %d weekly series, %d models",
            len(series),
            len(FORECASTERS),
        )
        summary = _summary(_backtest_all(series, horizon, regressors))
        LOG.info(
            "demand forecast: median MASE %s (seasonal naive %s), 80%% interval coverage %s",
            summary["median_mase"],
            summary["seasonal_naive_median_mase"],
            summary["interval_coverage_80"],
        )
        metadata = ArtifactMetadata(
            task=TASK,
            model_version=version,
            data_hash=data_hash,
            training_rows=int(sum(len(item.units) for item in series)),
            data_window_start=first.isoformat(),
            data_window_end=(last + pd.Timedelta(days=6)).isoformat(),
            params=params,
            metrics=summary,
        )
        store.save(metadata)
    else:
        LOG.info("demand forecast: reusing the backtest of %s (same data)", version)
    chosen = metadata.metrics["series"]
    forecasters = {forecaster.name: forecaster for forecaster in FORECASTERS}
    rows, now = [], datetime.now(UTC).replace(tzinfo=None)
    for item in series:
        result = chosen[item.series_id]
        name = result["model"]
        forecast = run_forecaster(forecasters[name], item.units, horizon, regressors)
        if forecast is None:  # fitted in the backtest but not on the full history: the baseline
            name = BASELINE.name
            forecast = run_forecaster(BASELINE, item.units, horizon, regressors)
            result = {
                "status": result["status"],
                "mase": result.get("seasonal_naive_mase"),
                "coverage_80": result.get("seasonal_naive_coverage_80"),
                "seasonal_naive_mase": result.get("seasonal_naive_mase"),
            }
        end = item.units.index[-1]
        for step in range(horizon):
            week = end + pd.Timedelta(weeks=step + 1)
            rows.append(
                {
                    "forecast_id": f"{item.series_id}:{week.date().isoformat()}",
                    "series_id": item.series_id,
                    "series_level": item.series_level,
                    "category": item.category,
                    "product_id": item.product_id,
                    "week_start": week.date(),
                    "horizon_week": step + 1,
                    "forecast_units": float(forecast.point[step]),
                    "lower_80": float(forecast.lower[step]),
                    "upper_80": float(forecast.upper[step]),
                    "model_name": name,
                    "backtest_mase": result.get("mase"),
                    "seasonal_naive_mase": result.get("seasonal_naive_mase"),
                    "backtest_coverage_80": result.get("coverage_80"),
                    "status": result["status"],
                    "model_version": version,
                    "history_end_week": end.date(),
                    "forecasted_at": now,
                }
            )
    return pa.Table.from_pylist(rows, schema=SCHEMA)
