"""Text embeddings for the warehouse, each distinct text encoded once per model, ever.

Reviews and tickets mostly stay the same between builds, so embeddings are cached on disk keyed by
(model id, sha256 of the text): a rebuild encodes only new or edited texts. Within a run identical
texts are encoded once, and texts are batched by length (longest first) so batches carry little
padding and an out-of-memory batch shows up at the start rather than after an hour.

Missing texts (None, NaN) are an error: a missing review body has no sentiment, and inventing a
vector for it would give it one. Filter them upstream (`where body is not null`). Empty strings
are real texts and are encoded like any other, always to the same vector.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ml.artifacts import artifacts_root
from ml.device import DeviceConfig

CACHE_DIRECTORY = "embedding_cache"

logger = logging.getLogger(__name__)


class Encoder(Protocol):
    """What `embed_texts` needs from a model; `ml.text_models.TextEncoder` is one."""

    model_id: str
    dimension: int

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbeddingCache:
    """Embeddings on disk as `<directory>/<model_id>/part-*.parquet` (key, embedding) files.

    Each run appends a new part, written to a temporary name and renamed, so readers never see a
    half-written file and concurrent builds never overwrite each other. Lookups keep only the
    rows asked for from each part. When parts pile up they are merged into one. A part that
    vanishes while being read was merged by another run: its rows are then simply re-encoded,
    never wrong.
    """

    def __init__(self, directory: str | os.PathLike[str], max_parts: int = 32) -> None:
        self.directory = Path(directory)
        self.max_parts = max_parts

    @classmethod
    def in_artifacts(cls, root: str | os.PathLike[str] | None = None) -> EmbeddingCache:
        """The cache under the artifact root (`ml_artifacts_dir` / $ML_ARTIFACTS_DIR)."""
        return cls(artifacts_root(root) / CACHE_DIRECTORY)

    def lookup(self, model_id: str, keys: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """Positions in `keys` that are cached, and their embeddings in the same order."""
        index: dict[bytes, int] = {}
        matrices: list[np.ndarray] = []
        rows = 0
        wanted = pa.array(keys, type=pa.binary(32))
        for part in self._parts(model_id) if keys else []:
            table = _read(part)
            if table is None:
                continue
            table = table.filter(pc.is_in(table["key"], value_set=wanted))
            if table.num_rows == 0:
                continue
            matrices.append(_matrix(table["embedding"]))
            found_rows = range(rows, rows + table.num_rows)
            index.update(zip(table["key"].to_pylist(), found_rows, strict=True))
            rows += table.num_rows
        found = [(position, index[key]) for position, key in enumerate(keys) if key in index]
        if not found:
            return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32)
        positions, matrix_rows = (np.asarray(column) for column in zip(*found, strict=True))
        return positions, np.concatenate(matrices)[matrix_rows]

    def add(self, model_id: str, keys: Sequence[bytes], embeddings: np.ndarray) -> None:
        """Store new embeddings (float32, one row per key) as a new part."""
        if not keys:
            return
        embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        table = pa.table(
            {
                "key": pa.array(keys, type=pa.binary(32)),
                "embedding": pa.FixedSizeListArray.from_arrays(
                    pa.array(embeddings.ravel()), embeddings.shape[1]
                ),
            }
        )
        self._write(model_id, table)
        parts = self._parts(model_id)
        if len(parts) > self.max_parts:
            self._compact(model_id, parts)

    def _parts(self, model_id: str) -> list[Path]:
        return sorted((self.directory / model_id).glob("part-*.parquet"))

    def _write(self, model_id: str, table: pa.Table) -> None:
        folder = self.directory / model_id
        folder.mkdir(parents=True, exist_ok=True)
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        temporary = folder / f".{name}.tmp"
        pq.write_table(table, temporary, compression="none")
        os.replace(temporary, folder / name)

    def _compact(self, model_id: str, parts: list[Path]) -> None:
        """Merge parts into one, keeping the newest row of a key written twice by racing runs."""
        tables = [table for table in map(_read, parts) if table is not None]
        if not tables:
            return
        merged = pa.concat_tables(tables)
        duplicated = pd.Series(merged["key"].to_pylist()).duplicated(keep="last").to_numpy()
        self._write(model_id, merged.filter(pa.array(~duplicated)))
        for part in parts:
            part.unlink(missing_ok=True)
        logger.info("embedding cache: merged %d parts of %s", len(parts), model_id)


def embed_texts(
    texts: Sequence[str],
    encoder: Encoder,
    device: DeviceConfig,
    cache: EmbeddingCache | None = None,
    *,
    log_every: int = 50,
    save_every: int = 50_000,
) -> np.ndarray:
    """Unit-length float32 embeddings, shape (len(texts), encoder.dimension), in input order.

    New embeddings are saved to `cache` every `save_every` texts, so an interrupted run keeps
    most of its work.
    """
    require_strings(texts)
    started = time.perf_counter()
    codes, distinct = pd.factorize(pd.Series(list(texts), dtype=object), sort=False)
    keys = [text_key(text) for text in distinct]
    vectors = np.empty((len(distinct), encoder.dimension), dtype=np.float32)
    todo = np.ones(len(distinct), dtype=bool)
    if cache is not None:
        positions, cached = cache.lookup(encoder.model_id, keys)
        if len(positions):
            vectors[positions] = cached
            todo[positions] = False
    pending = np.flatnonzero(todo)
    from_cache = len(distinct) - len(pending)
    unsaved: list[int] = []
    encoded = 0
    for number, batch in enumerate(length_sorted_batches(distinct[pending], device.batch_size), 1):
        rows = pending[batch]
        vectors[rows] = encoder.encode_batch([distinct[row] for row in rows])
        encoded += len(rows)
        unsaved.extend(rows.tolist())
        if cache is not None and len(unsaved) >= save_every:
            cache.add(encoder.model_id, [keys[row] for row in unsaved], vectors[unsaved])
            unsaved = []
        if number % log_every == 0:
            rate = encoded / (time.perf_counter() - started)
            logger.info("embedding: %d/%d texts encoded, %.0f texts/s", encoded, len(pending), rate)
    if cache is not None and unsaved:
        cache.add(encoder.model_id, [keys[row] for row in unsaved], vectors[unsaved])
    seconds = time.perf_counter() - started
    logger.info(
        "embedding: %d texts (%d distinct) with %s on %s: %d from cache, %d encoded in %.1fs "
        "(%.0f texts/s)",
        len(codes),
        len(distinct),
        encoder.model_id,
        device.describe(),
        from_cache,
        encoded,
        seconds,
        encoded / seconds if seconds > 0 else 0.0,
    )
    return vectors[codes]


def length_sorted_batches(texts: Sequence[str], batch_size: int) -> Iterator[np.ndarray]:
    """Positions of `texts` in batches of similar length, longest first, to minimise padding.

    Character length stands in for token length: close enough to group texts, and it avoids
    tokenising everything twice.
    """
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
    order = np.argsort(-lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def text_key(text: str) -> bytes:
    """The cache key of a text: sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).digest()


def require_strings(texts: Sequence[object]) -> None:
    """Fail on missing texts, naming how many and the first position, before any model runs."""
    missing = [(position, text) for position, text in enumerate(texts) if not isinstance(text, str)]
    if missing:
        position, value = missing[0]
        raise ValueError(
            f"{len(missing)} of {len(texts)} texts are missing or not strings (first at position "
            f"{position}: {value!r}); drop them upstream, e.g. `where body is not null`, since a "
            "missing text has no embedding or sentiment"
        )


def _read(part: Path) -> pa.Table | None:
    try:
        return pq.read_table(part, memory_map=True)
    except FileNotFoundError:
        return None


def _matrix(column: pa.ChunkedArray) -> np.ndarray:
    dimension = column.type.list_size
    flat = column.combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return flat.reshape(-1, dimension).astype(np.float32, copy=False)
