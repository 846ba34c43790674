"""Registered customers of one chunk: identity, persona, channel, sign-up and devices.

A customer owns one to three browser cookies (anonymous_id), each on one device type; the first
is the device they signed up on, so anonymous browsing there before sign-up can later be
stitched to them, which is what the warehouse's identity map must discover.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rawdata.demo import personas, vocab
from rawdata.demo.arrowkit import ids, take, timestamps
from rawdata.demo.timeline import DAY_US, Timeline

MAX_DEVICES = 3
SHARED_DEVICE = 0.04  # share of multi-device customers who also use a partner's computer
PRE_WINDOW_SIGNUPS = 0.12  # share of customers who signed up in the year before the window


@dataclass
class Population:
    """One chunk of customers; arrays are aligned by local customer index."""

    first_index: int  # global 0-based index of the chunk's first customer
    customer_id: pa.Array
    persona: np.ndarray
    channel: np.ndarray
    signup_us: np.ndarray
    n_devices: np.ndarray
    device_type: np.ndarray  # (n, MAX_DEVICES) index into personas.DEVICES
    anonymous_id: pa.Array  # length n * MAX_DEVICES, slot c * MAX_DEVICES + d
    category_cdf: np.ndarray  # (n, categories) cumulative preference
    country: np.ndarray
    table: pa.Table

    def __len__(self) -> int:
        return len(self.persona)


def cookie_ids(numbers: np.ndarray, salt: int) -> pa.Array:
    """Opaque, unique, deterministic cookie ids (an odd multiplier is a bijection mod 2**64)."""
    mixed = (numbers.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(salt)
    return pa.array([f"{x:016x}" for x in mixed.tolist()], pa.string())


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return folded.lower().replace(" ", "").replace("'", "")


def build_population(
    rng: np.random.Generator, timeline: Timeline, first_index: int, n: int
) -> Population:
    """Draw `n` customers numbered from `first_index`."""
    persona = personas.draw_personas(rng, n)
    channel = personas.draw_channels(rng, persona)

    # sign-up: mostly inside the window following demand, some in the year before it
    p_day = timeline.day_weight / timeline.day_weight.sum()
    day = rng.choice(timeline.n_days, size=n, p=p_day)
    signup = timeline.start_us + day * DAY_US + timeline.sample_time_of_day(rng, n)
    early = rng.random(n) < PRE_WINDOW_SIGNUPS
    signup[early] = timeline.start_us - rng.integers(1, 365 * DAY_US, early.sum())

    n_devices = rng.choice([1, 2, 3], size=n, p=[0.55, 0.33, 0.12])
    mix = personas.DEVICE_MIX
    device_type = rng.choice(len(personas.DEVICES), size=(n, MAX_DEVICES), p=mix)
    slots = (first_index + np.arange(n))[:, None] * MAX_DEVICES + np.arange(MAX_DEVICES)
    # a family computer: a few customers' second cookie is another customer's first one
    sharers = np.flatnonzero((n_devices >= 2) & (rng.random(n) < SHARED_DEVICE))
    partner = rng.integers(0, n, len(sharers))
    ok = partner != sharers
    slots[sharers[ok], 1] = slots[partner[ok], 0]
    device_type[sharers[ok], 1] = device_type[partner[ok], 0]
    anonymous_id = cookie_ids(slots.ravel(), salt=0x5EED)

    share = np.array([vocab.CATEGORY_PROFILE[c][0] for c in vocab.CATEGORIES])
    preference = rng.dirichlet(share * 4, size=n)
    category_cdf = np.cumsum(preference, axis=1)

    countries = list(vocab.COUNTRIES)
    weights = np.array([vocab.COUNTRIES[c][0] for c in countries])
    country = rng.choice(len(countries), size=n, p=weights / weights.sum())
    first = rng.integers(len(vocab.FIRST_NAMES), size=n)
    last = rng.integers(len(vocab.LAST_NAMES), size=n)
    city_pick = rng.random(n)
    cities = [
        vocab.COUNTRIES[countries[k]][1][int(u * len(vocab.COUNTRIES[countries[k]][1]))]
        for k, u in zip(country.tolist(), city_pick.tolist(), strict=True)
    ]
    domain = rng.integers(len(vocab.EMAIL_DOMAINS), size=n)
    suffix = rng.integers(1, 99, size=n)
    style = rng.integers(0, 3, size=n)
    emails = []
    for f, la, d, s, st in zip(
        first.tolist(), last.tolist(), domain.tolist(), suffix.tolist(), style.tolist(), strict=True
    ):
        fn, ln = _ascii(vocab.FIRST_NAMES[f]), _ascii(vocab.LAST_NAMES[la])
        local = (f"{fn}.{ln}", f"{fn[0]}{ln}{s}", f"{fn}{s}")[st]
        emails.append(f"{local}@{vocab.EMAIL_DOMAINS[d]}")

    updated = signup + (rng.exponential(120, n) * DAY_US).astype(np.int64)
    updated = np.minimum(updated, timeline.end_us)
    updated = np.maximum(updated, signup)
    customer_id = ids("C", first_index + np.arange(1, n + 1), 7)
    table = pa.table(
        {
            "customer_id": customer_id,
            "email": pa.array(emails, pa.string()),
            "first_name": take(vocab.FIRST_NAMES, first),
            "last_name": take(vocab.LAST_NAMES, last),
            "country": take(countries, country),
            "city": pa.array(cities, pa.string()),
            "signup_at": timestamps(signup),
            "updated_at": timestamps(updated),
        }
    )
    return Population(
        first_index=first_index,
        customer_id=customer_id,
        persona=persona,
        channel=channel,
        signup_us=signup,
        n_devices=n_devices,
        device_type=device_type,
        anonymous_id=anonymous_id,
        category_cdf=category_cdf,
        country=country,
        table=table,
    )
