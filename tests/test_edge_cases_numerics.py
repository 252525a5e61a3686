"""Numerical edge cases against PyTorch: NaN and infinities through reductions, softmax,
norms, scans, matrix products and convolutions; NaN in sorting and in the ordering ops; pow's
special values; integer division by zero; integer wraparound; float16/bfloat16 overflow;
casts of NaN and inf; float division by zero. Each case runs the same code on ember and on
torch and requires the same dtype and shape, the same NaN and inf positions, the same signs
(of zeros too) and the same finite values to the dtype's tolerance."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

nan, inf = float("nan"), float("inf")

FLOATS = ("float32", "float64", "float16", "bfloat16")
SIGNED = ("int8", "int16", "int32", "int64")
INTS = ("uint8",) + SIGNED
ALL_REAL = FLOATS + INTS + ("bool",)
TOLERANCE = {"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-12), "float16": (2e-3, 1e-3),
             "bfloat16": (1.6e-2, 1e-2)}


# ---- the two libraries side by side -------------------------------------------------------------
def make(lib, values, dtype):
    """A tensor of `lib` holding `values` (a nested list or numpy array) in dtype `dtype`."""
    array = np.asarray(values)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e30 in float16 is meant to be inf
        if dtype == "bfloat16":
            return lib.tensor(array.astype(np.float32)).to(lib.bfloat16)
        if dtype == "bool":
            return lib.tensor(array.astype(np.bool_))
        return lib.tensor(array.astype(getattr(np, dtype)))


def dtype_name(t):
    return str(t.dtype).rpartition(".")[2]


def as_numpy(t):
    t = t.detach()
    if dtype_name(t) == "bfloat16":
        t = t.float()
    return t.numpy()


def assert_same(ours, theirs, path="result", zero_sign=True, tolerance=None):
    """ours (ember) and theirs (torch) are the same result: see the module docstring.
    zero_sign=False accepts 0.0 for -0.0 (where IEEE leaves the sign open); tolerance is
    (rtol, atol) in place of the dtype's."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), (path, ours, theirs)
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{path}[{k}]", zero_sign, tolerance)
        return
    if not isinstance(theirs, torch.Tensor):
        ours_value = ours.item() if isinstance(ours, ember.Tensor) else ours
        assert type(ours_value) is type(theirs), (path, ours, theirs)
        if isinstance(theirs, float) and np.isnan(theirs):
            assert np.isnan(ours_value), (path, ours, theirs)
        else:
            assert ours_value == theirs, (path, ours, theirs)
        return
    assert isinstance(ours, ember.Tensor), (path, type(ours))
    assert dtype_name(ours) == dtype_name(theirs), (path, ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape), (path, ours.shape, theirs.shape)
    a, b = as_numpy(ours), as_numpy(theirs)
    if not np.issubdtype(b.dtype, np.floating):
        np.testing.assert_array_equal(a, b, err_msg=path)
        return
    a, b = a.astype(np.float64), b.astype(np.float64)
    shown = f"\nours  {a}\ntorch {b}"
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{path}: NaN positions{shown}")
    both = ~np.isnan(b)
    np.testing.assert_array_equal(np.isinf(a[both]), np.isinf(b[both]), err_msg=f"{path}: inf positions{shown}")
    signed = both if zero_sign else both & (b != 0)
    np.testing.assert_array_equal(np.signbit(a[signed]), np.signbit(b[signed]), err_msg=f"{path}: signs{shown}")
    finite = both & np.isfinite(b)
    rtol, atol = tolerance or TOLERANCE[dtype_name(theirs)]
    np.testing.assert_allclose(a[finite], b[finite], rtol=rtol, atol=atol, err_msg=path)


# What ember may raise where torch raises (ember's DTypeError is a TypeError and RuntimeError,
# its ArgumentError a ValueError and RuntimeError, its ShapeError a ValueError).
ERRORS = (RuntimeError, TypeError, ValueError, IndexError)


def run_both(fn, *values, dtype="float32"):
    """fn(lib, *tensors) on ember and on torch, with the same inputs; returns both results, or
    None where torch raises and ember raises too."""
    try:
        theirs = fn(torch, *(make(torch, v, dtype) for v in values))
    except ERRORS:
        with pytest.raises(ERRORS):
            fn(ember, *(make(ember, v, dtype) for v in values))
        return None
    ours = fn(ember, *(make(ember, v, dtype) for v in values))
    return ours, theirs


def check(fn, *values, dtype="float32", zero_sign=True, tolerance=None):
    results = run_both(fn, *values, dtype=dtype)
    if results is not None:
        assert_same(*results, zero_sign=zero_sign, tolerance=tolerance)


def assert_consistent_indices(values, indices, source, dim):
    """indices pick `values` out of `source` along dim (NaN picks NaN)."""
    picked = as_numpy(source.gather(dim, indices)).astype(np.float64)
    expected = as_numpy(values).astype(np.float64)
    np.testing.assert_array_equal(np.isnan(picked), np.isnan(expected))
    mask = ~np.isnan(expected)
    np.testing.assert_array_equal(picked[mask], expected[mask])


# ---- data ---------------------------------------------------------------------------------------
# Rows: NaN among finite values, +inf and -inf, all NaN, both infinities together.
SPECIAL = [[1.0, nan, 3.0, -inf],
           [inf, 2.0, -1.0, 0.0],
           [nan, nan, nan, nan],
           [-inf, inf, 0.5, 5.0],
           [-0.0, 0.0, -2.0, 4.0]]
INF_ONLY = [[1.0, inf, 3.0, -2.0],
            [-inf, 2.0, -1.0, 0.0],
            [inf, inf, 1.0, 2.0],
            [-inf, -inf, -inf, -inf]]


def int_data(dtype):
    """A matrix of `dtype` with its extremes, for the ops that take integers."""
    if dtype == "bool":
        return [[True, False, True], [False, False, True]]
    info = np.iinfo(dtype)
    return [[info.min, 0, 3, 1], [2, info.max, 1, 0], [1, 1, info.min + 1, 7]]


HALF = ("float16", "bfloat16")


def xfail_if(condition, reason):
    return [pytest.mark.xfail(strict=True, reason=reason)] if condition else []


