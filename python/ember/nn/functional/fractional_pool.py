"""fractional_max_pool2d / 3d with torch.nn.functional's semantics (Graham, "Fractional
max-pooling"): windows of a fixed size whose starts follow a pseudo-random sequence set by one
sample u in [0, 1) per (batch, channel, dim): start_i = int((i + u) * a) - int(u * a) with
a = (in - k) / (out - 1), the last window ending at the input's edge. `_random_samples`
(N, C, 2 or 3; for 2-D the W sample first, for 3-D in (D, H, W) order, as torch) fixes them.

The window starts differ per plane, so each output gathers its window's elements by flat
index; the maximum (the first in window order) is picked without grad and the value is
gathered once more, so the gradient is a scatter to the picked positions.
"""
import numbers

import numpy as np

import ember

from ... import _C
from ..._tensor import Tensor
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]


def _tuple(value, n, name, op):
    if isinstance(value, numbers.Number):
        return [value] * n
    v = list(value)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise ValueError(f"{op} requires {name} to either be a single Int or tuple of Ints.")
    return v


def _starts(samples, size, out, kernel, dtype):
    """(planes, out) window starts along one dim from the per-plane samples, in the input's
    floating precision as torch computes them."""
    if out == 0:
        return np.zeros(samples.shape + (0,), dtype=np.int64)
    ft = np.float64 if dtype == ember.float64 else np.float32
    u = samples.astype(ft)[..., None]
    starts = np.empty(samples.shape + (out,), dtype=np.int64)
    if out > 1:
        alpha = ft(size - kernel) / ft(out - 1)
        i = np.arange(out - 1, dtype=ft)
        starts[..., :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    starts[..., -1] = size - kernel
    return starts


def _fractional(op, nd, input, kernel_size, output_size, output_ratio, _random_samples):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise ember.ShapeError(f"{op}: expected {nd + 1}-D or {nd + 2}-D input, but got input of shape "
                               f"{list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise _C.DTypeError(f"{op}: expected a floating-point input, got {input.dtype}")
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    batched = input.dim() == nd + 2
    x = input if batched else input.unsqueeze(0)
    n, c = x.shape[0], x.shape[1]
    spatial = list(x.shape[2:])
    kernel = [int(k) for k in _tuple(kernel_size, nd, "kernel_size", op)]
    if output_size is None:
        ratio = [float(r) for r in _tuple(output_ratio, nd, "output_ratio", op)]
        if not all(0 < r < 1 for r in ratio):
            raise ValueError(f"{op}: output_ratio must be between 0 and 1 (got {ratio})")
        out = [int(s * r) for s, r in zip(spatial, ratio)]
    else:
        out = [int(s) for s in _tuple(output_size, nd, "output_size", op)]
    names = ["depth", "height", "width"][3 - nd:]
    for d in range(nd):
        if min(kernel) <= 0 or out[d] < 0:
            raise ember.ArgumentError(f"{op}: kernel_size and output_size must be positive, got kernel_size "
                                      f"{kernel} and output_size {out}")
        if out[d] + kernel[d] - 1 > spatial[d]:
            raise ember.ArgumentError(f"{op}: pool {names[d]} {kernel[d]} too large relative to input "
                                      f"{names[d]} {spatial[d]} (output_size {out}, input of shape "
                                      f"{list(input.shape)})")
    if _random_samples is None:
        samples = ember.rand(n, c, nd, dtype=x.dtype)
    else:
        samples = _random_samples
        if list(samples.shape) != [n, c, nd]:
            raise ember.ShapeError(f"{op}: expected _random_samples of shape {[n, c, nd]}, but got "
                                   f"{list(samples.shape)}")
    u = samples.detach().to(ember.float64).cpu().numpy() if samples.numel() else np.zeros((n, c, nd))
    # the samples' order: 2-D (W, H), 3-D (D, H, W)
    order = [1, 0] if nd == 2 else [0, 1, 2]
    starts = [_starts(u[:, :, order[d]], spatial[d], out[d], kernel[d], x.dtype) for d in range(nd)]
    # flat index of every window element: (N, C, *out, K)
    strides = [int(np.prod(spatial[d + 1:])) for d in range(nd)]
    flat = np.zeros((n, c) + tuple(out) + (1,), dtype=np.int64)
    for d in range(nd):
        shape = [n, c] + [1] * nd + [1]
        shape[2 + d] = out[d]
        pos = starts[d].reshape(shape)
        offsets = np.arange(kernel[d]).reshape([1] * (nd + 2) + [kernel[d]])
        flat = (flat[..., :, None] + ((pos + offsets) * strides[d])[..., None, :]).reshape(
            [n, c] + out + [-1])
    windows = ember.tensor(flat)
    planes = x.reshape(n, c, -1)
    k = windows.shape[-1]
    with ember.no_grad():
        values = planes.detach().gather(2, windows.reshape(n, c, -1)).reshape(list(windows.shape))
        pick = values.argmax(-1, keepdim=True) if values.numel() else ember.zeros(
            list(windows.shape[:-1]) + [1], dtype=ember.int64)
        indices = windows.gather(-1, pick).squeeze(-1) if k else pick.squeeze(-1)
    result = planes.gather(2, indices.reshape(n, c, -1)).reshape([n, c] + out)
    if not batched:
        result, indices = result.squeeze(0), indices.squeeze(0)
    return result, indices


@op
def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    out, idx = _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio,
                           _random_samples)
    return (out, idx) if return_indices else out


@op
def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    out, idx = _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio,
                           _random_samples)
    return (out, idx) if return_indices else out


@op
def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, _random_samples)


@op
def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, _random_samples)
