"""imgbatch: batches of images and their targets, made ahead on C++ worker threads.

    loader = imgbatch.Loader("seg.json")
    for epoch in range(10):
        loader.set_epoch(epoch)
        for batch in loader:
            image = torch.from_dlpack(batch["image"])   # no copy; keeps the batch alive
            mask = torch.from_dlpack(batch["mask"])

A batch's tensors share its memory: ``numpy.asarray(batch["image"])`` and ``torch.from_dlpack`` make
no copy, and the array keeps the batch's buffer from being reused until the array is gone. The loader
keeps ``prefetch_batches`` buffers; a ``for`` loop holds the previous batch while it asks for the next,
so hold batches (or arrays made from them) no longer than needed.
"""

from ._imgbatch import (  # noqa: F401
    Batch,
    ConfigError,
    Cursor,
    DatasetError,
    Error,
    Geometry,
    Loader,
    Sample,
    SampleError,
    Tensor,
    __version__,
)


def _to_torch(self):
    """Every tensor of the batch as a torch.Tensor, by name, without a copy (DLPack)."""
    import torch

    return {name: torch.from_dlpack(self[name]) for name in self.keys()}


def _to_numpy(self):
    """Every tensor of the batch as a NumPy array, by name, without a copy."""
    import numpy

    return {name: numpy.asarray(self[name]) for name in self.keys()}


Batch.to_torch = _to_torch
Batch.to_numpy = _to_numpy

for _cls in (Batch, ConfigError, Cursor, DatasetError, Error, Geometry, Loader, Sample, SampleError, Tensor):
    _cls.__module__ = "imgbatch"  # imgbatch.SampleError in tracebacks, not imgbatch._imgbatch.SampleError
del _cls

__all__ = [
    "Batch",
    "ConfigError",
    "Cursor",
    "DatasetError",
    "Error",
    "Geometry",
    "Loader",
    "Sample",
    "SampleError",
    "Tensor",
    "__version__",
]
