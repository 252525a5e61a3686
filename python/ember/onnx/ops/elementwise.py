"""Exporters of the elementwise ops: arithmetic, comparisons, logic, math functions, where, clamp.

ONNX's elementwise ops take operands of one type and broadcast as numpy does, so every operand
is brought to the op's computation dtype first (ember's promotion: `ember.result_type`), Python
numbers as constants of that dtype. Functions ONNX lacks are composed from ONNX ops with
ember's (PyTorch's) semantics: floor division and Python's remainder on integers, trunc,
atan2, the logarithms of other bases.
"""
import math

import numpy as np

from ... import _C
from ..._tensor import Tensor
from ..registry import exports
from ._common import cast_back, compute_dtype, no_out, result_dtype

_FLOAT32 = _C.dtype.float32


# ONNX's Add, Mul, Max and Min take no bools; on bools ember's are logical or / and
_ON_BOOLS = {"Add": "Or", "Mul": "And", "Max": "Or", "Min": "And"}


def _binary_onnx(onnx_op):
    def export(g, result, input, other, *, out=None):
        no_out(g, out)
        dtype = result.dtype
        if dtype == _C.dtype.bool:
            return g.op(_ON_BOOLS[onnx_op], *g.operands(input, other, dtype=dtype))
        computed = compute_dtype(dtype, _MAX_MIN_MISSING if onnx_op in ("Max", "Min") else ())
        return cast_back(g, g.op(onnx_op, *g.operands(input, other, dtype=computed)), computed, dtype)
    return export


_MAX_MIN_MISSING = ("int16",)  # onnxruntime has no int16 Max, Min (nor Clip)


def _reflected(export):
    def reflected(g, result, self, other):
        return export(g, result, other, self)
    return reflected


# ---- arithmetic ----------------------------------------------------------------------------------

def _add_sub(onnx_op):
    def export(g, result, input, other, *, alpha=1, out=None):
        no_out(g, out)
        a, b = g.operands(input, other, dtype=result.dtype)
        if result.dtype == _C.dtype.bool:  # (only add takes bools: a logical or, whatever alpha)
            return g.op(_ON_BOOLS[onnx_op], a, b)
        if alpha != 1:
            b = g.op("Mul", b, g.value(alpha, result.dtype))
        return g.op(onnx_op, a, b)
    return export


_add = _add_sub("Add")
_sub = _add_sub("Sub")
exports("add", "Tensor.__add__")(_add)
exports("Tensor.__radd__")(_reflected(_add))
exports("sub", "Tensor.__sub__")(_sub)
exports("Tensor.__rsub__")(_reflected(_sub))
exports("mul", "Tensor.__mul__")(_binary_onnx("Mul"))
exports("Tensor.__rmul__")(_reflected(_binary_onnx("Mul")))


def trunc_value(g, x, dtype):
    """trunc(x) for a float value (ONNX has no Trunc): sign(x) * floor(|x|)."""
    if not dtype.is_floating_point:
        return x
    return g.op("Mul", g.op("Sign", x), g.op("Floor", g.op("Abs", x)))


def floor_divide_int(g, a, b, dtype):
    """Floor division of integers (ONNX's Div truncates): the truncated quotient, one less where
    the remainder is nonzero and the operands' signs differ."""
    q = g.op("Div", a, b)
    r = g.op("Sub", a, g.op("Mul", q, b))
    zero = g.value(0, dtype)
    nonzero = g.op("Not", g.op("Equal", r, zero))
    signs_differ = g.op("Xor", g.op("Less", r, zero), g.op("Less", b, zero))
    return g.op("Sub", q, g.op("Cast", g.op("And", nonzero, signs_differ), to=g_type(dtype)))


def g_type(dtype):
    from ..graph import onnx_type
    return onnx_type(dtype)


