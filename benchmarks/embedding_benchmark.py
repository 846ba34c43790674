"""Embedding throughput of `ml.embeddings.embed_texts` next to sentence-transformers, in one run.

Same texts, same local model, same device and batch size for both, so the figures can be compared
directly: cold-cache throughput of ours, throughput of `SentenceTransformer.encode`, how far the
two outputs are apart (they must agree), and what a rerun costs once the embedding cache is warm.

    python -m benchmarks.embedding_benchmark --texts 2000
    python -m benchmarks.embedding_benchmark --reviews-parquet reviews.parquet --device cuda
    python -m benchmarks.embedding_benchmark --texts 2000 --backend onnxruntime

Texts are review-like English sentences generated deterministically here, or the `body` column
of a parquet file.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from ml.device import resolve_device
from ml.embeddings import EmbeddingCache, embed_texts
from ml.onnx_encoder import MIN_AGREEMENT, OnnxTextEncoder
from ml.settings import EMBEDDING_BACKENDS
from ml.text_models import load_text_encoder

PRODUCTS = (
    "jacket", "kettle", "pair of running shoes", "phone case", "desk lamp", "blender", "backpack",
    "novel", "set of towels", "coffee grinder", "wireless mouse", "yoga mat", "frying pan",
    "winter coat", "bluetooth speaker", "office chair", "water bottle", "board game",
)  # fmt: skip
OPENINGS = (
    "I bought this {product} for my {person}.",
    "Ordered the {product} last {period}.",
    "This is my second {product} from this shop.",
    "Got the {product} on sale.",
    "I needed a new {product} for {use}.",
    "",
)
VERDICTS = (
    "It is {good} and the {aspect} is {good}.",
    "Honestly the {aspect} is {bad}, which I did not expect.",
    "The {aspect} is fine but the {other} could be better.",
    "Really {good}, I would buy it again.",
    "It stopped working after {count} {unit}, so I asked for a refund.",
    "Not bad for the price, though the {aspect} feels {bad}.",
    "The {aspect} is {bad} and customer service took {count} {unit} to reply.",
    "Exactly as described and the {aspect} is {good}.",
    "Arrived {timing}, the packaging was {state}.",
    "Mixed feelings: {good} {aspect}, {bad} {other}.",
)
ENDINGS = (
    "Would recommend.",
    "Not sure I would order again.",
    "Five stars from me!",
    "Two stars, sadly.",
    "Overall it does the job.",
    "Returning it.",
    "",
)
WORDS = {
    "person": ("sister", "dad", "flatmate", "son", "partner", "office", "grandmother"),
    "period": ("week", "month", "spring", "year"),
    "use": ("work", "camping trips", "the kitchen", "my commute", "the gym", "travelling"),
    "good": ("great", "excellent", "solid", "lovely", "sturdy", "comfortable", "brilliant"),
    "bad": ("flimsy", "disappointing", "cheap", "awkward", "noisy", "poor", "uncomfortable"),
    "aspect": ("quality", "size", "colour", "battery", "material", "fit", "sound", "handle"),
    "other": ("instructions", "price", "delivery", "zip", "lid", "strap", "app"),
    "count": ("two", "three", "five", "ten"),
    "unit": ("days", "weeks", "uses"),
    "timing": ("a day early", "on time", "a week late", "two days late"),
    "state": ("damaged", "perfect", "excessive", "recyclable", "torn"),
}


def generated_texts(count: int, seed: int = 0) -> list[str]:
    """Varied review-like texts of one to four sentences; mostly distinct, like real reviews."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = [rng.choice(OPENINGS)]
        parts += [rng.choice(VERDICTS) for _ in range(rng.randint(1, 3))]
        parts.append(rng.choice(ENDINGS))
        slots = {name: rng.choice(options) for name, options in WORDS.items()}
        slots["product"] = rng.choice(PRODUCTS)
        texts.append(" ".join(part.format(**slots) for part in parts if part))
    return texts


