"""The staging boundary: messy CSV values are parsed or recorded, timestamps are UTC whatever the
host's time zone, money is exact, and deduplication does not depend on the order of the input.

Each test builds only the SQL layers (seeds, staging and what depends on it, without the Python
models) on a small demo data set rewritten the way real shop exports arrive.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.dbt_run import SQL_ONLY, dbt_build, warehouse_path
from rawdata.contract import TABLES
from rawdata.demo import generate
from rawdata.demo.defects import KEY as KEYS

pytestmark = pytest.mark.integration

# raw column -> how it is parsed; staged under the same name except event_ts (event_at)
PARSED = {
    "customers": {"signup_at": "timestamp", "updated_at": "timestamp"},
    "products": {"price": "amount", "created_at": "timestamp"},
    "orders": {
        "shipping_amount": "amount",
        "promised_delivery_date": "date",
        "ordered_at": "timestamp",
        "shipped_at": "timestamp",
        "delivered_at": "timestamp",
        "returned_at": "timestamp",
    },
    "order_items": {"quantity": "integer", "unit_price": "amount", "discount_amount": "amount"},
    "payments": {"installments": "integer", "amount": "amount", "paid_at": "timestamp"},
    "events": {"event_ts": "timestamp"},
    "reviews": {"rating": "integer", "created_at": "timestamp"},
    "support_tickets": {"created_at": "timestamp", "resolved_at": "timestamp"},
}
STAGED_NAME = {"event_ts": "event_at"}
MESSY_RATE = 0.05


def _build(raw_dir: Path, workdir: Path, *args: str) -> duckdb.DuckDBPyConnection:
    result = dbt_build(raw_dir, workdir, *SQL_ONLY, *args, capture=True)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}"
    return duckdb.connect(str(warehouse_path(workdir)), read_only=True)


def _generate(root: Path, customers: int, seed: int) -> Path:
    generate(
        out_dir=root / "parquet",
        customers=customers,
        seed=seed,
        start=date(2024, 11, 1),
        end=date(2026, 10, 31),
        truth_dir=root / "truth",
    )
    return root / "parquet"


def _read(parquet_dir: Path, table: str) -> pa.Table:
    return pq.read_table(parquet_dir / f"{table}.parquet")


def _plain(value: object) -> str:
    """A value as a well-behaved export writes it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _write_csv(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


# Messy forms: (name, render(value) -> (text, expected parsed value or None when unparseable)).
def _amount_forms(value: float, thousands: bool = True) -> list[tuple[str, Decimal | None]]:
    """With `thousands`, three of the forms write the amount plus 1000 with separators."""
    text = f"{value:.2f}"
    big = value + 1000
    us = f"{big:,.2f}"
    eu = us.replace(",", " ").replace(".", ",").replace(" ", ".")
    grouped = [
        (us, Decimal(f"{big:.2f}")),
        (eu, Decimal(f"{big:.2f}")),
        (us.replace(",", "\u00a0").replace(".", ","), Decimal(f"{big:.2f}")),
    ]
    return [
        *(grouped if thousands else []),
        (text.replace(".", ","), Decimal(text)),
        (f"${text}", Decimal(text)),
        (f"€ {text.replace('.', ',')}", Decimal(text)),
        (f"{text} EUR", Decimal(text)),
        (f"USD {text}", Decimal(text)),
        (f"R$ {text.replace('.', ',')}", Decimal(text)),
        ("n/a", None),
        (f"{text}.5", None),
        (f"{text}7", None),
        (f"{text} pcs", None),
        (f"about {text}", None),
    ]


def _timestamp_forms(value: datetime) -> list[tuple[str, datetime | None]]:
    whole = value.replace(microsecond=0)
    return [
        (value.strftime("%d/%m/%Y %H:%M"), value.replace(second=0, microsecond=0)),
        (value.strftime("%d/%m/%Y %H:%M:%S"), whole),
        ((whole + timedelta(hours=2)).isoformat() + "+02:00", whole),
        (whole.isoformat() + "Z", whole),
        ((whole - timedelta(hours=5)).isoformat() + "-05:00", whole),
        ("not a date", None),
        ("31/31/2025 10:00", None),
    ]


def _date_forms(value: date) -> list[tuple[str, date | None]]:
    return [(value.strftime("%d/%m/%Y"), value), (value.isoformat(), value), ("soon", None)]


def _integer_forms(value: int) -> list[tuple[str, int | None]]:
    return [(f"{value}.0", value), (f" {value} ", value), ("two", None), (f"{value}.5", None)]


FORMS = {
    "amount": _amount_forms,
    "timestamp": _timestamp_forms,
    "date": _date_forms,
    "integer": _integer_forms,
}


def _messy_csv(parquet_dir: Path, csv_dir: Path, seed: int) -> list[tuple]:
    """Every raw table as CSV, with MESSY_RATE of each parsed column's values in a messy form.

    Returns (table, key, column, text, expected) for every messy value written.
    """
    rnd = random.Random(seed)
    csv_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, columns in TABLES.items():
        data = _read(parquet_dir, table).to_pylist()
        names = [column.name for column in columns]
        rows = []
        for record in data:
            row = [_plain(record[name]) for name in names]
            for column, kind in PARSED[table].items():
                if record[column] is None or rnd.random() >= MESSY_RATE:
                    continue
                forms = FORMS[kind](record[column])
                if column == "discount_amount":  # a discount over the line's price is a defect
                    forms = _amount_forms(record[column], thousands=False)
                text, expected = rnd.choice(forms)
                row[names.index(column)] = text
                written.append((table, record[KEYS[table]], column, text, expected))
            rows.append(row)
        _write_csv(csv_dir / f"{table}.csv", names, rows)
    return written


@pytest.fixture(scope="module")
def messy(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[tuple]]]:
    root = tmp_path_factory.mktemp("messy_csv")
    written = _messy_csv(_generate(root, 400, seed=17), root / "csv", seed=17)
    warehouse = _build(root / "csv", root, "--vars", "{raw_file_format: csv}")
    yield warehouse, written
    warehouse.close()


