"""BG/NBD and Gamma-Gamma against the published CDNOW figures, lifetimes, and their own algebra.

The CDNOW sample (2,357 customers, calibration period of 39 weeks ending 1997-09-30, time in
weeks) is the data set of Fader, Hardie and Lee (2005); lifetimes ships it and prints, for a fit
without penalty, BG/NBD r 0.24, alpha 4.41, a 0.79, b 2.43 and, on the 946 repeat buyers,
Gamma-Gamma p 6.25, q 3.74, v 15.45. The paper's log-likelihoods are -9582.4 and -4055.9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from ml import btyd
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
)
from ml.reference_data import cdnow_file

# Published figures: Fader, Hardie and Lee (2005) to three decimals; lifetimes' docs for
# Gamma-Gamma (p 6.25, q 3.74, v 15.45), which Fader and Hardie's note on the model matches.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.45}
PUBLISHED_BGNBD_LOGLIK = -9582.4
PUBLISHED_GAMMA_GAMMA_LOGLIK = -4055.9
CALIBRATION_END = pd.Timestamp("1997-09-30")


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """The CDNOW sample's summary: ID, frequency, recency, T (weeks), monetary_value (dollars)."""
    summary = pd.read_csv(cdnow_file("cdnow_customers_summary_with_transactions.csv"))
    return summary.rename(
        columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
    ).astype({"frequency": float})


@pytest.fixture(scope="module")
def bgnbd(cdnow: pd.DataFrame) -> BGNBDParams:
    return fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def repeat_buyers(cdnow: pd.DataFrame) -> pd.DataFrame:
    return cdnow[cdnow["frequency"] > 0]


@pytest.fixture(scope="module")
def gamma_gamma(repeat_buyers: pd.DataFrame) -> GammaGammaParams:
    return fit_gamma_gamma(repeat_buyers["frequency"], repeat_buyers["monetary_value"])


def _arrays(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(frame[column].to_numpy(dtype=float) for column in ("frequency", "recency", "T"))


# --- the published figures -------------------------------------------------------------------


def test_bgnbd_reproduces_published_parameters(cdnow: pd.DataFrame, bgnbd: BGNBDParams) -> None:
    for name, published in PUBLISHED_BGNBD.items():
        assert getattr(bgnbd, name) == pytest.approx(published, rel=0.01), name
    loglik, _ = btyd.bgnbd_log_likelihood([bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b], *_arrays(cdnow))
    assert loglik.sum() == pytest.approx(PUBLISHED_BGNBD_LOGLIK, abs=0.1)


def test_gamma_gamma_reproduces_published_parameters(
    repeat_buyers: pd.DataFrame, gamma_gamma: GammaGammaParams
) -> None:
    assert len(repeat_buyers) == 946
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert getattr(gamma_gamma, name) == pytest.approx(published, rel=0.01), name
    loglik, _ = btyd.gamma_gamma_log_likelihood(
        [gamma_gamma.p, gamma_gamma.q, gamma_gamma.v],
        repeat_buyers["frequency"].to_numpy(dtype=float),
        repeat_buyers["monetary_value"].to_numpy(dtype=float),
    )
    assert loglik.sum() == pytest.approx(PUBLISHED_GAMMA_GAMMA_LOGLIK, abs=0.1)


def test_summary_is_distinct_purchase_days_of_the_raw_log() -> None:
    """frequency = distinct purchase days - 1 over the raw transactions gives the same fit.

    The sample's raw log has customers with several transactions on one day; counting them as one
    purchase is the definition that reproduces the published summary (and so the warehouse's).
    """
    log = pd.read_csv(
        cdnow_file("CDNOW_sample.txt"),
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "dollars"],
        dtype={"master_id": str, "customer_id": str, "date": str},
    )
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    assert log.duplicated(["customer_id", "date"]).any()
    days = log[log["date"] <= CALIBRATION_END].groupby("customer_id")["date"]
    first = days.min()
    frequency = days.nunique() - 1
    recency = (days.max() - first).dt.days / 7
    age = (CALIBRATION_END - first).dt.days / 7
    fitted = fit_bgnbd(frequency, recency, age)
    for name, published in PUBLISHED_BGNBD.items():
        assert getattr(fitted, name) == pytest.approx(published, rel=0.01), name


