"""Backward rules of the joining, splitting and rearranging ops (python/ember/_ops/shape.py).

The composites (concat, hstack / vstack / dstack / column_stack, atleast_*, fliplr / flipud,
movedim, rot90) call these ops and need no rules of their own. The pieces of split, chunk,
tensor_split and unbind are views of their input: when recorded, they are marked so, so that an
in-place write into one reaches the input's gradient (dispatch._rebase_view).
"""
import numbers

from ... import _C
from ..._ops.shape import _tensor_args
from ..._tensor import Tensor, _size_args
from ..recording import register


def _dim(dim, ndim):
    return int(dim) % max(ndim, 1)


# ---- joining ----------------------------------------------------------------------------------

def _cat_setup(ctx, result, tensors, dim=0, **kwargs):
    tensors = tuple(tensors)
    ndim = result._impl.ndim
    d = _dim(dim, ndim)
    ctx.dim = d
    ranges, start = [], 0
    for t in tensors:
        shape = t._impl.shape
        if len(shape) == 1 and shape[0] == 0 and ndim != 1:
            ranges.append(None)  # a legacy 1-D empty tensor: skipped by cat
            continue
        ranges.append((start, shape[d]))
        start += shape[d]
    ctx.ranges = ranges
    return tensors


def _cat_backward(ctx, grad):
    from ... import zeros
    return tuple(zeros(0, dtype=grad.dtype, device=grad.device) if r is None else grad.narrow(ctx.dim, r[0], r[1])
                 for r in ctx.ranges)


register("cat", _cat_setup, _cat_backward)


def _stack_setup(ctx, result, tensors, dim=0, **kwargs):
    tensors = tuple(tensors)
    ctx.dim = _dim(dim, result._impl.ndim)
    return tensors


def _stack_backward(ctx, grad):
    return tuple(grad.select(ctx.dim, i) for i in range(grad.shape[ctx.dim]))


register("stack", _stack_setup, _stack_backward)


def _block_diag_setup(ctx, result, *tensors):
    blocks, r, c = [], 0, 0
    for t in tensors:
        shape = tuple(t._impl.shape)
        h, w = (1, 1) if len(shape) == 0 else (1, shape[0]) if len(shape) == 1 else shape
        blocks.append((r, c, h, w, shape))
        r += h
        c += w
    ctx.blocks = blocks
    return tensors


def _block_diag_backward(ctx, grad):
    return tuple(grad[r:r + h, c:c + w].reshape(shape) for r, c, h, w, shape in ctx.blocks)


register("block_diag", _block_diag_setup, _block_diag_backward)


# ---- splitting ----------------------------------------------------------------------------------

def _mark_views(result, input):
    """The pieces share the input's storage: writes into them must reach its gradient."""
    base = getattr(input, "_view_base", None)
    if base is None:
        base = input
    impl = input._impl
    for r in result:
        if r._impl._same_storage(impl):
            r._view_base = base


def _pieces(ctx, result, input, dim, starts=None):
    impl = input._impl
    d = _dim(dim, impl.ndim)
    sizes = [r._impl.shape[d] for r in result]
    if starts is None:
        starts, at = [], 0
        for s in sizes:
            starts.append(at)
            at += s
    ctx.dim, ctx.shape = d, impl.shape
    ctx.pieces = list(zip(starts, sizes))
    at, tiled = 0, True
    for start, size in ctx.pieces:
        if start != at and size:
            tiled = False
        at = start + size if size else at
    ctx.tiled = tiled and at == impl.shape[d]
    _mark_views(result, input)
    return (input,)


def _pieces_backward(ctx, *grads):
    if ctx.tiled:
        from ... import cat
        return cat(list(grads), ctx.dim)
    total = None
    for g, (start, size) in zip(grads, ctx.pieces):
        if not size:
            continue
        part = g._view_backward(ctx.shape, "narrow", (ctx.dim, start, size))
        total = part if total is None else total + part
    if total is None:
        from ... import zeros
        total = zeros(list(ctx.shape), dtype=grads[0].dtype) if grads else None
    return total


