"""The import report: what was read, written, rejected, merged and derived, table by table.

A real export never fits a contract perfectly. Instead of failing on the first odd row, the
importers keep every row they can and account for every row they cannot, so a user can judge whether
the warehouse built on top is fit for their questions. Each table balances:
`rows_read + rows_added == rows_written + rows_rejected + rows_merged`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rawdata.contract import TABLES

REPORT_NAME = "_import_report.json"
SAMPLE_LIMIT = 10
EXAMPLE_CHARS = 120


@dataclass
class Tally:
    """A count with a few sample locations ("file.csv:line") and one example, so it can be found."""

    count: int = 0
    sample_lines: list[str] = field(default_factory=list)
    example: str | None = None

    def add(self, location: str | None, example: str | None = None, count: int = 1) -> None:
        self.count += count
        if location is not None and len(self.sample_lines) < SAMPLE_LIMIT:
            self.sample_lines.append(location)
        if self.example is None and example is not None:
            self.example = example[:EXAMPLE_CHARS]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"count": self.count, "sample_lines": self.sample_lines}
        if self.example is not None:
            out["example"] = self.example
        return out


@dataclass
class TableReport:
    """Row accounting for one contract table.

    `rows_merged` counts source rows folded into another output row by design (Olist's one
    customer_id per order collapsing onto customer_unique_id, events aggregated into products);
    `rows_added` counts rows synthesised so references hold (a product known only from order items).
    """

    source: str = ""
    rows_read: int = 0
    rows_written: int = 0
    rows_merged: int = 0
    rows_added: int = 0
    rejected: dict[str, Tally] = field(default_factory=dict)
    derived_fields: dict[str, str] = field(default_factory=dict)
    written: bool = False

    def reject(
        self, reason: str, location: str | None, example: str | None = None, count: int = 1
    ) -> None:
        self.rejected.setdefault(reason, Tally()).add(location, example, count)

    @property
    def rows_rejected(self) -> int:
        return sum(t.count for t in self.rejected.values())

    @property
    def balanced(self) -> bool:
        return (
            self.rows_read + self.rows_added
            == self.rows_written + self.rows_rejected + self.rows_merged
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "rows_rejected": self.rows_rejected,
            "rows_merged": self.rows_merged,
            "rows_added": self.rows_added,
            "rejected": {reason: t.to_dict() for reason, t in sorted(self.rejected.items())},
            "derived_fields": self.derived_fields,
        }


@dataclass
class FileReport:
    """What reading one file took: encoding fallbacks, absent or extra columns, nulled values."""

    path: str
    records: int = 0
    physical_lines: int = 0
    ends_with_newline: bool = True
    decode_fallback_lines: Tally = field(default_factory=Tally)
    missing_optional_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    nulled_values: dict[str, Tally] = field(default_factory=dict)

    def null_value(self, column: str, location: str, example: str) -> None:
        self.nulled_values.setdefault(column, Tally()).add(location, example)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "records": self.records,
            "physical_lines": self.physical_lines,
            "ends_with_newline": self.ends_with_newline,
            "decode_fallback_lines": self.decode_fallback_lines.to_dict(),
            "missing_optional_columns": self.missing_optional_columns,
            "ignored_columns": self.ignored_columns,
            "nulled_values": {c: t.to_dict() for c, t in sorted(self.nulled_values.items())},
        }


@dataclass
class ImportReport:
    """The whole import: returned by `run_import` and written beside the raw tables."""

    source: str
    src: str
    out: str
    files: dict[str, FileReport] = field(default_factory=dict)
    tables: dict[str, TableReport] = field(
        default_factory=lambda: {t: TableReport() for t in TABLES}
    )
    warnings: list[str] = field(default_factory=list)

    def file(self, path: Path) -> FileReport:
        return self.files.setdefault(path.name, FileReport(path=str(path)))

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def check_balances(self) -> None:
        """Flag any table whose counts do not add up: that is an importer bug, not a data defect."""
        for name, table in self.tables.items():
            if not table.balanced:
                self.warn(f"row accounting for {name} does not balance: {table.to_dict()}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "src": self.src,
            "out": self.out,
            "tables": {name: t.to_dict() for name, t in self.tables.items()},
            "files": {name: f.to_dict() for name, f in self.files.items()},
            "warnings": self.warnings,
        }

    def write(self, directory: Path) -> Path:
        path = Path(directory) / REPORT_NAME
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return path
