"""Argument handling shared by the ember.fft transforms: torch's rules for norm, n / s and dim,
the dtype a transform computes in, and the crop / zero-pad of the input to the transform
sizes. Errors name the function, the shapes and the dtypes."""
import math
import numbers

from .. import _C
from .._tensor import Tensor

_NORMS = ("backward", "ortho", "forward")
# The norm whose scale on the opposite-direction transform equals this norm's scale on its own
# direction: a transform's adjoint is the unnormalized opposite transform times the same scale.
DUAL_NORM = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def dtype_name(dtype):
    return str(dtype).rsplit(".", 1)[-1]


def check_input(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"fft.{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x.device.type != "cpu":
        raise RuntimeError(f"fft.{name}: expected a CPU tensor, got one on {x.device}")
    return x


def check_norm(name, norm):
    """The norm mode, None meaning "backward"."""
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise _C.ArgumentError(f'fft.{name}: invalid normalization mode {norm!r}; expected "backward", '
                               '"ortho", "forward" or None')
    return norm


def scale(norm, size, forward):
    """The factor on the unnormalized transform of `size` points (the product of the transform
    sizes): a forward transform is unscaled under "backward", an inverse one under "forward"."""
    if norm == "ortho":
        return 1.0 / math.sqrt(size)
    if (norm == "backward") == forward:
        return 1.0
    return 1.0 / size


def real_dtype(name, x):
    """The float dtype of the computation: the input's (its parts' for complex input), the
    default float dtype for integer and bool input. float16 / bfloat16 are refused, as torch
    refuses them on the CPU."""
    dt = x.dtype
    if dt in (_C.dtype.float32, _C.dtype.complex64):
        return _C.dtype.float32
    if dt in (_C.dtype.float64, _C.dtype.complex128):
        return _C.dtype.float64
    if dt in (_C.dtype.float16, _C.dtype.bfloat16):
        raise _C.DTypeError(f"fft.{name}: unsupported dtype {dtype_name(dt)} (the CPU transforms run in "
                            "float32 and float64 only; convert the input with .float() or .double())")
    if dt.is_floating_point or dt.is_complex:
        raise _C.DTypeError(f"fft.{name}: unsupported dtype {dtype_name(dt)}")
    from .._defaults import get_default_dtype
    return get_default_dtype()


def complex_of(real):
    return _C.dtype.complex64 if real == _C.dtype.float32 else _C.dtype.complex128


def check_real(name, x):
    if x.dtype.is_complex:
        raise _C.DTypeError(f"fft.{name} expects a real input tensor, but got {dtype_name(x.dtype)} "
                            f"of shape {list(x.shape)}")


def _int(name, what, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"fft.{name}(): argument '{what}' must be int, not {type(value).__name__}")
    return int(value)


def _wrap_dim(name, d, ndim, shape):
    d = _int(name, "dim", d)
    if not -ndim <= d < ndim:
        if ndim == 0:
            raise IndexError(f"fft.{name}: dim {d} out of range for a 0-dim tensor (it has no dims to transform)")
        raise IndexError(f"fft.{name}: dim {d} out of range for a tensor of shape {list(shape)} "
                         f"(expected to be in range of [{-ndim}, {ndim - 1}])")
    return d % ndim


def _check_points(name, n, d, shape):
    if n < 1:
        raise _C.ArgumentError(f"fft.{name}: invalid number of data points ({n}) specified along dim {d} "
                               f"of the input of shape {list(shape)}")


def dims_and_sizes(name, x, s, dim, *, one_dim=False, halved_last=False, need_dims=False):
    """(dims, sizes): the wrapped transform dims and the transform sizes along them, by torch's
    rules. 1-D transforms pass n as s and an int dim (one_dim). Without s the sizes are the
    input's; an entry -1 of s keeps the input's size; s without dim transforms the last len(s)
    dims; neither transforms every dim. halved_last: the c2r transforms (irfft*, hfft*), whose
    input holds sizes[-1] // 2 + 1 bins of the last dim and whose default size there is
    2 * (m - 1). need_dims: the transforms with a one-sided last dim must have one."""
    shape = list(x.shape)
    ndim = len(shape)
    if one_dim:
        dims = [_wrap_dim(name, dim, ndim, shape)]
        s = None if s is None else [_int(name, "n", s)]
    else:
        if s is not None:
            s = [_int(name, "s", v) for v in ([s] if isinstance(s, numbers.Integral) else s)]
        if dim is None:
            if s is None:
                dims = list(range(ndim))
            else:
                if len(s) > ndim:
                    raise _C.ArgumentError(f"fft.{name}: got s with {len(s)} values but the input of shape "
                                           f"{shape} has only {ndim} dimensions")
                dims = list(range(ndim - len(s), ndim))
        else:
            dims = [_wrap_dim(name, d, ndim, shape) for d in ([dim] if isinstance(dim, numbers.Integral) else dim)]
            if len(set(dims)) != len(dims):
                raise _C.ArgumentError(f"fft.{name}: FFT dims must be unique, got dim={dim!r}")
            if s is not None and len(s) != len(dims):
                raise _C.ArgumentError(f"fft.{name}: when given, dim and s must have the same length, got "
                                       f"s={tuple(s)} and dim={dim!r}")
    if need_dims and not dims:
        raise _C.ArgumentError(f"fft.{name} must transform at least one axis (input of shape {shape})")
    if s is None:
        s = [-1] * len(dims)
    sizes = []
    for i, (d, n) in enumerate(zip(dims, s)):
        if n == -1:
            n = shape[d]
            if halved_last and i == len(dims) - 1:
                n = 2 * (n - 1)
        _check_points(name, n, d, shape)
        sizes.append(n)
    return dims, sizes


def resize(x, dims, sizes):
    """x cropped (a view) or zero-padded (a copy) along each of dims to the sizes, in ember ops
    so that the backward rules can differentiate through it."""
    for d, n in zip(dims, sizes):
        m = x.shape[d]
        if n < m:
            x = x.narrow(d, 0, n)
        elif n > m:
            from .._ops.creation import zeros
            from .._ops.shape import cat
            pad_shape = list(x.shape)
            pad_shape[d] = n - m
            x = cat([x, zeros(pad_shape, dtype=x.dtype)], d)
    return x


def into(name, result, out):
    """The result, or (out=) copied into `out`: complex results need a complex out tensor and real
    results a real floating one; out is resized to the result's shape and may be wider."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"fft.{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if result.dtype.is_complex != out.dtype.is_complex or not (out.dtype.is_complex or out.dtype.is_floating_point):
        kind = "complex" if result.dtype.is_complex else "real floating-point"
        raise _C.DTypeError(f"fft.{name} expects a {kind} output tensor (its result is {dtype_name(result.dtype)}), "
                            f"but got out of dtype {dtype_name(out.dtype)}")
    out.resize_(list(result.shape)).copy_(result)
    return out
