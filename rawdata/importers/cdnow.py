"""Import the CDNOW transaction log: every purchase of 23,570 customers of an online CD store.

The customers made their first purchase in the first quarter of 1997 and were followed to the end
of June 1998. The file (`CDNOW_master.txt`) is whitespace-separated, one purchase per line:
customer id, date (YYYYMMDD), number of CDs and amount in dollars; the copy shipped with the
`lifetimes` package starts with a header line, the original has none. It is the data set on
which the BG/NBD and Gamma-Gamma models were published, which makes it a real-data check of the
warehouse's customer-value layer. Without `--src` the copy in the installed `lifetimes` package
is imported.

There is nothing but purchases: no signup, no products, no fulfilment, no clickstream, reviews,
tickets or payments. The mapping:

- Every line is an order (a customer can have several on one day) with one order item that
  carries the line's dollar amount, so revenue reconciles with the file to the cent. The item's
  quantity is 1: the number of CDs would need a unit price that is not a whole number of cents.
- Customers sign up at their first purchase; they have no email, name or address.
- One catalogue product, `cdnow-cd`, stands for whatever was bought.
- Dates have no time of day: orders are placed at midnight UTC.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rawdata.importers.csvsource import Field
from rawdata.importers.report import ImportReport
from rawdata.importers.workspace import Workspace

log = logging.getLogger(__name__)

FILE_NAME = "CDNOW_master.txt"
COLUMNS = ("customer_id", "date", "number_of_cds", "dollar_value")
FIELDS = (
    Field("customer_id", required=True),
    Field("date", "ts", required=True),
    Field("number_of_cds", "int"),
    Field("dollar_value", "float", required=True),
)
PRODUCT_ID = "cdnow-cd"
ORDER_STATUS = "placed"

DERIVED = {
    "customers": {
        "customer_id": "customer_id of the log (with its leading zeros)",
        "signup_at": "date of the customer's first purchase (CDNOW has no signup date)",
    },
    "orders": {
        "order_id": "'cdnow-' || customer_id || '-' || YYYYMMDD || '-' || n, n numbering the "
        "customer's lines of that day in file order",
        "status": f"constant '{ORDER_STATUS}' (CDNOW has no fulfilment data)",
        "ordered_at": "date, at midnight",
    },
    "order_items": {
        "order_item_id": "order_id || '-1': one item per order",
        "product_id": f"constant '{PRODUCT_ID}'",
        "quantity": "constant 1: the item carries the whole dollar amount (number_of_cds is not "
        "mapped, as a per-CD price would not be a whole number of cents)",
        "unit_price": "dollar_value",
        "discount_amount": "constant 0",
    },
    "products": {
        "product_id": f"'{PRODUCT_ID}', the one product every item refers to",
        "title": "constant 'CD'",
        "category": "constant 'music'",
    },
}


def default_source() -> Path:
    """The CDNOW log that the `lifetimes` package ships (see ml.reference_data)."""
    from ml.reference_data import cdnow_file

    return cdnow_file(FILE_NAME)


def import_cdnow(src: Path, out: Path, report: ImportReport) -> None:
    """Map the transaction log `src` (a file, or a folder holding CDNOW_master.txt) onto `out`."""
    path = src / FILE_NAME if src.is_dir() else src
    if not path.is_file():
        raise ValueError(f"a CDNOW export is the file {FILE_NAME}; not found at {src}")
    with Workspace(out, report) as ws:
        orders = report.tables["orders"]
        orders.source = path.name
        ws.stage("cdnow_src", [path], FIELDS, orders, columns=COLUMNS)
        _orders(ws)
        _customers(ws)
        _order_items(ws)
        _products(ws)
    for table, fields in DERIVED.items():
        report.tables[table].derived_fields.update(fields)


def _orders(ws: Workspace) -> None:
    ws.execute(
        """
        create temp table orders_ok as
        select
            *,
            'cdnow-' || customer_id || '-' || strftime(date, '%Y%m%d') || '-'
                || row_number() over (partition by customer_id, date order by _file, _line)
                as order_id
        from cdnow_src
        """
    )
    ws.write(
        "orders",
        f"""
        select
            order_id,
            customer_id,
            '{ORDER_STATUS}' as status,
            date as ordered_at
        from orders_ok
        order by _file, _line
        """,
    )


def _customers(ws: Workspace) -> None:
    customers = ws.report.tables["customers"]
    customers.source = "transactions (one per customer_id)"
    customers.rows_read = ws.scalar("select count(*) from orders_ok")
    written = ws.write(
        "customers",
        """
        select customer_id, min(date) as signup_at
        from orders_ok
        group by customer_id
        order by signup_at, customer_id
        """,
    )
    customers.rows_merged = customers.rows_read - written


def _order_items(ws: Workspace) -> None:
    items = ws.report.tables["order_items"]
    items.source = "transactions (one item each)"
    items.rows_read = ws.scalar("select count(*) from orders_ok")
    ws.write(
        "order_items",
        f"""
        select
            order_id || '-1' as order_item_id,
            order_id,
            '{PRODUCT_ID}' as product_id,
            1 as quantity,
            dollar_value as unit_price,
            0.0 as discount_amount
        from orders_ok
        order by _file, _line
        """,
    )


def _products(ws: Workspace) -> None:
    products = ws.report.tables["products"]
    products.source = "none: one product stands for every CD sold"
    products.rows_added = ws.write(
        "products",
        f"select '{PRODUCT_ID}' as product_id, 'CD' as title, 'music' as category",
    )