def _split_setup(ctx, result, tensor, split_size_or_sections=None, dim=0, **kwargs):
    return _pieces(ctx, result, tensor, dim)


def _chunk_setup(ctx, result, input, chunks, dim=0):
    return _pieces(ctx, result, input, dim)


def _tensor_split_setup(ctx, result, input, indices_or_sections, dim=0):
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = int(ios.item()) if ios.dim() == 0 else [int(v) for v in ios.tolist()]
    if isinstance(ios, numbers.Integral):
        return _pieces(ctx, result, input, dim)
    n = input._impl.shape[_dim(dim, input._impl.ndim)]
    starts = [0] + [min(max(int(i) + n if int(i) < 0 else int(i), 0), n) for i in ios]
    return _pieces(ctx, result, input, dim, starts)


def _unbind_setup(ctx, result, input, dim=0):
    ctx.dim = _dim(dim, input._impl.ndim)
    _mark_views(result, input)
    return (input,)


def _unbind_backward(ctx, *grads):
    from ... import stack
    return stack(list(grads), ctx.dim)


register(("split", "Tensor.split"), _split_setup, _pieces_backward)
register("chunk", _chunk_setup, _pieces_backward)
register("tensor_split", _tensor_split_setup, _pieces_backward)
register("unbind", _unbind_setup, _unbind_backward)


# ---- rearranging ----------------------------------------------------------------------------------

def _int_list(x):
    if isinstance(x, numbers.Integral):
        return [int(x)]
    return [int(v) for v in x]


def _flip_setup(ctx, result, input, dims):
    ctx.dims = _int_list(dims)
    return (input,)


def _flip_method_setup(ctx, result, input, *dims):
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = dims[0]
    return _flip_setup(ctx, result, input, dims)


def _flip_backward(ctx, grad):
    return grad.flip(ctx.dims)


register("flip", _flip_setup, _flip_backward)
register("Tensor.flip", _flip_method_setup, _flip_backward)


def _roll_setup(ctx, result, input, shifts, dims=None):
    ctx.shifts = [-s for s in _int_list(shifts)]
    ctx.dims = dims
    return (input,)


def _roll_backward(ctx, grad):
    return grad.roll(ctx.shifts, ctx.dims)


register("roll", _roll_setup, _roll_backward)


def _repeat_setup(ctx, result, input, *sizes):
    sizes = _size_args(sizes)
    shape = list(input._impl.shape)
    ctx.shape = shape
    ctx.repeats = sizes
    ctx.padded = [1] * (len(sizes) - len(shape)) + shape
    return (input,)


def _repeat_backward(ctx, grad):
    split = []
    for r, s in zip(ctx.repeats, ctx.padded):
        split += [r, s]
    if not split:
        return grad.reshape(ctx.shape)
    g = grad.reshape(split).sum(dim=list(range(0, len(split), 2)))
    return g.reshape(ctx.shape)


def _tile_setup(ctx, result, input, dims):
    dims = _int_list(dims)
    dims = [1] * (input._impl.ndim - len(dims)) + dims
    return _repeat_setup(ctx, result, input, dims)


def _tile_method_setup(ctx, result, input, *dims):
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = dims[0]
    return _tile_setup(ctx, result, input, dims)


register("Tensor.repeat", _repeat_setup, _repeat_backward)
register("tile", _tile_setup, _repeat_backward)
register("Tensor.tile", _tile_method_setup, _repeat_backward)


