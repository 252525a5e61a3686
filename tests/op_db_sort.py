"""op_db entries: sorting, selection, unique, searchsorted, einsum and tensordot."""
import numpy as np

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, is_float
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

NUMERIC_DTYPES = FLOAT_DTYPES + INT_DTYPES


# ---------------------------------------------------------------------------
# References: NaN sorts last (first when descending), ties keep their order
# ---------------------------------------------------------------------------

def _order(row, descending):
    row = np.asarray(row, dtype=np.float64)
    nan = np.isnan(row)
    if descending:
        return sorted(range(len(row)), key=lambda i: (not nan[i], 0.0 if nan[i] else -row[i], i))
    return sorted(range(len(row)), key=lambda i: (bool(nan[i]), 0.0 if nan[i] else row[i], i))


def _argsort_ref(x, dim=-1, descending=False):
    x = np.asarray(x)
    if x.ndim == 0:
        return np.zeros((), np.int64)
    moved = np.moveaxis(x, dim, -1)
    idx = np.zeros(moved.shape, np.int64)
    for pos in np.ndindex(moved.shape[:-1]):
        idx[pos] = _order(moved[pos], descending)
    return np.moveaxis(idx, -1, dim)


def sort_ref(x, dim=-1, descending=False, stable=False):
    idx = _argsort_ref(x, dim, descending)
    values = np.asarray(x) if np.ndim(x) == 0 else np.take_along_axis(np.asarray(x), idx, dim)
    return values, idx


def topk_ref(x, k, dim=-1, largest=True, sorted=True):
    values, idx = sort_ref(x, dim, descending=largest)
    if np.ndim(x) == 0:
        return values, idx
    sl = [slice(None)] * np.ndim(x)
    sl[dim] = slice(0, k)
    return values[tuple(sl)], idx[tuple(sl)]


def _select_ref(x, dim, keepdim, pick):
    x = np.asarray(x)
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    moved = np.moveaxis(x, dim, -1)
    values = np.zeros(moved.shape[:-1], x.dtype)
    idx = np.zeros(moved.shape[:-1], np.int64)
    for pos in np.ndindex(moved.shape[:-1]):
        i = pick(np.asarray(moved[pos], dtype=np.float64))
        values[pos], idx[pos] = moved[pos][i], i
    if keepdim:
        values, idx = np.expand_dims(values, dim), np.expand_dims(idx, dim)
    return values, idx


def kthvalue_ref(x, k, dim=-1, keepdim=False):
    return _select_ref(x, dim, keepdim, lambda row: _order(row, False)[k - 1])


