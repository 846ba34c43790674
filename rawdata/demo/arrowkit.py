"""Small vectorised helpers that turn numpy arrays into Arrow string and timestamp columns.

Tens of millions of ids, urls and timestamps cannot be built as Python strings in time, so every
string column is made by Arrow compute kernels (pad, join, take from a small vocabulary).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TS = pa.timestamp("us")


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + zero-padded number, e.g. ids("C", [1], 7) -> "C0000001"."""
    digits = pc.utf8_lpad(
        pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0"
    )
    return pc.binary_join_element_wise(prefix, digits, "")


def timestamps(us: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Naive microsecond timestamps; `mask` True marks nulls."""
    return pa.array(np.asarray(us, dtype=np.int64), type=pa.int64(), mask=mask).cast(TS)


def take(
    vocab: Sequence[str] | pa.Array, idx: np.ndarray, mask: np.ndarray | None = None
) -> pa.Array:
    """vocab[idx] as an Arrow string array, null where `mask` is True."""
    values = vocab if isinstance(vocab, pa.Array) else pa.array(list(vocab), pa.string())
    indices = pa.array(np.asarray(idx, dtype=np.int64), mask=mask)
    return values.take(indices)


def join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation; a null part makes the result null."""
    return pc.binary_join_element_wise(*parts, sep)


def where(mask: np.ndarray, a: pa.Array | str | None, b: pa.Array | str | None) -> pa.Array:
    """a where mask else b, for string columns (None means null)."""

    def scalar(x: pa.Array | str | None) -> pa.Array | pa.Scalar:
        return pa.scalar(x, pa.string()) if x is None or isinstance(x, str) else x

    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), scalar(a), scalar(b))


def nulls_where(values: np.ndarray, mask: np.ndarray, type_: pa.DataType) -> pa.Array:
    """A numeric column with nulls where `mask` is True."""
    return pa.array(values, mask=np.asarray(mask, dtype=bool), type=type_)
