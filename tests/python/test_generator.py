"""The demo data generator: deterministic, contract-exact, consistent, realistic, and defective
only where asked to be (with every defect on record)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from rawdata.contract import TABLES, schema
from rawdata.demo import generate
from rawdata.demo.defects import PLAN

START, END = date(2024, 11, 1), date(2026, 10, 31)
# phrases a reader takes as complaints; "not bad at all" must not count, negation matters
NEGATIVE_PHRASES = (
    "wasn't what i expected", "didn't fit", "waste of money", "disappointed", "terrible",
    "never replied", "not worth the money", "never again", "avoid", "not impressed",
    "wouldn't buy again", "broke after", "arrived damaged", "do not buy", "overpriced",
)  # fmt: skip


def _run(root: Path, customers: int, seed: int = 7, defect_rate: float = 0.0) -> dict:
    return generate(root / "raw", customers, seed, defect_rate, START, END, None)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("clean")
    return root, _run(root, 2000)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("dirty")
    return root, _run(root, 1500, defect_rate=0.04)


def _sql(root: Path, query: str) -> list[tuple]:
    """Run `query` with one view per raw table and the truth files as views."""
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"create view {table} as select * from '{root / 'raw' / table}.parquet'")
    con.execute(f"create view truth as select * from '{root / 'truth'}/customers_truth.parquet'")
    if (root / "truth" / "defects.parquet").exists():
        con.execute(f"create view defects as select * from '{root / 'truth'}/defects.parquet'")
    return con.execute(query).fetchall()


def _one(root: Path, query: str):
    return _sql(root, query)[0][0]


# --- determinism, scale, schemas ------------------------------------------------------------


def test_same_seed_same_content_other_seed_differs(tmp_path: Path) -> None:
    _run(tmp_path / "a", 300, seed=1, defect_rate=0.02)
    _run(tmp_path / "b", 300, seed=1, defect_rate=0.02)
    _run(tmp_path / "c", 300, seed=2, defect_rate=0.02)
    for table in TABLES:
        a = pq.read_table(tmp_path / "a" / "raw" / f"{table}.parquet")
        b = pq.read_table(tmp_path / "b" / "raw" / f"{table}.parquet")
        assert a.equals(b), table
    for name in ("customers_truth", "defects"):
        a = pq.read_table(tmp_path / "a" / "truth" / f"{name}.parquet")
        assert a.equals(pq.read_table(tmp_path / "b" / "truth" / f"{name}.parquet")), name
    a = pq.read_table(tmp_path / "a" / "raw" / "events.parquet")
    c = pq.read_table(tmp_path / "c" / "raw" / "events.parquet")
    assert not a.equals(c)


def test_rows_grow_linearly_with_customers(tmp_path: Path, clean: tuple[Path, dict]) -> None:
    small = _run(tmp_path, 500)["rows"]
    large = clean[1]["rows"]
    for table in ("customers", "orders", "order_items", "payments", "events", "reviews"):
        assert 3.0 < large[table] / small[table] < 5.3, table


def test_files_match_the_contract_exactly(clean: tuple[Path, dict]) -> None:
    root, summary = clean
    for table in TABLES:
        assert pq.read_schema(root / "raw" / f"{table}.parquet") == schema(table), table
        assert summary["rows"][table] > 0, table
    assert sorted(p.name for p in (root / "raw").iterdir()) == sorted(
        f"{t}.parquet" for t in TABLES
    )


def test_truth_lives_outside_raw_and_covers_every_customer(clean: tuple[Path, dict]) -> None:
    root, _ = clean
    assert not list((root / "raw").glob("*truth*"))
    assert not (root / "truth" / "defects.parquet").exists()
    assert _one(root, "select count(*) from truth") == 2000
    missing = "select count(*) from customers c anti join truth t using (customer_id)"
    assert _one(root, missing) == 0
    with pytest.raises(ValueError, match="truth_dir"):
        generate(root / "raw", 10, 1, 0.0, START, END, root / "raw" / "truth")


# --- consistency at defect rate 0 -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "select count(*) from orders anti join customers using (customer_id)",
        "select count(*) from order_items anti join orders using (order_id)",
        "select count(*) from order_items anti join products using (product_id)",
        "select count(*) from payments anti join orders using (order_id)",
        "select count(*) from reviews anti join orders using (order_id)",
        "select count(*) from support_tickets anti join customers using (customer_id)",
        """select count(*) from events e where event_type = 'purchase'
           and (customer_id is null or order_id not in (select order_id from orders))""",
        "select count(*) - count(distinct event_id) from events",
        "select count(*) from events where event_ts not between '2024-11-01' and '2026-11-01'",
        "select count(*) from products where price <= 0",
        "select count(*) from orders where delivered_at < shipped_at or shipped_at < ordered_at",
        "select count(*) from customers where updated_at < signup_at",
    ],
)
def test_clean_data_is_consistent(clean: tuple[Path, dict], query: str) -> None:
    assert _one(clean[0], query) == 0


def test_payments_add_up_to_the_order_total(clean: tuple[Path, dict]) -> None:
    query = """
        with items as (
            select order_id, sum(quantity * unit_price - discount_amount) as goods
            from order_items group by 1),
        paid as (select order_id, sum(amount) as paid from payments group by 1)
        select count(*), count(*) filter (where abs(goods + shipping_amount - paid) > 0.011)
        from orders join items using (order_id) join paid using (order_id)
        where status != 'cancelled'
    """
    total, wrong = _sql(clean[0], query)[0]
    assert total > 1000 and wrong == 0


def test_vocabularies_match_the_seeds(clean: tuple[Path, dict]) -> None:
    root = clean[0]
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    types = {r[0] for r in _sql(root, f"select event_type from '{seeds}/event_types.csv'")}
    assert {r[0] for r in _sql(root, "select distinct event_type from events")} == types
    statuses = {"placed", "shipped", "delivered", "returned", "cancelled"}
    assert {r[0] for r in _sql(root, "select distinct status from orders")} == statuses


def test_orders_are_mostly_tracked_and_delivery_shares_are_plausible(clean) -> None:
    root = clean[0]
    tracked = _one(
        root,
        """select avg((order_id in (select order_id from events
                            where event_type = 'purchase'))::int) from orders""",
    )
    assert 0.9 < tracked < 0.99
    late = _one(
        root,
        """select avg((delivered_at::date > promised_delivery_date)::int)
                         from orders where delivered_at is not null""",
    )
    assert 0.07 < late < 0.16
    returned = _one(root, "select avg((status = 'returned')::int) from orders")
    assert 0.02 < returned < 0.09


# --- defects ---------------------------------------------------------------------------------


def test_defects_are_injected_at_about_the_rate_and_recorded(dirty: tuple[Path, dict]) -> None:
    root, summary = dirty
    recorded = {(t, d) for t, d in _sql(root, 'select distinct "table", defect_type from defects')}
    assert recorded == {(t, d) for t, kinds in PLAN.items() for d, _ in kinds}
    for table in ("events", "order_items", "orders"):
        n = _one(root, f"select count(*) from defects where \"table\" = '{table}'")
        assert 0.025 < n / summary["rows"][table] < 0.06, table
    # what is recorded is really in the data
    checks = [
        ("select count(*) from events where event_id is null", "events", "null_key"),
        (
            "select count(event_id) - count(distinct event_id) from events",
            "events",
            "duplicate_row",
        ),
        ("select count(*) from order_items where unit_price < 0", "order_items", "negative_price"),
        ("select count(*) from events where year(event_ts) = 2099", "events", "future_timestamp"),
        ("select count(*) from reviews where length(body) > 100000", "reviews", "huge_text"),
    ]
    for data, table, defect in checks:
        log = (
            f"select count(*) from defects where \"table\" = '{table}' and defect_type = '{defect}'"
        )
        assert _one(root, data) == _one(root, log) > 0, data
    orphans = "select count(*) from orders anti join customers using (customer_id)"
    assert _one(root, orphans) >= 1
    mojibake = """select count(*) from reviews where body like '%Ã%' or body like '%â€%'
                  or body like '%\ufffd%' or regexp_matches(body, '[\\x01-\\x08]')"""
    assert _one(root, mojibake) >= 1


# --- realism: the truth leaves traces the warehouse can find -----------------------------------


def test_late_deliveries_raise_churn(clean: tuple[Path, dict]) -> None:
    rows = _sql(
        clean[0],
        """select late_deliveries > 0, avg((churned_at is not null)::int),
                             count(*) from truth where orders > 0 group by 1 order by 1""",
    )
    (_, on_time, _), (_, late, n_late) = rows
    assert n_late > 100 and late > on_time + 0.08


def test_negative_review_phrases_come_with_low_ratings(clean: tuple[Path, dict]) -> None:
    pattern = "|".join(NEGATIVE_PHRASES).replace("'", "''")
    rows = _sql(
        clean[0],
        f"""
        select regexp_matches(lower(body), '{pattern}') as negative, avg(rating), count(*)
        from reviews where body is not null group by 1 order by 1""",
    )
    (_, other, _), (_, negative, n) = rows
    assert n > 30 and negative < other - 1.5
    distinct = _one(clean[0], "select count(distinct body) / count(body) from reviews")
    assert distinct > 0.6
    rates = _sql(clean[0], "select rating, count(*) from reviews group by 1 order by 1")
    assert [r for r, _ in rates] == [1, 2, 3, 4, 5]


def test_weekends_and_the_holiday_season_are_busier(clean: tuple[Path, dict]) -> None:
    root = clean[0]
    weekend = _one(
        root,
        """
        with daily as (select event_ts::date as d, count(*) as n from events group by 1)
        select avg(n) filter (where dayofweek(d) in (0, 6))
             / avg(n) filter (where dayofweek(d) between 1 and 5) from daily""",
    )
    assert weekend > 1.1
    season = _one(
        root,
        """
        with daily as (select event_ts::date as d, count(*) as n from events group by 1)
        select avg(n) filter (where month(d) in (11, 12))
             / avg(n) filter (where month(d) in (6, 7, 8)) from daily""",
    )
    assert season > 1.4
    evening = _one(
        root,
        """select avg((hour(event_ts) between 18 and 22)::int)
                            / avg((hour(event_ts) between 2 and 6)::int) from events""",
    )
    assert evening > 4


def test_anonymous_browsing_before_signup_is_stitchable(clean: tuple[Path, dict]) -> None:
    stitched = _one(
        clean[0],
        """
        with known as (
            select distinct anonymous_id, customer_id from events where customer_id is not null)
        select count(distinct k.customer_id)
        from events e
        join known k using (anonymous_id)
        join customers c on c.customer_id = k.customer_id
        where e.customer_id is null and e.event_ts < c.signup_at""",
    )
    signed_up_in_window = _one(
        clean[0], "select count(*) from customers where signup_at >= '2024-11-01'"
    )
    assert stitched > 0.4 * signed_up_in_window


def test_sessions_carry_campaigns_only_on_landing(clean: tuple[Path, dict]) -> None:
    root = clean[0]
    share = _one(
        root,
        """select avg((utm_campaign is not null)::int) from events
                          where page_url like '%utm_campaign=%'""",
    )
    assert share == 1
    campaigns = {r[0] for r in _sql(root, "select distinct utm_campaign from events")}
    assert {"black_friday_2025", "spring_sale_2026", "newsletter_2026_03"} <= campaigns
    mediums = {r[0] for r in _sql(root, "select distinct utm_medium from events")}
    assert {"cpc", "email", "affiliate", None} <= mediums


def test_signup_events_happen_at_signup_and_some_devices_are_shared(clean) -> None:
    root = clean[0]
    mismatched = """select count(*) from events e join customers c using (customer_id)
                    where e.event_type = 'signup' and e.event_ts != c.signup_at"""
    assert _one(root, mismatched) == 0
    in_window = "select count(*) from customers where signup_at >= '2024-11-01'"
    signups = "select count(*) from events where event_type = 'signup'"
    assert _one(root, signups) > 0.9 * _one(root, in_window)
    shared = """select count(*) from (select anonymous_id from events where customer_id is not null
                group by 1 having count(distinct customer_id) > 1)"""
    assert _one(root, shared) >= 3


def test_cli_generates_through_the_demo_package(tmp_path: Path) -> None:
    from rawdata.__main__ import main

    assert main(["generate", "--out", str(tmp_path / "raw"), "--customers", "50"]) == 0
    assert (tmp_path / "truth" / "customers_truth.parquet").exists()