# ---- reductions with NaN and inf ----------------------------------------------------------------
REDUCTIONS = {
    "sum": lambda L, x: L.sum(x),
    "sum_dim": lambda L, x: L.sum(x, dim=1),
    "sum_dim0": lambda L, x: L.sum(x, dim=0),
    "nansum_dim": lambda L, x: L.nansum(x, dim=1),
    "mean": lambda L, x: L.mean(x),
    "mean_dim": lambda L, x: L.mean(x, dim=1),
    "nanmean_dim": lambda L, x: L.nanmean(x, dim=1),
    "prod": lambda L, x: L.prod(x),
    "prod_dim": lambda L, x: L.prod(x, dim=1),
    "max": lambda L, x: L.max(x),
    "min": lambda L, x: L.min(x),
    "max_dim": lambda L, x: tuple(L.max(x, dim=1)),
    "min_dim": lambda L, x: tuple(L.min(x, dim=1)),
    "max_dim0": lambda L, x: tuple(L.max(x, dim=0)),
    "min_dim0_keepdim": lambda L, x: tuple(L.min(x, dim=0, keepdim=True)),
    "amax": lambda L, x: L.amax(x),
    "amin_dim": lambda L, x: L.amin(x, dim=1),
    "amax_dims": lambda L, x: L.amax(x, dim=(0, 1)),
    "aminmax_dim": lambda L, x: tuple(L.aminmax(x, dim=1)),
    "argmax": lambda L, x: L.argmax(x),
    "argmin": lambda L, x: L.argmin(x),
    "argmax_dim": lambda L, x: L.argmax(x, dim=1),
    "argmin_dim": lambda L, x: L.argmin(x, dim=1),
    "argmax_dim0": lambda L, x: L.argmax(x, dim=0),
    "logsumexp_dim": lambda L, x: L.logsumexp(x, dim=1),
    "logsumexp_dim0": lambda L, x: L.logsumexp(x, dim=0),
    "softmax": lambda L, x: L.softmax(x, dim=1),
    "log_softmax": lambda L, x: L.log_softmax(x, dim=1),
    "softmax_dim0": lambda L, x: L.softmax(x, dim=0),
    "var_dim": lambda L, x: L.var(x, dim=1),
    "std_dim0": lambda L, x: L.std(x, dim=0, correction=0),
    # var_mean's mean: see test_var_mean_mean_is_the_mean_of_infinities.
    "var_mean_dim": lambda L, x: L.var_mean(x, dim=1)[0],
    "norm2": lambda L, x: L.linalg.vector_norm(x, 2, dim=1),
    "norm1": lambda L, x: L.linalg.vector_norm(x, 1, dim=1),
    "norm_inf": lambda L, x: L.linalg.vector_norm(x, inf, dim=1),
    "norm_neg_inf": lambda L, x: L.linalg.vector_norm(x, -inf, dim=1),
    "norm0": lambda L, x: L.linalg.vector_norm(x, 0, dim=1),
    "norm3": lambda L, x: L.linalg.vector_norm(x, 3, dim=1),
    "norm2_all": lambda L, x: L.linalg.vector_norm(x),
    "cumsum": lambda L, x: L.cumsum(x, dim=1),
    "cumprod": lambda L, x: L.cumprod(x, dim=1),
    "cummax": lambda L, x: tuple(L.cummax(x, dim=1)),
    "cummin": lambda L, x: tuple(L.cummin(x, dim=1)),
    "logcumsumexp": lambda L, x: L.logcumsumexp(x, dim=1),
    "all": lambda L, x: L.all(x, dim=1),
    "any": lambda L, x: L.any(x, dim=1),
    "count_nonzero": lambda L, x: L.count_nonzero(x, dim=1),
}


@pytest.mark.parametrize("op,data,dtype", [
    pytest.param(op, data, d, id=f"{op}-{name}-{d}")
    for op in REDUCTIONS for name, data in (("nan_inf", SPECIAL), ("inf_only", INF_ONLY)) for d in FLOATS])
def test_reductions_with_nan_and_inf(op, data, dtype):
    check(REDUCTIONS[op], data, dtype=dtype)


INT_REDUCTIONS = ("sum", "sum_dim", "sum_dim0", "prod", "prod_dim", "max", "min", "max_dim", "min_dim",
                  "max_dim0", "amax", "amin_dim", "aminmax_dim", "argmax", "argmin", "argmax_dim", "argmin_dim",
                  "cumsum", "cumprod", "cummax", "cummin", "all", "any", "count_nonzero")


@pytest.mark.parametrize("dtype", INTS + ("bool",))
@pytest.mark.parametrize("op", INT_REDUCTIONS)
def test_reductions_of_integers_at_their_extremes(op, dtype):
    check(REDUCTIONS[op], int_data(dtype), dtype=dtype)


def test_sum_of_int8_promotes_to_int64_and_does_not_wrap():
    ours, theirs = run_both(lambda L, x: L.sum(x), [127] * 10, dtype="int8")
    assert_same(ours, theirs)
    assert ours.item() == 1270 and dtype_name(ours) == "int64"


@pytest.mark.parametrize("dtype", INTS + ("bool",))
def test_cumsum_of_integers_promotes_to_int64(dtype):
    check(lambda L, x: L.cumsum(x, dim=0), [100, 100, 100, 100] if dtype != "bool" else [True, True],
          dtype=dtype)


def test_cumsum_int32_with_dtype_wraps_like_torch():
    big = np.iinfo(np.int32).max
    check(lambda L, x: L.cumsum(x, dim=0, dtype=L.int32), [big, 1, 1], dtype="int32")


