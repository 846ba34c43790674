"""Buy till you die: BG/NBD purchase counts and P(alive), and Gamma-Gamma spend per purchase.

A probabilistic baseline for customer value and churn that needs nothing but each customer's
repeat-purchase history: `frequency` (repeat purchases, i.e. purchase days minus one), `recency`
(time from the first to the last purchase) and `T` (time from the first purchase to the cutoff),
all in one time unit, plus for Gamma-Gamma the mean value of the repeat purchases. Unlike the
churn classifier it needs no labels, so it scores a shop too young to have any.

- BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way"): while alive, a
  customer buys as a Poisson process whose rate is gamma(r, alpha) across customers; after each
  purchase they drop out with a probability that is beta(a, b) across customers.
- Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and CLV"; Fader and Hardie 2013): each purchase's
  value is gamma(p, nu) with nu gamma(q, v) across customers, independent of the purchase process.

Written here rather than imported from the `lifetimes` package, which is no longer developed
(its authors point to PyMC-Marketing) and brings autograd along: the likelihoods are short, and
the test suite checks this implementation against lifetimes' figures and the published ones on
the CDNOW data, which lifetimes ships.

Both fits maximise the mean log-likelihood over log-parameters with L-BFGS-B and the analytic
gradient. Time (and money, for Gamma-Gamma) is divided by a data-derived scale before fitting, so
the optimiser sees parameters of order one whatever the unit, and the scale parameter (alpha, v)
is multiplied back afterwards: a fit in days and one in weeks give the same r, a, b and an alpha
seven times larger. The optional L2 penalty, like lifetimes' `penalizer_coef`, acts on the
parameters in those scaled units.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import expit, gammaln, hyp2f1, psi

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
Objective = Callable[[FloatArray], tuple[float, FloatArray]]

# Fewer customers than this, or fewer repeat buyers, and the parameters are noise: BG/NBD's
# dropout parameters (a, b) are identified only through customers who bought again.
BGNBD_MIN_CUSTOMERS = 30
BGNBD_MIN_REPEAT_BUYERS = 10
GAMMA_GAMMA_MIN_CUSTOMERS = 30
# Scaled time runs from 0 to this (lifetimes uses the same: 10 / max T).
TIME_SCALE_TARGET = 10.0
# Bounds on the log-parameters in scaled units: wide enough for any real data set, narrow enough
# that exp() never overflows while the line search explores.
LOG_BOUND = 15.0
MAX_ITERATIONS = 2000


class InsufficientBTYDData(ValueError):
    """Too few customers (or repeat buyers) to fit a model: a property of the data, not a bug."""


class BTYDFitError(ValueError):
    """The optimiser did not converge; the message says what to change."""


@dataclass(frozen=True)
class BGNBDParams:
    """BG/NBD parameters; `alpha` is in the time unit of the data the model was fitted on."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters; `v` is in the money unit of the data the model was fitted on."""

    p: float
    q: float
    v: float

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, p v / (q - 1); infinite unless q > 1."""
        return self.p * self.v / (self.q - 1.0) if self.q > 1.0 else float("inf")


# --- BG/NBD ----------------------------------------------------------------------------------


def fit_bgnbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803 (the literature's name)
    *,
    penalizer_coef: float = 0.0,
    min_customers: int = BGNBD_MIN_CUSTOMERS,
    min_repeat_buyers: int = BGNBD_MIN_REPEAT_BUYERS,
) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters for these customers.

    Raises InsufficientBTYDData when there are too few customers or repeat buyers to identify the
    parameters, BTYDFitError when the optimiser does not converge, and ValueError naming the input
    when the inputs are not valid repeat-purchase summaries.
    """
    x, t_x, t_cal = _rfm_arrays(frequency, recency, T)
    repeat_buyers = int(np.count_nonzero(x))
    if len(x) < min_customers or repeat_buyers < min_repeat_buyers:
        raise InsufficientBTYDData(
            f"BG/NBD needs at least {min_customers} customers of whom {min_repeat_buyers} bought "
            f"again; got {len(x)} customers, {repeat_buyers} repeat buyers: use a longer history "
            "(a later cutoff) or lower min_customers / min_repeat_buyers"
        )
    scale = float(t_cal.max()) / TIME_SCALE_TARGET
    if scale <= 0:
        raise InsufficientBTYDData(
            "BG/NBD needs some customers whose first purchase lies before the cutoff (T > 0); "
            "every T is 0"
        )
    t_x, t_cal = t_x / scale, t_cal / scale

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(log_params)
        loglik, gradient = bgnbd_log_likelihood(params, x, t_x, t_cal)
        value = -loglik.mean() + penalizer_coef * float(np.sum(params**2))
        # d/d(log theta) = theta * d/d(theta)
        grad = (-gradient.mean(axis=1) + 2.0 * penalizer_coef * params) * params
        return float(value), grad

    log_params = _minimise(objective, np.zeros(4), "BG/NBD", ("r", "alpha", "a", "b"))
    r, alpha, a, b = np.exp(log_params)
    return BGNBDParams(r=float(r), alpha=float(alpha * scale), a=float(a), b=float(b))


