"""Exporters of the creation ops, for the calls that depend on traced values: sizes read from
traced tensors (zeros(x.size(0), n), arange(x.shape[1])), or `*_like` / `new_*` of a traced
tensor. With plain sizes these ops never reach an exporter: their results are constants."""
import numbers

import numpy as np

from ... import _C
from ..._tensor import Tensor
from ..graph import ONNX_TYPES, SymInt, onnx_type
from ..registry import exports
from .shape import _sizes


def _fill(g, shape, value, dtype):
    """A tensor of `shape` (an int64 1-D value) filled with `value` (a number or a traced 0-d
    tensor) in `dtype`."""
    from onnx import helper
    if isinstance(value, (Tensor, SymInt)):
        return g.op("Expand", g.value(value, dtype), shape)
    if dtype.name == "bfloat16":
        filled = g.op("ConstantOfShape", shape, value=helper.make_tensor("value", ONNX_TYPES["float32"], [1],
                                                                          [float(value)]))
        return g.op("Cast", filled, to=onnx_type(dtype))
    np_value = np.array([value]).astype(_numpy(dtype))
    from onnx import numpy_helper
    return g.op("ConstantOfShape", shape, value=numpy_helper.from_array(np_value, "value"))


def _numpy(dtype):
    return {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int8": np.int8, "uint8": np.uint8,
            "int16": np.int16, "int32": np.int32, "int64": np.int64, "bool": np.bool_}[dtype.name]


def _sized(value):
    def export(g, result, *size, **kwargs):
        return _fill(g, g.ints(_sizes(size)), value, result.dtype)
    return export


exports("zeros")(_sized(0))
exports("ones")(_sized(1))
exports("empty")(_sized(0))


@exports("full")
def _full(g, result, size, fill_value, **kwargs):
    return _fill(g, g.ints(list(size) if not isinstance(size, numbers.Integral) else [size]), fill_value,
                 result.dtype)


def _like(value):
    def export(g, result, input, *args, **kwargs):
        return _fill(g, g.shape(input), value, result.dtype)
    return export


exports("zeros_like")(_like(0))
exports("ones_like")(_like(1))
exports("empty_like")(_like(0))


@exports("full_like")
def _full_like(g, result, input, fill_value, **kwargs):
    return _fill(g, g.shape(input), fill_value, result.dtype)


def _new(value):
    def export(g, result, self, *size, **kwargs):
        return _fill(g, g.ints(_sizes(size)), value, result.dtype)
    return export


exports("Tensor.new_zeros")(_new(0))
exports("Tensor.new_ones")(_new(1))
exports("Tensor.new_empty")(_new(0))


@exports("Tensor.new_full")
def _new_full(g, result, self, size, fill_value, **kwargs):
    return _fill(g, g.ints(list(size)), fill_value, result.dtype)


@exports("arange")
def _arange(g, result, start, end=None, step=1, **kwargs):
    if end is None:
        start, end = 0, start
    dtype = result.dtype
    return g.op("Range", g.value(start, dtype), g.value(end, dtype), g.value(step, dtype))


@exports("tensor", "as_tensor")
def _tensor(g, result, data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor made of sizes read from traced tensors (ember.tensor([x.size(0), 4])): the sizes
    computed in the graph. Other data traced into a new tensor has no export."""
    items = data if isinstance(data, (list, tuple)) else [data]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise g.unsupported("ember.tensor of values read from traced tensors other than integer sizes")
    value = g.ints(items) if isinstance(data, (list, tuple)) else g.int_scalar(data)
    return value if result.dtype == _C.dtype.int64 else g.op("Cast", value, to=onnx_type(result.dtype))


# ---- the out-of-place forms of copy_, fill_ and zero_ (the in-place writes trace through them) --

def _shape_of(g, t):
    return g.shape(t) if g.is_traced(t) else g.ints(list(t._impl.shape))


@exports("Tensor._copy_out_of_place")
def _copy(g, result, self, src, non_blocking=False):
    """self's shape and dtype holding src, broadcast and cast."""
    if not isinstance(src, Tensor):
        import ember
        src = ember.tensor(src, dtype=self.dtype)
    return g.op("Expand", g.value(src, self.dtype), _shape_of(g, self))


@exports("Tensor._fill_out_of_place")
def _fill_value(g, result, self, value):
    return _fill(g, _shape_of(g, self), value, self.dtype)


@exports("Tensor._zero_out_of_place")
def _zero(g, result, self):
    return _fill(g, _shape_of(g, self), 0, self.dtype)
