"""Backward rules of the elementwise ops (and their operators).

Gradients may be returned at the broadcast shape: the engine sums them back to each input's
shape (engine.sum_to_shape). Operands may be Python numbers: they are saved as values and get
no gradient. The formulas follow PyTorch's (tools/autograd/derivatives.yaml), including its
conventions at the points where an op is not differentiable: abs and copysign have gradient 0
at 0, maximum/minimum split a tie's gradient in half, relu's gradient at 0 is 0, pow's base
gets 0 where the exponent is 0 and its exponent gets 0 where the base is 0 and the exponent
nonnegative, and the rounding ops (floor, ceil, trunc, round, sign, div with a rounding mode,
floor_divide) have zero gradients. Every formula is written in ember ops, so that it can itself
be differentiated.
"""
import cmath
import math

import ember  # ops are looked up when a backward runs: the wrapped, recording ones
from ... import _C
from ..._tensor import Tensor, _wrap
from ..grad_mode import _state
from ..recording import holomorphic, register


def _is_tensor(x):
    return isinstance(x, Tensor)


def _zeros(grad):
    return ember.zeros_like(grad)


def _conj(x):
    """conj(x) for a complex tensor or number, else x itself. A complex input's gradient is
    grad * conj(f'(z)) (PyTorch's convention): the rules conjugate their derivatives with this,
    which costs nothing on real operands."""
    if isinstance(x, Tensor):
        return x.conj() if x._impl.dtype.is_complex else x
    return x.conjugate() if isinstance(x, complex) else x


# ---- setups ---------------------------------------------------------------------------------------

def _save_inputs(ctx, result, input, other, *args, **kwargs):
    ctx.save_for_backward(input, other)
    return input, other


def _save_inputs_result(ctx, result, input, other, *args, **kwargs):
    ctx.save_for_backward(input, other, result)
    return input, other


def _save_reflected(ctx, result, self, other):
    """`other OP self` (a reflected operator): the op's inputs in the op's order."""
    ctx.save_for_backward(other, self)
    return other, self


def _save_reflected_result(ctx, result, self, other):
    ctx.save_for_backward(other, self, result)
    return other, self


def _pass_inputs(ctx, result, input, other, *args, **kwargs):
    return input, other


def _pass_reflected(ctx, result, self, other):
    return other, self


def _save_input(ctx, result, input, *args, **kwargs):
    ctx.save_for_backward(input)
    return (input,)


def _save_result(ctx, result, input, *args, **kwargs):
    ctx.save_for_backward(result)
    return (input,)


def _pass_input(ctx, result, input, *args, **kwargs):
    return (input,)


# ---- add, sub, mul, div ---------------------------------------------------------------------------

def _alpha_setup(ctx, result, input, other, alpha=1, **kwargs):
    ctx.alpha = alpha
    return input, other


def _add_backward(ctx, grad):
    return grad, (grad * ctx.alpha if ctx.alpha != 1 else grad) if ctx.needs_input_grad[1] else None


def _sub_backward(ctx, grad):
    return grad, (-grad * ctx.alpha if ctx.alpha != 1 else -grad) if ctx.needs_input_grad[1] else None


register(("add", "Tensor.__add__"), _alpha_setup, _add_backward)
register(("sub", "Tensor.__sub__"), _alpha_setup, _sub_backward)
def _requires_grad(x):
    return isinstance(x, Tensor) and x._node is not None


def _mul_setup(ctx, result, input, other):
    # Each factor is needed only for the other's gradient: `b[:, 1] * 10` saves nothing that a
    # later in-place write into b would invalidate (as in PyTorch).
    ctx.save_for_backward(other if _requires_grad(input) else None,
                          input if _requires_grad(other) else None)
    return input, other


def _mul_backward(ctx, grad):
    b, a = ctx.saved_tensors
    return (grad * _conj(b) if ctx.needs_input_grad[0] else None,
            grad * _conj(a) if ctx.needs_input_grad[1] else None)


