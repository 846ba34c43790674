"""How a visit arrives: utm parameters, referrer and landing page for each marketing channel.

The warehouse maps (utm_source, utm_medium, referrer domain) to a channel with the
channel_mapping seed, so each channel here produces exactly the signals a real one would:
paid and email traffic carry utm tags (with the campaign running that day), organic and
referral traffic only a referrer, direct traffic nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rawdata.demo import vocab
from rawdata.demo.arrowkit import join, take, where
from rawdata.demo.personas import CHANNELS
from rawdata.demo.timeline import Timeline

SHOP = "https://shop.example.com"

# channel -> (utm_source choices, utm_medium, referrer choices); None means absent
_CHANNEL_SIGNALS: dict[str, tuple[tuple[str, ...] | None, str | None, tuple[str, ...] | None]] = {
    "paid_search": (("google", "google", "google", "bing"), "cpc", None),
    "paid_social": (("facebook", "instagram", "facebook", "tiktok"), "cpc", None),
    "email": (("newsletter",), "email", None),
    "affiliate": (
        ("awin", "partnerize", "skimlinks"),
        "affiliate",
        ("https://www.dealspotter.example/", "https://bestbuys-blog.example/gifts"),
    ),
    "organic_search": (
        None,
        None,
        (
            "https://www.google.com/",
            "https://www.google.com/",
            "https://www.google.com/",
            "https://www.bing.com/",
            "https://duckduckgo.com/",
        ),
    ),
    "organic_social": (
        None,
        None,
        (
            "https://www.facebook.com/",
            "https://t.co/x7Qp2",
            "https://www.instagram.com/",
            "https://www.pinterest.com/",
            "https://www.reddit.com/r/BuyItForLife/",
        ),
    ),
    "referral": (
        None,
        None,
        (
            "https://www.techradar.example/best-of-2025",
            "https://www.trustpilot.com/review/shop.example.com",
            "https://giftguide.example.org/ideas",
            "https://news.ycombinator.com/",
        ),
    ),
    "direct": (None, None, None),
}

# ads are clicked on the network that ran them, so their referrer follows the utm_source
SOURCE_REFERRER = {
    "google": "https://www.google.com/",
    "bing": "https://www.bing.com/",
    "facebook": "https://m.facebook.com/",
    "instagram": "https://l.instagram.com/",
    "tiktok": "https://www.tiktok.com/",
}
SOURCES = sorted({s for v in _CHANNEL_SIGNALS.values() for s in (v[0] or ())})
MEDIUMS = sorted({v[1] for v in _CHANNEL_SIGNALS.values() if v[1]})
REFERRERS = sorted(
    {r for v in _CHANNEL_SIGNALS.values() for r in (v[2] or ())} | set(SOURCE_REFERRER.values())
)
AD_REFERRER = np.array(
    [REFERRERS.index(SOURCE_REFERRER[s]) if s in SOURCE_REFERRER else -1 for s in SOURCES]
)
EVERGREEN = {
    "paid_search": "always_on_search",
    "paid_social": "prospecting",
    "affiliate": "retargeting",
}
LANDING_PAGES = ("/", "/sale", "/new", "/gift-guide") + tuple(f"/c/{c}" for c in vocab.CATEGORIES)


@dataclass
class Landing:
    """Per-session landing signals as Arrow arrays (nulls where a channel has none)."""

    url: pa.Array
    referrer: pa.Array
    utm_source: pa.Array
    utm_medium: pa.Array
    utm_campaign: pa.Array


def _pick(rng: np.random.Generator, sel: np.ndarray, choices: tuple[str, ...], vocab_: list[str]):
    idx = np.array([vocab_.index(c) for c in choices])
    return idx[rng.integers(len(choices), size=int(sel.sum()))]


def landings(
    rng: np.random.Generator,
    timeline: Timeline,
    channel: np.ndarray,
    start_us: np.ndarray,
    product_url: pa.Array,
) -> Landing:
    """Landing signals for sessions of the given channels starting at the given times."""
    n = len(channel)
    src, med, ref = np.full(n, -1), np.full(n, -1), np.full(n, -1)
    camp = np.zeros(n, np.int64)
    day = timeline.day_of(start_us)
    sale = timeline.sale_idx[day]
    for c, name in enumerate(CHANNELS):
        sel = channel == c
        if not sel.any():
            continue
        sources, medium, referrers = _CHANNEL_SIGNALS[name]
        if sources:
            src[sel] = _pick(rng, sel, sources, SOURCES)
            med[sel] = MEDIUMS.index(medium)
            if name == "email":
                base = timeline.newsletter_idx[day[sel]]
            else:
                base = np.full(int(sel.sum()), timeline.campaign_index[EVERGREEN[name]])
            use_sale = (sale[sel] > 0) & (rng.random(int(sel.sum())) < 0.7)
            camp[sel] = np.where(use_sale, sale[sel], base)
            ref[sel] = AD_REFERRER[src[sel]]
        if referrers:
            ref[sel] = _pick(rng, sel, referrers, REFERRERS)

    # landing page: a product page (ads and search love those), a category, home or sale
    kind = rng.random(n)
    page_idx = rng.integers(len(LANDING_PAGES), size=n)
    on_sale = sale > 0
    page_idx = np.where(on_sale & (rng.random(n) < 0.4), LANDING_PAGES.index("/sale"), page_idx)
    path = join(SHOP, take(LANDING_PAGES, page_idx))
    url = where(kind < 0.35, product_url, path)
    has_utm = src >= 0
    query = join(
        "?utm_source=",
        take(SOURCES, np.maximum(src, 0)),
        "&utm_medium=",
        take(MEDIUMS, np.maximum(med, 0)),
        "&utm_campaign=",
        take(timeline.campaigns, camp),
    )
    url = where(has_utm, join(url, query), url)
    return Landing(
        url=url,
        referrer=take(REFERRERS, np.maximum(ref, 0), mask=ref < 0),
        utm_source=take(SOURCES, np.maximum(src, 0), mask=~has_utm),
        utm_medium=take(MEDIUMS, np.maximum(med, 0), mask=~has_utm),
        utm_campaign=take(timeline.campaigns, camp, mask=~has_utm),
    )
