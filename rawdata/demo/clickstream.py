"""Expand planned sessions into clickstream events, fully vectorised.

A session is laid out as: landing page_view, browse steps (page_view / search / product_view),
add_to_cart for the basket's first products, an optional remove_from_cart, checkout_start and
purchase; a login or signup event is inserted after the landing page, and the customer_id is set
on events from there on. Only the landing event carries utm tags and an external referrer; later
events refer to the previous page, as a tag manager would record them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rawdata.demo import vocab
from rawdata.demo.arrowkit import ids, join, take, timestamps, where
from rawdata.demo.catalog import Catalog
from rawdata.demo.personas import DEVICES
from rawdata.demo.population import Population
from rawdata.demo.sessions import BASKET, SIGNUP, Sessions
from rawdata.demo.timeline import Timeline
from rawdata.demo.traffic import SHOP, landings

(
    PAGE_VIEW,
    SEARCH,
    PRODUCT_VIEW,
    ADD_TO_CART,
    REMOVE_FROM_CART,
    CHECKOUT_START,
    PURCHASE,
    LOGIN,
    SIGNUP_EVENT,
) = range(9)
EVENT_TYPES = (
    "page_view",
    "search",
    "product_view",
    "add_to_cart",
    "remove_from_cart",
    "checkout_start",
    "purchase",
    "login",
    "signup",
)
# url of the steps that are not product or search pages
STEP_URLS = {
    REMOVE_FROM_CART: "/cart",
    CHECKOUT_START: "/checkout",
    PURCHASE: "/checkout/confirmation",
    LOGIN: "/login",
    SIGNUP_EVENT: "/signup",
}
BROWSE_PAGES = (
    "/",
    "/sale",
    "/new",
    "/gift-guide",
    "/account",
    "/wishlist",
    "/help/shipping",
    "/help/returns",
) + tuple(f"/c/{c}" for c in vocab.CATEGORIES) * 3
SECOND = 1_000_000


@dataclass
class Clicks:
    """The events table of a chunk and, per session, when its order was placed."""

    table: pa.Table
    order_us: np.ndarray  # per session: order time (purchase event time), -1 if no order


@lru_cache(maxsize=1)
def search_vocabulary() -> tuple[list[str], np.ndarray]:
    """Search phrases grouped by category, and the offset of each category's first phrase."""
    phrases, offsets = [], [0]
    for cat in vocab.CATEGORIES:
        for noun in vocab.NOUNS[cat]:
            n = noun.lower()
            phrases.append(n)
            phrases += [f"{a.lower()} {n}" for a in vocab.ADJECTIVES]
            phrases += [f"{c} {n}" for c in vocab.COLORS]
            phrases += [f"{b.lower()} {n}" for b in vocab.BRANDS[cat]]
            phrases += [f"{n} {e}" for e in vocab.SEARCH_EXTRAS]
        offsets.append(len(phrases))
    return phrases, np.array(offsets)


def _layout(rng: np.random.Generator, s: dict[str, np.ndarray]):
    """Per event: session index, position, event type, and basket slot of its product."""
    nb, nc, nr = s["n_browse"], s["n_cart"], s["n_remove"]
    has_id = s["ident"] > 0
    n_events = 1 + nb + nc + nr + s["checkout"] + s["purchase"] + has_id
    total = int(n_events.sum())
    sess = np.repeat(np.arange(len(nb)), n_events)
    first = np.cumsum(n_events) - n_events
    pos = np.arange(total) - first[sess]
    login_at = 1 + (rng.random(len(nb)) * (nb + 1)).astype(np.int64)
    ins = np.where(s["ident"] == SIGNUP, nb + 1, login_at)[sess]
    hid = has_id[sess]
    is_ident = hid & (pos == ins)
    q = pos - (hid & (pos > ins))
    nb, nc, nr = nb[sess], nc[sess], nr[sess]
    browse_kind = np.searchsorted([0.28, 0.45], rng.random(total))  # page_view, search, product
    etype = np.full(total, PURCHASE)
    etype = np.where(q <= nb + nc + nr + s["checkout"][sess], CHECKOUT_START, etype)
    etype = np.where(q <= nb + nc + nr, REMOVE_FROM_CART, etype)
    etype = np.where(q <= nb + nc, ADD_TO_CART, etype)
    etype = np.where(q <= nb, browse_kind, etype)
    etype = np.where(q == 0, PAGE_VIEW, etype)
    etype = np.where(is_ident, np.where(s["ident"][sess] == SIGNUP, SIGNUP_EVENT, LOGIN), etype)
    slot = np.select(
        [etype == PRODUCT_VIEW, etype == ADD_TO_CART, etype == REMOVE_FROM_CART],
        [(q - 1) % BASKET, np.clip(q - nb - 1, 0, BASKET - 1), np.clip(nc - 1, 0, BASKET - 1)],
        0,
    )
    identified = hid & (pos >= ins)
    return sess, first, n_events, pos, etype, slot, identified, is_ident


