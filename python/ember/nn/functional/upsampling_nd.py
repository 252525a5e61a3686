"""The interpolate modes beyond the native 1-D / 2-D kernels: 5-D input ('nearest',
'nearest-exact', 'trilinear', 'area') and 'bicubic' on 4-D input.

All of them are separable (a product of per-dim maps), so each runs as stages, one per group
of spatial dims, and its gradient runs the stages' gradients in reverse:

- 5-D: the native 2-D kernel over (H, W) of every depth slice, then the native 1-D kernel over
  depth (for each (h, w) column); 'area' uses the adaptive average pools the same way.
- bicubic: torch's cubic convolution (A = -0.75) along H, then W: each output row sums four
  input rows (clamped to the edge) with weights of its fractional source position, computed
  as torch does (align_corners, scale_factor, no clamping of the source position).

Every stage is linear in its input, so `forward(x)` and `backward(grad)` here are plain
functions of tensors; interpolate and interpolate_backward (upsampling.py) call them.
"""
import numpy as np

import ember

from ... import _C
from ..._tensor import _wrap
from . import pooling as _pool

_CUBIC_A = -0.75


# ---- 5-D: the native 2-D stage over (H, W), the native 1-D stage over depth ---------------------

def _to_columns(y):
    """(N, C, D, OH, OW) -> (N, C*OH*OW, D)."""
    n, c, d, oh, ow = y.shape
    return y.reshape(n, c, d, oh * ow).transpose(2, 3).reshape(n, c * oh * ow, d)


def _from_columns(y, n, c, oh, ow):
    """(N, C*OH*OW, D) -> (N, C, D, OH, OW)."""
    d = y.shape[2]
    return y.reshape(n, c, oh * ow, d).transpose(2, 3).reshape(n, c, d, oh, ow)


def _native_stages(mode, output, scales, align_corners):
    """(plane, plane_backward, line, line_backward): the 2-D and the 1-D map and their gradients,
    each f(x) / b(grad, input_shape) on 4-D / 3-D tensors."""
    s2, s1 = (scales[1:], scales[:1]) if scales else ([], [])
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        return (lambda x: _wrap(_C.upsample_nearest(x._impl, output[1:], s2, exact)),
                lambda g, shape: _wrap(_C.upsample_nearest_backward(g._impl, shape, s2, exact)),
                lambda x: _wrap(_C.upsample_nearest(x._impl, output[:1], s1, exact)),
                lambda g, shape: _wrap(_C.upsample_nearest_backward(g._impl, shape, s1, exact)))
    if mode == "trilinear":
        return (lambda x: _wrap(_C.upsample_linear(x._impl, output[1:], align_corners, s2)),
                lambda g, shape: _wrap(_C.upsample_linear_backward(g._impl, shape, align_corners, s2)),
                lambda x: _wrap(_C.upsample_linear(x._impl, output[:1], align_corners, s1)),
                lambda g, shape: _wrap(_C.upsample_linear_backward(g._impl, shape, align_corners, s1)))
    # area: adaptive average pooling
    return (lambda x: _pool.adaptive_avg_pool2d(x, output[1:]),
            lambda g, shape: _pool.adaptive_avg_pool2d_backward(g, shape),
            lambda x: _pool.adaptive_avg_pool1d(x, output[:1]),
            lambda g, shape: _pool.adaptive_avg_pool1d_backward(g, shape))


def forward_5d(input, mode, output, scales, align_corners):
    plane, _, line, _ = _native_stages(mode, output, scales, align_corners)
    n, c, d, h, w = input.shape
    oh, ow = output[1], output[2]
    y = plane(input.reshape(n, c * d, h, w)).reshape(n, c, d, oh, ow)
    return _from_columns(line(_to_columns(y)), n, c, oh, ow)


def backward_5d(grad, shape, mode, output, scales, align_corners):
    _, plane_backward, _, line_backward = _native_stages(mode, output, scales, align_corners)
    n, c, d, h, w = shape
    oh, ow = output[1], output[2]
    g = line_backward(_to_columns(grad.contiguous()), [n, c * oh * ow, d])
    g = _from_columns(g, n, c, oh, ow).reshape(n, c * d, oh, ow)
    return plane_backward(g, [n, c * d, h, w]).reshape(n, c, d, h, w)


# ---- bicubic: cubic convolution along H, then W -------------------------------------------------

def _cubic_taps(in_size, out_size, scale, align_corners, dtype):
    """(4 index arrays, 4 weight arrays) of length out_size: output i is
    sum_j weight_j[i] * input[index_j[i]]."""
    ft = np.float64 if dtype == ember.float64 else np.float32
    if align_corners:
        step = ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
        src = np.arange(out_size, dtype=ft) * step
    else:
        step = ft(1.0 / scale) if scale is not None and scale > 0 else ft(in_size) / ft(out_size)
        src = step * (np.arange(out_size, dtype=ft) + ft(0.5)) - ft(0.5)
    base = np.floor(src)
    t = (src - base).astype(np.float64)
    a = _CUBIC_A
    near = lambda s: ((a + 2) * s - (a + 3)) * s * s + 1  # noqa: E731
    far = lambda s: ((a * s - 5 * a) * s + 8 * a) * s - 4 * a  # noqa: E731
    weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    base = base.astype(np.int64)
    indices = [np.clip(base + j - 1, 0, in_size - 1) for j in range(4)]
    return indices, weights


def _cubic_plan(shape, output, scales, align_corners, dtype):
    plans = []
    for d in range(2):
        scale = scales[d] if scales else None
        indices, weights = _cubic_taps(shape[2 + d], output[d], scale, align_corners, dtype)
        view = [1, 1, output[d], 1] if d == 0 else [1, 1, 1, output[d]]
        plans.append([(ember.tensor(i), ember.tensor(w, dtype=dtype).reshape(view)) for i, w in zip(indices, weights)])
    return plans


def forward_bicubic(input, output, scales, align_corners):
    y = input
    for d, taps in enumerate(_cubic_plan(list(input.shape), output, scales, align_corners, input.dtype)):
        total = None
        for index, weight in taps:
            part = y.index_select(2 + d, index) * weight
            total = part if total is None else total + part
        y = total
    return y


def backward_bicubic(grad, shape, output, scales, align_corners):
    plans = _cubic_plan(shape, output, scales, align_corners, grad.dtype)
    mid = list(shape[:2]) + [output[0], shape[3]]  # after the H stage
    g = grad
    for d, in_shape in ((1, mid), (0, list(shape))):
        total = ember.zeros(in_shape, dtype=grad.dtype)
        for index, weight in plans[d]:
            total = total.index_add(2 + d, index, g * weight)
        g = total
    return g
