"""Resize (opsets 10-19) and Upsample (7-9).

Resizing is separable: each resized axis is resampled on its own. For one axis the output
position's source coordinate (by coordinate_transformation_mode), its neighbouring input
positions (clamped to the edge) and their weights (nearest, linear or cubic, antialiased when
downscaling if asked) are a small table computed from the sizes alone; the data then goes
through one index_select and a weighted sum over the neighbours (nearest: the index_select
alone, so any dtype is exact).
"""
import math

import numpy as np

import ember

from ..registry import imports
from .common import axes as normalize_axes


@imports("Resize")
def resize(node, x, roi=None, scales=None, sizes=None):
    if node.opset < 11:  # Resize-10: (X, scales), coordinates as Upsample's
        scales, roi, sizes = roi, None, None
        return _resize(x, _floats(scales), None, None, mode=node.attr("mode", "nearest"),
                       transform="asymmetric", nearest_mode="floor")
    rank = x.ndim
    dims = list(range(rank))
    if node.opset >= 18 and node.attr("axes") is not None:
        dims = normalize_axes(node.attr("axes"), rank)
    scale_values, size_values = _floats(scales), _ints(sizes)
    roi_values = _floats(roi)
    full_scales, full_sizes, full_roi = None, None, None
    if scale_values:
        full_scales = [1.0] * rank
        for d, s in zip(dims, scale_values):
            full_scales[d] = s
    if size_values:
        full_sizes = list(x.shape)
        for d, s in zip(dims, size_values):
            full_sizes[d] = s
    if roi_values:
        full_roi = [0.0] * rank + [1.0] * rank
        n = len(dims)
        for i, d in enumerate(dims):
            full_roi[d], full_roi[rank + d] = roi_values[i], roi_values[n + i]
    return _resize(
        x, full_scales, full_sizes, full_roi, mode=node.attr("mode", "nearest"),
        transform=node.attr("coordinate_transformation_mode", "half_pixel"),
        nearest_mode=node.attr("nearest_mode", "round_prefer_floor"),
        cubic_a=node.attr("cubic_coeff_a", -0.75), exclude_outside=node.attr("exclude_outside", 0),
        extrapolation=node.attr("extrapolation_value", 0.0), antialias=node.attr("antialias", 0),
        policy=node.attr("keep_aspect_ratio_policy", "stretch"), dims=dims)


@imports("Upsample")
def upsample(node, x, scales=None):
    values = node.attr("scales") if node.opset < 9 else _floats(scales)
    mode = node.attr("mode", "nearest")
    return _resize(x, values, None, None, mode="linear" if mode == "bilinear" else mode,
                   transform="asymmetric", nearest_mode="floor")


def _floats(t):
    return None if t is None or t.numel() == 0 else [float(v) for v in t.reshape(-1).tolist()]


def _ints(t):
    return None if t is None or t.numel() == 0 else [int(v) for v in t.reshape(-1).tolist()]


def _resize(x, scales, sizes, roi, mode, transform, nearest_mode="round_prefer_floor", cubic_a=-0.75,
            exclude_outside=False, extrapolation=0.0, antialias=False, policy="stretch", dims=None):
    rank = x.ndim
    dims = list(range(rank)) if dims is None else dims
    if sizes is not None:
        scales = [out / size if size else 1.0 for out, size in zip(sizes, x.shape)]
        if policy != "stretch":  # one scale for the resized axes, the smallest or the largest
            pick = min if policy == "not_larger" else max
            scale = pick(scales[d] for d in dims)
            scales = [scale if d in dims else 1.0 for d in range(rank)]
            sizes = [int(scale * x.shape[d] + 0.5) if d in dims else x.shape[d] for d in range(rank)]
    else:
        sizes = [int(math.floor(s * scale)) for s, scale in zip(x.shape, scales)]
    out_dtype = x.dtype
    work = x if mode == "nearest" or x.is_floating_point() else x.to(ember.float32)
    outside = None
    for d in range(rank):
        in_size, out_size, scale = x.shape[d], sizes[d], scales[d]
        axis_roi = None if roi is None else (roi[d], roi[rank + d])
        if out_size == in_size and math.isclose(scale, 1.0) and (axis_roi is None or axis_roi == (0.0, 1.0)):
            continue  # the identity along this axis
        source = _source_coordinates(transform, out_size, in_size, scale, axis_roi)
        if transform == "tf_crop_and_resize":
            mask = (source < 0) | (source > in_size - 1)
            shape = [1] * rank
            shape[d] = out_size
            m = ember.tensor(mask.reshape(shape))
            outside = m if outside is None else (outside | m)
        index, weights = _table(source, in_size, scale, mode, nearest_mode, cubic_a,
                                exclude_outside, antialias)
        work = _apply(work, d, index, weights)
    if outside is not None:
        work = ember.where(outside, ember.full((), extrapolation, dtype=work.dtype), work)
    if work.dtype != out_dtype:  # integer data resampled in float: rounded and saturated
        low, high = _limits(out_dtype)
        work = ember.clamp(ember.round(work), low, high).to(out_dtype)
    return work