@exports("div", "Tensor.__truediv__", "true_divide")
def _div(g, result, input, other, *, rounding_mode=None, out=None):
    no_out(g, out)
    dtype = result.dtype
    a, b = g.operands(input, other, dtype=dtype)
    if rounding_mode is None or not dtype.is_floating_point and rounding_mode == "trunc":
        return g.op("Div", a, b)
    if rounding_mode == "trunc":
        return trunc_value(g, g.op("Div", a, b), dtype)
    if dtype.is_floating_point:
        return g.op("Floor", g.op("Div", a, b))
    return floor_divide_int(g, a, b, dtype)


exports("Tensor.__rtruediv__")(_reflected(_div))


@exports("floor_divide", "Tensor.__floordiv__")
def _floor_divide(g, result, input, other, *, out=None):
    return _div(g, result, input, other, rounding_mode="floor", out=out)


exports("Tensor.__rfloordiv__")(_reflected(_floor_divide))


@exports("remainder", "Tensor.__mod__")
def _remainder(g, result, input, other, *, out=None):
    """Python's remainder (the sign of the divisor): ONNX Mod with fmod=0 for integers;
    a - floor(a / b) * b for floats, as PyTorch computes it."""
    no_out(g, out)
    dtype = result.dtype
    a, b = g.operands(input, other, dtype=dtype)
    if not dtype.is_floating_point:
        return g.op("Mod", a, b, fmod=0)
    return g.op("Sub", a, g.op("Mul", g.op("Floor", g.op("Div", a, b)), b))


exports("Tensor.__rmod__")(_reflected(_remainder))


@exports("fmod")
def _fmod(g, result, input, other, *, out=None):
    no_out(g, out)
    a, b = g.operands(input, other, dtype=result.dtype)
    return g.op("Mod", a, b, fmod=1)


@exports("pow", "Tensor.__pow__")
def _pow(g, result, input, other, *, out=None):
    no_out(g, out)
    dtype = result.dtype
    if not isinstance(other, Tensor) and other == 2 and dtype.is_floating_point:
        x = g.value(input, dtype)
        return g.op("Mul", x, x)
    # ONNX's Pow takes no 8- and 16-bit integers: int64 powers wrap to the same bits
    computed = compute_dtype(dtype, ("int8", "uint8", "int16"), _C.dtype.int64)
    a, b = g.operands(input, other, dtype=computed)
    return cast_back(g, g.op("Pow", a, b), computed, dtype)


exports("Tensor.__rpow__")(_reflected(_pow))
exports("maximum")(_binary_onnx("Max"))
exports("minimum")(_binary_onnx("Min"))


@exports("atan2")
def _atan2(g, result, input, other, *, out=None):
    no_out(g, out)
    dtype = result.dtype
    y, x = g.operands(input, other, dtype=dtype)
    zero = g.value(0.0, dtype)
    base = g.op("Atan", g.op("Div", y, x))
    sign_y = g.op("Where", g.op("Less", y, zero), g.value(-1.0, dtype), g.value(1.0, dtype))
    left = g.op("Add", base, g.op("Mul", sign_y, g.value(math.pi, dtype)))
    on_axis = g.op("Mul", sign_y, g.value(math.pi / 2, dtype))
    on_axis = g.op("Where", g.op("Equal", y, zero), zero, on_axis)
    return g.op("Where", g.op("Greater", x, zero), base, g.op("Where", g.op("Less", x, zero), left, on_axis))


@exports("hypot")
def _hypot(g, result, input, other, *, out=None):
    no_out(g, out)
    a, b = g.operands(input, other, dtype=result.dtype)
    return g.op("Sqrt", g.op("Add", g.op("Mul", a, a), g.op("Mul", b, b)))


@exports("copysign")
def _copysign(g, result, input, other, *, out=None):
    no_out(g, out)
    a, b = g.operands(input, other, dtype=result.dtype)
    magnitude = g.op("Abs", a)
    # the sign bit of b: b < 0 is false for -0.0, whose sign copies too
    negative = signbit_value(g, b, result.dtype)
    return g.op("Where", negative, g.op("Neg", magnitude), magnitude)


