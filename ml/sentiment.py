"""Sentiment of reviews and support tickets: negative, neutral or positive, with probabilities.

Every shop writes differently (language, product vocabulary, what "fine" means for a 3-star
review), so the default `supervised` strategy learns from the shop's own rated reviews: ratings
1-2 are negative, 3 neutral, 4-5 positive. It stacks a logistic regression on the frozen
sentence embeddings with one on word n-grams of the texts (see `RatingClassifier`), choosing
regularisation and combination by cross-validation. Quality is measured on a stratified, seeded
held-out split and stored with the model, whose views are then refitted on all rated texts.
A rated text is not scored by that refitted model, which has seen its rating and would mostly
repeat it: it gets its out-of-fold score, from views and combiner fitted on the other folds
(texts grouped by content, so a duplicate never sits on both sides), stored with the model.
Unrated texts and support tickets get the refitted model's score.
Classes are weighted to balance, because most reviews are 5-star and a model that never predicts
neutral or negative is useless for churn features; the probabilities therefore weigh the three
classes equally rather than reflect how common each is, and held-out log loss and Brier score
are reported so that their calibration can be judged.

With too few rated texts the `zero_shot` fallback compares each embedding with embeddings of
generic English descriptions of each class (so it suits English text only). A fine-tuned local
Hugging Face classifier can be used instead with the `sequence_classifier` strategy.

Support tickets have no rating: they are scored by the model learnt from the rated reviews."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from ml.artifacts import ArtifactMetadata, ArtifactStore, frame_hash, model_version
from ml.device import DeviceConfig
from ml.embeddings import (
    EmbeddingCache,
    Encoder,
    embed_texts,
    length_sorted_batches,
    require_strings,
    text_key,
)
from ml.text_models import SequenceClassifier, load_sequence_classifier, load_text_encoder

LABELS = ("negative", "neutral", "positive")
STRATEGIES = ("supervised", "zero_shot", "sequence_classifier")
TASK = "sentiment"
MODEL_FILE = "classifier.joblib"
OUT_OF_FOLD_FILE = "out_of_fold.parquet"
PROBABILITY_COLUMNS = ["p_negative", "p_neutral", "p_positive"]
OUTPUT_COLUMNS = [
    "sentiment_label",
    "p_negative",
    "p_neutral",
    "p_positive",
    "sentiment_score",
    "sentiment_strategy",
    "sentiment_model_version",
]
# Generic descriptions of each class for the zero-shot fallback; deliberately not about any
# product or data set, so they carry no knowledge of the texts they will score.
PROTOTYPES = {
    "negative": (
        "This is a negative review.",
        "I am unhappy and disappointed.",
        "It was a bad experience.",
        "Poor quality, I do not recommend it.",
        "I am angry, this is unacceptable.",
    ),
    "neutral": (
        "This is a neutral review.",
        "It is okay, nothing special.",
        "Average, neither good nor bad.",
        "It is acceptable, as expected.",
        "Some things are good and some are bad.",
    ),
    "positive": (
        "This is a positive review.",
        "I am happy and satisfied.",
        "It was a great experience.",
        "Good quality, I recommend it.",
        "I love it, this is wonderful.",
    ),
}
# Label names of sentiment classifiers on the Hugging Face hub, lower-cased, letters and digits.
_LABEL_ALIASES = {
    "negative": "negative",
    "neg": "negative",
    "verynegative": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "positive": "positive",
    "pos": "positive",
    "verypositive": "positive",
}
_STAR_LABELS = {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentimentConfig:
    """Settings from dbt vars; everything that changes a trained classifier is in its version."""

    strategy: str = "supervised"
    min_rated: int = 200
    min_per_class: int = 20
    test_fraction: float = 0.2
    seed: int = 42
    cv_folds: int = 3
    # Inverse L2 strengths tried for the embedding view (standardised) and the word view (TF-IDF).
    embedding_c: tuple[float, ...] = (0.01, 0.1, 1.0)
    text_c: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0)
    # Learn from the words of the texts too; how much they count is learnt from the data.
    text_features: bool = True
    # Rated texts beyond this are subsampled (stratified, seeded) to bound training time.
    max_training_rows: int = 100_000
    zero_shot_temperature: float = 0.05
    sequence_model_path: str | None = None
    sequence_label_map: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(
                f"unknown sentiment strategy {self.strategy!r}: set the `sentiment_strategy` "
                f"dbt var to one of {', '.join(STRATEGIES)}"
            )
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError("test_fraction must be between 0 and 1")
        if self.min_per_class * (1.0 - self.test_fraction) < self.cv_folds:
            raise ValueError("min_per_class leaves fewer training texts per class than cv_folds")
        if self.zero_shot_temperature <= 0.0:
            raise ValueError("zero_shot_temperature must be positive")
        unknown = set(self.sequence_label_map.values()) - set(LABELS)
        if unknown:
            raise ValueError(
                f"the `sentiment_label_map` dbt var may only map to {LABELS}, got {unknown}"
            )

    def training_params(self, encoder_id: str) -> dict[str, Any]:
        return {
            "encoder": encoder_id,
            "labels": "rating 1-2 negative, 3 neutral, 4-5 positive",
            "classifier": "balanced multinomial logistic regressions, stacked",
            "embedding_c": list(self.embedding_c),
            "text_c": list(self.text_c) if self.text_features else None,
            "cv_folds": self.cv_folds,
            "rated_texts_scored": "out of fold",
            "test_fraction": self.test_fraction,
            "max_training_rows": self.max_training_rows,
            "seed": self.seed,
        }


class Scorer(Protocol):
    """Class probabilities in LABELS order; `texts` only matter to models that read words."""

    def predict_proba(
        self, embeddings: np.ndarray, texts: Sequence[str] | None = None
    ) -> np.ndarray: ...


@dataclass
class SentimentModel:
    """A ready sentiment scorer; `reused` says it was loaded from the store, not trained.

    `out_of_fold` holds the out-of-fold probabilities of the texts a supervised model was trained
    on (PROBABILITY_COLUMNS, indexed by the text's sha256 in hex).
    """

    strategy: str
    model_version: str
    metrics: dict[str, Any]
    scorer: Scorer
    reused: bool = False
    out_of_fold: pd.DataFrame | None = None

    def predict(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        ratings: Sequence[float] | None = None,
    ) -> pd.DataFrame:
        """One row per embedding with OUTPUT_COLUMNS. A supervised model that learnt from words
        needs the `texts` the embeddings were computed from.

        With `ratings` (NaN where a text has none), a rated text the model was trained on gets
        its out-of-fold score instead of the refitted model's.
        """
        probabilities = self.scorer.predict_proba(embeddings, texts)
        if ratings is not None and self.out_of_fold is not None and len(self.out_of_fold):
            if texts is None:
                raise ValueError("out-of-fold scores are found by text: pass the texts")
            rated = ~np.isnan(_numeric(ratings))
            keys = [
                text_key(text).hex() if known else ""
                for text, known in zip(texts, rated, strict=True)
            ]
            positions = self.out_of_fold.index.get_indexer(keys)
            trained = rated & (positions >= 0)
            probabilities = np.array(probabilities, dtype=np.float64)
            oof = self.out_of_fold[PROBABILITY_COLUMNS].to_numpy(dtype=np.float64)
            probabilities[trained] = oof[positions[trained]]
        return sentiment_frame(probabilities, self.strategy, self.model_version)


@dataclass
class RatingClassifier:
    """What the supervised strategy learns, stored as one pickled artifact.

    Class-balanced multinomial logistic regressions on two views: the standardised embeddings,
    which generalise across wording, and word 1-2-gram TF-IDF, which learns the shop's own
    vocabulary and still works where the encoder does not know the language. A third one (the
    combiner) is fitted on the two views' out-of-fold log-probabilities, so it learns how far
    to trust each view, including a view whose probabilities are poorly scaled.
    The views are refitted on all rows, the combiner on their out-of-fold probabilities over
    all rows.
    """

    embedding_model: Pipeline
    text_model: Pipeline | None = None
    combiner: LogisticRegression | None = None

    def predict_proba(
        self, embeddings: np.ndarray, texts: Sequence[str] | None = None
    ) -> np.ndarray:
        probabilities = _ordered_proba(self.embedding_model, embeddings)
        if self.text_model is None or self.combiner is None:
            return probabilities
        if texts is None:
            raise ValueError("this sentiment model also reads the texts: pass them to predict")
        words = _ordered_proba(self.text_model, np.asarray(texts, dtype=object))
        return _ordered_proba(self.combiner, _stacked(probabilities, words))


@dataclass
class ZeroShotScorer:
    """Softmax over similarities to class centroids of generic descriptions."""

    centroids: np.ndarray
    temperature: float

    def predict_proba(
        self, embeddings: np.ndarray, texts: Sequence[str] | None = None
    ) -> np.ndarray:
        logits = np.asarray(embeddings, dtype=np.float64) @ self.centroids.T / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=1, keepdims=True)


def score_texts(
    texts: Sequence[str],
    ratings: Sequence[float] | None = None,
    *,
    device: DeviceConfig,
    store: ArtifactStore,
    encoder: Encoder | None = None,
    cache: EmbeddingCache | None = None,
    config: SentimentConfig | None = None,
) -> pd.DataFrame:
    """Sentiment of every text (row i for texts[i]), learnt from the rated ones.

    `ratings` align with `texts`, NaN where a text has none. The encoder defaults to the bundled
    MiniLM; the embedding cache and artifact store make a rebuild on unchanged data cheap.
    """
    config = config or SentimentConfig()
    require_strings(texts)
    if config.strategy == "sequence_classifier":
        classifier = load_sequence_classifier(config.sequence_model_path, device)
        probabilities = classify_texts(texts, classifier, config.sequence_label_map)
        if ratings is not None:
            _log_agreement(rating_labels(ratings), probabilities, classifier.model_id)
        return sentiment_frame(probabilities, "sequence_classifier", classifier.model_id)
    encoder = encoder or load_text_encoder(None, device)
    embeddings = embed_texts(texts, encoder, device, cache)
    model = fit_sentiment(texts, embeddings, ratings, encoder=encoder, store=store, config=config)
    return model.predict(embeddings, texts, ratings)


def fit_sentiment(
    texts: Sequence[str],
    embeddings: np.ndarray,
    ratings: Sequence[float] | None,
    *,
    encoder: Encoder,
    store: ArtifactStore,
    config: SentimentConfig | None = None,
) -> SentimentModel:
    """Train (or reload) the supervised model, or fall back to zero-shot on too few ratings.

    `texts` are hashed to recognise training data seen before and feed the word view; `encoder`
    must be the one that produced `embeddings`, and embeds the zero-shot class descriptions.
    """
    config = config or SentimentConfig()
    if config.strategy == "sequence_classifier":
        raise ValueError("the sequence_classifier strategy scores texts: use score_texts")
    texts = np.asarray(texts, dtype=object)  # positional, whatever index a Series carried
    if len(texts) != len(embeddings):
        raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
    values = _numeric(ratings) if ratings is not None else np.full(len(texts), np.nan)
    if len(values) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(values)} ratings")
    labels = rating_labels(values)
    if config.strategy == "zero_shot":
        return zero_shot_model(encoder, config, embeddings, labels)
    counts = {label: int(np.sum(labels == label)) for label in LABELS}
    rated = sum(counts.values())
    if rated < config.min_rated or min(counts.values()) < config.min_per_class:
        logger.warning(
            "sentiment: strategy 'zero_shot' instead of 'supervised': %d rated texts %s, the "
            "supervised model needs at least %d and %d per class",
            rated,
            counts,
            config.min_rated,
            config.min_per_class,
        )
        return zero_shot_model(encoder, config, embeddings, labels)
    return _supervised_model(texts, embeddings, values, labels, encoder, store, config)


def rating_labels(ratings: Sequence[float]) -> np.ndarray:
    """negative for ratings up to 2, positive from 4, neutral between; None where unrated."""
    values = _numeric(ratings)
    given = ~np.isnan(values)
    if np.any((values[given] < 1) | (values[given] > 5)):
        raise ValueError("ratings must be on a 1-5 scale (NaN for unrated texts)")
    labels = np.select([values <= 2, values < 4, values >= 4], list(LABELS), default="")
    return np.where(given, labels, None).astype(object)


def zero_shot_model(
    encoder: Encoder,
    config: SentimentConfig,
    embeddings: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> SentimentModel:
    """Similarity to generic class descriptions; evaluated on whatever rated texts there are."""
    centroids = []
    for label in LABELS:
        centroid = encoder.encode_batch(list(PROTOTYPES[label])).astype(np.float64).mean(axis=0)
        centroids.append(centroid / np.linalg.norm(centroid))
    scorer = ZeroShotScorer(np.stack(centroids), config.zero_shot_temperature)
    metrics: dict[str, Any] = {"n_train": 0}
    rated = pd.notna(labels) if labels is not None else None
    if embeddings is not None and rated is not None and rated.any():
        metrics |= evaluate(labels[rated], scorer.predict_proba(embeddings[rated]))
    params = {"prototypes": PROTOTYPES, "temperature": config.zero_shot_temperature}
    version = model_version("sentiment_zero_shot", encoder.model_id, params)
    return SentimentModel("zero_shot", version, metrics, scorer)


def classify_texts(
    texts: Sequence[str], classifier: SequenceClassifier, label_map: Mapping[str, str]
) -> np.ndarray:
    """(n, 3) probabilities from a sequence classifier, each distinct text classified once."""
    require_strings(texts)
    mapping = label_mapping(classifier.labels, label_map, classifier.model_id)
    codes, distinct = pd.factorize(pd.Series(list(texts), dtype=object), sort=False)
    raw = np.empty((len(distinct), len(classifier.labels)), dtype=np.float64)
    for batch in length_sorted_batches(distinct, classifier.device.batch_size):
        raw[batch] = classifier.predict_proba([distinct[row] for row in batch])
    return (raw @ mapping)[codes]


def label_mapping(labels: Sequence[str], overrides: Mapping[str, str], model_id: str) -> np.ndarray:
    """A (len(labels), 3) 0/1 matrix summing a classifier's classes into negative/neutral/positive.

    Understands positive/negative (2 classes), negative/neutral/positive and 5-point scales
    ("1 star".."5 stars", "very negative".."very positive"); anything else needs `overrides`.
    """
    matrix = np.zeros((len(labels), len(LABELS)))
    for row, name in enumerate(labels):
        target = overrides.get(name) or _known_label(name)
        if target is None:
            raise ValueError(
                f"cannot tell whether label {name!r} of {model_id} (labels {list(labels)}) is "
                "negative, neutral or positive: set the `sentiment_label_map` dbt var, e.g. "
                "{'LABEL_0': 'negative', 'LABEL_1': 'positive'}"
            )
        matrix[row, LABELS.index(target)] = 1.0
    if not matrix[:, LABELS.index("negative")].any() or not matrix[:, -1].any():
        raise ValueError(f"{model_id} has no negative or no positive class: labels {list(labels)}")
    return matrix


def evaluate(true_labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """Held-out quality: accuracy, macro-F1, per-class precision/recall, confusion, calibration."""
    truth = np.asarray(true_labels, dtype=object)
    predicted = np.asarray(LABELS, dtype=object)[probabilities.argmax(axis=1)]
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=list(LABELS), zero_division=0
    )
    onehot = truth[:, None] == np.asarray(LABELS, dtype=object)[None, :]
    shares = onehot.mean(axis=0)
    return {
        "n_test": len(truth),
        "accuracy": float(np.mean(predicted == truth)),
        "macro_f1": float(np.mean(f1)),
        "majority_class_accuracy": float(shares.max()),
        "log_loss": _log_loss(truth, probabilities),
        "brier": float(np.mean(np.sum((probabilities - onehot) ** 2, axis=1))),
        "per_class": {
            label: {
                "precision": float(precision[index]),
                "recall": float(recall[index]),
                "f1": float(f1[index]),
                "support": int(support[index]),
            }
            for index, label in enumerate(LABELS)
        },
        "confusion_matrix": {
            "labels": list(LABELS),
            "rows_true_columns_predicted": confusion_matrix(
                truth, predicted, labels=list(LABELS)
            ).tolist(),
        },
    }


def sentiment_frame(probabilities: np.ndarray, strategy: str, version: str) -> pd.DataFrame:
    """Label, class probabilities (renormalised to sum to 1) and score p_positive - p_negative."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    frame = pd.DataFrame(
        {
            "sentiment_label": np.asarray(LABELS, dtype=object)[probabilities.argmax(axis=1)],
            "p_negative": probabilities[:, 0],
            "p_neutral": probabilities[:, 1],
            "p_positive": probabilities[:, 2],
            "sentiment_score": np.clip(probabilities[:, 2] - probabilities[:, 0], -1.0, 1.0),
        }
    )
    frame["sentiment_strategy"] = strategy
    frame["sentiment_model_version"] = version
    return frame[OUTPUT_COLUMNS]