register(("mul", "Tensor.__mul__", "Tensor.__rmul__"), _mul_setup, _mul_backward)


def _radd_setup(ctx, result, self, other):
    ctx.alpha = 1
    return other, self


register("Tensor.__radd__", _radd_setup, _add_backward)
register("Tensor.__rsub__", _radd_setup, _sub_backward)  # other - self


def _div_setup(ctx, result, input, other, *, rounding_mode=None, **kwargs):
    ctx.rounded = rounding_mode is not None
    if not ctx.rounded:  # the dividend only for the divisor's gradient
        ctx.save_for_backward(input if _requires_grad(other) else None, other)
    return input, other


def _reflected_div_setup(ctx, result, self, other):
    return _div_setup(ctx, result, other, self)


def _div_backward(ctx, grad):
    if ctx.rounded:
        return _zeros(grad), _zeros(grad)
    a, b = ctx.saved_tensors
    return (grad / _conj(b) if ctx.needs_input_grad[0] else None,
            -grad * _conj((a / b) / b) if ctx.needs_input_grad[1] else None)


register(("div", "true_divide", "Tensor.__truediv__"), _div_setup, _div_backward)
register("Tensor.__rtruediv__", _reflected_div_setup, _div_backward)


def _zero_backward2(ctx, grad):
    return _zeros(grad), _zeros(grad)


# floor_divide: PyTorch defines no derivative (its backward raises); zero gradients, as
# div(rounding_mode="floor") has, keep graphs through it usable.
register(("floor_divide", "Tensor.__floordiv__"), _pass_inputs, _zero_backward2)
register("Tensor.__rfloordiv__", _pass_reflected, _zero_backward2)


# ---- pow ------------------------------------------------------------------------------------------

def _log_of_number(b):
    if b > 0:
        return math.log(b)
    return -math.inf if b == 0 else math.nan


def _is_complex_operand(x):
    return x._impl.dtype.is_complex if _is_tensor(x) else isinstance(x, complex)


def _pow_backward(ctx, grad):
    base, exponent, result = ctx.saved_tensors
    if _is_complex_operand(base) or _is_complex_operand(exponent):
        return _complex_pow_backward(ctx, grad, base, exponent, result)
    grad_base = grad_exponent = None
    if ctx.needs_input_grad[0]:
        if _is_tensor(exponent):
            grad_base = ember.where(exponent == 0, 0.0, grad * (exponent * base.pow(exponent - 1)))
        elif exponent == 0:
            grad_base = _zeros(grad)
        else:
            grad_base = grad * (exponent * base.pow(exponent - 1))
    if ctx.needs_input_grad[1]:
        if _is_tensor(base):
            grad_exponent = grad * ember.where((base == 0) & (exponent >= 0), 0.0, result * base.log())
        elif base == 0:
            grad_exponent = grad * ember.where(exponent >= 0, 0.0, result * -math.inf)
        else:
            grad_exponent = grad * (result * _log_of_number(base))
    return grad_base, grad_exponent


def _complex_pow_backward(ctx, grad, base, exponent, result):
    """The conjugated derivatives of base ** exponent, zero where the exponent (for the base)
    or the base (for the exponent) is zero, as torch has them."""
    grad_base = grad_exponent = None
    if ctx.needs_input_grad[0]:
        derivative = exponent * base.pow(exponent - 1)
        grad_base = grad * _conj(derivative)
        if _is_tensor(exponent):
            grad_base = ember.where(exponent == 0, 0.0, grad_base)
        elif exponent == 0:
            grad_base = _zeros(grad_base)
    if ctx.needs_input_grad[1]:
        log_base = base.log() if _is_tensor(base) else cmath.log(base) if base != 0 else 0.0
        grad_exponent = grad * _conj(result * log_base)
        if _is_tensor(base):
            grad_exponent = ember.where(base == 0, 0.0, grad_exponent)
    return grad_base, grad_exponent


