"""Device choice, the offline text encoder, the embedding cache and sentiment, all on CPU.

The sentiment examples are hand-written, short and varied (products, delivery, service), with
nothing in common with the demo data generator, so passing says the model learns from whatever
rated texts it is given rather than from a template.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from ml.artifacts import ArtifactStore
from ml.device import DeviceConfig, resolve_device
from ml.embeddings import EmbeddingCache, embed_texts
from ml.sentiment import (
    OUTPUT_COLUMNS,
    SentimentConfig,
    classify_texts,
    fit_sentiment,
    label_mapping,
    score_texts,
)
from ml.text_models import (
    ModelLoadError,
    TextEncoder,
    load_sequence_classifier,
    load_text_encoder,
)

NEGATIVE = [
    "Terrible product, it fell apart the first time I used it.",
    "The zipper broke within a week. Very disappointed.",
    "Completely useless, do not waste your money.",
    "Arrived with a cracked screen and nobody answers my emails.",
    "The worst headphones I have ever owned, the sound is awful.",
    "It smells like chemicals and gave me a rash.",
    "Ordered a large, got a small, and the return costs more than the shirt.",
    "Stopped charging after three days.",
    "Cheap plastic, nothing like the photos.",
    "Rude support agent hung up on me.",
    "The package was lost and I am still waiting for my refund.",
    "Pages were missing from the book and the cover was torn.",
    "My kettle leaks all over the counter. Awful.",
    "The blender is so loud and it burned out after a month.",
    "I regret buying this, it is a scam.",
    "Colours faded after one wash, total rubbish.",
    "Delivery was two weeks late and the box was crushed.",
    "The app keeps crashing and the device will not pair.",
    "Broken on arrival. Sent it straight back.",
    "Horrible fit, the seams are crooked and it itches.",
    "I am very unhappy, the quality is poor.",
    "It does not work at all, absolutely hopeless.",
    "The chair wobbles and one screw was missing.",
    "Battery dies in an hour, very frustrating.",
    "Nobody helped me, I was passed around for days.",
    "The shoes hurt my feet and the sole came off.",
    "Overpriced junk that stopped working immediately.",
    "Worst customer experience ever, never ordering again.",
    "The lamp flickers constantly and now it is dead.",
    "Wrong item sent twice. Unbelievable.",
    "Sticky keys and a dead pixel on a brand new laptop.",
    "Tasted stale and the packaging was open.",
    "I was charged twice and still have no answer.",
    "Flimsy and badly made, it snapped in half.",
    "The jacket is not waterproof at all, I got soaked.",
    "Disgusting smell, had to throw it away.",
    "The instructions are useless and parts do not fit.",
    "Very poor, I want my money back.",
    "It scratched my pan on the first use.",
    "Awful sound and the volume button is broken.",
]
NEUTRAL = [
    "It is okay, does what it says.",
    "Average quality for the price.",
    "Not bad, not great either.",
    "The shirt is fine, a bit thinner than expected.",
    "Delivery took the usual time.",
    "It works, but the design is a little dull.",
    "Decent enough, nothing special.",
    "The colour is slightly different from the picture.",
    "Some features are handy, others I never use.",
    "It is acceptable, though the cable is short.",
    "Middle of the road headphones.",
    "The book was fine, a few slow chapters.",
    "Fits as expected, the fabric is ordinary.",
    "It does the job, I have no strong feelings about it.",
    "Mixed feelings: good screen, weak speakers.",
    "It is an average kettle.",
    "Packaging was plain and the product is standard.",
    "Reasonable, but I have seen better for less.",
    "The taste is alright, a little bland.",
    "Works as described, setup took a while.",
    "Neither impressed nor disappointed.",
    "It is fine for occasional use.",
    "Standard chair, assembly was straightforward.",
    "Battery life is about what they advertise.",
    "The support answer was correct but slow.",
    "Okay shoes, they need some breaking in.",
    "So-so, it meets basic needs.",
    "Nothing to complain about, nothing to praise.",
    "The lamp is plain but it gives enough light.",
    "Ordinary product, arrived on the scheduled day.",
    "It is adequate for a beginner.",
    "Sound is average and the fit is average.",
    "Fair price, fair quality.",
    "The size runs a bit large but it is wearable.",
    "It is fine, I might buy a different brand next time.",
    "Some parts are good, some parts are mediocre.",
    "Basic laptop bag, does its job.",
    "Half of the features work well, the rest is clunky.",
    "Tolerable, though the instructions could be clearer.",
    "It is alright I guess.",
]
POSITIVE = [
    "Absolutely love it, excellent quality!",
    "Works perfectly and arrived a day early.",
    "Best purchase I have made this year.",
    "Super comfortable shoes, I wear them every day.",
    "The sound quality is amazing for the price.",
    "Great customer service, they solved my problem in minutes.",
    "Beautiful colour and the fabric feels premium.",
    "Highly recommend, my kids adore it.",
    "Fantastic kettle, boils fast and looks great.",
    "Exactly as described, very happy with it.",
    "The book was brilliant, I could not put it down.",
    "Sturdy, well made and easy to assemble.",
    "Wonderful gift, my mother was delighted.",
    "Battery lasts for days, impressive.",
    "Five stars, would definitely buy again.",
    "The jacket kept me dry in heavy rain, superb.",
    "Fast delivery and lovely packaging.",
    "Perfect fit and so soft.",
    "Delicious, fresh and well packed.",
    "The support team was friendly and really helpful.",
    "Excellent value, better than more expensive brands.",
    "I am thrilled with this laptop, it is lightning fast.",
    "Love the design, it looks great in my living room.",
    "Really pleased, everything works flawlessly.",
    "Top quality, you can tell it will last.",
    "Brilliant blender, smoothies in seconds.",
    "Very satisfied, great experience from start to finish.",
    "Gorgeous lamp, the light is warm and cosy.",
    "The chair is so comfortable, my back pain is gone.",
    "Outstanding product and a fair price.",
    "Happy customer, thank you!",
    "These headphones are fantastic, crystal clear sound.",
    "Arrived quickly and works like a charm.",
    "Great quality, I ordered a second one for my sister.",
    "Wonderful, exceeded my expectations.",
    "Easy to use and very reliable.",
    "The best pan I have ever cooked with.",
    "Lovely soft towels, they feel luxurious.",
    "I highly recommend this shop, excellent service.",
    "Amazing, I use it every single day.",
]


def labelled_reviews() -> tuple[list[str], list[float]]:
    """The examples with ratings spread over each class's range, in a shuffled order."""
    rows = (
        [(text, 1.0 + index % 2) for index, text in enumerate(NEGATIVE)]
        + [(text, 3.0) for text in NEUTRAL]
        + [(text, 4.0 + index % 2) for index, text in enumerate(POSITIVE)]
    )
    random.Random(7).shuffle(rows)
    return [text for text, _ in rows], [rating for _, rating in rows]