def _supervised_model(
    texts: np.ndarray,
    embeddings: np.ndarray,
    ratings: np.ndarray,
    labels: np.ndarray,
    encoder: Encoder,
    store: ArtifactStore,
    config: SentimentConfig,
) -> SentimentModel:
    """Train or reload the classifier. Rows are put in a canonical order first, since a dbt
    relation has none: the same rated texts then give the same hash, split and model."""
    rated = np.flatnonzero(pd.notna(labels))
    training = pd.DataFrame(
        {
            "text_sha256": [text_key(texts[row]).hex() for row in rated],
            "rating": ratings[rated],
            "row": rated,
        }
    ).sort_values(["text_sha256", "rating"], kind="stable")
    data_hash = frame_hash(training[["text_sha256", "rating"]])
    params = config.training_params(encoder.model_id)
    version = model_version(TASK, data_hash, params)
    directory = store.directory(TASK, version)

    stored = store.find(TASK, version)
    complete = (directory / MODEL_FILE).exists() and (directory / OUT_OF_FOLD_FILE).exists()
    if stored is not None and complete:
        logger.info("sentiment: loading stored model %s (trained %s)", version, stored.trained_at)
        classifier = joblib.load(directory / MODEL_FILE)
        out_of_fold = pd.read_parquet(directory / OUT_OF_FOLD_FILE).set_index("text_sha256")
        return SentimentModel("supervised", version, stored.metrics, classifier, True, out_of_fold)

    rows = training["row"].to_numpy()
    if len(rows) > config.max_training_rows:
        rows, _ = train_test_split(
            rows,
            train_size=config.max_training_rows,
            stratify=labels[rows],
            random_state=config.seed,
        )
    logger.info("sentiment: training model %s on %d rated texts", version, len(rows))
    classifier, metrics, probabilities = _fit(embeddings[rows], texts[rows], labels[rows], config)
    # Copies of a text share a fold, hence one out-of-fold score: keep one row per text.
    out_of_fold = (
        pd.DataFrame(probabilities, columns=PROBABILITY_COLUMNS)
        .assign(text_sha256=[text_key(text).hex() for text in texts[rows]])
        .drop_duplicates("text_sha256")
        .set_index("text_sha256")
    )
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(classifier, directory / MODEL_FILE)
    out_of_fold.reset_index().to_parquet(directory / OUT_OF_FOLD_FILE, index=False)
    metadata = ArtifactMetadata(
        task=TASK,
        model_version=version,
        data_hash=data_hash,
        training_rows=len(rows),
        data_window_start=None,
        data_window_end=None,
        params=params,
        metrics=metrics,
    )
    store.save(metadata)  # last, so stored metadata always means a complete artifact
    logger.info(
        "sentiment: held-out accuracy %.3f, macro-F1 %.3f (majority class %.3f) on %d texts; "
        "views alone: %s",
        metrics["accuracy"],
        metrics["macro_f1"],
        metrics["majority_class_accuracy"],
        metrics["n_test"],
        metrics["views"],
    )
    return SentimentModel("supervised", version, metrics, classifier, out_of_fold=out_of_fold)


