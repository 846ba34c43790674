"""Sentence embeddings through ONNX Runtime on the CPU (`embedding_backend: onnxruntime`).

The transformer of a `TextEncoder` is exported to ONNX once, under the artifact root by model id,
and run by ONNX Runtime, whose fused CPU kernels outpace eager torch on small encoders; tokens,
pooling and normalisation are the TextEncoder's own, so the vectors agree with torch's to float
rounding. On the bundled MiniLM, `benchmarks/embedding_benchmark.py --backend onnxruntime`
measured 1.7-1.8x torch's texts/s on 2 cores with a minimum cosine of 1.000000 to torch's
vectors. On CUDA torch stays the backend (autocast and large batches do better there).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ml.artifacts import artifacts_root
from ml.text_models import TextEncoder

EXPORT_DIRECTORY = "onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Checked at every load: an export that drifts from torch is an error, not a quiet change.
MIN_AGREEMENT = 0.999
AGREEMENT_PROBES = (
    "Arrived quickly and works as described.",
    "Broke after two days, I want a refund.",
    "ok",
    "",
)

logger = logging.getLogger(__name__)


class _LastHiddenState(torch.nn.Module):
    """The encoder with named positional inputs and one output, which is what the exporter
    traces (with *args it binds the tensors to the wrong inputs)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return self.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


class OnnxTextEncoder:
    """Same interface as TextEncoder (model_id, dimension, max_length, encode_batch)."""

    def __init__(self, encoder: TextEncoder, artifacts_dir: str | os.PathLike[str] | None) -> None:
        if encoder.device.is_cuda:
            raise ValueError(
                "embedding_backend onnxruntime runs on the CPU; with ml_device "
                f"{encoder.device.device} set embedding_backend to torch"
            )
        import onnxruntime

        self.tokenizer = encoder.tokenizer
        self.max_length = encoder.max_length
        self.pooling = encoder.pooling
        self.dimension = encoder.dimension
        # name-onnx-fingerprint: tables' model_name (the id without its fingerprint) says onnx.
        name, _, fingerprint = encoder.model_id.rpartition("-")
        self.model_id = f"{name}-onnx-{fingerprint}" if name else f"{fingerprint}-onnx"
        path = artifacts_root(artifacts_dir) / EXPORT_DIRECTORY / f"{self.model_id}.onnx"
        self.inputs = self._export(encoder, path) if not path.exists() else self._inputs(encoder)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = torch.get_num_threads()
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        agreement = self._agreement(encoder)
        if agreement < MIN_AGREEMENT:
            raise ValueError(
                f"the ONNX export of {encoder.model_id} ({path}) gives vectors at cosine "
                f"{agreement:.6f} to torch's (under {MIN_AGREEMENT}): delete it to export again, "
                "or set embedding_backend to torch"
            )
        logger.info(
            "embedding backend: onnxruntime %s, %s, min cosine to torch %.6f",
            onnxruntime.__version__,
            path,
            agreement,
        )

    def _agreement(self, encoder: TextEncoder) -> float:
        """Lowest cosine between this backend's and torch's vectors on a few probe texts."""
        probes = [*AGREEMENT_PROBES, " ".join(AGREEMENT_PROBES) * 20]
        return float((self.encode_batch(probes) * encoder.encode_batch(probes)).sum(axis=1).min())

    def _inputs(self, encoder: TextEncoder) -> list[str]:
        sample = encoder.tokenizer(["a"], return_tensors="pt")
        return [name for name in INPUTS if name in sample]

    def _export(self, encoder: TextEncoder, path: Path) -> list[str]:
        """Export with dynamic batch and sequence axes; written under a temporary name and
        renamed, so a concurrent build never reads half a file."""
        inputs = self._inputs(encoder)
        sample = encoder.tokenizer(list(AGREEMENT_PROBES[:2]), padding=True, return_tensors="pt")
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        dynamic = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]}
        with torch.inference_mode(False), torch.no_grad():
            torch.onnx.export(
                # In eval mode: the exporter restores the wrapper's mode afterwards, and a
                # wrapper left in training mode would switch the torch encoder's dropout on.
                _LastHiddenState(encoder.model).eval(),
                tuple(sample[name] for name in inputs),
                str(temporary),
                input_names=inputs,
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=17,
                dynamo=False,
            )
        os.replace(temporary, path)
        logger.info("embedding backend: exported %s to %s", encoder.model_id, path)
        return inputs

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of one batch, shape (len(texts), dimension), pooled as TextEncoder does."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        tokens = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="np",
        )
        feed = {name: tokens[name].astype(np.int64) for name in self.inputs}
        hidden = self.session.run(None, feed)[0].astype(np.float32, copy=False)
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = tokens["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return (pooled / norms).astype(np.float32, copy=False)
