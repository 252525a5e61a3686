"""op_db entries: indexing (t[...] and t[...] = v, index_select, gather, scatter, index_put,
masks, nonzero), and the NumPy references of PyTorch's indexing rules that the focused
tests (test_indexing_*.py) share."""
import numpy as np

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

# ---------------------------------------------------------------------------
# NumPy references with PyTorch's rules
# ---------------------------------------------------------------------------


def _split_key(key):
    """PyTorch applies the integers of an index (0-dim integer tensors too) as selects before
    the tensor entries, so an integer never counts as an advanced index (numpy would move `t[0, :, idx]`'s dims to the
    front). Returns (basic, rest): numpy applies `basic` (a view), then `rest` (only slices,
    ... and arrays) to that view, which gives PyTorch's result."""
    if not isinstance(key, tuple):
        key = (key,)
    basic, rest = [], []
    for k in key:
        if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
            basic.append(int(k))  # a 0-dim integer tensor is an integer
        elif isinstance(k, (list, np.ndarray, bool, np.bool_)):
            a = np.asarray(k)
            if a.dtype == bool and a.ndim == 0:  # a 0-dim mask: a new dim, indexed by [0] or []
                basic.append(None)
                rest.append(np.zeros(int(bool(a)), dtype=np.int64))
            else:
                basic.extend([slice(None)] * (a.ndim if a.dtype == bool else 1))
                rest.append(a if a.dtype == bool or a.size else a.astype(np.int64))
        elif k is None:
            basic.append(None)
            rest.append(slice(None))
        elif k is Ellipsis:
            basic.append(Ellipsis)
            rest.append(Ellipsis)
        elif isinstance(k, slice):
            basic.append(k)
            rest.append(slice(None))
        else:  # an integer
            basic.append(k)
    return tuple(basic), tuple(rest)


def _has_array(rest):
    return any(isinstance(k, np.ndarray) for k in rest)


def np_getitem(a, key):
    basic, rest = _split_key(key)
    view = a[basic]
    return np.array(view[rest] if _has_array(rest) else view, copy=True)


def np_setitem(a, key, value, accumulate=False):
    """A copy of `a` with a[key] = value (or += with every repeated index adding up)."""
    out = np.array(a, copy=True)
    basic, rest = _split_key(key)
    value = np.asarray(value)
    if not _has_array(rest):  # basic indexing only (maybe of a single element)
        if accumulate:
            out[basic] += value
        else:
            out[basic] = value
        return out
    view = out[basic]
    if accumulate:
        np.add.at(view, rest, value)
    else:
        view[rest] = value
    return out


def _wrap(index, size):
    return np.where(index < 0, index + size, index)


def _dim_positions(index, dim, values):
    """For each element of `index`: its full coordinate with dim replaced by the index value."""
    coords = list(np.indices(index.shape))
    coords[dim] = values
    return tuple(coords)


def np_gather(x, dim, index):
    dim = dim % max(x.ndim, 1)
    if x.ndim == 0:
        return np.broadcast_to(x, index.shape).copy()
    return x[_dim_positions(index, dim, _wrap(index, x.shape[dim]))]


def np_scatter(x, dim, index, src, accumulate=False):
    out = np.array(x, copy=True)
    if out.ndim == 0:
        out, index = out.reshape(1), index.reshape(-1)
        src = np.asarray(src).reshape(-1) if np.ndim(src) else src
    dim = dim % out.ndim
    src = np.asarray(src)
    values = np.broadcast_to(src, index.shape) if src.ndim == 0 else src[tuple(slice(0, s) for s in index.shape)]
    positions = _dim_positions(index, dim, _wrap(index, out.shape[dim]))
    if accumulate:
        np.add.at(out, positions, values)
    else:
        out[positions] = values
    return out.reshape(np.shape(x))


def _dim_key(ndim, dim, index):
    dim = dim % max(ndim, 1)
    return (slice(None),) * dim + (np.asarray(index).reshape(-1),)


def np_index_select(x, dim, index):
    if x.ndim == 0:
        return x.copy()
    return x[_dim_key(x.ndim, dim, index)]