def _fit(
    embeddings: np.ndarray, texts: np.ndarray, labels: np.ndarray, config: SentimentConfig
) -> tuple[RatingClassifier, dict[str, Any], np.ndarray]:
    """Choose each view's C and fit the combiner on the training split by cross-validation,
    measure on the held-out split, then refit on all rows. Also returns every row's out-of-fold
    probabilities (see `_out_of_fold`)."""
    train, test = train_test_split(
        np.arange(len(labels)),
        test_size=config.test_fraction,
        stratify=labels,
        random_state=config.seed,
    )
    folds = StratifiedKFold(config.cv_folds, shuffle=True, random_state=config.seed)
    splits = list(folds.split(train, labels[train]))
    weights = compute_sample_weight("balanced", labels[train])
    views = {"embeddings": (_embedding_pipeline(), embeddings, config.embedding_c)}
    if config.text_features:
        views["text"] = (_text_pipeline(), texts, config.text_c)
    chosen: dict[str, Pipeline] = {}
    out_of_fold: dict[str, np.ndarray] = {}
    for name, (pipeline, inputs, grid) in views.items():
        chosen[name], out_of_fold[name] = _select_c(
            pipeline, inputs[train], labels[train], splits, grid, weights
        )
    combiner = None
    if "text" in chosen:
        combiner = _combiner().fit(
            _stacked(out_of_fold["embeddings"], out_of_fold["text"]), labels[train]
        )

    def fitted(rows: np.ndarray, combiner: LogisticRegression | None) -> RatingClassifier:
        text = chosen.get("text")
        return RatingClassifier(
            clone(chosen["embeddings"]).fit(embeddings[rows], labels[rows]),
            clone(text).fit(texts[rows], labels[rows]) if text is not None else None,
            combiner,
        )

    held_out = fitted(train, combiner)
    metrics = evaluate(labels[test], held_out.predict_proba(embeddings[test], texts[test]))
    metrics["views"] = {
        "embeddings": _view_metrics(held_out.embedding_model, embeddings[test], labels[test])
    }
    if held_out.text_model is not None:
        metrics["views"]["text"] = _view_metrics(held_out.text_model, texts[test], labels[test])
    metrics |= {
        "n_train": len(train),
        "regularisation_c": {
            name: pipeline[-1].get_params()["C"] for name, pipeline in chosen.items()
        },
        "class_counts": {label: int(np.sum(labels == label)) for label in LABELS},
    }
    out_of_fold, full_combiner = _out_of_fold(chosen, embeddings, texts, labels, config)
    oof_metrics = evaluate(labels, out_of_fold)
    metrics["out_of_fold"] = {
        "n": len(labels),
        "accuracy": oof_metrics["accuracy"],
        "macro_f1": oof_metrics["macro_f1"],
    }
    return fitted(np.arange(len(labels)), full_combiner), metrics, out_of_fold


