"""A scratch folder and DuckDB connection in which one import maps staged files onto the contract.

The mapping itself (joins, de-duplication, aggregation) is set-based work, so it is written in SQL
over the staged Parquet files; DuckDB spills to the scratch folder, so an export larger than memory
still imports. Output is streamed into the contract's `TableWriter` in record batches.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from rawdata.contract import TableWriter
from rawdata.importers.csvsource import Field, stage_csv, stage_whitespace, staging_schema
from rawdata.importers.report import SAMPLE_LIMIT, FileReport, ImportReport, TableReport

log = logging.getLogger(__name__)

BATCH_ROWS = 100_000


def _literal(path: Path) -> str:
    """A path as a SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def _sql_type(data_type: pa.DataType) -> str:
    mapping = {pa.string(): "varchar", pa.float64(): "double", pa.int64(): "bigint"}
    return mapping.get(data_type, "timestamp")


class Workspace:
    """Owns the scratch folder (under `out`, where there is room for the data) and a connection."""

    def __init__(self, out: Path, report: ImportReport) -> None:
        self.out = Path(out)
        self.report = report
        self.out.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="_import-scratch-", dir=self.out))
        self.con = duckdb.connect()
        self.con.execute(f"set temp_directory = {_literal(self.scratch / 'spill')}")

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def stage(
        self,
        view: str,
        paths: Sequence[Path],
        fields: Sequence[Field],
        table: TableReport,
        columns: Sequence[str] | None = None,
    ) -> int:
        """Stage CSV files as view `view`; no files gives an empty view with the same columns.

        With `columns`, the files are whitespace-separated with those columns instead of CSV.
        """
        staged = 0
        files = []
        for i, path in enumerate(paths):
            dest = self.scratch / f"{view}-{i}.parquet"
            file = self.report.file(path)
            if columns is None:
                staged += stage_csv(path, fields, dest, file, table)
            else:
                staged += stage_whitespace(path, fields, columns, dest, file, table)
            self._warn_about(self.report.file(path), path)
            files.append(_literal(dest))
        if files:
            self.con.execute(
                f"create view {view} as select * from read_parquet([{', '.join(files)}])"
            )
        else:
            columns = ", ".join(
                f"cast(null as {_sql_type(f.type)}) as {f.name}" for f in staging_schema(fields)
            )
            self.con.execute(f"create view {view} as select {columns} where false")
        return staged

    def _warn_about(self, file: FileReport, path: Path) -> None:
        """Say what the row accounting cannot: a file cut inside its last field, or not UTF-8."""
        if not file.ends_with_newline:
            self.report.warn(
                f"{path.name} ends without a line break (line {file.physical_lines}): a last row "
                "cut inside its final field cannot be told from a complete one"
            )
        fallback = file.decode_fallback_lines.count
        if fallback and fallback * 2 > file.physical_lines:
            self.report.warn(
                f"{fallback} of {file.physical_lines} lines of {path.name} are not UTF-8 and were "
                "read as latin-1; re-export as UTF-8 if text looks wrong"
            )

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def scalar(self, sql: str) -> Any:
        rows = self.con.sql(sql).fetchall()
        return rows[0][0]

    def reject(self, table: TableReport, sql: str) -> int:
        """Record rejects from `sql`, which yields one row per rejected source row.

        Its columns are `reason`, `_file`, `_line` and `example`; rows are grouped by reason so a
        million orphans cost one report entry with a count and a few sample lines.
        """
        grouped = f"""
            select
                reason,
                count(*) as n,
                list(_file || ':' || _line order by _file, _line)[1:10] as samples,
                arg_min(cast(example as varchar), _line) as example
            from ({sql})
            group by reason
            order by reason
        """
        total = 0
        for reason, count, samples, example in self.con.sql(grouped).fetchall():
            table.reject(reason, None, example, count=count)
            tally = table.rejected[reason]
            tally.sample_lines.extend(samples[: SAMPLE_LIMIT - len(tally.sample_lines)])
            total += count
        return total

    def write(self, table_name: str, sql: str) -> int:
        """Stream `sql` into the raw table `table_name`; return the rows written."""
        table = self.report.tables[table_name]
        reader = self.con.sql(sql).to_arrow_reader(BATCH_ROWS)
        with TableWriter(self.out, table_name) as writer:
            for batch in reader:
                writer.write(pa.Table.from_batches([batch]))
        table.rows_written += writer.rows
        table.written = True
        log.info("wrote %s: %d rows", table_name, writer.rows)
        return writer.rows

    def dedupe(self, view: str, keys: Sequence[str], table: TableReport) -> str:
        """Materialise `view` keeping the first row per key (by file and line); reject the rest.

        A key seen twice in one export is either a re-sent row or a conflict; either way the
        warehouse needs one row, and the first is the one a reader of the file would find.
        """
        name = f"{view}_unique"
        key_list = ", ".join(keys)
        rank = f"row_number() over (partition by {key_list} order by _file, _line)"
        self.execute(f"create temp table {name} as select * from {view} qualify {rank} = 1")
        self.reject(
            table,
            f"""
            select 'duplicate {"/".join(keys)} (first kept)' as reason, _file, _line,
                concat_ws('|', {key_list}) as example
            from {view}
            qualify {rank} > 1
            """,
        )
        return name
