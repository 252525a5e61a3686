"""sum, mean, prod, amax, amin, all, any against numpy: every dtype, dims as int / tuple /
negative / None / (), keepdim, non-contiguous and broadcast inputs, zero-size and zero-dim
inputs, the large-input paths (vectorized rows, wide column blocks, threads), precision."""
import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, assert_close, layouts, make_tensor, numpy_axis, sample, to_numpy

DIMS = [None, 0, 1, -1, (0, 2), (-1, 0), (), (0, 1, 2), [1]]


def _result_dtype(op, dtype):
    if op in ("sum", "prod"):
        return dtype if dtype in FLOAT_DTYPES else ember.int64
    if op in ("all", "any"):  # uint8 answers in uint8, like PyTorch
        return ember.uint8 if dtype == ember.uint8 else ember.bool
    return dtype


NUMPY = {
    "sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min,
    "all": np.all, "any": np.any,
}


def _reference(op, a, dim, keepdim):
    return NUMPY[op](a, axis=numpy_axis(dim), keepdims=keepdim)


def _call(op, t, dim, keepdim, style):
    if style == "function":
        return getattr(ember, op)(t, dim, keepdim) if dim is not None else getattr(ember, op)(t, keepdim=keepdim)
    if dim is None:
        return getattr(t, op)(keepdim=keepdim)
    return getattr(t, op)(dim=dim, keepdim=keepdim)


def _sample(rng, shape, dtype, op):
    if op == "prod" and dtype in FLOAT_DTYPES:  # keep products in range
        a = rng.uniform(0.5, 1.5, size=shape).astype(np.float32)
        t = make_tensor(a, dtype)
        return to_numpy(t).astype(np.float64), t
    return sample(rng, shape, dtype, low=-3, high=4)


OPS = ["sum", "prod", "mean", "amax", "amin", "all", "any"]


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("op", OPS)
def test_small_all_dims_layouts(op, dtype, rng):
    if op == "mean" and dtype not in FLOAT_DTYPES:
        pytest.skip("mean needs a floating dtype")
    a, t = _sample(rng, (4, 3, 6), dtype, op)
    want_dtype = _result_dtype(op, dtype)
    for name, av, tv in layouts(a, t):
        for dim in DIMS:
            for keepdim in (False, True):
                for style in ("function", "method"):
                    got = _call(op, tv, dim, keepdim, style)
                    assert_close(got, _reference(op, av, dim, keepdim), want_dtype)


@pytest.mark.parametrize("dtype", [ember.float32, ember.int32, ember.bool, ember.float16], ids=str)
@pytest.mark.parametrize("op", OPS)
def test_broadcast_input(op, dtype, rng):
    if op == "mean" and dtype not in FLOAT_DTYPES:
        pytest.skip("mean needs a floating dtype")
    a, t = _sample(rng, (1, 4, 1), dtype, op)
    shape = (3, 4, 5)
    tb, ab = t.expand(*shape), np.broadcast_to(a, shape)
    for dim in DIMS:
        assert_close(_call(op, tb, dim, True, "method"), _reference(op, ab, dim, True), _result_dtype(op, dtype))


# Shapes and dims that reach each path of the kernels: long contiguous rows (vector lanes),
# one long reduction split over threads, wide column blocks, narrow columns split over threads.
LARGE = [((3, 70001), 1), ((3, 70001), 0), ((200003,), 0), ((70001, 3), 0), ((9, 3000, 5), (0, 2)),
         ((130, 257), 1), ((5, 9000), (0, 1))]


@pytest.mark.parametrize("shape,dim", LARGE, ids=str)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int8, ember.int64, ember.bool,
                                   ember.bfloat16], ids=str)
def test_large_paths(shape, dim, dtype, rng):
    a, t = sample(rng, shape, dtype, low=-3, high=4)
    for op in ("sum", "amax", "amin", "any", "all") + (("mean",) if dtype in FLOAT_DTYPES else ()):
        got = getattr(t, op)(dim)
        rtol = None
        if op in ("sum", "mean") and dtype in (ember.float32,):
            rtol = 1e-5
        assert_close(got, _reference(op, a, dim, False), _result_dtype(op, dtype), rtol=rtol,
                     atol=1e-3 if dtype == ember.float32 else None)


@pytest.mark.parametrize("threads", [1, 3])
def test_thread_counts_agree(threads, rng):
    a, t = sample(rng, (300001,), ember.float64)
    b, u = sample(rng, (70001, 3), ember.int32)
    old = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        assert_close(t.sum(), a.sum(), ember.float64)
        assert_close(t.amax(), a.max(), ember.float64)
        assert_close(u.sum(0), b.sum(0), ember.int64)
        assert_close(u.amin(0), b.min(0), ember.int32)
        assert_close(u.sum(1), b.sum(1), ember.int64)
    finally:
        ember.set_num_threads(old)


def test_float32_sum_precision_10m():
    rng = np.random.default_rng(7)
    a = rng.random(10_000_000, dtype=np.float32)
    t = make_tensor(a)
    exact = a.astype(np.float64).sum()
    got = float(to_numpy(t.sum()))
    assert abs(got - exact) / exact < 1e-6
    got_mean = float(to_numpy(t.mean()))
    assert abs(got_mean - exact / a.size) / (exact / a.size) < 1e-6
    # the same values as rows of a matrix, summed along either dim
    m, tm = a.reshape(1000, 10000), t.view(1000, 10000)
    np.testing.assert_allclose(to_numpy(tm.sum(1)), m.astype(np.float64).sum(1), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(tm.sum(0)), m.astype(np.float64).sum(0), rtol=1e-6)


