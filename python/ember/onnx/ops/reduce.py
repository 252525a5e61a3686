"""Exporters of the reductions, scans and softmax.

Reductions accept numpy's spelling too (axis=, keepdims=), as the ops do. Integer and bool
inputs are cast to the result's dtype first (sum of bools is int64, as in ember). var and std
divide by the number of reduced elements less the correction, that number taken from
Shape(input), so it follows a dynamic batch.
"""
import math

import numpy as np

from ... import _C
from ..._tensor import Tensor
from ..registry import exports
from ._common import cast_back, compute_dtype, dims_list, no_out

_INT64 = _C.dtype.int64


def _numpy_spelling(dim, keepdim, axis, keepdims):
    """(dim, keepdim), numpy's axis= and keepdims= taking precedence when given."""
    return (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)


def _spec(input, dim, keepdim, axis, keepdims):
    dim, keepdim = _numpy_spelling(dim, keepdim, axis, keepdims)
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    return (None if dim is None else dims_list(dim, input.dim())), bool(keepdim)


def _reduction(onnx_op, cast_to_result=True):
    def export(g, result, input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
        no_out(g, out)
        axes, keep = _spec(input, dim, keepdim, axis, keepdims)
        x = g.value(input, result.dtype if cast_to_result else None)
        if input.dim() == 0:
            return g.op("Identity", x)
        return g.reduce(onnx_op, x, axes, keep)
    return export


exports("sum")(_reduction("ReduceSum"))
exports("mean")(_reduction("ReduceMean"))
exports("prod")(_reduction("ReduceProd"))
exports("logsumexp")(_reduction("ReduceLogSumExp"))


def _extreme(onnx_op):
    def export(g, result, input, dim=(), keepdim=False, *, axis=None, keepdims=None, out=None):
        no_out(g, out)
        axes, keep = _spec(input, dim, keepdim, axis, keepdims)
        if input.dim() == 0:
            return g.op("Identity", g.value(input))
        return _reduce_any_dtype(g, onnx_op, input, axes, keep)
    return export


# dtypes ReduceMax/Min (bool before opset 20, int16), ArgMax/Min (bool) and onnxruntime's
# kernels of them (int16) lack: computed in int32, which holds their values exactly
_ORDERED_MISSING = ("bool", "int16")


def _reduce_any_dtype(g, onnx_op, input, axes, keep):
    """ReduceMax/ReduceMin of any dtype."""
    computed = compute_dtype(input.dtype, _ORDERED_MISSING)
    r = g.reduce(onnx_op, g.value(input, computed), axes, keep)
    return cast_back(g, r, computed, input.dtype)


def _arg_input(g, input):
    return g.value(input, compute_dtype(input.dtype, _ORDERED_MISSING))


exports("amax")(_extreme("ReduceMax"))
exports("amin")(_extreme("ReduceMin"))


def _max_min(onnx_op, arg_op, binary_op):
    def export(g, result, input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        no_out(g, out)
        dim, keepdim = _numpy_spelling(dim, keepdim, axis, keepdims)
        if dim is None:
            return _reduce_any_dtype(g, onnx_op, input, None, False) if input.dim() else g.op("Identity", g.value(input))
        if isinstance(dim, Tensor):  # max(x, y): maximum
            if result.dtype == _C.dtype.bool:  # (ONNX's Max takes no bools)
                return g.op("Or" if binary_op == "Max" else "And", *g.operands(input, dim, dtype=result.dtype))
            computed = compute_dtype(result.dtype, _ORDERED_MISSING)
            return cast_back(g, g.op(binary_op, *g.operands(input, dim, dtype=computed)), computed, result.dtype)
        if input.dim() == 0:
            return g.op("Identity", g.value(input)), g.constant(np.array(0, dtype=np.int64))
        d = dims_list(dim, input.dim())[0]
        values = _reduce_any_dtype(g, onnx_op, input, [d], keepdim)
        indices = g.op(arg_op, _arg_input(g, input), axis=d, keepdims=int(bool(keepdim)))
        return values, indices
    return export


exports("max")(_max_min("ReduceMax", "ArgMax", "Max"))
exports("min")(_max_min("ReduceMin", "ArgMin", "Min"))


def _arg(onnx_op):
    def export(g, result, input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        no_out(g, out)
        dim, keepdim = _numpy_spelling(dim, keepdim, axis, keepdims)
        x = _arg_input(g, input)
        if dim is None:
            flat = g.op("Reshape", x, g.ints([-1]))
            r = g.op(onnx_op, flat, axis=0, keepdims=0)
            if keepdim:
                r = g.op("Reshape", r, g.ints([1] * input.dim()))
            return r
        d = dims_list(dim, input.dim())[0]
        return g.op(onnx_op, x, axis=d, keepdims=int(bool(keepdim)))
    return export


exports("argmax")(_arg("ArgMax"))
exports("argmin")(_arg("ArgMin"))


def _all_any(onnx_op):
    def export(g, result, input, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        no_out(g, out)
        axes, keep = _spec(input, dim, keepdim, axis, keepdims)
        x = g.op("Cast", g.value(input, _C.dtype.bool), to=6)
        to = _onnx(result.dtype)  # bool, but uint8 for uint8 inputs (as in ember and PyTorch)
        if input.dim() == 0:
            return g.op("Cast", x, to=to)
        return g.op("Cast", g.reduce(onnx_op, x, axes, keep), to=to)
    return export


exports("all")(_all_any("ReduceMin"))
exports("any")(_all_any("ReduceMax"))


def _count(g, input, axes):
    """The number of elements over `axes` of input, as a scalar of input's dtype."""
    if axes is None:
        n = g.op("Size", g.value(input))
    else:
        n = g.op("ReduceProd", g.op("Gather", g.shape(input), g.ints(axes), axis=0), keepdims=0)
    return g.op("Cast", n, to=_onnx(input.dtype))


def _onnx(dtype):
    from ..graph import onnx_type
    return onnx_type(dtype)


def _correction(unbiased, correction):
    if unbiased is not None:
        return 1.0 if unbiased else 0.0
    return 1.0 if correction is None else float(correction)


def _variance(g, input, dim, unbiased, keepdim, correction, axis=None, keepdims=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    axes, keep = _spec(input, dim, keepdim, axis, keepdims)
    x = g.value(input)
    mean = g.reduce("ReduceMean", x, axes, True)
    d = g.op("Sub", x, mean)
    ss = g.reduce("ReduceSum", g.op("Mul", d, d), axes, keep)
    c = _correction(unbiased, correction)
    n = _count(g, input, axes)
    if c:
        n = g.op("Sub", n, g.value(c, input.dtype))
    return g.op("Div", ss, n), (axes, keep)


@exports("var")
def _var(g, result, input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None,
         out=None):
    no_out(g, out)
    return _variance(g, input, dim, unbiased, keepdim, correction, axis, keepdims)[0]


@exports("std")
def _std(g, result, input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None,
         out=None):
    no_out(g, out)
    return g.op("Sqrt", _variance(g, input, dim, unbiased, keepdim, correction, axis, keepdims)[0])


@exports("var_mean")
def _var_mean(g, result, input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    var, (axes, keep) = _variance(g, input, dim, unbiased, keepdim, correction)
    return var, g.reduce("ReduceMean", g.value(input), axes, keep)


@exports("std_mean")
def _std_mean(g, result, input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    var, (axes, keep) = _variance(g, input, dim, unbiased, keepdim, correction)
    return g.op("Sqrt", var), g.reduce("ReduceMean", g.value(input), axes, keep)


@exports("norm")
def _norm(g, result, input, p="fro", dim=None, keepdim=False, dtype=None):
    axes, keep = _spec(input, dim, keepdim, None, None)
    x = g.value(input, dtype)
    if p is None or p == "fro" or p == 2:
        return g.reduce("ReduceL2", x, axes, keep)
    if p == 1:
        return g.reduce("ReduceL1", x, axes, keep)
    if p == math.inf:
        return g.reduce("ReduceMax", g.op("Abs", x), axes, keep)
    if p == -math.inf:
        return g.reduce("ReduceMin", g.op("Abs", x), axes, keep)
    if isinstance(p, str):
        raise g.unsupported(f"norm with p={p!r}")
    if p == 0:
        nonzero = g.op("Cast", g.op("Not", g.op("Equal", x, g.value(0.0, result.dtype))), to=_onnx(result.dtype))
        return g.reduce("ReduceSum", nonzero, axes, keep)
    powered = g.reduce("ReduceSum", g.op("Pow", g.op("Abs", x), g.value(float(p), result.dtype)), axes, keep)
    return g.op("Pow", powered, g.value(1.0 / p, result.dtype))


@exports("cumsum")
def _cumsum(g, result, input, dim, *, dtype=None, axis=None, out=None):
    no_out(g, out)
    d = dims_list(dim if axis is None else axis, input.dim())[0] if input.dim() else 0
    x = g.value(input, result.dtype)
    if input.dim() == 0:
        return g.op("Identity", x)
    return g.op("CumSum", x, g.int_scalar(d))


def _softmax(onnx_op):
    def export(g, result, input, dim=None, dtype=None, *, _stacklevel=3):
        x = g.value(input, result.dtype)
        if input.dim() == 0:
            return g.squeeze(g.op(onnx_op, g.unsqueeze(x, [0]), axis=0), [0])
        d = dims_list(dim if dim is not None else -1, input.dim())[0]
        return g.op(onnx_op, x, axis=d)
    return export


exports("softmax")(_softmax("Softmax"))
exports("log_softmax")(_softmax("LogSoftmax"))
