"""Pools: MaxPool (with Indices), AveragePool, LpPool, the Global pools, MaxUnpool.

2-D and 1-D pools that ember's own kernels express (symmetric pads of at most half the kernel)
run on them; every other case (3-D, asymmetric or big pads, SAME padding) runs on windows:
the padded input is unfolded into one window per output position and each window reduced.
"""
import ember
import ember.nn.functional as F

from ..registry import imports
from .padding import pad_spatial, pads, spatial_attrs


def _geometry(node, x):
    """kernel, strides, dilations, begin and end pads, and the output size of each dim."""
    n = x.ndim - 2
    sizes = list(x.shape[2:])
    kernel, strides, dilations = spatial_attrs(node, n)
    begins, ends = pads(node, sizes, kernel, strides, dilations)
    ceil_mode = node.attr("ceil_mode", 0)
    auto_pad = node.attr("auto_pad", "NOTSET")
    outs = []
    for size, k, s, d, b, e in zip(sizes, kernel, strides, dilations, begins, ends):
        span = (k - 1) * d + 1
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            out = -(-size // s)
        else:
            room = size + b + e - span
            out = (-(-room // s) if ceil_mode else room // s) + 1
            if ceil_mode and (out - 1) * s >= size + b:  # a last window starting in the end pad
                out -= 1
        outs.append(out)
    return kernel, strides, dilations, begins, ends, outs


def _windows(x, kernel, strides, dilations, begins, outs, value):
    """[N, C, *outs, *kernel]: the window of each output position, the input padded with
    `value` before (begins) and after (as far as the last window reaches)."""
    n = len(kernel)
    ends = [(o - 1) * s + (k - 1) * d + 1 - size - b
            for o, s, k, d, size, b in zip(outs, strides, kernel, dilations, x.shape[2:], begins)]
    x = pad_spatial(x, begins, ends, value)
    for i, (k, s, d) in enumerate(zip(kernel, strides, dilations)):
        x = x.unfold(2 + i, (k - 1) * d + 1, s)
        if d > 1:
            x = x[(Ellipsis, slice(None, None, d))]
    return x.reshape(*x.shape[:2 + n], -1)


def _lowest(dtype):
    """The pad value of a max pool: below every value of the dtype."""
    if dtype in _FLOATS:
        return float("-inf")
    return {ember.uint8: 0, ember.int8: -2**7, ember.int16: -2**15, ember.int32: -2**31,
            ember.int64: -2**63}[dtype]


_FLOATS = (ember.float32, ember.float64, ember.float16, ember.bfloat16)


def _native_padding(x, kernel, begins, ends, node):
    """The symmetric padding ember's 1-D/2-D pool kernels can take for this node, or None."""
    if x.ndim not in (3, 4) or node.attr("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        return None
    if begins != ends or any(2 * p > k for p, k in zip(begins, kernel)):
        return None
    return begins


@imports("MaxPool")
def max_pool(node, x):
    kernel, strides, dilations, begins, ends, outs = _geometry(node, x)
    ceil_mode = bool(node.attr("ceil_mode", 0))
    want_indices = node.output_used(1)
    padding = _native_padding(x, kernel, begins, ends, node)
    if padding is not None and x.is_floating_point() and not (want_indices and node.attr("storage_order", 0)):
        pool = F.max_pool1d if x.ndim == 3 else F.max_pool2d
        if want_indices:
            y, index = pool(x, kernel, strides, padding, dilations, ceil_mode, return_indices=True)
            return y, _whole_tensor_index(index, x)
        return pool(x, kernel, strides, padding, dilations, ceil_mode)
    windows = _windows(x, kernel, strides, dilations, begins, outs, _lowest(x.dtype))
    y = ember.amax(windows, dim=-1)
    if not want_indices:
        return y
    # The index of each window's maximum in the input, row-major (storage_order 0) or
    # column-major (1), counted over the whole tensor as ONNX asks.
    sizes = list(x.shape[2:])
    spatial = 1
    for s in sizes:
        spatial *= s
    order = list(range(len(sizes)))
    if node.attr("storage_order", 0):
        order = order[::-1]
    flat = ember.arange(spatial).reshape([sizes[i] for i in order]).permute(*_inverse(order))
    flat = flat.reshape(1, 1, *sizes).to(ember.int64)
    index_windows = _windows(flat, kernel, strides, dilations, begins, outs, -1)
    where = ember.argmax(windows, dim=-1, keepdim=True)
    index = ember.gather(index_windows.expand(*windows.shape), -1, where).squeeze(-1)
    return y, _whole_tensor_index(index, x)


def _inverse(order):
    inverse = [0] * len(order)
    for i, o in enumerate(order):
        inverse[o] = i
    return inverse


def _whole_tensor_index(index, x):
    """Per-plane flat indices -> indices into the whole input (plane n*C + c first)."""
    batch, channels = x.shape[:2]
    plane = 1
    for s in x.shape[2:]:
        plane *= s
    base = ember.arange(batch * channels).reshape([batch, channels] + [1] * (x.ndim - 2)) * plane
    return index + base


@imports("AveragePool")
def average_pool(node, x):
    kernel, strides, dilations, begins, ends, outs = _geometry(node, x)
    ceil_mode = bool(node.attr("ceil_mode", 0))
    include_pad = bool(node.attr("count_include_pad", 0))
    padding = _native_padding(x, kernel, begins, ends, node)
    if padding is not None and all(d == 1 for d in dilations) and not (ceil_mode and include_pad):
        pool = F.avg_pool1d if x.ndim == 3 else F.avg_pool2d
        return pool(x, kernel, strides, padding, ceil_mode, include_pad)
    windows = _windows(x, kernel, strides, dilations, begins, outs, 0.0)
    # Each window's divisor: its positions inside the input, or inside input and pads.
    inside = ember.ones(1, 1, *x.shape[2:], dtype=x.dtype)
    if include_pad:
        inside = pad_spatial(inside, begins, ends, 1.0)
        count = _windows(inside, kernel, strides, dilations, [0] * len(kernel), outs, 0.0)
    else:
        count = _windows(inside, kernel, strides, dilations, begins, outs, 0.0)
    return windows.sum(-1) / count.sum(-1)


@imports("LpPool")
def lp_pool(node, x):
    kernel, strides, dilations, begins, ends, outs = _geometry(node, x)
    p = node.attr("p", 2)
    windows = _windows(x, kernel, strides, dilations, begins, outs, 0.0)
    return (ember.abs(windows) ** p).sum(-1) ** (1.0 / p)


@imports("GlobalAveragePool")
def global_average_pool(node, x):
    return ember.mean(x, dim=tuple(range(2, x.ndim)), keepdim=True)


@imports("GlobalMaxPool")
def global_max_pool(node, x):
    return ember.amax(x, dim=tuple(range(2, x.ndim)), keepdim=True)


@imports("GlobalLpPool")
def global_lp_pool(node, x):
    p = node.attr("p", 2)
    return (ember.abs(x) ** p).sum(dim=tuple(range(2, x.ndim)), keepdim=True) ** (1.0 / p)


@imports("MaxUnpool")
def max_unpool(node, x, indices, output_shape=None):
    n = x.ndim - 2
    kernel, strides, _ = spatial_attrs(node, n)
    begins, ends = pads(node, list(x.shape[2:]), kernel, strides, [1] * n)
    # The indices count positions in the pooled input's shape; a bigger output_shape adds
    # zeros after it.
    shape = list(x.shape[:2]) + [(i - 1) * s + k - b - e for i, s, k, b, e in
                                 zip(x.shape[2:], strides, kernel, begins, ends)]
    total = 1
    for d in shape:
        total *= d
    flat = ember.zeros(total, dtype=x.dtype)
    flat = ember.index_put(flat, (indices.reshape(-1).to(ember.int64),), x.reshape(-1))
    y = flat.reshape(shape)
    if output_shape is not None:
        target = [int(v) for v in output_shape.tolist()][2:]
        y = pad_spatial(y, [0] * n, [t - s for t, s in zip(target, shape[2:])])
    return y
