"""Turn the simulated visits into concrete sessions: who, when, on which cookie, doing what.

Besides the customers' own visits this adds what identity stitching needs (anonymous browsing on
the sign-up device before sign-up, the sign-up session itself, logged-out visits of known
cookies), research visits in the days before a purchase (multi-session journeys), and traffic
from visitors who never register. Each session is planned as counts (browse steps, cart adds,
checkout, purchase) and a basket of products; the clickstream module expands the plan to events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rawdata.demo import personas as P
from rawdata.demo import vocab
from rawdata.demo.catalog import Catalog
from rawdata.demo.lifecycle import Lifecycle
from rawdata.demo.population import MAX_DEVICES, Population, cookie_ids
from rawdata.demo.timeline import DAY_US, HOUR_US, WEEK_US, Timeline

BASKET = 6
NO_IDENT, LOGIN, SIGNUP = 0, 1, 2
FIELDS = (
    "customer",
    "slot",
    "device",
    "start_us",
    "channel",
    "ident",
    "order",
    "n_browse",
    "n_cart",
    "n_remove",
    "checkout",
    "purchase",
    "category",
)


@dataclass
class Sessions:
    """Planned sessions: aligned numpy arrays plus each session's cookie and product basket."""

    cols: dict[str, np.ndarray]
    anonymous_id: pa.Array
    basket: np.ndarray  # (n, BASKET) product indices

    def __len__(self) -> int:
        return len(self.cols["start_us"])


def _plan(
    rng: np.random.Generator,
    n: int,
    browse_mean: np.ndarray,
    p_cart: float,
    converts: np.ndarray,
    items_mean: np.ndarray,
) -> dict[str, np.ndarray]:
    """Step counts for `n` sessions; converting sessions always reach the purchase."""
    n_browse = rng.poisson(browse_mean)
    bounce = ~converts & (rng.random(n) < 0.3)
    n_browse = np.where(bounce, 0, n_browse)
    n_browse = np.where(converts, np.maximum(n_browse, 1), n_browse)
    carts = ~bounce & (rng.random(n) < p_cart)
    n_items = np.clip(1 + rng.poisson(np.maximum(items_mean - 1, 0)), 1, 5)
    n_cart = np.where(converts, n_items, np.where(carts, 1 + (rng.random(n) < 0.3), 0))
    n_remove = ((n_cart > 0) & (rng.random(n) < 0.12)).astype(np.int64)
    n_cart = np.where(converts, n_cart + n_remove, n_cart)
    checkout = converts | (carts & (rng.random(n) < 0.25))
    purchase = converts & (rng.random(n) < 0.95)  # a few purchases are never tracked
    return {
        "n_browse": n_browse,
        "n_cart": n_cart,
        "n_remove": n_remove,
        "checkout": checkout.astype(np.int64),
        "purchase": purchase.astype(np.int64),
    }


def _category(rng: np.random.Generator, cdf: np.ndarray) -> np.ndarray:
    return np.minimum((rng.random(len(cdf))[:, None] > cdf).sum(axis=1), cdf.shape[1] - 1)


def _basket(rng: np.random.Generator, catalog: Catalog, category: np.ndarray) -> np.ndarray:
    """Products a session looks at; the first slots are what it adds to the cart."""
    n = len(category)
    cats = np.repeat(category[:, None], BASKET, axis=1)
    other = rng.integers(0, catalog.category.max() + 1, size=(n, BASKET))
    cats = np.where(rng.random((n, BASKET)) < 0.3, other, cats)
    cats[:, 0] = category
    return catalog.sample(rng, cats.ravel()).reshape(n, BASKET)


def _customer_sessions(
    rng: np.random.Generator, tl: Timeline, pop: Population, life: Lifecycle
) -> dict[str, np.ndarray]:
    """Post-sign-up visits, pre-sign-up browsing, sign-up sessions and research visits."""
    cust, conv = life.visit_customer.astype(np.int64), life.visit_converts
    start = tl.sample_in_weeks(rng, life.visit_week)
    week_end = tl.start_us + (life.visit_week.astype(np.int64) + 1) * WEEK_US
    early = start < pop.signup_us[cust]
    lo = pop.signup_us[cust][early]
    start[early] = lo + (rng.random(early.sum()) * (np.minimum(week_end[early], tl.end_us) - lo))
    slot = (rng.random(len(cust)) ** 1.8 * pop.n_devices[cust]).astype(np.int64)
    logged = conv | (rng.random(len(cust)) < P.LOGIN[pop.persona[cust]])
    order = np.where(conv, np.cumsum(conv) - 1, -1)
    category = np.where(
        conv, life.order["category"][np.maximum(order, 0)], _category(rng, pop.category_cdf[cust])
    )
    channel = P.draw_visit_channels(rng, pop.channel[cust], P.VISIT_MIX)
    parts = [
        dict(
            customer=cust,
            slot=slot,
            start_us=start,
            channel=channel,
            order=order,
            ident=np.where(logged, LOGIN, NO_IDENT),
            category=category,
            converts=conv,
        )
    ]

    # research visits in the days before a purchase, same products (multi-session journeys)
    buy = np.flatnonzero(conv & (rng.random(len(conv)) < 0.5))
    buy = np.repeat(buy, 1 + (rng.random(len(buy)) < 0.35))
    r_start = start[buy] - (rng.uniform(0.2, 6, len(buy)) * DAY_US).astype(np.int64)
    r_cust = cust[buy]
    r_logged = (r_start >= pop.signup_us[r_cust]) & (rng.random(len(buy)) < 0.6)
    parts.append(
        dict(
            customer=r_cust,
            slot=slot[buy],
            start_us=r_start,
            channel=P.draw_visit_channels(rng, pop.channel[r_cust], P.VISIT_MIX),
            order=np.full(len(buy), -1),
            ident=np.where(r_logged, LOGIN, NO_IDENT),
            category=category[buy],
            converts=np.zeros(len(buy), bool),
            research_of=buy,
        )
    )

    # anonymous browsing on the sign-up device before sign-up, then the sign-up session
    new = np.flatnonzero(pop.signup_us >= tl.start_us)
    pre = np.repeat(new, rng.poisson(1.2, len(new)))
    gap = (rng.exponential(3.0, len(pre)) * DAY_US).astype(np.int64) + HOUR_US
    parts.append(
        dict(
            customer=pre,
            slot=np.zeros(len(pre), np.int64),
            start_us=pop.signup_us[pre] - gap,
            channel=P.draw_visit_channels(rng, pop.channel[pre], P.ANONYMOUS_MIX),
            order=np.full(len(pre), -1),
            ident=np.full(len(pre), NO_IDENT),
            category=_category(rng, pop.category_cdf[pre]),
            converts=np.zeros(len(pre), bool),
        )
    )
    parts.append(
        dict(
            customer=new,
            slot=np.zeros(len(new), np.int64),
            start_us=pop.signup_us[new],
            channel=pop.channel[new],
            order=np.full(len(new), -1),
            ident=np.full(len(new), SIGNUP),
            category=_category(rng, pop.category_cdf[new]),
            converts=np.zeros(len(new), bool),
        )
    )
    return parts


