"""Read a CSV export row by row into a typed Parquet staging file, reporting what does not parse.

Bulk CSV readers either stop at the first bad row or drop it silently. A shop export needs the
middle road: keep going, and say which line was dropped and why. So each physical line is decoded on
its own (UTF-8, falling back to latin-1 for the lines that are not), records are checked against the
header, values are parsed in Python, and rows are streamed to Parquet in chunks so that memory stays
flat however large the export. Every staged row keeps its file name and first line number, which is
how later rejects (an orphan order item, a duplicate key) point back at the source.

Older systems export whitespace-separated text without quoting instead (CDNOW's transaction log);
`stage_whitespace` reads those with the same decoding, accounting and staging.
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from rawdata.contract import TS
from rawdata.importers.report import FileReport, TableReport

log = logging.getLogger(__name__)

CHUNK_ROWS = 100_000
INT32_MAX = 2**31 - 1


def parse_timestamp(text: str) -> datetime:
    """ISO-like timestamps, with REES46's ' UTC' suffix; aware values become naive UTC."""
    text = text.strip()
    if text.endswith(" UTC"):
        text = text[:-4]
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def parse_int(text: str) -> int:
    """Integers, also written as '2.0' by exports that went through a float column."""
    try:
        value = int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        value = int(number)
    if abs(value) > INT32_MAX:
        raise ValueError(f"out of int32 range: {text!r}")
    return value


KINDS: dict[str, tuple[pa.DataType, Callable[[str], Any]]] = {
    "id": (pa.string(), str.strip),
    "text": (pa.string(), lambda text: text),
    "ts": (TS, parse_timestamp),
    "float": (pa.float64(), parse_float),
    "int": (pa.int64(), parse_int),
}


@dataclass(frozen=True)
class Field:
    """One source column to stage.

    `required` means the file must have the column and every row a parseable value; a row without
    one is rejected. An optional column may be absent (it is staged as nulls, and reported) and an
    unparseable optional value becomes null (and is reported), because the rest of the row is still
    worth keeping.
    """

    name: str
    kind: str = "id"
    required: bool = False

    @property
    def type(self) -> pa.DataType:
        return KINDS[self.kind][0]


def staging_schema(fields: Sequence[Field]) -> pa.Schema:
    return pa.schema(
        [pa.field(f.name, f.type) for f in fields]
        + [pa.field("_file", pa.string()), pa.field("_line", pa.int64())]
    )


class _Lines:
    """Decoded physical lines, counting them and remembering whether the file ended mid-line."""

    def __init__(self, handle: IO[bytes], report: FileReport, name: str) -> None:
        self._handle = handle
        self._report = report
        self._name = name
        self.number = 0
        self.at_end = False
        self.last_terminated = True

    def __iter__(self) -> Iterator[str]:
        lines = iter(self._handle)
        current = next(lines, None)
        while current is not None:
            following = next(lines, None)
            self.number += 1
            self.at_end = following is None
            self.last_terminated = current.endswith(b"\n")
            yield self._decode(current)
            current = following

    def _decode(self, raw: bytes) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            # latin-1 maps every byte, so the line survives; mojibake is better than a lost row.
            text = raw.decode("latin-1")
            self._report.decode_fallback_lines.add(f"{self._name}:{self.number}")
        if self.number == 1:
            text = text.removeprefix("\ufeff")
        return text


def _normalise(name: str) -> str:
    return name.strip().lower()


def _plan(
    header: list[str], fields: Sequence[Field], path: Path, report: FileReport
) -> list[int | None]:
    """Column index per field: a missing required column is an error, a missing optional a note."""
    positions = {_normalise(name): i for i, name in enumerate(header)}
    missing = [f.name for f in fields if f.required and f.name not in positions]
    if missing:
        raise ValueError(
            f"{path}: required column(s) {', '.join(repr(m) for m in missing)} missing; "
            f"the header has {[h.strip() for h in header]}"
        )
    report.missing_optional_columns = [f.name for f in fields if f.name not in positions]
    wanted = {f.name for f in fields}
    report.ignored_columns = [h.strip() for h in header if _normalise(h) not in wanted]
    return [positions.get(f.name) for f in fields]


class _ChunkWriter:
    """Accumulate typed rows column-wise and write them as Parquet row groups."""

    def __init__(self, dest: Path, fields: Sequence[Field], file_name: str) -> None:
        self._fields = fields
        self._file_name = file_name
        self._schema = staging_schema(fields)
        self._writer = pq.ParquetWriter(dest, self._schema)
        self._columns: list[list[Any]] = [[] for _ in fields]
        self._lines: list[int] = []
        self.rows = 0

    def append(self, values: list[Any], line: int) -> None:
        for column, value in zip(self._columns, values, strict=True):
            column.append(value)
        self._lines.append(line)
        if len(self._lines) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._lines:
            return
        arrays = [pa.array(col, f.type) for col, f in zip(self._columns, self._fields, strict=True)]
        arrays.append(pa.array([self._file_name] * len(self._lines), pa.string()))
        arrays.append(pa.array(self._lines, pa.int64()))
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self.rows += len(self._lines)
        if self.rows % (10 * CHUNK_ROWS) < len(self._lines):
            log.info("%s: %d rows staged", self._file_name, self.rows)
        self._columns = [[] for _ in self._fields]
        self._lines = []

    def close(self) -> None:
        self.flush()
        self._writer.close()