# --- against lifetimes' implementation -------------------------------------------------------


@pytest.fixture(scope="module")
def lifetimes_fitters(cdnow: pd.DataFrame, repeat_buyers: pd.DataFrame) -> tuple[object, object]:
    lifetimes = pytest.importorskip("lifetimes")
    frequency, recency, age = _arrays(cdnow)
    beta_geo = lifetimes.BetaGeoFitter(penalizer_coef=0.0).fit(frequency, recency, age)
    gamma_gamma = lifetimes.GammaGammaFitter(penalizer_coef=0.0).fit(
        repeat_buyers["frequency"].to_numpy(), repeat_buyers["monetary_value"].to_numpy()
    )
    return beta_geo, gamma_gamma


def test_fits_match_lifetimes(
    lifetimes_fitters: tuple[object, object], bgnbd: BGNBDParams, gamma_gamma: GammaGammaParams
) -> None:
    beta_geo, gamma_gamma_fitter = lifetimes_fitters
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bgnbd, name) == pytest.approx(beta_geo.params_[name], rel=1e-3), name
    for name in ("p", "q", "v"):
        expected = gamma_gamma_fitter.params_[name]
        assert getattr(gamma_gamma, name) == pytest.approx(expected, rel=1e-3), name


def test_predictions_match_lifetimes(
    lifetimes_fitters: tuple[object, object], cdnow: pd.DataFrame
) -> None:
    """Same parameters, every CDNOW customer, including the heaviest buyers (29 repeats)."""
    beta_geo, gamma_gamma_fitter = lifetimes_fitters
    params = BGNBDParams(
        **{name: float(beta_geo.params_[name]) for name in ("r", "alpha", "a", "b")}
    )
    frequency, recency, age = _arrays(cdnow)
    for horizon in (1.0, 10.0, 39.0, 200.0):
        theirs = beta_geo.conditional_expected_number_of_purchases_up_to_time(
            horizon, frequency, recency, age
        )
        ours = expected_purchases(params, horizon, frequency, recency, age)
        np.testing.assert_allclose(ours, theirs, rtol=1e-8)
    np.testing.assert_allclose(
        probability_alive(params, frequency, recency, age),
        beta_geo.conditional_probability_alive(frequency, recency, age),
        rtol=1e-10,
    )
    spend_params = GammaGammaParams(
        **{name: float(gamma_gamma_fitter.params_[name]) for name in ("p", "q", "v")}
    )
    repeat = frequency > 0
    monetary = cdnow["monetary_value"].to_numpy(dtype=float)
    np.testing.assert_allclose(
        expected_spend(spend_params, frequency[repeat], monetary[repeat]),
        gamma_gamma_fitter.conditional_expected_average_profit(frequency[repeat], monetary[repeat]),
        rtol=1e-10,
    )


# --- the algebra -----------------------------------------------------------------------------


def _numeric_gradient(function, params: np.ndarray, step: float = 1e-6) -> np.ndarray:
    gradient = np.empty_like(params)
    for i in range(len(params)):
        up, down = params.copy(), params.copy()
        up[i] += step * params[i]
        down[i] -= step * params[i]
        gradient[i] = (function(up) - function(down)) / (up[i] - down[i])
    return gradient


