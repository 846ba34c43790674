"""Importers: synthetic exports with the defects real ones have, then the real public exports.

The synthetic CSVs are written here, byte by byte, so each defect (a cut-off last line, a latin-1
line, a missing column, a reused review id) is known and asserted. The real exports live outside
the repository (`../shared/datasets`, or $SHOP_DATASETS_DIR); those tests skip when it is absent.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from ml.reference_data import cdnow_file
from rawdata.contract import TABLES, raw_path, schema
from rawdata.importers import REPORT_NAME, run_import
from rawdata.importers.csvsource import parse_float, parse_int, parse_timestamp

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("SHOP_DATASETS_DIR", REPO_ROOT.parent / "shared" / "datasets"))


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    return path


def _read(out: Path, table: str) -> list[dict[str, Any]]:
    return pq.read_table(raw_path(out, table)).to_pylist()


def _assert_contract(out: Path) -> None:
    for table in TABLES:
        assert pq.read_schema(raw_path(out, table)) == schema(table), table


def _assert_balanced(report: dict[str, Any], out: Path) -> None:
    for name, table in report["tables"].items():
        assert (
            table["rows_read"] + table["rows_added"]
            == table["rows_written"] + table["rows_rejected"] + table["rows_merged"]
        ), name
        assert table["rows_written"] == pq.read_metadata(raw_path(out, name)).num_rows, name


# --- parsing ---------------------------------------------------------------------------------


def test_parse_timestamp_formats() -> None:
    assert parse_timestamp("2019-10-01 00:00:05 UTC") == datetime(2019, 10, 1, 0, 0, 5)
    assert parse_timestamp("2019-10-01T02:00:00+02:00") == datetime(2019, 10, 1, 0, 0)
    assert parse_timestamp("2018-01-18") == datetime(2018, 1, 18)
    with pytest.raises(ValueError):
        parse_timestamp("18/01/2018")


def test_parse_numbers() -> None:
    assert parse_int("2.0") == 2
    assert parse_float(" 35.79 ") == 35.79
    for bad in ("2.5", "3000000000"):
        with pytest.raises(ValueError):
            parse_int(bad)
    with pytest.raises(ValueError):
        parse_float("nan")


def test_unknown_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'shopify'"):
        run_import("shopify", tmp_path, tmp_path / "raw")


# --- Olist, synthetic ------------------------------------------------------------------------

OLIST_CUSTOMERS = """\
customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state
c1,u1,1000,sao paulo,SP
c2,u1,2000,campinas,SP
c3,u2,3000,curitiba,PR
c4,u3,4000,recife,PE
"""
OLIST_ORDERS = """\
order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,\
order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date
o1,c1,delivered,2017-01-05 10:00:00,2017-01-05 11:00:00,2017-01-06 09:00:00,2017-01-10 12:00:00,\
2017-01-20 00:00:00
o2,c2,shipped,2017-03-01 08:00:00,2017-03-01 09:00:00,,,2017-03-15 00:00:00
o3,c3,delivered,not a date,,,,
o4,c9,delivered,2017-04-01 08:00:00,,,,
o1,c1,delivered,2017-01-05 10:00:00,,,,
"""
OLIST_ITEMS = """\
order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value
o1,1,p1,s1,2017-01-07 00:00:00,10.0,1.5
o1,2,p2,s1,2017-01-07 00:00:00,20.0,2.5
o2,1,p1,s1,2017-03-03 00:00:00,12.0,abc
o9,1,p1,s1,2017-03-03 00:00:00,12.0,1.0
"""
OLIST_PAYMENTS = """\
order_id,payment_sequential,payment_type,payment_value
o1,1,credit_card,34.0
o2,1,boleto,12.0
"""
OLIST_PRODUCTS = """\
product_id,product_category_name,product_name_lenght
p1,esporte_lazer,40.0
"""


def _olist_export(root: Path) -> Path:
    src = root / "olist"
    _write(src / "olist_customers_dataset.csv", OLIST_CUSTOMERS)
    _write(src / "olist_orders_dataset.csv", OLIST_ORDERS)
    _write(src / "olist_order_items_dataset.csv", OLIST_ITEMS)
    _write(src / "olist_order_payments_dataset.csv", OLIST_PAYMENTS)
    _write(src / "olist_products_dataset.csv", OLIST_PRODUCTS)
    reviews = (
        b"review_id,order_id,review_score,review_comment_title,review_comment_message,"
        b"review_creation_date,review_answer_timestamp\n"
        b'r1,o1,5,,"chegou rapido,\nrecomendo",2017-01-11 00:00:00,2017-01-12 00:00:00\n'
        b"r1,o2,4,,,2017-03-16 00:00:00,2017-03-17 00:00:00\n"
    )
    latin1 = "r2,o2,1,,Ótimo não,2017-03-18 00:00:00,2017-03-19 00:00:00\n".encode("latin-1")
    _write(src / "olist_order_reviews_dataset.csv", reviews + latin1)
    return src


@pytest.fixture
def olist(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    out = tmp_path / "raw"
    return run_import("olist", _olist_export(tmp_path), out), out


def test_olist_customers_are_people(olist: tuple[dict[str, Any], Path]) -> None:
    report, out = olist
    customers = {c["customer_id"]: c for c in _read(out, "customers")}
    assert set(customers) == {"u1"}  # u2's only order is rejected; u3 never ordered
    assert customers["u1"]["signup_at"] == datetime(2017, 1, 5, 10)
    assert customers["u1"]["city"] == "campinas"  # the latest order's address
    assert customers["u1"]["country"] == "BR"
    table = report["tables"]["customers"]
    assert table["rows_merged"] == 1
    assert table["rejected"]["no order to derive signup_at from"]["count"] == 2
    assert "signup_at" in table["derived_fields"]


def test_olist_orders_and_rejects(olist: tuple[dict[str, Any], Path]) -> None:
    report, out = olist
    orders = {o["order_id"]: o for o in _read(out, "orders")}
    assert set(orders) == {"o1", "o2"}
    assert orders["o1"]["customer_id"] == "u1"
    assert orders["o1"]["shipping_amount"] == pytest.approx(4.0)
    assert str(orders["o1"]["promised_delivery_date"]) == "2017-01-20"
    rejected = report["tables"]["orders"]["rejected"]
    assert rejected["unparseable order_purchase_timestamp"]["sample_lines"] == [
        "olist_orders_dataset.csv:4"
    ]
    assert rejected["customer_id not in customers file"]["example"] == "c9"
    assert rejected["duplicate order_id (first kept)"]["sample_lines"] == [
        "olist_orders_dataset.csv:6"
    ]
    items = report["tables"]["order_items"]
    assert items["rejected"]["order_id not in orders file"]["count"] == 1
    nulled = report["files"]["olist_order_items_dataset.csv"]["nulled_values"]
    assert nulled["freight_value"]["sample_lines"] == ["olist_order_items_dataset.csv:4"]
    assert {i["order_item_id"] for i in _read(out, "order_items")} == {"o1-1", "o1-2", "o2-1"}


def test_olist_products_payments_reviews(olist: tuple[dict[str, Any], Path]) -> None:
    report, out = olist
    products = {p["product_id"]: p for p in _read(out, "products")}
    assert products["p1"]["category"] == "esporte_lazer"
    assert products["p1"]["price"] == pytest.approx(11.0)  # median of 10 and 12
    assert products["p2"]["category"] is None  # sold, but missing from the catalogue
    assert report["tables"]["products"]["rows_added"] == 1

    payments = _read(out, "payments")
    assert {p["payment_id"] for p in payments} == {"o1-1", "o2-1"}
    assert all(p["installments"] is None for p in payments)
    assert report["files"]["olist_order_payments_dataset.csv"]["missing_optional_columns"] == [
        "payment_installments"
    ]

    reviews = {r["review_id"]: r for r in _read(out, "reviews")}
    assert set(reviews) == {"r1-o1", "r1-o2", "r2"}  # r1 is reused by two orders
    assert reviews["r1-o1"]["body"] == "chegou rapido,\nrecomendo"
    assert reviews["r2"]["body"] == "Ótimo não"  # decoded as latin-1
    assert reviews["r2"]["customer_id"] == "u1"
    fallback = report["files"]["olist_order_reviews_dataset.csv"]["decode_fallback_lines"]
    assert fallback == {"count": 1, "sample_lines": ["olist_order_reviews_dataset.csv:5"]}
    assert any("review_id" in w for w in report["warnings"])


def test_olist_writes_contract_and_report(olist: tuple[dict[str, Any], Path]) -> None:
    report, out = olist
    _assert_contract(out)
    _assert_balanced(report, out)
    assert json.loads((out / REPORT_NAME).read_text()) == json.loads(json.dumps(report))
    assert report["tables"]["events"]["rows_written"] == 0
    assert not [p for p in out.iterdir() if p.name.startswith("_import-scratch")]


def test_olist_missing_required_column(tmp_path: Path) -> None:
    src = _olist_export(tmp_path)
    _write(src / "olist_orders_dataset.csv", "order_id,customer_id,order_status\no1,c1,delivered\n")
    with pytest.raises(ValueError, match="olist_orders_dataset.csv.*'order_purchase_timestamp'"):
        run_import("olist", src, tmp_path / "raw")


def test_olist_missing_optional_file(tmp_path: Path) -> None:
    src = _olist_export(tmp_path)
    (src / "olist_order_reviews_dataset.csv").unlink()
    report = run_import("olist", src, tmp_path / "raw")
    assert report["tables"]["reviews"]["rows_written"] == 0
    assert any("olist_order_reviews_dataset.csv not found" in w for w in report["warnings"])
    (src / "olist_customers_dataset.csv").unlink()
    with pytest.raises(ValueError, match="olist_customers_dataset.csv is missing"):
        run_import("olist", src, tmp_path / "raw2")


# --- REES46, synthetic -----------------------------------------------------------------------

REES46_HEADER = (
    "event_time,event_type,product_id,category_id,category_code,brand,price,"
    "user_id,user_session\r\n"
)
REES46_ROWS = [
    "2019-10-01 00:00:00 UTC,view,100,20,electronics.smartphone,apple,500.00,7,s1",
    "2019-10-01 00:00:00 UTC,view,100,20,electronics.smartphone,apple,500.00,7,s1",
    "2019-10-01 00:01:00 UTC,cart,100,20,electronics.smartphone,apple,490.00,7,s1",
    "2019-10-01 00:02:00 UTC,purchase,100,20,electronics.smartphone,apple,490.00,7,s1",
    "2019-10-01 00:02:00 UTC,purchase,200,30,,,15.50,7,s1",
    "2019-10-02 09:00:00 UTC,wishlist,100,20,electronics.smartphone,apple,490.00,8,s2",
    "yesterday,view,100,20,electronics.smartphone,apple,490.00,8,s2",
    "2019-10-02 09:05:00 UTC,view,300,40,,,n/a,8,s2",
]


def _rees46_export(root: Path, truncated: bool = True) -> Path:
    body = REES46_HEADER + "".join(row + "\r\n" for row in REES46_ROWS)
    data = body.encode() + "2019-10-02 09:06:00 UTC,view,300,40,,mü,9.99,8,s2\r\n".encode("latin-1")
    if truncated:
        data += b"2019-10-02 09:07:00 UTC,view,300,40,,,9.99,8"
    return _write(root / "2019-Oct.csv", data)


@pytest.fixture
def rees46(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    out = tmp_path / "raw"
    return run_import("rees46", _rees46_export(tmp_path), out), out


def test_rees46_events(rees46: tuple[dict[str, Any], Path]) -> None:
    report, out = rees46
    events = _read(out, "events")
    assert len(events) == 7
    assert len({e["event_id"] for e in events}) == 7  # the duplicate row gets its own id
    assert events[0]["event_id"] + "-2" == events[1]["event_id"]
    assert [e["event_type"] for e in events[:4]] == [
        "product_view",
        "product_view",
        "add_to_cart",
        "purchase",
    ]
    assert events[0]["anonymous_id"] == "rees46-user-7"
    assert events[0]["customer_id"] == "7"
    assert events[0]["event_ts"] == datetime(2019, 10, 1)
    assert events[3]["order_id"] == events[4]["order_id"] == "rees46-7-s1"

    rejected = report["tables"]["events"]["rejected"]
    assert rejected["truncated last row"]["sample_lines"] == ["2019-Oct.csv:11"]
    assert rejected["unknown event_type"]["example"] == "wishlist"
    assert rejected["unparseable event_time"]["sample_lines"] == ["2019-Oct.csv:8"]
    file = report["files"]["2019-Oct.csv"]
    assert file["decode_fallback_lines"]["count"] == 1
    assert file["ends_with_newline"] is False
    assert any("ends without a line break (line 11)" in w for w in report["warnings"])
    assert file["nulled_values"]["price"]["example"] == "n/a"


def test_rees46_derived_tables(rees46: tuple[dict[str, Any], Path]) -> None:
    report, out = rees46
    customers = {c["customer_id"]: c["signup_at"] for c in _read(out, "customers")}
    assert customers == {"7": datetime(2019, 10, 1), "8": datetime(2019, 10, 2, 9, 5)}
    products = {p["product_id"]: p for p in _read(out, "products")}
    assert products["100"]["price"] == 490.0  # the latest price
    assert products["200"]["category"] == "30"  # no category_code: the category_id
    assert products["300"]["brand"] == "mü"
    orders = _read(out, "orders")
    assert [(o["order_id"], o["customer_id"], o["status"]) for o in orders] == [
        ("rees46-7-s1", "7", "placed")
    ]
    items = _read(out, "order_items")
    assert [(i["order_item_id"], i["product_id"], i["unit_price"]) for i in items] == [
        ("rees46-7-s1-1", "100", 490.0),
        ("rees46-7-s1-2", "200", 15.5),
    ]
    assert report["tables"]["orders"]["rows_merged"] == 1
    for absent in ("payments", "reviews", "support_tickets"):
        assert report["tables"][absent]["rows_written"] == 0
    _assert_contract(out)
    _assert_balanced(report, out)


def test_rees46_missing_optional_column(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "export.csv",
        "event_time,event_type,product_id,price,user_id\n"
        "2019-10-01 00:00:00 UTC,purchase,100,5.0,7\n",
    )
    report = run_import("rees46", src, tmp_path / "raw")
    missing = report["files"]["export.csv"]["missing_optional_columns"]
    assert missing == ["category_id", "category_code", "brand", "user_session"]
    assert _read(tmp_path / "raw", "orders")[0]["order_id"] == "rees46-7-day20191001"
    assert any("no user_session" in w for w in report["warnings"])


def test_rees46_missing_required_column(tmp_path: Path) -> None:
    src = _write(tmp_path / "export.csv", "event_time,event_type,product_id\n")
    with pytest.raises(ValueError, match="export.csv: required column.*'user_id'"):
        run_import("rees46", src, tmp_path / "raw")


# --- CDNOW, synthetic ------------------------------------------------------------------------

CDNOW_LOG = """\
 customer_id  date number_of_cds  dollar_value
 00001 19970101  1   11.77
 00002 19970112  1   12.00
 00002 19970112  5   77.00
 00003 19970102  2   20.76

 00003 19970330  2   20.76
 00003 19971301  1    5.00
 00004 19970101  1
 00005 19970215  x    9.99
