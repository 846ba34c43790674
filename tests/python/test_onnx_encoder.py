"""The onnxruntime embedding backend: its vectors are torch's, exporting leaves the torch encoder
as it was, an export is reused, and it refuses CUDA and unknown backend names clearly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from ml.device import DeviceConfig
from ml.embeddings import embed_texts
from ml.onnx_encoder import EXPORT_DIRECTORY, OnnxTextEncoder
from ml.settings import MLSettings
from ml.text_models import TextEncoder, load_text_encoder

TEXTS = [
    "The jacket arrived a week late and the zip broke on the first day.",
    "Lovely kettle, boils fast and looks great in our kitchen.",
    "ok",
    "",
    "It is fine. " * 200,  # longer than the model's 256 tokens: truncated the same way
]


@pytest.fixture(scope="module")
def cpu() -> DeviceConfig:
    return DeviceConfig(device="cpu", autocast_dtype=None, batch_size=8, threads=None)


@pytest.fixture(scope="module")
def encoder(cpu: DeviceConfig) -> TextEncoder:
    return load_text_encoder(None, cpu)


def test_onnx_vectors_are_torchs_and_the_torch_encoder_is_unchanged(
    encoder: TextEncoder, cpu: DeviceConfig, tmp_path: Path
) -> None:
    before = encoder.encode_batch(TEXTS)
    onnx = OnnxTextEncoder(encoder, tmp_path)
    # Exporting must not leave the torch model in training mode (dropout on).
    np.testing.assert_allclose(encoder.encode_batch(TEXTS), before, atol=1e-5)
    vectors = embed_texts(TEXTS, onnx, cpu)
    assert vectors.shape == before.shape and vectors.dtype == np.float32
    assert (vectors * before).sum(axis=1).min() > 0.9999
    # Its own embedding cache entries and model version; the name says onnx.
    name, _, fingerprint = encoder.model_id.rpartition("-")
    assert onnx.model_id == f"{name}-onnx-{fingerprint}"


def test_an_export_is_reused(encoder: TextEncoder, tmp_path: Path) -> None:
    OnnxTextEncoder(encoder, tmp_path)
    (export,) = (tmp_path / EXPORT_DIRECTORY).glob("*.onnx")
    written = export.stat().st_mtime_ns
    again = OnnxTextEncoder(encoder, tmp_path)
    assert export.stat().st_mtime_ns == written
    assert (again.encode_batch(TEXTS[:2]) * encoder.encode_batch(TEXTS[:2])).sum(
        axis=1
    ).min() > 0.9999


def test_a_drifting_export_is_an_error(encoder: TextEncoder, tmp_path: Path) -> None:
    OnnxTextEncoder(encoder, tmp_path)
    (export,) = (tmp_path / EXPORT_DIRECTORY).glob("*.onnx")
    other = load_text_encoder(None, encoder.device)
    for parameter in other.model.parameters():
        parameter.data.mul_(0.5)
    other.model_id = encoder.model_id  # same export file, different weights behind it
    with pytest.raises(ValueError, match="cosine .* to torch's"):
        OnnxTextEncoder(other, tmp_path)
    assert export.exists()


def test_cuda_and_unknown_backends_are_refused(encoder: TextEncoder, tmp_path: Path) -> None:
    on_cuda = dataclasses.replace(encoder.device, device="cuda")
    cuda_encoder = TextEncoder(
        encoder.tokenizer, encoder.model, on_cuda, encoder.model_id, encoder.max_length, "mean"
    )
    with pytest.raises(ValueError, match="runs on the CPU"):
        OnnxTextEncoder(cuda_encoder, tmp_path)
    with pytest.raises(ValueError, match="embedding_backend"):
        MLSettings.from_meta({"embedding_backend": "tensorrt"})
    assert MLSettings.from_meta({"embedding_backend": "onnxruntime"}).embedding_backend == (
        "onnxruntime"
    )
    assert MLSettings.from_meta({}).embedding_backend == "torch"
