"""Backward rules of the miscellaneous ops (python/ember/_ops/misc.py).

Those ops are composites of ember ops: without a rule their gradients come through the ops they
call (diff, trapezoid, cov, corrcoef, rot90 work that way). Rules here replace a composite's
graph where PyTorch defines the gradient differently, where the composite's graph is needlessly
large, or where the op has an in-place form (which is recorded through its out-of-place rule):

- lerp, addcmul, addcdiv, clamp_min, clamp_max, nan_to_num: one node each, PyTorch's formulas
  (nan_to_num passes the gradient where the input is finite);
- cdist: PyTorch's subgradients where a distance or a difference is 0 (the composite would
  give NaN through sqrt at 0), and all ties of the p = inf distance get the gradient;
- cummax, cummin: the values' gradient goes to the index each was taken from (one scatter
  instead of the scan's log2(n) rounds of where/cat);
- logcumsumexp: PyTorch's formula, a reversed logcumsumexp of the gradient split by sign.
"""
import math

import ember
from ..recording import holomorphic, register
from .elementwise import _clamp_backward


# ---- lerp, addcmul, addcdiv, clamp_min, clamp_max, nan_to_num ----------------------------------------

def _lerp_setup(ctx, result, input, end, weight, **kwargs):
    ctx.save_for_backward(input, end, weight)
    return input, end, weight


def _lerp_backward(ctx, grad):
    input, end, weight = ctx.saved_tensors
    need = ctx.needs_input_grad
    return (grad * (1 - weight) if need[0] else None,
            grad * weight if need[1] else None,
            grad * (end - input) if need[2] else None)


register("lerp", _lerp_setup, holomorphic(_lerp_backward))


def _addc_setup(ctx, result, input, tensor1, tensor2, *, value=1, **kwargs):
    ctx.value = value
    ctx.save_for_backward(tensor1, tensor2)
    return input, tensor1, tensor2


def _addcmul_backward(ctx, grad):
    t1, t2 = ctx.saved_tensors
    need, value = ctx.needs_input_grad, ctx.value
    return (grad if need[0] else None,
            grad * (t2 * value) if need[1] else None,
            grad * (t1 * value) if need[2] else None)


def _addcdiv_backward(ctx, grad):
    t1, t2 = ctx.saved_tensors
    need, value = ctx.needs_input_grad, ctx.value
    return (grad if need[0] else None,
            grad * (value / t2) if need[1] else None,
            -grad * (t1 * value) / (t2 * t2) if need[2] else None)


register("addcmul", _addc_setup, holomorphic(_addcmul_backward))
register("addcdiv", _addc_setup, holomorphic(_addcdiv_backward))


def _clamp_min_setup(ctx, result, input, min, **kwargs):
    ctx.save_for_backward(input, min, None)
    return input, min, None


def _clamp_max_setup(ctx, result, input, max, **kwargs):
    ctx.save_for_backward(input, None, max)
    return input, None, max


register("clamp_min", _clamp_min_setup, _clamp_backward)
register("clamp_max", _clamp_max_setup, _clamp_backward)


def _nan_to_num_setup(ctx, result, input, *args, **kwargs):
    ctx.save_for_backward(input)
    return (input,)


def _nan_to_num_backward(ctx, grad):
    x, = ctx.saved_tensors
    return ember.where(ember.isfinite(x), grad, 0.0)


register("nan_to_num", _nan_to_num_setup, _nan_to_num_backward)


# ---- cdist --------------------------------------------------------------------------------------

_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist")