@exports("logaddexp")
def _logaddexp(g, result, input, other, *, out=None):
    no_out(g, out)
    a, b = g.operands(input, other, dtype=result.dtype)
    m = g.op("Max", a, b)
    total = g.op("Add", g.op("Exp", g.op("Sub", a, m)), g.op("Exp", g.op("Sub", b, m)))
    return g.op("Add", m, g.op("Log", total))


@exports("logaddexp2")
def _logaddexp2(g, result, input, other, *, out=None):
    no_out(g, out)
    dtype = result.dtype
    ln2 = g.value(math.log(2.0), dtype)
    a, b = (g.op("Mul", v, ln2) for v in g.operands(input, other, dtype=dtype))
    m = g.op("Max", a, b)
    total = g.op("Add", g.op("Exp", g.op("Sub", a, m)), g.op("Exp", g.op("Sub", b, m)))
    return g.op("Div", g.op("Add", m, g.op("Log", total)), ln2)


@exports("xlogy")
def _xlogy(g, result, input, other, *, out=None):
    no_out(g, out)
    dtype = result.dtype
    x, y = g.operands(input, other, dtype=dtype)
    product = g.op("Where", g.op("Equal", x, g.value(0.0, dtype)), g.value(0.0, dtype), g.op("Mul", x, g.op("Log", y)))
    return g.op("Where", g.op("IsNaN", y), y, product)


# ---- comparisons, logic and bits --------------------------------------------------------------------

def _compare(onnx_op, negate=False):
    def export(g, result, input, other, *, out=None):
        no_out(g, out)
        dtype = result_dtype(input, other)
        if onnx_op != "Equal":  # ONNX orders no bools: False < True as 0 < 1
            dtype = compute_dtype(dtype, ("bool",))
        a, b = g.operands(input, other, dtype=dtype)
        r = g.op(onnx_op, a, b)
        return g.op("Not", r) if negate else r
    return export


for _names, _op, _negate in ((("eq", "Tensor.__eq__"), "Equal", False), (("ne", "Tensor.__ne__"), "Equal", True),
                             (("lt", "Tensor.__lt__"), "Less", False), (("le", "Tensor.__le__"), "LessOrEqual", False),
                             (("gt", "Tensor.__gt__"), "Greater", False),
                             (("ge", "Tensor.__ge__"), "GreaterOrEqual", False)):
    exports(*_names)(_compare(_op, _negate))


def _logical(onnx_op):
    def export(g, result, input, other, *, out=None):
        no_out(g, out)
        a, b = g.operands(input, other, dtype=_C.dtype.bool)
        return g.op(onnx_op, a, b)
    return export


exports("logical_and")(_logical("And"))
exports("logical_or")(_logical("Or"))
exports("logical_xor")(_logical("Xor"))


@exports("logical_not")
def _logical_not(g, result, input, *, out=None):
    no_out(g, out)
    return g.op("Not", g.value(input, _C.dtype.bool))


def _bitwise(onnx_op, bool_op):
    def export(g, result, input, other, *, out=None):
        no_out(g, out)
        dtype = result.dtype
        a, b = g.operands(input, other, dtype=dtype)
        if dtype == _C.dtype.bool:
            return g.op(bool_op, a, b)
        g.require_opset(18, f"{onnx_op} on integers")
        return g.op(onnx_op, a, b)
    return export


for _names, _op, _bool in ((("bitwise_and", "Tensor.__and__"), "BitwiseAnd", "And"),
                           (("bitwise_or", "Tensor.__or__"), "BitwiseOr", "Or"),
                           (("bitwise_xor", "Tensor.__xor__"), "BitwiseXor", "Xor")):
    exports(*_names)(_bitwise(_op, _bool))
    exports(*("Tensor.__r" + n[9:] for n in _names if n.startswith("Tensor.__")))(_reflected(_bitwise(_op, _bool)))