def np_index_put_dim(x, dim, index, source, accumulate=False, alpha=1):
    if x.ndim == 0:
        return np_setitem(x.reshape(1), (np.asarray(index).reshape(-1),), np.reshape(source, -1) * alpha,
                          accumulate).reshape(())
    return np_setitem(x, _dim_key(x.ndim, dim, index), np.asarray(source) * alpha if alpha != 1 else source,
                      accumulate)


def np_masked_scatter(x, mask, source):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    out = np.array(np.broadcast_to(x, shape), copy=True)
    m = np.broadcast_to(mask, shape)
    out[m] = np.asarray(source).reshape(-1)[:int(m.sum())]
    return out


def np_take_along_dim(x, indices, dim=None):
    if dim is None:
        return np.take_along_axis(x.reshape(-1), _wrap(indices.reshape(-1), x.size), 0)
    if x.ndim == 0:
        return x.copy()
    a, b = list(x.shape), list(indices.shape)
    a[dim] = b[dim] = 1
    common = list(np.broadcast_shapes(tuple(a), tuple(b)))
    xs, ixs = list(common), list(common)
    xs[dim], ixs[dim] = x.shape[dim], indices.shape[dim]
    return np.take_along_axis(np.broadcast_to(x, xs), _wrap(np.broadcast_to(indices, ixs), x.shape[dim]), dim)


# ---------------------------------------------------------------------------
# Entries. PyTorch wraps negative indices only in t[...], index_put and index_fill; ember wraps
# them in every op, which test_indexing_ops.py checks against NumPy (the samples of the other
# ops keep to non-negative indices so that PyTorch can check them too).
# ---------------------------------------------------------------------------

def _getitem(lib, x, key):
    return x[key]


def _setitem(lib, x, key, value):
    y = x.clone()
    y[key] = value
    return y


def _ints(rng, low, high, *shape):
    return rng.integers(low, high, size=shape).astype(np.int64)


def _getitem_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    x = r(4, 5, 6)
    yield Sample((x, _ints(rng, -4, 4, 5)), name="int tensor, repeats and negatives")
    yield Sample((x, _ints(rng, -4, 4, 2, 3)), name="2-D index")
    yield Sample((x, [0, 2, -1]), name="list")
    yield Sample((x, (slice(1, None), _ints(rng, -5, 5, 3))), name="slice then index")
    yield Sample((x, (Ellipsis, _ints(rng, 0, 6, 2, 1))), name="ellipsis then index")
    yield Sample((x, (_ints(rng, 0, 4, 3, 1), _ints(rng, 0, 5, 2))), name="broadcast indices")
    yield Sample((x, (_ints(rng, 0, 4, 3), slice(None, None, 2), _ints(rng, 0, 6, 3))),
                 name="separated indices go first")
    yield Sample((x, (1, slice(None), _ints(rng, 0, 6, 4))), name="int is a select")
    yield Sample((x, (None, _ints(rng, 0, 4, 2), None, slice(2, 4))), name="None around an index")
    yield Sample((x, (slice(None), 2, _ints(rng, 0, 6, 2, 2))), name="int between")
    yield Sample((x, Arg(_ints(rng, 0, 4, 3), ember.int32)), name="int32 index")
    yield Sample((x, rng.random((4, 5, 6)) < 0.5), name="full mask")
    yield Sample((x, rng.random((4, 5)) < 0.5), name="leading mask")
    yield Sample((x, (slice(None), rng.random((5, 6)) < 0.5)), name="trailing mask")
    yield Sample((x, (rng.random(4) < 0.5, slice(1, 3), _ints(rng, 0, 6, 1))), name="mask and index")
    yield Sample((x, np.array(True)), name="0-dim true")
    yield Sample((x, (Ellipsis, np.array(False))), name="0-dim false")
    yield Sample((x, np.zeros(0, dtype=np.int64)), name="empty index")
    yield Sample((r(0, 3), (slice(None), [0, 2])), name="zero-size tensor")
    yield Sample((r(), np.array(True)), name="0-dim tensor, mask")
    yield Sample((r(), (np.array(True), None)), name="0-dim tensor, mask and None")
    yield Sample((r(3), np.array(1)), name="0-dim index")