def bgnbd_log_likelihood(
    params: ArrayLike,
    frequency: FloatArray,
    recency: FloatArray,
    T: FloatArray,  # noqa: N803
) -> tuple[FloatArray, FloatArray]:
    """Per-customer log-likelihood and its gradient (shape (4, n)) in (r, alpha, a, b).

    L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / G(r) * [(alpha+T)^-(r+x)
        + [x > 0] a / (b+x-1) * (alpha+t_x)^-(r+x)],
    summed in log space (logaddexp) so that customers with many purchases do not underflow.
    """
    r, alpha, a, b = (float(value) for value in np.asarray(params, dtype=float))
    x, t_x, t_cal = frequency, recency, T
    repeat = x > 0
    rx = r + x
    common = (
        gammaln(rx)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x)
        - gammaln(b)
        - gammaln(a + b + x)
    )
    log_alive = -rx * np.log(alpha + t_cal)
    b_x1 = np.where(repeat, b + x - 1.0, 1.0)  # b + x - 1, only used where x > 0
    log_dead = np.where(repeat, np.log(a) - np.log(b_x1) - rx * np.log(alpha + t_x), -np.inf)
    mixture = np.logaddexp(log_alive, log_dead)
    loglik = common + mixture
    # Shares of the two terms of the mixture, for the chain rule through the log of their sum.
    share_alive = np.exp(log_alive - mixture)
    share_dead = np.exp(log_dead - mixture)
    d_r = (
        psi(rx)
        - psi(r)
        + np.log(alpha)
        - share_alive * np.log(alpha + t_cal)
        - share_dead * np.log(alpha + t_x)
    )
    d_alpha = r / alpha - share_alive * rx / (alpha + t_cal) - share_dead * rx / (alpha + t_x)
    digamma_ab = psi(a + b) - psi(a + b + x)
    d_a = digamma_ab + share_dead / a
    d_b = digamma_ab + psi(b + x) - psi(b) - share_dead / b_x1
    return loglik, np.vstack([d_r, d_alpha, d_a, d_b])


def probability_alive(
    params: BGNBDParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
) -> FloatArray:
    """P(the customer has not dropped out by T | x, t_x, T); 1 for customers who never bought again.

    Under BG/NBD a customer can only drop out right after a purchase, so one with no repeat
    purchase is alive for sure; the model's churn signal is for repeat buyers who went quiet.
    """
    x, t_x, t_cal = _rfm_arrays(frequency, recency, T)
    return expit(-_log_dead_odds(params, x, t_x, t_cal))


