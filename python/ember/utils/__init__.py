"""Utilities with PyTorch's names: `ember.utils.data` (datasets, samplers, DataLoader).

`ember.utils.data` is imported on first use (it brings in multiprocessing), so `import ember`
stays quick; `import ember.utils.data` and `from ember.utils.data import ...` work as usual.
`ember.utils.checkpoint` (activation checkpointing) is imported on first use too.
"""
import importlib

__all__ = ["data", "checkpoint"]


def __getattr__(name):
    if name in ("data", "checkpoint"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