def _median_pick(row):
    nan = np.flatnonzero(np.isnan(row))
    return nan[0] if nan.size else _order(row, False)[(len(row) - 1) // 2]


def _nanmedian_pick(row):
    nan = np.flatnonzero(np.isnan(row))
    if nan.size == len(row):
        return nan[0]
    return _order(row, False)[(len(row) - nan.size - 1) // 2]


def median_ref(x, dim=None, keepdim=False):
    if dim is None:
        return _select_ref(np.asarray(x).reshape(-1), 0, False, _median_pick)[0]
    return _select_ref(x, dim, keepdim, _median_pick)


def nanmedian_ref(x, dim=None, keepdim=False):
    if dim is None:
        return _select_ref(np.asarray(x).reshape(-1), 0, False, _nanmedian_pick)[0]
    return _select_ref(x, dim, keepdim, _nanmedian_pick)


# ---------------------------------------------------------------------------
# Samples
# ---------------------------------------------------------------------------

def _distinct(rng, *shape):
    """Distinct integers in [0, 128) (exact in every dtype, so no ties appear by conversion)."""
    n = int(np.prod(shape)) if shape else 1
    assert n <= 128
    return rng.permutation(n).astype(np.float64).reshape(shape)


def _with_ties(rng, *shape):
    return rng.integers(-2, 3, size=shape).astype(np.float64)


def _with_nan(rng, dtype, *shape):
    x = _with_ties(rng, *shape)
    if is_float(dtype):
        x.reshape(-1)[::3] = np.nan
    return x


def _sort_samples(rng, dtype):
    yield Sample((random_data(rng, 7),), name="1-D")
    yield Sample((_with_ties(rng, 4, 9),), {"dim": 1}, name="ties")
    yield Sample((_with_ties(rng, 5, 3),), {"dim": 0, "descending": True}, name="ties descending dim 0")
    yield Sample((_with_nan(rng, dtype, 3, 8),), {"stable": True}, name="nan")
    yield Sample((_with_nan(rng, dtype, 3, 8),), {"descending": True}, name="nan descending")
    yield Sample((random_data(rng, 2, 3, 4),), {"dim": 1}, name="3-D middle dim")
    yield Sample((random_data(rng, 0, 3),), {"dim": 0}, name="zero-size")
    yield Sample((random_data(rng),), name="0-dim")


def _topk_samples(rng, dtype):
    yield Sample((_distinct(rng, 10), 3), name="1-D")
    yield Sample((_distinct(rng, 4, 30), 2), {"dim": 1, "largest": False}, name="small k smallest")
    yield Sample((_distinct(rng, 6, 5), 6), {"dim": 0}, name="k = size")
    yield Sample((_distinct(rng, 3, 4, 5), 3), {"dim": 1}, name="3-D")
    yield Sample((_distinct(rng, 3, 4), 0), name="k = 0")
    yield Sample((random_data(rng, 0, 4), 2), name="zero rows")
    yield Sample((_distinct(rng), 1), name="0-dim")


def _kth_samples(rng, dtype):
    yield Sample((_distinct(rng, 9), 4), name="1-D")
    yield Sample((_distinct(rng, 5, 6), 1), {"dim": 0, "keepdim": True}, name="k = 1 keepdim")
    yield Sample((_distinct(rng, 3, 7), 7), {"dim": 1}, name="k = size")
    yield Sample((_distinct(rng, 2, 3, 4), 2), {"dim": 1}, name="3-D")
    yield Sample((_distinct(rng), 1), name="0-dim")


def _median_samples(rng, dtype):
    yield Sample((_distinct(rng, 9),), {"dim": 0}, name="odd")
    yield Sample((_distinct(rng, 3, 8),), {"dim": 1, "keepdim": True}, name="even keepdim")
    yield Sample((_distinct(rng, 4, 5, 3),), {"dim": -2}, name="3-D")
    yield Sample((_distinct(rng, 4, 5),), name="all values")
    yield Sample((_distinct(rng),), {"dim": 0}, name="0-dim")
    if is_float(dtype):
        x = _distinct(rng, 3, 6)
        x[0, 2] = x[0, 4] = x[2, 0] = np.nan
        yield Sample((x,), {"dim": 1}, name="nan rows")
        x = x.copy()
        x[1, :] = np.nan  # which NaN PyTorch's nanmedian reports for an all-NaN row is unspecified
        yield Sample((x,), name="all values with nan")


def _quantile_samples(rng, dtype):
    x = random_data(rng, 4, 7)
    yield Sample((random_data(rng, 9), 0.3), name="scalar q")
    yield Sample((x, Arg(np.array([0.0, 0.25, 0.5, 1.0]), dtype)), {"dim": 1}, name="1-D q along dim")
    yield Sample((x, 0.6), {"dim": 0, "keepdim": True}, name="keepdim")
    for mode in ("lower", "higher", "nearest", "midpoint"):
        yield Sample((x, Arg(np.array([0.2, 0.5, 0.9]), dtype)), {"dim": -1, "interpolation": mode}, name=mode)
    y = x.copy()
    y[1, 3] = np.nan
    yield Sample((y, 0.5), {"dim": 1}, name="nan row")


def _quantile_ref(x, q, dim=None, keepdim=False, interpolation="linear"):
    with np.errstate(invalid="ignore"):
        r = np.quantile(x, q, axis=dim, keepdims=keepdim, method=interpolation)
    return np.asarray(r)


# ---------------------------------------------------------------------------
# unique and searchsorted
# ---------------------------------------------------------------------------

def unique_ref(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=dim)
    inverse = inverse.reshape(np.shape(x)) if dim is None else inverse.reshape(-1)
    out = (values,) + ((inverse.astype(np.int64),) if return_inverse else ()) + (
        (counts.astype(np.int64),) if return_counts else ())
    return out[0] if len(out) == 1 else out


def unique_consecutive_ref(x, return_inverse=False, return_counts=False, dim=None):
    x = np.asarray(x)
    rows = x.reshape(-1, 1) if dim is None else np.moveaxis(x, dim, 0).reshape(x.shape[dim], -1)
    starts = [i for i in range(len(rows)) if i == 0 or not np.array_equal(rows[i], rows[i - 1])]
    inverse = np.cumsum([i in starts for i in range(len(rows))]) - 1
    counts = np.diff(starts + [len(rows)])
    if dim is None:
        values = rows[starts, 0]
        inverse = inverse.reshape(x.shape)
    else:
        values = np.moveaxis(np.moveaxis(x, dim, 0)[starts], 0, dim)
    out = (values,) + ((inverse.astype(np.int64),) if return_inverse else ()) + (
        (counts.astype(np.int64),) if return_counts else ())
    return out[0] if len(out) == 1 else out


def _unique_samples(rng, dtype):
    yield Sample((_with_ties(rng, 12),), name="1-D")
    yield Sample((_with_ties(rng, 3, 5),), {"return_inverse": True, "return_counts": True}, name="2-D flat")
    yield Sample((_with_ties(rng, 6, 2) // 2,), {"dim": 0, "return_inverse": True, "return_counts": True},
                 name="rows")
    yield Sample((_with_ties(rng, 2, 7) // 2,), {"dim": 1, "return_inverse": True}, name="columns")
    yield Sample((random_data(rng, 0),), {"return_counts": True}, name="empty")
    yield Sample((random_data(rng),), {"return_inverse": True}, name="0-dim")


def searchsorted_ref(seq, values, out_int32=False, right=False, side=None, sorter=None):
    side = side or ("right" if right else "left")
    seq, values = np.asarray(seq), np.asarray(values)
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter, -1)
    if seq.ndim == 1:
        out = np.searchsorted(seq, values, side=side)
    else:
        rows = [np.searchsorted(s, v, side=side) for s, v in
                zip(seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1]))]
        out = np.stack(rows).reshape(values.shape) if rows else np.zeros(values.shape, np.int64)
    return np.asarray(out).astype(np.int32 if out_int32 else np.int64)


def _searchsorted_samples(rng, dtype):
    seq = np.sort(_with_ties(rng, 8))
    yield Sample((seq, _with_ties(rng, 3, 4)), name="1-D sequence")
    yield Sample((seq, _with_ties(rng, 5)), {"right": True}, name="right")
    yield Sample((seq, _with_ties(rng, 5)), {"side": "right", "out_int32": True}, name="side right int32")
    yield Sample((np.sort(_with_ties(rng, 2, 3, 6), axis=-1), _with_ties(rng, 2, 3, 4)), name="batched rows")
    unsorted = rng.permutation(7).astype(np.float64)  # non-negative: unchanged in every dtype
    yield Sample((unsorted, _with_ties(rng, 6)), {"sorter": np.argsort(unsorted, kind="stable")}, name="sorter")
    yield Sample((seq, random_data(rng, 0)), name="no values")
    yield Sample((random_data(rng, 0), _with_ties(rng, 3)), name="empty sequence")
    yield Sample((random_data(rng, 0, 3), random_data(rng, 0, 2)), name="no rows")


def _bucketize_samples(rng, dtype):
    bounds = np.sort(_distinct(rng, 6))
    yield Sample((_with_ties(rng, 3, 4) * 2, bounds), name="2-D")
    yield Sample((_with_ties(rng, 7) * 2, bounds), {"right": True, "out_int32": True}, name="right")
    yield Sample((_with_ties(rng) * 2, bounds), name="0-dim")


def _count_nonzero_samples(rng, dtype):
    yield Sample((_with_ties(rng, 4, 5),), name="all")
    yield Sample((_with_ties(rng, 4, 5),), {"dim": 1}, name="dim")
    yield Sample((_with_ties(rng, 2, 3, 4),), {"dim": (0, 2)}, name="dims")
    yield Sample((random_data(rng, 0, 3),), {"dim": 0}, name="zero-size")


def _count_nonzero_ref(x, dim=None):
    return np.asarray(np.count_nonzero(x, axis=dim)).astype(np.int64)


# ---------------------------------------------------------------------------
# einsum, tensordot, kron
# ---------------------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk->ik", (3, 4), (4, 5)),
    ("ij,jk", (3, 4), (4, 2)),
    ("ii->", (4, 4)),
    ("ii", (3, 3)),
    ("ii->i", (3, 3)),
    ("iji->j", (2, 3, 2)),
    ("i,j->ij", (3,), (4,)),
    ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    ("...ij,...jk->...ik", (2, 1, 3, 4), (5, 4, 2)),
    ("i...->...", (3, 2, 2)),
    ("ij->ji", (3, 4)),
    ("ij->", (3, 4)),
    ("ijk,ikl,ilm->jm", (2, 3, 4), (2, 4, 3), (2, 3, 2)),
    ("i,i->", (5,), (5,)),
    ("ij,ij->ij", (3, 4), (3, 4)),
    ("abc,cd,de->abe", (2, 3, 4), (4, 5), (5, 2)),
    ("i,i,i->i", (4,), (4,), (4,)),
    ("ij,kl->ijkl", (2, 3), (2, 2)),
    ("ij,j->i", (0, 3), (3,)),
    ("ij,jk->ik", (2, 0), (0, 3)),
    (" i j , j k -> i k ", (2, 3), (3, 2)),
    ("Ab,bC->AC", (2, 3), (3, 4)),
]


def _einsum_samples(rng, dtype):
    for eq, *shapes in EINSUM_CASES:
        yield Sample((eq,) + tuple(random_data(rng, *s, low=-2, high=2) for s in shapes), name=eq)


def _einsum_errors():
    yield ErrorCase(("ij,jk->ik", np.zeros((2, 3))), exc=ValueError, match="2 operands but 1 tensor")
    yield ErrorCase(("ij,jk->ik", np.zeros((2, 3)), np.zeros((4, 2))), exc=ValueError,
                    match="subscript 'j' has size 3 in operand 0 but size 4 in operand 1")
    yield ErrorCase(("i1->i", np.zeros((2, 3))), exc=ValueError, match="invalid subscript '1'")
    yield ErrorCase(("ijk->i", np.zeros((2, 3))), exc=ValueError, match="has 2 dims")
    yield ErrorCase(("ij->k", np.zeros((2, 3))), exc=ValueError, match="'k' does not appear")
    yield ErrorCase(("ij->ii", np.zeros((2, 3))), exc=ValueError, match="more than once")
    yield ErrorCase(("ii->i", np.zeros((2, 3))), exc=ValueError, match="repeated in operand 0 for dims of sizes 2 and 3")
    yield ErrorCase(("i->i->i", np.zeros(2)), exc=ValueError, match="more than one '->'")
    yield ErrorCase(("....->", np.zeros(2)), exc=ValueError, match="'.'")
    yield ErrorCase(("ij,jk", np.zeros((2, 3)), Arg(np.zeros((3, 2)), ember.float64)), exc=TypeError,
                    match="share one dtype")


def _tensordot_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s, low=-2, high=2)
    yield Sample((r(3, 4, 5), r(4, 5, 2)), name="dims=2")
    yield Sample((r(3, 4), r(4, 2)), {"dims": 1}, name="dims=1")
    yield Sample((r(3, 4), r(2, 5)), {"dims": 0}, name="outer")
    yield Sample((r(3, 4, 5), r(5, 3, 2)), {"dims": ([0, 2], [1, 0])}, name="dim lists")
    yield Sample((r(0, 4), r(4, 2)), {"dims": 1}, name="zero-size")