register(("pow", "Tensor.__pow__"), _save_inputs_result, _pow_backward)
register("Tensor.__rpow__", _save_reflected_result, _pow_backward)


# ---- remainder, fmod ------------------------------------------------------------------------------

def _quotient_backward(rounding_mode):
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad if ctx.needs_input_grad[0] else None,
                -grad * ember.div(a, b, rounding_mode=rounding_mode) if ctx.needs_input_grad[1] else None)
    return backward


register(("remainder", "Tensor.__mod__"), _save_inputs, _quotient_backward("floor"))
register("Tensor.__rmod__", _save_reflected, _quotient_backward("floor"))
register("fmod", _save_inputs, _quotient_backward("trunc"))


# ---- binary ops -----------------------------------------------------------------------------------

def _maximum_backward(ctx, grad):
    a, b = ctx.saved_tensors
    half = grad / 2
    return (ember.where(a == b, half, ember.where(a < b, 0.0, grad)) if ctx.needs_input_grad[0] else None,
            ember.where(a == b, half, ember.where(a > b, 0.0, grad)) if ctx.needs_input_grad[1] else None)


def _minimum_backward(ctx, grad):
    a, b = ctx.saved_tensors
    half = grad / 2
    return (ember.where(a == b, half, ember.where(a > b, 0.0, grad)) if ctx.needs_input_grad[0] else None,
            ember.where(a == b, half, ember.where(a < b, 0.0, grad)) if ctx.needs_input_grad[1] else None)


register("maximum", _save_inputs, _maximum_backward)
register("minimum", _save_inputs, _minimum_backward)


def _atan2_backward(ctx, grad):
    a, b = ctx.saved_tensors
    scale = grad / (a * a + b * b)
    return (scale * b if ctx.needs_input_grad[0] else None,
            scale * -a if ctx.needs_input_grad[1] else None)


register("atan2", _save_inputs, _atan2_backward)


def _hypot_backward(ctx, grad):
    a, b, result = ctx.saved_tensors
    return (grad * (a / result) if ctx.needs_input_grad[0] else None,
            grad * (b / result) if ctx.needs_input_grad[1] else None)


register("hypot", _save_inputs_result, _hypot_backward)


def _copysign_backward(ctx, grad):
    a, b, result = ctx.saved_tensors
    grad_a = None
    if ctx.needs_input_grad[0]:
        grad_a = grad * ember.where(a == 0, 0.0, result / a)
    return grad_a, _zeros(grad) if ctx.needs_input_grad[1] else None


register("copysign", _save_inputs_result, _copysign_backward)


def _logaddexp_backward(ctx, grad):
    a, b = ctx.saved_tensors
    return (grad / ((b - a).exp() + 1) if ctx.needs_input_grad[0] else None,
            grad / ((a - b).exp() + 1) if ctx.needs_input_grad[1] else None)


def _logaddexp2_backward(ctx, grad):
    a, b = ctx.saved_tensors
    return (grad / ((b - a).exp2() + 1) if ctx.needs_input_grad[0] else None,
            grad / ((a - b).exp2() + 1) if ctx.needs_input_grad[1] else None)


register("logaddexp", _save_inputs, _logaddexp_backward)
register("logaddexp2", _save_inputs, _logaddexp2_backward)


def _xlogy_backward(ctx, grad):
    x, y = ctx.saved_tensors
    grad_x = grad_y = None
    if ctx.needs_input_grad[0]:
        grad_x = ember.xlogy(grad, y)
        if _is_tensor(y):
            grad_x = ember.where((x == 0) & (y <= 0), 0.0, grad_x)
        elif y <= 0:
            grad_x = ember.where(x == 0, 0.0, grad_x)
    if ctx.needs_input_grad[1]:
        grad_y = grad * x / y
    return grad_x, grad_y


