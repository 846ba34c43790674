"""Orders, order items and payments from the converting sessions and the simulated outcomes.

An order is what its session put in the cart (added minus removed), placed at the purchase event's
time; its fate (cancelled, late, returned) comes from the lifecycle simulation so that the churn
the simulation caused is explained by facts the warehouse can see. Timestamps that would fall
after the window's end are not known yet, so the status is what a shop would show at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rawdata.demo import personas as P
from rawdata.demo.arrowkit import ids, take, timestamps
from rawdata.demo.catalog import Catalog
from rawdata.demo.lifecycle import Lifecycle
from rawdata.demo.population import Population
from rawdata.demo.sessions import Sessions
from rawdata.demo.timeline import DAY_US, HOUR_US, Timeline

STATUSES = ("placed", "shipped", "delivered", "returned", "cancelled")
METHODS = ("card", "paypal", "klarna", "bank_transfer", "voucher")
FREE_SHIPPING_FROM = 50.0


@dataclass
class Commerce:
    """The three tables plus per-order facts the reviews and tickets need."""

    orders: pa.Table
    order_items: pa.Table
    payments: pa.Table
    order_id: pa.Array
    customer: np.ndarray  # local customer index per order
    ordered_us: np.ndarray
    delivered_us: np.ndarray  # -1 when not delivered (yet)
    returned_us: np.ndarray
    first_product: np.ndarray
    status: np.ndarray


def _round(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def build_commerce(
    rng: np.random.Generator,
    tl: Timeline,
    pop: Population,
    catalog: Catalog,
    life: Lifecycle,
    ss: Sessions,
    order_us: np.ndarray,
    first_order: int,
    first_item: int,
    first_payment: int,
) -> Commerce:
    """Orders of a chunk, numbered from the given offsets so ids are unique across chunks."""
    out = life.order
    sess = np.flatnonzero(ss.cols["order"] >= 0)
    sess = sess[np.argsort(ss.cols["order"][sess], kind="stable")]
    n = len(sess)
    if n != len(out["customer"]):
        raise AssertionError("every simulated order needs exactly one converting session")
    cust = ss.cols["customer"][sess]
    ordered = order_us[sess]
    order_id = ids("O", first_order + 1 + np.arange(n), 8)

    # items: the basket's first products, minus the one removed again
    n_items = ss.cols["n_cart"][sess] - ss.cols["n_remove"][sess]
    row_order = np.repeat(np.arange(n), n_items)
    slot = np.arange(len(row_order)) - np.repeat(np.cumsum(n_items) - n_items, n_items)
    product = ss.basket[sess[row_order], slot]
    quantity = rng.choice([1, 2, 3], size=len(row_order), p=[0.82, 0.14, 0.04])
    unit_price = catalog.price[product]
    day = tl.day_of(ordered)
    p_discount = P.DISCOUNT[pop.persona[cust]] + 0.3 * tl.on_sale[day]
    discounted = rng.random(len(row_order)) < p_discount[row_order]
    pct = rng.choice([0.1, 0.15, 0.2, 0.25, 0.3], size=len(row_order))
    discount = _round(np.where(discounted, unit_price * quantity * pct, 0.0))
    line_total = unit_price * quantity - discount
    subtotal = np.bincount(row_order, weights=line_total, minlength=n)
    far = np.isin(pop.country[cust], [4, 5])  # CA, AU
    shipping = np.where(subtotal >= FREE_SHIPPING_FROM, 0.0, np.where(far, 9.95, 4.95))

    # fulfilment timeline
    shipped = ordered + (rng.uniform(0.2, 2.2, n) * DAY_US).astype(np.int64)
    order_day = ordered // DAY_US
    promised_day = order_day + rng.integers(3, 8, n)
    on_time_day = np.maximum(promised_day - rng.integers(0, 3, n), shipped // DAY_US + 1)
    on_time_day = np.minimum(on_time_day, promised_day)
    deliver_day = np.where(out["late"], promised_day + out["late_days"], on_time_day)
    delivered = deliver_day * DAY_US + rng.integers(8 * HOUR_US, 20 * HOUR_US, n)
    delivered = np.maximum(delivered, shipped + 4 * HOUR_US)
    late_but_early = ~out["late"] & (delivered // DAY_US > promised_day)
    delivered[late_but_early] = shipped[late_but_early] + 4 * HOUR_US
    returned = delivered + (rng.uniform(2, 21, n) * DAY_US).astype(np.int64)

    cancelled = out["cancelled"]
    end = tl.end_us
    status = np.full(n, STATUSES.index("delivered"))
    status = np.where(out["returned"] & (returned <= end), STATUSES.index("returned"), status)
    status = np.where(delivered > end, STATUSES.index("shipped"), status)
    status = np.where(shipped > end, STATUSES.index("placed"), status)
    status = np.where(cancelled, STATUSES.index("cancelled"), status)
    shipped_null = cancelled | (shipped > end)
    delivered_null = shipped_null | (delivered > end)
    returned_null = delivered_null | (status != STATUSES.index("returned"))

    orders = pa.table(
        {
            "order_id": order_id,
            "customer_id": take(pop.customer_id, cust),
            "status": take(STATUSES, status),
            "ordered_at": timestamps(ordered),
            "shipped_at": timestamps(shipped, shipped_null),
            "delivered_at": timestamps(delivered, delivered_null),
            "promised_delivery_date": pa.array(
                promised_day.astype(np.int32), pa.int32(), mask=cancelled
            ).cast(pa.date32()),
            "returned_at": timestamps(returned, returned_null),
            "shipping_amount": pa.array(shipping, pa.float64()),
        }
    )
    items = pa.table(
        {
            "order_item_id": ids("OI", first_item + 1 + np.arange(len(row_order)), 9),
            "order_id": order_id.take(pa.array(row_order)),
            "product_id": catalog.product_id.take(pa.array(product)),
            "quantity": pa.array(quantity.astype(np.int32)),
            "unit_price": pa.array(unit_price, pa.float64()),
            "discount_amount": pa.array(discount, pa.float64()),
        }
    )

    # payments: one per paid order, two when a voucher covers part of it
    paid = np.flatnonzero(~cancelled)
    total = _round(subtotal[paid] + shipping[paid])
    method = rng.choice(4, size=len(paid), p=[0.55, 0.27, 0.12, 0.06])
    voucher = rng.random(len(paid)) < 0.08 + 0.1 * (pop.persona[cust[paid]] == 1)
    v_amount = np.minimum(rng.choice([5.0, 10.0, 15.0, 20.0, 25.0], size=len(paid)), total)
    rest = _round(total - np.where(voucher, v_amount, 0.0))
    two = voucher & (rest > 0)
    pay_order = np.concatenate([paid, paid[voucher]])
    pay_method = np.concatenate([method, np.full(int(voucher.sum()), METHODS.index("voucher"))])
    pay_amount = np.concatenate([rest, v_amount[voucher]])
    keep = np.ones(len(pay_order), bool)
    keep[: len(paid)] = ~voucher | two  # a voucher that pays it all leaves no card payment
    pay_order, pay_method, pay_amount = pay_order[keep], pay_method[keep], pay_amount[keep]
    sort = np.argsort(pay_order, kind="stable")
    pay_order, pay_method, pay_amount = pay_order[sort], pay_method[sort], pay_amount[sort]
    installments = np.where(
        pay_method == METHODS.index("klarna"), rng.choice([1, 3, 4], size=len(pay_order)), 1
    )
    delay = np.where(
        pay_method == METHODS.index("bank_transfer"),
        rng.uniform(0.5, 3, len(pay_order)) * DAY_US,
        rng.uniform(1, 30, len(pay_order)) * 1_000_000,
    )
    late_pay = out["payment_issue"][pay_order]
    delay = np.where(late_pay, delay + rng.uniform(1, 5, len(pay_order)) * DAY_US, delay)
    paid_at = ordered[pay_order] + delay.astype(np.int64)
    payments = pa.table(
        {
            "payment_id": ids("PAY", first_payment + 1 + np.arange(len(pay_order)), 9),
            "order_id": order_id.take(pa.array(pay_order)),
            "payment_method": take(METHODS, pay_method),
            "installments": pa.array(installments.astype(np.int32)),
            "amount": pa.array(pay_amount, pa.float64()),
            "paid_at": timestamps(np.minimum(paid_at, end)),
        }
    )
    first_product = product[np.cumsum(n_items) - n_items]
    return Commerce(
        orders=orders,
        order_items=items,
        payments=payments,
        order_id=order_id,
        customer=cust,
        ordered_us=ordered,
        delivered_us=np.where(delivered_null, -1, delivered),
        returned_us=np.where(returned_null, -1, returned),
        first_product=first_product,
        status=status,
    )
