"""Backward rules of the indexing ops (python/ember/_indexing.py): index_select, gather, scatter,
scatter_add, index_add / index_copy / index_fill, index_put, masked_fill / masked_select /
masked_scatter and take_along_dim. (t[key] and t[key] = v are views.py's.)

Every gradient is written in differentiable ember ops (the gradient of a gather is a
scatter_add, of a scatter_add a gather, ...), so higher derivatives work. Repeated indices
accumulate where the forward accumulates (index_select, gather, take_along_dim, index_add,
scatter_add, index_put with accumulate). nonzero and argwhere have integer results: no rule.
"""
from ..._tensor import Tensor
from ..recording import register
from .views import check_key, save_key


def _zeros(shape, like):
    from ... import zeros
    return zeros(list(shape), dtype=like.dtype, device=like.device)


def _into_shape(g, shape):
    """`g` (of a prefix-sized region, as scatter's src may be larger than its index) written
    into zeros of `shape`."""
    if list(g.shape) == list(shape):
        return g
    return g._view_backward(shape, "__getitem__", (tuple(slice(0, s) for s in g.shape),))


# ---- one index vector along a dim ---------------------------------------------------------------

def _index_select_setup(ctx, result, input, dim, index):
    ctx.shape, ctx.dim = input.shape, dim
    ctx.save_for_backward(index)
    return (input,)


def _index_select_backward(ctx, grad):
    index, = ctx.saved_tensors
    if len(ctx.shape) == 0:
        return grad.reshape([])
    return _zeros(ctx.shape, grad).index_add(ctx.dim, index.reshape(-1), grad)


register("index_select", _index_select_setup, _index_select_backward)


def _index_add_setup(ctx, result, input, dim, index, source, *, alpha=1):
    ctx.dim, ctx.alpha = dim, alpha
    ctx.source_shape = source.shape
    ctx.save_for_backward(index)
    return input, source


def _index_add_backward(ctx, grad):
    grad_source = None
    if ctx.needs_input_grad[1]:
        index, = ctx.saved_tensors
        grad_source = grad.index_select(ctx.dim, index.reshape(-1)) if grad.dim() else grad
        if ctx.alpha != 1:
            grad_source = grad_source * ctx.alpha
        grad_source = grad_source.reshape(list(ctx.source_shape))
    return grad, grad_source


register("index_add", _index_add_setup, _index_add_backward)


def _index_copy_setup(ctx, result, input, dim, index, source):
    ctx.dim = dim
    ctx.source_shape = source.shape
    ctx.save_for_backward(index)
    return input, source


def _index_copy_backward(ctx, grad):
    index, = ctx.saved_tensors
    index = index.reshape(-1)
    grad_input = grad_source = None
    if ctx.needs_input_grad[0]:
        grad_input = grad.index_fill(ctx.dim, index, 0) if grad.dim() else grad * 0
    if ctx.needs_input_grad[1]:
        grad_source = grad.index_select(ctx.dim, index) if grad.dim() else grad
        grad_source = grad_source.reshape(list(ctx.source_shape))
    return grad_input, grad_source


register("index_copy", _index_copy_setup, _index_copy_backward)


def _index_fill_setup(ctx, result, input, dim, index, value):
    ctx.dim = dim
    ctx.save_for_backward(index)
    return input, value


def _index_fill_backward(ctx, grad):
    index, = ctx.saved_tensors
    grad_input = grad_value = None
    if ctx.needs_input_grad[0]:
        grad_input = grad.index_fill(ctx.dim, index, 0)
    if ctx.needs_input_grad[1]:
        # each filled position once, however often the index names it
        from ... import bool as bool_, zeros
        mask = zeros(list(grad.shape), dtype=bool_).index_fill(ctx.dim, index, True)
        grad_value = grad.masked_select(mask).sum()
    return grad_input, grad_value


register("index_fill", _index_fill_setup, _index_fill_backward)


# ---- an index per element -------------------------------------------------------------------------

def _gather_setup(ctx, result, input, dim, index, *, sparse_grad=False):
    ctx.shape, ctx.dim = input.shape, dim
    ctx.save_for_backward(index)
    return (input,)


def _gather_backward(ctx, grad):
    index, = ctx.saved_tensors
    return _zeros(ctx.shape, grad).scatter_add(ctx.dim, index, grad)


register("gather", _gather_setup, _gather_backward)


def _scatter_setup(ctx, result, input, dim, index, src=None, *, value=None, reduce=None):
    ctx.dim, ctx.add = dim, reduce == "add"
    if isinstance(src, Tensor):
        ctx.src_shape = src.shape
    ctx.save_for_backward(index)
    return input, src


