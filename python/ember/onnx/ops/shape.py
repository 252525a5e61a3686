"""Exporters of the view, reshaping, joining and copying ops.

Sizes may be SymInts (read from traced tensors), so shapes are built with `g.ints`, which keeps
them in the graph; shapes an op derives from its input (flatten, unflatten) are cut from
Shape(input), so a dynamic batch stays dynamic. Split points are the sizes seen while tracing.
"""
import numbers

import numpy as np

from ... import _C
from ..._tensor import Tensor
from ..graph import SymInt, onnx_type
from ..registry import exports
from ._common import cast_back, compute_dtype, normalize_dim

_BIG = np.iinfo(np.int64).max


def _sizes(shape):
    """view(2, 3), view((2, 3)), view([2, 3]) and view(x.shape) all name the sizes (2, 3)."""
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        shape = shape[0]
    return list(shape)


def reshape_to(g, x, sizes):
    """Reshape to `sizes` (ints, SymInts, -1); allowzero where a size is a literal 0."""
    shape = g.ints(sizes)
    if any(not isinstance(s, SymInt) and int(s) == 0 for s in sizes):
        g.require_opset(14, "a reshape to a size of 0")
        return g.op("Reshape", x, shape, allowzero=1)
    return g.op("Reshape", x, shape)


@exports("Tensor.view", "Tensor.reshape")
def _view(g, result, self, *shape):
    return reshape_to(g, g.value(self), _sizes(shape))


@exports("reshape")
def _reshape(g, result, input, shape):
    return reshape_to(g, g.value(input), list(shape))


@exports("Tensor.view_as", "Tensor.reshape_as")
def _view_as(g, result, self, other):
    return g.op("Reshape", g.value(self), g.shape(other)) if g.is_traced(other) else \
        reshape_to(g, g.value(self), list(other._impl.shape))


def shape_slice(g, x, start, end):
    """Shape(x)[start:end] as a 1-D int64 value."""
    return g.op("Slice", g.shape(x), g.ints([start]), g.ints([end]), g.ints([0]))


@exports("flatten", "Tensor.flatten")
def _flatten(g, result, input, start_dim=0, end_dim=-1):
    ndim = input.dim()
    x = g.value(input)
    if ndim == 0:
        return reshape_to(g, x, [1])
    start, end = normalize_dim(start_dim, ndim), normalize_dim(end_dim, ndim)
    if start == end:
        return g.op("Identity", x)
    if end == ndim - 1:
        if start == 0:
            return reshape_to(g, x, [-1])
        if start == 1:
            return g.op("Flatten", x, axis=1)
    pieces = [shape_slice(g, input, 0, start)] if start > 0 else []
    pieces.append(g.ints([-1]))
    if end < ndim - 1:
        pieces.append(shape_slice(g, input, end + 1, ndim))
    return g.op("Reshape", x, pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis=0))


@exports("unflatten", "Tensor.unflatten")
def _unflatten(g, result, input, dim, sizes):
    ndim = input.dim()
    d = normalize_dim(dim, ndim)
    pieces = [shape_slice(g, input, 0, d)] if d > 0 else []
    pieces.append(g.ints(list(sizes)))
    if d < ndim - 1:
        pieces.append(shape_slice(g, input, d + 1, ndim))
    return g.op("Reshape", g.value(input), pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis=0))


@exports("Tensor.permute")
def _permute_method(g, result, self, *dims):
    dims = _sizes(dims)
    if not dims:  # a 0-dim tensor (ONNX's Transpose needs a perm to name)
        return g.op("Identity", g.value(self))
    return g.op("Transpose", g.value(self), perm=[normalize_dim(int(d), self.dim()) for d in dims])


@exports("permute")
def _permute(g, result, input, dims):
    return _permute_method(g, result, input, list(dims))


@exports("transpose", "Tensor.transpose")
def _transpose(g, result, input, dim0, dim1):
    n = input.dim()
    if n < 2:
        return g.op("Identity", g.value(input))
    perm = list(range(n))
    a, b = normalize_dim(dim0, n), normalize_dim(dim1, n)
    perm[a], perm[b] = perm[b], perm[a]
    return g.op("Transpose", g.value(input), perm=perm)


@exports("t", "Tensor.t")
def _t(g, result, input):
    return _transpose(g, result, input, 0, 1) if input.dim() == 2 else g.op("Identity", g.value(input))


@exports("movedim")
def _movedim(g, result, input, source, destination):
    # the permutation is the one the op computed: read it back from the strides it produced
    n = input.dim()
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [normalize_dim(s, n) for s in src]
    dst = [normalize_dim(d, n) for d in dst]
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in src)
    order = [o if o is not None else next(rest) for o in order]
    return g.op("Transpose", g.value(input), perm=order)