def _getitem_errors():
    x = np.zeros((4, 5))
    yield ErrorCase((x, np.array([0, 4])), exc=IndexError, match="index 4 is out of bounds for dimension 0 with size 4")
    yield ErrorCase((x, (slice(None), np.array([-6]))), exc=IndexError,
                    match="index -6 is out of bounds for dimension 1 with size 5")
    yield ErrorCase((x, (np.array([0, 1]), np.array([0, 1, 2]))), exc=IndexError, match=r"shape mismatch.*\[2\], \[3\]")
    yield ErrorCase((x, np.zeros(3, dtype=bool)), exc=IndexError, match=r"shape of the mask \[3\] at index 0")
    yield ErrorCase((x, np.array([0.0])), exc=IndexError, match="must be long, int, byte or bool")
    yield ErrorCase((x, (0, 0, np.array([0]))), exc=IndexError, match="too many indices")


def _setitem_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    x = r(4, 5, 6)
    yield Sample((x, np.array([2, 0, -1]), r(3, 5, 6)), name="index, full value")
    yield Sample((x, np.array([3, 1]), r(6)), name="index, broadcast value")
    yield Sample((x, (slice(None), np.array([[0, 4]]), 1), 1.0), name="scalar value")
    yield Sample((x, (np.array([0, 3]), slice(1, 4), np.array([5, 0])), r(2, 3)), name="separated")
    yield Sample((x, rng.random((4, 5)) < 0.5, r(6)), name="mask")
    yield Sample((x, (Ellipsis, rng.random(6) < 0.5), 0.0), name="mask on the last dim")
    yield Sample((x, np.array(True), r(1, 4, 5, 6)), name="0-dim mask")
    yield Sample((x, np.zeros(0, dtype=np.int64), r(6)), name="empty index")
    yield Sample((r(), np.array(True), r()), name="0-dim tensor")


def _setitem_errors():
    x = np.zeros((4, 5))
    yield ErrorCase((x, np.array([5]), 1.0), exc=IndexError, match="index 5 is out of bounds for dimension 0 with size 4")
    yield ErrorCase((x, np.array([0, 1]), np.zeros(4)), exc=ValueError, match="shape mismatch")


def _index_put_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    x = r(4, 5)
    for acc in (False, True):
        yield Sample((x, (np.array([0, 2, 3]),), r(3, 5), acc), name=f"rows, accumulate={acc}")
        yield Sample((x, (np.array([0, 2]), np.array([[1], [4]])), r(2, 2), acc), name=f"broadcast, accumulate={acc}")
        yield Sample((x, (rng.random((4, 5)) < 0.5,), r(), acc), name=f"mask, accumulate={acc}")
    yield Sample((x, (np.array([1, 1, 3, 1]), np.array([2, 2, 0, 2])), r(4), True), name="repeats accumulate")
    yield Sample((x, (np.array([0, 0, 0]),), r(5), True), name="broadcast value, repeats accumulate")
    yield Sample((r(0, 5), (np.zeros(0, dtype=np.int64),), r(5), True), name="zero-size")


def _index_put_ref(x, indices, values, accumulate):
    return np_setitem(x, tuple(indices), values, accumulate)


def _index_select_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    x = r(4, 5, 6)
    yield Sample((x, 0, np.array([3, 0, 3, 1])), name="dim 0, repeats")
    yield Sample((x, 1, Arg(np.array([4, 1]), ember.int32)), name="dim 1, int32")
    yield Sample((x, -1, np.array([5, 0, 2, 2, 1])), name="last dim")
    yield Sample((x, 2, np.array(3)), name="0-dim index")
    yield Sample((x, 0, np.zeros(0, dtype=np.int64)), name="empty index")
    yield Sample((r(), 0, np.array([0])), name="0-dim tensor")


def _index_select_errors():
    x = np.zeros((4, 5))
    yield ErrorCase((x, 1, np.array([5])), exc=IndexError, match="index 5 is out of bounds for dimension 1 with size 5")
    yield ErrorCase((x, 0, np.array([[0]])), exc=ValueError, match="vector")
    yield ErrorCase((x, 0, np.array([0.0])), exc=TypeError, match="int64 or int32")
    yield ErrorCase((x, 2, np.array([0])), exc=IndexError, match="out of range")


