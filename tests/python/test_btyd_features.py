"""BTYD scores per cutoff on a transaction log simulated from BG/NBD and Gamma-Gamma.

Customers make their first purchase over 2024 and the first half of 2025, then buy as a Poisson
process (gamma-distributed rates) until they drop out (beta-distributed probability right after
each repeat purchase); every purchase's value is gamma with a customer-level gamma rate. The
summaries at each cutoff are computed from that log as the warehouse does: from the purchases up
to the cutoff only.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from ml.btyd import fit_bgnbd, fit_gamma_gamma
from ml.btyd_features import BTYD_COLUMNS, btyd_features
from ml.btyd_tables import btyd_feature_table
from ml.settings import MLSettings

TRUE_BGNBD = {"r": 0.6, "alpha": 25.0, "a": 0.9, "b": 3.0}  # alpha in days
TRUE_GAMMA_GAMMA = {"p": 4.0, "q": 3.5, "v": 60.0}
START = pd.Timestamp("2024-01-01")
CUTOFFS = pd.to_datetime(["2025-01-01", "2025-07-01", "2026-01-01"])
CHURN_HORIZON = 90.0
VALUE_HORIZON = 180.0
SUMMARY_COLUMNS = [
    "repeat_purchase_days",
    "repeat_span_days",
    "purchase_age_days",
    "repeat_purchase_value",
]


def simulate_log(customers: int = 6000, seed: int = 7) -> pd.DataFrame:
    """One row per purchase: customer_id, day (days since START, fractional), value."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(TRUE_BGNBD["r"], 1.0 / TRUE_BGNBD["alpha"], customers)
    dropout = rng.beta(TRUE_BGNBD["a"], TRUE_BGNBD["b"], customers)
    spend_rate = rng.gamma(TRUE_GAMMA_GAMMA["q"], 1.0 / TRUE_GAMMA_GAMMA["v"], customers)
    first = rng.uniform(0.0, 545.0, customers)
    end = float((CUTOFFS[-1] - START).days) + VALUE_HORIZON
    rows = []
    for customer in range(customers):
        day = first[customer]
        while day <= end:
            rows.append(
                (f"c{customer}", day, rng.gamma(TRUE_GAMMA_GAMMA["p"], 1 / spend_rate[customer]))
            )
            if day > first[customer] and rng.random() < dropout[customer]:
                break  # dropped out right after this repeat purchase
            day += rng.exponential(1.0 / rates[customer])
    return pd.DataFrame(rows, columns=["customer_id", "day", "value"])


