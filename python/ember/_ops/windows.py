"""Window functions and spaced sequences with torch's names and signatures: hann_window,
hamming_window, blackman_window, bartlett_window, kaiser_window, logspace, and torch.range
(deprecated in torch: end-inclusive, float32 by default).

A periodic window of length N is the first N points of the symmetric window of length N + 1,
which is what spectral analysis (stft) wants; periodic=False gives the symmetric one.
"""
import math
import warnings

from .. import _C
from .._op_layer import op

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window", "logspace",
           "range"]



def _E():
    import ember
    return ember


def _window_dtype(dtype, name):
    E = _E()
    dtype = E.float32 if dtype is None else dtype
    if dtype not in (E.float32, E.float64, E.float16, E.bfloat16):
        raise _C.DTypeError(f"{name} expects floating point dtypes, got: {dtype}")
    return dtype


def _window(name, window_length, periodic, dtype, device, requires_grad, shape):
    """shape(n) -> the symmetric window's values at 0..n-1 over a period of n - 1 (float64)."""
    E = _E()
    if not isinstance(window_length, int) or isinstance(window_length, bool):
        raise TypeError(f"{name}(): argument 'window_length' must be int, not {type(window_length).__name__}")
    if window_length < 0:
        raise ValueError(f"{name} requires non-negative window_length, got window_length={window_length}")
    dtype = _window_dtype(dtype, name)
    if window_length <= 1:
        values = E.ones(window_length, dtype=E.float64)
    else:
        n = window_length + 1 if periodic else window_length
        values = shape(E.arange(n, dtype=E.float64), n)[:window_length]
    result = values.to(dtype)
    if device is not None:
        result = result.to(device)
    return result.requires_grad_(True) if requires_grad else result


def _cosine_sum(*coefficients):
    """a0 - a1 cos(2 pi k / (n-1)) + a2 cos(4 pi k / (n-1)) - ...: the generalized cosine window."""
    def shape(k, n):
        phase = k * (2 * math.pi / (n - 1))
        total = k * 0 + coefficients[0]
        for j, a in enumerate(coefficients[1:], start=1):
            total = total + ((-1) ** j * a) * (phase * j).cos()
        return total
    return shape


@op
def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                requires_grad=False):
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, _cosine_sum(0.5, 0.5))


@op
def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   pin_memory=False, requires_grad=False):
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(alpha, beta))


@op
def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                    requires_grad=False):
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(0.42, 0.5, 0.08))


@op
def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                    requires_grad=False):
    def triangle(k, n):
        return 1 - ((k - (n - 1) / 2) * (2 / (n - 1))).abs()
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, triangle)


@op
def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  pin_memory=False, requires_grad=False):
    """I0(beta sqrt(1 - (2k/(n-1) - 1)^2)) / I0(beta)."""
    from ..special import i0

    def kaiser(k, n):
        ratio = k * (2 / (n - 1)) - 1
        return i0((1 - ratio.square()).clamp(min=0).sqrt() * beta) / i0(k[:1] * 0 + beta)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, kaiser)


@op
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps), computed in float64 and then cast."""
    E = _E()
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"logspace(): number of steps must be non-negative, got {steps}")
    dtype = E.float32 if dtype is None else dtype
    exponents = E.linspace(float(start), float(end), steps, dtype=E.float64)
    result = E.pow(E.full_like(exponents, float(base)), exponents).to(dtype)
    if device is not None:
        result = result.to(device)
    if out is not None:
        out.copy_(result)
        return out
    return result.requires_grad_(True) if requires_grad else result


@op
def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.range: like arange but including `end`, float32 by default (deprecated in torch,
    which warns as this does)."""
    E = _E()
    warnings.warn("ember.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use ember.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    if step == 0:
        raise ValueError("range(): step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError("range(): upper bound and larger bound inconsistent with step sign")
    count = int(math.floor((end - start) / step)) + 1
    dtype = E.float32 if dtype is None else dtype
    values = E.arange(count, dtype=E.float64) * float(step) + float(start)
    result = values.to(dtype)
    if device is not None:
        result = result.to(device)
    if out is not None:
        out.copy_(result)
        return out
    return result.requires_grad_(True) if requires_grad else result