@exports("squeeze", "Tensor.squeeze")
def _squeeze(g, result, input, dim=None):
    shape = input._impl.shape
    if dim is None:
        axes = [i for i, s in enumerate(shape) if s == 1]
    else:
        dims = dim if isinstance(dim, (tuple, list)) else [dim]
        axes = sorted({normalize_dim(int(d), max(len(shape), 1)) for d in dims})
        axes = [a for a in axes if a < len(shape) and shape[a] == 1]
    if not axes:
        return g.op("Identity", g.value(input))
    return g.squeeze(g.value(input), axes)


@exports("unsqueeze", "Tensor.unsqueeze")
def _unsqueeze(g, result, input, dim):
    return g.unsqueeze(g.value(input), [normalize_dim(int(dim), input.dim() + 1)])


@exports("Tensor.expand")
def _expand(g, result, self, *sizes):
    sizes = _sizes(sizes)
    shape = [1 if (not isinstance(s, SymInt) and int(s) == -1) else s for s in sizes]
    return g.op("Expand", g.value(self), g.ints(shape))


@exports("Tensor.expand_as")
def _expand_as(g, result, self, other):
    target = g.shape(other) if g.is_traced(other) else g.ints(list(other._impl.shape))
    return g.op("Expand", g.value(self), target)


@exports("broadcast_to")
def _broadcast_to(g, result, input, size):
    return _expand(g, result, input, list(size))


@exports("broadcast_tensors")
def _broadcast_tensors(g, result, *tensors):
    names = [g.value(t) for t in tensors]
    if len(names) == 1:
        return (g.op("Identity", names[0]),)
    # the shape they broadcast to: the Shape of their sum (as floats, whatever their dtypes)
    total = g.op("Cast", names[0], to=1)
    for n in names[1:]:
        total = g.op("Add", total, g.op("Cast", n, to=1))
    shape = g.op("Shape", total)
    return tuple(g.op("Expand", n, shape) for n in names)


def _copy(g, result, input, *args, **kwargs):
    """clone, contiguous, detach, .to(same dtype): the value itself; a dtype change is a Cast."""
    if not isinstance(result, Tensor):  # x.type() without a dtype: a string, no value to write
        return ()
    x = g.value(input)
    if result is input:  # the op returned its input unchanged
        return x
    if isinstance(input, Tensor) and result.dtype != input.dtype:
        return g.op("Cast", x, to=onnx_type(result.dtype))
    return g.op("Identity", x)


exports("clone", "Tensor.clone", "contiguous", "Tensor.contiguous", "Tensor.detach", "Tensor.to", "Tensor.type",
        "Tensor.float", "Tensor.double", "Tensor.half", "Tensor.bfloat16", "Tensor.int", "Tensor.long",
        "Tensor.short", "Tensor.char", "Tensor.byte", "Tensor.bool", "Tensor.cpu", "Tensor.cuda")(_copy)


# ---- joining and splitting ------------------------------------------------------------------------

