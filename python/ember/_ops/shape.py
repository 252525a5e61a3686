"""Joining, splitting and rearranging (PyTorch's names and semantics): cat, stack and the
*stack family, split, chunk, tensor_split, unbind, flip, roll, repeat, repeat_interleave, tile,
tril/triu, meshgrid, broadcasting helpers, diag and friends, trace.

Splits return views of the input; every other op returns a new tensor made by strided copies.
"""
import numbers

from .. import _C
from .._op_layer import install_methods, op
from .._tensor import Tensor, _size_args, _wrap

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack",
           "column_stack", "atleast_1d", "atleast_2d", "atleast_3d", "split", "chunk",
           "tensor_split", "unbind", "flip", "fliplr", "flipud", "roll", "repeat_interleave",
           "tile", "tril", "triu", "meshgrid", "broadcast_tensors", "broadcast_to",
           "broadcast_shapes", "block_diag", "diag", "diag_embed", "diagflat", "trace"]


def _impls(tensors, op):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' must be a sequence of Tensors, not Tensor")
    out = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 'tensors', "
                            f"but got {type(t).__name__}")
        out.append(t._impl)
    return out


def _tensor_args(tensors):
    """f(a, b) and f([a, b]) both name the tensors a and b."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(tensors[0])
    return tensors


def _wrap_all(impls):
    return tuple(_wrap(t) for t in impls)


# ---- joining --------------------------------------------------------------------------------

_NOT_GIVEN = object()  # tells an argument left out from one passed as None

@op
def cat(tensors, dim=0, *, out=None):
    """Joins tensors along an existing dim; dtypes promote like torch.cat, and 1-D empty tensors
    are skipped whatever their neighbours' shapes."""
    impls = _impls(tensors, "cat")
    if out is None:
        return _wrap(_C.cat(impls, int(dim)))
    if not isinstance(out, Tensor):
        raise TypeError(f"cat(): argument 'out' must be Tensor, not {type(out).__name__}")
    _C.cat_out(impls, int(dim), out._impl)
    return out


@op
def concat(tensors, dim=0, *, axis=_NOT_GIVEN, out=None):
    """torch.concat; axis= is the array API's spelling of dim (axis=None joins the flattened
    tensors, as the standard's concat does)."""
    if axis is not _NOT_GIVEN:
        if axis is None:
            return cat([t.reshape(-1) for t in tensors], 0, out=out)
        dim = axis
    return cat(tensors, dim, out=out)


@op
def concatenate(tensors, axis=0, *, dim=None, out=None):
    return cat(tensors, axis if dim is None else dim, out=out)


@op
def stack(tensors, dim=0, *, axis=None, out=None):
    dim = dim if axis is None else axis  # axis=: the array API's spelling
    impls = _impls(tensors, "stack")
    if out is None:
        return _wrap(_C.stack(impls, int(dim)))
    return cat([t.unsqueeze(dim) for t in tensors], dim, out=out)


@op
def atleast_1d(*tensors):
    ts = _tensor_args(tensors)
    res = tuple(t.reshape(1) if t.dim() == 0 else t for t in ts)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else res


@op
def atleast_2d(*tensors):
    ts = _tensor_args(tensors)
    res = tuple(t.reshape(1, 1) if t.dim() == 0 else t.unsqueeze(0) if t.dim() == 1 else t for t in ts)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else res


@op
def atleast_3d(*tensors):
    def up(t):
        if t.dim() == 0:
            return t.reshape(1, 1, 1)
        if t.dim() == 1:
            return t.reshape(1, t.shape[0], 1)
        if t.dim() == 2:
            return t.unsqueeze(-1)
        return t
    ts = _tensor_args(tensors)
    res = tuple(up(t) for t in ts)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else res


def _as_list(tensors, op):
    _impls(tensors, op)  # type check
    return list(tensors)


