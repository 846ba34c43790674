"""Deliberate data-quality defects, each recorded, so the warehouse's quarantine can be tested.

Real exports contain null keys, duplicated rows, negative prices, timestamps from the future,
references to rows that do not exist, empty or absurdly long texts and broken encodings. About
`rate` of each table's rows get one defect, spread over the kinds that make sense for that table;
every injected defect is listed in the truth (table, record_key, defect_type).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rawdata.demo.arrowkit import TS

# table -> (defect_type, share of the table's defects)
PLAN: dict[str, tuple[tuple[str, float], ...]] = {
    "customers": (("null_key", 0.4), ("bad_encoding", 0.6)),
    "products": (("negative_price", 1.0),),
    "orders": (
        ("null_key", 0.25),
        ("orphan_fk", 0.3),
        ("future_timestamp", 0.3),
        ("negative_price", 0.15),
    ),
    "order_items": (("negative_price", 0.5), ("orphan_fk", 0.5)),
    "payments": (("null_key", 1.0),),
    "events": (
        ("null_key", 0.25),
        ("duplicate_row", 0.35),
        ("future_timestamp", 0.2),
        ("orphan_fk", 0.2),
    ),
    "reviews": (
        ("orphan_fk", 0.2),
        ("empty_text", 0.3),
        ("bad_encoding", 0.35),
        ("huge_text", 0.05),
        ("future_timestamp", 0.1),
    ),
    "support_tickets": (
        ("orphan_fk", 0.3),
        ("empty_text", 0.3),
        ("bad_encoding", 0.3),
        ("huge_text", 0.1),
    ),
}
KEY = {
    "customers": "customer_id",
    "products": "product_id",
    "orders": "order_id",
    "order_items": "order_item_id",
    "payments": "payment_id",
    "events": "event_id",
    "reviews": "review_id",
    "support_tickets": "ticket_id",
}
# the column a defect type damages, per table
TARGET = {
    ("customers", "null_key"): "customer_id",
    ("customers", "bad_encoding"): "last_name",
    ("products", "negative_price"): "price",
    ("orders", "null_key"): "order_id",
    ("orders", "orphan_fk"): "customer_id",
    ("orders", "future_timestamp"): "ordered_at",
    ("orders", "negative_price"): "shipping_amount",
    ("order_items", "negative_price"): "unit_price",
    ("order_items", "orphan_fk"): "order_id",
    ("payments", "null_key"): "order_id",
    ("events", "null_key"): "event_id",
    ("events", "future_timestamp"): "event_ts",
    ("events", "orphan_fk"): "customer_id",
    ("reviews", "orphan_fk"): "customer_id",
    ("reviews", "future_timestamp"): "created_at",
    ("support_tickets", "orphan_fk"): "customer_id",
}
ORPHAN_PREFIX = {"customer_id": "C9", "order_id": "O9"}  # longer than any real id: never exists
MAX_HUGE_PER_CHUNK = 3
HUGE_CHARS = 100_000
FUTURE_US = 4_070_908_800_000_000  # 2099-01-01


@dataclass
class DefectLog:
    """Every injected defect, gathered across chunks."""

    tables: list[str] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)
    types: list[str] = field(default_factory=list)

    def add(self, table: str, keys: list[str | None], defect: str) -> None:
        self.tables += [table] * len(keys)
        self.keys += keys
        self.types += [defect] * len(keys)

    def to_table(self) -> pa.Table:
        return pa.table(
            {
                "table": pa.array(self.tables, pa.string()),
                "record_key": pa.array(self.keys, pa.string()),
                "defect_type": pa.array(self.types, pa.string()),
            }
        )


def mangle(rnd: random.Random, text: str) -> str:
    """Text as a broken export pipeline delivers it: mojibake, U+FFFD or control characters."""
    kind = rnd.random()
    if kind < 0.5:
        accented = text.replace("'", "\u2019").replace("e", "é", 1)
        return accented.encode("utf-8").decode("cp1252", errors="replace")
    chars = list(text)
    for _ in range(rnd.randint(1, 3)):
        junk = "\ufffd" if kind < 0.75 else chr(rnd.randint(1, 8))
        chars.insert(rnd.randint(0, len(chars)), junk)
    return "".join(chars)


def _replace(
    table: pa.Table, column: str, rows: np.ndarray, values: pa.Array | pa.ChunkedArray
) -> pa.Table:
    """Set `column` at `rows` (sorted) to `values`."""
    col = table[column].combine_chunks()
    mask = np.zeros(table.num_rows, bool)
    mask[rows] = True
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    new = pc.replace_with_mask(col, pa.array(mask), values.cast(col.type))
    return table.set_column(table.schema.get_field_index(column), column, new)


def inject(
    rng: np.random.Generator,
    table_name: str,
    table: pa.Table,
    rate: float,
    log: DefectLog,
    ensure_each: bool = False,
) -> pa.Table:
    """Return `table` with about `rate` of its rows damaged; record each defect in `log`.

    With `ensure_each` (the first chunk) every defect kind of the table occurs at least once, so
    small demo sets still exercise every quarantine rule.
    """
    n = table.num_rows
    if rate <= 0 or n == 0:
        return table
    kinds = PLAN[table_name]
    k = min(int(rng.binomial(n, rate)), n)
    rows = rng.choice(n, size=k, replace=False)
    kind = rng.choice(len(kinds), size=k, p=[w for _, w in kinds])
    if ensure_each and n >= 2 * len(kinds):
        missing = [j for j in range(len(kinds)) if not (kind == j).any()]
        extra = rng.choice(np.setdiff1d(np.arange(n), rows), size=len(missing), replace=False)
        rows = np.concatenate([rows, extra])
        kind = np.concatenate([kind, np.array(missing, dtype=kind.dtype)])
    rnd = random.Random(int(rng.integers(2**63)))
    key = table[KEY[table_name]]
    duplicates = None
    for j, (defect, _) in enumerate(kinds):
        sel = np.sort(rows[kind == j])
        if defect == "huge_text":
            sel = sel[:MAX_HUGE_PER_CHUNK]
        if len(sel) == 0:
            continue
        keys = key.take(pa.array(sel)).to_pylist()
        column = TARGET.get((table_name, defect), "body")
        if defect == "null_key":
            table = _replace(table, column, sel, pa.nulls(len(sel), pa.string()))
            if column == KEY[table_name]:
                keys = [None] * len(sel)
        elif defect == "duplicate_row":
            duplicates = table.take(pa.array(sel))
        elif defect == "negative_price":
            values = pc.negate(table[column].take(pa.array(sel)))
            table = _replace(table, column, sel, pc.if_else(pc.equal(values, 0), -1.0, values))
        elif defect == "future_timestamp":
            future = FUTURE_US + rng.integers(0, 365 * 86_400_000_000, len(sel))
            table = _replace(table, column, sel, pa.array(future).cast(TS))
        elif defect == "orphan_fk":
            digits = rng.integers(0, 10**7, len(sel))
            orphans = [f"{ORPHAN_PREFIX[column]}{d:07d}" for d in digits.tolist()]
            table = _replace(table, column, sel, pa.array(orphans, pa.string()))
        elif defect == "empty_text":
            blanks = [rnd.choice(("", " ", "   ", "\n", "\t ")) for _ in sel]
            table = _replace(table, column, sel, pa.array(blanks, pa.string()))
        elif defect == "huge_text":
            texts = table[column].take(pa.array(sel)).to_pylist()
            huge = [
                ((t or "spam ") + " ") * (HUGE_CHARS // max(len(t or "spam "), 1) + 2)
                for t in texts
            ]
            table = _replace(table, column, sel, pa.array(huge, pa.string()))
        elif defect == "bad_encoding":
            texts = table[column].take(pa.array(sel)).to_pylist()
            table = _replace(
                table, column, sel, pa.array([mangle(rnd, t or "Café") for t in texts], pa.string())
            )
        log.add(table_name, keys, defect)
    if duplicates is not None:
        table = pa.concat_tables([table, duplicates])
    return table
