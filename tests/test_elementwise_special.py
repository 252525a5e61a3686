"""Special functions and the other floating ops that the catalogue checks against NumPy:
here against PyTorch (digamma and erfinv have no NumPy reference), plus their dtype rules,
aliases and in-place forms."""
import math

import numpy as np
import pytest

import ember
from conftest import to_numpy

UNARY = ["sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "erfc", "erfinv",
         "lgamma", "digamma", "frac", "signbit", "deg2rad", "rad2deg"]
BINARY = ["hypot", "copysign", "logaddexp", "logaddexp2", "xlogy"]
SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, -2.5, -3.0, 2.0,
            1e-30, 1e-8, 0.999999, -0.9999999999, 1.4616321, 7.5, 30.0, -40.25, 1e6, 1e-300]


def _grid(lo, hi, n=2001):
    return np.linspace(lo, hi, n).tolist() + SPECIALS


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    values = _grid(-12.0, 12.0)
    if name == "erfinv":
        values += np.linspace(-1, 1, 2001).tolist()
    x = np.array(values, dtype=dtype)
    got = to_numpy(getattr(ember, name)(ember.tensor(x)))
    want = getattr(torch, name)(torch.from_numpy(x)).numpy()
    assert got.dtype == want.dtype
    if want.dtype == np.bool_:
        np.testing.assert_array_equal(got, want)
        return
    rtol = 1e-5 if dtype == "float32" else 1e-12
    # absolute slack where the function crosses zero (lgamma at 1 and 2, digamma at 1.46)
    atol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    values = np.array([math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -2.5, 3.0, 1e-30, 700.0],
                      dtype=dtype)
    a, b = np.meshgrid(values, values)
    got = to_numpy(getattr(ember, name)(ember.tensor(a), ember.tensor(b)))
    want = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == "float32" else 1e-13,
                               equal_nan=True)
    if name == "copysign":  # the sign of zero results matters
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_digamma_zero_and_poles():
    out = to_numpy(ember.digamma(ember.tensor([0.0, -0.0, -1.0, -7.0, -math.inf, math.inf])))
    assert out[0] == -math.inf and out[1] == math.inf
    assert np.isnan(out[2:5]).all() and out[5] == math.inf


def test_erfinv_inverts_erf_in_float64():
    y = np.linspace(-0.999999, 0.999999, 1001)
    x = to_numpy(ember.erfinv(ember.tensor(y, dtype=ember.float64)))
    np.testing.assert_allclose([math.erf(v) for v in x], y, rtol=1e-15, atol=1e-16)
    tail = 1 - np.logspace(-15, -2, 40)  # near 1, where erf(x) rounds to 1
    x = to_numpy(ember.erfinv(ember.tensor(tail, dtype=ember.float64)))
    np.testing.assert_allclose([math.erfc(v) for v in x], 1 - tail, rtol=1e-12)


@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.uint8, ember.bool])
def test_integer_inputs(dtype):
    t = ember.tensor([0, 1, 1, 0]).to(dtype)
    for name in ["sinh", "erfinv", "lgamma", "digamma", "deg2rad", "rad2deg", "atan"]:
        assert getattr(ember, name)(t).dtype == ember.float32, name
    assert ember.signbit(t).dtype == ember.bool
    assert not to_numpy(ember.signbit(t)).any()
    assert ember.copysign(t, t).dtype == ember.float32
    assert ember.xlogy(t, t).dtype == ember.float32
    for name in ["hypot", "logaddexp", "logaddexp2"]:
        with pytest.raises(TypeError, match=name):
            getattr(ember, name)(t, t)
    with pytest.raises(TypeError, match="frac"):
        ember.frac(t)


def test_signbit_of_signed_integers_and_negative_zero():
    np.testing.assert_array_equal(to_numpy(ember.signbit(ember.tensor([-3, 0, 4]))), [True, False, False])
    np.testing.assert_array_equal(to_numpy(ember.signbit(ember.tensor([-0.0, 0.0, -math.nan]))),
                                  [True, False, True])


def test_half_precision_goes_through_float():
    x = ember.tensor([0.25, 1.5, 3.0], dtype=ember.float16)
    for name in ["sinh", "erfinv", "lgamma", "digamma", "frac"]:
        out = getattr(ember, name)(x)
        assert out.dtype == ember.float16
        ref = getattr(ember, name)(x.to(ember.float32))
        np.testing.assert_allclose(to_numpy(out).astype(np.float32), to_numpy(ref), rtol=2e-3)


def test_aliases_and_inplace_forms():
    x = ember.tensor([0.25, -0.5])
    for alias, name in [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                        ("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh")]:
        assert getattr(ember, alias) is getattr(ember, name)
        assert hasattr(ember.Tensor, alias) and hasattr(ember.Tensor, alias + "_")
    y = x.clone()
    assert y.sinh_() is y
    np.testing.assert_allclose(to_numpy(y), np.sinh(to_numpy(x)), rtol=1e-6)
    y = x.clone()
    y.xlogy_(ember.tensor([2.0, 3.0]))
    np.testing.assert_allclose(to_numpy(y), to_numpy(x) * np.log([2.0, 3.0]), rtol=1e-6)
    for name in ["signbit_", "logaddexp_", "logaddexp2_"]:  # as in PyTorch
        assert not hasattr(ember.Tensor, name)
    i = ember.tensor([1, 2])
    with pytest.raises((TypeError, RuntimeError)):
        i.sinh_()  # a float result cannot be written into an int64 tensor
    np.testing.assert_array_equal(to_numpy(i), [1, 2])


def test_out_form():
    out = ember.empty(3)
    ember.erfc(ember.tensor([0.0, 1.0, -1.0]), out=out)
    np.testing.assert_allclose(to_numpy(out), [math.erfc(v) for v in (0.0, 1.0, -1.0)], rtol=1e-6)
    ember.hypot(ember.tensor([3.0, 5.0, 8.0]), 4.0, out=out)
    np.testing.assert_allclose(to_numpy(out), [5.0, math.hypot(5, 4), math.hypot(8, 4)], rtol=1e-6)
