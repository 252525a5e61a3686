"""Creation functions: ember.tensor, zeros, ones, full, arange, ... (PyTorch signatures)."""

import numpy as np

from .. import _C
from .._op_layer import op
from .._defaults import default_complex_dtype, float_dtype, get_default_dtype
from .._layout import contiguous_format, format_strides, like_strides, strided
from .._tensor import Tensor, _size_args, _wrap

# numpy dtype <-> ember dtype (bfloat16 has no numpy counterpart)
_FROM_NUMPY = {
    np.dtype(np.bool_): _C.dtype.bool, np.dtype(np.uint8): _C.dtype.uint8,
    np.dtype(np.int8): _C.dtype.int8, np.dtype(np.int16): _C.dtype.int16,
    np.dtype(np.int32): _C.dtype.int32, np.dtype(np.int64): _C.dtype.int64,
    np.dtype(np.float16): _C.dtype.float16, np.dtype(np.float32): _C.dtype.float32,
    np.dtype(np.float64): _C.dtype.float64, np.dtype(np.complex64): _C.dtype.complex64,
    np.dtype(np.complex128): _C.dtype.complex128,
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
    floats float32 and complex numbers complex64 (numpy data keeps its dtype). With
    infer_dtype=False floats stay float64 (complex complex128), so an explicit dtype= is
    converted to from full precision."""
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
        if infer_dtype:
            arr = arr.astype(np.complex64)
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
        default = get_default_dtype()
        arr = _nested_numpy(data, infer_dtype=dtype is None and default == _C.dtype.float32)
        if arr.dtype not in _FROM_NUMPY:
            raise TypeError(f"tensor: unsupported numpy dtype {arr.dtype}")
        if dtype is None and arr.dtype.kind in "fc" and not isinstance(data, (np.ndarray, np.generic)):
            # Python floats take the default dtype, complex numbers its complex counterpart;
            # numpy data keeps its own
            dtype = default if arr.dtype.kind == "f" else default_complex_dtype()
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


def _shape(size, size_kw, op):
    """The shape of a creation op: f(2, 3), f((2, 3)) or f(size=(2, 3)), as torch takes it."""
    if size_kw is not None:
        if size:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        size = (size_kw,)
    return _size_args(size)


def _check_layout(layout, op):
    if layout is not None and layout is not strided:
        raise NotImplementedError(f"{op}: layout {layout} is not supported for dense creation (only ember.strided)")


@op
def empty(*size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False, memory_format=None,
          out=None, **kwargs):
    _check_layout(layout, "empty")
    shape = _shape(size, kwargs.pop("size", None), "empty")
    _no_kwargs(kwargs, "empty")
    dtype, dev = float_dtype(dtype), _device(device)
    if memory_format is not None and memory_format is not contiguous_format:
        impl = _C.empty_strided(shape, format_strides(shape, memory_format, "empty"), dtype, dev)
    else:
        impl = _C.empty(shape, dtype, dev)
    return _into(impl, out, requires_grad)


@op
def zeros(*size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False, out=None, **kwargs):
    _check_layout(layout, "zeros")
    shape = _shape(size, kwargs.pop("size", None), "zeros")
    _no_kwargs(kwargs, "zeros")
    return _into(_C.zeros(shape, float_dtype(dtype), _device(device)), out, requires_grad)


@op
def ones(*size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False, out=None, **kwargs):
    _check_layout(layout, "ones")
    shape = _shape(size, kwargs.pop("size", None), "ones")
    _no_kwargs(kwargs, "ones")
    return _into(_C.ones(shape, float_dtype(dtype), _device(device)), out, requires_grad)


def _fill_dtype(fill_value, dtype):
    """full's dtype: given, else from the fill value (bool, int64, the default float, or its
    complex counterpart)."""
    if dtype is None and isinstance(fill_value, float):
        return get_default_dtype()
    if dtype is None and isinstance(fill_value, complex):
        return default_complex_dtype()
    return dtype


@op
def full(size, fill_value, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False, out=None):
    _check_layout(layout, "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _into(_C.full(_size_args((size,)), fill_value, _fill_dtype(fill_value, dtype), _device(device)), out,
                 requires_grad)


@op
def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False,
           out=None, *, stop=None):
    end = end if stop is None else stop  # stop=: the array API's name of the end
    if end is None:
        start, end = 0, start
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    if dtype is None and any(isinstance(x, float) for x in (start, end, step)):
        dtype = get_default_dtype()
    return _into(_C.arange(start, end, step, dtype, _device(device)), out, requires_grad)


@op
def linspace(start, end, steps=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False,
             out=None, *, num=None, endpoint=True):
    steps = steps if num is None else num  # num= and endpoint=: the array API's spellings
    if steps is None:
        raise TypeError("linspace() missing required argument 'steps'")
    if not endpoint:  # `steps` points of the `steps + 1` that would end at `end`
        full = linspace(start, end, int(steps) + 1, dtype, device)
        return _into(full[:int(steps)].contiguous()._impl, out, requires_grad)
    return _into(_C.linspace(float(start), float(end), int(steps), float_dtype(dtype), _device(device)), out,
                 requires_grad)


@op
def eye(n, m=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False, out=None, *, k=0):
    if k:  # the array API's k: the ones on the k-th diagonal
        ones = _wrap(_C.full([n, n if m is None else m], 1, float_dtype(dtype), _device(device)))
        return _into(ones.triu(k).tril(k)._impl, out, requires_grad)
    return _into(_C.eye(n, m, float_dtype(dtype), _device(device)), out, requires_grad)


@op
def empty_strided(size, stride, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _finish(_C.empty_strided(list(size), list(stride), float_dtype(dtype), _device(device)), requires_grad)


def _like(input, dtype, device, memory_format, op, make, *fill):
    """A tensor shaped like `input`, laid out as `memory_format` says (torch's default,
    preserve_format, keeps a dense input's strides): `make(shape, *fill, dtype, device)` for
    a contiguous one, else an empty strided one filled with `fill`."""
    dtype, device = dtype or input.dtype, _device(device) or input.device
    strides = like_strides(input._impl, memory_format, op)
    if strides is None:
        return make(list(input.shape), *fill, dtype, device)
    impl = _C.empty_strided(list(input.shape), strides, dtype, device)
    if fill:
        impl.fill_(fill[0])
    return impl


@op
def empty_like(input, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False,
               memory_format=None):
    return _finish(_like(input, dtype, device, memory_format, "empty_like", _C.empty), requires_grad)


@op
def zeros_like(input, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False,
               memory_format=None):
    return _finish(_like(input, dtype, device, memory_format, "zeros_like", _C.full, 0), requires_grad)


@op
def ones_like(input, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False,
              memory_format=None):
    return _finish(_like(input, dtype, device, memory_format, "ones_like", _C.full, 1), requires_grad)


@op
def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False,
              memory_format=None):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _finish(_like(input, dtype, device, memory_format, "full_like", _C.full, fill_value), requires_grad)


@op
def scalar_tensor(s, dtype=None, device=None, requires_grad=False):
    return _finish(_C.full([], s, float_dtype(dtype), _device(device)), requires_grad)


def _no_kwargs(kwargs, op):
    if kwargs:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(kwargs)}")


def _into(impl, out, requires_grad):
    """The result, or (out=) copied into `out`, which must have its shape."""
    if out is None:
        return _finish(impl, requires_grad)
    if not isinstance(out, Tensor):
        raise TypeError(f"out must be a Tensor, not {type(out).__name__}")
    if list(out.shape) != list(impl.shape):
        out.resize_(list(impl.shape))
    out._impl.copy_(impl)
    return out


def _finish(impl, requires_grad):
    t = _wrap(impl)
    if requires_grad:
        t.requires_grad_(True)
    return t