def _index_add_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    x = r(4, 5)
    alpha = {} if dtype == ember.bool else {"alpha": 2}
    yield Sample((x, 0, np.array([3, 0, 3, 3]), r(4, 5)), alpha, name="repeats")
    yield Sample((x, 1, Arg(np.array([4, 0, 1]), ember.int32), r(4, 3)), name="dim 1, int32")
    yield Sample((x, 0, np.zeros(0, dtype=np.int64), r(0, 5)), name="empty index")
    yield Sample((r(), 0, np.array([0]), r()), name="0-dim")


def _index_add_ref(x, dim, index, source, alpha=1):
    return np_index_put_dim(x, dim, index, source, accumulate=True, alpha=alpha)


def _index_add_errors():
    x = np.zeros((4, 5))
    yield ErrorCase((x, 0, np.array([4]), np.zeros((1, 5))), exc=IndexError,
                    match="index 4 is out of bounds for dimension 0 with size 4")
    yield ErrorCase((x, 0, np.array([0]), np.zeros((2, 5))), exc=ValueError, match="source of shape")
    yield ErrorCase((x, 0, np.array([0]), Arg(np.zeros((1, 5)), ember.float64)), exc=TypeError, match="same dtype")


def _index_copy_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5), 0, np.array([3, 0]), r(2, 5)), name="rows")
    yield Sample((r(4, 5), -1, np.array([4, 1, 0]), r(4, 3)), name="columns")
    yield Sample((r(4, 5), 0, np.zeros(0, dtype=np.int64), r(0, 5)), name="empty index")


def _index_fill_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5), 0, np.array([3, 0, 3]), 2.0), name="number")
    yield Sample((r(4, 5), 1, np.array([-1]), r()), name="0-dim tensor value")
    yield Sample((r(4, 5), 1, np.zeros(0, dtype=np.int64), 1.0), name="empty index")


def _gather_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    x = r(4, 5)
    yield Sample((x, 1, _ints(rng, 0, 5, 4, 3)), name="dim 1")
    yield Sample((x, 0, _ints(rng, 0, 4, 2, 5)), name="dim 0, fewer rows")
    yield Sample((x, -1, Arg(_ints(rng, 0, 5, 3, 7), ember.int32)), name="int32, more columns than x")
    yield Sample((r(3, 4, 5), 1, _ints(rng, 0, 4, 2, 6, 3)), name="3-D")
    yield Sample((x, 0, np.zeros((0, 5), dtype=np.int64)), name="empty index")
    yield Sample((r(), 0, np.array(0)), name="0-dim")


def _gather_errors():
    x = np.zeros((4, 5))
    yield ErrorCase((x, 1, np.array([[5]])), exc=IndexError, match="index 5 is out of bounds for dimension 1 with size 5")
    yield ErrorCase((x, 1, np.array([0])), exc=ValueError, match="same number of dims")
    yield ErrorCase((x, 1, np.zeros((5, 1), dtype=np.int64)), exc=ValueError, match="no larger than")
    yield ErrorCase((x, 1, np.zeros((1, 1), dtype=np.int16)), exc=TypeError, match="int64 or int32")


def _scatter_index(rng, shape, dim, size):
    """An index without repeats along dim (scatter without accumulate is then exact)."""
    out = np.empty(shape, dtype=np.int64)
    moved = np.moveaxis(out, dim, -1)
    for pos in np.ndindex(moved.shape[:-1]):
        moved[pos] = rng.permutation(size)[:moved.shape[-1]]
    return out


def _scatter_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5), 1, _scatter_index(rng, (4, 3), 1, 5), r(4, 3)), name="dim 1")
    yield Sample((r(4, 5), 0, _scatter_index(rng, (2, 5), 0, 4), r(3, 6)), name="dim 0, larger src")
    yield Sample((r(4, 5), 1, _scatter_index(rng, (3, 2), 1, 5), 2.0), name="value")
    yield Sample((r(4, 5), 0, np.zeros((0, 5), dtype=np.int64), r(0, 5)), name="empty index")
    yield Sample((r(), 0, np.array(0), r()), name="0-dim")


def _scatter_errors():
    x = np.zeros((4, 5))
    yield ErrorCase((x, 0, np.array([[4]]), np.zeros((1, 1))), exc=IndexError,
                    match="index 4 is out of bounds for dimension 0 with size 4")
    yield ErrorCase((x, 0, np.zeros((2, 2), dtype=np.int64), np.zeros((1, 1))), exc=ValueError, match="no larger than")


