"""Backward rules of the reductions."""
from ..dispatch import register


def _sum_setup(ctx, result, input, dim=None, keepdim=False, *, dtype=None, **kwargs):
    ctx.shape = input.shape
    ctx.dim, ctx.keepdim = dim, keepdim
    return (input,)


def _sum_backward(ctx, grad):
    shape = ctx.shape
    if ctx.dim is not None and not ctx.keepdim:
        dims = [ctx.dim] if isinstance(ctx.dim, int) else list(ctx.dim)
        for d in sorted(d % max(len(shape), 1) for d in dims):
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


register("sum", _sum_setup, _sum_backward)
