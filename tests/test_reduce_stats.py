"""var, std, norm, logsumexp, max/min with dim, argmax/argmin against numpy: dtypes, dims,
layouts, NaN semantics, ties (first index), stability, empty and 0-dim inputs."""
import numpy as np
import pytest

import ember
from conftest import (ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_close, layouts, make_tensor, numpy_axis,
                      sample, to_numpy)

DIMS = [None, 0, -1, (0, 2), (2, 1), ()]


def np_norm(a, p, axis, keepdims):
    a = np.abs(a.astype(np.float64))
    with np.errstate(all="ignore"):
        if p == 0:
            return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(np.float64)
        if p == np.inf:
            return np.max(a, axis=axis, keepdims=keepdims)
        if p == -np.inf:
            return np.min(a, axis=axis, keepdims=keepdims)
        return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def np_logsumexp(a, axis, keepdims):
    with np.errstate(all="ignore"):
        m = np.max(a, axis=axis, keepdims=True)
        shift = np.where(np.isinf(m), 0.0, m)
        r = np.log(np.sum(np.exp(a - shift), axis=axis, keepdims=True)) + shift
    return r if keepdims else (np.squeeze(r, axis=axis) if axis is not None else r.reshape(()))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy on slices with correction >= size
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std(op, dtype, rng):
    a, t = sample(rng, (4, 3, 6), dtype)
    ref = np.var if op == "var" else np.std
    for name, av, tv in layouts(a, t):
        for dim in DIMS:
            for correction in (0, 1, 2):
                for keepdim in (False, True):
                    got = getattr(ember, op)(tv, dim, correction=correction, keepdim=keepdim)
                    assert_close(got, ref(av, axis=numpy_axis(dim), ddof=correction, keepdims=keepdim), dtype)


def test_var_spellings(rng):
    a, t = sample(rng, (5, 4), ember.float64)
    assert_close(ember.var(t), a.var(ddof=1), ember.float64)
    assert_close(ember.var(t, False), a.var(), ember.float64)               # var(input, unbiased)
    assert_close(ember.var(t, 1, False), a.var(1), ember.float64)           # var(input, dim, unbiased)
    assert_close(ember.var(t, 1, True, True), a.var(1, ddof=1, keepdims=True), ember.float64)
    assert_close(t.var(0, unbiased=False), a.var(0), ember.float64)
    assert_close(t.std(dim=(0, 1), correction=0), a.std(), ember.float64)
    assert_close(t.std(unbiased=True), a.std(ddof=1), ember.float64)
    v, m = ember.var_mean(t, 0)
    assert_close(v, a.var(0, ddof=1), ember.float64)
    assert_close(m, a.mean(0), ember.float64)
    s, m = ember.std_mean(t, 1, correction=0, keepdim=True)
    assert_close(s, a.std(1, keepdims=True), ember.float64)
    assert_close(m, a.mean(1, keepdims=True), ember.float64)
    with pytest.raises(TypeError):
        ember.var(t, unbiased=True, correction=0)


def test_var_correction_beyond_count():
    t = make_tensor(np.array([1.0, 2.0, 4.0], np.float32))
    assert t.var(correction=3).item() == np.inf
    assert t.var(correction=5).item() == np.inf
    assert np.isnan(ember.ones(3).var(correction=5).item())
    assert np.isnan(ember.ones(1).var().item())
    assert ember.ones(1).var(correction=0).item() == 0