class CountingEncoder:
    """Wraps an encoder and records every batch it is asked to encode."""

    def __init__(self, inner: TextEncoder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.batches: list[list[str]] = []

    @property
    def encoded(self) -> list[str]:
        return [text for batch in self.batches for text in batch]

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner.encode_batch(texts)


@pytest.fixture(autouse=True)
def restore_torch_threads() -> Iterator[None]:
    """resolve_device sets torch's process-wide thread count; put it back after each test."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def cpu() -> DeviceConfig:
    return DeviceConfig(device="cpu", autocast_dtype=None, batch_size=16, threads=None)


@pytest.fixture(scope="module")
def encoder(cpu: DeviceConfig) -> TextEncoder:
    return load_text_encoder(None, cpu)


@pytest.fixture(scope="module")
def labelled(encoder: TextEncoder, cpu: DeviceConfig) -> tuple[list[str], list[float], np.ndarray]:
    texts, ratings = labelled_reviews()
    return texts, ratings, embed_texts(texts, encoder, cpu)


SMALL_DATA = SentimentConfig(min_rated=60, min_per_class=15, test_fraction=0.25)


def test_resolve_device_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ML_CPU_THREADS", "1")
    config = resolve_device("cpu")
    assert (config.device, config.autocast_dtype, config.threads) == ("cpu", None, 1)
    assert config.batch_size > 0
    assert torch.get_num_threads() == 1
    assert "cpu" in config.describe()


def test_resolve_device_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ML_DEVICE", "CPU")
    config = resolve_device(batch_size=8)
    assert (config.device, config.batch_size) == ("cpu", 8)


@pytest.mark.parametrize("value", ["tpu", "gpu"])
def test_invalid_device_names_the_setting(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ML_DEVICE", value)
    with pytest.raises(ValueError, match=r"ml_device.*ML_DEVICE"):
        resolve_device()


def test_invalid_thread_count_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ML_CPU_THREADS", "many")
    with pytest.raises(ValueError, match="ML_CPU_THREADS"):
        resolve_device("cpu")


def test_cuda_requested_without_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA was requested"):
        resolve_device("cuda")
    assert resolve_device("auto").device == "cpu"


def test_encoder_gives_unit_float32_vectors(encoder: TextEncoder) -> None:
    vectors = encoder.encode_batch(["Great value.", "", "A much longer sentence " * 80])
    assert vectors.shape == (3, 384) and encoder.dimension == 384
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.model_id.startswith("all-MiniLM-L6-v2-")


def test_encoder_matches_sentence_transformers(encoder: TextEncoder) -> None:
    from sentence_transformers import SentenceTransformer

    texts = ["The parcel came late.", "Lovely!", "It is okay, I suppose, for the money."]
    reference = SentenceTransformer(str(encoder.model.name_or_path), device="cpu")
    expected = reference.encode(texts, convert_to_numpy=True, normalize_embeddings=True)
    np.testing.assert_allclose(encoder.encode_batch(texts), expected, atol=1e-5)


def test_missing_model_path_names_the_setting(cpu: DeviceConfig, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"no model directory at .*embedding_model_path"):
        load_text_encoder(tmp_path / "missing", cpu)


def test_unreadable_model_is_one_clear_error(
    cpu: DeviceConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.json").write_text("{not json")
    monkeypatch.setenv("ML_EMBEDDING_MODEL", str(tmp_path))
    with pytest.raises(ModelLoadError, match=rf"{tmp_path}.*ML_EMBEDDING_MODEL"):
        load_text_encoder(None, cpu)


def test_identical_texts_are_embedded_once(encoder: TextEncoder, cpu: DeviceConfig) -> None:
    counting = CountingEncoder(encoder)
    texts = ["Good.", "Bad.", "Good.", "Good.", "Bad.", ""]
    vectors = embed_texts(texts, counting, cpu)
    assert sorted(counting.encoded) == ["", "Bad.", "Good."]
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[1], vectors[4])


def test_length_sorted_batches_keep_input_order(encoder: TextEncoder) -> None:
    texts = ["short", "a somewhat longer sentence here", "mid length one", "x", "the longest " * 9]
    counting = CountingEncoder(encoder)
    small_batches = DeviceConfig("cpu", None, 2, None)
    vectors = embed_texts(texts, counting, small_batches)
    lengths = [len(text) for text in counting.encoded]
    assert lengths == sorted(lengths, reverse=True)
    assert [len(batch) for batch in counting.batches] == [2, 2, 1]
    one_by_one = np.vstack([encoder.encode_batch([text]) for text in texts])
    np.testing.assert_allclose(vectors, one_by_one, atol=1e-5)


def test_missing_text_is_an_error(encoder: TextEncoder, cpu: DeviceConfig) -> None:
    with pytest.raises(ValueError, match="position 1"):
        embed_texts(["fine", None, "ok"], encoder, cpu)  # type: ignore[list-item]


def test_cache_rerun_embeds_only_new_texts(
    encoder: TextEncoder, cpu: DeviceConfig, tmp_path: Path
) -> None:
    cache = EmbeddingCache.in_artifacts(tmp_path)
    first = CountingEncoder(encoder)
    old = ["Nice mug.", "Too small.", "Arrived broken."]
    before = embed_texts(old, first, cpu, cache)
    assert len(first.encoded) == 3

    second = CountingEncoder(encoder)
    changed = ["Too small.", "Nice mug!", "Arrived broken.", "Brand new text."]
    after = embed_texts(changed, second, cpu, EmbeddingCache.in_artifacts(tmp_path))
    assert sorted(second.encoded) == ["Brand new text.", "Nice mug!"]
    np.testing.assert_array_equal(after[0], before[1])
    np.testing.assert_array_equal(after[2], before[2])
    np.testing.assert_allclose(after, embed_texts(changed, encoder, cpu), atol=1e-6)
    assert list((tmp_path / "embedding_cache" / encoder.model_id).glob("part-*.parquet"))


def test_cache_merges_parts(encoder: TextEncoder, cpu: DeviceConfig, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, max_parts=2)
    texts = [f"Review number {number}" for number in range(5)]
    for text in texts:
        embed_texts([text], encoder, cpu, cache)
    assert len(list((tmp_path / encoder.model_id).glob("part-*.parquet"))) <= 2
    counting = CountingEncoder(encoder)
    embed_texts(texts, counting, cpu, cache)
    assert counting.encoded == []


def test_supervised_sentiment_beats_chance(
    labelled: tuple[list[str], list[float], np.ndarray], encoder: TextEncoder, tmp_path: Path
) -> None:
    texts, ratings, embeddings = labelled
    store = ArtifactStore(tmp_path)
    model = fit_sentiment(
        texts, embeddings, ratings, encoder=encoder, store=store, config=SMALL_DATA
    )
    assert model.strategy == "supervised" and not model.reused
    metrics = model.metrics
    assert metrics["n_test"] == 30 and metrics["n_train"] == 90
    assert metrics["accuracy"] >= 0.6 and metrics["macro_f1"] >= 0.55  # chance is 1/3
    assert np.sum(metrics["confusion_matrix"]["rows_true_columns_predicted"]) == 30
    assert set(metrics["per_class"]) == {"negative", "neutral", "positive"}

    frame = model.predict(embeddings, texts)
    assert list(frame.columns) == OUTPUT_COLUMNS and len(frame) == len(texts)
    probabilities = frame[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    assert frame["sentiment_score"].between(-1.0, 1.0).all()
    stored = store.find("sentiment", model.model_version)
    assert stored is not None and stored.metrics["macro_f1"] == metrics["macro_f1"]


def test_stored_model_is_reused_for_the_same_data(
    labelled: tuple[list[str], list[float], np.ndarray], encoder: TextEncoder, tmp_path: Path
) -> None:
    texts, ratings, embeddings = labelled
    store = ArtifactStore(tmp_path)
    first = fit_sentiment(
        texts, embeddings, ratings, encoder=encoder, store=store, config=SMALL_DATA
    )
    # A dbt relation has no row order and a DataFrame column carries its own index.
    shuffled = np.random.default_rng(0).permutation(len(texts))
    second = fit_sentiment(
        pd.Series(np.asarray(texts, dtype=object)[shuffled], index=shuffled + 1000),
        embeddings[shuffled],
        pd.Series(np.asarray(ratings)[shuffled], index=shuffled + 1000, dtype="Int64"),
        encoder=encoder,
        store=store,
        config=SMALL_DATA,
    )
    assert second.reused and second.model_version == first.model_version
    pd.testing.assert_frame_equal(
        first.predict(embeddings, texts), second.predict(embeddings, texts)
    )

    changed = [*ratings[:-1], 3.0 if ratings[-1] != 3.0 else 5.0]
    third = fit_sentiment(
        texts, embeddings, changed, encoder=encoder, store=store, config=SMALL_DATA
    )
    assert not third.reused and third.model_version != first.model_version


def test_words_are_learnt_where_embeddings_know_nothing(
    encoder: TextEncoder, cpu: DeviceConfig, tmp_path: Path
) -> None:
    """Made-up words carry the sentiment, as words of a language the encoder never saw would."""
    rng = random.Random(3)
    syllables = ["ka", "lo", "mi", "tre", "vus", "no", "pe", "ri", "zan", "go", "bel", "shu"]
    filler = sorted({"".join(rng.choices(syllables, k=3)) for _ in range(300)})
    marker = {1.0: "grontz", 3.0: "mevel", 5.0: "florbi"}
    texts, ratings = [], []
    for number in range(150):
        rating = (1.0, 3.0, 5.0)[number % 3]
        words = rng.sample(filler, 40)  # long texts dilute the marker in a mean-pooled embedding
        words.insert(rng.randrange(41), marker[rating])
        texts.append(" ".join(words))
        ratings.append(rating)
    embeddings = embed_texts(texts, encoder, cpu)
    model = fit_sentiment(
        texts,
        embeddings,
        ratings,
        encoder=encoder,
        store=ArtifactStore(tmp_path),
        config=SMALL_DATA,
    )
    views = model.metrics["views"]
    assert views["text"]["macro_f1"] > views["embeddings"]["macro_f1"] + 0.1
    assert model.metrics["macro_f1"] > views["embeddings"]["macro_f1"] + 0.1
    with pytest.raises(ValueError, match="pass them"):
        model.predict(embeddings)


def test_few_ratings_fall_back_to_zero_shot(
    encoder: TextEncoder, cpu: DeviceConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    texts = [
        "I love it, excellent quality",
        "Terrible, broke after one day, want a refund",
        "Where is my order?",
    ]
    with caplog.at_level(logging.WARNING, logger="ml.sentiment"):
        frame = score_texts(
            texts, [5, 1, np.nan], device=cpu, store=ArtifactStore(tmp_path), encoder=encoder
        )
    assert "zero_shot" in caplog.text
    assert (frame["sentiment_strategy"] == "zero_shot").all()
    assert list(frame["sentiment_label"][:2]) == ["positive", "negative"]
    assert frame["sentiment_score"][0] > 0.5 and frame["sentiment_score"][1] < -0.3
    np.testing.assert_allclose(frame[["p_negative", "p_neutral", "p_positive"]].sum(axis=1), 1.0)
    assert not (tmp_path / "sentiment").exists()


def test_unknown_strategy_names_the_setting() -> None:
    with pytest.raises(ValueError, match="sentiment_strategy"):
        SentimentConfig(strategy="vibes")


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["NEGATIVE", "POSITIVE"], [[1, 0, 0], [0, 0, 1]]),
        (["negative", "neutral", "positive"], np.eye(3).tolist()),
        (
            ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"],
            [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]],
        ),
    ],
)
def test_label_mapping_of_known_label_sets(labels: list[str], expected: list[list[int]]) -> None:
    np.testing.assert_array_equal(label_mapping(labels, {}, "m"), expected)


def test_label_mapping_of_unknown_labels() -> None:
    with pytest.raises(ValueError, match="sentiment_label_map"):
        label_mapping(["LABEL_0", "LABEL_1"], {}, "m")
    overrides = {"LABEL_0": "negative", "LABEL_1": "positive"}
    np.testing.assert_array_equal(
        label_mapping(["LABEL_0", "LABEL_1"], overrides, "m"), [[1, 0, 0], [0, 0, 1]]
    )


def test_sequence_classifier_from_local_directory(
    encoder: TextEncoder, cpu: DeviceConfig, tmp_path: Path
) -> None:
    """An untrained 3-class head on MiniLM: checks loading, batching and label mapping only."""
    from transformers import AutoModelForSequenceClassification

    labels = {0: "negative", 1: "neutral", 2: "positive"}
    source = str(encoder.model.name_or_path)
    head = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=3, id2label=labels, local_files_only=True
    )
    head.save_pretrained(tmp_path)
    encoder.tokenizer.save_pretrained(tmp_path)

    classifier = load_sequence_classifier(tmp_path, cpu)
    texts = ["Great!", "Awful.", "Great!", "It is fine, I suppose."]
    probabilities = classify_texts(texts, classifier, {})
    assert probabilities.shape == (4, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(probabilities[0], probabilities[2])

    config = SentimentConfig(strategy="sequence_classifier", sequence_model_path=str(tmp_path))
    frame = score_texts(texts, device=cpu, store=ArtifactStore(tmp_path), config=config)
    assert (frame["sentiment_strategy"] == "sequence_classifier").all()


def test_sequence_classifier_needs_a_path(
    cpu: DeviceConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ML_SENTIMENT_MODEL", raising=False)
    config = SentimentConfig(strategy="sequence_classifier")
    with pytest.raises(ModelLoadError, match="sentiment_model_path"):
        score_texts(["ok"], device=cpu, store=ArtifactStore(tmp_path), config=config)


def test_rated_texts_get_out_of_fold_scores_and_unrated_ones_the_full_fit(
    encoder: TextEncoder, cpu: DeviceConfig, tmp_path: Path
) -> None:
    """A rated text is scored by a model that never saw it, so its score cannot repeat its rating.

    Half the texts carry a marker word the model can learn; the other half are one unique word
    each with a rating that nothing predicts. A model refitted on all rows memorises those words;
    scored out of fold, they are guessed no better than chance.
    """
    rng = random.Random(5)
    marker = {1.0: "grontz", 3.0: "mevel", 5.0: "florbi"}
    texts, ratings = [], []
    for number in range(120):
        rating = (1.0, 3.0, 5.0)[number % 3]
        texts.append(f"{marker[rating]} item number {number}")
        ratings.append(rating)
    letters = "bcdfghjklmnpqrstvwxz"
    for number in range(120):
        texts.append("".join(rng.choices(letters, k=9)))
        ratings.append((1.0, 3.0, 5.0)[number % 3])
    store = ArtifactStore(tmp_path)
    unrated = texts[120:150]
    scores = score_texts(
        texts + unrated,
        ratings + [np.nan] * len(unrated),
        device=cpu,
        store=store,
        encoder=encoder,
        config=SMALL_DATA,
    )
    expected = np.asarray([{1.0: "negative", 3.0: "neutral", 5.0: "positive"}[r] for r in ratings])
    labels = scores["sentiment_label"].to_numpy()
    assert np.mean(labels[:120] == expected[:120]) > 0.9  # learnt words are still known
    assert np.mean(labels[120:240] == expected[120:240]) < 0.55  # unique words are not
    model = fit_sentiment(
        texts,
        embed_texts(texts, encoder, cpu),
        ratings,
        encoder=encoder,
        store=store,
        config=SMALL_DATA,
    )
    assert model.reused
    full_fit = model.predict(embed_texts(unrated, encoder, cpu), unrated)
    pd.testing.assert_frame_equal(scores.iloc[240:].reset_index(drop=True), full_fit)
