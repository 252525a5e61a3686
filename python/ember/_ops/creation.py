"""Creation functions: ember.tensor, zeros, ones, full, arange, ... (PyTorch signatures)."""

import numpy as np

from .. import _C
from .._op_layer import op
from .._tensor import Tensor, _size_args, _wrap

# numpy dtype <-> ember dtype (bfloat16 has no numpy counterpart)
_FROM_NUMPY = {
    np.dtype(np.bool_): _C.dtype.bool, np.dtype(np.uint8): _C.dtype.uint8,
    np.dtype(np.int8): _C.dtype.int8, np.dtype(np.int16): _C.dtype.int16,
    np.dtype(np.int32): _C.dtype.int32, np.dtype(np.int64): _C.dtype.int64,
    np.dtype(np.float16): _C.dtype.float16, np.dtype(np.float32): _C.dtype.float32,
    np.dtype(np.float64): _C.dtype.float64,
}
_TO_NUMPY = {v: k for k, v in _FROM_NUMPY.items()}


def _device(device):
    if device is None or isinstance(device, _C.device):
        return device
    if isinstance(device, int):
        return _C.device("cuda", device)
    return _C.device(str(device))


def _nested_numpy(data, infer_dtype=True):
    """Python data -> numpy array with PyTorch's inference: bools stay bool, ints become int64,
    floats float32 (numpy data keeps its dtype). With infer_dtype=False floats stay float64, so
    an explicit dtype= is converted to from full precision."""
    if isinstance(data, (np.ndarray, np.generic)):  # numpy data keeps its dtype
        return np.asarray(data)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat_items(data)):
        data = _tensors_to_lists(data)
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(f"tensor: expected a sequence of equal-length sequences (not ragged): {e}") from None
    if arr.dtype == object:
        raise ValueError("tensor: could not infer a dtype; the data is ragged or holds non-numbers")
    if arr.dtype.kind == "f":
        if infer_dtype:
            arr = arr.astype(np.float32)
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "c":
        raise TypeError("tensor: complex numbers are not supported")
    elif arr.dtype.kind not in "b":
        raise TypeError(f"tensor: cannot build a tensor from data of numpy kind {arr.dtype!r}")
    return arr


def _flat_items(data):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flat_items(x)
        else:
            yield x


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    return data


@op
def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, numpy arrays, tensors)."""
    if isinstance(data, Tensor):  # a copy that keeps the dtype (bfloat16 included)
        out = data.detach().clone().to(dtype=dtype, device=_device(device))
    else:
        arr = _nested_numpy(data, infer_dtype=dtype is None)
        if arr.dtype not in _FROM_NUMPY:
            raise TypeError(f"tensor: unsupported numpy dtype {arr.dtype}")
        out = from_numpy(np.array(arr, copy=True, order="C")).to(dtype=dtype, device=_device(device))
    if requires_grad:
        out.requires_grad_(True)
    return out


@op
def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=_device(device))
    if isinstance(data, np.ndarray) and data.dtype in _FROM_NUMPY:
        return from_numpy(data).to(dtype=dtype, device=_device(device))
    return tensor(data, dtype=dtype, device=device)


@op
def from_numpy(array):
    """A tensor sharing memory with a numpy array (writes show through both ways)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    return _wrap(_C.from_numpy(array))


@op
def empty(*size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.empty(_size_args(size), dtype, _device(device)), requires_grad)


@op
def zeros(*size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.zeros(_size_args(size), dtype, _device(device)), requires_grad)


@op
def ones(*size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.ones(_size_args(size), dtype, _device(device)), requires_grad)


@op
def full(size, fill_value, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _finish(_C.full(_size_args((size,)), fill_value, dtype, _device(device)), requires_grad)


@op
def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    if end is None:
        start, end = 0, start
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    return _finish(_C.arange(start, end, step, dtype, _device(device)), requires_grad)


@op
def linspace(start, end, steps, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.linspace(float(start), float(end), int(steps), dtype, _device(device)), requires_grad)


@op
def eye(n, m=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.eye(n, m, dtype, _device(device)), requires_grad)


@op
def empty_strided(size, stride, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.empty_strided(list(size), list(stride), dtype, _device(device)), requires_grad)


def _like(t, dtype, device):
    return list(t.shape), dtype or t.dtype, _device(device) or t.device


@op
def empty_like(input, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.empty(*_like(input, dtype, device)), requires_grad)


@op
def zeros_like(input, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.zeros(*_like(input, dtype, device)), requires_grad)


@op
def ones_like(input, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.ones(*_like(input, dtype, device)), requires_grad)


@op
def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    shape, dt, dev = _like(input, dtype, device)
    return _finish(_C.full(shape, fill_value, dt, dev), requires_grad)


@op
def scalar_tensor(s, dtype=None, device=None, requires_grad=False):
    return _finish(_C.full([], s, dtype or _C.dtype.float32, _device(device)), requires_grad)


def _finish(impl, requires_grad):
    t = _wrap(impl)
    if requires_grad:
        t.requires_grad_(True)
    return t
