"""cumsum, cumprod, softmax, log_softmax against numpy: every dim (innermost or not), layouts,
dtypes (integers accumulate in int64), -inf / NaN rows, zero-size and 0-dim inputs."""
import numpy as np
import pytest

import ember
from conftest import (ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_close, layouts, make_tensor, sample,
                      to_numpy)


def np_softmax(a, axis):
    a = a.astype(np.float64)
    with np.errstate(all="ignore"):
        m = np.max(a, axis=axis, keepdims=True)
        e = np.exp(a - m)
        return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(a, axis):
    a = a.astype(np.float64)
    with np.errstate(all="ignore"):
        m = np.max(a, axis=axis, keepdims=True)
        return (a - m) - np.log(np.exp(a - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scans(op, dtype, rng):
    a, t = sample(rng, (4, 3, 5), dtype, low=-2, high=3)
    want = dtype if dtype in FLOAT_DTYPES else ember.int64
    ref = np.cumsum if op == "cumsum" else np.cumprod
    for name, av, tv in layouts(a, t):
        for dim in (0, 1, 2, -1, -3):
            assert_close(getattr(ember, op)(tv, dim), ref(av, axis=dim), want)
            assert_close(getattr(tv, op)(dim=dim), ref(av, axis=dim), want)


def test_scan_dtype_argument(rng):
    a, t = sample(rng, (3, 6), ember.int8)
    assert_close(t.cumsum(1, dtype=ember.float64), np.cumsum(a, 1).astype(np.float64), ember.float64)
    assert_close(ember.cumprod(t, 0, dtype=ember.int16), np.cumprod(a, 0).astype(np.int16), ember.int16)
    f, tf = sample(rng, (3, 6), ember.float16)
    assert_close(tf.cumsum(0, dtype=ember.float32), np.cumsum(f, 0), ember.float32)


@pytest.mark.parametrize("shape,dim", [((3, 70001), 1), ((70001, 3), 0), ((600, 300), 0), ((600, 300), 1)])
def test_scans_large(shape, dim, rng):
    a, t = sample(rng, shape, ember.float32)
    assert_close(t.cumsum(dim), np.cumsum(a, dim), ember.float32, rtol=1e-5, atol=1e-3)
    b, u = sample(rng, shape, ember.int32)
    assert_close(u.cumsum(dim), np.cumsum(b, dim), ember.int64)


def test_scan_accumulates_wide():
    t = ember.ones(5000, dtype=ember.float16)
    assert to_numpy(t.cumsum(0))[-1] == np.float16(5000)  # 4096 would be the float16 limit of +1 steps
    a = np.full(10_000, 0.1, np.float32)
    got = to_numpy(make_tensor(a).cumsum(0))
    np.testing.assert_allclose(got, np.cumsum(a.astype(np.float64)), rtol=1e-6)


def test_scan_edge_cases():
    s = ember.full((), 3.0)
    assert_close(s.cumsum(0), np.array(3.0), ember.float32)
    assert_close(s.cumprod(-1), np.array(3.0), ember.float32)
    assert_close(ember.full((), 3, dtype=ember.int8).cumsum(0), np.array(3), ember.int64)
    assert_close(ember.zeros(0, 4).cumsum(0), np.zeros((0, 4)), ember.float32)
    assert_close(ember.zeros(3, 0).cumprod(1), np.zeros((3, 0)), ember.float32)
    assert_close(make_tensor(np.array([True, True, False, True])).cumsum(0), [1, 2, 2, 3], ember.int64)
    assert_close(make_tensor(np.array([1.0, np.nan, 2.0], np.float32)).cumsum(0), [1.0, np.nan, np.nan], ember.float32)
    with pytest.raises(IndexError):
        ember.zeros(2, 3).cumsum(2)
    with pytest.raises(IndexError):
        s.cumsum(1)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax(op, dtype, rng):
    a, t = sample(rng, (4, 3, 5), dtype)
    ref = np_softmax if op == "softmax" else np_log_softmax
    for name, av, tv in layouts(a, t):
        for dim in (0, 1, 2, -1):
            assert_close(getattr(ember, op)(tv, dim), ref(av, dim), dtype)
            assert_close(getattr(tv, op)(dim), ref(av, dim), dtype)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((5, 3000), 1), ((3000, 5), 0), ((7, 200, 9), 1), ((300, 300), 0)])