def _out_of_fold(
    chosen: dict[str, Pipeline],
    embeddings: np.ndarray,
    texts: np.ndarray,
    labels: np.ndarray,
    config: SentimentConfig,
) -> tuple[np.ndarray, LogisticRegression | None]:
    """Every row's probabilities from the chosen views fitted on the other folds, combined by a
    combiner also fitted on the other folds; and the combiner fitted on all rows' out-of-fold
    view probabilities, for the refitted model.

    Folds are stratified by class and grouped by text, so copies of a text fall in one fold.
    Hand-written rather than `cross_val_predict`, because the stacked model is two pipelines and
    a combiner on their outputs, and the combiner's own out-of-fold step needs the same folds.
    """
    folds = StratifiedGroupKFold(config.cv_folds, shuffle=True, random_state=config.seed)
    groups = pd.factorize(pd.Series(texts, dtype=object))[0]
    splits = list(folds.split(embeddings, labels, groups))
    inputs = {"embeddings": embeddings, "text": texts}
    views = {name: np.zeros((len(labels), len(LABELS))) for name in chosen}
    for fit_rows, held_rows in splits:
        for name, pipeline in chosen.items():
            model = clone(pipeline).fit(inputs[name][fit_rows], labels[fit_rows])
            views[name][held_rows] = _ordered_proba(model, inputs[name][held_rows])
    if "text" not in views:
        return views["embeddings"], None
    stacked = _stacked(views["embeddings"], views["text"])
    combined = np.zeros((len(labels), len(LABELS)))
    for fit_rows, held_rows in splits:
        combiner = _combiner().fit(stacked[fit_rows], labels[fit_rows])
        combined[held_rows] = _ordered_proba(combiner, stacked[held_rows])
    return combined, _combiner().fit(stacked, labels)