def _tensordot_errors():
    yield ErrorCase((np.zeros((2, 3)), np.zeros((4, 2))), {"dims": 1}, exc=ValueError,
                    match="contracted dims differ in size")
    yield ErrorCase((np.zeros((2, 3)), np.zeros((3, 2))), {"dims": ([0, 1], [0])}, exc=ValueError,
                    match="same length")


def _kron_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s, low=-2, high=2)
    yield Sample((r(2, 3), r(3, 2)), name="2-D")
    yield Sample((r(3), r(2, 2)), name="mixed dims")
    yield Sample((r(2, 0), r(2, 2)), name="zero-size")


def _sort_errors():
    yield ErrorCase((np.zeros((2, 3)),), {"dim": 2}, exc=IndexError, match="sort")


def _topk_errors():
    yield ErrorCase((np.zeros((2, 3)), 4), exc=IndexError, match="k = 4 is out of range for dim 1 of size 3")
    yield ErrorCase((np.zeros((2, 3)), -1), exc=IndexError, match="out of range")


def _kth_errors():
    yield ErrorCase((np.zeros((2, 3)), 0), exc=IndexError, match="k = 0 is out of range")
    yield ErrorCase((np.zeros((2, 0)), 1), exc=IndexError, match="non-zero size")


def _searchsorted_errors():
    yield ErrorCase((np.zeros((2, 3)), np.zeros((3, 2))), exc=ValueError, match="same leading dims")
    yield ErrorCase((np.zeros(3), np.zeros(2)), {"side": "middle"}, exc=ValueError, match="'left' or 'right'")
    yield ErrorCase((np.zeros(3), np.zeros(2)), {"side": "left", "right": True}, exc=ValueError,
                    match="contradict")
    yield ErrorCase((np.zeros(3), np.zeros(2)), {"sorter": np.array([0, 1, 3])}, exc=IndexError,
                    match="sorter holds index 3")


