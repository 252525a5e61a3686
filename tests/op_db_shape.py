"""op_db entries: joining, splitting and rearranging (cat, split, flip, roll, repeat, pad, ...)."""
import numpy as np

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, is_float
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data


def _data(rng, dtype):
    """Sample data: integers with zeros among them for bool, so masks are mixed."""
    if dtype == ember.bool:
        return lambda *s: rng.integers(0, 2, size=s).astype(np.float64)
    return lambda *s: random_data(rng, *s)


def _entry(name, op, samples, reference, errors=None, dtypes=ALL_DTYPES, **kw):
    return OpEntry(name, op, samples, dtypes=dtypes, reference=reference, errors=errors, **kw)


# ---- cat / stack ------------------------------------------------------------------------------

def _cat_ref(tensors, dim=0):
    kept = [t for t in tensors if not (t.ndim == 1 and t.size == 0)]
    if not kept:
        return np.concatenate(tensors)
    return np.concatenate(kept, axis=dim)


def _cat_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample(([r(2, 3), r(4, 3)],), name="dim 0")
    yield Sample(([r(2, 3), r(2, 1), r(2, 4)], 1), name="dim 1, three pieces")
    yield Sample(([r(2, 3, 2), r(2, 1, 2)], -2), name="negative dim")
    yield Sample(([r(2, 3), r(2, 0)], 1), name="zero-size piece")
    yield Sample(([r(0, 3), r(0, 3)],), name="all zero-size")
    yield Sample(([r(0), r(2, 3), r(1, 3)],), name="legacy 1-D empty skipped")
    yield Sample(([r(5), r(1)],), name="1-D")
    yield Sample(([r(2, 2), Arg(rng.integers(-3, 4, (1, 2)), ember.int32)],), name="promotes with int32")


def _cat_errors():
    yield ErrorCase(([np.zeros((2, 3)), np.zeros((3, 4))],), exc=ValueError,
                    match=r"tensor number 1.*\[2, 3\] and \[3, 4\]")
    yield ErrorCase(([np.zeros((2, 3)), np.zeros((2, 3, 1))],), exc=ValueError, match="number of dimensions")
    yield ErrorCase(([np.zeros((2, 3)), np.zeros((2, 3))], 2), exc=IndexError, match="out of range")
    yield ErrorCase(([np.zeros((2, 3))], -3), exc=IndexError, match="out of range")
    yield ErrorCase(([],), exc=ValueError, match="non-empty")
    yield ErrorCase(([np.zeros(()), np.zeros(())],), exc=ValueError, match="zero-dimensional")


def _stack_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample(([r(2, 3), r(2, 3)],), name="dim 0")
    yield Sample(([r(2, 3), r(2, 3), r(2, 3)], 2), name="new last dim")
    yield Sample(([r(2, 3), r(2, 3)], -2), name="negative dim")
    yield Sample(([r(0, 3), r(0, 3)], 1), name="zero-size")
    yield Sample(([r(), r()],), name="0-dim")


def _stack_errors():
    yield ErrorCase(([np.zeros((2, 3)), np.zeros((3, 2))],), exc=ValueError, match=r"\[2, 3\].*\[3, 2\]")
    yield ErrorCase(([np.zeros((2, 3))], 3), exc=IndexError, match="out of range")


def _hstack_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample(([r(3), r(2)],), name="1-D")
    yield Sample(([r(2, 3), r(2, 1)],), name="2-D")
    yield Sample(([r(), r(2)],), name="0-dim and 1-D")


def _vstack_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample(([r(3), r(3)],), name="1-D rows")
    yield Sample(([r(2, 3), r(1, 3), r(0, 3)],), name="2-D with empty")


def _dstack_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample(([r(3), r(3)],), name="1-D")
    yield Sample(([r(2, 3), r(2, 3, 2)],), name="2-D and 3-D")


def _column_stack_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample(([r(3), r(3, 2)],), name="1-D and 2-D")
    yield Sample(([r(4), r(4)],), name="1-D")


