"""The functions of the Python array API standard (2024.12) that torch's surface lacks, so that
`ember` itself is a conforming array namespace (`x.__array_namespace__()` is the ember module).

Where the standard names a function torch also has, ember keeps torch's function and its
behaviour (docs/differences.md, "Array API", lists where the two differ); the functions here
are the standard's own names (asarray, astype, permute_dims, unique_values, cumulative_sum, ...)
written in ember ops, so the differentiable ones record through the ops they call.

The dtype kinds are read from dtype attributes (is_floating_point, is_signed, and is_complex
where a dtype has it), so that complex dtypes slot into isdtype without a change here.
"""
import builtins
import collections
import numbers
import operator

import numpy as np

from .. import _C
from .._op_layer import install_methods, op
from .._tensor import Tensor

__all__ = ["asarray", "astype", "isdtype", "permute_dims", "matrix_transpose", "vecdot", "expand_dims",
           "unique_all", "unique_counts", "unique_inverse", "unique_values", "take_along_axis",
           "cumulative_sum", "cumulative_prod", "broadcast_arrays", "unstack", "nextafter", "bitwise_invert",
           "repeat"]

# The standard's result tuples of the set functions (namedtuples, fields as the standard names them).
UniqueAllResult = collections.namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = collections.namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = collections.namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def _ember():
    import ember
    return ember