def _combiner() -> LogisticRegression:
    return LogisticRegression(class_weight="balanced", max_iter=2000)


def _embedding_pipeline() -> Pipeline:
    return make_pipeline(
        StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000)
    )


def _text_pipeline() -> Pipeline:
    """Word uni- and bigrams: cheap, language-agnostic and strong on review text."""
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode", max_features=200_000
    )
    return make_pipeline(vectorizer, LogisticRegression(class_weight="balanced", max_iter=2000))


def _select_c(
    pipeline: Pipeline,
    inputs: np.ndarray,
    labels: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    grid: Sequence[float],
    weights: np.ndarray,
) -> tuple[Pipeline, np.ndarray]:
    """The C with the lowest class-balanced out-of-fold log loss, and its out-of-fold
    probabilities. Features are fitted once per fold and shared by every C."""
    out_of_fold = np.zeros((len(grid), len(labels), len(LABELS)))
    for fit_rows, held_rows in splits:
        features = clone(pipeline[:-1]).fit(inputs[fit_rows])
        fit_x, held_x = features.transform(inputs[fit_rows]), features.transform(inputs[held_rows])
        for position, c in enumerate(grid):
            model = clone(pipeline[-1]).set_params(C=c).fit(fit_x, labels[fit_rows])
            out_of_fold[position, held_rows] = _ordered_proba(model, held_x)
    losses = [_log_loss(labels, probabilities, weights) for probabilities in out_of_fold]
    best = int(np.argmin(losses))
    return clone(pipeline).set_params(logisticregression__C=grid[best]), out_of_fold[best]


