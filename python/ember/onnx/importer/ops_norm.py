"""Normalizations: BatchNormalization, InstanceNormalization, LayerNormalization,
GroupNormalization, RMSNormalization, LRN, MeanVarianceNormalization, LpNormalization."""
import ember
import ember.nn.functional as F

from ..registry import imports
from .common import axes, axis
from .dtypes import to_ember_dtype


def _channel_shape(x):
    return [1, -1] + [1] * (x.ndim - 2)


@imports("BatchNormalization")
def batch_normalization(node, x, scale, bias, mean, var):
    eps = node.attr("epsilon", 1e-5)
    # Training mode: an attribute from opset 14; before, asking for the statistics outputs.
    training = node.attr("training_mode", 0) if node.opset >= 14 else node.num_outputs > 1
    if not training:
        if x.ndim >= 2 and x.dtype in (ember.float32, ember.float64):
            return F.batch_norm(x, mean, var, scale, bias, False, 0.0, eps)
        shape = _channel_shape(x)
        return (x - mean.reshape(shape)) / ember.sqrt(var.reshape(shape) + eps) * \
            scale.reshape(shape) + bias.reshape(shape)
    # Training mode: normalize with the batch's statistics (biased variance) and return the
    # running statistics updated by ONNX's momentum (the weight of the old value).
    momentum = node.attr("momentum", 0.9)
    dims = tuple(d for d in range(x.ndim) if d != 1)
    batch_mean = x.mean(dim=dims)
    batch_var = x.var(dim=dims, correction=0)
    shape = _channel_shape(x)
    y = (x - batch_mean.reshape(shape)) / ember.sqrt(batch_var.reshape(shape) + eps) * \
        scale.reshape(shape) + bias.reshape(shape)
    running_mean = mean * momentum + batch_mean * (1 - momentum)
    running_var = var * momentum + batch_var * (1 - momentum)
    if node.opset >= 14:
        return y, running_mean, running_var
    return y, running_mean, running_var, batch_mean, batch_var


@imports("InstanceNormalization")
def instance_normalization(node, x, scale, bias):
    return F.instance_norm(x, weight=scale, bias=bias, eps=node.attr("epsilon", 1e-5))


def _stash(node, x):
    """x in the dtype the statistics are computed in (stash_type, float32 by default)."""
    dtype = to_ember_dtype(node.attr("stash_type", 1), f"{node.describe()}'s stash_type")
    return x if not dtype.is_floating_point or x.dtype == dtype else x.to(dtype)


@imports("LayerNormalization")
def layer_normalization(node, x, scale, bias=None):
    first = axis(node.attr("axis", -1), x.ndim)
    eps = node.attr("epsilon", 1e-5)
    normalized = list(x.shape[first:])
    simple = (list(scale.shape) == normalized and (bias is None or list(bias.shape) == normalized)
              and x.dtype in (ember.float32, ember.float64))
    if simple and node.num_outputs == 1:
        return F.layer_norm(x, normalized, scale, bias, eps)
    dims = tuple(range(first, x.ndim))
    xs = _stash(node, x)
    mean = xs.mean(dim=dims, keepdim=True)
    centered = xs - mean
    inv_std = ember.rsqrt((centered * centered).mean(dim=dims, keepdim=True) + eps)
    y = (centered * inv_std).to(x.dtype) * scale
    if bias is not None:
        y = y + bias
    return y, mean, inv_std


@imports("GroupNormalization")
def group_normalization(node, x, scale, bias):
    groups = node.attr("num_groups")
    eps = node.attr("epsilon", 1e-5)
    n, c = x.shape[:2]
    xs = _stash(node, x).reshape(n, groups, -1)
    mean = xs.mean(dim=-1, keepdim=True)
    centered = xs - mean
    y = centered * ember.rsqrt((centered * centered).mean(dim=-1, keepdim=True) + eps)
    y = y.reshape(x.shape).to(x.dtype)
    if node.opset < 21 and scale.numel() == groups and groups != c:
        # GroupNormalization-18 had one scale and bias per group
        scale, bias = scale.repeat_interleave(c // groups), bias.repeat_interleave(c // groups)
    shape = _channel_shape(x)
    return y * scale.reshape(shape) + bias.reshape(shape)


@imports("RMSNormalization")
def rms_normalization(node, x, scale):
    first = axis(node.attr("axis", -1), x.ndim)
    dims = tuple(range(first, x.ndim))
    xs = _stash(node, x)
    y = xs * ember.rsqrt((xs * xs).mean(dim=dims, keepdim=True) + node.attr("epsilon", 1e-5))
    return y.to(x.dtype) * scale


@imports("LRN")
def lrn(node, x):
    size = node.attr("size")
    alpha, beta, bias = node.attr("alpha", 1e-4), node.attr("beta", 0.75), node.attr("bias", 1.0)
    # channel c sums the squares of channels c - floor((size-1)/2) .. c + ceil((size-1)/2)
    before, after = (size - 1) // 2, size - 1 - (size - 1) // 2
    pads = [0, 0] * (x.ndim - 2) + [before, after]  # F.pad's pairs run from the last dim
    square_sum = F.pad(x * x, pads).unfold(1, size, 1).sum(-1)  # [N, C, ...]
    return x / (bias + alpha / size * square_sum) ** beta


@imports("MeanVarianceNormalization")
def mean_variance_normalization(node, x):
    dims = tuple(axes(node.attr("axes", [0, 2, 3]), x.ndim))
    mean = x.mean(dim=dims, keepdim=True)
    centered = x - mean
    std = ember.sqrt((centered * centered).mean(dim=dims, keepdim=True))
    return centered / (std + 1e-9)


@imports("LpNormalization")
def lp_normalization(node, x):
    dim = axis(node.attr("axis", -1), x.ndim)
    p = node.attr("p", 2)
    norm = (ember.abs(x) ** p).sum(dim=dim, keepdim=True) ** (1.0 / p)
    return ember.where(norm == 0, ember.zeros_like(x), x / norm)  # 0 where the norm is 0
