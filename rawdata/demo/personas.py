"""Latent customer types and acquisition channels, with the behaviour each one drives.

These are the hidden truth the warehouse and the churn model should rediscover: personas differ in
how often they visit, how often a visit converts, basket size, review habits and how fast they
leave; acquisition channels shift the persona mix and add their own churn tilt.
"""

from __future__ import annotations

import numpy as np

PERSONAS = (
    "loyal_high_value",
    "bargain_hunter",
    "window_shopper",
    "one_and_done",
    "seasonal_gifter",
)

# One row per persona, columns named below. Rates are per week at a season factor of 1.
_P = np.array(
    #  share visit season conv  sale   items review hazard login discount
    [[0.14, 0.24, 1.0, 0.20, 1.2, 2.6, 0.20, 0.0035, 0.88, 0.08],  # loyal_high_value
     [0.22, 0.10, 1.0, 0.12, 3.0, 1.8, 0.12, 0.0090, 0.70, 0.45],  # bargain_hunter
     [0.27, 0.12, 1.0, 0.035, 1.3, 1.3, 0.08, 0.0110, 0.55, 0.10],  # window_shopper
     [0.22, 0.09, 1.0, 0.24, 1.2, 1.4, 0.14, 0.0120, 0.60, 0.12],  # one_and_done
     [0.15, 0.04, 3.0, 0.18, 1.4, 2.2, 0.12, 0.0045, 0.70, 0.15]],  # seasonal_gifter
)  # fmt: skip
SHARE, VISIT, SEASON_POWER, CONVERSION, SALE_LIFT, ITEMS, REVIEW, HAZARD, LOGIN, DISCOUNT = _P.T

# one_and_done customers mostly leave soon after their first order
ONE_AND_DONE = PERSONAS.index("one_and_done")
ONE_AND_DONE_HAZARD_AFTER_ORDER = 0.22

CHANNELS = (
    "paid_search",
    "paid_social",
    "email",
    "affiliate",
    "organic_search",
    "organic_social",
    "referral",
    "direct",
)

# P(acquisition channel | persona): bargain hunters arrive through ads and affiliates, loyal
# customers through search and word of mouth.
_ACQUISITION = np.array(
    [[0.16, 0.08, 0.06, 0.03, 0.27, 0.06, 0.14, 0.20],
     [0.22, 0.20, 0.06, 0.16, 0.14, 0.08, 0.04, 0.10],
     [0.18, 0.22, 0.03, 0.05, 0.22, 0.14, 0.06, 0.10],
     [0.24, 0.22, 0.02, 0.12, 0.18, 0.08, 0.04, 0.10],
     [0.22, 0.14, 0.04, 0.06, 0.24, 0.08, 0.08, 0.14]],
)  # fmt: skip
ACQUISITION = _ACQUISITION / _ACQUISITION.sum(axis=1, keepdims=True)

# churn tilt of the acquisition channel (paid social buys fickle customers)
CHANNEL_HAZARD = np.array([1.05, 1.35, 0.9, 1.25, 0.9, 1.1, 0.8, 0.85])

# Where a later visit comes from: the customer's own acquisition channel with this probability,
# otherwise this general mix (email only reaches registered customers).
STICKY_CHANNEL = 0.35
VISIT_MIX = np.array([0.13, 0.08, 0.12, 0.04, 0.2, 0.06, 0.05, 0.32])
ANONYMOUS_MIX = np.array([0.18, 0.16, 0.0, 0.06, 0.26, 0.1, 0.07, 0.17])

DEVICES = ("desktop", "mobile", "tablet")
DEVICE_MIX = np.array([0.38, 0.50, 0.12])


def draw_personas(rng: np.random.Generator, n: int) -> np.ndarray:
    """Persona index per customer."""
    return rng.choice(len(PERSONAS), size=n, p=SHARE / SHARE.sum())


def draw_channels(rng: np.random.Generator, persona: np.ndarray) -> np.ndarray:
    """Acquisition channel index per customer, conditional on persona."""
    cdf = np.cumsum(ACQUISITION, axis=1)[persona]
    return np.minimum((rng.random(len(persona))[:, None] > cdf).sum(axis=1), len(CHANNELS) - 1)


def draw_visit_channels(rng: np.random.Generator, own: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """Channel of each visit: sticky to the visitor's own channel, else the general mix."""
    general = rng.choice(len(CHANNELS), size=len(own), p=mix / mix.sum())
    return np.where(rng.random(len(own)) < STICKY_CHANNEL, own, general)