@exports("bitwise_not", "Tensor.__invert__")
def _bitwise_not(g, result, input, *, out=None):
    no_out(g, out)
    x = g.value(input)
    if input.dtype == _C.dtype.bool:
        return g.op("Not", x)
    g.require_opset(18, "BitwiseNot on integers")
    return g.op("BitwiseNot", x)


# ---- unary math ------------------------------------------------------------------------------------

# ops that leave integers (and bools) as they are: ONNX's Floor and Ceil take floats only, Sign no bools
_IDENTITY_ON_INTEGERS = {"Floor", "Ceil", "Sign"}


def _unary_float(onnx_op):
    """An op computed in the result's dtype (integers become float32 first)."""
    def export(g, result, input, *, out=None):
        no_out(g, out)
        dtype = result.dtype
        x = g.value(input, dtype)
        if onnx_op in _IDENTITY_ON_INTEGERS and not dtype.is_floating_point and (
                onnx_op != "Sign" or dtype == _C.dtype.bool):
            return g.op("Identity", x)
        if dtype == _C.dtype.uint8 and onnx_op in ("Neg", "Relu"):  # ONNX's take no unsigned integers
            return g.op("Sub", g.value(0, dtype), x) if onnx_op == "Neg" else g.op("Identity", x)
        if onnx_op == "Relu" and dtype.name in _MAX_MIN_MISSING:
            return cast_back(g, g.op("Relu", g.cast(x, _C.dtype.int32)), _C.dtype.int32, dtype)
        return g.op(onnx_op, x)
    return export


def _composed(build):
    def export(g, result, input, *, out=None):
        no_out(g, out)
        return build(g, g.value(input, result.dtype), result.dtype)
    return export


_SAME = {"neg": "Neg", "Tensor.__neg__": "Neg", "abs": "Abs", "Tensor.__abs__": "Abs", "sign": "Sign", "exp": "Exp",
         "log": "Log", "sqrt": "Sqrt", "sin": "Sin", "cos": "Cos", "tan": "Tan", "tanh": "Tanh", "sigmoid": "Sigmoid",
         "relu": "Relu", "erf": "Erf", "floor": "Floor", "ceil": "Ceil", "reciprocal": "Reciprocal", "sinh": "Sinh",
         "cosh": "Cosh", "asin": "Asin", "acos": "Acos", "atan": "Atan", "asinh": "Asinh", "acosh": "Acosh",
         "atanh": "Atanh"}
for _name, _op in _SAME.items():
    exports(_name)(_unary_float(_op))


def _log_base(base):
    return lambda g, x, dtype: g.op("Div", g.op("Log", x), g.value(math.log(base), dtype))


_COMPOSED = {
    "exp2": lambda g, x, dtype: g.op("Pow", g.value(2.0, dtype), x),
    "expm1": lambda g, x, dtype: g.op("Sub", g.op("Exp", x), g.value(1.0, dtype)),
    "log2": _log_base(2.0), "log10": _log_base(10.0),
    "log1p": lambda g, x, dtype: g.op("Log", g.op("Add", x, g.value(1.0, dtype))),
    "rsqrt": lambda g, x, dtype: g.op("Reciprocal", g.op("Sqrt", x)),
    "square": lambda g, x, dtype: g.op("Mul", x, x),
    "trunc": trunc_value,
    "frac": lambda g, x, dtype: g.op("Sub", x, trunc_value(g, x, dtype)),
    "erfc": lambda g, x, dtype: g.op("Sub", g.value(1.0, dtype), g.op("Erf", x)),
    "deg2rad": lambda g, x, dtype: g.op("Mul", x, g.value(math.pi / 180.0, dtype)),
    "rad2deg": lambda g, x, dtype: g.op("Mul", x, g.value(180.0 / math.pi, dtype)),
}
for _name, _build in _COMPOSED.items():
    exports(_name)(_composed(_build))