def _value_defects(warehouse: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    exists = warehouse.sql(
        "select count(*) from information_schema.tables "
        "where table_schema = 'staging' and table_name = 'stg_shop__value_defects'"
    ).fetchall()[0][0]
    if not exists:
        return set()
    rows = warehouse.sql(
        "select source_table, record_key, column_name from staging.stg_shop__value_defects"
    ).fetchall()
    return {tuple(row) for row in rows}


def test_messy_csv_values_are_parsed_or_recorded(
    messy: tuple[duckdb.DuckDBPyConnection, list[tuple]],
) -> None:
    warehouse, written = messy
    recorded = _value_defects(warehouse)
    wrong, lost, parsed, kept_unparseable = [], [], 0, []
    for table, key, column, text, expected in written:
        staged = STAGED_NAME.get(column, column)
        found = warehouse.execute(
            f"select {staged} from staging.base_shop__{table} where {KEYS[table]} = ?", [key]
        ).fetchall()
        assert len(found) == 1, (table, key)
        value = found[0][0]
        is_recorded = (table, key, column) in recorded
        if expected is None:
            if value is not None or not is_recorded:
                kept_unparseable.append((table, key, column, text, value, is_recorded))
        elif value is None:
            lost.append((table, key, column, text, is_recorded))
        elif value != expected:
            wrong.append((table, key, column, text, value, expected))
        else:
            parsed += 1
    unparseable = sum(1 for *_, expected in written if expected is None)
    assert parsed > 0 and unparseable > 0
    summary = {
        "parsed": parsed,
        "wrong": len(wrong),
        "lost": len(lost),
        "unparseable_not_recorded": len(kept_unparseable),
        "unparseable": unparseable,
    }
    assert not (wrong or lost or kept_unparseable), (
        f"{summary}; wrong {wrong[:3]}; lost {lost[:3]}; not recorded {kept_unparseable[:3]}"
    )


# Besides required columns, the money an order line or payment exists to carry: a value there
# that does not parse quarantines the row instead of leaving a null.
ROW_VALUES = {
    ("order_items", "quantity"),
    ("order_items", "unit_price"),
    ("order_items", "discount_amount"),
    ("payments", "amount"),
}


def test_unparseable_required_values_quarantine_their_row(
    messy: tuple[duckdb.DuckDBPyConnection, list[tuple]],
) -> None:
    warehouse, written = messy
    required = {
        (table, key, column)
        for table, key, column, _, expected in written
        if expected is None
        and (
            (table, column) in ROW_VALUES
            or any(c.name == column and c.required for c in TABLES[table])
        )
    }
    assert required
    quarantined = {
        (table, key, reason)
        for table, key, reason in warehouse.sql(
            "select source_table, record_key, quarantine_reason from staging.stg_shop__quarantine"
        ).fetchall()
    }
    for table, key, column in required:
        reasons = {reason for t, k, reason in quarantined if (t, k) == (table, key)}
        assert reasons, f"{table} {key}: unparseable {column} but the row is staged"


def test_money_is_exact_decimal(messy: tuple[duckdb.DuckDBPyConnection, list[tuple]]) -> None:
    warehouse, _ = messy
    types = dict(
        warehouse.sql(
            """
            select table_name || '.' || column_name, data_type
            from information_schema.columns
            where table_schema = 'staging'
                and column_name in (
                    'price', 'unit_price', 'discount_amount', 'shipping_amount', 'amount'
                )
                and table_name like 'stg_shop__%'
            """
        ).fetchall()
    )
    assert len(types) == 5, types
    assert set(types.values()) == {"DECIMAL(18,2)"}, types


# Time zones ------------------------------------------------------------------------------------


def _timestamp_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table] if pa.types.is_timestamp(c.type)]


def _expected_times(parquet_dir: Path) -> dict[str, dict[str, datetime]]:
    orders = _read(parquet_dir, "orders").select(["order_id", "ordered_at"]).to_pylist()
    events = _read(parquet_dir, "events").select(["event_id", "event_ts"]).to_pylist()
    return {
        "orders": {row["order_id"]: row["ordered_at"] for row in orders},
        "events": {row["event_id"]: row["event_ts"] for row in events},
    }


