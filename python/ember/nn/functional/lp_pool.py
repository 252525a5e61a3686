"""lp_pool1d / 2d / 3d with torch.nn.functional's semantics: the p-norm of each window,
(sum x^p)^(1/p), computed as torch does from an average pool of x^p (no padding) scaled by
the window size; negative window sums (odd p) give 0, as torch's sign * relu does.
"""
import numbers

import ember

from ..._tensor import Tensor
from ..._op_layer import namespace
from . import pooling as _pool
from . import pooling3d as _pool3d

op = namespace("nn.functional")

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]


def _window_size(kernel_size, nd, op):
    if isinstance(kernel_size, numbers.Integral):
        return int(kernel_size) ** nd
    k = [int(v) for v in kernel_size]
    if len(k) == 1:
        return k[0] ** nd
    if len(k) != nd:
        raise ember.ArgumentError(f"{op}: kernel_size must be an int or a tuple of {nd} ints, got {k}")
    size = 1
    for v in k:
        size *= v
    return size


def _lp(op, nd, pool, input, norm_type, kernel_size, stride, ceil_mode):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    p = float(norm_type)
    if p == 0:
        raise ember.ArgumentError(f"{op}: norm_type must be non-zero, got {norm_type}")
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    n = _window_size(kernel_size, nd, op)
    return (ember.sign(out) * ember.nn.functional.relu(out.abs())).mul(n).pow(1.0 / p)


@op
def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp("lp_pool1d", 1, _pool.avg_pool1d, input, norm_type, kernel_size, stride, ceil_mode)


@op
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp("lp_pool2d", 2, _pool.avg_pool2d, input, norm_type, kernel_size, stride, ceil_mode)


@op
def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp("lp_pool3d", 3, _pool3d.avg_pool3d, input, norm_type, kernel_size, stride, ceil_mode)