def expected_purchases(
    params: BGNBDParams,
    t: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
) -> FloatArray:
    """Expected number of purchases in the next `t` (same unit as T) given each history.

    Fader, Hardie and Lee (2005), eq. 10, with z = t / (alpha+T+t):
    E[Y(t)] = (a+b+x-1)/(a-1) * [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] * P(alive).
    The hypergeometric term is evaluated after Euler's transformation,
    (1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z), whose parameters
    do not grow with x: for heavy buyers the untransformed product is a huge 2F1 times a tiny
    power. Not defined at a = 1 exactly (a removable singularity the fit never lands on).
    """
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"t (the prediction horizon) must be a finite number >= 0, got {t}")
    x, t_x, t_cal = _rfm_arrays(frequency, recency, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    c = a + b + x - 1.0
    z = t / (alpha + t_cal + t)
    transformed = (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    unconditional = c / (a - 1.0) * (1.0 - transformed)
    return unconditional * expit(-_log_dead_odds(params, x, t_x, t_cal))


def probability_no_purchase(
    params: BGNBDParams,
    t: float,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
) -> FloatArray:
    """P(no purchase in the next `t` | x, t_x, T): BG/NBD's own probability of the churn label.

    A customer who has dropped out buys nothing; one still alive cannot drop out before a next
    purchase (dropout follows purchases), so buys nothing in t with probability e^(-lambda t),
    and given alive at T the purchase rate lambda is Gamma(r+x, alpha+T). Hence
    P = 1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x). Expected purchases rank the
    same customers by a different quantity: a heavy buyer's many expected purchases can hide a
    real chance of buying nothing at all.
    """
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"t (the prediction horizon) must be a finite number >= 0, got {t}")
    x, t_x, t_cal = _rfm_arrays(frequency, recency, T)
    alive = expit(-_log_dead_odds(params, x, t_x, t_cal))
    quiet_if_alive = np.exp(
        (params.r + x) * (np.log(params.alpha + t_cal) - np.log(params.alpha + t_cal + t))
    )
    return 1.0 - alive + alive * quiet_if_alive


def _log_dead_odds(
    params: BGNBDParams, x: FloatArray, t_x: FloatArray, t_cal: FloatArray
) -> FloatArray:
    """log a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x): log odds of having dropped out; -inf at x=0."""
    repeat = x > 0
    b_x1 = np.where(repeat, params.b + x - 1.0, 1.0)
    log_odds = (
        np.log(params.a)
        - np.log(b_x1)
        + (params.r + x) * (np.log(params.alpha + t_cal) - np.log(params.alpha + t_x))
    )
    return np.where(repeat, log_odds, -np.inf)


# --- Gamma-Gamma -----------------------------------------------------------------------------


def fit_gamma_gamma(
    frequency: ArrayLike,
    monetary_value: ArrayLike,
    *,
    penalizer_coef: float = 0.0,
    min_customers: int = GAMMA_GAMMA_MIN_CUSTOMERS,
) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters from repeat buyers (frequency > 0) only.

    `monetary_value` is each customer's mean value of their repeat purchases, which must be
    positive: the model's spend is gamma distributed. Pass repeat buyers only; customers who
    never bought again carry no information on spend per repeat purchase.
    """
    x = _values("frequency", frequency)
    m = _values("monetary_value", monetary_value)
    _same_length(frequency=x, monetary_value=m)
    _require_whole("frequency", x)
    if np.any(x <= 0):
        raise ValueError(
            f"Gamma-Gamma is fitted on repeat buyers only: {int(np.sum(x <= 0))} rows have "
            "frequency 0; filter them out before calling fit_gamma_gamma"
        )
    if np.any(m <= 0):
        raise ValueError(
            f"monetary_value must be > 0 for the Gamma-Gamma model: {int(np.sum(m <= 0))} rows "
            "are <= 0; exclude customers whose repeat purchases net to nothing"
        )
    if len(x) < min_customers:
        raise InsufficientBTYDData(
            f"Gamma-Gamma needs at least {min_customers} repeat buyers, got {len(x)}: use a "
            "longer history (a later cutoff) or lower min_customers"
        )
    scale = float(np.mean(m))
    m = m / scale

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(log_params)
        loglik, gradient = gamma_gamma_log_likelihood(params, x, m)
        value = -loglik.mean() + penalizer_coef * float(np.sum(params**2))
        grad = (-gradient.mean(axis=1) + 2.0 * penalizer_coef * params) * params
        return float(value), grad

    log_params = _minimise(objective, np.zeros(3), "Gamma-Gamma", ("p", "q", "v"))
    p, q, v = np.exp(log_params)
    fitted = GammaGammaParams(p=float(p), q=float(q), v=float(v * scale))
    if fitted.q <= 1.0:
        logger.warning(
            "gamma-gamma: q = %.3f <= 1, so the population mean spend is infinite; customers "
            "without repeat purchases get no expected spend (NaN)",
            fitted.q,
        )
    return fitted


def gamma_gamma_log_likelihood(
    params: ArrayLike, frequency: FloatArray, monetary_value: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per-customer log-likelihood of the mean spend and its gradient (shape (3, n)) in (p, q, v).

    f(m | x) = G(px+q) / (G(px) G(q)) * v^q m^(px-1) x^(px) / (v + m x)^(px+q).
    """
    p, q, v = (float(value) for value in np.asarray(params, dtype=float))
    x, m = frequency, monetary_value
    px = p * x
    log_vmx = np.log(v + m * x)
    loglik = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_vmx
    )
    d_p = x * (psi(px + q) - psi(px) + np.log(m) + np.log(x) - log_vmx)
    d_q = psi(px + q) - psi(q) + np.log(v) - log_vmx
    d_v = q / v - (px + q) / (v + m * x)
    return loglik, np.vstack([d_p, d_q, d_v])