def _block_diag_ref(*ts):
    ts = [t.reshape(1, -1) if t.ndim < 2 else t for t in ts]
    dtype = np.result_type(*ts)
    out = np.zeros((sum(t.shape[0] for t in ts), sum(t.shape[1] for t in ts)), dtype)
    r = c = 0
    for t in ts:
        out[r:r + t.shape[0], c:c + t.shape[1]] = t
        r, c = r + t.shape[0], c + t.shape[1]
    return out


def _block_diag_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(2, 3), r(1, 2)), name="matrices")
    yield Sample((r(2, 2), r(3), r()), name="matrix, vector, 0-dim")
    yield Sample((r(0, 2), r(2, 0)), name="zero-size")


# ---- splitting --------------------------------------------------------------------------------

def _pieces(a, dim, bounds):
    return tuple(np.take(a, range(lo, hi), axis=dim) for lo, hi in bounds)


def _split_ref(a, size_or_sizes, dim=0):
    n = a.shape[dim]
    if isinstance(size_or_sizes, int):
        s = size_or_sizes
        starts = range(0, n, s) if n else [0]
        return _pieces(a, dim, [(i, min(i + s, n)) for i in starts])
    edges = np.cumsum([0] + list(size_or_sizes))
    return _pieces(a, dim, zip(edges[:-1], edges[1:]))


def _split_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(7, 2), 3), name="int, uneven")
    yield Sample((r(2, 6), 2, 1), name="int, dim 1")
    yield Sample((r(2, 5), [1, 0, 4], -1), name="sizes with a zero")
    yield Sample((r(0, 2), 2), name="zero-size dim")
    yield Sample((r(3, 2), 5), name="one piece")


def _split_errors():
    yield ErrorCase((np.zeros((4, 2)), [1, 2]), exc=ValueError, match="sum exactly to 4")
    yield ErrorCase((np.zeros((4, 2)), 2, 2), exc=IndexError, match="out of range")
    yield ErrorCase((np.zeros((4, 2)), -1), exc=ValueError, match="non-negative")


def _chunk_ref(a, chunks, dim=0):
    n = a.shape[dim]
    s = -(-n // chunks)
    if n == 0:
        return _pieces(a, dim, [(0, 0)] * chunks)
    return _pieces(a, dim, [(i, min(i + s, n)) for i in range(0, n, s)])


def _chunk_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(7, 2), 3), name="uneven")
    yield Sample((r(6, 2), 4), name="fewer chunks than asked")
    yield Sample((r(2, 4), 2, -1), name="negative dim")
    yield Sample((r(0, 2), 3), name="zero-size")


def _chunk_errors():
    yield ErrorCase((np.zeros((4, 2)), 0), exc=ValueError, match="greater than 0")


def _tensor_split_ref(a, ios, dim=0):
    return tuple(np.array_split(a, ios, axis=dim))


def _tensor_split_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(7, 2), 3), name="sections")
    yield Sample((r(2, 3), 5, 1), name="more sections than elements")
    yield Sample((r(8), [2, 5]), name="indices")
    yield Sample((r(8), [6, 2, -1, 20]), name="decreasing, negative, past the end")
    yield Sample((r(0, 3), 2), name="zero-size")


def _unbind_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(3, 2),), name="dim 0")
    yield Sample((r(2, 3, 2), -1), name="last dim")
    yield Sample((r(0, 2),), name="zero-size")


def _unbind_errors():
    yield ErrorCase((np.zeros(()),), exc=ValueError, match="no dimensions")
    yield ErrorCase((np.zeros((2, 2)), 2), exc=IndexError, match="out of range")


# ---- rearranging ------------------------------------------------------------------------------

def _flip_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(3, 4), [0]), name="dim 0")
    yield Sample((r(2, 3, 4), [0, -1]), name="two dims")
    yield Sample((r(5), [0]), name="1-D")
    yield Sample((r(0, 3), [0, 1]), name="zero-size")
    yield Sample((r(), []), name="0-dim")