def _join_dtype(tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = _C.promote_types(dtype, t.dtype)
    return dtype


@exports("cat", "concat", "concatenate")
def _cat(g, result, tensors, dim=0, *, axis=None, out=None):
    if out is not None:
        raise g.unsupported("cat with out=")
    if axis is not None:
        dim = axis
    kept = [t for t in tensors if not (t.dim() == 1 and t._impl.shape[0] == 0)]  # legacy: empty 1-D skipped
    if not kept:  # every operand an empty 1-D tensor: the result is one too, whatever their values
        return g.constant(np.zeros(0), result.dtype)
    dtype = result.dtype
    d = normalize_dim(int(dim), kept[0].dim())
    names = [g.value(t, dtype) for t in kept]
    return g.op("Concat", *names, axis=d) if len(names) > 1 else g.op("Identity", names[0])


@exports("stack")
def _stack(g, result, tensors, dim=0, *, out=None):
    if out is not None:
        raise g.unsupported("stack with out=")
    d = normalize_dim(int(dim), tensors[0].dim() + 1)
    names = [g.unsqueeze(g.value(t, result.dtype), [d]) for t in tensors]
    return g.op("Concat", *names, axis=d) if len(names) > 1 else names[0]


def _split_pieces(g, x, sizes, d):
    """Split x along axis d into pieces of the given (traced) sizes."""
    if len(sizes) == 1:
        return (g.op("Identity", x),)
    if g.opset >= 13:
        return g.op("Split", x, g.ints(sizes), axis=d, outputs=len(sizes))
    return g.op("Split", x, axis=d, split=list(sizes), outputs=len(sizes))


def _pieces(g, result, input, dim):
    d = normalize_dim(int(dim), input.dim())
    sizes = [t._impl.shape[d] for t in result]
    names = _split_pieces(g, g.value(input), sizes, d)
    return tuple(names) if isinstance(names, tuple) else (names,)


@exports("split")
def _split(g, result, tensor, split_size_or_sections, dim=0):
    return _pieces(g, result, tensor, dim)


@exports("Tensor.split")
def _split_method(g, result, self, split_size, dim=0):
    return _pieces(g, result, self, dim)


@exports("chunk")
def _chunk(g, result, input, chunks, dim=0):
    return _pieces(g, result, input, dim)


@exports("tensor_split")
def _tensor_split(g, result, input, indices_or_sections, dim=0):
    return _pieces(g, result, input, dim)


@exports("unbind")
def _unbind(g, result, input, dim=0):
    d = normalize_dim(int(dim), input.dim())
    pieces = _split_pieces(g, g.value(input), [1] * len(result), d)
    pieces = pieces if isinstance(pieces, tuple) else (pieces,)
    return tuple(g.squeeze(p, [d]) for p in pieces)


# ---- taking parts ---------------------------------------------------------------------------------

@exports("narrow", "Tensor.narrow")
def _narrow(g, result, input, dim, start, length):
    d = normalize_dim(int(dim), input.dim())
    if isinstance(start, Tensor):
        start = start.item() if not g.is_traced(start) else start
    end = start + length
    if not isinstance(start, (Tensor, SymInt)) and start < 0 and end == 0:
        # a negative start counts from the end, as Slice's does; then an end of 0 is the dim's end, not its start
        end = _BIG
    return g.op("Slice", g.value(input), g.ints([start]), g.ints([end]), g.ints([d]))


@exports("select", "Tensor.select")
def _select(g, result, input, dim, index):
    d = normalize_dim(int(dim), input.dim())
    return g.op("Gather", g.value(input), g.int_scalar(index), axis=d)


@exports("Tensor.repeat")
def _repeat(g, result, self, *sizes):
    sizes = _sizes(sizes)
    x = g.value(self)
    extra = len(sizes) - self.dim()
    if extra > 0:  # repeat adds leading dims
        x = g.op("Reshape", x, g.op("Concat", g.ints([1] * extra), g.shape(self), axis=0)) if self.dim() else \
            reshape_to(g, x, [1] * extra)
    return g.op("Tile", x, g.ints(sizes))


@exports("tile")
def _tile(g, result, input, dims):
    dims = list(dims) if not isinstance(dims, numbers.Integral) else [dims]
    if len(dims) < input.dim():
        dims = [1] * (input.dim() - len(dims)) + dims
    return _repeat(g, result, input, dims)


@exports("Tensor.tile")
def _tile_method(g, result, self, *dims):
    # x.tile(2, 3) and x.tile((2, 3)) both name the dims
    return _tile(g, result, self, _sizes(dims))


@exports("Tensor.flip")
def _flip_method(g, result, self, *dims):
    # x.flip(0, 1) and x.flip((0, 1)) both name the dims
    return _flip(g, result, self, _sizes(dims) if dims else [])


@exports("flip")
def _flip(g, result, input, dims):
    dims = [dims] if isinstance(dims, numbers.Integral) else list(dims)
    n = input.dim()
    axes = [normalize_dim(int(d), n) for d in dims]
    if not axes:
        return g.op("Identity", g.value(input))
    return g.op("Slice", g.value(input), g.ints([-1] * len(axes)), g.ints([-_BIG] * len(axes)), g.ints(axes),
                g.ints([-1] * len(axes)))


@exports("fliplr")
def _fliplr(g, result, input):
    return _flip(g, result, input, [1])


@exports("flipud")
def _flipud(g, result, input):
    return _flip(g, result, input, [0])


@exports("roll")
def _roll(g, result, input, shifts, dims=None):
    shifts = [shifts] if isinstance(shifts, int) else list(shifts)
    x = g.value(input)
    if input.numel() == 0:
        return g.op("Identity", x)
    # the lengths rolled along come from the graph: a roll along a dynamic dim follows its size
    if dims is None:
        flat = reshape_to(g, x, [-1])
        rolled = _roll_axis(g, flat, int(shifts[0]), 0, g.op("Size", x))
        return g.op("Reshape", rolled, g.shape(input))
    dims = [dims] if isinstance(dims, int) else list(dims)
    for s, d in zip(shifts, dims):
        d = normalize_dim(int(d), input.dim())
        x = _roll_axis(g, x, int(s), d, g.dim(input, d))
    return x


def _roll_axis(g, x, shift, axis, size):
    """x rolled by `shift` along `axis`, of length `size` (an int64 scalar value)."""
    cut = g.unsqueeze(g.op("Sub", size, g.op("Mod", g.int_scalar(shift), size, fmod=0)), [0])
    tail = g.op("Slice", x, cut, g.ints([_BIG]), g.ints([axis]))
    head = g.op("Slice", x, g.ints([0]), cut, g.ints([axis]))
    return g.op("Concat", tail, head, axis=axis)


def _triangle(upper):
    def export(g, result, input, diagonal=0):
        # onnxruntime has no Trilu of 8- and 16-bit integers
        computed = compute_dtype(input.dtype, ("int8", "uint8", "int16"))
        y = g.op("Trilu", g.value(input, computed), g.int_scalar(diagonal), upper=int(upper))
        return cast_back(g, y, computed, input.dtype)
    return export


exports("tril")(_triangle(False))
exports("triu")(_triangle(True))