def _anonymous_sessions(
    rng: np.random.Generator, tl: Timeline, first_index: int, v: int
) -> tuple[dict[str, np.ndarray], pa.Array]:
    """Visitors who never register: one cookie each, one to a few sessions, rarely a cart."""
    visits = 1 + rng.poisson(0.8, v)
    who = np.repeat(np.arange(v), visits)
    n = len(who)
    day = rng.choice(tl.n_days, size=v, p=tl.day_weight / tl.day_weight.sum())
    first = tl.start_us + day * DAY_US + tl.sample_time_of_day(rng, v)
    later = (rng.exponential(6.0, n) * DAY_US).astype(np.int64)
    is_first = np.r_[True, who[1:] != who[:-1]]
    later[is_first] = 0
    offset = np.cumsum(later) - np.repeat(np.cumsum(later)[is_first], visits)
    own = P.draw_channels(rng, rng.integers(0, len(P.PERSONAS), v))
    share = np.array([vocab.CATEGORY_PROFILE[c][0] for c in vocab.CATEGORIES])
    cols = dict(
        customer=np.full(n, -1),
        slot=np.zeros(n, np.int64),
        device=rng.choice(len(P.DEVICES), size=v, p=P.DEVICE_MIX)[who],
        start_us=np.minimum(first[who] + offset, tl.end_us - HOUR_US),
        channel=P.draw_visit_channels(rng, own[who], P.ANONYMOUS_MIX),
        ident=np.zeros(n, np.int64),
        order=np.full(n, -1),
        category=rng.choice(len(share), size=n, p=share / share.sum()),
    )
    cols |= _plan(rng, n, np.full(n, 2.0), 0.06, np.zeros(n, bool), np.ones(n))
    return cols, cookie_ids(first_index + who, salt=0xA11CE)


def build_sessions(
    rng: np.random.Generator,
    tl: Timeline,
    pop: Population,
    life: Lifecycle,
    catalog: Catalog,
    anon_first_index: int,
    n_anonymous: int,
) -> Sessions:
    """All sessions of a chunk: its customers' and `n_anonymous` never-registered visitors'."""
    parts = _customer_sessions(rng, tl, pop, life)
    cols: dict[str, list[np.ndarray]] = {k: [] for k in FIELDS}
    baskets, cookies = [], []
    for i, part in enumerate(parts):
        cust, conv = part["customer"], part["converts"]
        persona = pop.persona[cust]
        research = i == 1
        browse_mean = np.where(persona == 2, 3.4, 2.3) + (part["ident"] == SIGNUP)
        plan = _plan(rng, len(cust), browse_mean, 0.3 if research else 0.12, conv, P.ITEMS[persona])
        if research:  # the same products as the purchase it prepares
            baskets.append(baskets[0][part["research_of"]])
        else:
            baskets.append(_basket(rng, catalog, part["category"]))
        cookies.append(cust * MAX_DEVICES + part["slot"])
        plan["device"] = pop.device_type[cust, part["slot"]]
        for k in FIELDS:
            cols[k].append(plan[k] if k in plan else part[k])

    anon, anon_cookies = _anonymous_sessions(rng, tl, anon_first_index, n_anonymous)
    for k in FIELDS:
        cols[k].append(anon[k])
    baskets.append(_basket(rng, catalog, anon["category"]))

    anon_ids = pa.concat_arrays(
        [pop.anonymous_id.take(pa.array(np.concatenate(cookies))), anon_cookies]
    )
    merged = {k: np.concatenate(v).astype(np.int64) for k, v in cols.items()}
    keep = (merged["start_us"] >= tl.start_us) & (merged["start_us"] <= tl.end_us)
    keep_idx = np.flatnonzero(keep)
    return Sessions(
        cols={k: a[keep_idx] for k, a in merged.items()},
        anonymous_id=anon_ids.take(pa.array(keep_idx)),
        basket=np.concatenate(baskets)[keep_idx],
    )