@exports("isnan")
def _isnan(g, result, input, *, out=None):
    no_out(g, out)
    if not input.dtype.is_floating_point:
        return g.op("Not", g.op("Equal", g.value(input), g.value(input)))  # all False, shaped like input
    return g.op("IsNaN", g.value(input))


@exports("isinf")
def _isinf(g, result, input, *, out=None):
    no_out(g, out)
    if not input.dtype.is_floating_point:
        return g.op("Not", g.op("Equal", g.value(input), g.value(input)))
    return g.op("IsInf", _is_inf_input(g, input))


def _is_inf_input(g, input):
    # ONNX's IsInf takes no 16-bit floats before opset 20: float32 holds them exactly
    return g.value(input, _FLOAT32 if input.dtype.name in ("float16", "bfloat16") else None)


@exports("isfinite")
def _isfinite(g, result, input, *, out=None):
    no_out(g, out)
    x = g.value(input)
    if not input.dtype.is_floating_point:
        return g.op("Equal", x, x)
    return g.op("Not", g.op("Or", g.op("IsNaN", x), g.op("IsInf", _is_inf_input(g, input))))


@exports("signbit")
def _signbit(g, result, input, *, out=None):
    no_out(g, out)
    x = g.value(input, _FLOAT32 if not input.dtype.is_floating_point else None)
    dtype = input.dtype if input.dtype.is_floating_point else _FLOAT32
    return signbit_value(g, x, dtype)


def signbit_value(g, x, dtype):
    """Whether the float value x has its sign bit set: x < 0, or x is -0 (1 / -0 = -inf)."""
    negative_zero = g.op("And", g.op("Equal", x, g.value(0.0, dtype)),
                         g.op("Less", g.op("Div", g.value(1.0, dtype), x), g.value(0.0, dtype)))
    return g.op("Or", g.op("Less", x, g.value(0.0, dtype)), negative_zero)


@exports("round", "Tensor.round")
def _round(g, result, input, decimals=0, *, out=None):  # (x.round(1) passes decimals by position)
    no_out(g, out)
    # integers with decimals != 0 round as floats (ember returns float32 for them)
    dtype = result.dtype
    x = g.value(input, dtype)
    if not dtype.is_floating_point:
        return g.op("Identity", x)
    if decimals == 0:
        return g.op("Round", x)
    scale = g.value(10.0 ** decimals, dtype)
    return g.op("Div", g.op("Round", g.op("Mul", x, scale)), scale)


# ---- where and clamp ---------------------------------------------------------------------------

@exports("where")
def _where(g, result, condition, input=None, other=None):
    # onnxruntime has no Where of bools or int16
    computed = compute_dtype(result.dtype, ("bool", "int16"))
    a, b = g.operands(input, other, dtype=computed)
    return cast_back(g, g.op("Where", g.value(condition, _C.dtype.bool), a, b), computed, result.dtype)


@exports("Tensor.where")
def _where_method(g, result, self, condition, other):
    return _where(g, result, condition, self, other)


@exports("clamp", "Tensor.clamp")
def _clamp(g, result, input, min=None, max=None, *, out=None):
    no_out(g, out)
    dtype = computed = compute_dtype(result.dtype, _MAX_MIN_MISSING)
    x = g.value(input, dtype)
    if min is None and max is None:
        raise g.unsupported("clamp with neither min nor max")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        x = g.op("Clip", x, None if min is None else g.value(min, dtype), None if max is None else g.value(max, dtype))
        return cast_back(g, x, computed, result.dtype)
    if min is not None:
        x = g.op("Max", x, g.value(min, dtype))
    if max is not None:
        x = g.op("Min", x, g.value(max, dtype))
    return cast_back(g, x, computed, result.dtype)