def _flip_errors():
    yield ErrorCase((np.zeros((2, 2)), [0, -2]), exc=ValueError, match="multiple times")
    yield ErrorCase((np.zeros((2, 2)), [2]), exc=IndexError, match="out of range")


def _roll_ref(a, shifts, dims=None):
    return np.roll(a, shifts, axis=dims)


def _roll_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(3, 4), 1), name="flattened")
    yield Sample((r(3, 4), -5, 1), name="negative shift past the size")
    yield Sample((r(3, 4, 2), (1, 2), (0, -1)), name="two dims")
    yield Sample((r(0, 3), 2, 0), name="zero-size")
    yield Sample((r(), 3), name="0-dim")


def _roll_errors():
    yield ErrorCase((np.zeros((2, 2)), (1, 2), (0,)), exc=ValueError, match="align")
    yield ErrorCase((np.zeros((2, 2)), 1, 2), exc=IndexError, match="out of range")


def _repeat_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(2, 3), (2, 1)), name="same rank")
    yield Sample((r(2, 3), (2, 1, 3)), name="new leading dim")
    yield Sample((r(3), (0, 2)), name="zero repeat")
    yield Sample((r(), (2, 3)), name="0-dim")


def _repeat_errors():
    yield ErrorCase((np.zeros((2, 2)), (2,)), exc=ValueError, match="can not be smaller")
    yield ErrorCase((np.zeros((2, 2)), (2, -1)), exc=ValueError, match="negative")


def _tile_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(2, 3), (2,)), name="fewer reps than dims")
    yield Sample((r(2, 3), (2, 1, 2)), name="more reps")
    yield Sample((r(0, 3), (2, 2)), name="zero-size")


def _repeat_interleave_ref(a, repeats, dim=None, output_size=None):
    return np.repeat(a, repeats, axis=dim)


def _repeat_interleave_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(2, 3), 2), name="flattened")
    yield Sample((r(2, 3), 3, 1), name="int, dim 1")
    yield Sample((r(3, 2), Arg(np.array([1, 0, 2]), ember.int64), 0), name="tensor repeats")
    yield Sample((r(2, 3), Arg(np.array([2, 1, 3]), ember.int32), -1), {"output_size": 6}, name="output_size")
    yield Sample((r(3, 2), Arg(np.array(2), ember.int64), 0), name="one-element tensor")
    yield Sample((r(0, 2), 2, 0), name="zero-size")


def _repeat_interleave_errors():
    yield ErrorCase((np.zeros((3, 2)), Arg(np.array([1, 2]), ember.int64), 0), exc=ValueError, match="same size")
    yield ErrorCase((np.zeros((3, 2)), -1), exc=ValueError, match="negative")
    yield ErrorCase((np.zeros((3, 2)), Arg(np.array([1, -1, 2]), ember.int64), 0), exc=ValueError, match="negative")
    yield ErrorCase((np.zeros((3, 2)), Arg(np.array([1., 1, 2]), ember.float32), 0), exc=TypeError, match="integer")
    yield ErrorCase((np.zeros((3, 2)), 2, 0), {"output_size": 5}, exc=ValueError, match="output_size")


def _triangle_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(4, 5),), name="matrix")
    yield Sample((r(3, 4), 1), name="above the diagonal")
    yield Sample((r(2, 5, 3), -2), name="batched, below")
    yield Sample((r(3, 3), 7), name="past the corner")
    yield Sample((r(2, 0, 3),), name="zero-size")


def _triangle_errors():
    yield ErrorCase((np.zeros(3),), exc=ValueError, match="at least 2 dimensions")


# ---- pad ---------------------------------------------------------------------------------------

_NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_ref(a, pad, mode="constant", value=None):
    """np.pad with PyTorch's pad list (last dim first); negative pads crop first."""
    widths = [(0, 0)] * a.ndim
    crop = [slice(None)] * a.ndim
    for i in range(len(pad) // 2):
        d = a.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        crop[d] = slice(max(0, -lo), a.shape[d] - max(0, -hi))
        widths[d] = (max(0, lo), max(0, hi))
    a = a[tuple(crop)]
    if a.ndim == 0:
        return a.copy()
    if mode == "constant":
        return np.pad(a, widths, constant_values=0 if value is None else value)
    return np.pad(a, widths, mode=_NP_MODES[mode])


def _pad_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(2, 3), (1, 2)), name="constant last dim")
    yield Sample((r(2, 3, 4), (1, 0, 2, 1, 0, 1)), {"value": 2}, name="constant three dims, value")
    yield Sample((r(3, 5), (-1, 2, 1, -2)), name="constant negative crops")
    yield Sample((r(0, 3), (1, 1, 1, 1)), name="constant zero-size")
    yield Sample((r(), ()), name="constant 0-dim, no pad")
    for mode in ("reflect", "replicate", "circular"):
        yield Sample((r(2, 5), (2, 3), mode), name=f"{mode} 2-D")
        yield Sample((r(2, 3, 4), (1, 2), mode), name=f"{mode} 3-D batch")
        yield Sample((r(1, 2, 3, 4), (2, 1, 1, 2), mode), name=f"{mode} 4-D, two dims")
        yield Sample((r(1, 2, 3, 3, 4), (1, 1, 2, 0, 1, 2), mode), name=f"{mode} 5-D, three dims")
        yield Sample((r(0, 2, 4), (1, 2), mode), name=f"{mode} zero batch")
        yield Sample((r(2, 6), (-1, 2), mode), name=f"{mode} negative crops")
    yield Sample((r(2, 3), (3, 3), "replicate"), name="replicate wider than the input")
    yield Sample((r(2, 3), (3, 3), "circular"), name="circular whole period")


def _pad_errors():
    yield ErrorCase((np.zeros((2, 3)), (1, 2, 3)), exc=ValueError, match="divisible by 2")
    yield ErrorCase((np.zeros(3), (1, 1, 1, 1)), exc=ValueError, match="padding length")
    yield ErrorCase((np.zeros((2, 3)), (3, 0), "reflect"), exc=ValueError, match="less than the corresponding")
    yield ErrorCase((np.zeros((2, 3)), (0, 4), "circular"), exc=ValueError, match="more than once")
    yield ErrorCase((np.zeros((2, 3)), (1, 1), "wrap"), exc=ValueError, match="padding mode")
    yield ErrorCase((np.zeros((2, 3)), (1, 1), "reflect"), {"value": 1.0}, exc=ValueError, match="value")
    yield ErrorCase((np.zeros((2, 0)), (1, 1), "reflect"), exc=ValueError, match="non-zero")
    yield ErrorCase((np.zeros((2, 3)), (-2, -2)), exc=ValueError, match="negative")
    yield ErrorCase((np.zeros((2, 3, 4, 5, 6)), (1, 1), "reflect"), exc=NotImplementedError, match="not supported")


def _pad_op(lib, x, pad, mode="constant", **kw):
    return lib.nn.functional.pad(x, pad, mode=mode, **kw)


# ---- broadcasting and grids ------------------------------------------------------------------

def _meshgrid_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(3), r(2)), {"indexing": "ij"}, name="ij")
    yield Sample((r(3), r(2), r(4)), {"indexing": "xy"}, name="xy, three")
    yield Sample((r(0), r(2)), {"indexing": "ij"}, name="zero-size")


def _meshgrid_errors():
    yield ErrorCase((np.zeros((2, 2)), np.zeros(2)), {"indexing": "ij"}, exc=ValueError, match="1-D")
    yield ErrorCase((np.zeros(2), np.zeros(2)), {"indexing": "ji"}, exc=ValueError, match="indexing")


def _broadcast_tensors_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(3, 1), r(4)), name="two")
    yield Sample((r(2, 1, 3), r(), r(4, 1)), name="with 0-dim")
    yield Sample((r(0, 1), r(3)), name="zero-size")


