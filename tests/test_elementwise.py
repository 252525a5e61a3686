"""Values of the elementwise ops against numpy, on every dtype each op accepts, and on
non-contiguous, broadcast, zero-size and zero-dim inputs."""
import math

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, make_tensor, numpy_dtype, round_to, to_numpy
from conftest import assert_close_elementwise as check

NUMERIC_DTYPES = INT_DTYPES + FLOAT_DTYPES

rng = np.random.default_rng(0)


def values(dtype, shape, positive=False, nonzero=False):
    """Random values representable in `dtype` (as a float64/int/bool numpy array)."""
    if dtype == ember.bool:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype in INT_DTYPES:
        info = np.iinfo(numpy_dtype(dtype))
        lo = 1 if positive else max(info.min, -100)
        v = rng.integers(lo, min(info.max, 100), shape, endpoint=True).astype(numpy_dtype(dtype))
        if nonzero:
            v[v == 0] = 3
        return v
    v = rng.uniform(0.1 if positive else -4, 4, shape)
    if nonzero:
        v[np.abs(v) < 0.1] = 0.5
    return round_to(v, dtype).astype(np.float64)


def np_result(v, dtype):
    """numpy inputs in a dtype whose arithmetic matches `dtype`'s (16-bit floats in float64)."""
    if dtype in FLOAT_DTYPES:
        return v.astype(np.float64)
    return v.astype(numpy_dtype(dtype))


# ---- binary arithmetic -----------------------------------------------------------------------
ARITH = {
    "add": (ember.add, np.add, ALL_DTYPES),
    "sub": (ember.sub, np.subtract, tuple(d for d in ALL_DTYPES if d != ember.bool)),
    "mul": (ember.mul, np.multiply, ALL_DTYPES),
    "maximum": (ember.maximum, np.maximum, ALL_DTYPES),
    "minimum": (ember.minimum, np.minimum, ALL_DTYPES),
    "floor_divide": (ember.floor_divide, np.floor_divide, NUMERIC_DTYPES),
    "remainder": (ember.remainder, np.remainder, NUMERIC_DTYPES),
    "fmod": (ember.fmod, np.fmod, NUMERIC_DTYPES),
}