def _limits(dtype):
    return {ember.uint8: (0, 255), ember.int8: (-128, 127), ember.int16: (-2**15, 2**15 - 1),
            ember.int32: (-2**31, 2**31 - 1), ember.int64: (-2**63, 2**63 - 1)}[dtype]


def _source_coordinates(transform, out_size, in_size, scale, roi):
    """The input coordinate of each output position along one axis (float64 numpy)."""
    y = np.arange(out_size, dtype=np.float64)
    out_length = scale * in_size  # the unrounded output length, as ONNX defines the modes
    if transform == "align_corners":
        return np.zeros(out_size) if out_length == 1 else y * (in_size - 1) / (out_length - 1)
    if transform == "asymmetric":
        return y / scale
    if transform == "tf_crop_and_resize":
        start, end = roi
        if out_length == 1:
            source = np.full(out_size, (end - start) * (in_size - 1) / 2)
        else:
            source = y * (end - start) * (in_size - 1) / (out_length - 1)
        return source + start * (in_size - 1)
    if transform == "pytorch_half_pixel":
        return np.full(out_size, -0.5) if out_length == 1 else (y + 0.5) / scale - 0.5
    if transform == "half_pixel":
        return (y + 0.5) / scale - 0.5
    if transform == "half_pixel_symmetric":
        offset = in_size / 2 * (1 - out_size / out_length)
        return offset + (y + 0.5) / scale - 0.5
    if transform == "tf_half_pixel_for_nn":
        return (y + 0.5) / scale
    raise ValueError(f"Resize: unknown coordinate_transformation_mode {transform!r}")


def _table(source, in_size, scale, mode, nearest_mode, cubic_a, exclude_outside, antialias):
    """(index [out, n], weights [out, n] or None for nearest) of one axis. The n neighbours
    of a source coordinate start n/2 - 1 below its floor (an integer coordinate counts as the
    right end of the interval below it, ratio 1)."""
    base = np.floor(source)
    integer = source == base
    base = np.where(integer, base - 1, base).astype(np.int64)
    ratio = np.where(integer, 1.0, source - np.floor(source))
    if mode == "nearest":
        if nearest_mode == "round_prefer_floor":
            right = ratio > 0.5
        elif nearest_mode == "round_prefer_ceil":
            right = ratio >= 0.5
        elif nearest_mode == "floor":
            right = ratio == 1.0
        elif nearest_mode == "ceil":
            right = np.ones_like(ratio, dtype=bool)
        else:
            raise ValueError(f"Resize: unknown nearest_mode {nearest_mode!r}")
        index = np.clip(base + right, 0, in_size - 1)
        return index.reshape(-1, 1), None
    factor = min(scale, 1.0) if antialias else 1.0  # antialiasing widens the kernel by 1/scale
    if mode == "linear":
        start = int(math.floor(-1 / factor) + 1)
    elif mode == "cubic":
        start = int(math.floor(-2 / factor) + 1)
    else:
        raise ValueError(f"Resize: unknown mode {mode!r}")
    offsets = np.arange(start, 2 - start)  # n = 2 - 2 * start neighbours
    distance = (offsets[None, :] - ratio[:, None]) * factor
    if mode == "linear":
        weights = np.clip(1 - np.abs(distance), 0, 1)
    else:
        weights = _cubic(np.abs(distance), cubic_a)
    weights = weights / weights.sum(axis=1, keepdims=True)
    index = base[:, None] + offsets[None, :]  # offset 0 is the floor
    if exclude_outside:
        weights = np.where((index < 0) | (index >= in_size), 0.0, weights)
        total = weights.sum(axis=1, keepdims=True)
        weights = weights / np.where(total == 0, 1.0, total)
    return np.clip(index, 0, in_size - 1), weights


def _cubic(x, a):
    """Keys' cubic convolution kernel with coefficient a (|x| given)."""
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _apply(x, dim, index, weights):
    out, n = index.shape
    picked = x.index_select(dim, ember.tensor(index.reshape(-1), dtype=ember.int64))
    if weights is None:
        return picked
    shape = list(x.shape)
    shape[dim:dim + 1] = [out, n]
    picked = picked.reshape(shape)
    w_shape = [1] * len(shape)
    w_shape[dim], w_shape[dim + 1] = out, n
    w = ember.tensor(weights.reshape(w_shape), dtype=x.dtype)
    return (picked * w).sum(dim=dim + 1)