def _broadcast_tensors_errors():
    yield ErrorCase((np.zeros((2, 3)), np.zeros(4)), exc=ValueError, match=r"\[2, 3\]")


def _broadcast_to_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(3, 1), (2, 3, 4)), name="new and stretched dims")
    yield Sample((r(), (2, 2)), name="0-dim")
    yield Sample((r(1, 3), (0, 3)), name="to zero-size")


def _broadcast_to_errors():
    yield ErrorCase((np.zeros((2, 3)), (3,)), exc=ValueError, match="fewer dims")
    yield ErrorCase((np.zeros((2, 3)), (4, 3)), exc=ValueError)


# ---- diagonals --------------------------------------------------------------------------------

def _diag_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(4),), name="vector to matrix")
    yield Sample((r(3), 2), name="vector, above")
    yield Sample((r(3), -1), name="vector, below")
    yield Sample((r(3, 5),), name="matrix to vector")
    yield Sample((r(4, 3), -2), name="matrix, below")
    yield Sample((r(2, 3), 5), name="matrix, past the corner")
    yield Sample((r(0),), name="zero-size")


def _diag_errors():
    yield ErrorCase((np.zeros((2, 2, 2)),), exc=ValueError, match="1-D or 2-D")


def _diag_embed_ref(a, offset=0, dim1=-2, dim2=-1):
    n = a.shape[-1] + abs(offset)
    out = np.zeros(a.shape[:-1] + (n, n), a.dtype)
    idx = np.arange(a.shape[-1])
    rows, cols = (idx, idx + offset) if offset >= 0 else (idx - offset, idx)
    out[..., rows, cols] = a
    nd = out.ndim
    d1, d2 = dim1 % nd, dim2 % nd
    # out's last two dims go to (d1, d2); the rest keep their order.
    rest = [d for d in range(nd) if d not in (d1, d2)]
    order = [0] * nd
    for src, dst in enumerate(rest + [d1, d2]):
        order[dst] = src
    return np.transpose(out, order)


def _diag_embed_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(2, 3),), name="batched")
    yield Sample((r(2, 3), 1), name="offset")
    yield Sample((r(2, 3), -1, 0, 2), name="dims 0 and 2")
    yield Sample((r(4), 0, 1, 0), name="swapped dims")
    yield Sample((r(0, 2),), name="zero-size")


def _diagflat_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(2, 2),), name="flattens")
    yield Sample((r(3), -2), name="offset")
    yield Sample((r(),), name="0-dim")


def _trace_samples(rng, dtype):
    r = _data(rng, dtype)
    yield Sample((r(3, 3),), name="square")
    yield Sample((r(2, 4),), name="wide")
    yield Sample((r(0, 3),), name="zero-size")


def _trace_errors():
    yield ErrorCase((np.zeros(3),), exc=ValueError, match="matrix")


def _numeric_result(dtype):
    return dtype if is_float(dtype) else ember.int64


_NUMERIC = INT_DTYPES + FLOAT_DTYPES

