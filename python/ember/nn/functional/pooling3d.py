"""3-D pooling with torch.nn.functional's names and semantics: max_pool3d, avg_pool3d,
adaptive_avg_pool3d, adaptive_max_pool3d over (N, C, D, H, W) or unbatched (C, D, H, W), and
the public *_with_indices forms of every max pool.

A 3-D window is the product of a depth interval and an (H, W) window, and max and mean are
separable over such products: each 3-D pool is the native 2-D pool over (H, W) of every depth
slice followed by the native 1-D pool over depth (the sizes and divisors of both are
per-dim, ceil_mode and padding included). Ties keep torch's order: the first maximum in
(d, h, w) order, the last NaN. Gradients are those of the native pools; the indices
(flat positions in each D*H*W volume) are put together from the two pools' indices.
"""
import numbers

import ember

from ... import _C
from ..._tensor import Tensor
from ..._op_layer import namespace
from . import pooling as _pool

op = namespace("nn.functional")

__all__ = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices"]


def _triple(value, name, op, default=None):
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0):
        return default
    if isinstance(value, numbers.Integral):
        return [int(value)] * 3
    v = [int(x) for x in value]
    if len(v) == 1:
        return v * 3
    if len(v) != 3:
        raise ember.ArgumentError(f"{op}: {name} must either be a single int, or a tuple of three ints, got {v}")
    return v


def _input5(input, op, floating=False):
    """input as (N, C, D, H, W) and whether it had a batch dim."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (4, 5):
        raise ember.ShapeError(f"{op}: expected a 4-D or 5-D input (C, D, H, W) or (N, C, D, H, W), but got "
                               f"input of shape {list(input.shape)}")
    if floating and not input.dtype.is_floating_point:
        raise _C.DTypeError(f"{op}: expected a floating-point input, got {str(input.dtype).replace('ember.', '')}")
    if input.dtype == ember.bool:
        raise _C.DTypeError(f"{op}: bool input is not supported")
    if min(input.shape[-3:]) <= 0:
        raise ember.ShapeError(f"{op}: expected the input's spatial dims to be non-zero, but got input of shape "
                               f"{list(input.shape)}")
    return (input, True) if input.dim() == 5 else (input.unsqueeze(0), False)


def _out_size(n, k, s, p, d, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:  # the last window must start inside the input or left pad
        out -= 1
    return out


def _window(op, x, kernel_size, stride, padding, dilation, ceil_mode):
    k = _triple(kernel_size, "kernel_size", op)
    if k is None:
        raise ember.ArgumentError(f"{op}: kernel_size must be given")
    s = _triple(stride, "stride", op, default=k)
    p = _triple(padding, "padding", op)
    d = _triple(dilation, "dilation", op)
    if min(k) <= 0:
        raise ember.ArgumentError(f"{op}: kernel_size should be greater than zero, but got kernel_size {k}")
    if min(s) <= 0:
        raise ember.ArgumentError(f"{op}: stride should be greater than zero, but got stride {s}")
    if min(d) <= 0:
        raise ember.ArgumentError(f"{op}: dilation should be greater than zero, but got dilation {d}")
    if min(p) < 0:
        raise ember.ArgumentError(f"{op}: pad must be non-negative, but got padding {p}")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ember.ArgumentError(f"{op}: pad should be at most half of kernel size, got padding {p} and "
                                  f"kernel_size {k}")
    out = [_out_size(n, *a, ceil_mode) for n, a in zip(x.shape[2:], zip(k, s, p, d))]
    if min(out) <= 0:
        raise ember.ArgumentError(f"{op}: input of shape {list(x.shape)} gives output size {out}, which is too "
                                  f"small (kernel_size {k}, padding {p}, dilation {d})")
    return k, s, p, d


def _depth_last(y):
    """(N, C, D, OH, OW) -> (N*C, OH*OW, D): each (h, w) column's depth profile as a 1-D signal."""
    n, c, depth, oh, ow = y.shape
    return y.reshape(n * c, depth, oh * ow).transpose(1, 2)


def _depth_back(y, n, c, oh, ow, batched):
    """(N*C, OH*OW, OD) -> (N, C, OD, OH, OW), unbatched again when the input was."""
    out = y.transpose(1, 2).reshape(n, c, y.shape[2], oh, ow)
    return out if batched else out.squeeze(0)


def _join_indices(depth_idx, plane_idx, plane_size):
    """The flat D*H*W index: depth_idx (N*C, OH*OW, OD) picks, per output, the depth slice whose
    (H, W) index plane_idx (N*C, OH*OW, D) holds."""
    return depth_idx * plane_size + plane_idx.gather(2, depth_idx)