register("xlogy", _save_inputs, _xlogy_backward)


# ---- where, clamp ---------------------------------------------------------------------------------

def _where_setup(ctx, result, condition, input=None, other=None):
    ctx.save_for_backward(condition)
    return input, other


def _where_method_setup(ctx, result, self, condition, other):
    ctx.save_for_backward(condition)
    return self, other


def _where_backward(ctx, grad):
    condition, = ctx.saved_tensors
    return (ember.where(condition, grad, 0.0) if ctx.needs_input_grad[0] else None,
            ember.where(condition, 0.0, grad) if ctx.needs_input_grad[1] else None)


register("where", _where_setup, _where_backward)
register("Tensor.where", _where_method_setup, _where_backward)


def _clamp_setup(ctx, result, input, min=None, max=None, **kwargs):
    ctx.save_for_backward(input, min, max)
    return input, min, max


def _clamp_backward(ctx, grad):
    x, lo, hi = ctx.saved_tensors
    need = ctx.needs_input_grad
    grad_x = grad_lo = grad_hi = None
    if lo is not None and hi is not None:
        if need[0]:
            grad_x = ember.where((x >= lo) & (x <= hi), grad, 0.0)
        if need[1]:
            grad_lo = ember.where((x < lo) & (lo < hi), grad, 0.0)
        if need[2]:
            grad_hi = ember.where((x > hi) | (hi < lo), grad, 0.0)
    elif lo is not None:
        if need[0]:
            grad_x = ember.where(x >= lo, grad, 0.0)
        if need[1]:
            grad_lo = ember.where(x < lo, grad, 0.0)
    elif hi is not None:
        if need[0]:
            grad_x = ember.where(x <= hi, grad, 0.0)
        if need[2]:
            grad_hi = ember.where(x > hi, grad, 0.0)
    elif need[0]:
        grad_x = grad
    return grad_x, grad_lo, grad_hi


register("clamp", _clamp_setup, _clamp_backward)


# ---- unary ops ------------------------------------------------------------------------------------

def _zero_backward(ctx, grad):
    return _zeros(grad)


def _identity_backward(ctx, grad):
    return grad


def _neg_backward(ctx, grad):
    return -grad


register(("neg", "Tensor.__neg__"), _pass_input, _neg_backward)
register(("sign", "floor", "ceil", "trunc", "round"), _pass_input, _zero_backward)
register("frac", _pass_input, _identity_backward)


def _input_rule(names, formula, is_holomorphic=True):
    """A rule whose gradient is formula(grad, input) (its derivative conjugated for complex
    inputs when the op is holomorphic)."""
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return formula(grad, x)
    register(names, _save_input, holomorphic(backward) if is_holomorphic else backward)


def _result_rule(names, formula):
    """A rule whose gradient is formula(grad, result) (its derivative conjugated for complex
    results)."""
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return formula(grad, y)
    register(names, _save_result, holomorphic(backward))


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0

# |z| is not holomorphic: its gradient is grad * z / |z| (sgn is sign on the reals)
_input_rule(("abs", "Tensor.__abs__"), lambda g, x: g * x.sgn(), is_holomorphic=False)
_result_rule("exp", lambda g, y: g * y)
_result_rule("exp2", lambda g, y: g * (y * _LN2))
_result_rule("expm1", lambda g, y: g * (y + 1))
_input_rule("log", lambda g, x: g / x)
_input_rule("log2", lambda g, x: g / (x * _LN2))
_input_rule("log10", lambda g, x: g / (x * _LN10))
_input_rule("log1p", lambda g, x: g / (x + 1))
_result_rule("sqrt", lambda g, y: g / (y * 2))
_result_rule("rsqrt", lambda g, y: g * (y * y * y * -0.5))
_input_rule("sin", lambda g, x: g * x.cos())
_input_rule("cos", lambda g, x: g * -x.sin())
_result_rule("tan", lambda g, y: g * (y * y + 1))
def _fused_result_rule(names, formula, native):
    """formula(grad, result), computed by the one kernel `native(grad, result)` unless the
    backward itself is recorded (create_graph), the operands differ in dtype or shape, or
    they are complex."""
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        g, r = grad._impl, y._impl
        if _state.grad_enabled or type(grad) is not Tensor or g.dtype != r.dtype or g.shape != r.shape or \
                r.dtype.is_complex:
            return formula(grad, y)
        return _wrap(native(g, r))
    register(names, _save_result, holomorphic(backward))