ENTRIES = [
    _entry("cat", lambda lib, ts, dim=0: lib.cat(ts, dim), _cat_samples, _cat_ref, _cat_errors),
    _entry("concat", lambda lib, ts, dim=0: lib.concat(ts, dim), _cat_samples, _cat_ref),
    _entry("stack", lambda lib, ts, dim=0: lib.stack(ts, dim), _stack_samples,
           lambda ts, dim=0: np.stack(ts, axis=dim), _stack_errors),
    _entry("hstack", lambda lib, ts: lib.hstack(ts), _hstack_samples, np.hstack),
    _entry("vstack", lambda lib, ts: lib.vstack(ts), _vstack_samples, np.vstack),
    _entry("dstack", lambda lib, ts: lib.dstack(ts), _dstack_samples, np.dstack),
    _entry("column_stack", lambda lib, ts: lib.column_stack(ts), _column_stack_samples, np.column_stack),
    _entry("block_diag", lambda lib, *ts: lib.block_diag(*ts), _block_diag_samples, _block_diag_ref),
    _entry("split", lambda lib, t, s, dim=0: lib.split(t, s, dim), _split_samples, _split_ref, _split_errors),
    _entry("Tensor.split", lambda lib, t, s, dim=0: t.split(s, dim), _split_samples, _split_ref),
    _entry("chunk", lambda lib, t, c, dim=0: lib.chunk(t, c, dim), _chunk_samples, _chunk_ref, _chunk_errors),
    _entry("tensor_split", lambda lib, t, ios, dim=0: lib.tensor_split(t, ios, dim), _tensor_split_samples,
           _tensor_split_ref),
    _entry("unbind", lambda lib, t, dim=0: lib.unbind(t, dim), _unbind_samples,
           lambda a, dim=0: tuple(np.moveaxis(a, dim, 0)), _unbind_errors),
    _entry("flip", lambda lib, t, dims: lib.flip(t, dims), _flip_samples,
           lambda a, dims: np.flip(a, tuple(dims)) if dims else a, _flip_errors),
    _entry("fliplr", lambda lib, t: lib.fliplr(t), lambda rng, d: [Sample((_data(rng, d)(3, 4, 2),))], np.fliplr,
           lambda: [ErrorCase((np.zeros(3),), exc=ValueError, match=">= 2-d")]),
    _entry("flipud", lambda lib, t: lib.flipud(t), lambda rng, d: [Sample((_data(rng, d)(3, 4),))], np.flipud),
    _entry("roll", lambda lib, t, shifts, dims=None: lib.roll(t, shifts, dims), _roll_samples, _roll_ref,
           _roll_errors),
    _entry("Tensor.repeat", lambda lib, t, reps: t.repeat(*reps), _repeat_samples, np.tile, _repeat_errors),
    _entry("tile", lambda lib, t, reps: lib.tile(t, reps), _tile_samples, np.tile),
    _entry("repeat_interleave", lambda lib, t, reps, dim=None, **kw: lib.repeat_interleave(t, reps, dim, **kw),
           _repeat_interleave_samples, _repeat_interleave_ref, _repeat_interleave_errors),
    _entry("tril", lambda lib, t, k=0: lib.tril(t, k), _triangle_samples, lambda a, k=0: np.tril(a, k),
           _triangle_errors),
    _entry("triu", lambda lib, t, k=0: lib.triu(t, k), _triangle_samples, lambda a, k=0: np.triu(a, k),
           _triangle_errors),
    _entry("nn.functional.pad", _pad_op, _pad_samples, _pad_ref, _pad_errors),
    _entry("meshgrid", lambda lib, *ts, indexing: lib.meshgrid(*ts, indexing=indexing), _meshgrid_samples,
           lambda *ts, indexing: tuple(np.meshgrid(*ts, indexing=indexing)), _meshgrid_errors),
    _entry("broadcast_tensors", lambda lib, *ts: lib.broadcast_tensors(*ts), _broadcast_tensors_samples,
           lambda *ts: tuple(np.broadcast_arrays(*ts)), _broadcast_tensors_errors),
    _entry("broadcast_to", lambda lib, t, shape: lib.broadcast_to(t, shape), _broadcast_to_samples,
           np.broadcast_to, _broadcast_to_errors),
    _entry("diag", lambda lib, t, k=0: lib.diag(t, k), _diag_samples, lambda a, k=0: np.diag(a, k), _diag_errors),
    _entry("diag_embed", lambda lib, t, *a: lib.diag_embed(t, *a), _diag_embed_samples, _diag_embed_ref),
    _entry("diagflat", lambda lib, t, k=0: lib.diagflat(t, k), _diagflat_samples, lambda a, k=0: np.diagflat(a, k)),
    _entry("trace", lambda lib, t: lib.trace(t), _trace_samples, np.trace, _trace_errors, dtypes=_NUMERIC,
           out_dtypes=_numeric_result),
]
