"""How figures are written on the dashboard; the browser test reads them back with `parse`."""

from __future__ import annotations

import re

import pandas as pd

MISSING = "n/a"


def _missing(value: object) -> bool:
    """None, NaN, and pandas' NA (what DuckDB gives for a null integer)."""
    return value is None or bool(pd.isna(value))


def money(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:,.2f}"


def count(value: float | int | None) -> str:
    return MISSING if _missing(value) else f"{int(value):,}"


def rate(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:.1%}"


def score(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:+.3f}"


def parse(text: str) -> float | None:
    """The number a formatted figure shows: commas dropped, a percentage as a fraction."""
    text = text.strip()
    if text == MISSING:
        return None
    number = float(re.sub(r"[,%+]", "", text))
    return number / 100 if text.endswith("%") else number
