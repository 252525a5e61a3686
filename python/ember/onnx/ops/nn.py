"""Exporters of the neural-network functions: linear, convolutions, pooling, normalization,
embedding, activations, interpolation, padding and attention.

Each maps to the ONNX op of the same meaning where one exists at the opset asked for (Gemm,
Conv, MaxPool, BatchNormalization, LayerNormalization from 17, Gelu from 20, GroupNormalization
from 21, ...) and is decomposed into basic ops below it, with PyTorch's formulas. Unbatched
inputs (no N dim) get one for the ONNX op and lose it after. Options with no ONNX form (a max
pool's dilation with ceil_mode differences, adaptive pools whose windows overlap) say so.
"""
import math
import numbers

import numpy as np

from ... import _C
from ..registry import exports
from ._common import cast_back, compute_dtype

_FLOAT32 = _C.dtype.float32


def _tuple(value, n):
    if isinstance(value, numbers.Integral):
        return [int(value)] * n
    value = [int(v) for v in value]
    return value * n if len(value) == 1 else value


def _batched(g, input, spatial):
    """(value with an N dim, whether one was added) for an op on (N, C, *spatial) inputs."""
    x = g.value(input)
    if input.dim() == spatial + 1:
        return g.unsqueeze(x, [0]), True
    return x, False


def _unbatch(g, y, added):
    return g.squeeze(y, [0]) if added else y


# ---- linear -----------------------------------------------------------------------------------------

@exports("nn.functional.linear")
def _linear(g, result, input, weight, bias=None):
    # integers: onnxruntime's Gemm takes floats only, ONNX's MatMul no 8- and 16-bit integers
    # (int64 products wrap to the same bits)
    dtype = compute_dtype(result.dtype, ("int8", "uint8", "int16"), _C.dtype.int64)
    x, w = g.value(input, dtype), g.value(weight, dtype)
    b = None if bias is None else g.value(bias, dtype)
    if input.dim() == 2 and weight.dim() == 2 and dtype.is_floating_point:
        return g.op("Gemm", x, w, b, transB=1)
    y = g.op("MatMul", x, g.op("Transpose", w, perm=[1, 0]) if weight.dim() == 2 else w)
    return cast_back(g, y if b is None else g.op("Add", y, b), dtype, result.dtype)


@exports("nn.functional.bilinear")
def _bilinear(g, result, input1, input2, weight, bias=None):
    dtype = result.dtype
    y = g.op("Einsum", g.value(input1, dtype), g.value(weight, dtype), g.value(input2, dtype),
             equation="...i,oij,...j->...o")
    return y if bias is None else g.op("Add", y, g.value(bias, dtype))


# ---- convolutions ----------------------------------------------------------------------------------

