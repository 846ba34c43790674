"""Where text models run: one place decides CPU or GPU, precision, batch size and threads.

The same warehouse builds on a laptop and on a GPU box, so the choice is made at run time from the
`ml_device` dbt var or `$ML_DEVICE` (auto, cpu or cuda). On CUDA the forward pass runs under
autocast (bf16 where supported, else fp16) with larger batches; pooling and normalisation stay in
float32, so embeddings agree with the CPU ones within rounding and cached vectors stay usable
whichever device produced them.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch

DEVICE_ENV = "ML_DEVICE"
THREADS_ENV = "ML_CPU_THREADS"
DEVICE_CHOICES = ("auto", "cpu", "cuda")
CPU_BATCH_SIZE = 64
CUDA_BATCH_SIZE = 256


@dataclass(frozen=True)
class DeviceConfig:
    """How to run a model: `threads` is None on CUDA, where torch's CPU threads are left alone."""

    device: str
    autocast_dtype: torch.dtype | None
    batch_size: int
    threads: int | None

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")

    def autocast(self) -> AbstractContextManager[object]:
        """Mixed precision for the forward pass on CUDA; none on CPU, where float32 is fastest."""
        if self.autocast_dtype is None:
            return nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.autocast_dtype)

    def describe(self) -> str:
        """One line for logs and benchmark output, naming the GPU so timings can be compared."""
        if self.is_cuda:
            dtype = str(self.autocast_dtype).removeprefix("torch.")
            name = torch.cuda.get_device_name(0)
            return f"cuda ({name}, autocast {dtype}, batch {self.batch_size})"
        return f"cpu (float32, batch {self.batch_size}, {self.threads} threads)"


def resolve_device(preference: str | None = None, batch_size: int | None = None) -> DeviceConfig:
    """Pick the device from `preference`, else $ML_DEVICE, else auto (CUDA when available).

    Asking for CUDA explicitly on a machine without it is an error rather than a silent CPU run,
    because a build sized for a GPU can take hours on CPU. On CPU this sets torch's thread count
    ($ML_CPU_THREADS, else the CPUs this process may use), which is process-wide.
    """
    choice = (preference or os.environ.get(DEVICE_ENV) or "auto").strip().lower()
    if choice not in DEVICE_CHOICES:
        raise ValueError(
            f"unknown ML device {choice!r}: set the `ml_device` dbt var or ${DEVICE_ENV} to one "
            f"of {', '.join(DEVICE_CHOICES)}"
        )
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    cuda_available = torch.cuda.is_available()
    if choice == "cuda" and not cuda_available:
        raise RuntimeError(
            "CUDA was requested (`ml_device` dbt var or $ML_DEVICE = 'cuda') but torch sees no "
            f"CUDA device (torch {torch.__version__}); set it to 'cpu' or 'auto', or install a "
            "CUDA build of torch on a machine with a GPU"
        )
    if choice != "cpu" and cuda_available:
        # Native bf16 only (Ampere and newer); emulated bf16 on older GPUs is slower than fp16.
        native_bf16 = torch.cuda.is_bf16_supported(including_emulation=False)
        dtype = torch.bfloat16 if native_bf16 else torch.float16
        return DeviceConfig("cuda", dtype, batch_size or CUDA_BATCH_SIZE, None)
    threads = _cpu_threads()
    torch.set_num_threads(threads)
    return DeviceConfig("cpu", None, batch_size or CPU_BATCH_SIZE, threads)


def _cpu_threads() -> int:
    """Threads for CPU inference: $ML_CPU_THREADS, else the CPUs this process is allowed on."""
    configured = os.environ.get(THREADS_ENV)
    if configured is None:
        if hasattr(os, "sched_getaffinity"):
            return len(os.sched_getaffinity(0))
        return os.cpu_count() or 1
    try:
        threads = int(configured)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ValueError(f"${THREADS_ENV} must be a positive integer, got {configured!r}")
    return threads