# ---- softmax, log_softmax and logsumexp rows ----------------------------------------------------
ROWS = {
    "all_neg_inf": [-inf, -inf, -inf],
    "one_pos_inf": [inf, 1.0, 2.0],
    "two_pos_inf": [inf, inf, 1.0],
    "pos_and_neg_inf": [inf, -inf, 0.0],
    "nan": [nan, 1.0, 2.0],
    "neg_inf_and_finite": [-inf, 1.0, 2.0],
    "large": [1000.0, 1000.0, -1000.0],
    "tiny": [-1000.0, -1000.0, -1001.0],
}
ROW_OPS = {
    "softmax": lambda L, x: L.softmax(x, dim=-1),
    "log_softmax": lambda L, x: L.log_softmax(x, dim=-1),
    "F.softmax": lambda L, x: L.nn.functional.softmax(x, dim=0),
    "F.softmin": lambda L, x: L.nn.functional.softmin(x, dim=0),
    "logsumexp": lambda L, x: L.logsumexp(x, dim=-1),
    "logsumexp_keepdim": lambda L, x: L.logsumexp(x, dim=0, keepdim=True),
    "logcumsumexp": lambda L, x: L.logcumsumexp(x, dim=0),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("row", ROWS)
@pytest.mark.parametrize("op", ROW_OPS)
def test_softmax_family_rows(op, row, dtype):
    check(ROW_OPS[op], ROWS[row], dtype=dtype)


def test_softmax_of_an_all_neg_inf_row_is_nan_and_logsumexp_is_neg_inf():
    ours = ember.softmax(ember.tensor([[-inf, -inf], [0.0, 0.0]]), dim=1)
    assert np.isnan(ours[0].numpy()).all() and ours[1].tolist() == [0.5, 0.5]
    assert ember.logsumexp(ember.tensor([-inf, -inf]), dim=0).item() == -inf


# ---- var and std at one element and at no elements ----------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("op", ["var", "std", "var_mean", "std_mean"])
def test_var_std_of_one_element(op, correction, dtype):
    def fn(L, x):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns that the degrees of freedom are <= 0
            out = getattr(L, op)(x, dim=1, correction=correction)
        return tuple(out) if isinstance(out, tuple) else out
    check(fn, [[3.0], [inf], [nan]], dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_var_mean_mean_is_the_mean_of_infinities(dtype):
    # ember's var_mean returns mean()'s mean: inf for a row with +inf. torch's Welford pass
    # gives NaN there (docs/differences.md); the variances agree (NaN).
    x = make(ember, INF_ONLY, dtype)
    var, mean = ember.var_mean(x, dim=1)
    assert_same(mean, torch.mean(make(torch, INF_ONLY, dtype), dim=1))
    assert_same(var, torch.var(make(torch, INF_ONLY, dtype), dim=1))
    _, their_mean = torch.var_mean(make(torch, INF_ONLY, dtype), dim=1)
    assert torch.isnan(their_mean).all()


DOF_CASES = [
    ("var", (1,), {}), ("std", (3, 0), dict(dim=1)), ("var", (3, 4), dict(dim=1, correction=4)),
    ("var_mean", (1,), {}), ("std_mean", (2, 1), dict(dim=1)), ("var", (0, 3), dict(dim=1)), ("var", (), {}),
    ("std", (3, 2), dict(dim=1)), ("var", (4,), dict(correction=0)), ("var", (2, 3), dict(dim=(0, 1), correction=6)),
]


@pytest.mark.parametrize("op,shape,kwargs", DOF_CASES)
def test_var_std_warn_as_torch_when_no_degrees_of_freedom(op, shape, kwargs):
    # var/std used to give their NaN silently; torch warns that the correction is too large.
    def warnings_of(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(lib, op)(lib.ones(shape), **kwargs)
        return [str(w.message).partition(" (Triggered")[0] for w in caught if w.category is UserWarning]
    theirs = warnings_of(torch)
    assert warnings_of(ember) == theirs
    assert len(theirs) == (0 if (op, shape) in (("std", (3, 2)), ("var", (4,))) else 1)


def test_var_of_one_element_warns_in_torch_and_gives_nan():
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom is <= 0"):
        torch.var(torch.tensor([1.0]))
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom is <= 0"):
        assert np.isnan(ember.var(ember.tensor([1.0])).item())


@pytest.mark.parametrize("op,dtype", [
    pytest.param(op, d)
    for op in ["var", "std", "mean", "nanmean", "sum", "prod", "logsumexp", "norm", "nansum"] for d in FLOATS])
def test_reductions_over_an_empty_dim(op, dtype):
    def fn(L, x):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if op == "norm":
                return L.linalg.vector_norm(x, dim=1)
            return getattr(L, op)(x, dim=1)
    check(fn, np.zeros((3, 0)), dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_mean_of_empty_is_nan(dtype):
    check(lambda L, x: L.mean(x), np.zeros((0,)), dtype=dtype)
    check(lambda L, x: L.mean(x), np.zeros((2, 0, 3)), dtype=dtype)


@pytest.mark.parametrize("op", ["max", "min", "argmax", "amax", "max_dim"])
def test_max_of_empty_raises(op):
    def fn(L, x):
        if op == "max_dim":
            return L.max(x, dim=1)
        return getattr(L, op)(x)
    with pytest.raises((RuntimeError, IndexError)):
        fn(torch, torch.zeros(3, 0))
    with pytest.raises((RuntimeError, IndexError, ValueError)):
        fn(ember, ember.zeros(3, 0))


# ---- matrix products -----------------------------------------------------------------------------
MATMUL_CASES = {
    # 0 * inf in the dot product gives NaN even though the other terms are finite.
    "zero_times_inf": ([[0.0, 1.0], [2.0, 3.0]], [[inf, 1.0], [1.0, 1.0]]),
    "inf_minus_inf": ([[1.0, 1.0]], [[inf], [-inf]]),
    "nan_in_a": ([[nan, 0.0], [1.0, 2.0]], [[0.0, 1.0], [3.0, 4.0]]),
    "nan_in_b_zero_a": ([[0.0, 0.0], [1.0, 2.0]], [[nan, 1.0], [3.0, 4.0]]),
    "inf_times_finite": ([[inf, 2.0], [-1.0, 0.5]], [[1.0, -1.0], [2.0, 3.0]]),
    "neg_zero": ([[-0.0, -0.0]], [[1.0], [1.0]]),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", MATMUL_CASES)
@pytest.mark.parametrize("op", ["mm", "matmul", "bmm", "mv", "addmm", "linear", "einsum", "dot"])
def test_matrix_products_with_nan_and_inf(op, case, dtype):
    a, b = MATMUL_CASES[case]
    fns = {
        "mm": lambda L, x, y: L.mm(x, y),
        "matmul": lambda L, x, y: x @ y,
        "bmm": lambda L, x, y: L.bmm(x.unsqueeze(0).expand(3, -1, -1), y.unsqueeze(0).expand(3, -1, -1)),
        "mv": lambda L, x, y: L.mv(x, y[:, 0]),
        "addmm": lambda L, x, y: L.addmm(L.zeros(x.shape[0], y.shape[1], dtype=x.dtype), x, y),
        "linear": lambda L, x, y: L.nn.functional.linear(x, y.t()),
        "einsum": lambda L, x, y: L.einsum("ij,jk->ik", x, y),
        "dot": lambda L, x, y: L.dot(x[0], y[:, 0]),
    }
    check(fns[op], a, b, dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("where", ["a", "b"])
def test_large_matmul_with_one_nan_spreads_to_its_row_or_column(where, dtype):
    # Large enough for the blocked GEMM path: the NaN must reach exactly one row (in a) or
    # one column (in b) of the product, whatever the packing does.
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((70, 90)), rng.standard_normal((90, 80))
    (a if where == "a" else b)[13, 17] = nan
    b[5, :] = inf if where == "a" else b[5, :]
    check(lambda L, x, y: x @ y, a, b, dtype=dtype)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("op", ["mm", "matmul", "bmm", "mv", "dot"])
def test_integer_matrix_products_wrap(op, dtype):
    info = np.iinfo(dtype)
    a = [[info.max, 2], [info.min, 3]]
    b = [[2, 1], [1, info.max]]
    fns = {
        "mm": lambda L, x, y: L.mm(x, y),
        "matmul": lambda L, x, y: x @ y,
        "bmm": lambda L, x, y: L.bmm(x.unsqueeze(0), y.unsqueeze(0)),
        "mv": lambda L, x, y: L.mv(x, y[:, 0]),
        "dot": lambda L, x, y: L.dot(x[0], y[:, 0]),
    }
    check(fns[op], a, b, dtype=dtype)


def test_matmul_zero_times_inf_against_a_zero_column():
    # b's first column is zero, a has inf: inf * 0 = NaN, not 0.
    check(lambda L, x, y: x @ y, [[inf, 1.0]] * 20, [[0.0] * 20, [1.0] * 20])


# ---- convolutions --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("where", ["input_nan", "input_inf", "weight_nan", "weight_inf", "zero_weight_inf_input"])
@pytest.mark.parametrize("op", ["conv1d", "conv2d", "conv2d_depthwise", "conv2d_1x1", "conv_transpose2d"])
def test_convolutions_with_nan_and_inf(op, where, dtype):
    rng = np.random.default_rng(1)
    two_d = op != "conv1d"
    channels_in, channels_out = 2, (2 if op == "conv2d_depthwise" else 3)
    x = rng.standard_normal((1, channels_in, 5, 6) if two_d else (1, channels_in, 7))
    k = 1 if op == "conv2d_1x1" else 3
    w_shape = {"conv1d": (channels_out, channels_in, k), "conv2d_depthwise": (2, 1, k, k),
               "conv_transpose2d": (channels_in, channels_out, k, k)}.get(op, (channels_out, channels_in, k, k))
    w = rng.standard_normal(w_shape)
    spot = (0, 1, 2, 3) if two_d else (0, 1, 4)
    if where == "input_nan":
        x[spot] = nan
    elif where == "input_inf":
        x[spot] = inf
    elif where == "weight_nan":
        w.reshape(-1)[4] = nan
    elif where == "weight_inf":
        w.reshape(-1)[0] = -inf
    else:
        w[:] = 0.0
        x[spot] = inf
    # An infinite weight over zero padding: see test_infinite_weights_over_zero_padding_give_nan.
    pad = 0 if where == "weight_inf" else 1
    fns = {
        "conv1d": lambda L, x, w: L.nn.functional.conv1d(x, w, padding=pad),
        "conv2d": lambda L, x, w: L.nn.functional.conv2d(x, w, padding=pad),
        "conv2d_depthwise": lambda L, x, w: L.nn.functional.conv2d(x, w, padding=pad, groups=2),
        "conv2d_1x1": lambda L, x, w: L.nn.functional.conv2d(x, w),
        "conv_transpose2d": lambda L, x, w: L.nn.functional.conv_transpose2d(x, w),
    }
    # float16 sums of 18 products round differently in the two libraries' kernels.
    check(fns[op], x, w, dtype=dtype, tolerance=(1e-2, 5e-3) if dtype == "float16" else None)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_infinite_weights_over_zero_padding_give_nan(dtype):
    # Zero padding is multiplied like input: -inf * 0 is NaN wherever a window covers the padding
    # (docs/differences.md). torch's float32 im2col path agrees; its bfloat16 and depthwise
    # paths skip the padding and give the sum over the real inputs.
    x = make(ember, [[[1.0, 2.0, 3.0, 4.0]]], dtype)
    w = make(ember, [[[-inf, 1.0, 1.0]]], dtype)
    out = as_numpy(ember.nn.functional.conv1d(x, w, padding=1)).astype(np.float64)
    assert np.isnan(out[0, 0, 0]) and (out[0, 0, 1:] == -inf).all()
    if dtype == "float32":
        check(lambda L, x, w: L.nn.functional.conv1d(x, w, padding=1), [[[1.0, 2.0, 3.0, 4.0]]],
              [[[-inf, 1.0, 1.0]]], dtype=dtype)


# ---- sorting and selection with NaN (NaN is the largest) ----------------------------------------
SORT_DATA = [[3.0, nan, -inf, 1.0, nan, inf, -0.0, 0.0],
             [nan, nan, 2.0, 2.0, -1.0, 5.0, -inf, 4.0]]
SORT_OPS = {
    "sort": lambda L, x: tuple(L.sort(x, dim=1)),
    "sort_desc": lambda L, x: tuple(L.sort(x, dim=1, descending=True)),
    "sort_stable": lambda L, x: tuple(L.sort(x, dim=1, stable=True)),
    "argsort": lambda L, x: L.argsort(x, dim=1, stable=True),
    "msort": lambda L, x: L.msort(x.t()),
    "median": lambda L, x: L.median(x),
    "median_dim": lambda L, x: tuple(L.median(x, dim=1)),
    "nanmedian": lambda L, x: L.nanmedian(x),
    "nanmedian_dim": lambda L, x: tuple(L.nanmedian(x, dim=1)),
    "unique": lambda L, x: L.unique(x),
    "unique_counts": lambda L, x: tuple(L.unique(x, return_inverse=True, return_counts=True)),
    "unique_consecutive": lambda L, x: L.unique_consecutive(x.sort(dim=1).values[0]),
    "quantile": lambda L, x: L.quantile(x, 0.5, dim=1),
    "nanquantile_missing_ok": lambda L, x: L.quantile(x[:, 2:4], 0.25, dim=1),
    "searchsorted": lambda L, x: L.searchsorted(x.sort(dim=1).values, x),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", SORT_OPS)
def test_sorting_with_nan(op, dtype):
    check(SORT_OPS[op], SORT_DATA, dtype=dtype)


@pytest.mark.parametrize("dtype", INTS + ("bool",))
@pytest.mark.parametrize("op", ["sort", "sort_desc", "argsort", "median_dim", "unique"])
def test_sorting_integers_at_their_extremes(op, dtype):
    if dtype == "bool" and op == "median_dim":
        pytest.skip("torch has no bool kernel (ember accepts bool there, see docs/differences.md)")
    check(SORT_OPS[op], int_data(dtype), dtype=dtype)


SELECTIONS = {
    "topk": lambda L, x: L.topk(x, 3, dim=1),
    "topk_smallest": lambda L, x: L.topk(x, 3, dim=1, largest=False),
    "topk_unsorted": lambda L, x: L.topk(x, 3, dim=1, sorted=False),
    "kthvalue_last": lambda L, x: L.kthvalue(x, x.shape[1], dim=1),
    "kthvalue_2": lambda L, x: L.kthvalue(x, 2, dim=1),
}


@pytest.mark.parametrize("dtype", ALL_REAL)
@pytest.mark.parametrize("op", SELECTIONS)
def test_selection_with_nan_and_ties(op, dtype):
    # Ties (NaN with NaN, 0.0 with -0.0, equal integers) resolve to the lower index in ember
    # (docs/differences.md) and to an order of torch's kernel: compare the values, and check
    # that the indices pick them.
    if dtype == "bool":
        pytest.skip("torch has no bool kernel (ember accepts bool there, see docs/differences.md)")
    data = SORT_DATA if dtype in FLOATS else int_data(dtype)
    results = run_both(lambda L, x: (x, SELECTIONS[op](L, x)), data, dtype=dtype)
    if results is None:
        return
    (x, (values, indices)), (_, (their_values, _)) = results
    assert dtype_name(indices) == "int64"
    if indices.dim() < x.dim():  # kthvalue: one per row
        values, indices, their_values = values.unsqueeze(1), indices.unsqueeze(1), their_values.unsqueeze(1)
    assert_consistent_indices(values, indices, x, 1)
    if op == "topk_unsorted":  # the order is unspecified: compare as sets
        values, their_values = values.sort(dim=1).values, their_values.sort(dim=1).values
    assert_same(values, their_values, zero_sign=False)


def test_selection_ties_resolve_to_the_lower_index():
    x = ember.tensor([[nan, 1.0, nan, 0.0, -0.0]])
    assert ember.topk(x, 2, dim=1).indices.tolist() == [[0, 2]]
    assert ember.topk(x, 2, dim=1, largest=False).indices.tolist() == [[3, 4]]
    assert ember.kthvalue(x, 5, dim=1).indices.tolist() == [2]


# ---- clamp, maximum/minimum and fmax/fmin with NaN ----------------------------------------------
PAIR = ([nan, 1.0, nan, -inf, 2.0, -0.0, 0.0], [1.0, nan, nan, 3.0, inf, 0.0, -0.0])
BINARY_ORDER_OPS = {
    "maximum": lambda L, x, y: L.maximum(x, y),
    "minimum": lambda L, x, y: L.minimum(x, y),
    "fmax": lambda L, x, y: L.fmax(x, y),
    "fmin": lambda L, x, y: L.fmin(x, y),
    "max_binary": lambda L, x, y: L.max(x, y),
    "min_binary": lambda L, x, y: L.min(x, y),
    "clamp_tensor_bounds": lambda L, x, y: L.clamp(x, min=y),
    "clamp_tensor_max": lambda L, x, y: L.clamp(x, max=y),
    "where_gt": lambda L, x, y: L.where(x > y, x, y),
    "eq": lambda L, x, y: x == y,
    "ne": lambda L, x, y: x != y,
    "lt": lambda L, x, y: x < y,
    "ge": lambda L, x, y: x >= y,
    "isclose": lambda L, x, y: L.isclose(x, y),
    "isclose_equal_nan": lambda L, x, y: L.isclose(x, y, equal_nan=True),
    "copysign": lambda L, x, y: L.copysign(x, y),
    "atan2": lambda L, x, y: L.atan2(x, y),
    "hypot": lambda L, x, y: L.hypot(x, y),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", BINARY_ORDER_OPS)
def test_binary_ops_with_nan(op, dtype):
    if op == "copysign":
        # A NaN's sign bit is not portable (torch's bfloat16 conversion sets it): no NaN signs.
        check(BINARY_ORDER_OPS[op], PAIR[0], [1.0, -1.0, -2.0, 3.0, inf, 0.0, -0.0], dtype=dtype)
        return
    # fmax/fmin(-0.0, 0.0) may give either zero (C99, IEEE 754); torch's float32 and bfloat16
    # kernels pick differently.
    check(BINARY_ORDER_OPS[op], *PAIR, dtype=dtype, zero_sign=op not in ("fmax", "fmin"))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("bounds", [dict(min=0.0), dict(max=0.0), dict(min=-1.0, max=1.0), dict(min=nan),
                                    dict(max=nan), dict(min=1.0, max=-1.0), dict(min=-inf, max=inf)],
                         ids=["min", "max", "both", "min_nan", "max_nan", "min_above_max", "infinite"])
def test_clamp_with_nan(bounds, dtype):
    data = [nan, -inf, inf, -2.0, 0.5, 3.0, -0.0]
    check(lambda L, x: L.clamp(x, **bounds), data, dtype=dtype)
    check(lambda L, x: x.clip(**bounds), data, dtype=dtype)


CLAMP_BOOL = "clamp of bool tensors with tensor bounds raises DTypeError; torch computes it (csrc)"


@pytest.mark.parametrize("op,dtype", [
    pytest.param(op, d, marks=[pytest.mark.xfail(strict=True, reason=CLAMP_BOOL)]
                 if d == "bool" and op.startswith("clamp") else [])
    for op in BINARY_ORDER_OPS if op != "isclose_equal_nan" for d in INTS + ("bool",)])
def test_binary_ops_on_integers_at_their_extremes(op, dtype):
    info = np.iinfo(dtype) if dtype != "bool" else None
    x = [info.min, info.max, 0, 1] if info else [True, False, True, False]
    y = [info.max, info.min, 0, 2] if info else [True, True, False, False]
    check(BINARY_ORDER_OPS[op], x, y, dtype=dtype)


@pytest.mark.parametrize("dtype", INTS + ("bool",))
@pytest.mark.parametrize("op", ["abs", "neg", "sign", "sgn", "square", "bitwise_not", "isnan", "isinf", "isfinite",
                                "signbit", "relu", "floor", "trunc", "round", "exp", "sqrt", "reciprocal"])
def test_unary_ops_on_integers_at_their_extremes(op, dtype):
    info = np.iinfo(dtype) if dtype != "bool" else None
    x = [info.min, info.max, 0, 1, info.min + 1] if info else [True, False]
    if op == "neg" and dtype == "uint8":
        x = [0, 1, 255]  # torch negates uint8 too, wrapping
    check(lambda L, t: getattr(L, op)(t), x, dtype=dtype)


@pytest.mark.parametrize("dtype", INTS)
def test_clamp_integers(dtype):
    info = np.iinfo(dtype)
    check(lambda L, x: L.clamp(x, min=1, max=5), [info.min, 0, 3, info.max], dtype=dtype)


UNARY_OPS = ["nan_to_num", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "sign", "signbit", "abs", "neg",
             "relu", "sigmoid", "tanh", "exp", "log", "sqrt", "reciprocal", "rsqrt", "floor", "round", "trunc",
             "frac", "erf", "log1p", "expm1", "sgn", "sinh", "sin", "atan", "asinh", "ceil"]


@pytest.mark.parametrize("op,dtype", [(op, d) for op in UNARY_OPS for d in FLOATS])
def test_unary_ops_on_special_values(op, dtype):
    # Halves and small negatives too: rounding must give -0.0 for -0.4 and ties to even.
    data = [nan, inf, -inf, 0.0, -0.0, 1.0, -1.0, 1e-30, -0.4, 0.5, -0.5, 2.5, -1e-30, 100.0, -100.0]
    if op == "signbit":
        data = data[1:]  # a NaN's sign bit is not portable
    check(lambda L, x: getattr(L, op)(x), data, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_neg_of_zero_away_from_the_kernel(dtype):
    # What does match: -(-0.0) is +0.0, and 0 - x is +0.0 for either zero.
    check(lambda L, x: (0 - x, L.neg(x)[1:]), [0.0, -0.0], dtype=dtype)


# ---- pow -----------------------------------------------------------------------------------------
POW_CASES = {
    "zero_pow_zero": ([0.0, -0.0], [0.0, 0.0]),
    "neg_base_fraction": ([-8.0, -1.0], [1.0 / 3.0, 0.5]),
    "inf_pow_zero": ([inf, -inf], [0.0, -0.0]),
    "nan_pow_zero": ([nan, nan], [0.0, -0.0]),
    "one_pow_nan": ([1.0, 1.0], [nan, inf]),
    "zero_pow_negative": ([0.0, -0.0, -0.0], [-1.0, -1.0, -2.0]),
    "inf_pow": ([inf, -inf, -inf, inf], [-1.0, 3.0, 2.0, 0.5]),
    "pow_inf": ([0.5, 2.0, -1.0, -0.5], [inf, -inf, inf, -inf]),
    "neg_zero_pow_odd": ([-0.0, -0.0], [3.0, 0.5]),
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", POW_CASES)
def test_pow_edge_cases(case, dtype):
    base, exponent = POW_CASES[case]
    check(lambda L, x, y: L.pow(x, y), base, exponent, dtype=dtype)
    check(lambda L, x, y: x ** y, base, exponent, dtype=dtype)


# +-0.5 are sqrt and rsqrt in torch (NaN for -inf, -0.0 for -0.0), except its float16 kernel
@pytest.mark.parametrize("exponent,dtype", [
    (e, d) for e in [0.0, 0.5, -0.5, 1.0 / 3.0, 2.0, -2.0, 3.0, inf, -inf, nan] for d in FLOATS])
def test_pow_with_a_scalar_exponent(exponent, dtype):
    data = [nan, inf, -inf, 0.0, -0.0, 1.0, -1.0, -8.0, 2.0]
    check(lambda L, x: L.pow(x, exponent), data, dtype=dtype)
    check(lambda L, x: x ** exponent, data, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("base", [0.0, 1.0, -1.0, inf, 2.0])
def test_scalar_base_pow(base, dtype):
    check(lambda L, x: base ** x, [nan, inf, -inf, 0.0, -0.0, 0.5, -1.0], dtype=dtype)


@pytest.mark.parametrize("dtype", INTS)
def test_integer_pow(dtype):
    check(lambda L, x, y: L.pow(x, y), [0, 2, 3, 1], [0, 3, 2, 7], dtype=dtype)
    check(lambda L, x: x ** 0, [0, 2, 3], dtype=dtype)


@pytest.mark.parametrize("dtype", SIGNED)
def test_integer_pow_of_negative_exponents(dtype):
    # A tensor of exponents: 1 / x truncated (0, except for 1 and -1); a Python exponent raises.
    check(lambda L, x, y: L.pow(x, y), [2, 3, 1, -1, -1, 0], [-1, -2, -5, -1, -2, 3], dtype=dtype)
    with pytest.raises(RuntimeError, match="negative integer powers"):
        make(torch, [2, 3], dtype) ** -1
    with pytest.raises(RuntimeError, match="negative integer powers"):
        make(ember, [2, 3], dtype) ** -1


# ---- integer division and remainder by zero ------------------------------------------------------
INT_DIVISIONS = {
    "floor_divide": lambda L, x, y: L.floor_divide(x, y),
    "floordiv_operator": lambda L, x, y: x // y,
    "div_floor": lambda L, x, y: L.div(x, y, rounding_mode="floor"),
    "div_trunc": lambda L, x, y: L.div(x, y, rounding_mode="trunc"),
    "remainder": lambda L, x, y: L.remainder(x, y),
    "mod_operator": lambda L, x, y: x % y,
    "fmod": lambda L, x, y: L.fmod(x, y),
}


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("op", INT_DIVISIONS)
def test_integer_division_by_zero_raises(op, dtype):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        INT_DIVISIONS[op](torch, make(torch, [1, 2, 3], dtype), make(torch, [1, 0, 1], dtype))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        INT_DIVISIONS[op](ember, make(ember, [1, 2, 3], dtype), make(ember, [1, 0, 1], dtype))


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("op", INT_DIVISIONS)
def test_integer_division_by_a_zero_scalar_raises(op, dtype):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        INT_DIVISIONS[op](torch, make(torch, [1, 2, 3], dtype), 0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        INT_DIVISIONS[op](ember, make(ember, [1, 2, 3], dtype), 0)


@pytest.mark.parametrize("dtype", SIGNED)
@pytest.mark.parametrize("op", INT_DIVISIONS)
def test_integer_division_signs(op, dtype):
    check(INT_DIVISIONS[op], [7, -7, 7, -7, 0], [2, 2, -2, -2, -3], dtype=dtype)


@pytest.mark.parametrize("dtype", SIGNED)
@pytest.mark.parametrize("op", INT_DIVISIONS)
def test_integer_minimum_divided_by_minus_one_wraps(op, dtype):
    # The quotient overflows (x86's idiv traps on it); ember wraps it to the minimum and the
    # remainder is 0. torch agrees except for div(rounding_mode="trunc") of int32 and int64,
    # which kills the process with SIGFPE (docs/differences.md): not run on torch.
    minimum = int(np.iinfo(dtype).min)
    x, y = [minimum] * 3, [-1] * 3
    ours = INT_DIVISIONS[op](ember, make(ember, x, dtype), make(ember, y, dtype))
    assert ours.tolist() == ([0] * 3 if op in ("remainder", "mod_operator", "fmod") else [minimum] * 3)
    scalar = INT_DIVISIONS[op](ember, make(ember, x, dtype), -1)
    assert scalar.tolist() == ours.tolist()
    if not (op == "div_trunc" and dtype in ("int32", "int64")):
        check(INT_DIVISIONS[op], x, y, dtype=dtype)


@pytest.mark.parametrize("dtype", INTS + ("bool",))
def test_true_division_of_integers_by_zero_gives_inf_and_nan(dtype):
    values = [1, 0, 1] if dtype != "bool" else [True, False, True]
    check(lambda L, x, y: x / y, values, [0, 0, 1] if dtype != "bool" else [False, False, True], dtype=dtype)
    check(lambda L, x, y: L.div(x, y), values, [0, 0, 1] if dtype != "bool" else [False, False, True],
          dtype=dtype)


# ---- float division by zero ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["div", "div_floor", "div_trunc", "remainder", "fmod", "floor_divide"])
def test_float_division_by_zero(op, dtype):
    numerators = [1.0, -1.0, 0.0, nan, inf, -inf, 1.0, -1.0, 0.0]
    denominators = [0.0, 0.0, 0.0, 0.0, 0.0, -0.0, -0.0, -0.0, -0.0]
    fns = dict(INT_DIVISIONS, div=lambda L, x, y: x / y)
    check(fns[op], numerators, denominators, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["div", "floor_divide", "remainder", "fmod"])
def test_float_division_by_inf(op, dtype):
    fns = dict(INT_DIVISIONS, div=lambda L, x, y: x / y)
    check(fns[op], [1.0, -1.0, inf, 0.0, 5.0], [inf, inf, inf, -inf, -inf], dtype=dtype)


# ---- integer overflow wraps ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "neg", "abs", "square", "add_scalar", "mul_scalar",
                                "sum_to_same", "cumprod"])
def test_integer_overflow_wraps_like_torch(op, dtype):
    if dtype == "uint8" and op in ("neg",):
        pytest.skip("neg of uint8 wraps too, but torch refuses it")
    info = np.iinfo(dtype)
    x = [info.max, info.min, info.max - 1, info.min + 1]
    y = [1, -1 if dtype != "uint8" else 1, 2, info.max]
    fns = {
        "add": lambda L, a, b: a + b,
        "sub": lambda L, a, b: a - b,
        "mul": lambda L, a, b: a * b,
        "neg": lambda L, a, b: -a,
        "abs": lambda L, a, b: L.abs(a),
        "square": lambda L, a, b: a * a,
        "add_scalar": lambda L, a, b: a + 1,
        "mul_scalar": lambda L, a, b: a * 3,
        "sum_to_same": lambda L, a, b: L.sum(a, dtype=a.dtype),
        "cumprod": lambda L, a, b: L.cumprod(a, dim=0, dtype=a.dtype),
    }
    check(fns[op], x, y, dtype=dtype)


@pytest.mark.parametrize("dtype", SIGNED)
def test_abs_and_neg_of_the_minimum_stay_the_minimum(dtype):
    info = np.iinfo(dtype)
    ours = ember.abs(make(ember, [info.min], dtype))
    assert ours.item() == info.min
    check(lambda L, x: (L.abs(x), -x, L.neg(x)), [info.min], dtype=dtype)


# ---- float16 / bfloat16 overflow -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("op", ["mul", "add", "exp", "square", "sum", "mean", "cumsum", "matmul", "scalar_mul",
                                "to_half_from_float", "pow", "prod", "softmax", "var"])
def test_half_precision_overflow(op, dtype):
    if dtype == "bfloat16" and op in ("sum", "mean", "cumsum"):
        pytest.skip("partial sums beyond float32: test_sums_carry_partials_beyond_float32")
    big = 60000.0 if dtype == "float16" else 3.0e38
    data = [big, big, -big, 1.0]
    fns = {
        "mul": lambda L, x: x * x,
        "add": lambda L, x: x + x,
        "exp": lambda L, x: L.exp(x / 10),
        "square": lambda L, x: L.square(x),
        "sum": lambda L, x: L.sum(x),  # accumulates in float32: big + big - big is finite
        "mean": lambda L, x: L.mean(x),
        "cumsum": lambda L, x: L.cumsum(x, dim=0),
        "matmul": lambda L, x: x @ x,
        "scalar_mul": lambda L, x: x * 4,
        "to_half_from_float": lambda L, x: (x.float() * 4).to(x.dtype),
        "pow": lambda L, x: x ** 2,
        "prod": lambda L, x: L.prod(x),
        "softmax": lambda L, x: L.softmax(x, dim=0),
        "var": lambda L, x: L.var(x),
    }
    check(fns[op], data, dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_sums_carry_partials_beyond_float32(dtype):
    # ember carries float32 and 16-bit partial sums in float64 (docs/differences.md): a
    # partial sum that would overflow float32 does not make the total inf. torch's float32
    # sum (and its bfloat16 sum, mean and cumsum, which accumulate in float32) give inf.
    x = make(ember, [3e38, 3e38, -3e38, 1.0], dtype)
    assert np.isfinite(ember.sum(x).item()) and np.isfinite(ember.mean(x).item())
    assert ember.sum(x).item() == pytest.approx(3e38, rel=1e-2)
    scan = as_numpy(ember.cumsum(x, dim=0)).astype(np.float64)
    assert np.isinf(scan[1]) and np.isfinite(scan[[0, 2, 3]]).all()
    assert torch.isinf(torch.sum(make(torch, [3e38, 3e38, -3e38, 1.0], dtype)))


@pytest.mark.parametrize("target", ["float16", "bfloat16", "float32"])
def test_casting_out_of_range_floats_to_narrower_floats_gives_inf(target):
    check(lambda L, x: x.to(getattr(L, target)), [1e300, -1e300, 70000.0, 1e-300, -1e-300, nan], dtype="float64")


# ---- casting NaN and inf to integers -------------------------------------------------------------
@pytest.mark.parametrize("source", FLOATS)
@pytest.mark.parametrize("target", INTS + ("bool",))
def test_casting_nan_and_inf_to_integers_does_not_crash(source, target):
    # C++ leaves the conversion of NaN, inf and out-of-range floats to integers undefined, and
    # torch's results there depend on the platform: compare only what is defined, which is
    # in-range values (truncated toward zero) and bool (NaN and inf are true).
    data = [nan, inf, -inf, 1e30, -1e30, 2.5, -2.5, 0.0, 100.75]
    ours = make(ember, data, source).to(getattr(ember, target))
    theirs = make(torch, data, source).to(getattr(torch, target))
    assert dtype_name(ours) == target and tuple(ours.shape) == (len(data),)
    ours, theirs = ours.tolist(), theirs.tolist()
    if target == "bool":
        assert ours == theirs == [True] * 7 + [False, True]
        return
    defined = [5, 7, 8] if target == "uint8" else [5, 6, 7, 8]
    assert [ours[i] for i in defined] == [theirs[i] for i in defined]
    assert all(np.iinfo(target).min <= v <= np.iinfo(target).max for v in ours)


# ---- float special values in the elementwise core ------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
def test_inf_arithmetic(dtype):
    x, y = [inf, inf, -inf, inf, 0.0, nan], [inf, -inf, -inf, 0.0, inf, 0.0]
    check(lambda L, a, b: (a + b, a - b, a * b, a / b), x, y, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_scalar_special_values_broadcast(dtype):
    check(lambda L, x: (x + nan, x * inf, x - inf, x * 0.0, x / 0.0), [1.0, -1.0, 0.0, inf], dtype=dtype)


# ---- regressions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", HALF)
def test_vector_norm_takes_16_bit_floats(dtype):
    check(lambda L, x: (L.linalg.vector_norm(x, dim=1), L.linalg.vector_norm(x, inf), L.linalg.vector_norm(x, 0)),
          [[3.0, 4.0, 0.0], [1.0, -2.0, 2.0]], dtype=dtype)
    x = make(ember, [[3.0, 4.0], [1.0, -2.0]], dtype).requires_grad_()
    ember.linalg.vector_norm(x, dim=1).sum().backward()
    assert dtype_name(x.grad) == dtype
    np.testing.assert_allclose(as_numpy(x.grad).astype(np.float64), [[0.6, 0.8], [0.4472, -0.8944]], atol=1e-2)
    with pytest.raises(TypeError, match="vector_norm"):
        ember.linalg.vector_norm(ember.tensor([1, 2]))


@pytest.mark.parametrize("dtype", FLOATS)
def test_logcumsumexp_starts_at_positive_zero_for_negative_zero(dtype):
    out = ember.logcumsumexp(make(ember, [-0.0, 1.0], dtype), dim=0)
    assert not np.signbit(as_numpy(out)[0])
    check(lambda L, x: L.logcumsumexp(x, dim=0), [-0.0, -inf, 0.0], dtype=dtype)


# ---- the vectorized and threaded paths -----------------------------------------------------------
LARGE_OPS = {
    "sum": lambda L, x: L.sum(x, dim=1),
    "mean": lambda L, x: L.mean(x, dim=1),
    "prod": lambda L, x: L.prod(x * 0 + 1, dim=1),  # ones, with the NaN/inf kept by 0 * x
    "max_dim": lambda L, x: tuple(L.max(x, dim=1)),
    "min_dim": lambda L, x: tuple(L.min(x, dim=1)),
    "max_dim0": lambda L, x: tuple(L.max(x, dim=0)),
    "max": lambda L, x: L.max(x),
    "min": lambda L, x: L.min(x),
    "amax": lambda L, x: L.amax(x, dim=1),
    "amin_dim0": lambda L, x: L.amin(x, dim=0),
    "argmax": lambda L, x: L.argmax(x, dim=1),
    "argmin": lambda L, x: L.argmin(x, dim=1),
    "argmax_all": lambda L, x: L.argmax(x),
    "softmax": lambda L, x: L.softmax(x, dim=1),
    "log_softmax": lambda L, x: L.log_softmax(x, dim=0),
    "logsumexp": lambda L, x: L.logsumexp(x, dim=1),
    "var": lambda L, x: L.var(x, dim=1),
    "norm": lambda L, x: L.linalg.vector_norm(x, dim=1),
    "norm_inf": lambda L, x: L.linalg.vector_norm(x, inf, dim=1),
    "cumsum": lambda L, x: L.cumsum(x, dim=1),
    "maximum": lambda L, x: L.maximum(x, x.flip(1)),
    "fmax": lambda L, x: L.fmax(x, x.flip(1)),
    "clamp": lambda L, x: L.clamp(x, -0.5, 0.5),
    "sort": lambda L, x: L.sort(x, dim=1, stable=True)[0],
    "relu": lambda L, x: L.relu(x),
    "sigmoid": lambda L, x: L.sigmoid(x),
    "exp": lambda L, x: L.exp(x),
}


def large_special(rows, cols, seed):
    """Random values with NaN and infinities at the ends and in the middle of the rows."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols))
    x[0, 0] = nan
    x[1, cols - 1] = nan
    x[2, cols // 2 + 3] = inf
    x[3, 7] = -inf
    x[4, 5], x[4, cols - 2] = inf, -inf
    x[5, 9], x[5, 10] = nan, inf
    return x


@pytest.mark.parametrize("op,layout,dtype", [
    pytest.param(op, layout, d)
    for op in LARGE_OPS for layout in ("contiguous", "transposed") for d in FLOATS])
def test_special_values_on_long_rows(op, layout, dtype):
    data = large_special(8, 1031, 3)
    if layout == "transposed":
        fn = lambda L, x: LARGE_OPS[op](L, x.t().contiguous().t())  # noqa: E731  the same values, strided
    else:
        fn = LARGE_OPS[op]
    tolerance = (1e-2, 1e-2) if dtype in ("float16", "bfloat16") and op in ("sum", "mean", "var", "cumsum", "norm") \
        else (1e-4, 1e-5) if op in ("sum", "mean", "var", "cumsum", "norm") else None
    check(fn, data, dtype=dtype, tolerance=tolerance)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["sum", "max", "min", "argmax_all", "amax", "softmax", "cumsum", "norm_inf"])
def test_special_values_with_many_elements(op, dtype):
    # Enough elements for the threaded reductions: the NaN or inf sits in one thread's share.
    # (The suite's workers run one thread each: ask for two here.)
    data = large_special(6, 40000, 4)
    threads = ember.get_num_threads()
    ember.set_num_threads(2)
    try:
        check(LARGE_OPS[op], data, dtype=dtype, tolerance=(1e-4, 1e-3))
        check(lambda L, x: LARGE_OPS[op](L, x.t()), data.T.copy(), dtype=dtype, tolerance=(1e-4, 1e-3))
    finally:
        ember.set_num_threads(threads)


# ---- losses and normalisations at the edges ------------------------------------------------------
LOSS_CASES = {
    # A masked (-inf) logit: 0 loss for the others, inf where the target is the masked class.
    "cross_entropy_masked": lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 1, 2]), reduction="none"),
    "cross_entropy_mean": lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 2, 2])),
    "cross_entropy_smoothing": lambda L, x: L.nn.functional.cross_entropy(x[:, :2].clamp(min=-1e4),
                                                                         L.tensor([0, 1, 1]), label_smoothing=0.1),
    "nll_of_log_softmax": lambda L, x: L.nn.functional.nll_loss(L.log_softmax(x, 1), L.tensor([2, 1, 0]),
                                                                reduction="none"),
    # Probabilities of exactly 0 and 1: the log is clamped at -100, as in torch.
    "bce_at_0_and_1": lambda L, x: L.nn.functional.binary_cross_entropy(
        L.tensor([0.0, 1.0, 0.0, 1.0], dtype=x.dtype), L.tensor([1.0, 0.0, 0.0, 1.0], dtype=x.dtype), reduction="none"),
    "bce_with_logits_inf": lambda L, x: L.nn.functional.binary_cross_entropy_with_logits(
        L.tensor([inf, -inf, inf, -inf, nan], dtype=x.dtype), L.tensor([1.0, 0.0, 0.0, 1.0, 1.0], dtype=x.dtype),
        reduction="none"),
    "mse_inf": lambda L, x: L.nn.functional.mse_loss(x[0], x[1], reduction="none"),
    "l1_inf": lambda L, x: L.nn.functional.l1_loss(x[0], x[2], reduction="none"),
    "smooth_l1_inf": lambda L, x: L.nn.functional.smooth_l1_loss(x[0], x[2], reduction="none"),
    "huber_inf": lambda L, x: L.nn.functional.huber_loss(x[0], x[1], reduction="none"),
    "kl_div_zero_target": lambda L, x: L.nn.functional.kl_div(
        L.log_softmax(x[1:2, 1:], 1), L.tensor([[0.0, 1.0]], dtype=x.dtype), reduction="none"),
    "layer_norm_inf": lambda L, x: L.nn.functional.layer_norm(x, (3,)),
    "normalize_zero_row": lambda L, x: L.nn.functional.normalize(x * 0, dim=1),
    "normalize_inf": lambda L, x: L.nn.functional.normalize(x, dim=1),
    "cosine_similarity_zero": lambda L, x: L.nn.functional.cosine_similarity(x * 0, x, dim=1),
}
LOSS_LOGITS = [[0.0, -inf, 1.0], [2.0, 1.0, -inf], [-inf, -inf, 3.0]]


LOSS_CASES.update({  # a group holding an infinity normalizes to NaN throughout, as in torch
    "group_norm_inf": lambda L, x: L.nn.functional.group_norm(x.reshape(1, 3, 3), 3),
    "instance_norm_inf": lambda L, x: L.nn.functional.instance_norm(x.reshape(1, 3, 3)),
    "batch_norm_inf": lambda L, x: L.nn.functional.batch_norm(x, None, None, training=True),
})


@pytest.mark.parametrize("case,dtype", [(c, d) for c in LOSS_CASES for d in ("float32", "float64")])
def test_losses_and_norms_with_infinities(case, dtype):
    # binary_cross_entropy's 0 * log(...) terms give torch a -0.0 loss: the sign of a zero loss
    # means nothing.
    check(LOSS_CASES[case], LOSS_LOGITS, dtype=dtype, zero_sign=case != "bce_at_0_and_1")


@pytest.mark.parametrize("op", ["layer_norm", "group_norm", "batch_norm"])
def test_norms_with_nan_match_torch(op):
    fns = {
        "layer_norm": lambda L, x: L.nn.functional.layer_norm(x, (3,)),
        "group_norm": lambda L, x: L.nn.functional.group_norm(x.reshape(1, 3, 3), 3),
        "batch_norm": lambda L, x: L.nn.functional.batch_norm(x, None, None, training=True),
    }
    check(fns[op], [[0.0, nan, 1.0], [2.0, 1.0, 3.0], [1.0, 5.0, 3.0]])
