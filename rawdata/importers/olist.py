"""Import the Olist Brazilian e-commerce public dataset: a folder of `olist_*.csv` files.

Olist has no clickstream and no support tickets, so those raw tables are written empty. Its quirks,
and what the mapping does about them:

- A customer gets a new `customer_id` with every order; the person is `customer_unique_id`. The
  warehouse's customer is the person, so customers are keyed by `customer_unique_id` and orders are
  mapped through it; the per-order rows collapse (`rows_merged`).
- There is no signup date: `signup_at` is the customer's first purchase.
- `review_id` is not unique: Olist reuses one review for several orders of the same purchase. Those
  reviews are keyed `review_id-order_id`, so the contract key is unique and each order keeps its
  review; reviews with a review_id of their own keep it unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rawdata.importers.csvsource import Field
from rawdata.importers.report import ImportReport
from rawdata.importers.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFile:
    """One Olist file, the columns the mapping uses, and the contract table its rows feed."""

    file_name: str
    table: str
    fields: tuple[Field, ...]
    required: bool = False


SOURCES: dict[str, SourceFile] = {
    "customers_src": SourceFile(
        "olist_customers_dataset.csv",
        "customers",
        (
            Field("customer_id", required=True),
            Field("customer_unique_id", required=True),
            Field("customer_city", "text"),
        ),
        required=True,
    ),
    "orders_src": SourceFile(
        "olist_orders_dataset.csv",
        "orders",
        (
            Field("order_id", required=True),
            Field("customer_id", required=True),
            Field("order_status"),
            Field("order_purchase_timestamp", "ts", required=True),
            Field("order_approved_at", "ts"),
            Field("order_delivered_carrier_date", "ts"),
            Field("order_delivered_customer_date", "ts"),
            Field("order_estimated_delivery_date", "ts"),
        ),
        required=True,
    ),
    "items_src": SourceFile(
        "olist_order_items_dataset.csv",
        "order_items",
        (
            Field("order_id", required=True),
            Field("order_item_id", required=True),
            Field("product_id", required=True),
            Field("price", "float"),
            Field("freight_value", "float"),
        ),
    ),
    "payments_src": SourceFile(
        "olist_order_payments_dataset.csv",
        "payments",
        (
            Field("order_id", required=True),
            Field("payment_sequential", required=True),
            Field("payment_type"),
            Field("payment_installments", "int"),
            Field("payment_value", "float"),
        ),
    ),
    "reviews_src": SourceFile(
        "olist_order_reviews_dataset.csv",
        "reviews",
        (
            Field("review_id", required=True),
            Field("order_id", required=True),
            Field("review_score", "int"),
            Field("review_comment_title", "text"),
            Field("review_comment_message", "text"),
            Field("review_creation_date", "ts", required=True),
        ),
    ),
    "products_src": SourceFile(
        "olist_products_dataset.csv",
        "products",
        (Field("product_id", required=True), Field("product_category_name")),
    ),
}

DERIVED = {
    "customers": {
        "customer_id": "customer_unique_id (Olist issues a new customer_id per order)",
        "signup_at": "first order_purchase_timestamp of the customer (Olist has no signup date)",
        "city": "customer_city on the customer's latest order",
        "country": "constant 'BR'",
    },
    "products": {
        "category": "product_category_name (Portuguese)",
        "price": "median item price of the product in order_items; null if never sold",
    },
    "orders": {
        "customer_id": "customer_unique_id of the order's customer_id",
        "shipping_amount": "sum of freight_value over the order's items; null without items",
        "promised_delivery_date": "date of order_estimated_delivery_date",
    },
    "order_items": {
        "order_item_id": "order_id || '-' || order_item_id",
        "quantity": "constant 1 (Olist writes one row per unit)",
        "discount_amount": "constant 0 (Olist exports no discounts)",
    },
    "payments": {
        "payment_id": "order_id || '-' || payment_sequential",
        "paid_at": "order_approved_at of the order",
    },
    "reviews": {
        "review_id": "review_id, or review_id || '-' || order_id where Olist reuses the review_id",
        "customer_id": "customer_unique_id of the reviewed order",
    },
}


def import_olist(src: Path, out: Path, report: ImportReport) -> None:
    """Map the export folder `src` onto the raw contract in `out`, accounting in `report`."""
    if not src.is_dir():
        raise ValueError(f"an Olist export is a folder of olist_*.csv files; {src} is not a folder")
    with Workspace(out, report) as ws:
        _stage(ws, src)
        _customers_and_orders(ws)
        _order_items(ws)
        _orders(ws)
        _products(ws)
        _payments(ws)
        _reviews(ws)
    for table, fields in DERIVED.items():
        report.tables[table].derived_fields.update(fields)


def _stage(ws: Workspace, src: Path) -> None:
    for view, source in SOURCES.items():
        path = src / source.file_name
        table = ws.report.tables[source.table]
        table.source = source.file_name
        if path.is_file():
            paths = [path]
        elif source.required:
            raise ValueError(f"{src}: required file {source.file_name} is missing")
        else:
            paths = []
            ws.report.warn(f"{source.file_name} not found in {src}: {source.table} has no rows")
        ws.stage(view, paths, source.fields, table)


def _customers_and_orders(ws: Workspace) -> None:
    """Orders need a known customer; a customer needs an order to have a signup date."""
    customers, orders = ws.report.tables["customers"], ws.report.tables["orders"]
    people = ws.dedupe("customers_src", ["customer_id"], customers)
    placed = ws.dedupe("orders_src", ["order_id"], orders)
    ws.reject(
        orders,
        f"""
        select 'customer_id not in customers file' as reason, _file, _line, customer_id as example
        from {placed} anti join {people} using (customer_id)
        """,
    )
    ws.execute(
        f"""
        create temp table orders_ok as
        select o.*, c.customer_unique_id, c.customer_city
        from {placed} as o inner join {people} as c using (customer_id)
        """
    )
    ws.reject(
        customers,
        f"""
        select 'no order to derive signup_at from' as reason, _file, _line,
            customer_unique_id as example
        from {people} anti join orders_ok using (customer_unique_id)
        """,
    )
    kept = ws.scalar(
        f"select count(*) from {people} semi join orders_ok using (customer_unique_id)"
    )
    written = ws.write(
        "customers",
        """
        select
            customer_unique_id as customer_id,
            'BR' as country,
            arg_max(customer_city, order_purchase_timestamp) as city,
            min(order_purchase_timestamp) as signup_at
        from orders_ok
        group by customer_unique_id
        order by signup_at, customer_id
        """,
    )
    customers.rows_merged = kept - written


def _order_items(ws: Workspace) -> None:
    items = ws.report.tables["order_items"]
    unique = ws.dedupe("items_src", ["order_id", "order_item_id"], items)
    ws.reject(
        items,
        f"""
        select 'order_id not in orders file' as reason, _file, _line, order_id as example
        from {unique} anti join orders_ok using (order_id)
        """,
    )
    ws.execute(
        f"create temp table items_ok as select * from {unique} semi join orders_ok using (order_id)"
    )
    ws.write(
        "order_items",
        """
        select
            order_id || '-' || order_item_id as order_item_id,
            order_id,
            product_id,
            1 as quantity,
            price as unit_price,
            0.0 as discount_amount
        from items_ok
        order by _file, _line
        """,
    )


def _orders(ws: Workspace) -> None:
    ws.write(
        "orders",
        """
        with freight as (
            select order_id, sum(freight_value) as shipping_amount
            from items_ok
            group by order_id
        )
        select
            o.order_id,
            o.customer_unique_id as customer_id,
            o.order_status as status,
            o.order_purchase_timestamp as ordered_at,
            o.order_delivered_carrier_date as shipped_at,
            o.order_delivered_customer_date as delivered_at,
            cast(o.order_estimated_delivery_date as date) as promised_delivery_date,
            freight.shipping_amount
        from orders_ok as o
        left join freight using (order_id)
        order by o._file, o._line
        """,
    )


def _products(ws: Workspace) -> None:
    """The catalogue, plus a bare row for any product sold but missing from it."""
    products = ws.report.tables["products"]
    catalogue = ws.dedupe("products_src", ["product_id"], products)
    ws.execute(
        f"""
        create temp table products_sold_only as
        select distinct product_id from items_ok anti join {catalogue} using (product_id)
        """
    )
    products.rows_added = ws.scalar("select count(*) from products_sold_only")
    if products.rows_added:
        ws.report.warn(
            f"{products.rows_added} products appear in order items but not in the products file; "
            "written with category null"
        )
    ws.write(
        "products",
        f"""
        with prices as (
            select product_id, median(price) as price
            from items_ok
            group by product_id
        ),
        listed as (
            select product_id, product_category_name as category, _file, _line from {catalogue}
            union all
            select product_id, null, null, null from products_sold_only
        )
        select listed.product_id, listed.category, prices.price
        from listed
        left join prices using (product_id)
        order by listed._file nulls last, listed._line, listed.product_id
        """,
    )


def _payments(ws: Workspace) -> None:
    payments = ws.report.tables["payments"]
    unique = ws.dedupe("payments_src", ["order_id", "payment_sequential"], payments)
    ws.reject(
        payments,
        f"""
        select 'order_id not in orders file' as reason, _file, _line, order_id as example
        from {unique} anti join orders_ok using (order_id)
        """,
    )
    ws.write(
        "payments",
        f"""
        select
            p.order_id || '-' || p.payment_sequential as payment_id,
            p.order_id,
            p.payment_type as payment_method,
            p.payment_installments as installments,
            p.payment_value as amount,
            o.order_approved_at as paid_at
        from {unique} as p
        inner join orders_ok as o using (order_id)
        order by p._file, p._line
        """,
    )


def _reviews(ws: Workspace) -> None:
    reviews = ws.report.tables["reviews"]
    unique = ws.dedupe("reviews_src", ["review_id", "order_id"], reviews)
    ws.reject(
        reviews,
        f"""
        select 'order_id not in orders file' as reason, _file, _line, order_id as example
        from {unique} anti join orders_ok using (order_id)
        """,
    )
    ws.execute(
        f"""
        create temp table reviews_ok as
        select r.*, o.customer_unique_id
        from {unique} as r
        inner join orders_ok as o using (order_id)
        """
    )
    ws.execute(
        """
        create temp table reviews_shared as
        select review_id, count(*) as orders from reviews_ok group by review_id having count(*) > 1
        """
    )
    shared_ids = ws.scalar("select count(*) from reviews_shared")
    if shared_ids:
        rows = ws.scalar("select sum(orders) from reviews_shared")
        ws.report.warn(
            f"{shared_ids} Olist review_ids are shared by several orders ({rows} rows); "
            "those are keyed review_id-order_id"
        )
    ws.write(
        "reviews",
        """
        select
            case
                when shared.review_id is null then r.review_id
                else r.review_id || '-' || r.order_id
            end as review_id,
            r.customer_unique_id as customer_id,
            r.order_id,
            r.review_score as rating,
            r.review_comment_title as title,
            r.review_comment_message as body,
            r.review_creation_date as created_at
        from reviews_ok as r
        left join reviews_shared as shared on r.review_id = shared.review_id
        order by r._file, r._line
        """,
    )