def _assert_utc(warehouse: duckdb.DuckDBPyConnection, expected: dict) -> None:
    checks = [
        ("marts.fct_orders", "order_id", "ordered_at", expected["orders"]),
        ("staging.stg_shop__orders", "order_id", "ordered_at", expected["orders"]),
        ("staging.stg_shop__events", "event_id", "event_at", expected["events"]),
    ]
    for relation, key, column, truth in checks:
        rows = warehouse.sql(f"select {key}, {column} from {relation}").fetchall()
        assert len(rows) > 0.9 * len(truth), relation
        shifted = [(k, value, truth[k]) for k, value in rows if value != truth[k]]
        assert not shifted, f"{relation}: {len(shifted)} of {len(rows)} shifted: {shifted[:3]}"


@pytest.fixture(scope="module")
def time_zone_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("time_zones")
    return root, _generate(root, 300, seed=23)


def test_timezone_aware_parquet_is_utc_on_a_new_york_host(
    time_zone_data: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, parquet_dir = time_zone_data
    aware = root / "aware_parquet"
    aware.mkdir()
    for table in TABLES:
        data = _read(parquet_dir, table)
        for column in _timestamp_columns(table):
            index = data.schema.get_field_index(column)
            data = data.set_column(index, column, data[column].cast(pa.timestamp("us", "UTC")))
        pq.write_table(data, aware / f"{table}.parquet")
    monkeypatch.setenv("TZ", "America/New_York")
    with _build(aware, root / "aware_build") as warehouse:
        _assert_utc(warehouse, _expected_times(parquet_dir))


def test_csv_with_utc_offsets_is_utc_on_a_new_york_host(
    time_zone_data: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, parquet_dir = time_zone_data
    offsets = root / "offset_csv"
    offsets.mkdir()
    zones = [(timedelta(hours=2), "+02:00"), (timedelta(0), "Z"), (timedelta(hours=-4), "-04:00")]
    for table, columns in TABLES.items():
        names = [column.name for column in columns]
        stamped = set(_timestamp_columns(table))
        rows = []
        for number, record in enumerate(_read(parquet_dir, table).to_pylist()):
            shift, suffix = zones[number % len(zones)]
            rows.append(
                [
                    (record[name] + shift).isoformat() + suffix
                    if name in stamped and record[name] is not None
                    else _plain(record[name])
                    for name in names
                ]
            )
        _write_csv(offsets / f"{table}.csv", names, rows)
    monkeypatch.setenv("TZ", "America/New_York")
    with _build(offsets, root / "offset_build", "--vars", "{raw_file_format: csv}") as warehouse:
        _assert_utc(warehouse, _expected_times(parquet_dir))


# Deterministic deduplication -------------------------------------------------------------------

# per table: a column to change in a duplicate that ties with the original on every ordering
# column, and how to change it without making the row fail a check
TWIN_CHANGE = {
    "customers": ("email", lambda value: f"twin.{value}"),
    "products": ("title", lambda value: f"{value} (twin)"),
    "orders": ("status", lambda value: "processing" if value != "processing" else "placed"),
    "order_items": ("quantity", lambda value: (value or 1) + 1),
    "payments": ("installments", lambda value: (value or 1) + 1),
    "events": ("page_url", lambda value: f"{value or 'https://shop.example/'}?twin=1"),
    "reviews": ("body", lambda value: f"{value or ''} Twin."),
    "support_tickets": ("body", lambda value: f"{value or ''} Twin."),
}


def test_duplicates_tied_on_the_ordering_keep_the_same_copy_whatever_the_input_order(
    tmp_path: Path,
) -> None:
    parquet_dir = _generate(tmp_path, 200, seed=29)
    forward, backward = tmp_path / "forward", tmp_path / "backward"
    forward.mkdir()
    backward.mkdir()
    rnd = random.Random(29)
    for table in TABLES:
        data = _read(parquet_dir, table)
        column, change = TWIN_CHANGE[table]
        picked = sorted(rnd.sample(range(data.num_rows), min(25, data.num_rows)))
        twins = data.take(pa.array(picked)).to_pylist()
        for twin in twins:
            twin[column] = change(twin[column])
        twin_table = pa.Table.from_pylist(twins, schema=data.schema)
        pq.write_table(pa.concat_tables([data, twin_table]), forward / f"{table}.parquet")
        pq.write_table(pa.concat_tables([twin_table, data]), backward / f"{table}.parquet")
    staged = []
    for raw_dir in (forward, backward):
        with _build(raw_dir, tmp_path / f"{raw_dir.name}_build") as warehouse:
            staged.append(
                {
                    table: warehouse.sql(
                        f"select * from staging.stg_shop__{table} order by {key}"
                    ).fetchall()
                    for table, key in KEYS.items()
                }
            )
    for table in KEYS:
        assert staged[0][table] == staged[1][table], (
            f"{table}: the kept copy depends on input order"
        )