def _scatter_add_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5), 1, _ints(rng, 0, 5, 4, 8), r(4, 8)), name="repeats along dim")
    yield Sample((r(4, 5), 0, _ints(rng, 0, 4, 6, 5), r(6, 5)), name="dim 0")
    yield Sample((r(4, 5), 0, np.zeros((0, 5), dtype=np.int64), r(0, 5)), name="empty index")
    yield Sample((r(), 0, np.array(0), r()), name="0-dim")


def _masked_fill_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5), rng.random((4, 5)) < 0.5, 2.0), name="number")
    yield Sample((r(4, 5), rng.random(5) < 0.5, r()), name="broadcast mask, 0-dim tensor value")
    yield Sample((r(4, 1), rng.random((4, 5)) < 0.5, 1.0), name="mask broadcasts self")
    yield Sample((r(0, 5), np.zeros((0, 5), dtype=bool), 1.0), name="zero-size")
    yield Sample((r(), np.array(True), 3.0), name="0-dim")


def _masked_fill_errors():
    x = np.zeros((4, 5))
    yield ErrorCase((x, np.zeros((4, 5)), 1.0), exc=TypeError, match="bool mask")
    yield ErrorCase((x, np.zeros((4, 5), dtype=bool), np.zeros(2)), exc=ValueError, match="0-dim value")
    yield ErrorCase((x, np.zeros(4, dtype=bool), 1.0), exc=ValueError, match="broadcast")


def _masked_select_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5), rng.random((4, 5)) < 0.5), name="same shape")
    yield Sample((r(4, 1), rng.random((4, 5)) < 0.5), name="broadcast self")
    yield Sample((r(4, 5), rng.random(5) < 0.5), name="broadcast mask")
    yield Sample((r(0, 5), np.zeros(5, dtype=bool)), name="zero-size")
    yield Sample((r(), np.array(True)), name="0-dim")


def _masked_scatter_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5), rng.random((4, 5)) < 0.5, r(20)), name="same shape")
    yield Sample((r(4, 5), rng.random(5) < 0.5, r(5, 6)), name="broadcast mask, 2-D source")
    yield Sample((r(0, 5), np.zeros(5, dtype=bool), r(3)), name="zero-size")
    yield Sample((r(), np.array(True), r(2)), name="0-dim")


def _masked_scatter_errors():
    x = np.zeros((4, 5))
    yield ErrorCase((x, np.ones((4, 5), dtype=bool), np.zeros(19)), exc=ValueError, match="selects 20 elements")


def _take_along_dim_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5), _ints(rng, 0, 5, 4, 3), 1), name="dim 1")
    yield Sample((r(4, 5), _ints(rng, 0, 4, 2, 1), 0), name="broadcast indices")
    yield Sample((r(4, 1), _ints(rng, 0, 1, 4, 3), 1), name="broadcast self")
    yield Sample((r(4, 5), _ints(rng, 0, 20, 7), None), name="flattened")
    yield Sample((r(0, 5), np.zeros((0, 2), dtype=np.int64), 1), name="zero-size")


def _nonzero_data(rng, dtype):
    x = random_data(rng, 3, 4)
    x[rng.random((3, 4)) < 0.4] = 0
    return x


def _nonzero_samples(rng, dtype):
    yield Sample((_nonzero_data(rng, dtype),), name="2-D")
    yield Sample((np.array([0.0, -0.0, 1.0, 0.0, -2.5]),), name="1-D with -0.0")
    yield Sample((random_data(rng, 2, 3, 2),), name="3-D")
    yield Sample((np.zeros((0, 3)),), name="zero-size")
    yield Sample((np.array(0.0),), name="0-dim zero")
    yield Sample((np.array(2.0),), name="0-dim non-zero")


def _nonzero_ref(x):
    if x.ndim == 0:
        return np.zeros((int(x != 0), 0), dtype=np.int64)
    return np.argwhere(x).astype(np.int64)


def _scatter_ref(x, dim, index, src):
    return np_scatter(x, dim, index, src)


def _scatter_add_ref(x, dim, index, src):
    return np_scatter(x, dim, index, src, accumulate=True)


