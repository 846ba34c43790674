"""Importers that map real shop exports onto the raw data contract.

This is the documented way to bring your own data: one module per export format reads the files,
maps what it can onto the contract's tables, writes every contract table (empty where the shop has
no such data) and returns a report of what it read, wrote, rejected and derived. Rows that do not
fit are reported, not fatal; only an export that lacks a required file or column is an error.
To add a format, write a module with an `import_<format>(src, out, report)` function and register
it in `IMPORTERS`; a format with a well-known public copy may register where to find it in
`DEFAULT_SOURCES`, so that `src` can be left out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rawdata.contract import write_table
from rawdata.importers import cdnow
from rawdata.importers.olist import import_olist
from rawdata.importers.rees46 import import_rees46
from rawdata.importers.report import REPORT_NAME, ImportReport

__all__ = ["DEFAULT_SOURCES", "IMPORTERS", "REPORT_NAME", "run_import"]

log = logging.getLogger(__name__)

IMPORTERS: dict[str, Callable[[Path, Path, ImportReport], None]] = {
    "olist": import_olist,
    "rees46": import_rees46,
    "cdnow": cdnow.import_cdnow,
}
# Where to read a format from when no `src` is given.
DEFAULT_SOURCES: dict[str, Callable[[], Path]] = {
    "cdnow": cdnow.default_source,
}


def run_import(source: str, src: Path | None, out: Path) -> dict[str, Any]:
    """Import the `source`-format export at `src` into the raw directory `out`; return the report.

    `src` may be None for a format with a default source (DEFAULT_SOURCES). The report is also
    written to `out/_import_report.json` (the leading underscore keeps it apart from the raw
    tables), so a warehouse built from `out` can be traced back to its import.
    """
    try:
        importer = IMPORTERS[source]
    except KeyError:
        raise ValueError(f"unknown export format {source!r}; known: {sorted(IMPORTERS)}") from None
    if src is None:
        if source not in DEFAULT_SOURCES:
            raise ValueError(f"a {source} import needs the export to read (--src)")
        src = DEFAULT_SOURCES[source]()
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
