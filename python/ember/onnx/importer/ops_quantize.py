"""Linear quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearMatMul,
QLinearConv (integer types ember has: uint8, int8, int16; rounding half to even, saturating)."""
import ember

from ..registry import imports
from .common import axis as normalize_axis
from .dtypes import to_ember_dtype
from .ops_conv import conv as _float_conv

_RANGES = {ember.uint8: (0, 255), ember.int8: (-128, 127), ember.int16: (-2**15, 2**15 - 1),
           ember.int32: (-2**31, 2**31 - 1)}


def _broadcastable(param, x, axis, block_size):
    """A scale or zero point shaped to broadcast against x: a scalar, one value per index of
    `axis` (per-axis), or one per block of `block_size` along it (blocked)."""
    if param.numel() == 1:
        return param.reshape(())
    axis = normalize_axis(axis, x.ndim)  # only now: a scalar scale fits inputs of any rank
    if block_size:
        param = param.repeat_interleave(block_size, dim=axis).narrow(axis, 0, x.shape[axis])
        return param
    shape = [1] * x.ndim
    shape[axis] = param.numel()
    return param.reshape(shape)


def _saturate(values, dtype):
    low, high = _RANGES[dtype]
    return ember.clamp(ember.round(values), low, high).to(dtype)  # round: half to even


@imports("QuantizeLinear")
def quantize_linear(node, x, scale, zero_point=None):
    a, block = node.attr("axis", 1), node.attr("block_size", 0)
    if zero_point is not None:
        dtype = zero_point.dtype
    elif node.attr("output_dtype"):
        dtype = to_ember_dtype(node.attr("output_dtype"), f"{node.describe()}'s output_dtype")
    else:
        dtype = ember.uint8
    if dtype not in _RANGES:
        raise NotImplementedError(f"{node.describe()}: quantizing to {dtype} is not supported")
    precision = node.attr("precision")
    work = to_ember_dtype(precision) if precision else (x.dtype if x.dtype == ember.float64 else ember.float32)
    q = ember.round(x.to(work) / _broadcastable(scale, x, a, block).to(work))
    if zero_point is not None:
        q = q + _broadcastable(zero_point, x, a, block).to(work)
    return _saturate(q, dtype)


@imports("DequantizeLinear")
def dequantize_linear(node, x, scale, zero_point=None):
    a, block = node.attr("axis", 1), node.attr("block_size", 0)
    values = x.to(ember.float32)
    if zero_point is not None:
        values = values - _broadcastable(zero_point, x, a, block).to(ember.float32)
    y = values * _broadcastable(scale, x, a, block).to(ember.float32)
    out = to_ember_dtype(node.attr("output_dtype")) if node.attr("output_dtype") else scale.dtype
    return y.to(out)


@imports("DynamicQuantizeLinear")
def dynamic_quantize_linear(node, x):
    # uint8 over the range of x widened to include 0, so that 0 is exact
    high = ember.clamp(x.max(), min=0.0)
    low = ember.clamp(x.min(), max=0.0)
    span = high - low
    scale = ember.where(span == 0, ember.ones_like(span), span) / 255.0
    zero_point = ember.round(ember.clamp(0.0 - low / scale, 0.0, 255.0))
    y = _saturate(ember.round(x / scale) + zero_point, ember.uint8)
    return y, scale.to(x.dtype), zero_point.to(ember.uint8)


@imports("QLinearMatMul")
def qlinear_matmul(node, a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point=None):
    # the integer product, exact in float64 for 8-bit operands, then rescaled once
    av = a.to(ember.float64) - (0 if a_zero_point is None else _row_param(a_zero_point, a))
    bv = b.to(ember.float64) - (0 if b_zero_point is None else b_zero_point.to(ember.float64))
    product = ember.matmul(av, bv)
    factor = _row_param(a_scale, a) * b_scale.to(ember.float64) / y_scale.to(ember.float64)
    y = product * factor
    dtype = a.dtype if y_zero_point is None else y_zero_point.dtype
    if y_zero_point is not None:
        y = y + y_zero_point.to(ember.float64)
    return _saturate(y, dtype)


def _row_param(param, a):
    """A's scale or zero point: a scalar, or one per row of A (shaped [M, 1])."""
    p = param.to(ember.float64)
    return p.reshape(-1, 1) if p.numel() > 1 else p.reshape(())


@imports("QLinearConv")
def qlinear_conv(node, x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point=None, bias=None):
    xf = (x.to(ember.float64) - x_zero_point.to(ember.float64)) * x_scale.to(ember.float64)
    per_channel = [-1] + [1] * (w.ndim - 1)
    wz = w_zero_point.to(ember.float64)
    ws = w_scale.to(ember.float64)
    wf = (w.to(ember.float64) - (wz.reshape(per_channel) if wz.numel() > 1 else wz)) * \
        (ws.reshape(per_channel) if ws.numel() > 1 else ws)
    bf = None
    if bias is not None:  # int32 bias in units of x_scale * w_scale
        bf = bias.to(ember.float64) * x_scale.to(ember.float64) * ws.reshape(-1)
    y = _float_conv(node, xf, wf, bf) / y_scale.to(ember.float64)
    dtype = x.dtype if y_zero_point is None else y_zero_point.dtype
    if y_zero_point is not None:
        y = y + y_zero_point.to(ember.float64)
    return _saturate(y, dtype)
