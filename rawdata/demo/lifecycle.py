"""Weekly simulation of a chunk of customers: visits, orders, their outcomes, and churn.

This is where cause and effect live. Each week every registered, not-churned customer visits a
Poisson number of times (persona, season, novelty, and dissatisfaction set the rate), visits
convert to orders, orders get outcomes (late, damaged, returned, payment trouble, review rating,
support ticket), and those outcomes feed a weekly churn hazard. What the marts and the churn
model should find is exactly what is written into this hazard, and the truth file records it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rawdata.demo import personas as P
from rawdata.demo import vocab
from rawdata.demo.population import Population
from rawdata.demo.timeline import WEEK_US, Timeline

CAUSES = ("baseline", "late_delivery", "bad_review", "unresolved_ticket", "returned_order")
# weight of each recent experience in the churn hazard (multiplies 1 + sum(weight * count))
CAUSE_WEIGHT = np.array([0.0, 6.0, 8.0, 10.0, 1.5])
GOOD_EXPERIENCE = 0.35  # hazard is multiplied by exp(-GOOD_EXPERIENCE * recent good orders)
MEMORY = 0.97  # weekly decay of remembered experiences
REACTIVATION_AFTER_WEEKS = 26
REACTIVATION_RATE = 0.003
TICKET_REASONS = ("late_delivery", "damaged_item", "return", "payment_issue", "general")
RETURN_RATE = np.array([vocab.CATEGORY_PROFILE[c][3] for c in vocab.CATEGORIES])
LATE_BY_COUNTRY = np.array([1.0, 1.0, 1.1, 1.1, 1.5, 1.9, 0.9])  # vocab.COUNTRIES order


@dataclass
class Lifecycle:
    """Visits (one row per post-sign-up visit), orders (one per converting visit), churn state."""

    visit_customer: np.ndarray
    visit_week: np.ndarray
    visit_converts: np.ndarray
    order: dict[str, np.ndarray]  # outcome arrays aligned with the converting visits, in order
    churn_week: np.ndarray  # week after which the customer left for good; -1 if still active
    churn_cause: np.ndarray  # index into CAUSES; -1 when not churned
    reactivated_week: np.ndarray  # last reactivation week; -1 if none
    counts: dict[str, np.ndarray]  # per customer: orders, late_deliveries, bad_reviews, ...


def _outcomes(
    rng: np.random.Generator, pop: Population, cust: np.ndarray, peak: float
) -> dict[str, np.ndarray]:
    """Draw what happens to each order placed this week by customers `cust`."""
    n = len(cust)
    u = rng.random((n, 10))
    category = (u[:, 0, None] > pop.category_cdf[cust]).sum(axis=1)
    category = np.minimum(category, pop.category_cdf.shape[1] - 1)
    cancelled = u[:, 1] < 0.03
    p_late = 0.085 * LATE_BY_COUNTRY[pop.country[cust]] * (1.7 if peak > 1.4 else 1.0)
    late = ~cancelled & (u[:, 2] < p_late)
    damaged = ~cancelled & (u[:, 3] < 0.025)
    rr = RETURN_RATE[category]
    returned = ~cancelled & (u[:, 4] < rr * (1 + 1.5 * late + 4 * damaged))
    payment_issue = u[:, 5] < 0.012
    persona = pop.persona[cust]
    mood = rng.normal(1.0, 0.75, n) + 0.25 * (persona == 0)
    mood -= 1.6 * late + 2.6 * damaged + 1.1 * returned + 1.0 * payment_issue
    rating = np.digitize(mood, [-1.3, -0.45, 0.2, 0.85]) + 1
    p_review = P.REVIEW[persona] * (1 + 0.9 * np.abs(mood - 0.6))
    review = ~cancelled & (u[:, 6] < np.minimum(p_review, 0.9))
    p_ticket = 0.012 + 0.4 * late + 0.65 * damaged + 0.45 * returned + 0.7 * payment_issue
    ticket = u[:, 7] < np.minimum(p_ticket, 0.95)
    reasons = np.stack([late, damaged, returned, payment_issue, np.ones(n, bool)], axis=1)
    reason = np.argmax(reasons * (1 + rng.random(reasons.shape)), axis=1)
    resolved = u[:, 8] < np.where(reason == 4, 0.93, 0.8)
    return {
        "customer": cust,
        "category": category,
        "cancelled": cancelled,
        "late": late,
        "late_days": np.where(late, rng.integers(1, 9, n), 0),
        "damaged": damaged,
        "returned": returned,
        "payment_issue": payment_issue,
        "rating": rating,
        "review": review,
        "ticket": ticket,
        "ticket_reason": reason,
        "ticket_resolved": resolved,
    }


def simulate(rng: np.random.Generator, timeline: Timeline, pop: Population) -> Lifecycle:
    """Run the weekly simulation for one chunk."""
    n, weeks = len(pop), timeline.n_weeks
    persona, channel = pop.persona, pop.channel
    signup_week = np.clip((pop.signup_us - timeline.start_us) // WEEK_US, 0, None)
    week_weight, sale_share = timeline.week_weight(), timeline.week_sale_share()

    alive = np.ones(n, bool)
    churn_week = np.full(n, -1)
    churn_cause = np.full(n, -1)
    reactivated = np.full(n, -1)
    recent = np.zeros((n, len(CAUSES)))  # decayed counts per cause (column 0 unused)
    good = np.zeros(n)
    counts = {k: np.zeros(n, np.int32) for k in ("orders", "late", "bad", "unresolved")}
    visits_c, visits_w, visits_conv, orders = [], [], [], []

    for w in range(weeks):
        active = np.flatnonzero(alive & (signup_week <= w))
        p = persona[active]
        novelty = 1 + 1.2 * np.exp(-(w - signup_week[active]) / 5)
        unhappy = recent[active, 1:].sum(axis=1)
        rate = P.VISIT[p] * week_weight[w] ** P.SEASON_POWER[p] * novelty * np.exp(-0.3 * unhappy)
        k = rng.poisson(rate)
        cust = np.repeat(active, k)
        conv = P.CONVERSION[persona[cust]] * (1 + (P.SALE_LIFT[persona[cust]] - 1) * sale_share[w])
        done_once = (persona[cust] == P.ONE_AND_DONE) & (counts["orders"][cust] > 0)
        conv = np.where(done_once, conv * 0.25, conv)
        converts = rng.random(len(cust)) < conv
        visits_c.append(cust.astype(np.int32))
        visits_w.append(np.full(len(cust), w, np.int32))
        visits_conv.append(converts)

        buyers = cust[converts]
        out = _outcomes(rng, pop, buyers, week_weight[w])
        orders.append(out)
        recent *= MEMORY
        good *= MEMORY
        bad = out["review"] & (out["rating"] <= 2)
        unresolved = out["ticket"] & ~out["ticket_resolved"]
        for col, hit in ((1, out["late"]), (2, bad), (3, unresolved), (4, out["returned"])):
            np.add.at(recent[:, col], buyers[hit], 1.0)
        pleased = ~out["cancelled"] & ~out["late"] & (out["rating"] >= 4)
        np.add.at(good, buyers[pleased], 1.0)
        np.add.at(counts["orders"], buyers, 1)
        np.add.at(counts["late"], buyers[out["late"]], 1)
        np.add.at(counts["bad"], buyers[bad], 1)
        np.add.at(counts["unresolved"], buyers[unresolved], 1)

        if w == weeks - 1:
            break
        # churn: weekly hazard on top of the persona and channel baseline
        terms = recent[active] * CAUSE_WEIGHT
        base = P.HAZARD[p] * P.CHANNEL_HAZARD[channel[active]]
        after_first = (p == P.ONE_AND_DONE) & (counts["orders"][active] > 0)
        base = np.where(after_first, P.ONE_AND_DONE_HAZARD_AFTER_ORDER, base)
        hazard = base * (1 + terms.sum(axis=1)) * np.exp(-GOOD_EXPERIENCE * good[active])
        leaving = rng.random(len(active)) < np.minimum(hazard, 0.6)
        leavers = active[leaving]
        terms[:, 0] = 1.0
        share = terms[leaving] / terms[leaving].sum(axis=1, keepdims=True)
        cause = (rng.random(len(leavers))[:, None] > np.cumsum(share, axis=1)).sum(axis=1)
        alive[leavers] = False
        churn_week[leavers] = w
        churn_cause[leavers] = np.minimum(cause, len(CAUSES) - 1)

        # a few churned customers come back after a long pause
        gone = np.flatnonzero(~alive & (w - churn_week >= REACTIVATION_AFTER_WEEKS))
        back = gone[rng.random(len(gone)) < REACTIVATION_RATE]
        alive[back] = True
        reactivated[back] = w + 1
        churn_week[back], churn_cause[back] = -1, -1
        recent[back] = 0.0

    order = {k: np.concatenate([o[k] for o in orders]) for k in orders[0]}
    return Lifecycle(
        visit_customer=np.concatenate(visits_c),
        visit_week=np.concatenate(visits_w),
        visit_converts=np.concatenate(visits_conv),
        order=order,
        churn_week=churn_week,
        churn_cause=churn_cause,
        reactivated_week=reactivated,
        counts=counts,
    )
