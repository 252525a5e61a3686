"""Utilities with PyTorch's names: `ember.utils.data` (datasets, samplers, DataLoader).

`ember.utils.data` is imported on first use (it brings in multiprocessing), so `import ember`
stays quick; `import ember.utils.data` and `from ember.utils.data import ...` work as usual.
"""
import importlib

__all__ = ["data"]


def __getattr__(name):
    if name == "data":
        return importlib.import_module(".data", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
