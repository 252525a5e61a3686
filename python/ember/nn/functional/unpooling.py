"""max_unpool1d / 2d / 3d with torch.nn.functional's semantics: the partial inverse of a max
pool, which writes each value at the flat position (in its plane or volume) that the pool's
indices name, zeros elsewhere. A scatter into zeros, so gradients are gathers of the output's
gradient at the indices.
"""
import numbers

import ember

from ..._tensor import Tensor
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _tuple(value, n, name, op):
    if isinstance(value, numbers.Integral):
        return [int(value)] * n
    v = [int(x) for x in value]
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise ember.ArgumentError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v}")
    return v


def _output_size(op, input, kernel, stride, padding, output_size):
    """torch's _unpool_output_size: the pooled size inverted, or output_size checked against it."""
    n = len(kernel)
    spatial = list(input.shape[-n:])
    default = [(spatial[d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        return default
    size = [int(s) for s in output_size]
    if len(size) == n + 2:
        size = size[2:]
    elif len(size) == n + 1 and input.dim() == n + 1:
        size = size[1:]
    if len(size) != n:
        raise ember.ArgumentError(f"{op}: output_size should be a sequence containing {n} or {n + 2} elements, "
                                  f"but it has a length of '{len(size)}'")
    for d in range(n):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < size[d] < hi:
            raise ember.ArgumentError(f"{op}: invalid output_size {size} (dim {d} must be between {lo} and {hi})")
    return size


def _unpool(op, nd, input, indices, kernel_size, stride, padding, output_size):
    for name, t in (("input", input), ("indices", indices)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise ember.ShapeError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D input, but got input of shape "
                               f"{list(input.shape)}")
    if indices.dtype != ember.int64:
        raise _dtype_error(f"{op}: expected indices to have dtype int64, but got {indices.dtype}")
    if list(indices.shape) != list(input.shape):
        raise ember.ShapeError(f"{op}: expected indices of the input's shape {list(input.shape)}, but got "
                               f"{list(indices.shape)}")
    kernel = _tuple(kernel_size, nd, "kernel_size", op)
    stride = kernel if stride is None else _tuple(stride, nd, "stride", op)
    padding = _tuple(padding, nd, "padding", op)
    size = _output_size(op, input, kernel, stride, padding, output_size)
    if min(size) <= 0:
        raise ember.ArgumentError(f"{op}: the output size {size} must be positive (input of shape "
                                  f"{list(input.shape)})")
    lead = list(input.shape[:-nd])
    volume = 1
    for s in size:
        volume *= s
    planes = 1
    for s in lead:
        planes *= s
    flat_idx = indices.reshape(planes, -1)
    if flat_idx.numel() and (int(flat_idx.min()) < 0 or int(flat_idx.max()) >= volume):
        bad = int(flat_idx.min()) if int(flat_idx.min()) < 0 else int(flat_idx.max())
        raise IndexError(f"{op}: Found an invalid max index: {bad} (output volumes are of size {size})")
    out = ember.zeros(planes, volume, dtype=input.dtype, device=input.device)
    out = out.scatter(1, flat_idx, input.reshape(planes, -1))
    return out.reshape(lead + size)


def _dtype_error(message):
    from ... import _C
    return _C.DTypeError(message)


@op
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


@op
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


@op
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