"""


@pytest.fixture
def cdnow(tmp_path: Path) -> tuple[dict[str, Any], Path]:
    out = tmp_path / "raw"
    return run_import("cdnow", _write(tmp_path / "CDNOW_master.txt", CDNOW_LOG), out), out


def test_cdnow_every_line_is_an_order(cdnow: tuple[dict[str, Any], Path]) -> None:
    report, out = cdnow
    orders = _read(out, "orders")
    assert [(o["order_id"], o["customer_id"], o["ordered_at"]) for o in orders] == [
        ("cdnow-00001-19970101-1", "00001", datetime(1997, 1, 1)),
        ("cdnow-00002-19970112-1", "00002", datetime(1997, 1, 12)),
        ("cdnow-00002-19970112-2", "00002", datetime(1997, 1, 12)),  # same day, own order
        ("cdnow-00003-19970102-1", "00003", datetime(1997, 1, 2)),
        ("cdnow-00003-19970330-1", "00003", datetime(1997, 3, 30)),
        ("cdnow-00005-19970215-1", "00005", datetime(1997, 2, 15)),
    ]
    assert {o["status"] for o in orders} == {"placed"}
    items = _read(out, "order_items")
    assert [i["order_item_id"] for i in items] == [f"{o['order_id']}-1" for o in orders]
    assert {(i["product_id"], i["quantity"], i["discount_amount"]) for i in items} == {
        ("cdnow-cd", 1, 0.0)
    }
    assert sum(i["unit_price"] for i in items) == pytest.approx(11.77 + 12 + 77 + 2 * 20.76 + 9.99)
    assert [p["product_id"] for p in _read(out, "products")] == ["cdnow-cd"]
    rejected = report["tables"]["orders"]["rejected"]
    assert rejected["unparseable date"]["sample_lines"] == ["CDNOW_master.txt:8"]
    assert rejected["wrong number of fields"]["sample_lines"] == ["CDNOW_master.txt:9"]
    nulled = report["files"]["CDNOW_master.txt"]["nulled_values"]
    assert nulled["number_of_cds"]["sample_lines"] == ["CDNOW_master.txt:10"]


def test_cdnow_customers_and_contract(cdnow: tuple[dict[str, Any], Path]) -> None:
    report, out = cdnow
    customers = {c["customer_id"]: c for c in _read(out, "customers")}
    assert set(customers) == {"00001", "00002", "00003", "00005"}
    assert customers["00003"]["signup_at"] == datetime(1997, 1, 2)  # the first purchase
    assert all(c["email"] is None for c in customers.values())
    assert report["tables"]["customers"]["rows_merged"] == 2
    for absent in ("payments", "events", "reviews", "support_tickets"):
        assert report["tables"][absent]["rows_written"] == 0
    assert report["tables"]["products"]["rows_added"] == 1
    assert "signup_at" in report["tables"]["customers"]["derived_fields"]
    _assert_contract(out)
    _assert_balanced(report, out)
    assert not report["warnings"]


def test_cdnow_without_header_and_in_a_folder(tmp_path: Path) -> None:
    """The original log has no header line; a folder holding the file is accepted too."""
    src = tmp_path / "cdnow"
    _write(src / "CDNOW_master.txt", " 00001 19970101  1   11.77\n 00001 19970105  2   30.00\n")
    report = run_import("cdnow", src, tmp_path / "raw")
    assert report["tables"]["orders"]["rows_written"] == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="a CDNOW export is the file CDNOW_master.txt"):
        run_import("cdnow", tmp_path / "empty", tmp_path / "raw2")


def test_src_is_required_without_a_default(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a olist import needs the export to read"):
        run_import("olist", None, tmp_path / "raw")


# --- the real public exports -----------------------------------------------------------------


def _dataset(name: str) -> Path:
    path = DATASETS / name
    if not path.is_dir():
        pytest.skip(f"real export {path} not available (set SHOP_DATASETS_DIR)")
    return path


@pytest.fixture(scope="module")
def real_olist(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, Path]:
    src = _dataset("olist")
    out = tmp_path_factory.mktemp("olist") / "raw"
    return run_import("olist", src, out), out, src


@pytest.fixture(scope="module")
def real_rees46(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, Path]:
    src = _dataset("rees46_clickstream")
    out = tmp_path_factory.mktemp("rees46") / "raw"
    return run_import("rees46", src, out), out, src


def test_real_olist(real_olist: tuple[dict[str, Any], Path, Path]) -> None:
    report, out, src = real_olist
    _assert_contract(out)
    _assert_balanced(report, out)
    assert not [w for w in report["warnings"] if "does not balance" in w]
    options = pacsv.ConvertOptions(column_types={"customer_unique_id": pa.string()})
    people = pacsv.read_csv(src / "olist_customers_dataset.csv", convert_options=options)
    customers = [c["customer_id"] for c in _read(out, "customers")]
    assert len(customers) == len(set(customers))
    assert set(customers) == set(people.column("customer_unique_id").to_pylist())
    assert len(customers) < report["tables"]["customers"]["rows_read"]  # per-order ids collapsed
    orders = _read(out, "orders")
    assert {o["customer_id"] for o in orders} <= set(customers)
    reviews = [r["review_id"] for r in _read(out, "reviews")]
    assert len(reviews) == len(set(reviews))


def test_real_rees46(real_rees46: tuple[dict[str, Any], Path, Path]) -> None:
    report, out, src = real_rees46
    _assert_contract(out)
    _assert_balanced(report, out)
    (name,) = [p.name for p in src.glob("*.csv")]
    last_line = report["files"][name]["physical_lines"]
    truncated = report["tables"]["events"]["rejected"]["truncated last row"]
    assert truncated["sample_lines"] == [f"{name}:{last_line}"]
    events = _read(out, "events")
    assert len({e["event_id"] for e in events}) == len(events)
    customers = {c["customer_id"] for c in _read(out, "customers")}
    assert {o["customer_id"] for o in _read(out, "orders")} <= customers
    assert {e["customer_id"] for e in events} <= customers


def test_real_cdnow(tmp_path: Path) -> None:
    """The CDNOW log shipped with lifetimes, imported without --src: every line an order."""
    try:
        src = cdnow_file("CDNOW_master.txt")
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    out = tmp_path / "raw"
    report = run_import("cdnow", None, out)
    assert report["src"] == str(src)
    log = pacsv.read_csv(
        src,
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=["line"]),
        parse_options=pacsv.ParseOptions(delimiter="\t"),
    )
    lines = [line.split() for line in log.column("line").to_pylist()]
    _assert_contract(out)
    _assert_balanced(report, out)
    assert not report["warnings"]
    orders = pq.read_table(raw_path(out, "orders"))
    assert orders.num_rows == len(lines) == 69_659
    assert pq.read_metadata(raw_path(out, "customers")).num_rows == 23_570
    assert len({line[0] for line in lines}) == 23_570
    revenue = pq.read_table(raw_path(out, "order_items")).column("unit_price").to_pylist()
    assert round(sum(revenue), 2) == round(sum(float(line[3]) for line in lines), 2) == 2_500_315.63