def _max3d(op, input, kernel_size, stride, padding, dilation, ceil_mode):
    x, batched = _input5(input, op)
    k, s, p, d = _window(op, x, kernel_size, stride, padding, dilation, ceil_mode)
    n, c, depth, h, w = x.shape
    planes, plane_idx = _pool.max_pool2d(x.reshape(n * c, depth, h, w), k[1:], s[1:], p[1:], d[1:], ceil_mode,
                                         return_indices=True)
    oh, ow = planes.shape[2], planes.shape[3]
    values, depth_idx = _pool.max_pool1d(_depth_last(planes.reshape(n, c, depth, oh, ow)), k[0], s[0], p[0], d[0],
                                         ceil_mode, return_indices=True)
    with ember.no_grad():
        idx = _join_indices(depth_idx, _depth_last(plane_idx.reshape(n, c, depth, oh, ow)), h * w)
    return _depth_back(values, n, c, oh, ow, batched), _depth_back(idx, n, c, oh, ow, batched)


@op
def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return _max3d("max_pool3d_with_indices", input, kernel_size, stride, padding, dilation, ceil_mode)


@op
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    out, idx = _max3d("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


@op
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return _pool.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


@op
def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return _pool.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def _counts(n, k, s, p, out, include_pad):
    """The per-position divisor of a 1-D average pool: window length inside [-p, n + p) (with
    the padding) or inside [0, n) (without)."""
    counts = []
    for o in range(out):
        start = o * s - p
        end = min(start + k, n + p)
        counts.append(end - start if include_pad else min(end, n) - max(start, 0))
    return counts


@op
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    op = "avg_pool3d"
    x, batched = _input5(input, op, floating=True)
    k, s, p, _ = _window(op, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and int(divisor_override) == 0:
        raise ember.ArgumentError(f"{op}: divisor must be not zero")
    n, c, depth, h, w = x.shape
    if divisor_override is None:
        planes = _pool.avg_pool2d(x.reshape(n * c, depth, h, w), k[1:], s[1:], p[1:], ceil_mode, count_include_pad)
    else:  # window sums over (H, W) first
        planes = _pool.avg_pool2d(x.reshape(n * c, depth, h, w), k[1:], s[1:], p[1:], ceil_mode, True, 1)
    oh, ow = planes.shape[2], planes.shape[3]
    values = _pool.avg_pool1d(_depth_last(planes.reshape(n, c, depth, oh, ow)), k[0], s[0], p[0], ceil_mode,
                              count_include_pad if divisor_override is None else True)
    if divisor_override is not None:
        # undo the depth average (its divisors are the padded window lengths) to get sums
        od = values.shape[2]
        lengths = _counts(depth, k[0], s[0], p[0], od, True)
        scale = ember.tensor([v / float(divisor_override) for v in lengths], dtype=values.dtype)
        values = values * scale
    return _depth_back(values, n, c, oh, ow, batched)


def _adaptive_size(output_size, x, op):
    if isinstance(output_size, numbers.Integral) or output_size is None:
        output_size = [output_size] * 3
    size = list(output_size)
    if len(size) != 3:
        raise ember.ArgumentError(f"{op}: output_size must have 3 entries, got {size}")
    size = [x.shape[2 + i] if v is None else int(v) for i, v in enumerate(size)]
    if min(size) < 0:
        raise ember.ArgumentError(f"{op}: elements of output_size must be non-negative, got {size}")
    return size


@op
def adaptive_avg_pool3d(input, output_size):
    op = "adaptive_avg_pool3d"
    x, batched = _input5(input, op, floating=True)
    od, oh, ow = _adaptive_size(output_size, x, op)
    n, c, depth, h, w = x.shape
    planes = _pool.adaptive_avg_pool2d(x.reshape(n * c, depth, h, w), [oh, ow])
    values = _pool.adaptive_avg_pool1d(_depth_last(planes.reshape(n, c, depth, oh, ow)), od)
    return _depth_back(values, n, c, oh, ow, batched)


def _adaptive_max3d(op, input, output_size):
    x, batched = _input5(input, op)
    od, oh, ow = _adaptive_size(output_size, x, op)
    n, c, depth, h, w = x.shape
    planes, plane_idx = _pool.adaptive_max_pool2d(x.reshape(n * c, depth, h, w), [oh, ow], return_indices=True)
    values, depth_idx = _pool.adaptive_max_pool1d(_depth_last(planes.reshape(n, c, depth, oh, ow)), od,
                                                  return_indices=True)
    with ember.no_grad():
        idx = _join_indices(depth_idx, _depth_last(plane_idx.reshape(n, c, depth, oh, ow)), h * w)
    return _depth_back(values, n, c, oh, ow, batched), _depth_back(idx, n, c, oh, ow, batched)


@op
def adaptive_max_pool3d(input, output_size, return_indices=False):
    out, idx = _adaptive_max3d("adaptive_max_pool3d", input, output_size)
    return (out, idx) if return_indices else out


@op
def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max3d("adaptive_max_pool3d_with_indices", input, output_size)


@op
def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return _pool.adaptive_max_pool1d(input, output_size, return_indices=True)


@op
def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _pool.adaptive_max_pool2d(input, output_size, return_indices=True)