def expected_spend(
    params: GammaGammaParams, frequency: ArrayLike, monetary_value: ArrayLike
) -> FloatArray:
    """Expected spend per purchase given each customer's repeat purchases.

    (v + m x) p / (p x + q - 1): a weighted average of the population mean and the customer's own
    mean m, which weighs more the more they bought. Customers without repeat purchases
    (frequency 0, monetary_value ignored and may be NaN) get the population mean, which is NaN
    when q <= 1 (the mean is infinite).
    """
    x = _values("frequency", frequency)
    m = np.asarray(monetary_value, dtype=float)
    _same_length(frequency=x, monetary_value=m)
    repeat = x > 0
    if np.any(~np.isfinite(m[repeat])):
        raise ValueError("monetary_value is NaN or infinite for customers with frequency > 0")
    p, q, v = params.p, params.q, params.v
    mean = params.population_mean_spend if q > 1.0 else np.nan
    m = np.where(repeat, m, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        conditional = (v + m * x) * p / (p * x + q - 1.0)
    return np.where(repeat, conditional, mean)


# --- shared ----------------------------------------------------------------------------------


# Largest gradient (of the mean negative log-likelihood, per log-parameter) at which a stalled
# line search counts as converged.
STALL_GRADIENT = 1e-4


def _minimise(
    objective: Objective, start: FloatArray, model: str, names: tuple[str, ...]
) -> FloatArray:
    """L-BFGS-B on log-parameters; raise BTYDFitError unless it converged."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": MAX_ITERATIONS, "ftol": 1e-13, "gtol": 1e-9},
    )
    # L-BFGS-B stops "abnormally" when its line search can no longer improve the objective in
    # floating point, typical at a flat optimum (BG/NBD's a and b growing together when dropout
    # barely varies between customers): accepted when the gradient there is negligible.
    stalled = result.status == 2 and float(np.max(np.abs(result.jac))) < STALL_GRADIENT
    if not (result.success or stalled) or not np.all(np.isfinite(result.x)):
        raise BTYDFitError(
            f"{model} fit did not converge after {result.nit} iterations ({result.message}); "
            "try penalizer_coef > 0 (e.g. 0.001) or more customers"
        )
    near = LOG_BOUND - 0.1
    at_bound = [name for name, value in zip(names, result.x, strict=True) if abs(value) >= near]
    if at_bound:
        logger.warning(
            "%s: parameters %s reached their bounds; the data barely identify them "
            "(consider penalizer_coef > 0)",
            model,
            at_bound,
        )
    return result.x


def _rfm_arrays(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validated float arrays of repeat purchases, recency and age."""
    x = _values("frequency", frequency)
    t_x = _values("recency", recency)
    t_cal = _values("T", T)
    _same_length(frequency=x, recency=t_x, T=t_cal)
    _require_whole("frequency", x)
    if np.any(t_x > t_cal):
        raise ValueError(
            f"recency must not exceed T: {int(np.sum(t_x > t_cal))} customers bought last after "
            "the cutoff; compute both from the same cutoff"
        )
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError(
            "recency must be 0 where frequency is 0 (a customer without repeat purchases has no "
            f"time between first and last purchase): {int(np.sum((x == 0) & (t_x != 0)))} rows"
        )
    return x, t_x, t_cal


def _values(name: str, values: ArrayLike) -> FloatArray:
    """A 1-d float array without NaN, infinities or negative values, or a ValueError naming it."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has {int(np.sum(~np.isfinite(array)))} NaN or infinite values")
    if np.any(array < 0):
        raise ValueError(f"{name} has {int(np.sum(array < 0))} negative values")
    return array


def _require_whole(name: str, values: FloatArray) -> None:
    if np.any(values != np.round(values)):
        raise ValueError(f"{name} counts repeat purchases and must be whole numbers")


def _same_length(**arrays: FloatArray) -> None:
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"inputs must have one value per customer; lengths differ: {lengths}")