ACCUMULATE_TOLERANCES = {ember.float16: (4e-3, 4e-3), ember.bfloat16: (3e-2, 3e-2)}

ENTRIES = [
    OpEntry("getitem", _getitem, _getitem_samples, dtypes=ALL_DTYPES, reference=np_getitem, errors=_getitem_errors),
    OpEntry("setitem", _setitem, _setitem_samples, dtypes=ALL_DTYPES, reference=np_setitem, errors=_setitem_errors),
    OpEntry("index_put", lambda lib, x, i, v, acc: lib.index_put(x, i, v, accumulate=acc), _index_put_samples,
            dtypes=ALL_DTYPES, reference=_index_put_ref, tolerances=ACCUMULATE_TOLERANCES),
    OpEntry("index_select", lambda lib, x, d, i: lib.index_select(x, d, i), _index_select_samples,
            dtypes=ALL_DTYPES, reference=np_index_select, errors=_index_select_errors),
    OpEntry("index_add", lambda lib, x, d, i, s, **kw: lib.index_add(x, d, i, s, **kw), _index_add_samples,
            dtypes=ALL_DTYPES, reference=_index_add_ref, errors=_index_add_errors, tolerances=ACCUMULATE_TOLERANCES),
    OpEntry("index_copy", lambda lib, x, d, i, s: lib.index_copy(x, d, i, s), _index_copy_samples,
            dtypes=ALL_DTYPES, reference=np_index_put_dim),
    OpEntry("index_fill", lambda lib, x, d, i, v: lib.index_fill(x, d, i, v), _index_fill_samples,
            dtypes=ALL_DTYPES, reference=lambda x, d, i, v: np_index_put_dim(x, d, i, v)),
    OpEntry("gather", lambda lib, x, d, i: lib.gather(x, d, i), _gather_samples, dtypes=ALL_DTYPES,
            reference=np_gather, errors=_gather_errors),
    OpEntry("scatter", lambda lib, x, d, i, s: lib.scatter(x, d, i, s), _scatter_samples, dtypes=ALL_DTYPES,
            reference=_scatter_ref, errors=_scatter_errors),
    OpEntry("scatter_add", lambda lib, x, d, i, s: lib.scatter_add(x, d, i, s), _scatter_add_samples,
            dtypes=ALL_DTYPES, reference=_scatter_add_ref, tolerances=ACCUMULATE_TOLERANCES),
    OpEntry("masked_fill", lambda lib, x, m, v: lib.masked_fill(x, m, v), _masked_fill_samples, dtypes=ALL_DTYPES,
            reference=lambda x, m, v: np.where(m, np.asarray(v).astype(x.dtype), x), errors=_masked_fill_errors),
    OpEntry("masked_select", lambda lib, x, m: lib.masked_select(x, m), _masked_select_samples, dtypes=ALL_DTYPES,
            reference=lambda x, m: np.broadcast_to(x, np.broadcast_shapes(x.shape, m.shape))[
                np.broadcast_to(m, np.broadcast_shapes(x.shape, m.shape))]),
    OpEntry("masked_scatter", lambda lib, x, m, s: lib.masked_scatter(x, m, s), _masked_scatter_samples,
            dtypes=ALL_DTYPES, reference=np_masked_scatter, errors=_masked_scatter_errors),
    OpEntry("take_along_dim", lambda lib, x, i, d: lib.take_along_dim(x, i, d), _take_along_dim_samples,
            dtypes=ALL_DTYPES, reference=np_take_along_dim),
    OpEntry("nonzero", lambda lib, x: lib.nonzero(x), _nonzero_samples, dtypes=ALL_DTYPES, reference=_nonzero_ref,
            differentiable=False),
    OpEntry("nonzero_as_tuple", lambda lib, x: lib.nonzero(x, as_tuple=True), _nonzero_samples, dtypes=ALL_DTYPES,
            reference=lambda x: tuple(np.nonzero(x.reshape(-1) if x.ndim == 0 else x)), differentiable=False),
    OpEntry("argwhere", lambda lib, x: lib.argwhere(x), _nonzero_samples, dtypes=ALL_DTYPES, reference=_nonzero_ref,
            differentiable=False),
]