@op
def hstack(tensors, *, out=None):
    ts = [atleast_1d(t) for t in _as_list(tensors, "hstack")]
    dim = 0 if ts and all(t.dim() == 1 for t in ts) else 1
    return cat(ts, dim, out=out)


@op
def vstack(tensors, *, out=None):
    return cat([atleast_2d(t) for t in _as_list(tensors, "vstack")], 0, out=out)


row_stack = vstack


@op
def dstack(tensors, *, out=None):
    return cat([atleast_3d(t) for t in _as_list(tensors, "dstack")], 2, out=out)


@op
def column_stack(tensors, *, out=None):
    ts = [t.reshape(t.numel(), 1) if t.dim() <= 1 else t for t in _as_list(tensors, "column_stack")]
    return cat(ts, 1, out=out)


@op
def block_diag(*tensors):
    return _wrap(_C.block_diag(_impls(tensors, "block_diag")))


# ---- splitting (views) ----------------------------------------------------------------------

@op
def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces: an int gives pieces of that size (the last may be smaller),
    a list gives pieces of those sizes."""
    if isinstance(split_size_or_sections, numbers.Integral):
        return _wrap_all(_C.split(tensor._impl, int(split_size_or_sections), int(dim)))
    if isinstance(split_size_or_sections, Tensor) and split_size_or_sections.dim() == 0:
        return _wrap_all(_C.split(tensor._impl, int(split_size_or_sections.item()), int(dim)))
    sizes = [int(s) for s in split_size_or_sections]
    return _wrap_all(_C.split_with_sizes(tensor._impl, sizes, int(dim)))


@op
def chunk(input, chunks, dim=0):
    return _wrap_all(_C.chunk(input._impl, int(chunks), int(dim)))


@op
def tensor_split(input, indices_or_sections, dim=0):
    """numpy.array_split: an int gives that many near-equal views, a list of indices cuts at
    them."""
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dim() == 0:
            ios = int(ios.item())
        else:
            ios = [int(v) for v in ios.tolist()]
    if isinstance(ios, numbers.Integral):
        return _wrap_all(_C.tensor_split(input._impl, int(ios), int(dim)))
    return _wrap_all(_C.tensor_split_indices(input._impl, [int(i) for i in ios], int(dim)))


@op
def unbind(input, dim=0):
    return _wrap_all(_C.unbind(input._impl, int(dim)))


# ---- rearranging ----------------------------------------------------------------------------

def _int_list(x):
    if isinstance(x, numbers.Integral):
        return [int(x)]
    return [int(v) for v in x]


@op
def flip(input, dims=_NOT_GIVEN, *, axis=_NOT_GIVEN):
    """Reverses the order along `dims`; without dims (or axis=None, the array API's
    spelling) every axis is reversed."""
    if axis is not _NOT_GIVEN:
        dims = axis
    if dims is None or dims is _NOT_GIVEN:
        dims = list(range(input.dim()))
    elif isinstance(dims, numbers.Integral):
        dims = [dims]
    return _wrap(_C.flip(input._impl, _int_list(dims)))


@op
def fliplr(input):
    if input.dim() < 2:
        raise _C.ShapeError(f"fliplr: input must be >= 2-d, got shape {list(input.shape)}")
    return flip(input, [1])


@op
def flipud(input):
    if input.dim() < 1:
        raise _C.ShapeError("flipud: input must be >= 1-d, got a 0-dim tensor")
    return flip(input, [0])


@op
def roll(input, shifts, dims=None, *, axis=None):
    """Rolls along dims (elements pushed past the end come back at the start); without dims the
    tensor is rolled as if flattened. axis=: the array API's spelling of dims."""
    dims = dims if axis is None else axis
    if isinstance(shifts, numbers.Integral) and dims is not None and not isinstance(dims, numbers.Integral):
        shifts = [shifts] * len(dims)  # one shift for every axis, as the standard allows
    return _wrap(_C.roll(input._impl, _int_list(shifts), [] if dims is None else _int_list(dims)))


