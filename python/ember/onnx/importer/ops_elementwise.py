"""Elementwise ONNX ops: math, comparisons, logic, bitwise, the variadic Sum/Mean/Max/Min."""
import functools

import ember

from ..registry import imports

# ---- unary math -------------------------------------------------------------------------------
_UNARY = {
    "Abs": ember.abs, "Neg": ember.neg, "Exp": ember.exp, "Log": ember.log, "Sqrt": ember.sqrt,
    "Reciprocal": ember.reciprocal, "Floor": ember.floor, "Ceil": ember.ceil, "Sin": ember.sin,
    "Cos": ember.cos, "Tan": ember.tan, "Asin": ember.asin, "Acos": ember.acos, "Atan": ember.atan,
    "Sinh": ember.sinh, "Cosh": ember.cosh, "Asinh": ember.asinh, "Acosh": ember.acosh,
    "Atanh": ember.atanh, "Erf": ember.erf, "Sign": ember.sign, "Round": ember.round,
    "Sigmoid": ember.sigmoid, "Tanh": ember.tanh, "Not": ember.logical_not,
    "BitwiseNot": ember.bitwise_not, "IsNaN": ember.isnan,
}


@imports(*_UNARY)
def unary(node, x):
    return _UNARY[node.op_type](x)


@imports("IsInf")
def is_inf(node, x):
    negative, positive = node.attr("detect_negative", 1), node.attr("detect_positive", 1)
    if negative and positive:
        return ember.isinf(x)
    if not x.is_floating_point():
        return ember.zeros_like(x, dtype=ember.bool)
    if positive:
        return x == float("inf")
    if negative:
        return x == float("-inf")
    return ember.zeros_like(x, dtype=ember.bool)


# ---- binary arithmetic ------------------------------------------------------------------------
_BINARY = {
    "Add": ember.add, "Sub": ember.sub, "Mul": ember.mul,
    "And": ember.logical_and, "Or": ember.logical_or, "Xor": ember.logical_xor,
    "Equal": ember.eq, "Less": ember.lt, "Greater": ember.gt, "LessOrEqual": ember.le,
    "GreaterOrEqual": ember.ge,
    "BitwiseAnd": ember.bitwise_and, "BitwiseOr": ember.bitwise_or, "BitwiseXor": ember.bitwise_xor,
}


@imports(*_BINARY)
def binary(node, a, b):
    return _BINARY[node.op_type](a, b)


@imports("Div")
def div(node, a, b):
    if a.is_floating_point():
        return ember.div(a, b)
    return ember.div(a, b, rounding_mode="trunc")  # ONNX integer division truncates, as C does


@imports("Pow")
def pow_(node, base, exponent):
    # ONNX gives the base's type whatever the exponent's (ember would promote int ** float).
    result = ember.pow(base, exponent)
    return result if result.dtype == base.dtype else result.to(base.dtype)


@imports("Mod")
def mod(node, a, b):
    if node.attr("fmod", 0):
        return ember.fmod(a, b)  # the sign of the dividend, as C's fmod
    return ember.remainder(a, b)  # the sign of the divisor, as Python's %


@imports("BitShift")
def bit_shift(node, x, shift):
    if node.attr("direction") == "LEFT":
        return ember.bitwise_left_shift(x, shift)
    return ember.bitwise_right_shift(x, shift)


# ---- variadic ---------------------------------------------------------------------------------
@imports("Sum")
def sum_(node, *xs):
    return functools.reduce(ember.add, xs)


@imports("Mean")
def mean(node, *xs):
    return functools.reduce(ember.add, xs) / len(xs)


@imports("Max")
def max_(node, *xs):
    return functools.reduce(ember.maximum, xs)


@imports("Min")
def min_(node, *xs):
    return functools.reduce(ember.minimum, xs)


@imports("Where")
def where(node, condition, x, y):
    return ember.where(condition, x, y)


@imports("Clip")
def clip(node, x, low=None, high=None):
    if node.opset < 11:  # the bounds were attributes before opset 11
        low, high = node.attr("min"), node.attr("max")
    # ONNX's Clip is max then min (min > max gives max everywhere), as ember.clamp.
    if isinstance(low, ember.Tensor):
        x = ember.maximum(x, low.to(x.dtype))
    elif low is not None:
        x = ember.clamp(x, min=low)
    if isinstance(high, ember.Tensor):
        x = ember.minimum(x, high.to(x.dtype))
    elif high is not None:
        x = ember.clamp(x, max=high)
    return x
