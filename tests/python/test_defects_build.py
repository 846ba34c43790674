"""Demo data with injected defects builds, and every defect lands in quarantine with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import dbt_build

from rawdata.demo import generate

pytestmark = pytest.mark.integration

# Injected defect type -> the quarantine reason family the staging checks give it.
EXPECTED_REASON = {
    "null_key": "missing_",
    "duplicate_row": "duplicate_",
    "future_timestamp": "future_",
    "orphan_fk": "orphan_",
    "negative_price": "negative_",
    "huge_text": "oversized_text",
    "bad_encoding": "damaged_text_encoding",
}
# Defects the warehouse keeps on purpose: an empty review body is "no text", and damaged names
# do not make a customer invalid.
KEPT = {("reviews", "empty_text"), ("support_tickets", "empty_text"), ("customers", "bad_encoding")}


@pytest.fixture(scope="module")
def defective(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    """Demo data at a 3% defect rate, built once; yields the warehouse and the defects file."""
    root = tmp_path_factory.mktemp("defects")
    generate(
        out_dir=root / "raw",
        customers=1500,
        seed=7,
        defect_rate=0.03,
        start=date(2024, 11, 1),
        end=date(2026, 10, 31),
        truth_dir=root / "truth",
    )
    warehouse = duckdb.connect(str(dbt_build(root / "raw", root)), read_only=True)
    yield warehouse, root / "truth" / "defects.parquet"
    warehouse.close()


def test_defects_are_quarantined_with_their_reason(
    defective: tuple[duckdb.DuckDBPyConnection, Path],
) -> None:
    warehouse, defects_path = defective
    defects = duckdb.sql(f"select * from read_parquet('{defects_path}')").df()
    quarantine = warehouse.sql(
        "select source_table, record_key, quarantine_reason from staging.stg_shop__quarantine"
    ).df()
    assert len(defects) > 0

    for (table, defect_type), injected in defects.groupby(["table", "defect_type"]):
        if (table, defect_type) in KEPT:
            continue
        prefix = EXPECTED_REASON[defect_type]
        rows = quarantine[quarantine.source_table == table]
        matching = rows.quarantine_reason.str.startswith(prefix).sum()
        # A row with two defects is quarantined for the first check it fails, so allow a little.
        assert matching >= 0.9 * len(injected), (table, defect_type, matching, len(injected))
        keyed = injected.record_key.dropna()
        missed = set(keyed) - set(rows.record_key.dropna())
        if defect_type != "duplicate_row":
            assert not missed, f"{table} {defect_type}: not quarantined: {sorted(missed)[:5]}"


def test_empty_texts_are_kept_as_null(defective: tuple[duckdb.DuckDBPyConnection, Path]) -> None:
    warehouse, defects_path = defective
    defects = duckdb.sql(
        f"select record_key from read_parquet('{defects_path}') "
        "where \"table\" = 'reviews' and defect_type = 'empty_text'"
    ).fetchall()
    keys = [row[0] for row in defects if row[0] is not None]
    assert keys
    bodies = warehouse.execute(
        "select review_body from staging.stg_shop__reviews where review_id = any($keys)",
        {"keys": keys},
    ).fetchall()
    assert bodies and all(body is None for (body,) in bodies)