def _repeat_interleave_setup(ctx, result, input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:
        return (None,)  # the index form: integer counts in, indices out
    from ... import arange, repeat_interleave
    impl = input._impl
    ctx.shape = impl.shape
    ctx.dim = None if dim is None else _dim(dim, impl.ndim)
    n = impl.numel() if dim is None else impl.shape[ctx.dim]
    index = repeat_interleave(arange(n, dtype=_C.dtype.int64), repeats, 0, output_size=output_size)
    ctx.save_for_backward(index)
    return (input,)


def _repeat_interleave_backward(ctx, grad):
    from ... import zeros
    index, = ctx.saved_tensors
    if ctx.dim is None:
        n = 1
        for s in ctx.shape:
            n *= s
        flat = zeros(n, dtype=grad.dtype, device=grad.device).index_add(0, index, grad.reshape(-1))
        return flat.reshape(list(ctx.shape))
    return zeros(list(ctx.shape), dtype=grad.dtype, device=grad.device).index_add(ctx.dim, index, grad)


register("repeat_interleave", _repeat_interleave_setup, _repeat_interleave_backward)


def _triangle_setup(ctx, result, input, diagonal=0):
    ctx.diagonal = int(diagonal)
    return (input,)


def _tril_backward(ctx, grad):
    return grad.tril(ctx.diagonal)


def _triu_backward(ctx, grad):
    return grad.triu(ctx.diagonal)


register("tril", _triangle_setup, _tril_backward)
register("triu", _triangle_setup, _triu_backward)


# ---- broadcasting ---------------------------------------------------------------------------------

def _meshgrid_setup(ctx, result, *tensors, indexing=None):
    tensors = tuple(_tensor_args(tensors))
    ctx.shapes = [t._impl.shape for t in tensors]
    ctx.xy = indexing == "xy" and len(tensors) >= 2
    return tensors


def _meshgrid_backward(ctx, *grads):
    out = []
    for i, (g, shape) in enumerate(zip(grads, ctx.shapes)):
        at = (1 - i) if ctx.xy and i < 2 else i
        dims = [d for d in range(g.dim()) if d != at]
        if dims:
            g = g.sum(dim=dims)
        out.append(g.reshape(list(shape)))
    return tuple(out)


register("meshgrid", _meshgrid_setup, _meshgrid_backward)


def _broadcast_tensors_setup(ctx, result, *tensors):
    return tuple(_tensor_args(tensors))


def _broadcast_tensors_backward(ctx, *grads):
    return grads  # the engine sums each back to its input's shape


register("broadcast_tensors", _broadcast_tensors_setup, _broadcast_tensors_backward)


def _broadcast_to_setup(ctx, result, input, size):
    return (input,)


def _broadcast_to_backward(ctx, grad):
    return grad


register("broadcast_to", _broadcast_to_setup, _broadcast_to_backward)


# ---- diagonals --------------------------------------------------------------------------------------

def _diag_setup(ctx, result, input, diagonal=0):
    ctx.shape = input._impl.shape
    ctx.diagonal = int(diagonal)
    return (input,)


def _diag_backward(ctx, grad):
    if len(ctx.shape) == 1:
        return grad.diagonal(ctx.diagonal)
    return grad._view_backward(ctx.shape, "diagonal", (ctx.diagonal, 0, 1))


register("diag", _diag_setup, _diag_backward)


def _diag_embed_setup(ctx, result, input, offset=0, dim1=-2, dim2=-1):
    ctx.args = (int(offset), int(dim1), int(dim2))
    return (input,)


def _diag_embed_backward(ctx, grad):
    return grad.diagonal(*ctx.args)


register("diag_embed", _diag_embed_setup, _diag_embed_backward)


def _diagflat_setup(ctx, result, input, offset=0):
    ctx.shape = input._impl.shape
    ctx.offset = int(offset)
    return (input,)


def _diagflat_backward(ctx, grad):
    return grad.diagonal(ctx.offset).reshape(list(ctx.shape))


register("diagflat", _diagflat_setup, _diagflat_backward)


def _trace_setup(ctx, result, input):
    ctx.shape = input._impl.shape
    return (input,)


def _trace_backward(ctx, grad):
    from ... import eye
    n, m = ctx.shape
    return eye(n, m, dtype=grad.dtype, device=grad.device) * grad


register("trace", _trace_setup, _trace_backward)
