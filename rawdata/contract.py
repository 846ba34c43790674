"""The raw data contract: the tables and columns the warehouse reads.

One definition serves the demo data generator, the importers for real shop exports and the tests,
so that what is written and what dbt's sources expect cannot drift apart. Keys and timestamps are
what the warehouse cannot do without; every other column may be null, because real shops export
less than a generator does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class Column:
    """One raw column: its Arrow type and whether the contract requires a value."""

    name: str
    type: pa.DataType
    required: bool = False


TS = pa.timestamp("us")

TABLES: dict[str, tuple[Column, ...]] = {
    "customers": (
        Column("customer_id", pa.string(), required=True),
        Column("email", pa.string()),
        Column("first_name", pa.string()),
        Column("last_name", pa.string()),
        Column("country", pa.string()),
        Column("city", pa.string()),
        Column("signup_at", TS, required=True),
        Column("updated_at", TS),
    ),
    "products": (
        Column("product_id", pa.string(), required=True),
        Column("title", pa.string()),
        Column("description", pa.string()),
        Column("category", pa.string()),
        Column("brand", pa.string()),
        Column("price", pa.float64()),
        Column("created_at", TS),
    ),
    "orders": (
        Column("order_id", pa.string(), required=True),
        Column("customer_id", pa.string(), required=True),
        Column("status", pa.string()),
        Column("ordered_at", TS, required=True),
        Column("shipped_at", TS),
        Column("delivered_at", TS),
        Column("promised_delivery_date", pa.date32()),
        Column("returned_at", TS),
        Column("shipping_amount", pa.float64()),
    ),
    "order_items": (
        Column("order_item_id", pa.string(), required=True),
        Column("order_id", pa.string(), required=True),
        Column("product_id", pa.string(), required=True),
        Column("quantity", pa.int32()),
        Column("unit_price", pa.float64()),
        Column("discount_amount", pa.float64()),
    ),
    "payments": (
        Column("payment_id", pa.string(), required=True),
        Column("order_id", pa.string(), required=True),
        Column("payment_method", pa.string()),
        Column("installments", pa.int32()),
        Column("amount", pa.float64()),
        Column("paid_at", TS),
    ),
    "events": (
        Column("event_id", pa.string(), required=True),
        Column("anonymous_id", pa.string()),
        Column("customer_id", pa.string()),
        Column("event_type", pa.string(), required=True),
        Column("event_ts", TS, required=True),
        Column("page_url", pa.string()),
        Column("referrer", pa.string()),
        Column("utm_source", pa.string()),
        Column("utm_medium", pa.string()),
        Column("utm_campaign", pa.string()),
        Column("device", pa.string()),
        Column("search_query", pa.string()),
        Column("product_id", pa.string()),
        Column("order_id", pa.string()),
    ),
    "reviews": (
        Column("review_id", pa.string(), required=True),
        Column("customer_id", pa.string(), required=True),
        Column("order_id", pa.string()),
        Column("product_id", pa.string()),
        Column("rating", pa.int32()),
        Column("title", pa.string()),
        Column("body", pa.string()),
        Column("created_at", TS, required=True),
    ),
    "support_tickets": (
        Column("ticket_id", pa.string(), required=True),
        Column("customer_id", pa.string(), required=True),
        Column("order_id", pa.string()),
        Column("channel", pa.string()),
        Column("subject", pa.string()),
        Column("body", pa.string()),
        Column("status", pa.string()),
        Column("created_at", TS, required=True),
        Column("resolved_at", TS),
    ),
}


def schema(table: str) -> pa.Schema:
    """The Arrow schema a raw file of `table` must have."""
    try:
        columns = TABLES[table]
    except KeyError:
        known = ", ".join(sorted(TABLES))
        raise ValueError(f"unknown raw table {table!r}; the contract has: {known}") from None
    return pa.schema([pa.field(c.name, c.type, nullable=True) for c in columns])


def conform(table: str, data: pa.Table) -> pa.Table:
    """Cast `data` to the contract schema of `table`, adding absent optional columns as nulls.

    Raises ValueError naming the table and column when a required column is absent, so an import
    that cannot satisfy the contract fails with a message instead of deep inside dbt.
    """
    target = schema(table)
    arrays = []
    for column in TABLES[table]:
        if column.name in data.column_names:
            arrays.append(data[column.name].cast(column.type))
        elif column.required:
            raise ValueError(
                f"raw table {table!r} needs column {column.name!r}, which the input lacks"
            )
        else:
            arrays.append(pa.nulls(data.num_rows, column.type))
    return pa.Table.from_arrays(arrays, schema=target)


def raw_path(directory: Path, table: str) -> Path:
    """Where the warehouse's sources look for `table` (see `raw_data_dir` in dbt_project.yml)."""
    return Path(directory) / f"{table}.parquet"


def write_table(directory: Path, table: str, data: pa.Table | None) -> Path:
    """Write one raw table as Parquet; None writes an empty file that still carries the schema.

    An empty file is how a shop says it has no clickstream, reviews, tickets or payments: the
    warehouse then builds every mart it can from the rest.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = raw_path(directory, table)
    conformed = schema(table).empty_table() if data is None else conform(table, data)
    pq.write_table(conformed, path, compression="zstd")
    return path


class TableWriter:
    """Stream one raw table to Parquet in row groups, for data sets larger than memory."""

    def __init__(self, directory: Path, table: str) -> None:
        self.table = table
        self.path = raw_path(Path(directory), table)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rows = 0
        self._writer = pq.ParquetWriter(self.path, schema(table), compression="zstd")

    def write(self, data: pa.Table) -> None:
        """Append a chunk, conformed to the contract."""
        self._writer.write_table(conform(self.table, data))
        self.rows += data.num_rows

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
