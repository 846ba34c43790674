"""Rows of the text tables (embeddings and sentiment) that the dbt Python models return.

The dbt models only read relations and hand DataFrames here. Texts are composed from several
columns (a review's title and body), hashed, and compared with what the incremental table already
holds, so that only new or changed texts are embedded and scored, and rows of another model
than the one in use are computed again, so a table never mixes models. Rows without any text are
kept with status `skipped_no_text` rather than dropped, so every input row is accounted for.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ml.artifacts import ArtifactMetadata, ArtifactStore
from ml.device import DeviceConfig, resolve_device
from ml.embeddings import EmbeddingCache, embed_texts
from ml.onnx_encoder import OnnxTextEncoder
from ml.sentiment import SentimentConfig, classify_texts, fit_sentiment, sentiment_frame
from ml.settings import MLSettings
from ml.text_models import TextEncoder, load_sequence_classifier, load_text_encoder

EMBEDDED = "embedded"
SCORED = "scored"
SKIPPED_NO_TEXT = "skipped_no_text"

SENTIMENT_COLUMNS = [
    ("text_hash", pa.string()),
    ("sentiment_label", pa.string()),
    ("p_negative", pa.float64()),
    ("p_neutral", pa.float64()),
    ("p_positive", pa.float64()),
    ("sentiment_score", pa.float64()),
    ("model_name", pa.string()),
    ("model_version", pa.string()),
    ("status", pa.string()),
    ("scored_at", pa.timestamp("us")),
]

logger = logging.getLogger(__name__)


@dataclass
class TextModels:
    """Device, encoder, embedding cache and artifact store for one dbt model run.

    The encoder loads on first use: a sentiment run with nothing new never touches it.
    """

    settings: MLSettings

    @cached_property
    def device(self) -> DeviceConfig:
        device = resolve_device(self.settings.device)
        logger.info("ml device: %s", device.describe())
        return device

    @cached_property
    def encoder(self) -> TextEncoder | OnnxTextEncoder:
        encoder = load_text_encoder(self.settings.embedding_model_path, self.device)
        if self.settings.embedding_backend == "onnxruntime":
            return OnnxTextEncoder(encoder, self.settings.artifacts_dir)
        return encoder

    @cached_property
    def cache(self) -> EmbeddingCache:
        return EmbeddingCache.in_artifacts(self.settings.artifacts_dir)

    @cached_property
    def store(self) -> ArtifactStore:
        return ArtifactStore(self.settings.artifacts_dir)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return embed_texts(list(texts), self.encoder, self.device, self.cache)


def compose_texts(frame: pd.DataFrame, text_columns: Sequence[str]) -> pd.Series:
    """The non-empty text columns of each row joined by newlines; None when all are empty.

    The result has object dtype so that a missing text stays None (a string dtype would turn it
    into a float NaN).
    """

    def join(row: Sequence[object]) -> str | None:
        present = [str(value).strip() for value in row if not pd.isna(value)]
        present = [value for value in present if value]
        return "\n".join(present) if present else None

    rows = frame[list(text_columns)].itertuples(index=False)
    return pd.Series([join(row) for row in rows], index=frame.index, dtype=object)


def text_hash(text: str | None) -> str | None:
    """sha256 of a composed text: what an incremental table compares to find changed texts."""
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def pending(
    frame: pd.DataFrame, id_column: str, hashes: pd.Series, existing: pd.DataFrame | None
) -> pd.Series:
    """True for rows whose (id, text hash) the table does not hold yet: new or edited texts.

    A row without text (null hash) that the table already holds as such is not pending either.
    """
    if existing is None or existing.empty:
        return pd.Series(True, index=frame.index)

    def keys(ids: pd.Series, text_hashes: pd.Series) -> list[tuple[object, str]]:
        nulls = pd.isna(text_hashes).to_numpy()
        values = np.where(nulls, "", text_hashes.astype(object).to_numpy())
        return list(zip(ids.to_numpy(), values, strict=True))

    known = set(keys(existing[id_column], existing["text_hash"]))
    todo = [key not in known for key in keys(frame[id_column], hashes)]
    return pd.Series(todo, index=frame.index)


def incremental_state(
    session: Any, this: object, id_column: str, current_ids: pd.Series, columns: Sequence[str]
) -> pd.DataFrame:
    """What the incremental table `this` holds (id and `columns`), after dropping the rows whose
    input is gone; the model then computes only what `pending` finds new or changed."""
    existing = session.sql(f"select {id_column}, {', '.join(columns)} from {this}").df()
    drop_removed(session, this, id_column, current_ids, existing)
    return existing


def drop_removed(
    session: Any, this: object, id_column: str, current_ids: pd.Series, existing: pd.DataFrame
) -> int:
    """Delete rows of the incremental table `this` whose id is gone from its input (a deleted or
    newly quarantined row), so the table keeps one row per current input row; returns how many.

    An incremental model only returns new rows, so without this a removed review would keep its
    embedding or sentiment forever.
    """
    removed = sorted(set(existing[id_column]) - set(current_ids))
    if removed:
        session.execute(f"delete from {this} where {id_column} = any(?)", [removed])
        logger.info("%s: %d rows dropped whose input is gone", id_column, len(removed))
    return len(removed)


def embedding_table(
    frame: pd.DataFrame,
    id_column: str,
    text_columns: Sequence[str],
    models: TextModels,
    existing: pd.DataFrame | None = None,
) -> pa.Table:
    """One row per new or changed input row: its unit-length embedding, or why there is none.

    When `existing` has a model_version column, rows embedded by another encoder than the
    configured one count as changed, so a new encoder never leaves vectors of two models (two
    different spaces) in one table.
    """
    if existing is not None and not existing.empty and "model_version" in existing:
        versions = existing["model_version"]
        stale = (versions.notna() & (versions != models.encoder.model_id)).to_numpy()
        if stale.any():
            logger.info(
                "%s: %d rows were embedded by another encoder (%s); embedding them with %s",
                id_column,
                int(stale.sum()),
                ", ".join(sorted(set(versions[stale]))),
                models.encoder.model_id,
            )
            existing = existing[~stale]
    texts = compose_texts(frame, text_columns)
    hashes = pd.Series([text_hash(text) for text in texts], index=texts.index, dtype=object)
    todo = pending(frame, id_column, hashes, existing)
    frame, texts, hashes = frame[todo], texts[todo], hashes[todo]
    has_text = texts.notna().to_numpy()
    dimension = None
    vectors: list[list[float] | None] = [None] * len(frame)
    model_id = None
    if has_text.any():
        embedded = models.embed(texts[has_text].tolist())
        dimension, model_id = embedded.shape[1], models.encoder.model_id
        for position, vector in zip(np.flatnonzero(has_text), embedded, strict=True):
            vectors[position] = vector
    logger.info(
        "%s: %d rows to embed (%d without text), %d already current",
        id_column,
        int(has_text.sum()),
        int((~has_text).sum()),
        int((~todo).sum()),
    )
    return pa.table(
        {
            id_column: pa.array(frame[id_column].tolist(), pa.string()),
            "text_hash": pa.array(hashes.tolist(), pa.string()),
            "embedding": pa.array(vectors, pa.list_(pa.float32())),
            "embedding_dimension": pa.array(
                [dimension if text else None for text in has_text], pa.int32()
            ),
            "model_name": pa.array([_model_name(model_id)] * len(frame), pa.string()),
            "model_version": pa.array([model_id] * len(frame), pa.string()),
            "status": pa.array(
                [EMBEDDED if text else SKIPPED_NO_TEXT for text in has_text], pa.string()
            ),
            "embedded_at": pa.array([_now()] * len(frame), pa.timestamp("us")),
        }
    )


@dataclass
class SentimentScorer:
    """The sentiment model in use: its version, and how it scores texts (ratings NaN where a
    text has none; None for texts that are never rated, such as tickets)."""

    model_version: str
    score: Callable[[list[str], np.ndarray | None], pd.DataFrame]


def sentiment_table(
    frame: pd.DataFrame,
    id_column: str,
    text_columns: Sequence[str],
    models: TextModels,
    training: pd.DataFrame,
    existing: pd.DataFrame | None = None,
    rating_column: str | None = None,
) -> pa.Table:
    """Sentiment of new or changed texts, from a model learnt on `training` (text columns + rating).

    `training` is the shop's rated reviews; reviews score themselves with it and support tickets
    borrow it. With too few rated reviews the model falls back to zero-shot and says so.
    Rows of `existing` scored by another model version than the one in use count as changed
    (as embedding_table does for another encoder), so the table never mixes models. Rated rows
    (`rating_column`) the model was trained on get their out-of-fold score.
    """
    texts = compose_texts(frame, text_columns)
    scorer = _sentiment_scorer(training, models) if texts.notna().any() else None
    if scorer is not None and existing is not None and "model_version" in existing:
        versions = existing["model_version"]
        stale = (versions.notna() & (versions != scorer.model_version)).to_numpy()
        if stale.any():
            logger.info(
                "%s: %d rows were scored by another sentiment model (%s); scoring them with %s",
                id_column,
                int(stale.sum()),
                ", ".join(sorted(set(versions[stale]))),
                scorer.model_version,
            )
            existing = existing[~stale]
    hashes = pd.Series([text_hash(text) for text in texts], index=texts.index, dtype=object)
    todo = pending(frame, id_column, hashes, existing)
    frame, texts, hashes = frame[todo], texts[todo], hashes[todo]
    has_text = texts.notna().to_numpy()
    result = pd.DataFrame({id_column: frame[id_column].to_numpy(), "text_hash": hashes.to_numpy()})
    scores = None
    if scorer is not None and has_text.any():
        ratings = None
        if rating_column is not None:
            ratings = pd.to_numeric(frame[rating_column]).to_numpy(dtype=float, na_value=np.nan)
            ratings = ratings[has_text]
        scores = scorer.score(texts[has_text].tolist(), ratings)
    columns = ["sentiment_label", "p_negative", "p_neutral", "p_positive", "sentiment_score"]
    for column in columns:
        result[column] = None
    result["model_name"] = None
    result["model_version"] = None
    if scores is not None:
        rows = np.flatnonzero(has_text)
        for column in columns:
            result.loc[rows, column] = scores[column].to_numpy()
        result.loc[rows, "model_name"] = "sentiment-" + scores["sentiment_strategy"].to_numpy()
        result.loc[rows, "model_version"] = scores["sentiment_model_version"].to_numpy()
    result["status"] = np.where(has_text, SCORED, SKIPPED_NO_TEXT)
    result["scored_at"] = pd.Timestamp(_now())
    logger.info(
        "%s: %d texts scored, %d without text",
        id_column,
        int(has_text.sum()),
        int((~has_text).sum()),
    )
    # Explicit types: an empty or all-skipped batch must still create typed columns that the
    # next incremental run can insert into.
    schema = pa.schema([(id_column, pa.string()), *SENTIMENT_COLUMNS])
    return pa.Table.from_pandas(result, schema=schema, preserve_index=False)


def _sentiment_scorer(training: pd.DataFrame, models: TextModels) -> SentimentScorer:
    """The model learnt from the rated training texts (reused when unchanged), or the configured
    classifier. Run on every build, since its version decides which rows are current; a stored
    model and cached embeddings make that cheap."""
    config = SentimentConfig(
        strategy=models.settings.sentiment_strategy,
        sequence_model_path=models.settings.sentiment_model_path,
        sequence_label_map=models.settings.sentiment_label_map,
    )
    if config.strategy == "sequence_classifier":
        classifier = load_sequence_classifier(config.sequence_model_path, models.device)
        version = classifier.model_id
        _record_untrained(models.store, version, config.strategy, config, {})

        def classify(texts: list[str], ratings: np.ndarray | None) -> pd.DataFrame:
            probabilities = classify_texts(texts, classifier, config.sequence_label_map)
            return sentiment_frame(probabilities, config.strategy, version)

        return SentimentScorer(version, classify)
    rated = training[training["rating"].notna()]
    training_texts = compose_texts(rated, [c for c in rated.columns if c != "rating"])
    keep = training_texts.notna().to_numpy()
    training_texts = training_texts[keep].tolist()
    ratings = rated["rating"].astype(float).to_numpy()[keep]
    model = fit_sentiment(
        training_texts,
        models.embed(training_texts),
        ratings,
        encoder=models.encoder,
        store=models.store,
        config=config,
    )
    if model.strategy != "supervised":
        _record_untrained(models.store, model.model_version, model.strategy, config, model.metrics)

    def predict(texts: list[str], ratings: np.ndarray | None) -> pd.DataFrame:
        return model.predict(models.embed(texts), texts, ratings)

    return SentimentScorer(model.model_version, predict)


def _record_untrained(
    store: ArtifactStore,
    version: str,
    strategy: str,
    config: SentimentConfig,
    metrics: dict[str, Any],
) -> None:
    """Store metadata for a model that was used but not trained here (zero-shot or a configured
    classifier), so that ml_model_runs lists it; zero-shot comes with its accuracy on the rated
    texts, measured again whenever they change."""
    task = f"sentiment_{strategy}"
    stored = store.find(task, version)
    if stored is None or stored.metrics != metrics:  # measured again on today's rated texts
        params = {"strategy": strategy, "model_path": config.sequence_model_path}
        store.save(ArtifactMetadata(task, version, "", 0, None, None, params, metrics))


def _model_name(model_id: str | None) -> str | None:
    """The encoder's name without the fingerprint suffix of its version."""
    return model_id.rsplit("-", 1)[0] if model_id else None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
