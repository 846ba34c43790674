"""The onnxruntime embedding backend: its vectors are torch's, exporting leaves the torch encoder
as it was, an export is reused, a stale or broken one is exported again, concurrent models share
one export, the setting reaches the text models, and CUDA and unknown backends are refused."""

from __future__ import annotations

import dataclasses
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ml.onnx_encoder as onnx_encoder
from ml.device import DeviceConfig
from ml.embeddings import embed_texts
from ml.onnx_encoder import EXPORT_DIRECTORY, OnnxTextEncoder
from ml.settings import MLSettings
from ml.text_models import TextEncoder, load_text_encoder
from ml.text_tables import TextModels, embedding_table

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


@pytest.fixture(scope="module")
def exported(encoder: TextEncoder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An artifacts directory holding one export, copied by the tests that need one."""
    root = tmp_path_factory.mktemp("onnx-artifacts")
    OnnxTextEncoder(encoder, root)
    return root


def copy_of(exported: Path, tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "artifacts"
    shutil.copytree(exported, root)
    (export,) = (root / EXPORT_DIRECTORY).glob("*.onnx")
    return root, export


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
    assert not list((tmp_path / EXPORT_DIRECTORY).glob(".*.tmp"))  # no leftovers


def test_an_export_is_reused(encoder: TextEncoder, exported: Path, tmp_path: Path) -> None:
    root, export = copy_of(exported, tmp_path)
    written = export.stat().st_mtime_ns
    again = OnnxTextEncoder(encoder, root)
    assert export.stat().st_mtime_ns == written
    agreement = (again.encode_batch(TEXTS) * encoder.encode_batch(TEXTS)).sum(axis=1)
    assert agreement.min() > 0.9999


def test_a_stale_or_broken_export_is_exported_again(
    encoder: TextEncoder, exported: Path, tmp_path: Path
) -> None:
    root, export = copy_of(exported, tmp_path)
    export.write_bytes(b"not an onnx model")
    OnnxTextEncoder(encoder, root)
    assert export.stat().st_size > 1_000_000

    # An export of other weights under the same name: it disagrees, so it is exported again.
    other = load_text_encoder(None, encoder.device)
    for parameter in other.model.parameters():
        parameter.data.mul_(0.9)
    other.model_id = encoder.model_id
    stale_root, stale = copy_of(exported, tmp_path / "stale")
    stale.unlink()
    OnnxTextEncoder(other, stale_root)  # writes the other weights' export
    fresh = OnnxTextEncoder(encoder, stale_root)
    assert (fresh.encode_batch(TEXTS) * encoder.encode_batch(TEXTS)).sum(axis=1).min() > 0.9999


def test_an_export_that_disagrees_even_when_fresh_is_an_error(
    encoder: TextEncoder, exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = copy_of(exported, tmp_path)
    monkeypatch.setattr(onnx_encoder, "MIN_AGREEMENT", 1.5)  # no cosine reaches it
    with pytest.raises(ValueError, match="even freshly exported: set embedding_backend to torch"):
        OnnxTextEncoder(encoder, root)


def test_two_models_exporting_at_once_share_one_export(
    encoder: TextEncoder, tmp_path: Path
) -> None:
    """dbt runs Python models in threads of one process: both must get a working encoder."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        encoders = list(pool.map(lambda _: OnnxTextEncoder(encoder, tmp_path), range(2)))
    assert len(list((tmp_path / EXPORT_DIRECTORY).glob("*.onnx"))) == 1
    for onnx in encoders:
        assert (onnx.encode_batch(TEXTS[:2]) * encoder.encode_batch(TEXTS[:2])).sum(
            1
        ).min() > 0.9999


def test_the_setting_reaches_the_text_models(exported: Path, tmp_path: Path) -> None:
    root, _ = copy_of(exported, tmp_path)
    settings = MLSettings(device="cpu", embedding_backend="onnxruntime", artifacts_dir=str(root))
    models = TextModels(settings)
    assert isinstance(models.encoder, OnnxTextEncoder)
    frame = pd.DataFrame({"review_id": ["r1", "r2"], "body": ["Great kettle.", None]})
    table = embedding_table(frame, "review_id", ["body"], models).to_pandas()
    assert table["model_version"].iloc[0] == models.encoder.model_id
    assert "-onnx-" in table["model_version"].iloc[0]
    assert table["model_name"].iloc[0].endswith("-onnx")


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