def _stacked(embedding_probabilities: np.ndarray, text_probabilities: np.ndarray) -> np.ndarray:
    """The combiner's input: both views' log-probabilities, side by side."""
    both = np.hstack([embedding_probabilities, text_probabilities])
    return np.log(np.clip(both, 1e-7, 1.0))


def _view_metrics(model: Pipeline, inputs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Held-out accuracy and macro-F1 of one view alone, to show what each contributes."""
    metrics = evaluate(labels, _ordered_proba(model, inputs))
    return {"accuracy": metrics["accuracy"], "macro_f1": metrics["macro_f1"]}


def _log_loss(
    labels: np.ndarray, probabilities: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """Log loss robust to exact zeros (a 2-class model's neutral) and rounding in the sums."""
    clipped = np.clip(probabilities, 1e-7, 1.0)
    clipped /= clipped.sum(axis=1, keepdims=True)
    return float(log_loss(labels, clipped, labels=list(LABELS), sample_weight=weights))


def _ordered_proba(model: Any, inputs: Any) -> np.ndarray:
    """predict_proba with columns in LABELS order, whatever order the model learnt them in."""
    order = [list(model.classes_).index(label) for label in LABELS]
    return model.predict_proba(inputs)[:, order]


def _numeric(ratings: Sequence[float]) -> np.ndarray:
    """Ratings as float64 with NaN for missing, whatever nullable type the relation gave."""
    return pd.to_numeric(pd.Series(ratings, dtype=object)).to_numpy(dtype=float, na_value=np.nan)


def _known_label(name: str) -> str | None:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    stars = re.fullmatch(r"([1-5])stars?", key)
    return _STAR_LABELS[int(stars.group(1))] if stars else _LABEL_ALIASES.get(key)


def _log_agreement(labels: np.ndarray, probabilities: np.ndarray, model_id: str) -> None:
    """How well a pretrained classifier agrees with the shop's own ratings, for the build log."""
    rated = pd.notna(labels)
    if not rated.any():
        return
    metrics = evaluate(labels[rated], probabilities[rated])
    logger.info(
        "sentiment: %s agrees with ratings on %d texts: accuracy %.3f, macro-F1 %.3f",
        model_id,
        metrics["n_test"],
        metrics["accuracy"],
        metrics["macro_f1"],
    )