def _scatter_backward(ctx, grad):
    index, = ctx.saved_tensors
    grad_input = grad_src = None
    if ctx.needs_input_grad[0]:
        grad_input = grad if ctx.add else grad.scatter(ctx.dim, index, 0.0)
    if ctx.needs_input_grad[1]:
        grad_src = _into_shape(grad.gather(ctx.dim, index), ctx.src_shape)
    return grad_input, grad_src


register("scatter", _scatter_setup, _scatter_backward)


def _scatter_add_setup(ctx, result, input, dim, index, src):
    ctx.dim, ctx.add = dim, True
    ctx.src_shape = src.shape
    ctx.save_for_backward(index)
    return input, src


register("scatter_add", _scatter_add_setup, _scatter_backward)


def _take_along_dim_setup(ctx, result, input, indices, dim=None):
    ctx.shape, ctx.dim = input.shape, dim
    ctx.save_for_backward(indices)
    return (input,)


def _take_along_dim_backward(ctx, grad):
    indices, = ctx.saved_tensors
    shape = list(ctx.shape)
    if ctx.dim is None:
        n = 1
        for s in shape:
            n *= s
        return _zeros([n], grad).index_add(0, indices.reshape(-1), grad.reshape(-1)).reshape(shape)
    dim = ctx.dim % grad.dim()
    full = list(grad.shape)
    full[dim] = shape[dim]
    # the input as broadcast against the indices; the engine sums the broadcast away
    return _zeros(full, grad).scatter_add(dim, indices.expand(list(grad.shape)), grad)


register("take_along_dim", _take_along_dim_setup, _take_along_dim_backward)


# ---- index_put ------------------------------------------------------------------------------------

def _index_put_setup(ctx, result, input, indices, values, accumulate=False):
    ctx.indices = tuple(indices)
    ctx.accumulate = accumulate
    save_key(ctx, ctx.indices)
    if isinstance(values, Tensor):
        ctx.values_shape = values.shape
    return input, values


def _index_put_backward(ctx, grad):
    check_key(ctx)
    grad_input = grad_values = None
    if ctx.needs_input_grad[0]:
        grad_input = grad if ctx.accumulate else grad.index_put(ctx.indices, 0.0)
    if ctx.needs_input_grad[1]:
        key = tuple(slice(None) if k is None else k for k in ctx.indices)
        g = grad[key]
        missing = len(ctx.values_shape) - g.dim()
        grad_values = g.reshape([1] * missing + list(g.shape)) if missing > 0 else g
    return grad_input, grad_values


register("index_put", _index_put_setup, _index_put_backward)


# ---- masks ----------------------------------------------------------------------------------------

def _masked_fill_setup(ctx, result, input, mask, value):
    ctx.save_for_backward(mask)
    return input, value


def _masked_fill_backward(ctx, grad):
    mask, = ctx.saved_tensors
    grad_input = grad.masked_fill(mask, 0) if ctx.needs_input_grad[0] else None
    grad_value = grad.masked_select(mask).sum() if ctx.needs_input_grad[1] else None
    return grad_input, grad_value


register("masked_fill", _masked_fill_setup, _masked_fill_backward)


def _masked_select_setup(ctx, result, input, mask):
    from ... import broadcast_shapes
    ctx.shape = broadcast_shapes(input.shape, mask.shape)
    ctx.save_for_backward(mask)
    return (input,)


def _masked_select_backward(ctx, grad):
    mask, = ctx.saved_tensors
    return _zeros(ctx.shape, grad).masked_scatter(mask, grad)


register("masked_select", _masked_select_setup, _masked_select_backward)


def _masked_scatter_setup(ctx, result, input, mask, source):
    ctx.source_shape = source.shape
    ctx.save_for_backward(mask)
    return input, source


def _masked_scatter_backward(ctx, grad):
    mask, = ctx.saved_tensors
    grad_input = grad_source = None
    if ctx.needs_input_grad[0]:
        grad_input = grad.masked_fill(mask, 0)
    if ctx.needs_input_grad[1]:
        from ... import cat
        g = grad.masked_select(mask)
        n = 1
        for s in ctx.source_shape:
            n *= s
        if g.numel() < n:  # the source's elements past the selected count are unused
            g = cat([g, _zeros([n - g.numel()], g)])
        grad_source = g.reshape(list(ctx.source_shape))
    return grad_input, grad_source


register("masked_scatter", _masked_scatter_setup, _masked_scatter_backward)
