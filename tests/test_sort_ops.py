"""Focused tests of sorting, selection, unique and searchsorted: stability over many ties, NaN
and infinities, large and non-contiguous inputs, every dtype, the named tuples, and the cases
where PyTorch is the only oracle (NaN in unique and searchsorted, unsorted topk)."""
import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, assert_close, assert_unchanged, is_float, snapshot, to_numpy, torch_dtype

NAN, INF = float("nan"), float("inf")


def _torch():
    return pytest.importorskip("torch")


def test_named_tuples():
    x = ember.tensor([[3.0, 1.0, 2.0]])
    for result, name in ((ember.sort(x), "sort"), (x.topk(2), "topk"), (x.kthvalue(1), "kthvalue"),
                         (x.median(1), "median"), (x.nanmedian(1), "nanmedian")):
        assert type(result).__name__ == name
        assert type(result) is getattr(ember.return_types, name)
        values, indices = result
        assert values is result.values and indices is result.indices
        assert indices.dtype == ember.int64


def test_stable_over_many_ties():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, size=(7, 1500))
    t = ember.tensor(x)
    for dim in (0, 1):
        values, indices = ember.sort(t, dim=dim)
        want = np.argsort(x, axis=dim, kind="stable")
        np.testing.assert_array_equal(to_numpy(indices), want)
        np.testing.assert_array_equal(to_numpy(values), np.take_along_axis(x, want, dim))
        # descending and stable: ties still in their original order
        idx = to_numpy(ember.argsort(t, dim=dim, descending=True))
        np.testing.assert_array_equal(np.take_along_axis(x, idx, dim), -np.sort(-x, axis=dim))
        moved = np.moveaxis(idx, dim, -1)
        vals = np.moveaxis(np.take_along_axis(x, idx, dim), dim, -1)
        assert np.all((np.diff(vals, axis=-1) != 0) | (np.diff(moved, axis=-1) > 0))


def test_nan_inf_and_signed_zero_match_torch():
    torch = _torch()
    data = [NAN, 1.0, -INF, 0.0, -0.0, INF, NAN, -1.0, 0.0, 1.0]
    for dtype in (ember.float32, ember.float64, ember.float16, ember.bfloat16):
        t = ember.tensor(data, dtype=dtype)
        tt = torch.tensor(data, dtype=torch_dtype(torch, dtype))
        for descending in (False, True):
            v, i = ember.sort(t, descending=descending)
            tv, ti = torch.sort(tt, descending=descending, stable=True)
            np.testing.assert_array_equal(to_numpy(i), ti.numpy())
            np.testing.assert_array_equal(np.signbit(to_numpy(v).astype(np.float64)),
                                          np.signbit(tv.float().numpy()))
        v, i = ember.topk(t, 4)
        tv, ti = torch.topk(tt, 4)
        np.testing.assert_array_equal(to_numpy(v[1:]).astype(np.float64), tv[1:].float().numpy())
        assert np.isnan(float(v[0])) and int(i[0]) == 0


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: str(d).rsplit(".", 1)[-1])
def test_sort_every_dtype_non_contiguous(dtype):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 9, size=(6, 10)).astype(np.float64)
    if dtype == ember.bool:
        base = base > 4
    t = ember.tensor(base, dtype=dtype)
    views = [(t.t(), base.T), (t[::-1, ::2], base[::-1, ::2]), (t[:, 3], base[:, 3])]
    for view, ref in views:
        before = snapshot(t)
        values, indices = view.sort(dim=0)
        want = np.argsort(ref, axis=0, kind="stable")
        np.testing.assert_array_equal(to_numpy(indices), want)
        np.testing.assert_array_equal(to_numpy(values).astype(np.float64),
                                      np.take_along_axis(ref, want, 0).astype(np.float64))
        assert values.dtype == dtype and values.is_contiguous()
        assert_unchanged(before)


def test_large_parallel_rows():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((300, 700)).astype(np.float32)
    t = ember.tensor(x)
    np.testing.assert_array_equal(to_numpy(t.sort(1).values), np.sort(x, 1))
    np.testing.assert_array_equal(to_numpy(t.sort(0).indices), np.argsort(x, 0, kind="stable"))
    v, i = t.topk(5, dim=1)
    np.testing.assert_array_equal(to_numpy(v), -np.sort(-x, 1)[:, :5])
    v, i = t.kthvalue(100, dim=0)
    np.testing.assert_array_equal(to_numpy(v), np.sort(x, 0)[99])
    np.testing.assert_array_equal(x[to_numpy(i), np.arange(700)], to_numpy(v))