@pytest.mark.parametrize("dtype,offset", [(ember.float32, 1e4), (ember.float64, 1e8), (ember.float32, 1e6)])
def test_var_stable_with_large_mean(dtype, offset):
    rng = np.random.default_rng(3)
    a = (offset + rng.standard_normal(200_001)).astype(np.float32 if dtype == ember.float32 else np.float64)
    t = make_tensor(a)
    exact = a.astype(np.float64).var(ddof=1)
    assert abs(t.var().item() - exact) / exact < 1e-5
    # the same along rows and columns
    m = a[:200_000].reshape(400, 500)
    tm = make_tensor(m)
    np.testing.assert_allclose(to_numpy(tm.var(0)), m.astype(np.float64).var(0, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(to_numpy(tm.var(1)), m.astype(np.float64).var(1, ddof=1), rtol=1e-5)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("p", [2, 1, 0, np.inf, -np.inf, 3, 0.5, 1.5, -1])
def test_norm(p, dtype, rng):
    a, t = sample(rng, (4, 3, 6), dtype)
    a[0, 0, :2] = 0
    t = make_tensor(a, dtype)
    for name, av, tv in layouts(a, t):
        for dim in DIMS:
            for keepdim in (False, True):
                got = ember.norm(tv, p, dim, keepdim)
                assert_close(got, np_norm(av, p, numpy_axis(dim), keepdim), dtype)


def test_norm_forms(rng):
    a, t = sample(rng, (3, 4), ember.float64)
    assert_close(t.norm(), np.sqrt((a ** 2).sum()), ember.float64)
    assert_close(ember.norm(t, "fro", dim=(0, 1)), np.sqrt((a ** 2).sum()), ember.float64)
    assert_close(t.norm(dim=1, keepdim=True), np.sqrt((a ** 2).sum(1, keepdims=True)), ember.float64)
    assert_close(t.norm(1, dtype=ember.float32), np.abs(a).sum(), ember.float32)
    assert_close(t.norm(float("inf"), 0), np.abs(a).max(0), ember.float64)
    with pytest.raises(NotImplementedError):
        t.norm("nuc")
    x = make_tensor(np.array([1.0, np.nan, -3.0], np.float32))
    assert np.isnan(x.norm(np.inf).item()) and np.isnan(x.norm().item())
    assert_close(ember.zeros(0).norm(), np.array(0.0), ember.float32)
    assert_close(ember.zeros(0, 3).norm(0, dim=0), np.zeros(3), ember.float32)
    with pytest.raises(RuntimeError, match="inf norm"):
        ember.zeros(0).norm(np.inf)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + (ember.int32, ember.bool), ids=str)
def test_logsumexp(dtype, rng):
    a, t = sample(rng, (4, 3, 6), dtype)
    want = dtype if dtype in FLOAT_DTYPES else ember.float32
    for name, av, tv in layouts(a, t):
        for dim in DIMS:
            for keepdim in (False, True):
                got = ember.logsumexp(tv, dim, keepdim)
                assert_close(got, np_logsumexp(av.astype(np.float64), numpy_axis(dim), keepdim), want)


def test_logsumexp_extremes():
    a = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0], [1000.0, 1000.0], [-1000.0, -1e30]],
                 np.float32)
    t = make_tensor(a)
    assert_close(t.logsumexp(1), [-np.inf, np.inf, np.nan, 1000.0 + np.log(2.0), -1000.0], ember.float32)
    big = np.linspace(-50, 50, 100_003).astype(np.float32)
    assert_close(make_tensor(big).logsumexp(0), np_logsumexp(big.astype(np.float64), 0, False), ember.float32)
    assert_close(ember.zeros(0, 2).logsumexp(0), np.full(2, -np.inf), ember.float32)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_max_min_dim(dtype, rng):
    a, t = sample(rng, (5, 4, 7), dtype, low=-2, high=3)  # small range: many ties
    for name, av, tv in layouts(a, t):
        for dim in (0, 1, 2, -1):
            for keepdim in (False, True):
                for op, npv, npi in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
                    r = getattr(tv, op)(dim, keepdim)
                    values, indices = r
                    assert r.values is values and r.indices is indices
                    assert_close(values, npv(av, axis=dim, keepdims=keepdim), dtype)
                    assert_close(indices, npi(av, axis=dim, keepdims=keepdim), ember.int64)


@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES if d != ember.bool], ids=str)
def test_argmax_argmin(dtype, rng):
    a, t = sample(rng, (5, 4, 7), dtype, low=-2, high=3)
    for name, av, tv in layouts(a, t):
        for fn, npf in ((ember.argmax, np.argmax), (ember.argmin, np.argmin)):
            assert_close(fn(tv), np.array(npf(av)), ember.int64)
            assert_close(fn(tv, keepdim=True), np.array(npf(av)).reshape(1, 1, 1), ember.int64)
            for dim in (0, 1, -1):
                assert_close(fn(tv, dim), npf(av, axis=dim), ember.int64)
                assert_close(fn(tv, dim, True), npf(av, axis=dim, keepdims=True), ember.int64)