@pytest.mark.parametrize("params", [[0.243, 4.414, 0.793, 2.426], [2.0, 0.7, 3.5, 0.4]])
def test_bgnbd_gradient_matches_finite_differences(cdnow: pd.DataFrame, params: list) -> None:
    data = _arrays(cdnow)
    point = np.array(params)
    _, analytic = btyd.bgnbd_log_likelihood(point, *data)
    numeric = _numeric_gradient(lambda p: btyd.bgnbd_log_likelihood(p, *data)[0].sum(), point)
    np.testing.assert_allclose(analytic.sum(axis=1), numeric, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("params", [[6.25, 3.74, 15.45], [0.8, 1.5, 2.0]])
def test_gamma_gamma_gradient_matches_finite_differences(
    repeat_buyers: pd.DataFrame, params: list
) -> None:
    data = (
        repeat_buyers["frequency"].to_numpy(dtype=float),
        repeat_buyers["monetary_value"].to_numpy(dtype=float),
    )
    point = np.array(params)
    _, analytic = btyd.gamma_gamma_log_likelihood(point, *data)
    numeric = _numeric_gradient(lambda p: btyd.gamma_gamma_log_likelihood(p, *data)[0].sum(), point)
    np.testing.assert_allclose(analytic.sum(axis=1), numeric, rtol=1e-5, atol=1e-4)


def test_expected_purchases_start_at_zero_and_grow(cdnow: pd.DataFrame, bgnbd: BGNBDParams) -> None:
    frequency, recency, age = _arrays(cdnow)
    assert np.all(expected_purchases(bgnbd, 0.0, frequency, recency, age) == 0.0)
    previous = np.zeros(len(frequency))
    for horizon in (1.0, 5.0, 26.0, 52.0, 520.0):
        current = expected_purchases(bgnbd, horizon, frequency, recency, age)
        assert np.all(current > previous), horizon
        previous = current


def test_probability_alive(cdnow: pd.DataFrame, bgnbd: BGNBDParams) -> None:
    frequency, recency, age = _arrays(cdnow)
    alive = probability_alive(bgnbd, frequency, recency, age)
    assert np.all(alive[frequency == 0] == 1.0)
    assert np.all((alive > 0) & (alive <= 1))
    # Two repeat buyers with the same frequency: the one who bought last more recently is likelier
    # to be alive.
    recent, lapsed = probability_alive(bgnbd, [3, 3], [35.0, 5.0], [38.0, 38.0])
    assert recent > lapsed


def test_heavy_buyers_stay_finite(bgnbd: BGNBDParams) -> None:
    """A thousand repeat purchases: one bought at the cutoff, one went quiet long ago."""
    frequency = np.array([1000.0, 1000.0])
    recency, age = np.array([38.5, 1.0]), np.array([38.5, 38.5])
    purchases = expected_purchases(bgnbd, 10.0, frequency, recency, age)
    alive = probability_alive(bgnbd, frequency, recency, age)
    assert np.all(np.isfinite(purchases)) and np.all(np.isfinite(alive))
    assert purchases[0] > 100 and alive[0] > 0.99
    assert alive[1] < 1e-100


def test_time_unit_does_not_change_the_model(cdnow: pd.DataFrame, bgnbd: BGNBDParams) -> None:
    """Weeks to days: r, a, b unchanged, alpha times 7, same predictions, same ranking."""
    frequency, recency, age = _arrays(cdnow)
    in_days = fit_bgnbd(frequency, recency * 7, age * 7)
    assert in_days.alpha == pytest.approx(bgnbd.alpha * 7, rel=1e-4)
    for name in ("r", "a", "b"):
        assert getattr(in_days, name) == pytest.approx(getattr(bgnbd, name), rel=1e-4), name
    weeks = expected_purchases(bgnbd, 13.0, frequency, recency, age)
    days = expected_purchases(in_days, 91.0, frequency, recency * 7, age * 7)
    np.testing.assert_allclose(days, weeks, rtol=1e-4)
    assert spearmanr(days, weeks).statistic > 0.99999
    alive_days = probability_alive(in_days, frequency, recency * 7, age * 7)
    np.testing.assert_allclose(alive_days, probability_alive(bgnbd, frequency, recency, age), 1e-4)


def test_money_unit_does_not_change_gamma_gamma(
    repeat_buyers: pd.DataFrame, gamma_gamma: GammaGammaParams
) -> None:
    in_cents = fit_gamma_gamma(repeat_buyers["frequency"], repeat_buyers["monetary_value"] * 100)
    assert in_cents.v == pytest.approx(gamma_gamma.v * 100, rel=1e-4)
    assert in_cents.p == pytest.approx(gamma_gamma.p, rel=1e-4)
    assert in_cents.q == pytest.approx(gamma_gamma.q, rel=1e-4)


def test_expected_spend_shrinks_to_the_population_mean(gamma_gamma: GammaGammaParams) -> None:
    mean = gamma_gamma.p * gamma_gamma.v / (gamma_gamma.q - 1)
    spend = expected_spend(gamma_gamma, [0, 0, 1, 1, 50], [np.nan, 99.0, 100.0, 5.0, 100.0])
    assert spend[0] == spend[1] == pytest.approx(mean)
    assert mean < spend[2] < 100.0  # one repeat purchase: pulled far towards the mean
    assert 5.0 < spend[3] < mean
    assert spend[2] < spend[4] < 100.0  # fifty: close to the customer's own mean
    no_mean = GammaGammaParams(p=2.0, q=0.8, v=10.0)
    assert np.isnan(expected_spend(no_mean, [0], [np.nan])[0])


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "recency", "age", "message"),
    [
        ([1, -1], [1.0, 0.0], [2.0, 2.0], "frequency has 1 negative"),
        ([1, 0], [-1.0, 0.0], [2.0, 2.0], "recency has 1 negative"),
        ([1, 0], [3.0, 0.0], [2.0, 2.0], "recency must not exceed T"),
        ([1, 0], [1.0, 0.0], [2.0, np.nan], "T has 1 NaN"),
        ([1.5, 0], [1.0, 0.0], [2.0, 2.0], "whole numbers"),
        ([0, 0], [1.0, 0.0], [2.0, 2.0], "recency must be 0 where frequency is 0"),
        ([1, 0], [1.0, 0.0], [2.0], "lengths differ"),
    ],
)
def test_invalid_inputs_name_the_input(
    bgnbd: BGNBDParams, frequency: list, recency: list, age: list, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        probability_alive(bgnbd, frequency, recency, age)
    with pytest.raises(ValueError, match=message):
        fit_bgnbd(frequency, recency, age)


def test_too_few_customers(cdnow: pd.DataFrame, repeat_buyers: pd.DataFrame) -> None:
    with pytest.raises(InsufficientBTYDData, match="got 20 customers"):
        fit_bgnbd(*_arrays(cdnow.head(20)))
    never_again = cdnow[cdnow["frequency"] == 0].head(100)
    with pytest.raises(InsufficientBTYDData, match="0 repeat buyers"):
        fit_bgnbd(*_arrays(never_again))
    with pytest.raises(InsufficientBTYDData, match="at least 30 repeat buyers, got 10"):
        fit_gamma_gamma(repeat_buyers["frequency"][:10], repeat_buyers["monetary_value"][:10])
    with pytest.raises(ValueError, match="repeat buyers only: 2 rows have frequency 0"):
        fit_gamma_gamma([0, 0, 1], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="monetary_value must be > 0"):
        fit_gamma_gamma([1, 1], [0.0, 1.0])


def test_a_fit_that_does_not_converge_says_what_to_change(
    cdnow: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(btyd, "MAX_ITERATIONS", 2)
    with pytest.raises(BTYDFitError, match="did not converge after 2 iterations.*penalizer_coef"):
        fit_bgnbd(*_arrays(cdnow))


def test_penalizer_shrinks_parameters(cdnow: pd.DataFrame, bgnbd: BGNBDParams) -> None:
    penalised = fit_bgnbd(*_arrays(cdnow), penalizer_coef=0.1)
    unpenalised = np.array([bgnbd.r, bgnbd.a, bgnbd.b])
    assert np.sum(np.array([penalised.r, penalised.a, penalised.b]) ** 2) < np.sum(unpenalised**2)
