"""Backward rules of the elementwise ops (and their operators).

Gradients may be returned at the broadcast shape: the engine sums them back to each input's
shape (engine.sum_to_shape).
"""
from ..dispatch import register


def _save_inputs(ctx, result, input, other, *args, **kwargs):
    ctx.save_for_backward(input, other)
    return input, other


def _pass_inputs(ctx, result, input, other, alpha=1, **kwargs):
    ctx.alpha = alpha
    return input, other


def _add_backward(ctx, grad):
    return grad, (grad * ctx.alpha if ctx.alpha != 1 else grad) if ctx.needs_input_grad[1] else None


def _sub_backward(ctx, grad):
    return grad, (-grad * ctx.alpha if ctx.alpha != 1 else -grad) if ctx.needs_input_grad[1] else None


def _mul_backward(ctx, grad):
    a, b = ctx.saved_tensors
    return (grad * b if ctx.needs_input_grad[0] else None,
            grad * a if ctx.needs_input_grad[1] else None)


register(("add", "Tensor.__add__"), _pass_inputs, _add_backward)
register(("sub", "Tensor.__sub__"), _pass_inputs, _sub_backward)
register(("mul", "Tensor.__mul__", "Tensor.__rmul__"), _save_inputs, _mul_backward)


def _radd_setup(ctx, result, self, other):
    ctx.alpha = 1
    return other, self


register("Tensor.__radd__", _radd_setup, _add_backward)


def _exp_setup(ctx, result, input, **kwargs):
    ctx.save_for_backward(result)
    return (input,)


def _exp_backward(ctx, grad):
    out, = ctx.saved_tensors
    return grad * out


register("exp", _exp_setup, _exp_backward)