_fused_result_rule("tanh", lambda g, y: g * (1 - y * y), _C.tanh_backward)
_fused_result_rule("sigmoid", lambda g, y: g * ((1 - y) * y), _C.sigmoid_backward)
_result_rule("relu", lambda g, y: ember.where(y <= 0, 0.0, g))
_input_rule("erf", lambda g, x: g * ((-(x * x)).exp() * _TWO_OVER_SQRT_PI))
_input_rule("erfc", lambda g, x: g * ((-(x * x)).exp() * -_TWO_OVER_SQRT_PI))
_result_rule("erfinv", lambda g, y: g * ((y * y).exp() * _SQRT_PI_OVER_TWO))
_result_rule("reciprocal", lambda g, y: -g * (y * y))
_input_rule("square", lambda g, x: g * (x * 2))
_input_rule("sinh", lambda g, x: g * x.cosh())
_input_rule("cosh", lambda g, x: g * x.sinh())
_input_rule("asin", lambda g, x: g * (1 - x * x).rsqrt())
_input_rule("acos", lambda g, x: g * -(1 - x * x).rsqrt())
_input_rule("atan", lambda g, x: g / (x * x + 1))
_input_rule("asinh", lambda g, x: g * (x * x + 1).rsqrt())
_input_rule("acosh", lambda g, x: g * (x * x - 1).rsqrt())
_input_rule("atanh", lambda g, x: g / (1 - x * x))
_input_rule("lgamma", lambda g, x: g * x.digamma())
_input_rule("deg2rad", lambda g, x: g * (math.pi / 180.0))
_input_rule("rad2deg", lambda g, x: g * (180.0 / math.pi))


# digamma's derivative is the trigamma function, polygamma(1, x), which ember has no op for:
# it is computed here from ember ops (so that it has derivatives itself): the recurrence
# psi1(y) = psi1(y + 1) + 1 / y**2 lifts y to at least _LIFT, where the asymptotic series
# psi1(y) ~ 1/y + 1/(2 y**2) + sum B_2k / y**(2k+1) is accurate to about 1e-15; arguments below
# 1/2 use the reflection psi1(x) = pi**2 / sin(pi x)**2 - psi1(1 - x).
_LIFT = 10
# Bernoulli numbers B_2 .. B_16: the coefficients of y**-3, y**-5, ... y**-17.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def trigamma(x):
    """polygamma(1, x) for a floating tensor x, in ember ops."""
    reflect = x < 0.5
    y = ember.where(reflect, 1 - x, x)
    total = ember.zeros_like(y)
    for _ in range(_LIFT):
        low = y < _LIFT
        total = total + ember.where(low, 1 / (y * y), 0.0)
        y = ember.where(low, y + 1, y)
    inv = 1 / y
    inv2 = inv * inv
    series = _BERNOULLI[-1]
    for b in reversed(_BERNOULLI[:-1]):
        series = series * inv2 + b
    total = total + inv + inv2 / 2 + series * inv2 * inv
    # The reflection's term, on a harmless argument where it is not used (so that its
    # gradient there is finite and masked to zero, not inf * 0).
    xr = ember.where(reflect, x, 0.25)
    s = (xr * math.pi).sin()
    return ember.where(reflect, (math.pi * math.pi) / (s * s) - total, total)


_input_rule("digamma", lambda g, x: g * trigamma(x))