def stage_csv(
    path: Path, fields: Sequence[Field], dest: Path, report: FileReport, table: TableReport
) -> int:
    """Stage `path` into `dest` (Parquet with `fields` plus `_file`, `_line`); return rows staged.

    Every record counts towards `table.rows_read`; the ones that cannot be staged are recorded as
    rejects of `table` with their line number, so the caller's accounting starts balanced.
    """
    name = path.name
    parsers = [KINDS[f.kind][1] for f in fields]
    with path.open("rb") as handle:
        lines = _Lines(handle, report, name)
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: the file is empty; expected a header row")
        positions = _plan(header, fields, path, report)
        width = len(header)
        writer = _ChunkWriter(dest, fields, name)
        previous_line = lines.number
        try:
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    table.rows_read += 1
                    report.records += 1
                    table.reject("csv syntax error", f"{name}:{previous_line + 1}", str(exc))
                    previous_line = lines.number
                    continue
                start, previous_line = previous_line + 1, lines.number
                if not record:
                    continue  # a blank line is not a record
                table.rows_read += 1
                report.records += 1
                location = f"{name}:{start}"
                if len(record) != width:
                    cut = lines.at_end and not lines.last_terminated
                    reason = "truncated last row" if cut else "wrong number of fields"
                    table.reject(reason, location, f"{len(record)} of {width} fields")
                    continue
                values = _parse_record(record, fields, positions, parsers, location, report, table)
                if values is not None:
                    writer.append(values, start)
        finally:
            writer.close()
    report.physical_lines = lines.number
    report.ends_with_newline = lines.last_terminated
    log.info("staged %s: %d records, %d kept", name, report.records, writer.rows)
    return writer.rows


def stage_whitespace(
    path: Path,
    fields: Sequence[Field],
    columns: Sequence[str],
    dest: Path,
    report: FileReport,
    table: TableReport,
) -> int:
    """Stage a whitespace-separated file without quoting whose columns are `columns`, in order.

    Such files often have no header, so the layout is given; a first line that spells the column
    names is a header and skipped. Accounting is as in `stage_csv`: every non-blank line is a
    record, and one with the wrong number of values or an unparseable required value is rejected
    with its line number.
    """
    name = path.name
    parsers = [KINDS[f.kind][1] for f in fields]
    positions = _plan(list(columns), fields, path, report)
    header = [_normalise(column) for column in columns]
    writer = _ChunkWriter(dest, fields, name)
    with path.open("rb") as handle:
        lines = _Lines(handle, report, name)
        try:
            for text in lines:
                record = text.split()
                if not record:
                    continue  # a blank line is not a record
                if lines.number == 1 and [_normalise(value) for value in record] == header:
                    continue
                table.rows_read += 1
                report.records += 1
                location = f"{name}:{lines.number}"
                if len(record) != len(columns):
                    table.reject(
                        "wrong number of fields", location, f"{len(record)} of {len(columns)}"
                    )
                    continue
                values = _parse_record(record, fields, positions, parsers, location, report, table)
                if values is not None:
                    writer.append(values, lines.number)
        finally:
            writer.close()
    if lines.number == 0:
        raise ValueError(f"{path}: the file is empty")
    report.physical_lines = lines.number
    report.ends_with_newline = lines.last_terminated
    log.info("staged %s: %d records, %d kept", name, report.records, writer.rows)
    return writer.rows


def _parse_record(
    record: list[str],
    fields: Sequence[Field],
    positions: list[int | None],
    parsers: list[Callable[[str], Any]],
    location: str,
    report: FileReport,
    table: TableReport,
) -> list[Any] | None:
    """Typed values of one record, or None after recording why it was rejected."""
    values: list[Any] = []
    for field, position, parse in zip(fields, positions, parsers, strict=True):
        raw = "" if position is None else record[position]
        if raw == "" or raw.isspace():
            if field.required:
                table.reject(f"missing {field.name}", location)
                return None
            values.append(None)
            continue
        try:
            values.append(parse(raw))
        except (ValueError, OverflowError):
            if field.required:
                table.reject(f"unparseable {field.name}", location, raw)
                return None
            report.null_value(field.name, location, raw)
            values.append(None)
    return values
