"""Import the REES46 "eCommerce behavior data from multi category store" clickstream.

The export is one CSV per month (or a folder of them) of events: event_time, event_type,
product_id, category_id, category_code, brand, price, user_id, user_session. Everything else the
warehouse reads is derived from it: customers and products from the events that mention them,
orders and order items from purchase events. There are no payments, reviews or tickets.

Identity: REES46's `user_id` is the store's persistent id of a visitor and `user_session` changes
with every visit, so the session is not a device. The per-user id `rees46-user-<user_id>` stands in
for the device cookie (`anonymous_id`) and `customer_id` is the `user_id` on every event. Identity
stitching therefore maps each anonymous id to exactly one customer and never splits a person across
sessions; what the export cannot tell (two devices of one person) the warehouse cannot invent. The
warehouse sessionises events by inactivity; `user_session` is used only to group purchases into
orders, because the contract's events carry no session column.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rawdata.importers.csvsource import Field
from rawdata.importers.report import ImportReport
from rawdata.importers.workspace import Workspace

log = logging.getLogger(__name__)

FIELDS = (
    Field("event_time", "ts", required=True),
    Field("event_type", required=True),
    Field("product_id"),
    Field("category_id"),
    Field("category_code"),
    Field("brand", "text"),
    Field("price", "float"),
    Field("user_id", required=True),
    Field("user_session"),
)

EVENT_TYPES = {
    "view": "product_view",
    "cart": "add_to_cart",
    "remove_from_cart": "remove_from_cart",
    "purchase": "purchase",
}

ORDER_STATUS = "placed"

DERIVED = {
    "events": {
        "event_id": "'rees46-' || a hash of the row's fields, '-n' added for the n-th exact "
        "duplicate row: stable across re-imports and independent of line numbers",
        "anonymous_id": "'rees46-user-' || user_id: user_session changes per visit, so the "
        "persistent user_id plays the device cookie; stitching is one anonymous id per customer",
        "customer_id": "user_id",
        "event_type": "view->product_view, cart->add_to_cart, remove_from_cart, purchase",
        "order_id": "on purchase events, the order derived from the (user_id, user_session)",
    },
    "customers": {
        "customer_id": "user_id",
        "signup_at": "first event time of the user (REES46 has no signup date)",
    },
    "products": {
        "category": "category_code, or category_id where the code is empty",
        "brand": "latest non-empty brand seen on the product's events",
        "price": "latest price seen on the product's events",
    },
    "orders": {
        "order_id": "'rees46-' || user_id || '-' || user_session: one order per session with "
        "purchases (a day instead of the session when it is empty)",
        "status": f"constant '{ORDER_STATUS}' (REES46 has no fulfilment data)",
        "ordered_at": "first purchase event of the order",
    },
    "order_items": {
        "order_item_id": "order_id || '-' || n, one per purchase event in event order",
        "quantity": "constant 1 (one purchase event per unit)",
        "unit_price": "price on the purchase event",
        "discount_amount": "constant 0",
    },
}


def source_files(src: Path) -> list[Path]:
    """A monthly CSV, or a folder of them imported as one clickstream in name order."""
    if src.is_file():
        return [src]
    files = sorted(src.glob("*.csv")) if src.is_dir() else []
    if not files:
        raise ValueError(f"a REES46 export is a CSV file or a folder of them; found none at {src}")
    return files


def import_rees46(src: Path, out: Path, report: ImportReport) -> None:
    """Map the clickstream at `src` onto the raw contract in `out`, accounting in `report`."""
    files = source_files(src)
    with Workspace(out, report) as ws:
        events = report.tables["events"]
        events.source = ", ".join(p.name for p in files)
        ws.stage("rees46_src", files, FIELDS, events)
        _typed_events(ws)
        _events(ws)
        _customers(ws)
        _products(ws)
        _orders(ws)
        _order_items(ws)
    for table, fields in DERIVED.items():
        report.tables[table].derived_fields.update(fields)


def _typed_events(ws: Workspace) -> None:
    """Map event types, reject unknown ones, and give purchases their order."""
    mapping = ", ".join(f"('{source}', '{target}')" for source, target in EVENT_TYPES.items())
    ws.execute(
        f"""
        create temp view events_mapped as
        select src.*, mapping.contract_type
        from rees46_src as src
        left join (values {mapping}) as mapping (source_type, contract_type)
            on lower(src.event_type) = mapping.source_type
        """
    )
    ws.reject(
        ws.report.tables["events"],
        """
        select 'unknown event_type' as reason, _file, _line, event_type as example
        from events_mapped
        where contract_type is null
        """,
    )
    ws.execute(
        """
        create temp table events_ok as
        select
            *,
            md5(concat_ws('|',
                strftime(event_time, '%Y-%m-%d %H:%M:%S.%f'), event_type,
                coalesce(product_id, ''), coalesce(category_id, ''),
                coalesce(category_code, ''), coalesce(brand, ''),
                coalesce(cast(price as varchar), ''), user_id, coalesce(user_session, '')
            )) as row_hash,
            case
                when contract_type = 'purchase'
                    then 'rees46-' || user_id || '-'
                        || coalesce(user_session, 'day' || strftime(event_time, '%Y%m%d'))
            end as order_id
        from events_mapped
        where contract_type is not null
        """
    )


def _events(ws: Workspace) -> None:
    duplicates = ws.scalar(
        """
        select count(*) - count(distinct row_hash) from events_ok
        """
    )
    if duplicates:
        ws.report.warn(
            f"{duplicates} events repeat an earlier row exactly; kept, with a suffixed event_id"
        )
    sessionless = ws.scalar(
        "select count(*) from events_ok where contract_type = 'purchase' and user_session is null"
    )
    if sessionless:
        ws.report.warn(f"{sessionless} purchase events have no user_session; grouped by day")
    ws.write(
        "events",
        """
        with numbered as (
            select
                *,
                row_number() over (partition by row_hash order by _file, _line) as occurrence
            from events_ok
        )
        select
            'rees46-' || substr(row_hash, 1, 20)
                || case when occurrence > 1 then '-' || occurrence else '' end as event_id,
            'rees46-user-' || user_id as anonymous_id,
            user_id as customer_id,
            contract_type as event_type,
            event_time as event_ts,
            product_id,
            order_id
        from numbered
        order by _file, _line
        """,
    )


def _customers(ws: Workspace) -> None:
    customers = ws.report.tables["customers"]
    customers.source = "events (one per user_id)"
    customers.rows_read = ws.scalar("select count(*) from events_ok")
    written = ws.write(
        "customers",
        """
        select user_id as customer_id, min(event_time) as signup_at
        from events_ok
        group by user_id
        order by signup_at, customer_id
        """,
    )
    customers.rows_merged = customers.rows_read - written


def _products(ws: Workspace) -> None:
    products = ws.report.tables["products"]
    products.source = "events with a product_id (one per product_id)"
    products.rows_read = ws.scalar("select count(*) from events_ok where product_id is not null")
    latest = "order by event_time, _file, _line"
    written = ws.write(
        "products",
        f"""
        select
            product_id,
            last(coalesce(category_code, category_id) {latest})
                filter (where coalesce(category_code, category_id) is not null) as category,
            last(brand {latest}) filter (where brand is not null) as brand,
            last(price {latest}) filter (where price is not null) as price
        from events_ok
        where product_id is not null
        group by product_id
        order by product_id
        """,
    )
    products.rows_merged = products.rows_read - written


def _orders(ws: Workspace) -> None:
    orders = ws.report.tables["orders"]
    orders.source = "purchase events (one order per user_id and user_session)"
    orders.rows_read = ws.scalar("select count(*) from events_ok where order_id is not null")
    written = ws.write(
        "orders",
        f"""
        select
            order_id,
            any_value(user_id) as customer_id,
            '{ORDER_STATUS}' as status,
            min(event_time) as ordered_at
        from events_ok
        where order_id is not null
        group by order_id
        order by ordered_at, order_id
        """,
    )
    orders.rows_merged = orders.rows_read - written


def _order_items(ws: Workspace) -> None:
    items = ws.report.tables["order_items"]
    items.source = "purchase events (one item each)"
    items.rows_read = ws.scalar("select count(*) from events_ok where order_id is not null")
    ws.reject(
        items,
        """
        select 'purchase event without product_id' as reason, _file, _line, order_id as example
        from events_ok
        where order_id is not null and product_id is null
        """,
    )
    ws.write(
        "order_items",
        """
        select
            order_id || '-'
                || row_number() over (partition by order_id order by event_time, _file, _line)
                as order_item_id,
            order_id,
            product_id,
            1 as quantity,
            price as unit_price,
            0.0 as discount_amount
        from events_ok
        where order_id is not null and product_id is not null
        order by _file, _line
        """,
    )