def _timed(label: str, function: Callable[[], np.ndarray], count: int) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:8.2f} s {count / seconds:10.0f} texts/s")
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000, help="how many texts to embed")
    parser.add_argument("--reviews-parquet", type=Path, help="read texts from its `body` column")
    parser.add_argument("--device", help="auto, cpu or cuda (default: $ML_DEVICE or auto)")
    parser.add_argument("--batch-size", type=int, help="default: the device's batch size")
    parser.add_argument("--model-path", help="local model directory (default: bundled MiniLM)")
    parser.add_argument(
        "--backend",
        choices=EMBEDDING_BACKENDS,
        default=EMBEDDING_BACKENDS[0],
        help="onnxruntime also times the ONNX Runtime encoder (CPU) and its agreement with torch",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    if args.reviews_parquet:
        bodies = pq.read_table(args.reviews_parquet, columns=["body"])["body"].drop_null()
        texts = bodies.to_pylist()[: args.texts]
    else:
        texts = generated_texts(args.texts)
    device = resolve_device(args.device, args.batch_size)
    encoder = load_text_encoder(args.model_path, device)
    model_path = str(encoder.model.name_or_path)

    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(model_path, device=device.device)
    reference.max_seq_length = encoder.max_length
    characters = sum(map(len, texts)) / max(len(texts), 1)
    print(f"device:  {device.describe()}")
    print(f"model:   {encoder.model_id} ({model_path})")
    print(f"texts:   {len(texts)} ({len(set(texts))} distinct, {characters:.0f} chars on average)")
    warm_up = texts[: device.batch_size]
    encoder.encode_batch(warm_up)
    reference.encode(warm_up, batch_size=device.batch_size)

    with tempfile.TemporaryDirectory() as directory:
        cache = EmbeddingCache(directory)
        ours, cold = _timed(
            "ml.embeddings.embed_texts, cold cache",
            lambda: embed_texts(texts, encoder, device, cache),
            len(texts),
        )
        theirs, reference_seconds = _timed(
            "SentenceTransformer.encode",
            lambda: reference.encode(
                texts,
                batch_size=device.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
            ),
            len(texts),
        )
        again, warm = _timed(
            "ml.embeddings.embed_texts, warm cache rerun",
            lambda: embed_texts(texts, encoder, device, cache),
            len(texts),
        )
        agree_onnx = True
        if args.backend == "onnxruntime" and device.is_cuda:
            print("onnxruntime: skipped, it is a CPU backend (pass --device cpu to time it)")
        elif args.backend == "onnxruntime":
            onnx_encoder = OnnxTextEncoder(encoder, directory)
            onnx_encoder.encode_batch(warm_up)
            onnx, onnx_seconds = _timed(
                "ml.embeddings.embed_texts, onnxruntime, cold",
                lambda: embed_texts(texts, onnx_encoder, device, cache),
                len(texts),
            )
            agreement = np.sum(onnx * ours, axis=1)
            print(f"onnxruntime / torch texts/s: {cold / onnx_seconds:.2f}x")
            versus_reference = reference_seconds / onnx_seconds
            print(f"onnxruntime / sentence-transformers texts/s: {versus_reference:.2f}x")
            print(f"min cosine(onnxruntime, torch): {agreement.min():.6f}")
            agree_onnx = bool(agreement.min() >= MIN_AGREEMENT)
            if not agree_onnx:
                print(f"onnxruntime DISAGREES: min cosine below {MIN_AGREEMENT}", file=sys.stderr)
    cosine = np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1)
    print(f"max |ours - sentence-transformers|: {np.abs(ours - theirs).max():.2e}")
    print(f"min cosine(ours, sentence-transformers): {cosine.min():.6f}")
    print(f"warm rerun identical to cold run: {np.array_equal(ours, again)}")
    print(f"warm rerun costs {warm / cold:.1%} of the cold run")
    # Half-precision autocast on CUDA moves vectors a little; float32 on CPU should match exactly.
    floor = 0.995 if device.autocast_dtype is not None else 0.9999
    agree = bool(cosine.min() >= floor) and agree_onnx
    if not agree:
        print(f"outputs DISAGREE: min cosine below {floor}", file=sys.stderr)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
