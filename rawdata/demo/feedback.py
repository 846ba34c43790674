"""Reviews and support tickets: the voice of the customer, written after what really happened.

Which orders get a review or a ticket, and the rating, were decided by the lifecycle simulation
(they drive churn); this module dates them relative to the order's real timeline and writes their
texts. A small background of tickets unrelated to any order (account, invoice questions) keeps a
ticket from being proof of a bad order.
"""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np
import pyarrow as pa

from rawdata.demo import vocab
from rawdata.demo.arrowkit import ids, take, timestamps
from rawdata.demo.catalog import Catalog
from rawdata.demo.commerce import Commerce
from rawdata.demo.lifecycle import TICKET_REASONS, Lifecycle
from rawdata.demo.population import Population
from rawdata.demo.reviewtext import review_text
from rawdata.demo.tickettext import ticket_text
from rawdata.demo.timeline import DAY_US, EPOCH, HOUR_US, Timeline

CHANNELS = ("email", "chat", "phone")
BACKGROUND_TICKETS = 0.03  # per customer, unrelated to an order


def build_reviews(
    rng: np.random.Generator,
    tl: Timeline,
    pop: Population,
    catalog: Catalog,
    life: Lifecycle,
    com: Commerce,
    first_review: int,
) -> pa.Table:
    """Reviews of delivered orders, a few days after delivery (after the return if returned)."""
    out = life.order
    base = np.where(com.returned_us >= 0, com.returned_us, com.delivered_us)
    created = base + (rng.exponential(4.0, len(base)) * DAY_US).astype(np.int64) + HOUR_US
    sel = np.flatnonzero(out["review"] & (com.delivered_us >= 0) & (created <= tl.end_us))
    rnd = random.Random(int(rng.integers(2**63)))
    titles, bodies = [], []
    for i in sel.tolist():
        product = int(com.first_product[i])
        bad = []
        if out["late"][i]:
            bad.append("delivery")
        category = vocab.CATEGORIES[catalog.category[product]]
        if out["damaged"][i]:
            bad.append(rnd.choice(("quality", "packaging", "product")))
        if out["returned"][i]:
            bad.append("fit" if category in ("apparel", "shoes") else "product")
        if out["payment_issue"][i]:
            bad.append("service")
        title, body = review_text(
            rnd,
            int(out["rating"][i]),
            list(dict.fromkeys(bad)),
            catalog.noun[product],
            catalog.brand[product],
            category,
        )
        titles.append(title)
        bodies.append(body)
    return pa.table(
        {
            "review_id": ids("R", first_review + 1 + np.arange(len(sel)), 8),
            "customer_id": take(pop.customer_id, com.customer[sel]),
            "order_id": com.order_id.take(pa.array(sel)),
            "product_id": catalog.product_id.take(pa.array(com.first_product[sel])),
            "rating": pa.array(out["rating"][sel].astype(np.int32)),
            "title": pa.array(titles, pa.string()),
            "body": pa.array(bodies, pa.string()),
            "created_at": timestamps(created[sel]),
        }
    )


def build_tickets(
    rng: np.random.Generator,
    tl: Timeline,
    pop: Population,
    catalog: Catalog,
    life: Lifecycle,
    com: Commerce,
    first_ticket: int,
) -> pa.Table:
    """Tickets about orders that went wrong, plus background questions."""
    out = life.order
    reason = out["ticket_reason"]
    delivered = np.where(com.delivered_us >= 0, com.delivered_us, com.ordered_us + 5 * DAY_US)
    after = {  # when the customer gets in touch, by reason
        0: com.ordered_us + (rng.uniform(5, 12, len(reason)) * DAY_US),
        1: delivered + rng.uniform(0.1, 2, len(reason)) * DAY_US,
        2: delivered + rng.uniform(2, 15, len(reason)) * DAY_US,
        3: com.ordered_us + rng.uniform(0.05, 3, len(reason)) * DAY_US,
        4: com.ordered_us + rng.uniform(0.1, 20, len(reason)) * DAY_US,
    }
    created = np.select([reason == r for r in after], list(after.values())).astype(np.int64)
    sel = np.flatnonzero(out["ticket"] & (created <= tl.end_us))
    resolved_flag = out["ticket_resolved"][sel]
    cust = com.customer[sel]
    reasons = reason[sel]
    order_idx = sel

    # background tickets with no order behind them
    m = rng.random(len(pop)) < BACKGROUND_TICKETS
    bg = np.flatnonzero(m)
    lo = np.maximum(pop.signup_us[bg], tl.start_us)
    bg_created = lo + (rng.random(len(bg)) * (tl.end_us - lo)).astype(np.int64)
    cust = np.concatenate([cust, bg])
    created = np.concatenate([created[sel], bg_created])
    reasons = np.concatenate([reasons, np.full(len(bg), len(TICKET_REASONS) - 1)])
    resolved_flag = np.concatenate([resolved_flag, rng.random(len(bg)) < 0.93])
    order_idx = np.concatenate([order_idx, np.full(len(bg), -1)])

    channel = rng.choice(len(CHANNELS), size=len(cust), p=[0.5, 0.32, 0.18])
    speed = np.array([1.5, 0.4, 0.2])[channel]
    resolved = created + (rng.exponential(speed) * DAY_US).astype(np.int64) + 600_000_000
    resolved_known = resolved_flag & (resolved <= tl.end_us)
    closed = resolved_known & (resolved < tl.end_us - 7 * DAY_US) & (rng.random(len(cust)) < 0.6)
    status = np.where(
        resolved_known, np.where(closed, 3, 2), np.where(rng.random(len(cust)) < 0.5, 0, 1)
    )

    rnd = random.Random(int(rng.integers(2**63)))
    names = pop.table["first_name"].take(pa.array(cust)).to_pylist()
    order_ids = take(com.order_id, np.maximum(order_idx, 0), mask=order_idx < 0)
    order_strs = order_ids.to_pylist()
    subjects, bodies = [], []
    for k in range(len(cust)):
        o = int(order_idx[k])
        product = int(com.first_product[o]) if o >= 0 else int(rng.integers(len(catalog)))
        promised = (
            EPOCH + timedelta(days=int(com.ordered_us[o] // DAY_US) + 5) if o >= 0 else tl.end
        )
        subject, body = ticket_text(
            rnd,
            TICKET_REASONS[reasons[k]],
            order_strs[k] or "my last order",
            catalog.noun[product],
            promised.strftime("%d %b"),
            names[k] or "",
        )
        subjects.append(subject)
        bodies.append(body)
    return pa.table(
        {
            "ticket_id": ids("T", first_ticket + 1 + np.arange(len(cust)), 8),
            "customer_id": take(pop.customer_id, cust),
            "order_id": order_ids,
            "channel": take(CHANNELS, channel),
            "subject": pa.array(subjects, pa.string()),
            "body": pa.array(bodies, pa.string()),
            "status": take(("open", "pending", "solved", "closed"), status),
            "created_at": timestamps(created),
            "resolved_at": timestamps(resolved, ~resolved_known),
        }
    )
