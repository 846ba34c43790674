"""LightGBM training shared by the churn and value models: one customer split, one feature
matrix, one early-stopped fit, so that both models hold customers out the same way.

Rows of one customer at several cutoffs are near-copies of each other; a split by row would let
a customer's own rows decide when boosting stops, so every split here is by customer.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit


def customer_split(
    rows: pd.DataFrame, id_column: str, test_size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the kept rows and of the held-out rows; every row of a customer on one side."""
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    return next(splitter.split(rows, groups=rows[id_column]))


def feature_matrix(frame: pd.DataFrame, feature_columns: list[str]) -> np.ndarray:
    """Features as a float matrix with NaN for missing values, which LightGBM routes natively."""
    return frame[feature_columns].to_numpy(dtype=float, na_value=np.nan)


def train_early_stopped(
    train: pd.DataFrame,
    feature_columns: list[str],
    label_column: str,
    params: dict[str, Any],
    *,
    id_column: str,
    stopping_fraction: float,
    seed: int,
    num_boost_round: int,
    early_stopping_rounds: int,
) -> tuple[lgb.Booster, int]:
    """A booster fitted on most training customers and stopped on the rest; also returns how
    many rows decided the stop. Validation rows never enter, so they only judge the result."""
    fit_rows, stop_rows = customer_split(train, id_column, stopping_fraction, seed)
    fit, stop = train.iloc[fit_rows], train.iloc[stop_rows]
    fit_set = lgb.Dataset(
        feature_matrix(fit, feature_columns),
        fit[label_column].to_numpy(dtype=float),
        feature_name=feature_columns,
        free_raw_data=False,
    )
    stop_set = lgb.Dataset(
        feature_matrix(stop, feature_columns),
        stop[label_column].to_numpy(dtype=float),
        reference=fit_set,
    )
    booster = lgb.train(
        params,
        fit_set,
        num_boost_round=num_boost_round,
        valid_sets=[stop_set],
        callbacks=[lgb.early_stopping(early_stopping_rounds, verbose=False)],
    )
    return booster, len(stop)
