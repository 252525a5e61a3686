"""Reductions, scans and softmax: functions in the ember namespace and their Tensor methods.

Signatures follow PyTorch: ember.sum(x, dim=None, keepdim=False, *, dtype=None), x.max(dim=0),
ember.var(x, 1, unbiased=False), ember.softmax(x, -1), ... `dim` is an int, a sequence of ints,
or None (every dim; an empty sequence means every dim too).
"""
import functools
import operator
import threading

from .. import _C, return_types
from .._op_layer import native, op
from .._tensor import Tensor, _wrap

__all__ = [
    "sum", "mean", "prod", "var", "std", "var_mean", "std_mean", "amax", "amin", "max", "min",
    "argmax", "argmin", "all", "any", "logsumexp", "norm", "cumsum", "cumprod", "softmax",
    "log_softmax",
]


# The named tuples that max(dim) and min(dim) return, like torch.return_types.
return_types.make("max", ["values", "indices"])
return_types.make("min", ["values", "indices"])


def _impl(x, op):
    if isinstance(x, Tensor):
        return x._impl
    raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")


def _dims(dim):
    """dim=None | int | sequence of ints -> None or a list of ints for _C."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return [dim]
    if isinstance(dim, (tuple, list)):
        return [operator.index(d) for d in dim]
    if isinstance(dim, str):
        raise TypeError("dim must be an int or a sequence of ints, not str")
    try:
        return [operator.index(dim)]
    except TypeError:
        return [operator.index(d) for d in dim]


def _numpy_compat(fn):
    """Also accept numpy's spelling (axis=, keepdims=, out=), as PyTorch does, so that
    np.sum(t), np.max(t), np.mean(t, axis=0) work on tensors."""
    @functools.wraps(fn)
    def wrapper(input, *args, axis=None, keepdims=None, out=None, **kwargs):
        if fn.__name__ in ("max", "min") and not args and "dim" not in kwargs and (
                isinstance(axis, (tuple, list)) or (axis is None and keepdims)):
            # the array API's max(x, axis=(...)) / max(x, keepdims=True): the values, as amax gives
            # them (dim= keeps torch's forms: an int dim gives (values, indices))
            result = (amax if fn.__name__ == "max" else amin)(input, () if axis is None else axis, bool(keepdims))
            return result if out is None else out.copy_(result)
        if axis is not None:
            kwargs["dim"] = axis
        if keepdims is not None:
            kwargs["keepdim"] = keepdims
        result = fn(input, *args, **kwargs)
        if out is None:
            return result
        if not isinstance(result, Tensor):
            raise TypeError(f"{fn.__name__}(): out= is not supported for this form")
        return out.copy_(result)
    return wrapper


def _correction(op, unbiased, correction):
    """PyTorch's two spellings of the divisor: unbiased=True/False or correction=N (default 1)."""
    if unbiased is not None:
        if correction is not None:
            raise TypeError(f"{op}(): pass either 'unbiased' or 'correction', not both")
        return 1.0 if unbiased else 0.0
    return 1.0 if correction is None else float(correction)


# sum and mean, the reductions of every loss and training loop, take numpy's spelling in their
# own signature rather than through _numpy_compat's extra call.
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    if axis is not None or keepdims is not None or out is not None:
        return _numpy_spelling(sum, input, dim, keepdim, axis, keepdims, out, dtype=dtype)
    return _wrap(_C.sum(_impl(input, "sum"), _dims(dim), keepdim, dtype))


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    if axis is not None or keepdims is not None or out is not None:
        return _numpy_spelling(mean, input, dim, keepdim, axis, keepdims, out, dtype=dtype)
    return _wrap(_C.mean(_impl(input, "mean"), _dims(dim), keepdim, dtype))


def _numpy_spelling(fn, input, dim, keepdim, axis, keepdims, out, **kwargs):
    """fn(input, axis=, keepdims=, out=) in PyTorch's terms."""
    result = fn(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims, **kwargs)
    return result if out is None else out.copy_(result)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    return _wrap(_C.prod(_impl(input, "prod"), _dims(dim), keepdim, dtype))


def _warn_if_no_degrees_of_freedom(op, input, dims, correction):
    """torch's warning when the correction is not below the number of values reduced (the result
    is then NaN or inf): its reduction factor is 0 for an empty input."""
    if not isinstance(input, Tensor):
        return  # the op raises its own TypeError
    shape = input.shape
    count = 1
    if dims is None:
        for size in shape:
            count *= size
    else:
        ndim = len(shape) or 1  # a 0-d tensor takes dim 0 and -1
        for d in set(dims):
            if not -ndim <= d < ndim:
                return  # the op raises its own IndexError
            count *= shape[d] if shape else 1
    if input.numel() == 0:
        count = 0
    if count - correction <= 0:
        from .._warnings import warn
        warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
             "(input numel divided by output numel).")


# Set while var_mean / std_mean run var / std, having warned under their own name already.
_dof_warned = threading.local()