def build_clicks(
    rng: np.random.Generator,
    tl: Timeline,
    pop: Population,
    catalog: Catalog,
    ss: Sessions,
    first_event: int,
    first_order: int,
) -> Clicks:
    """Events for all sessions of a chunk, numbered from `first_event`."""
    s = ss.cols
    sess, first, n_events, pos, etype, slot, identified, is_ident = _layout(rng, s)
    total = len(sess)

    # time: seconds-to-minutes gaps, sometimes a long pause; sign-up happens at signup_at
    gap = np.exp(rng.normal(np.log(35), 1.0, total)) * SECOND
    pause = rng.random(total) < 0.015
    gap = np.where(pause, rng.uniform(20 * 60, 40 * 60, total) * SECOND, gap).astype(np.int64)
    gap[pos == 0] = 0
    elapsed = np.cumsum(gap)
    elapsed -= elapsed[first][sess]
    shift = np.zeros(len(n_events), np.int64)
    signup_ev = np.flatnonzero(etype == SIGNUP_EVENT)
    shift[sess[signup_ev]] = -elapsed[signup_ev]
    last = first + n_events - 1
    overflow = s["start_us"] + shift + elapsed[last] - tl.end_us
    shift -= np.maximum(overflow, 0)
    ts = s["start_us"][sess] + shift[sess] + elapsed
    converts = s["order"] >= 0
    order_us = np.where(converts, ts[last] + (1 - s["purchase"]) * 60 * SECOND, -1)

    # products and pages
    has_product = (etype == PRODUCT_VIEW) | (etype == ADD_TO_CART) | (etype == REMOVE_FROM_CART)
    product = ss.basket[sess, slot]
    product_id = take(catalog.product_id, product, mask=~has_product)
    phrases, offsets = search_vocabulary()
    cat = catalog.category[ss.basket[sess, 0]]
    width = offsets[cat + 1] - offsets[cat]
    phrase = offsets[cat] + (rng.random(total) ** 2 * width).astype(np.int64)
    is_search = etype == SEARCH
    query = take(phrases, phrase, mask=~is_search)
    step_codes = np.array([STEP_URLS.get(t, "") for t in range(len(EVENT_TYPES))], dtype=object)
    static_idx = rng.integers(len(BROWSE_PAGES), size=total)
    static = join(
        SHOP,
        where(etype == PAGE_VIEW, take(BROWSE_PAGES, static_idx), take(list(step_codes), etype)),
    )
    search_url = join(SHOP, "/search?q=", pc.replace_substring(query, " ", "+"))
    url = where(etype == ADD_TO_CART, take(catalog.url, product), static)
    url = where(etype == PRODUCT_VIEW, take(catalog.url, product), url)
    url = where(is_search, search_url, url)

    landing = landings(rng, tl, s["channel"], s["start_us"], take(catalog.url, ss.basket[:, 0]))
    is_landing = pos == 0
    not_landing = ~is_landing
    url = where(is_landing, landing.url.take(pa.array(sess)), url)
    previous = pa.concat_arrays([pa.nulls(1, pa.string()), url.slice(0, total - 1)])
    referrer = where(is_landing, landing.referrer.take(pa.array(sess)), previous)

    cust = np.maximum(s["customer"], 0)[sess]
    customer_id = take(pop.customer_id, cust, mask=~identified | (s["customer"][sess] < 0))
    is_purchase = etype == PURCHASE
    order_id = ids("O", first_order + 1 + np.maximum(s["order"][sess], 0), 8)
    order_id = where(is_purchase, order_id, None)
    table = pa.table(
        {
            "event_id": ids("E", first_event + 1 + np.arange(total), 10),
            "anonymous_id": ss.anonymous_id.take(pa.array(sess)),
            "customer_id": customer_id,
            "event_type": take(EVENT_TYPES, etype),
            "event_ts": timestamps(ts),
            "page_url": url,
            "referrer": referrer,
            "utm_source": take(landing.utm_source, sess, mask=not_landing),
            "utm_medium": take(landing.utm_medium, sess, mask=not_landing),
            "utm_campaign": take(landing.utm_campaign, sess, mask=not_landing),
            "device": take(DEVICES, s["device"][sess]),
            "search_query": query,
            "product_id": product_id,
            "order_id": order_id,
        }
    )
    return Clicks(table=table, order_us=order_us)