def test_topk_unsorted_and_bool():
    rng = np.random.default_rng(3)
    x = rng.permutation(50).astype(np.float64)
    v, i = ember.topk(ember.tensor(x), 7, sorted=False)
    assert sorted(to_numpy(v).tolist()) == sorted(x.tolist())[-7:]
    np.testing.assert_array_equal(x[to_numpy(i)], to_numpy(v))
    v, i = ember.topk(ember.tensor([False, True, False, True]), 3)
    assert to_numpy(v).tolist() == [True, True, False] and to_numpy(i).tolist() == [1, 3, 0]
    v, i = ember.tensor([[1, 5, 3]]).topk(2, largest=False)
    assert to_numpy(v).tolist() == [[1, 3]] and to_numpy(i).tolist() == [[0, 2]]


def test_median_nanmedian_edges():
    assert np.isnan(float(ember.median(ember.tensor([], dtype=ember.float32))))
    with pytest.raises(ValueError, match="empty int64"):
        ember.median(ember.tensor([], dtype=ember.int64))
    assert float(ember.median(ember.tensor([4.0, 1.0, 3.0, 2.0]))) == 2.0  # the lower middle
    v, i = ember.nanmedian(ember.tensor([[NAN, NAN], [1.0, NAN]]), 1)
    assert np.isnan(float(v[0])) and float(v[1]) == 1.0 and int(i[1]) == 0
    v, i = ember.tensor([1.0, NAN, 3.0, NAN]).median(0)
    assert np.isnan(float(v)) and int(i) == 1  # the first NaN, as PyTorch
    assert float(ember.tensor(5.0).median()) == 5.0
    with pytest.raises(IndexError, match="non-zero size"):
        ember.median(ember.zeros(2, 0), 1)


def test_quantile_against_numpy():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 8))
    t = ember.tensor(x)
    assert_close(ember.quantile(t, [0.1, 0.5, 0.9], dim=1), np.quantile(x, [0.1, 0.5, 0.9], axis=1), ember.float64)
    assert_close(t.quantile(0.25), np.asarray(np.quantile(x, 0.25)), ember.float64)
    assert_close(ember.quantile(t, 0.5, dim=0, keepdim=True), np.quantile(x, 0.5, axis=0, keepdims=True),
                 ember.float64)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        ember.quantile(t, 1.5)
    with pytest.raises(TypeError, match="float32 or float64"):
        ember.quantile(ember.tensor([1, 2]), 0.5)


def test_unique_against_torch_with_nan():
    torch = _torch()
    for data in ([NAN, 1.0, NAN, 2.0, 1.0], [[NAN, 1.0], [NAN, 1.0], [0.0, 2.0]]):
        got = ember.unique(ember.tensor(data), return_inverse=True, return_counts=True)
        want = torch.unique(torch.tensor(data), return_inverse=True, return_counts=True)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(to_numpy(g), w.numpy())
    # Along a dim, rows holding NaN are distinct and sort after the others, as NaN does in
    # sort (PyTorch's row order with NaN follows from comparisons that are false both ways).
    values, inverse = ember.unique(ember.tensor([[NAN, 1.0], [NAN, 1.0], [0.0, 2.0]]), dim=0, return_inverse=True)
    np.testing.assert_array_equal(to_numpy(values), [[0.0, 2.0], [NAN, 1.0], [NAN, 1.0]])
    assert to_numpy(inverse).tolist() == [1, 2, 0]
    got = ember.unique_consecutive(ember.tensor([NAN, NAN, 1.0, 1.0]), return_counts=True)
    want = torch.unique_consecutive(torch.tensor([NAN, NAN, 1.0, 1.0]), return_counts=True)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(to_numpy(g), w.numpy())


def test_unique_forms():
    t = ember.tensor([[1, 2], [1, 2], [0, 5]])
    assert to_numpy(t.unique()).tolist() == [0, 1, 2, 5]
    assert to_numpy(t.unique(sorted=False)).tolist() == [0, 1, 2, 5]
    values, inverse = ember.unique(t, dim=0, return_inverse=True)
    assert to_numpy(values).tolist() == [[0, 5], [1, 2]] and to_numpy(inverse).tolist() == [1, 1, 0]
    values, counts = ember.unique(t, dim=1, return_counts=True)
    assert to_numpy(values).tolist() == [[1, 2], [1, 2], [0, 5]] and to_numpy(counts).tolist() == [1, 1]
    values, inverse, counts = ember.tensor([[2, 2], [2, 2], [3, 3]]).unique_consecutive(
        return_inverse=True, return_counts=True, dim=0)
    assert to_numpy(values).tolist() == [[2, 2], [3, 3]]
    assert to_numpy(inverse).tolist() == [0, 0, 1] and to_numpy(counts).tolist() == [2, 1]
    values, inverse = ember.unique(ember.tensor(7), return_inverse=True)
    assert to_numpy(values).tolist() == [7] and inverse.shape == ()
    values, inverse, counts = ember.unique(ember.zeros(3, 0), dim=0, return_inverse=True, return_counts=True)
    assert values.shape == (1, 0) and to_numpy(inverse).tolist() == [0, 0, 0] and to_numpy(counts).tolist() == [3]


