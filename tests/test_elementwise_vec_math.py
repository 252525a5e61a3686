"""Accuracy of the vectorized float32 math (exp, log, tanh, sigmoid, sin, cos, erf) over the
whole float range: random bit patterns (denormals and huge values included), a dense grid
around the interesting region, and the special values."""
import math

import numpy as np
import pytest

import ember
from conftest import make_tensor, to_numpy

MAX_ULP = 4.0


def np_erf(x):
    try:
        from scipy.special import erf
        return erf(x)
    except ImportError:
        return np.vectorize(math.erf, otypes=[np.float64])(x)


REFERENCES = {
    "exp": np.exp,
    "log": np.log,
    "tanh": np.tanh,
    "sigmoid": lambda x: np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x)))),
    "sin": np.sin,
    "cos": np.cos,
    "erf": np_erf,
}

SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1.1754942e-38, 1.1754944e-38,
                     3.4028235e38, -3.4028235e38, 88.72283, 88.7228394, 88.73, 89.0, 100.0, -87.33654,
                     -100.0, -103.97, -103.98, -104.0, -200.0, 0.625, -0.625, 1.0, 3.9, -3.9, 4.0,
                     8191.9, 8192.0, -8192.0, 8192.5, 1e6, 1e10, 1e30, math.pi, 1e-3, 1e-10],
                    dtype=np.float32)


def inputs():
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2 ** 32, 300_000, dtype=np.uint64).astype(np.uint32)
    every_magnitude = bits.view(np.float32)
    grid = np.linspace(-110, 110, 200_001, dtype=np.float32)
    small = np.geomspace(1e-38, 10, 20_000, dtype=np.float32)
    return np.concatenate([every_magnitude, grid, small, -small, SPECIALS])


@pytest.fixture(scope="module")
def x():
    return inputs()


def ulp_errors(got, want64):
    with np.errstate(over="ignore"):
        want = want64.astype(np.float32)
    same_class = (np.isnan(got) == np.isnan(want)) & (np.isinf(got) == np.isinf(want))
    finite = np.isfinite(want) & np.isfinite(got)
    err = np.zeros(got.shape)
    err[finite] = np.abs(got[finite].astype(np.float64) - want64[finite]) / np.spacing(np.abs(want[finite])).astype(
        np.float64)
    infinite = np.isinf(want) & ~np.isnan(got)
    return same_class, err, infinite & (got != want)


@pytest.mark.parametrize("name", list(REFERENCES))
def test_accuracy_over_the_whole_range(name, x):
    got = to_numpy(getattr(ember, name)(make_tensor(x)))
    with np.errstate(all="ignore"):
        want64 = REFERENCES[name](x.astype(np.float64))
    same_class, err, wrong_inf = ulp_errors(got, want64)
    bad = np.flatnonzero(~same_class)
    assert bad.size == 0, f"{name}: NaN/inf where the reference is not (or back) at x={x[bad[:5]]}: {got[bad[:5]]}"
    assert not wrong_inf.any(), f"{name}: wrong infinity at x={x[wrong_inf][:5]}"
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP, f"{name}: {err[worst]:.2f} ulp at x={x[worst]!r}: {got[worst]!r} vs {want64[worst]!r}"


def test_special_values_exactly():
    s = make_tensor(np.array([0.0, -0.0, np.inf, -np.inf, np.nan], np.float32))
    np.testing.assert_array_equal(to_numpy(ember.exp(s)), np.array([1, 1, np.inf, 0, np.nan], np.float32))
    np.testing.assert_array_equal(to_numpy(ember.log(s)), np.array([-np.inf, -np.inf, np.inf, np.nan, np.nan], np.float32))
    np.testing.assert_array_equal(to_numpy(ember.tanh(s)), np.array([0, -0.0, 1, -1, np.nan], np.float32))
    np.testing.assert_array_equal(to_numpy(ember.sigmoid(s)), np.array([0.5, 0.5, 1, 0, np.nan], np.float32))
    np.testing.assert_array_equal(to_numpy(ember.erf(s)), np.array([0, -0.0, 1, -1, np.nan], np.float32))
    np.testing.assert_array_equal(to_numpy(ember.sin(s)), np.array([0, -0.0, np.nan, np.nan, np.nan], np.float32))
    np.testing.assert_array_equal(to_numpy(ember.cos(s)), np.array([1, 1, np.nan, np.nan, np.nan], np.float32))
    assert math.copysign(1, to_numpy(ember.sin(s))[1]) == -1
    assert to_numpy(ember.log(make_tensor(np.array([-1.0], np.float32))))[0] != to_numpy(ember.log(s))[0]  # NaN


def test_denormal_results_are_not_flushed():
    x = make_tensor(np.array([-100.0, -90.0, -103.0], np.float32))
    want = np.exp(np.array([-100.0, -90.0, -103.0])).astype(np.float32)
    got = to_numpy(ember.exp(x))
    assert (got > 0).all()
    np.testing.assert_allclose(got, want, rtol=0.02)  # a denormal has few significant bits
    np.testing.assert_allclose(to_numpy(ember.sigmoid(x)), want, rtol=0.02)
    np.testing.assert_allclose(to_numpy(ember.log(make_tensor(np.array([1e-40, 1e-45], np.float32)))),
                               np.log(np.array([1e-40, 1e-45], np.float32).astype(np.float64)), rtol=1e-6)


@pytest.mark.parametrize("name", list(REFERENCES))
@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16], ids=str)
def test_16_bit_floats_use_the_same_math(name, dtype):
    v = np.linspace(-8, 8, 4001)
    if name == "log":
        v = np.abs(v) + 1e-3
    t = make_tensor(v, dtype)
    stored = to_numpy(t).astype(np.float64)
    with np.errstate(all="ignore"):
        want = REFERENCES[name](stored)
    got = to_numpy(getattr(ember, name)(t)).astype(np.float64)
    rtol = 1e-3 if dtype == ember.float16 else 8e-3
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 1e-2)


def test_strided_and_huge_trig_arguments_take_the_exact_path():
    x = np.array([1e4, -3e5, 1e20, 7.5, 8192.0001, -1e38], np.float32)
    t = make_tensor(np.stack([x, x]))[:, ::1].t()[:, 0]  # a strided view
    np.testing.assert_allclose(to_numpy(ember.sin(t)), np.sin(x.astype(np.float64)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(to_numpy(ember.cos(make_tensor(x))), np.cos(x.astype(np.float64)), rtol=1e-6, atol=1e-7)