def _repeat(self, *sizes):
    return _wrap(_C.repeat(self._impl, _size_args(sizes)))


@op
def tile(input, dims=None, *, repetitions=None):
    dims = dims if repetitions is None else repetitions  # the array API's name of the counts
    return _wrap(_C.tile(input._impl, _int_list(dims)))


@op
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeats each element `repeats` times (an int, or a tensor of counts per position) along
    dim, or over the flattened input when dim is None. With one tensor argument, returns the
    indices 0..n-1, index i repeated input[i] times."""
    if repeats is None:
        return _wrap(_C.repeat_interleave_index(input._impl, output_size))
    d = None if dim is None else int(dim)
    if isinstance(repeats, Tensor):
        return _wrap(_C.repeat_interleave(input._impl, repeats._impl, d, output_size))
    if isinstance(repeats, numbers.Integral):
        return _wrap(_C.repeat_interleave(input._impl, int(repeats), d, output_size))
    raise TypeError(f"repeat_interleave(): argument 'repeats' must be int or Tensor, not {type(repeats).__name__}")


@op
def tril(input, diagonal=0, *, k=None):
    return _wrap(_C.tril(input._impl, int(diagonal if k is None else k)))  # k=: the array API's name


@op
def triu(input, diagonal=0, *, k=None):
    return _wrap(_C.triu(input._impl, int(diagonal if k is None else k)))


def _tril_(self, diagonal=0):
    _C.tril_(self._impl, int(diagonal))
    return self


def _triu_(self, diagonal=0):
    _C.triu_(self._impl, int(diagonal))
    return self


# ---- broadcasting ---------------------------------------------------------------------------

@op
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: 'ij' (the default) gives shape (len(t0), len(t1), ...),
    'xy' swaps the first two dims. The grids are expanded views."""
    ts = _tensor_args(tensors)
    return _wrap_all(_C.meshgrid(_impls(ts, "meshgrid"), indexing or "ij"))


@op
def broadcast_tensors(*tensors):
    return _wrap_all(_C.broadcast_tensors(_impls(_tensor_args(tensors), "broadcast_tensors")))


@op
def broadcast_to(input, size):
    return _wrap(_C.broadcast_to(input._impl, _size_args((size,))))


@op
def broadcast_shapes(*shapes):
    from .._tensor import Size
    result = []
    for shape in shapes:
        shape = [int(shape)] if isinstance(shape, numbers.Integral) else [int(s) for s in shape]
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        offset = len(result) - len(shape)
        for i, s in enumerate(shape):
            r = result[offset + i]
            if r != s and r != 1 and s != 1:
                raise _C.ShapeError(f"broadcast_shapes: shape mismatch: objects cannot be broadcast to a single "
                                    f"shape: {list(shapes)}")
            result[offset + i] = s if r == 1 else r
    return Size(result)


# ---- diagonals ------------------------------------------------------------------------------

@op
def diag(input, diagonal=0):
    return _wrap(_C.diag(input._impl, int(diagonal)))


@op
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    return _wrap(_C.diag_embed(input._impl, int(offset), int(dim1), int(dim2)))


@op
def diagflat(input, offset=0):
    return _wrap(_C.diagflat(input._impl, int(offset)))


@op
def trace(input):
    return _wrap(_C.trace(input._impl))


def _flip_method(self, *dims):
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = dims[0]
    return flip(self, dims)


def _tile_method(self, *dims):
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = dims[0]
    return tile(self, dims)


def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


install_methods({
    "split": _split_method, "chunk": chunk, "tensor_split": tensor_split, "unbind": unbind, "flip": _flip_method,
    "fliplr": fliplr, "flipud": flipud, "roll": roll, "repeat": _repeat, "repeat_interleave": repeat_interleave,
    "tile": _tile_method, "tril": tril, "triu": triu, "tril_": _tril_, "triu_": _triu_, "broadcast_to": broadcast_to,
    "diag": diag, "diag_embed": diag_embed, "diagflat": diagflat, "trace": trace})
