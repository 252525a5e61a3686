"""Collation with PyTorch's rules: `default_collate` turns a list of samples into a batch
(tensors stacked along a new first dim, numbers and numpy arrays made tensors, containers
collated field by field); `default_convert` turns one sample's numpy arrays into tensors
without batching (the DataLoader's collate_fn when batch_size is None).

`collate(batch, collate_fn_map=...)` is the extensible form: the map sends a type (or a tuple
of types) to a function `fn(batch, *, collate_fn_map)` and is looked up by exact type first,
then by isinstance in insertion order.
"""
import collections.abc
import copy
import re

import numpy as np

from ... import _C
from ..._ops.creation import as_tensor, tensor
from ..._tensor import Tensor

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map"]

_NP_STR_OBJ = re.compile(r"[SaUO]")

default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                                  "lists; found {}")


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def default_convert(data):
    """numpy arrays and numpy scalars (also inside dicts, lists, tuples, namedtuples) become
    tensors; tensors, strings and everything else stay as they are. Tuples become lists, as
    in PyTorch."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if isinstance(data, np.ndarray) and _NP_STR_OBJ.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update({key: default_convert(data[key]) for key in data})
            return clone
        try:
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if _is_namedtuple(data):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        if isinstance(data, collections.abc.MutableSequence):
            clone = copy.copy(data)
            for i, d in enumerate(data):
                clone[i] = default_convert(d)
            return clone
        try:
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    """Collates `batch` (a list of samples of one structure) using `collate_fn_map` for the
    leaves and recursing through mappings, namedtuples and sequences."""
    if not isinstance(batch, (list, tuple)) and not isinstance(batch, collections.abc.Sequence):
        batch = list(batch)
    if len(batch) == 0:
        raise IndexError("default_collate: got an empty batch")
    elem = batch[0]
    elem_type = type(elem)

    if collate_fn_map is not None:
        fn = collate_fn_map.get(elem_type)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
        for key, fn in collate_fn_map.items():
            if isinstance(elem, key):
                return fn(batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
                return clone
            return elem_type({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
    if _is_namedtuple(elem):
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size (got lengths "
                               f"{[len(e) for e in batch]})")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    import ember
    first = batch[0]
    for i, t in enumerate(batch):
        if not isinstance(t, Tensor):
            raise TypeError(f"default_collate: batch mixes a tensor (entry 0) with {type(t).__name__} (entry {i})")
        if t.shape != first.shape:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got "
                               f"{list(first.shape)} at entry 0 and {list(t.shape)} at entry {i}")
    return ember.stack(list(batch), 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if _NP_STR_OBJ.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return as_tensor(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=_C.dtype.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    # bools land here too (bool is an int); tensor() keeps a list of bools bool.
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {Tensor: collate_tensor_fn}
default_collate_fn_map[np.ndarray] = collate_numpy_array_fn
default_collate_fn_map[(np.bool_, np.number, np.object_)] = collate_numpy_scalar_fn
default_collate_fn_map[float] = collate_float_fn
default_collate_fn_map[int] = collate_int_fn
default_collate_fn_map[str] = collate_str_fn
default_collate_fn_map[bytes] = collate_str_fn


def default_collate(batch):
    """Batches a list of samples:

    * tensors -> one tensor stacked along a new dim 0 (same shapes required)
    * numpy arrays -> tensors, stacked; numpy scalars -> a 1-D tensor of their dtype
    * Python floats -> float64, ints -> int64, bools -> bool (1-D tensors)
    * strings and bytes -> the list as it is
    * dicts -> a dict of collated values; namedtuples -> the namedtuple of collated fields;
      tuples and lists -> a list of collated positions (all samples of the same length)
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
