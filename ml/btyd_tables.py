"""Rows of ml_btyd_features: BG/NBD and Gamma-Gamma fitted at every cutoff of the feature table.

Kept apart from the feature SQL because fitting is Python, and apart from the churn and value
models because its outputs are both their features and the classic baseline they are judged
against (ml/churn_data.py, ml/customer_value.py).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from ml.btyd_features import BTYD_COLUMNS, btyd_features
from ml.settings import MLSettings

# A light L2 penalty on the BG/NBD and Gamma-Gamma parameters, in the range lifetimes recommends:
# without it, a shop whose customers drop out at a near-constant rate drives BG/NBD's a and b
# together towards infinity, where its expectations are no longer computable.
PENALIZER_COEF = 0.001

SCHEMA = pa.schema(
    [("customer_cutoff_id", pa.string()), *[(column, pa.float64()) for column in BTYD_COLUMNS]]
)


def btyd_feature_table(history: pd.DataFrame, settings: MLSettings) -> pa.Table:
    """One row per row of `history` (customer, cutoff) with the BTYD scores (BTYD_COLUMNS).

    Rows are fitted in key order: the warehouse hands them over in no set order, and a different
    summation order moves the fitted parameters in their last digits, which would change the
    churn and value models' data hash and retrain them on a rebuild of unchanged data.
    """
    history = history.sort_values("customer_cutoff_id", kind="stable").reset_index(drop=True)
    scores = btyd_features(
        history,
        churn_horizon_days=settings.churn_horizon_days,
        value_horizon_days=settings.value_horizon_days,
        penalizer_coef=PENALIZER_COEF,
    )
    scores["customer_cutoff_id"] = history["customer_cutoff_id"].to_numpy()
    frame = pd.DataFrame(scores, columns=SCHEMA.names)
    return pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)