def _unique_errors():
    yield ErrorCase((np.zeros((2, 3)),), {"dim": 2}, exc=IndexError, match="unique")


_INDEX_OUT = lambda dtype: (dtype, ember.int64)  # noqa: E731
_LOW = {ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 5e-2)}

ENTRIES = [
    OpEntry("sort", lambda lib, x, **kw: lib.sort(x, **kw), _sort_samples, dtypes=ALL_DTYPES,
            reference=sort_ref, out_dtypes=_INDEX_OUT, differentiable=True, errors=_sort_errors),
    OpEntry("argsort", lambda lib, x, **kw: lib.argsort(x, **kw),
            lambda rng, dtype: (s for s in _sort_samples(rng, dtype) if "descending" in s.kwargs or "dim" in s.kwargs),
            dtypes=ALL_DTYPES, reference=lambda x, **kw: sort_ref(x, **kw)[1], differentiable=False),
    OpEntry("msort", lambda lib, x: lib.msort(x), lambda rng, dtype: [Sample((_with_ties(rng, 5, 3),))],
            dtypes=NUMERIC_DTYPES, reference=lambda x: sort_ref(x, 0)[0]),
    OpEntry("topk", lambda lib, x, k, **kw: lib.topk(x, k, **kw), _topk_samples, dtypes=NUMERIC_DTYPES,
            reference=topk_ref, out_dtypes=_INDEX_OUT, errors=_topk_errors),
    OpEntry("kthvalue", lambda lib, x, k, **kw: lib.kthvalue(x, k, **kw), _kth_samples, dtypes=NUMERIC_DTYPES,
            reference=kthvalue_ref, out_dtypes=_INDEX_OUT, errors=_kth_errors),
    OpEntry("median", lambda lib, x, **kw: lib.median(x, **kw), _median_samples, dtypes=NUMERIC_DTYPES,
            reference=median_ref),
    OpEntry("nanmedian", lambda lib, x, **kw: lib.nanmedian(x, **kw), _median_samples, dtypes=NUMERIC_DTYPES,
            reference=nanmedian_ref),
    OpEntry("quantile", lambda lib, x, q, **kw: lib.quantile(x, q, **kw), _quantile_samples,
            dtypes=(ember.float32, ember.float64), reference=_quantile_ref),
    OpEntry("unique", lambda lib, x, **kw: lib.unique(x, **kw), _unique_samples, dtypes=ALL_DTYPES,
            reference=unique_ref, differentiable=False, errors=_unique_errors),
    OpEntry("unique_consecutive", lambda lib, x, **kw: lib.unique_consecutive(x, **kw), _unique_samples,
            dtypes=ALL_DTYPES, reference=unique_consecutive_ref, differentiable=False),
    OpEntry("searchsorted", lambda lib, s, v, **kw: lib.searchsorted(s, v, **kw), _searchsorted_samples,
            dtypes=NUMERIC_DTYPES, reference=searchsorted_ref, differentiable=False, errors=_searchsorted_errors),
    OpEntry("bucketize", lambda lib, x, b, **kw: lib.bucketize(x, b, **kw), _bucketize_samples,
            dtypes=NUMERIC_DTYPES, reference=lambda x, b, out_int32=False, right=False: searchsorted_ref(
                b, x, out_int32, right), differentiable=False),
    OpEntry("count_nonzero", lambda lib, x, **kw: lib.count_nonzero(x, **kw), _count_nonzero_samples,
            dtypes=ALL_DTYPES, reference=_count_nonzero_ref, differentiable=False),
    OpEntry("einsum", lambda lib, eq, *ops: lib.einsum(eq, *ops), _einsum_samples, dtypes=FLOAT_DTYPES,
            reference=lambda eq, *ops: np.asarray(np.einsum(eq, *ops)), tolerances=_LOW, errors=_einsum_errors),
    # Integer einsum keeps the operands' dtype (as NumPy); PyTorch turns some integer sums into
    # int64, so it is no oracle here.
    OpEntry("einsum_int", lambda lib, eq, *ops: lib.einsum(eq, *ops), _einsum_samples, dtypes=INT_DTYPES,
            reference=lambda eq, *ops: np.asarray(np.einsum(eq, *ops)), torch=False),
    OpEntry("tensordot", lambda lib, a, b, **kw: lib.tensordot(a, b, **kw), _tensordot_samples,
            dtypes=FLOAT_DTYPES + INT_DTYPES, reference=lambda a, b, dims=2: np.tensordot(a, b, dims),
            tolerances=_LOW, errors=_tensordot_errors),
    OpEntry("kron", lambda lib, a, b: lib.kron(a, b), _kron_samples, dtypes=NUMERIC_DTYPES, reference=np.kron),
]