def test_searchsorted_nan_scalars_and_bucketize():
    torch = _torch()
    seq, vals = [1.0, 2.0, 2.0, NAN], [NAN, 2.0, -INF, 5.0]
    for right in (False, True):
        got = ember.searchsorted(ember.tensor(seq), ember.tensor(vals), right=right)
        want = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right)
        np.testing.assert_array_equal(to_numpy(got), want.numpy())
    r = ember.searchsorted(ember.tensor([1, 3, 5]), 3, side="right")
    assert r.shape == () and int(r) == 2 and r.dtype == ember.int64
    r = ember.bucketize(ember.tensor([[0.5, 3.0]]), ember.tensor([1.0, 3.0]), out_int32=True)
    assert r.dtype == ember.int32 and to_numpy(r).tolist() == [[0, 1]]
    r = ember.searchsorted(ember.tensor([1, 2, 3]), ember.tensor([2.5]))  # promoted to float
    assert to_numpy(r).tolist() == [2]


def test_count_nonzero():
    t = ember.tensor([[0.0, 1.0, NAN], [0.0, 0.0, -0.0]])
    assert int(ember.count_nonzero(t)) == 2
    assert to_numpy(t.count_nonzero(dim=0)).tolist() == [0, 1, 1]
    assert to_numpy(ember.count_nonzero(t, dim=(0, 1))).tolist() == 2
    assert ember.count_nonzero(t).dtype == ember.int64


def test_errors_leave_inputs_unchanged():
    t = ember.tensor([[3.0, 1.0, 2.0]])
    before = snapshot(t)
    with pytest.raises(IndexError, match=r"topk\(\): k = 4 is out of range for dim 1 of size 3"):
        t.topk(4)
    with pytest.raises(IndexError, match="kthvalue"):
        t.kthvalue(0)
    with pytest.raises(IndexError):
        t.sort(dim=2)
    with pytest.raises(ValueError, match="same leading dims"):
        ember.searchsorted(ember.zeros(2, 3), ember.zeros(3, 1))
    with pytest.raises(ValueError, match="1-D"):
        ember.bucketize(t, ember.zeros(2, 2))
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.sort([1, 2])
    assert_unchanged(before)


def test_msort_and_argsort_methods():
    x = np.array([[3, 1], [2, 5], [1, 4]])
    t = ember.tensor(x)
    np.testing.assert_array_equal(to_numpy(t.msort()), np.sort(x, 0))
    np.testing.assert_array_equal(to_numpy(t.argsort(dim=0, descending=True)), np.argsort(-x, 0, kind="stable"))
    np.testing.assert_array_equal(to_numpy(ember.argsort(t, stable=True)), np.argsort(x, 1, kind="stable"))
    for dtype in (ember.float16, ember.bfloat16):
        assert is_float(dtype)
        h = ember.tensor([2.5, -1.0, 0.5], dtype=dtype)
        assert to_numpy(h.sort().indices).tolist() == [1, 2, 0]


def _stable_order(x, descending):
    """The stable order with NaN last (first when descending), -0.0 equal to 0.0."""
    x = x.astype(np.float64)
    nan = np.isnan(x)
    key = np.where(nan, 0.0, x)
    if descending:
        return np.lexsort((np.arange(x.size), -key, ~nan))
    return np.lexsort((np.arange(x.size), key, nan))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: str(d).rsplit(".", 1)[-1])
def test_long_rows_radix_path(dtype):
    """Rows of 1024 and more take the radix sort: the same order as the comparison sort."""
    rng = np.random.default_rng(7)
    n = 3001
    if dtype == ember.bool:
        x = rng.random(n) < 0.5
    elif is_float(dtype):
        x = np.round(rng.standard_normal(n) * 4, 1)  # many ties
        x[::17] = np.nan
        x[::23] = -0.0
        x[5::29] = np.inf
        x[7::31] = -np.inf
    else:
        info = np.iinfo({ember.uint8: np.uint8, ember.int8: np.int8, ember.int16: np.int16,
                         ember.int32: np.int32, ember.int64: np.int64}[dtype])
        x = rng.integers(info.min, info.max, size=n, endpoint=True)
        x[::5] = info.min
        x[1::7] = info.max
    t = ember.tensor(x, dtype=dtype)
    ref = to_numpy(t)  # the values as stored (rounded for the 16-bit floats)
    for descending in (False, True):
        values, indices = t.sort(descending=descending)
        want = _stable_order(ref, descending)
        np.testing.assert_array_equal(to_numpy(indices), want)
        np.testing.assert_array_equal(to_numpy(values).view(np.uint8), ref[want].view(np.uint8))  # bits kept
    # a strided view along dim 0, several rows at once
    m = ember.tensor(np.stack([x, x[::-1]], 1), dtype=dtype)[::-1]
    got = to_numpy(m.argsort(dim=0))
    np.testing.assert_array_equal(got[:, 0], _stable_order(to_numpy(m)[:, 0], False))
    np.testing.assert_array_equal(got[:, 1], _stable_order(to_numpy(m)[:, 1], False))