@pytest.mark.parametrize("name", ARITH)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_binary_arithmetic(name, dtype):
    fn, ref, dtypes = ARITH[name]
    if dtype not in dtypes:
        pytest.skip("dtype not supported by the op")
    divides = name in ("floor_divide", "remainder", "fmod")
    a = values(dtype, (3, 5))
    b = values(dtype, (5,), nonzero=divides)
    with np.errstate(all="ignore"):
        want = ref(np_result(a, dtype), np_result(b, dtype))
    check(fn(make_tensor(a, dtype), make_tensor(b, dtype)), want, dtype)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_true_division(dtype):
    a, b = values(dtype, (4, 3)), values(dtype, (4, 3), nonzero=True)
    out_dtype = dtype if dtype in FLOAT_DTYPES else ember.float32
    with np.errstate(all="ignore"):
        want = a.astype(np.float64) / b.astype(np.float64)
    check(ember.div(make_tensor(a, dtype), make_tensor(b, dtype)), want, out_dtype)
    check(make_tensor(a, dtype) / make_tensor(b, dtype), want, out_dtype)


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES, ids=str)
def test_division_rounding_modes(dtype):
    a, b = values(dtype, (20,)), values(dtype, (20,), nonzero=True)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if dtype in INT_DTYPES:
        trunc = np.array([int(x / y) for x, y in zip(a.tolist(), b.tolist())])
        floor = np.array([x // y for x, y in zip(a.tolist(), b.tolist())])
        trunc = trunc.astype(numpy_dtype(dtype))  # wraps as the dtype does
    else:
        trunc, floor = np.trunc(a64 / b64), np.floor_divide(a64, b64)
    check(ember.div(make_tensor(a, dtype), make_tensor(b, dtype), rounding_mode="trunc"), trunc, dtype)
    check(ember.div(make_tensor(a, dtype), make_tensor(b, dtype), rounding_mode="floor"), floor, dtype)
    with pytest.raises(ValueError, match="rounding_mode"):
        ember.div(make_tensor(a, dtype), make_tensor(b, dtype), rounding_mode="round")


def test_python_division_semantics_on_floats():
    a = make_tensor(np.array([5.0, -5.0, 5.0, -5.0, -1.0, -0.0, 1.0, 5.0]), ember.float64)
    b = make_tensor(np.array([3.0, 3.0, -3.0, -3.0, math.inf, 3.0, 0.0, 0.0]), ember.float64)
    av, bv = to_numpy(a), to_numpy(b)
    with np.errstate(all="ignore"):
        check(ember.remainder(a, b), np.remainder(av, bv), ember.float64)
        check(ember.fmod(a, b), np.fmod(av, bv), ember.float64)
        check(ember.floor_divide(a, b), np.floor_divide(av, bv), ember.float64)
    assert math.copysign(1, to_numpy(ember.remainder(a, b))[5]) == -1  # -0 % 3 is -0


def test_integer_division_edge_cases():
    for dtype in (ember.int8, ember.int32, ember.int64):
        lo = np.iinfo(numpy_dtype(dtype)).min
        a = make_tensor(np.array([lo, lo, 7, -7]), dtype)
        b = make_tensor(np.array([-1, 1, -1, 2]), dtype)
        # no trap on MIN / -1: it wraps, as in PyTorch
        check(ember.floor_divide(a, b), np.array([lo, lo, -7, -4]), dtype)
        check(ember.div(a, b, rounding_mode="trunc"), np.array([lo, lo, -7, -3]), dtype)
        check(ember.remainder(a, b), np.array([0, 0, 0, 1]), dtype)
        check(ember.fmod(a, b), np.array([0, 0, 0, -1]), dtype)


@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod", "trunc"])
def test_integer_division_by_zero_raises(op):
    a = make_tensor(np.array([1, 2, 3], dtype=np.int32))
    b = make_tensor(np.array([1, 0, 1], dtype=np.int32))
    fn = (lambda x, y: ember.div(x, y, rounding_mode="trunc")) if op == "trunc" else getattr(ember, op)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(a, b)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(a, 0)
    # in place: self is left as it was
    before = to_numpy(a)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        a.floor_divide_(b) if op == "floor_divide" else a.fmod_(b) if op == "fmod" else a.remainder_(b) \
            if op == "remainder" else a.div_(b, rounding_mode="trunc")
    np.testing.assert_array_equal(to_numpy(a), before)
    # float division by zero is IEEE
    check(ember.floor_divide(make_tensor(np.array([1.0, -1.0, 0.0])), 0.0), np.array([math.inf, -math.inf, math.nan]),
          ember.float64)


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES, ids=str)
def test_pow(dtype):
    a = values(dtype, (10,), positive=dtype in FLOAT_DTYPES)
    b = values(dtype, (10,), positive=True) % 4 if dtype in INT_DTYPES else values(dtype, (10,))
    if dtype in INT_DTYPES:
        want = np.power(a.astype(numpy_dtype(dtype)), b.astype(numpy_dtype(dtype)))
    else:
        want = np.power(a, b)
    check(ember.pow(make_tensor(a, dtype), make_tensor(b, dtype)), want, dtype)
    check(make_tensor(a, dtype) ** 2, np_result(a, dtype) ** 2, dtype)


def test_pow_integer_rules():
    t = make_tensor(np.array([1, -1, 2, 0, -3]))
    with pytest.raises(RuntimeError, match="negative integer powers"):
        t ** -1
    with pytest.raises(RuntimeError, match="negative integer powers"):
        ember.pow(t, -2)
    # a negative exponent from a tensor truncates toward zero, as in PyTorch
    check(ember.pow(t, make_tensor(np.array([-1, -1, -1, -1, -2]))), np.array([1, -1, 0, 0, 0]), ember.int64)
    check(ember.pow(t, make_tensor(np.array([-3] * 5))), np.array([1, -1, 0, 0, 0]), ember.int64)
    check(2 ** make_tensor(np.array([0, 3, 10], dtype=np.int32)), np.array([1, 8, 1024]), ember.int32)
    with np.errstate(all="ignore"):
        check(t ** 2.5, np.power(to_numpy(t).astype(np.float64), 2.5), ember.float32)
    check(2.5 ** make_tensor(np.array([1, 2])), np.array([2.5, 6.25]), ember.float32)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons(name, dtype):
    a, b = values(dtype, (6, 4)), values(dtype, (4,))
    a[0, :] = b  # some equal elements
    want = getattr(np, {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater",
                        "ge": "greater_equal"}[name])(a, b)
    check(getattr(ember, name)(make_tensor(a, dtype), make_tensor(b, dtype)), want, ember.bool)


def test_comparisons_with_nan_and_scalars():
    a = make_tensor(np.array([1.0, math.nan, -2.0], dtype=np.float32))
    check(a == a, np.array([True, False, True]), ember.bool)
    check(a != a, np.array([False, True, False]), ember.bool)
    check(a < 0.5, np.array([False, False, True]), ember.bool)
    check(0.5 < a, np.array([True, False, False]), ember.bool)
    i = make_tensor(np.array([5, -7], dtype=np.int32))
    check(i == 5.0000001, np.array([True, False]), ember.bool)  # compared in float32, like PyTorch
    assert (a == None) is False and (a != None) is True  # noqa: E711


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical(name, dtype):
    a, b = values(dtype, (5, 3)), values(dtype, (5, 3))
    a[0], b[1] = 0, 0
    check(getattr(ember, name)(make_tensor(a, dtype), make_tensor(b, dtype)), getattr(np, name)(a, b), ember.bool)
    check(ember.logical_not(make_tensor(a, dtype)), np.logical_not(a), ember.bool)


@pytest.mark.parametrize("dtype", (ember.bool,) + INT_DTYPES, ids=str)
def test_bitwise(dtype):
    a, b = values(dtype, (7,)), values(dtype, (7,))
    na, nb = a.astype(numpy_dtype(dtype)), b.astype(numpy_dtype(dtype))
    ea, eb = make_tensor(a, dtype), make_tensor(b, dtype)
    check(ea & eb, na & nb, dtype)
    check(ea | eb, na | nb, dtype)
    check(ea ^ eb, na ^ nb, dtype)
    check(~ea, ~na, dtype)
    if dtype != ember.bool:
        s = np.array([0, 1, 2, 3, 4, 5, 6]).astype(numpy_dtype(dtype))
        check(ea << make_tensor(s, dtype), na << s, dtype)
        check(ea >> make_tensor(s, dtype), na >> s, dtype)


def test_shift_out_of_range_like_pytorch():
    i = make_tensor(np.array([5, -7, 0], dtype=np.int32))
    check(i << 40, np.array([0, 0, 0]), ember.int32)
    check(i >> 40, np.array([0, -1, 0]), ember.int32)
    check(i << -1, np.array([0, 0, 0]), ember.int32)
    check(i >> -1, np.array([0, -1, 0]), ember.int32)
    u = make_tensor(np.array([200, 3], dtype=np.uint8))
    check(u << 3, np.array([64, 24]), ember.uint8)
    check(u >> 9, np.array([0, 0]), ember.uint8)
    check(make_tensor(np.array([1], dtype=np.int8)) << 7, np.array([-128]), ember.int8)


@pytest.mark.parametrize("op", [ember.bitwise_and, ember.bitwise_or, ember.bitwise_xor, ember.bitwise_left_shift,
                                ember.bitwise_right_shift])
def test_bitwise_refuses_floats(op):
    f = make_tensor(np.array([1.0, 2.0], dtype=np.float32))
    with pytest.raises(TypeError, match="float32"):
        op(f, f)
    with pytest.raises(TypeError):
        op(make_tensor(np.array([1, 2])), 1.5)
    with pytest.raises(TypeError):
        ~f


def test_shifts_refuse_bool():
    b = make_tensor(np.array([True, False]))
    with pytest.raises(TypeError):
        b << b


def test_atan2():
    a, b = values(ember.float64, (9,)), values(ember.float64, (9,))
    check(ember.atan2(make_tensor(a, ember.float64), make_tensor(b, ember.float64)), np.arctan2(a, b), ember.float64)
    check(ember.atan2(make_tensor(np.array([1, -1])), make_tensor(np.array([0, -1]))),
          np.arctan2([1.0, -1.0], [0.0, -1.0]), ember.float32)


def test_maximum_minimum_propagate_nan():
    a = make_tensor(np.array([1.0, math.nan, 3.0, math.nan], dtype=np.float32))
    b = make_tensor(np.array([math.nan, 2.0, 1.0, math.nan], dtype=np.float32))
    check(ember.maximum(a, b), np.maximum(to_numpy(a), to_numpy(b)), ember.float32)
    check(ember.minimum(a, b), np.minimum(to_numpy(a), to_numpy(b)), ember.float32)


def test_add_sub_alpha():
    a, b = make_tensor(np.array([1.0, 2.0])), make_tensor(np.array([10.0, 20.0]))
    check(ember.add(a, b, alpha=0.5), np.array([6.0, 12.0]), ember.float64)
    check(ember.sub(a, b, alpha=2), np.array([-19.0, -38.0]), ember.float64)
    check(a.add(b, alpha=-1), np.array([-9.0, -18.0]), ember.float64)
    i = make_tensor(np.array([1, 2]))
    check(ember.add(i, i, alpha=3), np.array([4, 8]), ember.int64)
    with pytest.raises(TypeError, match="alpha"):
        ember.add(i, i, alpha=1.5)
    with pytest.raises(TypeError, match="alpha"):
        ember.add(i, 2, alpha=True)
    t = make_tensor(np.array([True, False]))
    check(ember.add(t, t, alpha=2), np.array([True, False]), ember.bool)


def test_sub_and_neg_refuse_bool():
    b = make_tensor(np.array([True, False]))
    with pytest.raises(TypeError, match="two bool tensors"):
        b - b
    with pytest.raises(TypeError, match="bool tensor"):
        b - 1
    with pytest.raises(TypeError, match="bool tensor"):
        1 - b
    with pytest.raises(TypeError, match="(?i)negation"):
        -b


# ---- unary ----------------------------------------------------------------------------------
FLOAT_FNS = {
    "exp": np.exp, "exp2": np.exp2, "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10,
    "log1p": np.log1p, "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x), "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "tanh": np.tanh, "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "reciprocal": lambda x: 1 / x,
}


def np_erf(x):
    from math import erf
    return np.vectorize(erf)(x)


FLOAT_FNS["erf"] = np_erf
POSITIVE = {"log", "log2", "log10", "log1p", "sqrt", "rsqrt"}


@pytest.mark.parametrize("name", FLOAT_FNS)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_floating_unary(name, dtype):
    v = values(dtype, (4, 6), positive=name in POSITIVE, nonzero=name == "reciprocal")
    out_dtype = dtype if dtype in FLOAT_DTYPES else ember.float32
    with np.errstate(all="ignore"):
        want = FLOAT_FNS[name](v.astype(np.float64))
    rtol = {ember.float32: 4e-6}.get(out_dtype)
    check(getattr(ember, name)(make_tensor(v, dtype)), want, out_dtype, rtol=rtol, atol=1e-6 if out_dtype != ember.float64 else None)


KEEP_DTYPE = {
    "neg": (np.negative, NUMERIC_DTYPES), "abs": (np.abs, NUMERIC_DTYPES), "sign": (np.sign, ALL_DTYPES),
    "floor": (np.floor, NUMERIC_DTYPES), "ceil": (np.ceil, NUMERIC_DTYPES), "round": (np.round, NUMERIC_DTYPES),
    "trunc": (np.trunc, NUMERIC_DTYPES), "relu": (lambda x: np.maximum(x, 0).astype(x.dtype), NUMERIC_DTYPES),
    "square": (np.square, NUMERIC_DTYPES),
}


@pytest.mark.parametrize("name", KEEP_DTYPE)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_dtype_keeping_unary(name, dtype):
    ref, dtypes = KEEP_DTYPE[name]
    if dtype == ember.bool and name in ("sign", "square"):
        pytest.skip("bool rules: test_unary_special_rules")
    v = values(dtype, (5, 4))
    if dtype in FLOAT_DTYPES:
        v = v * 2.5  # halves and negative values for the rounding ops
        v[0, :4] = [0.5, 1.5, 2.5, -0.5]
        v = round_to(v, dtype).astype(np.float64)
    t = make_tensor(v, dtype)
    if dtype not in dtypes:
        with pytest.raises(TypeError):
            getattr(ember, name)(t)
        return
    with np.errstate(all="ignore"):
        want = ref(np_result(v, dtype) if dtype in FLOAT_DTYPES else v.astype(numpy_dtype(dtype)))
    check(getattr(ember, name)(t), want, dtype)


def test_unary_special_rules():
    check(ember.abs(make_tensor(np.array([-128, 5], dtype=np.int8))), np.array([-128, 5]), ember.int8)
    check(-make_tensor(np.array([1, 3], dtype=np.uint8)), np.array([255, 253]), ember.uint8)
    check(ember.square(make_tensor(np.array([True, False]))), np.array([1, 0]), ember.int64)
    check(ember.sign(make_tensor(np.array([True, False]))), np.array([True, False]), ember.bool)
    check(ember.sign(make_tensor(np.array([math.nan, -0.0, -2.0]))), np.array([0.0, 0.0, -1.0]), ember.float64)
    check(ember.relu(make_tensor(np.array([math.nan, -1.0, 2.0]))), np.array([math.nan, 0.0, 2.0]), ember.float64)
    check(ember.round(make_tensor(np.array([0.5, 1.5, 2.5, -0.5, -1.5]))), np.array([0.0, 2.0, 2.0, -0.0, -2.0]),
          ember.float64)
    check(ember.round(make_tensor(np.array([1.2345, -2.5551])), decimals=2), np.array([1.23, -2.56]), ember.float64)
    check(ember.exp(make_tensor(np.array([0, 1]))), np.exp([0.0, 1.0]), ember.float32)
    for name in ("relu", "floor", "round", "abs"):
        with pytest.raises(TypeError):
            getattr(ember, name)(make_tensor(np.array([True])))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_predicates(dtype):
    v = values(dtype, (8,))
    if dtype in FLOAT_DTYPES:
        v[:3] = [math.nan, math.inf, -math.inf]
    t = make_tensor(v, dtype)
    check(ember.isnan(t), np.isnan(v.astype(np.float64)), ember.bool)
    check(ember.isinf(t), np.isinf(v.astype(np.float64)), ember.bool)
    check(ember.isfinite(t), np.isfinite(v.astype(np.float64)), ember.bool)


# ---- clamp, where -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", NUMERIC_DTYPES, ids=str)
def test_clamp(dtype):
    v = values(dtype, (4, 5))
    t = make_tensor(v, dtype)
    nv = np_result(v, dtype)
    check(ember.clamp(t, 1, 2), np.clip(nv, 1, 2), dtype)
    check(ember.clamp(t, min=0), np.maximum(nv, 0), dtype)
    check(t.clamp(max=1), np.minimum(nv, 1), dtype)
    check(ember.clip(t, 2, 1), np.full(v.shape, 1), dtype)  # max wins when min > max
    lo, hi = values(dtype, (5,)), values(dtype, (4, 1))
    check(ember.clamp(t, make_tensor(lo, dtype), make_tensor(hi, dtype)),
          np.minimum(np.maximum(nv, np_result(lo, dtype)), np_result(hi, dtype)), dtype)


def test_clamp_rules():
    i = make_tensor(np.array([5, -7, 0], dtype=np.int32))
    check(ember.clamp(i, min=1.5), np.array([5.0, 1.5, 1.5]), ember.float32)  # bounds promote
    check(ember.clamp(i, 0, 2), np.array([2, 0, 0]), ember.int32)
    f = make_tensor(np.array([1.5, math.nan, -2.5], dtype=np.float32))
    check(ember.clamp(f, min=math.nan), np.full(3, math.nan), ember.float32)
    check(ember.clamp(f, -1, 1), np.array([1.0, math.nan, -1.0]), ember.float32)
    with pytest.raises(ValueError, match="min.*max"):
        ember.clamp(f)
    with pytest.raises(TypeError):
        ember.clamp(make_tensor(np.array([True])), min=True)
    check(ember.clamp(make_tensor(np.array([True, False])), min=0), np.array([1, 0]), ember.int64)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_where(dtype):
    c = rng.integers(0, 2, (3, 4)).astype(bool)
    a, b = values(dtype, (3, 4)), values(dtype, (4,))
    check(ember.where(make_tensor(c), make_tensor(a, dtype), make_tensor(b, dtype)), np.where(c, a, b), dtype)


def test_where_rules():
    c = make_tensor(np.array([True, False]))
    check(ember.where(c, make_tensor(np.array([5, 6], dtype=np.int32)), 2.5), np.array([5.0, 2.5]), ember.float32)
    check(ember.where(c, 1, 2.5), np.array([1.0, 2.5]), ember.float32)
    check(ember.where(c, make_tensor(np.array([1, 2], dtype=np.int8)), make_tensor(np.array([1.5, 2.5]))),
          np.array([1.0, 2.5]), ember.float64)
    with pytest.raises(TypeError, match="boolean"):
        ember.where(make_tensor(np.array([1.0, 0.0])), c, c)
    with pytest.raises(ValueError):  # ShapeError
        ember.where(c, make_tensor(np.zeros(3)), 1.0)


# ---- layouts --------------------------------------------------------------------------------
def layouts(v, dtype):
    """(name, tensor, numpy view) pairs: the same values in several memory layouts."""
    base = make_tensor(v, dtype)
    out = [("contiguous", base, v)]
    big = make_tensor(np.repeat(np.repeat(v, 2, axis=0), 3, axis=1), dtype)
    out.append(("stepped", big[::2, ::3], v))
    out.append(("transposed", make_tensor(np.ascontiguousarray(v.T), dtype).t(), v))
    out.append(("negative steps", make_tensor(v[::-1, ::-1].copy(), dtype)[::-1, ::-1], v))
    return out


@pytest.mark.parametrize("dtype", [ember.float32, ember.int64, ember.float16], ids=str)
def test_non_contiguous_operands(dtype):
    a, b = values(dtype, (6, 5)), values(dtype, (6, 5))
    for name_a, ta, va in layouts(a, dtype):
        for name_b, tb, vb in layouts(b, dtype):
            check(ta + tb, np_result(va, dtype) + np_result(vb, dtype), dtype)
            check(ember.maximum(ta, tb), np.maximum(va, vb), dtype)
        check(ember.neg(ta), -np_result(va, dtype), dtype)
        check(ta * 3, np_result(va, dtype) * 3, dtype)


def test_broadcast_zero_size_and_zero_dim():
    a = make_tensor(rng.standard_normal((3, 1, 4)))
    b = make_tensor(rng.standard_normal((5, 1)))
    check(a * b, to_numpy(a) * to_numpy(b), ember.float64)
    z = make_tensor(np.zeros((0, 4)))
    check(z + 1, np.zeros((0, 4)), ember.float64)
    check(z + make_tensor(np.ones(4)), np.zeros((0, 4)), ember.float64)
    check(ember.exp(z), np.zeros((0, 4)), ember.float64)
    check(ember.where(make_tensor(np.zeros((0, 1), dtype=bool)), z, 1.0), np.zeros((0, 4)), ember.float64)
    s = make_tensor(np.array(2.0, dtype=np.float32))
    check(s * s, np.array(4.0), ember.float32)
    check(ember.exp(s), np.exp(np.float32(2.0)), ember.float32)
    check(s + make_tensor(np.arange(3)), np.arange(3) + 2.0, ember.float32)
    with pytest.raises(ValueError, match=r"\[3, 1, 4\].*\[2, 5\]|\[2, 5\].*\[3, 1, 4\]"):
        a + make_tensor(np.zeros((2, 5)))


def test_output_follows_a_permuted_input_layout():
    a = make_tensor(rng.standard_normal((3, 4)), ember.float32).t()
    assert (a + a).stride() == (1, 4)
    assert ember.exp(a).stride() == (1, 4)
    assert (a + 1).stride() == (1, 4)
    assert (a + make_tensor(np.zeros((4, 3)), ember.float32)).stride() == (1, 4)
    p = make_tensor(np.zeros((4, 2, 3)), ember.float32).permute(2, 0, 1)
    assert (p + make_tensor(np.zeros((3, 1, 2)), ember.float32)).stride() == (1, 6, 3)
    stepped = make_tensor(np.zeros((2, 6)), ember.float32)[:, ::2]
    assert ember.exp(stepped).stride() == (3, 1)


def test_large_inputs_use_threads_and_tiles():
    n = 700  # above the parallel grain; the transposed operand takes the tiled path
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    ta, tb = make_tensor(a), make_tensor(b)
    check(ta.t() + tb, a.T + b, ember.float32)
    check(ta + tb.t(), a + b.T, ember.float32)
    check(ta.t() * tb[::-1], a.T * b[::-1], ember.float32)
    x = rng.standard_normal((3, 70, 90)).astype(np.float32)
    tx = make_tensor(x)
    check(tx.transpose(1, 2) - make_tensor(np.ascontiguousarray(x.transpose(0, 2, 1))), np.zeros((3, 90, 70)),
          ember.float32)
    check(ember.exp(ta), np.exp(a), ember.float32)


def test_mixed_dtypes_compute_in_the_promoted_dtype():
    i = make_tensor(np.array([16777217], dtype=np.int64))
    f = make_tensor(np.array([16777216.0], dtype=np.float32))
    check(i == f, np.array([True]), ember.bool)  # int64 -> float32 first, as PyTorch
    h = make_tensor(np.array([1.0, 2.0]), ember.float16)
    check(h + 3, np.array([4.0, 5.0]), ember.float16)
    check(make_tensor(np.array([1, 2])) / h, np.array([1.0, 1.0]), ember.float16)
    d = make_tensor(np.array(3.5))  # 0-dim float64 over a dimensioned int: float64
    check(d + make_tensor(np.array([1], dtype=np.int32)), np.array([4.5]), ember.float64)
