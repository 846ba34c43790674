"""Sentence embeddings through ONNX Runtime on the CPU (`embedding_backend: onnxruntime`).

The transformer of a `TextEncoder` is exported to ONNX once, under the artifact root by model id
and export version, and run by ONNX Runtime, whose fused CPU kernels outpace eager torch on small
encoders; tokens, pooling and normalisation are the TextEncoder's own, so the vectors agree with
torch's to float rounding. On the bundled MiniLM on 2 cores, `benchmarks/embedding_benchmark.py
--backend onnxruntime` measured 392 texts/s against 186 for torch (2.0x) with a minimum cosine of
1.000000 to torch's vectors. It is a CPU backend: with a CUDA device it is an error, and torch
(autocast, large batches) is the backend to use there.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Sequence

import numpy as np
import torch
from filelock import FileLock

from ml.artifacts import artifacts_root
from ml.text_models import TextEncoder

EXPORT_DIRECTORY = "onnx"
# Part of the file name: a change to how the export is made never reuses an older file.
OPSET = 17
EXPORT_VERSION = f"v1-opset{OPSET}"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Checked at every load: an export that drifts from torch is re-exported once, then an error.
MIN_AGREEMENT = 0.9999
AGREEMENT_PROBES = (
    "Arrived quickly and works as described.",
    "Broke after two days, I want a refund.",
    "ok",
    "",
)
# torch's ONNX exporter keeps process-wide state: two dbt threads must not export at once.
_EXPORTING = threading.Lock()

logger = logging.getLogger(__name__)


class _LastHiddenState(torch.nn.Module):
    """The encoder with named positional inputs and one output, which is what the exporter
    traces (with *args it binds the tensors to the wrong inputs); token_type_ids is passed
    only to models that take it."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        return self.model(**inputs).last_hidden_state


class OnnxTextEncoder:
    """Same interface as TextEncoder (model_id, dimension, max_length, encode_batch)."""

    def __init__(self, encoder: TextEncoder, artifacts_dir: str | os.PathLike[str] | None) -> None:
        if encoder.device.is_cuda:
            raise ValueError(
                "embedding_backend onnxruntime runs on the CPU; with ml_device "
                f"{encoder.device.device} set embedding_backend (or $ML_EMBEDDING_BACKEND) to torch"
            )
        self.tokenizer = encoder.tokenizer
        self.max_length = encoder.max_length
        self.pooling = encoder.pooling
        self.dimension = encoder.dimension
        # name-onnx-fingerprint: tables' model_name (the id without its fingerprint) says onnx.
        name, _, fingerprint = encoder.model_id.rpartition("-")
        self.model_id = f"{name}-onnx-{fingerprint}" if name else f"{fingerprint}-onnx"
        self.path = (
            artifacts_root(artifacts_dir)
            / EXPORT_DIRECTORY
            / f"{self.model_id}-{EXPORT_VERSION}.onnx"
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The file lock keeps concurrent builds from exporting the same file twice; the thread
        # lock keeps two models of one build out of torch's exporter at the same time.
        with _EXPORTING, FileLock(f"{self.path}.lock"):
            agreement = self._load(encoder, export=not self.path.exists())
            if agreement < MIN_AGREEMENT:
                logger.warning(
                    "embedding backend: %s agrees with torch at cosine %.6f only; exporting again",
                    self.path,
                    agreement,
                )
                agreement = self._load(encoder, export=True)
        if agreement < MIN_AGREEMENT:
            raise ValueError(
                f"the ONNX export of {encoder.model_id} ({self.path}) gives vectors at cosine "
                f"{agreement:.6f} to torch's (under {MIN_AGREEMENT}) even freshly exported: set "
                "embedding_backend to torch"
            )
        logger.info(
            "embedding backend: onnxruntime, %s, min cosine to torch %.6f", self.path, agreement
        )

    def _load(self, encoder: TextEncoder, *, export: bool) -> float:
        """(Re-)export if asked, open the session, and return the agreement with torch; a file
        that ONNX Runtime cannot read is exported again once."""
        import onnxruntime

        if export:
            self._export(encoder)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = torch.get_num_threads()
        try:
            self.session = onnxruntime.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own untyped errors for bad files
            if export:
                raise ValueError(
                    f"ONNX Runtime cannot load the fresh export {self.path}: {error}; set "
                    "embedding_backend to torch"
                ) from error
            logger.warning(
                "embedding backend: cannot load %s (%s); exporting again", self.path, error
            )
            return self._load(encoder, export=True)
        self.inputs = [node.name for node in self.session.get_inputs()]
        return self._agreement(encoder)

    def _agreement(self, encoder: TextEncoder) -> float:
        """Lowest cosine between this backend's and torch's vectors on a few probe texts,
        padded together and one of them truncated, as real batches are."""
        probes = [*AGREEMENT_PROBES, " ".join(AGREEMENT_PROBES) * 20]
        return float((self.encode_batch(probes) * encoder.encode_batch(probes)).sum(axis=1).min())

    def _export(self, encoder: TextEncoder) -> None:
        """Export with dynamic batch and sequence axes; written under a temporary name and
        renamed, so no reader ever sees half a file."""
        sample = encoder.tokenizer(list(AGREEMENT_PROBES[:2]), padding=True, return_tensors="pt")
        inputs = [name for name in INPUTS if name in sample]
        temporary = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.tmp")
        dynamic = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]}
        try:
            with torch.no_grad():
                torch.onnx.export(
                    # In eval mode: the exporter restores the wrapper's mode afterwards, and a
                    # wrapper left in training mode would switch the torch encoder's dropout on.
                    _LastHiddenState(encoder.model).eval(),
                    tuple(sample[name] for name in inputs),
                    str(temporary),
                    input_names=inputs,
                    output_names=["last_hidden_state"],
                    dynamic_axes=dynamic,
                    opset_version=OPSET,
                    dynamo=False,
                )
            os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)
        logger.info("embedding backend: exported %s to %s", encoder.model_id, self.path)

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