def _same_pads(kernel, dilation):
    begins, ends = [], []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        begins.append(total // 2)
        ends.append(total - total // 2)
    return begins + ends


def _conv(spatial):
    def export(g, result, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        kernel = list(weight._impl.shape[2:])
        dilations = _tuple(dilation, spatial)
        if isinstance(padding, str):
            pads = [0] * (2 * spatial) if padding == "valid" else _same_pads(kernel, dilations)
        else:
            p = _tuple(padding, spatial)
            pads = p + p
        x, added = _batched(g, input, spatial)
        y = g.op("Conv", x, g.value(weight, input.dtype), None if bias is None else g.value(bias, input.dtype),
                 kernel_shape=kernel, strides=_tuple(stride, spatial), pads=pads, dilations=dilations,
                 group=int(groups))
        return _unbatch(g, y, added)
    return export


exports("nn.functional.conv1d")(_conv(1))
exports("nn.functional.conv2d")(_conv(2))
exports("nn.functional.conv3d")(_conv(3))


def _conv_transpose(spatial):
    def export(g, result, input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        p = _tuple(padding, spatial)
        x, added = _batched(g, input, spatial)
        y = g.op("ConvTranspose", x, g.value(weight, input.dtype),
                 None if bias is None else g.value(bias, input.dtype), kernel_shape=list(weight._impl.shape[2:]),
                 strides=_tuple(stride, spatial), pads=p + p, output_padding=_tuple(output_padding, spatial),
                 dilations=_tuple(dilation, spatial), group=int(groups))
        return _unbatch(g, y, added)
    return export


exports("nn.functional.conv_transpose1d")(_conv_transpose(1))
exports("nn.functional.conv_transpose2d")(_conv_transpose(2))
exports("nn.functional.conv_transpose3d")(_conv_transpose(3))


# ---- pooling ---------------------------------------------------------------------------------------------

def _max_pool_input(g, x, dtype):
    """x as MaxPool takes it (floats and 8-bit integers): 16- and 32-bit integers as float64, which
    holds them exactly; (value, the dtype it is in)."""
    if dtype.name in ("int16", "int32"):
        return g.cast(x, _C.dtype.float64), _C.dtype.float64
    if dtype.name == "int64":
        raise g.unsupported("max pooling of int64 values (ONNX's MaxPool takes floats and 8-bit integers)")
    return x, dtype


def _ceil_mode_cut(g, names, input, result, kernel, strides, pads, dilations, spatial):
    """With ceil_mode, ONNX keeps a last window that starts in the end padding, which PyTorch
    drops: the pooled values (batched, one name per output) cut to ember's output sizes where
    the two differ."""
    sizes, out = list(input._impl.shape[-spatial:]), list(result._impl.shape[-spatial:])
    axes, ends = [], []
    for i, (n, k, s, p, d, o) in enumerate(zip(sizes, kernel, strides, pads, dilations, out)):
        if -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1 != o:
            axes.append(2 + i)
            ends.append(o)
    if not axes:
        return names
    return [g.op("Slice", n, g.ints([0] * len(axes)), g.ints(ends), g.ints(axes)) for n in names]


def _plane_size(g, x, spatial):
    """The number of positions in one (N, C) plane of x: ONNX's MaxPool numbers its indices over
    the whole tensor, PyTorch within each plane."""
    sizes = g.op("Slice", g.op("Shape", x), g.ints([2]), g.ints([2 + spatial]), g.ints([0]))
    return g.reduce("ReduceProd", sizes, None, False)


def _max_pool(spatial):
    def export(g, result, input, kernel_size, stride, padding, dilation, ceil_mode):
        kernel = _tuple(kernel_size, spatial)
        strides = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
            else _tuple(stride, spatial)
        p = _tuple(padding, spatial)
        x, added = _batched(g, input, spatial)
        x, computed = _max_pool_input(g, x, input.dtype)
        dilations = _tuple(dilation, spatial)
        y, flat_index = g.op("MaxPool", x, kernel_shape=kernel, strides=strides, pads=p + p,
                             dilations=dilations, ceil_mode=int(bool(ceil_mode)), outputs=2)
        if ceil_mode:
            y, flat_index = _ceil_mode_cut(g, [y, flat_index], input, result[0], kernel, strides, p, dilations,
                                           spatial)
        index = g.op("Mod", flat_index, _plane_size(g, x, spatial))
        return _unbatch(g, cast_back(g, y, computed, input.dtype), added), _unbatch(g, index, added)
    return export


exports("nn.functional._max_pool1d_with_indices")(_max_pool(1))
exports("nn.functional._max_pool2d_with_indices")(_max_pool(2))


def _avg_pool(spatial):
    def export(g, result, input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
        if divisor_override is not None:
            raise g.unsupported("avg_pool2d with divisor_override")
        kernel = _tuple(kernel_size, spatial)
        strides = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
            else _tuple(stride, spatial)
        p = _tuple(padding, spatial)
        x, added = _batched(g, input, spatial)
        y = g.op("AveragePool", x, kernel_shape=kernel, strides=strides, pads=p + p, ceil_mode=int(bool(ceil_mode)),
                 count_include_pad=int(bool(count_include_pad)))
        if ceil_mode:
            y, = _ceil_mode_cut(g, [y], input, result, kernel, strides, p, [1] * spatial, spatial)
        return _unbatch(g, y, added)
    return export


exports("nn.functional.avg_pool1d")(_avg_pool(1))
exports("nn.functional.avg_pool2d")(_avg_pool(2))


def _adaptive_windows(g, input, output_size, spatial, what):
    sizes = list(input._impl.shape[-spatial:])
    out = _tuple(output_size, spatial) if not isinstance(output_size, (list, tuple)) else \
        [s if o is None else int(o) for s, o in zip(sizes, list(output_size) * (spatial if len(output_size) == 1 else 1))]
    if all(o == 1 for o in out):
        return None
    if any(s % o for s, o in zip(sizes, out)):
        raise g.unsupported(f"{what} to {out} from {sizes} (windows of different sizes; ONNX pools have one)")
    return [s // o for s, o in zip(sizes, out)]


def _adaptive_avg(spatial):
    def export(g, result, input, output_size):
        window = _adaptive_windows(g, input, output_size, spatial, f"adaptive_avg_pool{spatial}d")
        x, added = _batched(g, input, spatial)
        if window is None:
            y = g.op("GlobalAveragePool", x)
        else:
            y = g.op("AveragePool", x, kernel_shape=window, strides=window)
        return _unbatch(g, y, added)
    return export


exports("nn.functional.adaptive_avg_pool1d")(_adaptive_avg(1))
exports("nn.functional.adaptive_avg_pool2d")(_adaptive_avg(2))


def _adaptive_max(spatial):
    def export(g, result, input, output_size):
        sizes = list(input._impl.shape[-spatial:])
        window = _adaptive_windows(g, input, output_size, spatial, f"adaptive_max_pool{spatial}d") or sizes
        x, added = _batched(g, input, spatial)
        x, computed = _max_pool_input(g, x, input.dtype)
        y, flat_index = g.op("MaxPool", x, kernel_shape=window, strides=window, outputs=2)
        y = cast_back(g, y, computed, input.dtype)
        return _unbatch(g, y, added), _unbatch(g, g.op("Mod", flat_index, _plane_size(g, x, spatial)), added)
    return export


exports("nn.functional._adaptive_max_pool1d_with_indices")(_adaptive_max(1))
exports("nn.functional._adaptive_max_pool2d_with_indices")(_adaptive_max(2))


# ---- normalization -----------------------------------------------------------------------------

def _ones_or(g, t, n, dtype, fill):
    if t is not None:
        return g.value(t, dtype)
    return g.constant(np.full([n], fill, dtype=np.float64), dtype)


@exports("nn.functional.batch_norm")
def _batch_norm(g, result, input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
                eps=1e-05):
    if training or running_mean is None or running_var is None:
        raise g.unsupported("batch_norm in training mode (export in eval mode, or with running statistics)")
    dtype = input.dtype
    c = input._impl.shape[1]
    x = g.value(input)
    y = g.op("BatchNormalization", x, _ones_or(g, weight, c, dtype, 1.0), _ones_or(g, bias, c, dtype, 0.0),
             g.value(running_mean, dtype), g.value(running_var, dtype), epsilon=float(eps))
    return y


@exports("nn.functional.layer_norm")
def _layer_norm(g, result, input, normalized_shape, weight=None, bias=None, eps=1e-05):
    shape = [normalized_shape] if isinstance(normalized_shape, numbers.Integral) else list(normalized_shape)
    dtype = input.dtype
    x = g.value(input)
    axis = input.dim() - len(shape)
    if g.opset >= 17:
        scale = g.value(weight, dtype) if weight is not None else g.constant(np.ones(shape), dtype)
        # no bias: the input left out, not named "" (onnxruntime crashes loading an empty trailing B)
        inputs = [x, scale] if bias is None else [x, scale, g.value(bias, dtype)]
        return g.op("LayerNormalization", *inputs, axis=axis, epsilon=float(eps), outputs=1)
    axes = list(range(axis, input.dim()))
    mean = g.reduce("ReduceMean", x, axes, True)
    d = g.op("Sub", x, mean)
    var = g.reduce("ReduceMean", g.op("Mul", d, d), axes, True)
    y = g.op("Div", d, g.op("Sqrt", g.op("Add", var, g.value(float(eps), dtype))))
    if weight is not None:
        y = g.op("Mul", y, g.value(weight, dtype))
    if bias is not None:
        y = g.op("Add", y, g.value(bias, dtype))
    return y


@exports("nn.functional.group_norm")
def _group_norm(g, result, input, num_groups, weight=None, bias=None, eps=1e-05):
    dtype = input.dtype
    c = input._impl.shape[1]
    x = g.value(input)
    if g.opset >= 21:
        return g.op("GroupNormalization", x, _ones_or(g, weight, c, dtype, 1.0), _ones_or(g, bias, c, dtype, 0.0),
                    num_groups=int(num_groups), epsilon=float(eps))
    # (N, G, rest): normalize each group, back to the input's shape, then the per-channel affine
    grouped = g.op("Reshape", x, g.ints([0, int(num_groups), -1]))
    mean = g.reduce("ReduceMean", grouped, [2], True)
    d = g.op("Sub", grouped, mean)
    var = g.reduce("ReduceMean", g.op("Mul", d, d), [2], True)
    normed = g.op("Div", d, g.op("Sqrt", g.op("Add", var, g.value(float(eps), dtype))))
    y = g.op("Reshape", normed, g.shape(input))
    affine_shape = g.ints([c] + [1] * (input.dim() - 2))
    if weight is not None:
        y = g.op("Mul", y, g.op("Reshape", g.value(weight, dtype), affine_shape))
    if bias is not None:
        y = g.op("Add", y, g.op("Reshape", g.value(bias, dtype), affine_shape))
    return y


@exports("nn.functional.embedding")
def _embedding(g, result, input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
               sparse=False):
    if max_norm is not None:
        raise g.unsupported("embedding with max_norm (it rescales the weight in place)")
    return g.op("Gather", g.value(weight), g.value(input, _C.dtype.int64), axis=0)


# ---- activations -------------------------------------------------------------------------------

def _activation(name, build):
    """An activation's exporter: its arguments bound by the function's own signature (layers
    pass `inplace` by position), less `inplace`, which ONNX values have no use for."""
    import inspect

    from ... import nn
    signature = inspect.signature(getattr(nn.functional, name.rsplit(".", 1)[1]))

    def export(g, result, input, *args, **kwargs):
        params = signature.bind(input, *args, **kwargs).arguments
        params.pop("inplace", None)
        params.pop(next(iter(params)))  # the input
        return build(g, g.value(input, result.dtype), result.dtype, **params)
    return export


def _gelu(g, x, dtype, approximate="none"):
    if g.opset >= 20:
        return g.op("Gelu", x, approximate=approximate)
    half, one = g.value(0.5, dtype), g.value(1.0, dtype)
    if approximate == "tanh":
        inner = g.op("Mul", g.value(math.sqrt(2.0 / math.pi), dtype),
                     g.op("Add", x, g.op("Mul", g.value(0.044715, dtype), g.op("Mul", x, g.op("Mul", x, x)))))
        return g.op("Mul", g.op("Mul", half, x), g.op("Add", one, g.op("Tanh", inner)))
    erf = g.op("Erf", g.op("Div", x, g.value(math.sqrt(2.0), dtype)))
    return g.op("Mul", g.op("Mul", half, x), g.op("Add", one, erf))


def _softplus(g, x, dtype, beta=1.0, threshold=20.0):
    scaled = g.op("Mul", x, g.value(float(beta), dtype)) if beta != 1 else x
    soft = g.op("Softplus", scaled)
    if beta != 1:
        soft = g.op("Div", soft, g.value(float(beta), dtype))
    return g.op("Where", g.op("Greater", scaled, g.value(float(threshold), dtype)), x, soft)


def _clip(g, x, dtype, low, high):
    computed = compute_dtype(dtype, ("int16",))  # (onnxruntime has no int16 Clip)
    if computed != dtype:
        x = g.cast(x, computed)
    return cast_back(g, g.op("Clip", x, g.value(low, computed), g.value(high, computed)), computed, dtype)


_ACTIVATIONS = {
    "nn.functional.gelu": _gelu,
    "nn.functional.silu": lambda g, x, dtype: g.op("Mul", x, g.op("Sigmoid", x)),
    "nn.functional.softplus": _softplus,
    "nn.functional.elu": lambda g, x, dtype, alpha=1.0: g.op("Elu", x, alpha=float(alpha)),
    "nn.functional.selu": lambda g, x, dtype: g.op("Selu", x),
    "nn.functional.celu": lambda g, x, dtype, alpha=1.0: g.op("Celu", x, alpha=float(alpha)),
    "nn.functional.leaky_relu": lambda g, x, dtype, negative_slope=0.01: g.op("LeakyRelu", x,
                                                                               alpha=float(negative_slope)),
    "nn.functional.hardtanh": lambda g, x, dtype, min_val=-1.0, max_val=1.0: _clip(g, x, dtype, min_val, max_val),
    "nn.functional.relu6": lambda g, x, dtype: _clip(g, x, dtype, 0.0, 6.0),
    "nn.functional.mish": lambda g, x, dtype: g.op("Mish", x) if g.opset >= 18 else
    g.op("Mul", x, g.op("Tanh", g.op("Softplus", x))),
    "nn.functional.hardswish": lambda g, x, dtype: g.op("HardSwish", x),
    "nn.functional.hardsigmoid": lambda g, x, dtype: g.op("HardSigmoid", x, alpha=1.0 / 6.0, beta=0.5),
    "nn.functional.logsigmoid": lambda g, x, dtype: g.op("Neg", g.op("Softplus", g.op("Neg", x))),
    "nn.functional.softsign": lambda g, x, dtype: g.op("Softsign", x),
    "nn.functional.tanhshrink": lambda g, x, dtype: g.op("Sub", x, g.op("Tanh", x)),
    "nn.functional.threshold": lambda g, x, dtype, threshold, value: g.op(
        "Where", g.op("Greater", x, g.value(float(threshold), dtype)), x, g.value(float(value), dtype)),
    "nn.functional.relu": lambda g, x, dtype: g.op("Relu", x),
}
for _name, _build in _ACTIVATIONS.items():
    exports(_name)(_activation(_name, _build))


@exports("nn.functional.prelu")
def _prelu(g, result, input, weight):
    slope = g.value(weight, input.dtype)
    if weight.numel() > 1 and input.dim() > 2:
        slope = g.op("Reshape", slope, g.ints([weight.numel()] + [1] * (input.dim() - 2)))
    return g.op("PRelu", g.value(input), slope)


# ---- interpolation and padding ------------------------------------------------------------------

@exports("nn.functional.interpolate", "nn.functional.upsample")
def _interpolate(g, result, input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None, antialias=False):
    from ...nn.functional.upsampling import _plan
    mode, _, output, scales, align_corners = _plan(input, size, scale_factor, mode, align_corners,
                                                   recompute_scale_factor, antialias)
    x = g.value(input)
    if mode == "area":
        spatial = len(output)
        window = _adaptive_windows(g, input, output, spatial, "interpolate(mode='area')")
        return g.op("GlobalAveragePool", x) if window is None else g.op("AveragePool", x, kernel_shape=window,
                                                                         strides=window)
    if mode == "nearest":
        attrs = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    elif mode == "nearest-exact":
        attrs = dict(mode="nearest", coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil")
    else:
        attrs = dict(mode="linear",
                     coordinate_transformation_mode="align_corners" if align_corners else "pytorch_half_pixel")
    if scales:
        scale_values = g.constant(np.array([1.0, 1.0] + list(scales), dtype=np.float32))
        return g.op("Resize", x, None, scale_values, **attrs)
    sizes = g.op("Concat", g.op("Slice", g.shape(input), g.ints([0]), g.ints([2]), g.ints([0])), g.ints(output),
                 axis=0)
    return g.op("Resize", x, None, None, sizes, **attrs)


@exports("nn.functional.upsample_nearest")
def _upsample_nearest(g, result, input, size=None, scale_factor=None):
    return _interpolate(g, result, input, size, scale_factor, "nearest")


@exports("nn.functional.upsample_bilinear")
def _upsample_bilinear(g, result, input, size=None, scale_factor=None):
    return _interpolate(g, result, input, size, scale_factor, "bilinear", True)


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@exports("nn.functional.pad")
def _pad(g, result, input, pad, mode="constant", value=None):
    pad = [int(p) for p in pad]
    n = input.dim()
    begins, ends = [0] * n, [0] * n
    for i in range(len(pad) // 2):
        d = n - 1 - i
        begins[d], ends[d] = pad[2 * i], pad[2 * i + 1]
    onnx_mode = _PAD_MODES[mode]
    if onnx_mode == "wrap":
        g.require_opset(19, "pad(mode='circular')")
    computed = compute_dtype(input.dtype, ("int16",))  # (onnxruntime has no int16 Pad)
    x = g.value(input, computed)
    fill = None
    if onnx_mode == "constant":
        fill = g.value(0 if value is None else value, computed)
    return cast_back(g, g.op("Pad", x, g.ints(begins + ends), fill, mode=onnx_mode), computed, input.dtype)


# ---- attention -------------------------------------------------------------------------------------

@exports("nn.functional.scaled_dot_product_attention")
def _attention(g, result, query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
               enable_gqa=False, *, generator=None):
    if dropout_p:
        raise g.unsupported("scaled_dot_product_attention with dropout (export in eval mode)")
    dtype = query.dtype
    if enable_gqa and query._impl.shape[-3] != key._impl.shape[-3]:
        raise g.unsupported("scaled_dot_product_attention with grouped key/value heads")
    q, k, v = g.value(query), g.value(key), g.value(value)
    factor = 1.0 / math.sqrt(query._impl.shape[-1]) if scale is None else float(scale)
    perm = list(range(key.dim()))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=perm)), g.value(factor, dtype))
    neg_inf = g.value(-math.inf, dtype)
    if is_causal:
        # keep key j for query i when j <= i: ones of (L, S), lower triangle
        lengths = g.op("Concat", g.op("Slice", g.shape(query), g.ints([-2]), g.ints([-1]), g.ints([0])),
                       g.op("Slice", g.shape(key), g.ints([-2]), g.ints([-1]), g.ints([0])), axis=0)
        from onnx import numpy_helper
        ones = g.op("ConstantOfShape", lengths, value=numpy_helper.from_array(np.array([1], dtype=np.bool_), "value"))
        keep = g.op("Cast", g.op("Trilu", g.op("Cast", ones, to=6), upper=0), to=9)
        scores = g.op("Where", keep, scores, neg_inf)
    if attn_mask is not None:
        if attn_mask.dtype == _C.dtype.bool:
            scores = g.op("Where", g.value(attn_mask), scores, neg_inf)
        else:
            scores = g.op("Add", scores, g.value(attn_mask, dtype))
    weights = g.op("Softmax", scores, axis=-1)
    if attn_mask is not None:  # a fully masked row attends to nothing (zeros), as in ember and PyTorch
        weights = g.op("Where", g.op("IsNaN", weights), g.value(0.0, dtype), weights)
    return g.op("MatMul", weights, v)