def _cdist_setup(ctx, result, x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    ctx.p = float(p)
    ctx.mm = p == 2 and (compute_mode == _MODES[1] or
                         (compute_mode == _MODES[0] and (rows1 > 25 or rows2 > 25)))
    ctx.save_for_backward(x1, x2, result)
    return x1, x2


def _cdist_backward(ctx, grad):
    x1, x2, dist = ctx.saved_tensors
    p = ctx.p
    if ctx.mm:
        # the gradient of sqrt(|a|^2 + |b|^2 - 2 a.b), 0 where the squared distance was clamped
        small = dist <= 1e-15
        ratio = ember.where(small, 0.0, grad / ember.where(small, 1.0, dist))
        return (x1 * ratio.sum(-1, keepdim=True) - ratio @ x2 if ctx.needs_input_grad[0] else None,
                x2 * ratio.sum(-2).unsqueeze(-1) - ratio.transpose(-2, -1) @ x1
                if ctx.needs_input_grad[1] else None)
    if p == 0 or x1.shape[-1] == 0:
        return ember.zeros_like(x1), ember.zeros_like(x2)
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)  # [*, P, R, M]
    g = grad.unsqueeze(-1)
    d = dist.unsqueeze(-1)
    zero = d == 0
    safe = ember.where(zero, 1.0, d)
    if p == 1:
        term = g * diff.sign()
    elif p == 2:
        term = ember.where(zero, 0.0, g * diff / safe)
    elif p == math.inf:
        term = g * diff.sign() * (diff.abs() == d)
    elif p < 2:
        absdiff = diff.abs()
        skip = zero | (diff == 0) if p < 1 else zero
        safe_abs = ember.where(diff == 0, 1.0, absdiff) if p < 1 else absdiff
        term = ember.where(skip, 0.0, diff.sign() * safe_abs.pow(p - 1) * g / safe.pow(p - 1))
    else:
        term = ember.where(zero, 0.0, diff * diff.abs().pow(p - 2) * g / safe.pow(p - 1))
    return (term.sum(-2) if ctx.needs_input_grad[0] else None,
            -term.sum(-3) if ctx.needs_input_grad[1] else None)


register("cdist", _cdist_setup, _cdist_backward)


# ---- cummax, cummin -------------------------------------------------------------------------------

def _cumulative_extreme_setup(ctx, result, input, dim):
    ctx.scalar = input.dim() == 0
    ctx.dim = dim
    ctx.save_for_backward(result[1])
    return (input,)


def _cumulative_extreme_backward(ctx, grad_values, grad_indices):
    if ctx.scalar:
        return grad_values
    indices, = ctx.saved_tensors
    return ember.scatter_add(ember.zeros_like(grad_values), ctx.dim, indices, grad_values)


register(("cummax", "cummin"), _cumulative_extreme_setup, _cumulative_extreme_backward)


# ---- logcumsumexp ---------------------------------------------------------------------------------

_LOWEST = {"float64": -1.7976931348623157e+308, "float32": -3.4028234663852886e+38,
           "float16": -65504.0, "bfloat16": -3.3895313892515355e+38}


def _logcumsumexp_setup(ctx, result, input, dim):
    ctx.dim = dim
    ctx.scalar = input.dim() == 0
    ctx.save_for_backward(input, result)
    return (input,)


def _logcumsumexp_backward(ctx, grad):
    """d out_j / d x_i = exp(x_i - out_j) for j >= i: the gradient is
    exp(x_i) * sum_{j >= i} grad_j exp(-out_j), summed in log space for each sign of grad."""
    if ctx.scalar or grad.numel() == 0:
        return grad
    x, out = ctx.saved_tensors
    dim = ctx.dim
    lowest = _LOWEST[str(grad.dtype).rsplit(".", 1)[-1]]

    def reverse_logcumsumexp(t):
        return ember.logcumsumexp(t.flip([dim]), dim).flip([dim])

    magnitude = ember.where(grad == 0, 1.0, grad.abs()).log()
    positive = ember.where(grad > 0, magnitude, lowest)
    negative = ember.where(grad < 0, magnitude, lowest)
    return ((reverse_logcumsumexp(positive - out) + x).exp()
            - (reverse_logcumsumexp(negative - out) + x).exp())


register("logcumsumexp", _logcumsumexp_setup, _logcumsumexp_backward)
