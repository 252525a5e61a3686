"""Backward rules of the reductions, scans and softmax (ember/_reduce.py).

The Tensor methods are the same function objects as ember.sum, ember.max, ... so one rule
covers both. The reductions also take numpy's spelling (axis=, keepdims=), which the setups
read as dim= and keepdim=.

Conventions follow PyTorch's derivatives: amax/amin and the full max/min split the gradient
evenly among tied extremes, max/min along a dim send it to the reported index, prod's
gradient at a zero is the product of the other values, std's gradient is zero where std is.
"""
import operator

from ... import _C
from ..._tensor import _wrap
from ..grad_mode import _state
from ..recording import holomorphic, register


# ---- helpers shared with rules/sort.py ---------------------------------------------------------

def _np_kwargs(dim, keepdim, kwargs):
    """dim and keepdim, taking numpy's axis= / keepdims= into account."""
    if kwargs:
        if kwargs.get("axis") is not None:
            dim = kwargs["axis"]
        if kwargs.get("keepdims") is not None:
            keepdim = kwargs["keepdims"]
    return dim, bool(keepdim)


def reduced_dims(dim, ndim):
    """The non-negative dims a reduction over `dim` removes (None or () : every dim)."""
    if ndim == 0:
        return []
    if dim is None:
        return list(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return list(range(ndim))
        return sorted({operator.index(d) % ndim for d in dim})
    return [operator.index(dim) % ndim]


def keep_shape(shape, dims):
    return [1 if i in dims else s for i, s in enumerate(shape)]


def restore(t, shape, dims):
    """A reduced tensor (with or without keepdim) reshaped to keep its reduced dims as 1s."""
    kshape = keep_shape(shape, dims)
    if list(t.shape) == kshape:
        return t
    return t.reshape(kshape)


def count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def float_mask(mask, dtype):
    return mask.to(dtype)


def safe(t, where_zero):
    """t with 1 where `where_zero` (a bool tensor) holds, to divide by without infinities."""
    from ... import where
    return where(where_zero, 1.0, t) if where_zero is not None else t


def evenly(grad, input, value, dims, nan_ties=True):
    """grad of a value that several elements share, split evenly among those equal to it
    (PyTorch's evenly_distribute_backward; with nan_ties a NaN result goes to the NaNs)."""
    from ... import isnan
    shape = list(input.shape)
    g = restore(grad, shape, dims)
    v = restore(value, shape, dims)
    mask = input == v
    if nan_ties:
        mask = mask | (isnan(input) & isnan(v))
    m = float_mask(mask, g.dtype)
    n = m.sum(dim=dims, keepdim=True) if dims else m
    return g / n * m if dims else g * m / n


def select_backward(grad, indices, shape, dim, keepdim):
    """grad of values picked at `indices` along `dim` (max(dim), kthvalue, median(dim))."""
    from ... import arange
    if len(shape) == 0:
        return grad
    d = dim % len(shape)
    g = restore(grad, shape, [d])
    idx = restore(indices, shape, [d])
    pos = arange(shape[d], dtype=idx.dtype).reshape([-1 if i == d else 1 for i in range(len(shape))])
    return g * float_mask(pos == idx, g.dtype)


def indices_to_save(result):
    """The indices output of a (values, indices) op, to save for backward: an alias of it, so
    that it is saved as a plain tensor (version-checked all the same). Saved as the output
    itself, unpacking it would link the integer tensor to the node, and it would report
    requires_grad=True inside backward."""
    return result[1].detach()


def expand_to(t, shape):
    return t.expand(list(shape)) if list(t.shape) != list(shape) else t


# ---- sum, mean ------------------------------------------------------------------------------------

def _sum_setup(ctx, result, input, dim=None, keepdim=False, *, dtype=None, **kwargs):
    # Only what the call gave: the reduced dims are worked out in backward, which not every
    # recorded sum reaches (every loss's mean is recorded; some graphs are never differentiated).
    ctx.dim = _np_kwargs(dim, keepdim, kwargs)[0] if kwargs else dim
    ctx.shape = input._impl.shape
    return (input,)


def _sum_backward(ctx, grad):
    shape = list(ctx.shape)
    return expand_to(restore(grad, shape, reduced_dims(ctx.dim, len(shape))), shape)


def _mean_backward(ctx, grad):
    shape = list(ctx.shape)
    dims = reduced_dims(ctx.dim, len(shape))
    return expand_to(restore(grad, shape, dims) / count(shape, dims), shape)


# the common spellings are set up in C (python/src/autograd_setups.cpp), numpy's by _sum_setup
_sum_setup_native = _C._autograd_setups.NativeSetup("reduce", _sum_setup)
register("sum", _sum_setup_native, _sum_backward)
register("mean", _sum_setup_native, _mean_backward)


# ---- prod -----------------------------------------------------------------------------------------

def _prod_setup(ctx, result, input, dim=None, keepdim=False, *, dtype=None, **kwargs):
    dim, keepdim = _np_kwargs(dim, keepdim, kwargs)
    ctx.shape = list(input.shape)
    ctx.dims = reduced_dims(dim, len(ctx.shape))
    ctx.save_for_backward(input, result)
    return (input,)


# Groups up to this size with a zero get the exact product of the others through an n x n
# masked product (so that its derivative is exact too); larger ones count the zeros instead.
_PROD_MASKED_LIMIT = 1 << 20


def _prod_backward(ctx, grad):
    input, result = ctx.saved_tensors
    shape, dims = ctx.shape, ctx.dims
    g = restore(grad, shape, dims)
    if not dims:  # a 0-dim input
        return grad
    x = input if input.dtype == g.dtype else input.to(g.dtype)
    zero = x == 0
    if not bool(zero.any().item()):
        return g * restore(result, shape, dims).to(g.dtype) / x
    return g * _prod_of_others(x, zero, shape, dims)


def _prod_of_others(x, zero, shape, dims):
    """For each element, the product of the other elements of its group."""
    from ... import eye, where
    n = count(shape, dims)
    total = 1
    for s in shape:
        total *= s
    if n * total <= _PROD_MASKED_LIMIT:
        # Move the reduced dims last and flatten them: (..., n); row i of an (n, n) block has
        # x_i replaced by 1, and its product is the product of the others, zeros included.
        kept = [d for d in range(len(shape)) if d not in dims]
        xm = x.permute(kept + dims).reshape([shape[d] for d in kept] + [n])
        e = eye(n, dtype=x.dtype)
        block = xm.unsqueeze(-2) * (1 - e) + e
        others = block.prod(dim=-1)
        others = others.reshape([shape[d] for d in kept] + [shape[d] for d in dims])
        inverse = [0] * len(shape)
        for i, d in enumerate(kept + dims):
            inverse[d] = i
        return others.permute(inverse)
    # One zero: it gets the product of the rest; the others get 0. Two or more: all 0.
    nonzero_prod = where(zero, 1.0, x)
    for d in dims:
        nonzero_prod = nonzero_prod.prod(dim=d, keepdim=True)
    zeros = float_mask(zero, x.dtype).sum(dim=dims, keepdim=True)
    return where(zero, nonzero_prod * float_mask(zeros == 1, x.dtype),
                 nonzero_prod * float_mask(zeros == 0, x.dtype) / safe(x, zero))


register("prod", _prod_setup, holomorphic(_prod_backward))


# ---- var, std -------------------------------------------------------------------------------------

def _correction(unbiased, correction):
    if unbiased is not None:
        return 1.0 if unbiased else 0.0
    return 1.0 if correction is None else float(correction)


def _var_setup(ctx, result, input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kwargs):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    dim, keepdim = _np_kwargs(dim, keepdim, kwargs)
    ctx.shape = list(input.shape)
    ctx.dims = reduced_dims(dim, len(ctx.shape))
    ctx.correction = _correction(unbiased, correction)
    ctx.save_for_backward(input, result)
    return (input,)


def _centered(input, dims):
    if not dims:
        return input - input
    return input - input.mean(dim=dims, keepdim=True)


def _inverse_dof(shape, dims, correction):
    """1 / (N - correction); infinite (as PyTorch's NaN gradient) when that is 0."""
    d = count(shape, dims) - correction
    return 1.0 / d if d != 0 else float("inf")


def _var_backward(ctx, grad):
    input, _ = ctx.saved_tensors
    shape, dims = ctx.shape, ctx.dims
    g = restore(grad, shape, dims)
    return g * (2.0 * _inverse_dof(shape, dims, ctx.correction)) * _centered(input, dims)


def _std_backward(ctx, grad):
    input, result = ctx.saved_tensors
    shape, dims = ctx.shape, ctx.dims
    g = restore(grad, shape, dims)
    r = restore(result, shape, dims)
    zero = r == 0
    scale = g / safe(r, zero) * float_mask(~zero, g.dtype)
    return scale * _inverse_dof(shape, dims, ctx.correction) * _centered(input, dims)


register("var", _var_setup, _var_backward)
register("std", _var_setup, _std_backward)
# var_mean / std_mean call var, std and mean: composites of the rules above.


# ---- amax, amin, max, min -------------------------------------------------------------------------

def _amax_setup(ctx, result, input, dim=(), keepdim=False, **kwargs):
    dim, keepdim = _np_kwargs(dim, keepdim, kwargs)
    ctx.dims = reduced_dims(dim, input.dim())
    ctx.save_for_backward(input, result)
    return (input,)


def _amax_backward(ctx, grad):
    input, result = ctx.saved_tensors
    # (grad / count) * mask, as PyTorch's scale_grad_by_count: NaN results spread NaN.
    return evenly(grad, input, result, ctx.dims, nan_ties=False)


register("amax", _amax_setup, _amax_backward)
register("amin", _amax_setup, _amax_backward)


def _max_setup(ctx, result, input, dim=None, keepdim=False, **kwargs):
    from ..._tensor import Tensor
    dim, keepdim = _np_kwargs(dim, keepdim, kwargs)
    if dim is None:
        ctx.form = "all"
        ctx.dims = reduced_dims(None, input.dim())
        ctx.save_for_backward(input, result)
        return (input,)
    if isinstance(dim, Tensor):
        ctx.form = "binary"
        ctx.save_for_backward(input, dim)
        return (input, dim)
    ctx.form = "dim"
    ctx.shape, ctx.dim, ctx.keepdim = list(input.shape), operator.index(dim), keepdim
    ctx.save_for_backward(indices_to_save(result))
    return (input,)


def _extreme_backward(larger):
    def backward(ctx, grad, *rest):
        form = ctx.form
        if form == "all":
            input, result = ctx.saved_tensors
            return evenly(grad, input, result, ctx.dims)
        if form == "dim":
            indices, = ctx.saved_tensors
            return select_backward(grad, indices, ctx.shape, ctx.dim, ctx.keepdim)
        a, b = ctx.saved_tensors
        return binary_extreme_backward(grad, a, b, larger, ctx.needs_input_grad)
    return backward


def binary_extreme_backward(grad, a, b, larger, needs):
    """maximum/minimum as PyTorch: the gradient goes to the larger (smaller) operand, half to
    each on ties, all of it to both where a comparison fails (NaN)."""
    dtype = grad.dtype
    half = 1.0 - float_mask(a == b, dtype) * 0.5
    ga = gb = None
    if needs[0]:
        ga = grad * half * float_mask(~((a < b) if larger else (a > b)), dtype)
    if needs[1]:
        gb = grad * half * float_mask(~((a > b) if larger else (a < b)), dtype)
    return ga, gb


register("max", _max_setup, _extreme_backward(True))
register("min", _max_setup, _extreme_backward(False))


# ---- logsumexp, norm ------------------------------------------------------------------------------

def _logsumexp_setup(ctx, result, input, dim, keepdim=False):
    ctx.dims = reduced_dims(dim, input.dim())
    ctx.save_for_backward(input, result)
    return (input,)


def _logsumexp_backward(ctx, grad):
    input, result = ctx.saved_tensors
    shape = list(input.shape)
    g = restore(grad, shape, ctx.dims)
    x = input if input.dtype == g.dtype else input.to(g.dtype)
    return g * (x - restore(result, shape, ctx.dims)).exp()


register("logsumexp", _logsumexp_setup, _logsumexp_backward)


def _norm_setup(ctx, result, input, p="fro", dim=None, keepdim=False, dtype=None):
    if p is None or (isinstance(p, str) and p == "fro"):
        p = 2.0
    ctx.p = float(p)
    ctx.dtype = dtype
    ctx.dims = reduced_dims(dim, input.dim())
    ctx.save_for_backward(input, result)
    return (input,)


def _norm_backward(ctx, grad):
    from ... import sign, where
    input, result = ctx.saved_tensors
    x = input.to(ctx.dtype) if ctx.dtype is not None else input
    shape, dims, p = list(input.shape), ctx.dims, ctx.p
    g = restore(grad, shape, dims)
    r = restore(result, shape, dims)
    if p == 0.0:
        return x * 0.0 * g
    if p == 1.0:
        return g * sign(x)
    if p == float("inf") or p == float("-inf"):
        mask = float_mask(x.abs() == r, g.dtype)
        n = mask.sum(dim=dims, keepdim=True) if dims else mask
        return sign(x) * mask * (g / n)
    zero = r == 0
    scale = g / safe(r, zero) * float_mask(~zero, g.dtype)
    if p == 2.0:
        return x * scale
    # sign(x) |x|^(p-1) / norm^(p-1); |x| is taken as 1 at zeros (sign(0) = 0 clears them) so
    # that p < 2 never forms 0 * inf.
    ax = where(x == 0, 1.0, x.abs())
    return sign(x) * ax ** (p - 1.0) * (scale * r / safe(r, zero) ** (p - 1.0))


register("norm", _norm_setup, _norm_backward)


# ---- scans ----------------------------------------------------------------------------------------

def _scan_setup(ctx, result, input, dim, *, dtype=None, **kwargs):
    ctx.ndim = input.dim()
    ctx.dim = operator.index(dim) % ctx.ndim if ctx.ndim else 0
    ctx.save_for_backward(input, result)
    return (input,)


def reverse_cumsum(t, dim):
    """Sums from each position to the end along dim."""
    return t.flip([dim]).cumsum(dim).flip([dim])


def _cumsum_backward(ctx, grad):
    if ctx.ndim == 0:
        return grad
    return reverse_cumsum(grad, ctx.dim)


# Rows with a zero take an (n, n) product per element (exact, and exactly differentiable) up
# to this many values; beyond, the gradient is computed around the first zero of each row.
_CUMPROD_MASKED_LIMIT = 1 << 20


def _cumprod_backward(ctx, grad):
    input, result = ctx.saved_tensors
    if ctx.ndim == 0:
        return grad
    dim = ctx.dim
    x = input if input.dtype == grad.dtype else input.to(grad.dtype)
    if x.numel() == 0:
        return grad
    zero = x == 0
    if not bool(zero.any().item()):
        return reverse_cumsum(grad * result.to(grad.dtype), dim) / x
    n = x.shape[dim]
    if n * x.numel() <= _CUMPROD_MASKED_LIMIT:
        return _cumprod_masked_backward(grad, x, dim)
    return _cumprod_first_zero_backward(grad, x, zero, dim)


def _cumprod_masked_backward(grad, x, dim):
    """d out_j / d x_i = prod(x_k for k <= j, k != i) for j >= i: row i of an (n, n) block has
    x_i replaced by 1, its cumprod restricted to j >= i weighs grad."""
    from ... import eye, ones, triu
    n = x.shape[dim]
    xm = x.movedim(dim, -1)
    gm = grad.movedim(dim, -1)
    e = eye(n, dtype=x.dtype)
    block = (xm.unsqueeze(-2) * (1 - e) + e).cumprod(-1)
    upper = triu(ones(n, n, dtype=x.dtype))
    return (block * upper * gm.unsqueeze(-2)).sum(dim=-1).movedim(-1, dim)


def _cumprod_first_zero_backward(grad, x, zero, dim):
    """First-order gradient for large rows with zeros: before a row's first zero the usual
    formula holds with the sums cut at that zero; at the first zero the gradient is the sum
    over j of grad_j times the product of the others up to j; after it, zero."""
    from ... import where
    zf = float_mask(zero, x.dtype)
    before = float_mask(zf.cumsum(dim) == 0, x.dtype)          # positions before the first zero
    first = float_mask((zf.cumsum(dim) == 1) & zero, x.dtype)  # the first zero
    xs = where(zero, 1.0, x)
    # products with the first zero taken as 1 and everything after the second zero 0
    after_first = float_mask(zf.cumsum(dim) <= 1, x.dtype)
    p = xs.cumprod(dim) * after_first
    out_before = reverse_cumsum(grad * p * before, dim) / xs * before
    # at the first zero: sum_{j >= z} grad_j * prod_{k <= j, k != z} x_k
    at_zero = reverse_cumsum(grad * p * (1 - before), dim)
    return out_before + at_zero * first


register("cumsum", _scan_setup, _cumsum_backward)
register("cumprod", _scan_setup, holomorphic(_cumprod_backward))


# ---- softmax, log_softmax -------------------------------------------------------------------------

def _softmax_setup(ctx, result, input, dim, dtype=None):
    ctx.dim = operator.index(dim)
    ctx.save_for_backward(result)
    return (input,)


# The gradients come from one fused kernel (_C.softmax_backward: a sum and an elementwise pass
# per line); under create_graph they are written in ember ops instead, to be differentiated again.

def _softmax_backward(ctx, grad):
    y, = ctx.saved_tensors
    if not _state.grad_enabled:
        return _wrap(_C.softmax_backward(grad._impl, y._impl, ctx.dim))
    if y.dim() == 0:
        return grad * 0.0
    return y * (grad - (grad * y).sum(dim=ctx.dim, keepdim=True))


def _log_softmax_backward(ctx, grad):
    y, = ctx.saved_tensors
    if not _state.grad_enabled:
        return _wrap(_C.log_softmax_backward(grad._impl, y._impl, ctx.dim))
    if y.dim() == 0:
        return grad * 0.0
    return grad - y.exp() * grad.sum(dim=ctx.dim, keepdim=True)


register("softmax", _softmax_setup, _softmax_backward)
register("log_softmax", _softmax_setup, _log_softmax_backward)