def summarise(log: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The feature rows of one cutoff: every customer with a purchase by then."""
    known = log[log["day"] <= (cutoff - START).days].sort_values(["customer_id", "day"])
    by_customer = known.groupby("customer_id")
    first = by_customer["day"].min()
    repeat_values = known[known.duplicated("customer_id")].groupby("customer_id")["value"].mean()
    summary = pd.DataFrame(
        {
            "repeat_purchase_days": by_customer.size() - 1,
            "repeat_span_days": by_customer["day"].max() - first,
            "purchase_age_days": (cutoff - START).days - first,
            "repeat_purchase_value": repeat_values.reindex(first.index),
        }
    )
    return summary.reset_index().assign(cutoff_at=cutoff)


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return simulate_log()


@pytest.fixture(scope="module")
def features(log: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([summarise(log, cutoff) for cutoff in CUTOFFS], ignore_index=True)


@pytest.fixture(scope="module")
def scores(features: pd.DataFrame) -> pd.DataFrame:
    return btyd_features(features, CHURN_HORIZON, VALUE_HORIZON)


def test_fits_recover_the_simulated_parameters(features: pd.DataFrame) -> None:
    latest = features[features["cutoff_at"] == CUTOFFS[-1]]
    bgnbd = fit_bgnbd(
        latest["repeat_purchase_days"], latest["repeat_span_days"], latest["purchase_age_days"]
    )
    for name, true in TRUE_BGNBD.items():
        assert getattr(bgnbd, name) == pytest.approx(true, rel=0.25), name
    repeat = latest[latest["repeat_purchase_days"] > 0]
    gamma_gamma = fit_gamma_gamma(repeat["repeat_purchase_days"], repeat["repeat_purchase_value"])
    for name, true in TRUE_GAMMA_GAMMA.items():
        assert getattr(gamma_gamma, name) == pytest.approx(true, rel=0.25), name


def test_scores_are_float_columns_aligned_to_the_input(
    features: pd.DataFrame, scores: pd.DataFrame
) -> None:
    assert list(scores.columns) == ["customer_id", "cutoff_at", *BTYD_COLUMNS]
    assert scores.index.equals(features.index)
    assert scores["customer_id"].equals(features["customer_id"])
    assert all(scores[column].dtype == np.float64 for column in BTYD_COLUMNS)
    assert scores[list(BTYD_COLUMNS)].notna().all().all()
    never_again = features["repeat_purchase_days"] == 0
    assert (scores.loc[never_again, "bgnbd_p_alive"] == 1.0).all()
    assert (scores["bgnbd_purchases_value_horizon"] > scores["bgnbd_purchases_churn_horizon"]).all()
    np.testing.assert_allclose(
        scores["btyd_expected_value"],
        scores["bgnbd_purchases_value_horizon"] * scores["gamma_gamma_spend"],
    )


def test_scores_predict_what_happened_after_the_cutoff(
    log: pd.DataFrame, features: pd.DataFrame, scores: pd.DataFrame
) -> None:
    """At the middle cutoff: predicted purchases and value over the horizons match the log."""
    cutoff = CUTOFFS[1]
    rows = features["cutoff_at"] == cutoff
    day = (cutoff - START).days
    known = set(features.loc[rows, "customer_id"])
    later = log[log["customer_id"].isin(known)]
    in_churn = later[(later["day"] > day) & (later["day"] <= day + CHURN_HORIZON)]
    in_value = later[(later["day"] > day) & (later["day"] <= day + VALUE_HORIZON)]
    predicted = scores.loc[rows, "bgnbd_purchases_churn_horizon"].sum()
    assert predicted == pytest.approx(len(in_churn), rel=0.1)
    assert scores.loc[rows, "btyd_expected_value"].sum() == pytest.approx(
        in_value["value"].sum(), rel=0.15
    )
    # P(alive) ranks the customers who buy again within the churn horizon first.
    bought_again = features.loc[rows, "customer_id"].isin(set(in_churn["customer_id"]))
    alive = scores.loc[rows, "bgnbd_p_alive"]
    assert alive[bought_again].mean() > alive[~bought_again].mean() + 0.1
    # The probability of no purchase in the churn horizon is calibrated: its mean is the share of
    # customers who bought nothing, also among the repeat buyers and the one-time buyers alone.
    quiet = scores.loc[rows, "bgnbd_p_no_purchase_churn_horizon"]
    repeat = features.loc[rows, "repeat_purchase_days"] > 0
    for group in (slice(None), repeat, ~repeat):
        assert quiet[group].mean() == pytest.approx((~bought_again[group]).mean(), abs=0.02)


def test_each_cutoff_is_fitted_on_its_own_rows(
    features: pd.DataFrame, scores: pd.DataFrame
) -> None:
    """No look-ahead: an earlier cutoff's scores do not move when a later cutoff's rows change."""
    first = features["cutoff_at"] == CUTOFFS[0]
    alone = btyd_features(features[first], CHURN_HORIZON, VALUE_HORIZON)
    pd.testing.assert_frame_equal(alone, scores[first])
    changed = features.copy()
    later = ~first
    changed.loc[later, "repeat_purchase_days"] *= 3
    changed.loc[later, "repeat_purchase_value"] *= 10
    rescored = btyd_features(changed, CHURN_HORIZON, VALUE_HORIZON)
    pd.testing.assert_frame_equal(rescored[first], scores[first])
    assert not np.allclose(
        rescored.loc[later, "btyd_expected_value"], scores.loc[later, "btyd_expected_value"]
    )


def test_thin_cutoffs_get_nan_and_a_warning(
    features: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    latest = features[features["cutoff_at"] == CUTOFFS[-1]]
    tiny = latest.head(12).assign(cutoff_at=pd.Timestamp("2024-02-01"))
    few_repeat = pd.concat(
        [
            latest[latest["repeat_purchase_days"] == 0].head(300),
            latest[latest["repeat_purchase_days"] > 0].head(15),
        ]
    ).assign(cutoff_at=pd.Timestamp("2024-03-01"))
    frame = pd.concat([tiny, few_repeat, latest], ignore_index=True)
    with caplog.at_level(logging.INFO, logger="ml.btyd_features"):
        scored = btyd_features(frame, CHURN_HORIZON, VALUE_HORIZON)
    tiny_rows = scored["cutoff_at"] == pd.Timestamp("2024-02-01")
    assert scored.loc[tiny_rows, list(BTYD_COLUMNS)].isna().all().all()
    few_rows = scored["cutoff_at"] == pd.Timestamp("2024-03-01")
    assert (
        scored.loc[few_rows, ["bgnbd_p_alive", "bgnbd_purchases_churn_horizon"]].notna().all().all()
    )
    assert scored.loc[few_rows, ["gamma_gamma_spend", "btyd_expected_value"]].isna().all().all()
    latest_rows = scored["cutoff_at"] == CUTOFFS[-1]
    assert scored.loc[latest_rows, list(BTYD_COLUMNS)].notna().all().all()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("cutoff 2024-02-01: no BG/NBD fit on 12 customers" in w for w in warnings)
    assert any("cutoff 2024-03-01: no Gamma-Gamma fit on 15 customers" in w for w in warnings)
    assert all("start the cutoffs later" in w for w in warnings)
    progress = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any(
        m.startswith(f"btyd: cutoff 2026-01-01 fitted on {len(latest):,} customers")
        for m in progress
    )


def test_rows_outside_the_models(features: pd.DataFrame, caplog: pytest.LogCaptureFixture) -> None:
    """No purchase yet: no scores. Repeat purchases worth nothing: no expected spend."""
    latest = features[features["cutoff_at"] == CUTOFFS[-1]].reset_index(drop=True)
    latest = latest.astype(
        {column: "Float64" for column in SUMMARY_COLUMNS}
    )  # nullable, as from SQL
    latest.loc[0, SUMMARY_COLUMNS] = pd.NA
    repeat = latest.index[latest["repeat_purchase_days"] > 0][:3]
    latest.loc[repeat, "repeat_purchase_value"] = [0.0, -5.0, pd.NA]
    with caplog.at_level(logging.INFO, logger="ml.btyd_features"):
        scored = btyd_features(latest, CHURN_HORIZON, VALUE_HORIZON)
    assert scored.loc[0, list(BTYD_COLUMNS)].isna().all()
    assert scored.loc[repeat, "gamma_gamma_spend"].isna().all()
    assert scored.loc[repeat, "bgnbd_p_alive"].notna().all()
    assert scored.drop(index=[0, *repeat])[list(BTYD_COLUMNS)].notna().all().all()
    assert any(
        "3 repeat buyers have no positive repeat_purchase_value" in r.getMessage()
        for r in caplog.records
    )


def test_invalid_input_names_the_cutoff_and_column(features: pd.DataFrame) -> None:
    bad = features.copy()
    bad.loc[bad.index[0], "repeat_span_days"] = bad.loc[bad.index[0], "purchase_age_days"] + 1
    with pytest.raises(ValueError, match="cutoff 2025-01-01: recency must not exceed T"):
        btyd_features(bad, CHURN_HORIZON, VALUE_HORIZON)
    with pytest.raises(ValueError, match=r"missing columns \['repeat_purchase_value'\]"):
        btyd_features(features.drop(columns="repeat_purchase_value"), CHURN_HORIZON, VALUE_HORIZON)
    with pytest.raises(ValueError, match="churn_horizon_days must be a positive number"):
        btyd_features(features, 0, VALUE_HORIZON)


def test_empty_input(features: pd.DataFrame) -> None:
    scored = btyd_features(features.head(0), CHURN_HORIZON, VALUE_HORIZON)
    assert scored.empty
    assert list(scored.columns) == ["customer_id", "cutoff_at", *BTYD_COLUMNS]
    assert all(scored[column].dtype == np.float64 for column in BTYD_COLUMNS)


def test_warehouse_table_does_not_depend_on_row_order(features: pd.DataFrame) -> None:
    """The warehouse hands rows over in no set order; the same rows give the same table."""
    history = features.assign(
        customer_cutoff_id=features["customer_id"] + "|" + features["cutoff_at"].astype(str)
    )
    shuffled = history.sample(frac=1.0, random_state=3).reset_index(drop=True)
    settings = MLSettings(churn_horizon_days=int(CHURN_HORIZON), value_horizon_days=180)
    tables = [
        btyd_feature_table(frame, settings).to_pandas().set_index("customer_cutoff_id").sort_index()
        for frame in (history, shuffled)
    ]
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)