def test_full_max_min(rng):
    for dtype in ALL_DTYPES:
        a, t = sample(rng, (3, 8), dtype)
        assert_close(ember.max(t), np.array(a.max()), dtype)
        assert_close(t.min(), np.array(a.min()), dtype)


@pytest.mark.parametrize("n", [7, 300, 100_003])
def test_ties_and_nan_first_index(n):
    a = np.zeros(n, np.float32)
    a[[n // 5, n // 2, n - 1]] = 3.0
    t = make_tensor(a)
    assert t.argmax().item() == n // 5
    assert t.max(0).indices.item() == n // 5
    assert t.argmin().item() == 0
    a[[n // 3, n - 2]] = np.nan
    t = make_tensor(a)
    assert t.argmax().item() == n // 3 and t.argmin().item() == n // 3
    assert np.isnan(t.max(0).values.item())
    # columns: ties down a column and NaN in a later row
    m = np.zeros((n, 3), np.float32)
    m[[1, n - 1], 0] = 5
    m[n - 1, 1] = np.nan
    tm = make_tensor(m)
    assert_close(tm.argmax(0), [1, n - 1, 0], ember.int64)
    assert_close(tm.max(0).indices, [1, n - 1, 0], ember.int64)
    assert_close(tm.argmin(0), [0, n - 1, 0], ember.int64)


def test_all_minus_inf_and_ints():
    t = make_tensor(np.full(5, -np.inf, np.float32))
    assert t.argmax().item() == 0 and t.argmin().item() == 0
    i = make_tensor(np.array([np.iinfo(np.int64).min] * 3, np.int64))
    assert i.argmax().item() == 0
    assert_close(i.max(0).values, np.array(np.iinfo(np.int64).min), ember.int64)
    u = make_tensor(np.array([0, 255, 255], np.uint8))
    assert u.argmax().item() == 1 and u.max().item() == 255


def test_bool_max():
    t = make_tensor(np.array([[False, True], [False, False]]))
    assert_close(t.amax(1), [True, False], ember.bool)
    assert_close(t.max(), np.array(True), ember.bool)
    assert_close(t.max(1).indices, [1, 0], ember.int64)
    assert_close(t.min(0).values, [False, False], ember.bool)


def test_zero_dim_and_empty(rng):
    s = ember.full((), 4.0)
    values, indices = s.max(0)
    assert_close(values, np.array(4.0), ember.float32)
    assert_close(indices, np.array(0), ember.int64)
    assert_close(s.argmax(), np.array(0), ember.int64)
    assert_close(s.argmin(-1, True), np.array(0), ember.int64)
    assert_close(s.var(), np.array(np.nan), ember.float32)
    assert_close(s.var(correction=0), np.array(0.0), ember.float32)
    assert_close(s.norm(), np.array(4.0), ember.float32)
    assert_close(s.logsumexp(0), np.array(4.0), ember.float32)
    e = ember.zeros(0, 3)
    v, i = e.max(1)
    assert tuple(v.shape) == (0,) and tuple(i.shape) == (0,) and i.dtype == ember.int64
    assert_close(e.argmax(1), np.zeros(0, np.int64), ember.int64)
    assert_close(e.var(0), np.full(3, np.nan), ember.float32)
    assert_close(e.std(1), np.zeros(0), ember.float32)


def test_int_inputs_of_float_ops_are_refused(rng):
    for dtype in INT_DTYPES + (ember.bool,):
        t = sample(rng, (3,), dtype)[1]
        with pytest.raises(TypeError, match="mean"):
            t.mean()
        with pytest.raises(TypeError, match="var"):
            t.var()
        with pytest.raises(TypeError, match="std"):
            t.std()
        with pytest.raises(TypeError, match="norm"):
            t.norm()