def test_softmax_large(op, shape, dim, rng):
    a, t = sample(rng, shape, ember.float32, low=-30, high=30)
    ref = np_softmax if op == "softmax" else np_log_softmax
    assert_close(getattr(t, op)(dim), ref(a, dim), ember.float32, rtol=2e-5, atol=1e-6)
    b, u = sample(rng, shape, ember.float64, low=-30, high=30)
    assert_close(getattr(u, op)(dim), ref(b, dim), ember.float64)


def test_softmax_extremes():
    a = np.array([[-np.inf, -np.inf, -np.inf], [-np.inf, 0.0, 1.0], [np.inf, 1.0, 2.0],
                  [np.nan, 1.0, 2.0], [1000.0, 1000.0, -1000.0], [-100.0, -100.5, -120.0]], np.float32)
    for t, av in ((make_tensor(a), a), (make_tensor(np.ascontiguousarray(a.T)).t(), a)):
        assert_close(t.softmax(1), np_softmax(av, 1), ember.float32)
        assert_close(t.log_softmax(1), np_log_softmax(av, 1), ember.float32)
    # the same rows laid out as columns (dim 0, vectorized across lines)
    ta = make_tensor(np.ascontiguousarray(a.T))
    assert_close(ta.softmax(0), np_softmax(a.T, 0), ember.float32)
    assert_close(ta.log_softmax(0), np_log_softmax(a.T, 0), ember.float32)
    # a long all -inf row and long rows with large values
    row = np.full(1000, -np.inf, np.float32)
    assert np.isnan(to_numpy(make_tensor(row).softmax(0))).all()
    big = np.linspace(-80, 88, 1001).astype(np.float32)
    assert_close(make_tensor(big).softmax(0), np_softmax(big, 0), ember.float32, atol=1e-30)
    assert_close(make_tensor(big).log_softmax(0), np_log_softmax(big, 0), ember.float32)


def test_softmax_sums_to_one(rng):
    a, t = sample(rng, (64, 513), ember.float32, low=-20, high=20)
    for dim in (0, 1):
        s = to_numpy(t.softmax(dim)).astype(np.float64).sum(dim)
        np.testing.assert_allclose(s, 1.0, rtol=1e-5)


def test_softmax_dtypes_and_edges(rng):
    a, t = sample(rng, (3, 4), ember.int32)
    assert_close(t.softmax(1, dtype=ember.float64), np_softmax(a, 1), ember.float64)
    assert_close(ember.log_softmax(t, 0, dtype=ember.float32), np_log_softmax(a, 0), ember.float32)
    f, tf = sample(rng, (3, 4), ember.float16)
    assert_close(tf.softmax(1, dtype=ember.float32), np_softmax(f, 1), ember.float32)
    for dtype in INT_DTYPES + (ember.bool,):
        with pytest.raises(TypeError, match="softmax"):
            sample(rng, (3,), dtype)[1].softmax(0)
    s = ember.full((), 7.0)
    assert_close(s.softmax(0), np.array(1.0), ember.float32)
    assert_close(s.log_softmax(-1), np.array(0.0), ember.float32)
    assert_close(ember.zeros(0, 3).softmax(0), np.zeros((0, 3)), ember.float32)
    assert_close(ember.zeros(2, 0).log_softmax(1), np.zeros((2, 0)), ember.float32)
    with pytest.raises(IndexError):
        ember.zeros(2, 3).softmax(-3)
    with pytest.raises(IndexError):
        s.softmax(1)


def test_broadcast_inputs(rng):
    a, t = sample(rng, (1, 5), ember.float32)
    tb, ab = t.expand(4, 5), np.broadcast_to(a, (4, 5))
    assert_close(tb.softmax(0), np_softmax(ab, 0), ember.float32)
    assert_close(tb.softmax(1), np_softmax(ab, 1), ember.float32)
    assert_close(tb.cumsum(0), np.cumsum(ab, 0), ember.float32)
    assert_close(tb.cumprod(1), np.cumprod(ab, 1), ember.float32, rtol=1e-5)
