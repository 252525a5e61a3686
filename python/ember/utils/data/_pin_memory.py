"""Pinning batches for fast host-to-GPU copies (DataLoader(pin_memory=True)): every tensor in a
batch, inside dicts, lists, tuples and named tuples, is copied to page-locked memory, and any
object with a pin_memory() method is asked to pin itself, as torch's loader does."""
import collections.abc


def pin_memory(data, device=None):
    # Local import: ember.utils.data is imported while ember itself is still loading.
    from ..._tensor import Tensor
    if isinstance(data, Tensor):
        return data.pin_memory()  # page-locked memory serves every GPU; `device` is torch's legacy
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        pinned = {k: pin_memory(v, device) for k, v in data.items()}
        if type(data) is dict:
            return pinned
        try:
            return type(data)(pinned)
        except TypeError:  # a mapping type that cannot be built from a dict
            return pinned
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple
        return type(data)(*(pin_memory(x, device) for x in data))
    if isinstance(data, tuple):
        return tuple(pin_memory(x, device) for x in data)
    if isinstance(data, collections.abc.Sequence):
        pinned = [pin_memory(x, device) for x in data]
        if isinstance(data, list):
            return pinned
        try:
            return type(data)(pinned)
        except TypeError:
            return pinned
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data


def pinning_enabled(loader):
    """Whether the loader's batches are pinned: pin_memory=True and a GPU to copy them to (without
    one the batches stay as they are, as before)."""
    if not loader.pin_memory:
        return False
    from ... import cuda
    return cuda.is_available()
