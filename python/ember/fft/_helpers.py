"""The frequency helpers: fftfreq / rfftfreq (the sample frequencies of the bins of fft / rfft)
and fftshift / ifftshift (the zero frequency moved to the centre and back: rolls, so they
record through roll's backward rule)."""
import numbers

import numpy as np

from .. import _C
from .._layout import strided
from .._op_layer import namespace
from .._tensor import Tensor
from ._args import dtype_name, into

op = namespace("fft")

__all__ = ["fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _frequencies(name, bins, n, d, dtype, device, layout, requires_grad, out):
    """bins (integers, numpy) / (d * n) as a tensor of the requested floating or complex dtype."""
    from .._defaults import get_default_dtype
    from .._ops.creation import _check_layout, from_numpy
    _check_layout(layout, f"fft.{name}")
    dtype = get_default_dtype() if dtype is None else dtype
    if not (dtype.is_floating_point or dtype.is_complex):
        raise _C.DTypeError(f"fft.{name} requires a floating point or complex dtype, got {dtype_name(dtype)}")
    if dtype in (_C.dtype.float16, _C.dtype.bfloat16):
        compute = np.float32  # numpy has no bfloat16: the values are rounded from float32
    else:
        compute = np.complex128 if dtype.is_complex else np.float64
    with np.errstate(divide="ignore", invalid="ignore"):  # n * d = 0: inf and nan, as torch gives
        values = (bins * (np.float64(1.0) / np.float64(n * d))).astype(compute)
    result = from_numpy(values).to(dtype)
    if device is not None and _C.device(str(device)).type != "cpu":
        raise RuntimeError(f"fft.{name}: only CPU tensors are supported, got device={device}")
    result = into(name, result, out) if out is not None else result
    if requires_grad:
        result.requires_grad_(True)
    return result


def _length(name, n):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"fft.{name}(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise _C.ArgumentError(f"fft.{name}: n must be non-negative, got {n}")
    return int(n)


@op
def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=strided, device=None, requires_grad=False):
    """[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n): the frequencies of fft's n bins
    for samples spaced d apart."""
    n = _length("fftfreq", n)
    bins = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)]).astype(np.int64)
    return _frequencies("fftfreq", bins, n, d, dtype, device, layout, requires_grad, out)


@op
def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=strided, device=None, requires_grad=False):
    """[0, 1, ..., n // 2] / (d * n): the frequencies of rfft's n // 2 + 1 bins."""
    n = _length("rfftfreq", n)
    return _frequencies("rfftfreq", np.arange(0, n // 2 + 1), n, d, dtype, device, layout, requires_grad, out)


def _shift(name, input, dim, sign):
    if not isinstance(input, Tensor):
        raise TypeError(f"fft.{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if dim is None:
        dims = list(range(input.dim()))
    else:
        dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
    if not dims:
        return input.clone()
    for d in dims:
        if not -input.dim() <= d < max(input.dim(), 1):
            raise IndexError(f"fft.{name}: dim {d} out of range for a tensor of shape {list(input.shape)}")
    # fftshift rolls by n // 2, ifftshift by -(n // 2) (the same as n - n // 2 = (n + 1) // 2)
    shifts = [(input.shape[d] // 2) * sign for d in dims]
    return input.roll(shifts, dims)


@op
def fftshift(input, dim=None):
    """The zero-frequency bin moved to the centre along `dim` (every dim by default)."""
    return _shift("fftshift", input, dim, 1)


@op
def ifftshift(input, dim=None):
    """The inverse of fftshift."""
    return _shift("ifftshift", input, dim, -1)