def _array(x, op, name="x"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _axis(axis, ndim, op):
    """A normalized axis in [0, ndim), or an IndexError naming the op and the rank."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}(): axis must be an int, not {type(axis).__name__}") from None
    if not -builtins.max(ndim, 1) <= axis < builtins.max(ndim, 1):
        raise IndexError(f"{op}(): axis {axis} is out of range for an array of {ndim} dimensions")
    return axis % builtins.max(ndim, 1)


# ---- data type functions ---------------------------------------------------------------------------

def _is_complex(dtype):
    return bool(getattr(dtype, "is_complex", False))


def _is_bool(dtype):
    return dtype == _C.dtype.bool


def _is_integral(dtype):
    return not (_is_bool(dtype) or dtype.is_floating_point or _is_complex(dtype))


_KINDS = {
    "bool": _is_bool,
    "signed integer": lambda d: _is_integral(d) and d.is_signed,
    "unsigned integer": lambda d: _is_integral(d) and not d.is_signed,
    "integral": _is_integral,
    "real floating": lambda d: d.is_floating_point and not _is_complex(d),
    "complex floating": _is_complex,
    "numeric": lambda d: not _is_bool(d),
}


def isdtype(dtype, kind):
    """Whether `dtype` is of `kind`: a dtype, one of the standard's kind names ('bool', 'signed
    integer', 'unsigned integer', 'integral', 'real floating', 'complex floating', 'numeric'),
    or a tuple of those (any of them)."""
    if not isinstance(dtype, _C.dtype):
        raise TypeError(f"isdtype(): expected a dtype, got {type(dtype).__name__}")
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, _C.dtype):
        return dtype == kind
    if isinstance(kind, str):
        test = _KINDS.get(kind)
        if test is None:
            raise ValueError(f"isdtype(): unknown kind {kind!r}; expected one of {sorted(_KINDS)}")
        return test(dtype)
    raise TypeError(f"isdtype(): kind must be a dtype, a kind name or a tuple of them, not {type(kind).__name__}")


@op
def astype(x, dtype, /, *, copy=True, device=None):
    """x converted to `dtype` (and moved to `device`); copy=False returns x itself when nothing changes."""
    _array(x, "astype")
    if not isinstance(dtype, _C.dtype):
        raise TypeError(f"astype(): dtype must be an ember dtype, not {type(dtype).__name__}")
    device = x.device if device is None else _C.device(device) if isinstance(device, str) else device
    if not copy and x.dtype == dtype and x.device == device:
        return x
    out = x.to(device=device, dtype=dtype)
    return out.clone() if out is x else out


# ---- creation --------------------------------------------------------------------------------------

def _nested_has_tensor(obj):
    if isinstance(obj, Tensor):
        return True
    if isinstance(obj, (list, tuple)):
        return builtins.any(_nested_has_tensor(o) for o in obj)
    return False


def _default_dtype_of(obj):
    """The standard's dtype for a Python scalar or nested sequence: bool, the default integer
    (int64) or the default floating dtype, by the widest kind found."""
    from .._defaults import get_default_dtype
    kinds = set()

    def visit(o):
        if isinstance(o, (builtins.bool, np.bool_)):
            kinds.add(0)
        elif isinstance(o, numbers.Integral):
            kinds.add(1)
        elif isinstance(o, numbers.Real):
            kinds.add(2)
        elif isinstance(o, Tensor):
            kinds.add(3 + (2 if o.dtype.is_floating_point else 1 if o.dtype != _C.dtype.bool else 0))
        elif isinstance(o, (list, tuple)):
            for i in o:
                visit(i)
    visit(obj)
    return None if not kinds or builtins.max(kinds) >= 3 else \
        (_C.dtype.bool, _C.dtype.int64, get_default_dtype())[builtins.max(kinds)]


@op
def asarray(obj, /, *, dtype=None, device=None, copy=None):
    """An array from `obj` (a tensor, a Python scalar or nested sequence, a buffer or an object
    with __dlpack__ or __array__). copy=True always copies, copy=False never (ValueError when it
    must), copy=None copies only when it must."""
    e = _ember()
    if isinstance(device, str):
        device = _C.device(device)
    if isinstance(obj, Tensor):
        same = (dtype is None or dtype == obj.dtype) and (device is None or device == obj.device)
        if same and not copy:
            return obj
        if copy is False:
            raise ValueError(f"asarray(): a copy is needed to convert a {obj.dtype} array on {obj.device} "
                             f"to {dtype or obj.dtype} on {device or obj.device}, but copy=False")
        out = obj.to(device=device or obj.device, dtype=dtype or obj.dtype)
        return out.clone() if out is obj or (copy and out.data_ptr() == obj.data_ptr()) else out
    if isinstance(obj, np.generic):  # a NumPy scalar keeps its dtype, as a 0-d array
        obj = np.asarray(obj)
        copy = True if copy is None else copy
    if isinstance(obj, (builtins.bool, numbers.Number, list, tuple)) and not isinstance(obj, np.ndarray):
        if copy is False:
            raise ValueError("asarray(): a Python scalar or sequence always needs a copy, but copy=False")
        if isinstance(obj, (list, tuple)) and _nested_has_tensor(obj):
            obj = [asarray(o) if not isinstance(o, Tensor) else o for o in obj]
            out = e.stack([o for o in obj]) if obj else e.tensor([])
            return out.to(device=device or out.device, dtype=dtype or out.dtype)
        if dtype is None:
            dtype = _default_dtype_of(obj)
        if dtype is not None and not dtype.is_floating_point and dtype != _C.dtype.bool:
            _check_fits(obj, dtype)
        return e.tensor(obj, dtype=dtype, device=device)
    if hasattr(obj, "__dlpack__") and not isinstance(obj, np.ndarray) or isinstance(obj, np.ndarray) \
            or hasattr(obj, "__array__") or isinstance(obj, (bytes, bytearray, memoryview)):
        arr = np.asarray(obj) if not isinstance(obj, (bytes, bytearray, memoryview)) else np.frombuffer(obj, np.uint8)
        shares = isinstance(obj, np.ndarray) or isinstance(obj, (bytearray, memoryview))
        if copy is False and not shares:
            raise ValueError(f"asarray(): an object of type {type(obj).__name__} cannot be shared without a copy, "
                             "but copy=False")
        if arr.dtype.kind in "iub" and arr.dtype.name not in ("int8", "int16", "int32", "int64", "uint8", "bool"):
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "f" and arr.dtype.name not in ("float16", "float32", "float64"):
            arr = arr.astype(np.float64)
        if copy:
            arr = arr.copy()
        out = e.from_numpy(arr) if arr.flags.writeable else e.tensor(arr)
        if (dtype is not None and dtype != out.dtype) or (device is not None and device != out.device):
            if copy is False:
                raise ValueError(f"asarray(): converting to {dtype} on {device} needs a copy, but copy=False")
            out = out.to(device=device or out.device, dtype=dtype or out.dtype)
        return out
    raise TypeError(f"asarray(): cannot make an array from an object of type {type(obj).__name__}")


def _check_fits(obj, dtype):
    """Python integers must fit the integer dtype asked for (the standard leaves overflow
    undefined; an error says what went wrong where a silent wrap would not)."""
    from .._dtype_info import iinfo
    info = iinfo(dtype)

    def visit(o):
        if isinstance(o, (list, tuple)):
            for i in o:
                visit(i)
        elif isinstance(o, numbers.Integral) and not isinstance(o, builtins.bool) and not info.min <= o <= info.max:
            raise OverflowError(f"asarray(): {o} does not fit {dtype}")
    visit(obj)


# ---- manipulation ----------------------------------------------------------------------------------

@op
def permute_dims(x, /, axes):
    """x with its axes in the order `axes` (a view)."""
    _array(x, "permute_dims")
    axes = tuple(axes)
    if len(axes) != x.ndim or sorted(a % builtins.max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute_dims(): axes {axes} is not a permutation of the {x.ndim} axes of shape "
                         f"{tuple(x.shape)}")
    return x.permute(*axes)


@op
def matrix_transpose(x, /):
    """The transpose of each matrix of the stack x (the last two axes swapped), a view."""
    _array(x, "matrix_transpose")
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose(): x must have at least 2 dimensions, got shape {tuple(x.shape)}")
    return x.transpose(-1, -2)


@op
def vecdot(x1, x2, /, *, axis=-1):
    """The dot product of x1 and x2 along `axis`, broadcast over the other axes."""
    _array(x1, "vecdot", "x1")
    _array(x2, "vecdot", "x2")
    e = _ember()
    if not -builtins.min(x1.ndim, x2.ndim) <= axis < 0 and not 0 <= axis < builtins.min(x1.ndim, x2.ndim):
        raise ValueError(f"vecdot(): axis {axis} is out of range for shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    n = builtins.max(x1.ndim, x2.ndim)
    a = x1.reshape((1,) * (n - x1.ndim) + tuple(x1.shape))
    b = x2.reshape((1,) * (n - x2.ndim) + tuple(x2.shape))
    axis = axis if axis < 0 else axis - builtins.min(x1.ndim, x2.ndim)
    if a.shape[axis] != b.shape[axis]:
        raise ValueError(f"vecdot(): x1 and x2 must have the same size along axis {axis}, got shapes "
                         f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    return e.sum(e.conj(a) * b, dim=axis)


@op
def expand_dims(x, /, axis=0):
    """x with a new axis of size 1 at each position of `axis` (an int or a tuple of ints,
    positions in the result's axes)."""
    _array(x, "expand_dims")
    axes = axis if isinstance(axis, tuple) else (axis,)
    n = x.ndim + len(axes)
    positions = []
    for a in axes:
        a = operator.index(a)
        if not -n <= a < n:
            raise IndexError(f"expand_dims(): axis {a} is out of range for a result of {n} dimensions")
        positions.append(a % n)
    if len(set(positions)) != len(positions):
        raise ValueError(f"expand_dims(): repeated axis in {axis}")
    shape = iter(x.shape)
    return x.reshape(tuple(1 if i in positions else next(shape) for i in range(n)))


@op
def broadcast_arrays(*arrays):
    """The arrays broadcast against each other (views), as a list."""
    e = _ember()
    for i, a in enumerate(arrays):
        _array(a, "broadcast_arrays", f"arrays[{i}]")
    shape = e.broadcast_shapes(*(a.shape for a in arrays))
    return [a.broadcast_to(shape) for a in arrays]


@op
def unstack(x, /, *, axis=0):
    """The slices of x along `axis`, as a tuple of views."""
    _array(x, "unstack")
    if x.ndim == 0:
        raise ValueError("unstack(): x must have at least one dimension")
    return tuple(x.unbind(_axis(axis, x.ndim, "unstack")))


@op
def repeat(x, repeats, /, *, axis=None):
    """Each element of x repeated `repeats` times (an int or one count per element) along
    `axis` (None: x flattened first). The standard's repeat; Tensor.repeat stays torch's tile."""
    _array(x, "repeat")
    e = _ember()
    if axis is None:
        x, axis = x.reshape(-1), 0
    if isinstance(repeats, Tensor):
        if repeats.dtype.is_floating_point or repeats.dtype == _C.dtype.bool:
            raise TypeError(f"repeat(): repeats must be integers, got {repeats.dtype}")
    elif isinstance(repeats, numbers.Integral):
        if repeats < 0:
            raise ValueError(f"repeat(): repeats must be non-negative, got {repeats}")
    else:
        raise TypeError(f"repeat(): repeats must be an int or an integer array, not {type(repeats).__name__}")
    return e.repeat_interleave(x, repeats, dim=_axis(axis, x.ndim, "repeat"))


# ---- indexing --------------------------------------------------------------------------------------

@op
def take_along_axis(x, indices, /, *, axis=-1):
    """The values of x at `indices` along `axis` (negative indices count from the end),
    broadcasting the other axes of x and indices."""
    _array(x, "take_along_axis")
    _array(indices, "take_along_axis", "indices")
    e = _ember()
    if indices.dtype.is_floating_point or indices.dtype == _C.dtype.bool:
        raise TypeError(f"take_along_axis(): indices must be integers, got {indices.dtype}")
    if x.ndim != indices.ndim:
        raise ValueError(f"take_along_axis(): x and indices must have the same number of dimensions, got shapes "
                         f"{tuple(x.shape)} and {tuple(indices.shape)}")
    axis = _axis(axis, x.ndim, "take_along_axis")
    shape = list(e.broadcast_shapes(tuple(s for i, s in enumerate(x.shape) if i != axis),
                                    tuple(s for i, s in enumerate(indices.shape) if i != axis)))
    xs, js = list(shape), list(shape)
    xs.insert(axis, x.shape[axis])
    js.insert(axis, indices.shape[axis])
    idx = indices.to(_C.dtype.int64)
    idx = e.where(idx < 0, idx + x.shape[axis], idx)
    return e.gather(x.broadcast_to(xs), axis, idx.broadcast_to(js))


# ---- set functions ---------------------------------------------------------------------------------

def _unique_parts(x, op):
    """(values, first indices, inverse indices shaped like x, counts) of x's unique elements,
    in ascending order. NaNs are distinct from each other, as the standard asks."""
    _array(x, op)
    e = _ember()
    flat = x.reshape(-1)
    n = flat.shape[0]
    if n == 0:
        empty = e.empty(0, dtype=_C.dtype.int64, device=x.device)
        return flat.clone(), empty, e.empty(tuple(x.shape), dtype=_C.dtype.int64, device=x.device), empty
    order = e.argsort(flat, stable=True)
    s = flat[order]
    new = e.ones(n, dtype=_C.dtype.bool, device=x.device)
    if n > 1:
        differs = s[1:] != s[:-1]  # NaN != NaN: each NaN starts a group of its own
        new = e.cat([new[:1], differs])
    group = e.cumsum(new.to(_C.dtype.int64), 0) - 1
    starts = e.nonzero(new).reshape(-1)
    values = s[starts]
    ends = e.cat([starts[1:], e.tensor([n], dtype=_C.dtype.int64, device=x.device)])
    counts = ends - starts
    first = order[starts]
    inverse = e.empty(n, dtype=_C.dtype.int64, device=x.device)
    inverse[order] = group
    return values, first, inverse.reshape(tuple(x.shape)), counts


@op
def unique_all(x, /):
    """(values, indices, inverse_indices, counts) of x's unique elements."""
    return UniqueAllResult(*_unique_parts(x, "unique_all"))


@op
def unique_counts(x, /):
    """(values, counts) of x's unique elements."""
    values, _, _, counts = _unique_parts(x, "unique_counts")
    return UniqueCountsResult(values, counts)


@op
def unique_inverse(x, /):
    """(values, inverse_indices) of x's unique elements; inverse_indices has x's shape."""
    values, _, inverse, _ = _unique_parts(x, "unique_inverse")
    return UniqueInverseResult(values, inverse)


@op
def unique_values(x, /):
    """The unique elements of x, ascending, as a 1-D array."""
    return _unique_parts(x, "unique_values")[0]


# ---- statistical -----------------------------------------------------------------------------------

def _cumulative(x, axis, dtype, include_initial, op, scan, initial):
    _array(x, op)
    e = _ember()
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{op}(): axis is required for an array of {x.ndim} dimensions")
        if x.ndim == 0:
            x = x.reshape(1)
        axis = 0
    axis = _axis(axis, x.ndim, op)
    if dtype is None and (_is_integral(x.dtype) or x.dtype == _C.dtype.bool):
        dtype = _C.dtype.int64  # the default integer (ember has no uint64 for unsigned inputs)
    out = scan(x, axis, dtype=dtype)
    if include_initial:
        shape = list(out.shape)
        shape[axis] = 1
        out = e.cat([e.full(shape, initial, dtype=out.dtype, device=out.device), out], axis)
    return out


@op
def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """The running sums of x along `axis` (optional for 1-D x); include_initial=True starts
    the result with a 0."""
    return _cumulative(x, axis, dtype, include_initial, "cumulative_sum", _ember().cumsum, 0)


@op
def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """The running products of x along `axis`; include_initial=True starts the result with a 1."""
    return _cumulative(x, axis, dtype, include_initial, "cumulative_prod", _ember().cumprod, 1)


# ---- elementwise -----------------------------------------------------------------------------------

@op
def nextafter(x1, x2, /):
    """The next representable floating value after x1 towards x2 (computed in NumPy on the CPU
    values: ember has no kernel for it). Not differentiable: its derivative is 0 or undefined."""
    e = _ember()
    if not isinstance(x1, Tensor) and not isinstance(x2, Tensor):
        raise TypeError("nextafter(): at least one of x1 and x2 must be an array")
    ref = x1 if isinstance(x1, Tensor) else x2
    a = x1 if isinstance(x1, Tensor) else e.full((), x1, dtype=ref.dtype, device=ref.device)
    b = x2 if isinstance(x2, Tensor) else e.full((), x2, dtype=ref.dtype, device=ref.device)
    if a.dtype != b.dtype or a.dtype not in (_C.dtype.float32, _C.dtype.float64):
        raise TypeError(f"nextafter(): x1 and x2 must have the same float32 or float64 dtype, got {a.dtype} "
                        f"and {b.dtype}")
    shape = e.broadcast_shapes(a.shape, b.shape)
    values = np.nextafter(a.detach().cpu().numpy(), b.detach().cpu().numpy())
    return e.tensor(np.array(np.broadcast_to(values, tuple(shape))), device=ref.device)  # 0-d stays 0-d


@op
def bitwise_invert(x, /):
    """~x for integer and bool x (torch's bitwise_not)."""
    _array(x, "bitwise_invert")
    return _ember().bitwise_not(x)


# ---- Tensor methods and attributes of the standard -------------------------------------------------

def _to_device(self, device, /, *, stream=None):
    """This array on `device` (itself when it is there already)."""
    if stream is not None:
        raise ValueError("to_device(): stream is not supported")
    device = _C.device(device) if isinstance(device, str) else device
    return self if device == self.device else self.to(device)


def _array_namespace(self, /, *, api_version=None):
    """The array API namespace of this array: the ember module (api_version None or one of
    the standard's versions that ember's namespace conforms to)."""
    from .. import _array_api_info
    _array_api_info.check_version(api_version)
    return _ember()


def _complex(self):
    return builtins.complex(self.item())


def _imatmul(self, other):
    """self @= other: the product written into self (its shape must not change)."""
    result = _ember().matmul(self, other)
    if tuple(result.shape) != tuple(self.shape):
        raise ValueError(f"__imatmul__: the product has shape {tuple(result.shape)}, but self has shape "
                         f"{tuple(self.shape)}; x @= y must keep x's shape")
    return self.copy_(result)


install_methods({"to_device": _to_device, "__imatmul__": _imatmul})
Tensor.__array_namespace__ = _array_namespace
Tensor.__complex__ = _complex
