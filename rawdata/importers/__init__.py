"""Importers that map real shop exports onto the raw data contract.

This is the documented way to bring your own data: one module per export format reads the files,
maps what it can onto the contract's tables, writes every contract table (empty where the shop has
no such data) and returns a report of what it read, wrote, rejected and derived. Rows that do not
fit are reported, not fatal; only an export that lacks a required file or column is an error.
To add a format, write a module with an `import_<format>(src, out, report)` function and register
it in `IMPORTERS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rawdata.contract import write_table
from rawdata.importers.olist import import_olist
from rawdata.importers.rees46 import import_rees46
from rawdata.importers.report import REPORT_NAME, ImportReport

__all__ = ["IMPORTERS", "REPORT_NAME", "run_import"]

log = logging.getLogger(__name__)

IMPORTERS: dict[str, Callable[[Path, Path, ImportReport], None]] = {
    "olist": import_olist,
    "rees46": import_rees46,
}


def run_import(source: str, src: Path, out: Path) -> dict[str, Any]:
    """Import the `source`-format export at `src` into the raw directory `out`; return the report.

    The report is also written to `out/_import_report.json` (the leading underscore keeps it apart
    from the raw tables), so a warehouse built from `out` can be traced back to its import.
    """
    try:
        importer = IMPORTERS[source]
    except KeyError:
        raise ValueError(f"unknown export format {source!r}; known: {sorted(IMPORTERS)}") from None
    src, out = Path(src), Path(out)
    if not src.exists():
        raise ValueError(f"{source} export not found: {src}")
    log.info("importing %s export %s into %s", source, src, out)
    report = ImportReport(source=source, src=str(src), out=str(out))
    importer(src, out, report)
    for name, table in report.tables.items():
        if not table.written:
            write_table(out, name, None)
            table.written = True
            table.source = table.source or f"not in a {source} export: written empty"
    report.check_balances()
    path = report.write(out)
    log.info("import report: %s", path)
    for warning in report.warnings:
        log.warning(warning)
    return report.to_dict()