def test_float16_sums_accumulate_wide():
    # 4096 ones in float16: a float16 accumulator would stop at 2048
    t = ember.ones(4096, dtype=ember.float16)
    assert t.sum().item() == 4096
    assert ember.ones(3000, dtype=ember.bfloat16).sum().item() == pytest.approx(3000, rel=4e-3)


def test_integer_sums_are_int64_and_wrap():
    t = make_tensor(np.full(1000, 100, dtype=np.int8))
    assert t.sum().dtype == ember.int64 and t.sum().item() == 100000
    big = make_tensor(np.array([2**62, 2**62, 2**62], dtype=np.int64))
    assert big.sum().item() == np.array([2**62] * 3, dtype=np.int64).sum()  # wraps like int64
    assert make_tensor(np.array([True, True, False])).sum().item() == 2


def test_dtype_argument(rng):
    a, t = sample(rng, (3, 5), ember.int8)
    assert_close(ember.sum(t, 1, dtype=ember.float64), a.sum(1).astype(np.float64), ember.float64)
    assert_close(t.sum(dtype=ember.int32), a.sum().astype(np.int32), ember.int32)
    assert_close(ember.prod(t, 0, dtype=ember.int16), a.prod(0).astype(np.int16), ember.int16)
    w = make_tensor(np.array([300, 300, 2], np.int32))  # int16 products wrap like int16
    assert_close(ember.prod(w, dtype=ember.int16), np.array(180000).astype(np.int16), ember.int16)
    assert_close(w.prod(), np.array(180000), ember.int64)
    assert_close(ember.mean(t, dtype=ember.float32), a.mean(), ember.float32)
    f, tf = sample(rng, (3, 5), ember.float32)
    assert_close(tf.sum(1, dtype=ember.float64), f.sum(1), ember.float64)
    assert_close(tf.mean(0, dtype=ember.float16), f.mean(0), ember.float16)


def test_nan_and_inf():
    x = make_tensor(np.array([[1.0, np.nan, 3.0], [np.inf, -np.inf, 0.0], [-1.0, 2.0, np.inf]], np.float32))
    assert_close(x.sum(1), [np.nan, np.nan, np.inf], ember.float32)
    assert_close(x.amax(1), [np.nan, np.inf, np.inf], ember.float32)
    assert_close(x.amin(0), [-1.0, np.nan, 0.0], ember.float32)
    assert_close(x.all(1), [True, False, True], ember.bool)
    assert_close(x.any(1), [True, True, True], ember.bool)
    assert_close(x.prod(0), [-np.inf, np.nan, np.nan], ember.float32)  # 0 * inf
    # -0.0 is false, NaN is true, for every float dtype
    for dtype in FLOAT_DTYPES:
        z = make_tensor(np.array([-0.0, 0.0, -0.0], np.float32), dtype)
        assert not z.any().item() and not z.all().item()
        assert make_tensor(np.array([-0.0, np.nan], np.float32), dtype).any().item()
        assert make_tensor(np.full(300, np.nan, np.float32), dtype).all().item()
    # NaN anywhere in a long row (vector lanes) or long column wins
    for n in (5, 300, 100003):
        a = np.arange(n, dtype=np.float32)
        a[n // 3] = np.nan
        t = make_tensor(a)
        assert np.isnan(t.amax().item()) and np.isnan(t.amin().item()) and np.isnan(t.max().item())


def test_zero_size():
    t = ember.zeros(0, 3)
    assert_close(t.sum(0), np.zeros(3), ember.float32)
    assert_close(t.sum(), np.array(0.0), ember.float32)
    assert_close(t.prod(0), np.ones(3), ember.float32)
    assert_close(t.mean(0), np.full(3, np.nan), ember.float32)
    assert_close(t.sum(1), np.zeros(0), ember.float32)
    assert_close(t.amax(1), np.zeros(0), ember.float32)
    assert_close(t.all(0), np.ones(3, bool), ember.bool)
    assert_close(t.any(0), np.zeros(3, bool), ember.bool)
    assert_close(t.sum(0, keepdim=True), np.zeros((1, 3)), ember.float32)
    assert_close(ember.zeros(0, dtype=ember.int32).sum(), np.array(0), ember.int64)
    assert_close(ember.zeros(2, 0, 4).sum((0, 1)), np.zeros(4), ember.float32)


def test_zero_dim():
    t = ember.full((), 2.5)
    for dim in (None, 0, -1, (), (0,), (0, -1)):
        if isinstance(dim, tuple) and len(dim) == 2:
            with pytest.raises(ValueError):  # 0 and -1 name the same dim
                t.sum(dim)
            continue
        for op in ("sum", "mean", "prod", "amax", "amin"):
            r = getattr(t, op)() if dim is None else getattr(t, op)(dim)
            assert_close(r, np.array(2.5), ember.float32)
        assert_close(t.sum(dim, keepdim=True) if dim is not None else t.sum(keepdim=True), np.array(2.5), ember.float32)
    assert_close(t.all(), np.array(True), ember.bool)
    assert_close(ember.full((), 3, dtype=ember.int32).sum(0), np.array(3), ember.int64)


def test_positional_method_forms(rng):
    a, t = sample(rng, (4, 5), ember.float64)
    assert_close(t.sum(1, True), a.sum(1, keepdims=True), ember.float64)
    assert_close(t.mean(-1), a.mean(-1), ember.float64)


def test_inputs_not_modified(rng):
    a, t = sample(rng, (6, 7), ember.float32)
    before = to_numpy(t)
    for op in OPS:
        getattr(t, op)(1)
        getattr(t.t(), op)()
    np.testing.assert_array_equal(to_numpy(t), before)
    assert t._version == 0