def _variance(op, kernel, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    c = _correction(op, unbiased, correction)
    dims = _dims(dim)
    if not getattr(_dof_warned, "active", False):
        _warn_if_no_degrees_of_freedom(op, input, dims, c)
    return _wrap(kernel(_impl(input, op), dims, c, keepdim))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _variance("var", _C.var, input, dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _variance("std", _C.std, input, dim, unbiased, keepdim, correction)


def _with_mean(op, spread, input, dim, unbiased, keepdim, correction):
    """(spread, mean) over the same dims, through the var/std op (and so its gradient)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _warn_if_no_degrees_of_freedom(op, input, _dims(dim), _correction(op, unbiased, correction))
    _dof_warned.active = True
    try:
        result = spread(input, dim, unbiased, keepdim, correction=correction)
    finally:
        _dof_warned.active = False
    return (result, mean(input, dim, keepdim))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over the same dims."""
    return _with_mean("var_mean", var, input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over the same dims."""
    return _with_mean("std_mean", std, input, dim, unbiased, keepdim, correction)


def amax(input, dim=(), keepdim=False):
    return _wrap(_C.amax(_impl(input, "amax"), _dims(dim), keepdim))


def amin(input, dim=(), keepdim=False):
    return _wrap(_C.amin(_impl(input, "amin"), _dims(dim), keepdim))


def max(input, dim=None, keepdim=False):
    """max(x) -> 0-dim; max(x, dim, keepdim=False) -> (values, indices); max(x, other) -> maximum."""
    impl = _impl(input, "max")
    if dim is None:
        return _wrap(_C.max_all(impl))
    if isinstance(dim, Tensor):
        return _wrap(_C.maximum(impl, dim._impl))
    values, indices = _C.max_dim(impl, operator.index(dim), keepdim)
    return return_types.max(_wrap(values), _wrap(indices))


def min(input, dim=None, keepdim=False):
    """min(x) -> 0-dim; min(x, dim, keepdim=False) -> (values, indices); min(x, other) -> minimum."""
    impl = _impl(input, "min")
    if dim is None:
        return _wrap(_C.min_all(impl))
    if isinstance(dim, Tensor):
        return _wrap(_C.minimum(impl, dim._impl))
    values, indices = _C.min_dim(impl, operator.index(dim), keepdim)
    return return_types.min(_wrap(values), _wrap(indices))


def argmax(input, dim=None, keepdim=False):
    return _wrap(_C.argmax(_impl(input, "argmax"), None if dim is None else operator.index(dim), keepdim))


def argmin(input, dim=None, keepdim=False):
    return _wrap(_C.argmin(_impl(input, "argmin"), None if dim is None else operator.index(dim), keepdim))


def all(input, dim=None, keepdim=False):
    return _wrap(_C.all(_impl(input, "all"), _dims(dim), keepdim))


def any(input, dim=None, keepdim=False):
    return _wrap(_C.any(_impl(input, "any"), _dims(dim), keepdim))


def logsumexp(input, dim, keepdim=False):
    return _wrap(_C.logsumexp(_impl(input, "logsumexp"), _dims(dim), keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm over `dim` (every dim by default); 'fro' is the 2-norm."""
    impl = _impl(input, "norm")
    if dtype is not None:
        impl = impl.to_dtype(dtype)
    if isinstance(p, str) and p == "fro":
        # torch reads 'fro' over dims as a matrix norm: one or two dims (or all, for dim=None).
        dims = _dims(dim)
        if dims is not None and len(dims) > 2:
            raise _C.ArgumentError(f"norm(): p='fro' takes one or two dims, but got dim={tuple(dims)} for an "
                                   f"input of shape {list(impl.shape)}; use p=2 for the vector norm over them")
        p = 2.0
    elif p is None:
        p = 2.0
    elif isinstance(p, str):
        raise NotImplementedError(f"norm(): p={p!r} is not supported; use 'fro' or a number")
    return _wrap(_C.norm(impl, float(p), _dims(dim), keepdim))


def cumsum(input, dim, *, dtype=None):
    return _wrap(_C.cumsum(_impl(input, "cumsum"), operator.index(dim), dtype))


def cumprod(input, dim, *, dtype=None):
    return _wrap(_C.cumprod(_impl(input, "cumprod"), operator.index(dim), dtype))


def softmax(input, dim, dtype=None):
    return _wrap(_C.softmax(_impl(input, "softmax"), operator.index(dim), dtype))


def log_softmax(input, dim, dtype=None):
    return _wrap(_C.log_softmax(_impl(input, "log_softmax"), operator.index(dim), dtype))


for _name in ("prod", "var", "std", "amax", "amin", "max", "min", "argmax", "argmin",
              "all", "any", "cumsum", "cumprod"):
    globals()[_name] = _numpy_compat(globals()[_name])
# sum runs natively for dim None, an int or ints (python/src/fast_ops.cpp), this body otherwise
_C._fast.set_fallback("sum", sum)
sum = native("sum", sum, _C._fast.sum)
for _name in __all__:  # each function is an op, and the Tensor method of its name
    if _name != "sum":
        globals()[_name] = op(_name, globals()[_name])

# The Tensor methods are the same functions, with the tensor as `self`.
for _name in ("sum", "mean", "prod", "var", "std", "amax", "amin", "max", "min", "argmax", "argmin",
              "all", "any", "logsumexp", "norm", "cumsum", "cumprod", "softmax", "log_softmax"):
    setattr(Tensor, _name, globals()[_name])
del _name
