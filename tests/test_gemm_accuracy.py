"""GEMM numerics: float32 sums of K products stay as accurate as a float32 BLAS's (blocked
partial sums of FMAs) for large K, float64 is near exact, and the 16-bit dtypes are rounded
once from a float32 accumulation (not once per depth block)."""
import numpy as np
import pytest

import ember
from conftest import make_tensor


@pytest.mark.parametrize("k", [4096, 100_000])
def test_large_k_float32(k, rng):
    a = rng.uniform(-1, 1, (3, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, 5)).astype(np.float32)
    want = a.astype(np.float64) @ b.astype(np.float64)
    got = (ember.from_numpy(a) @ ember.from_numpy(b)).numpy().astype(np.float64)
    # The error bound of a float32 dot product: ~ K * eps * sum |a||b| in the worst case; a
    # blocked accumulation stays far below it. numpy's float32 BLAS is the bar.
    bound = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
    err = np.abs(got - want) / bound
    blas = np.abs((a @ b).astype(np.float64) - want) / bound
    assert err.max() < max(4 * blas.max(), 1e-6), (err.max(), blas.max())


def test_large_k_with_transposed_operands(rng):
    a = rng.uniform(-1, 1, (20_000, 7)).astype(np.float32)
    b = rng.uniform(-1, 1, (9, 20_000)).astype(np.float32)
    want = a.T.astype(np.float64) @ b.T.astype(np.float64)
    got = (ember.from_numpy(a).t() @ ember.from_numpy(b).t()).numpy()
    bound = np.abs(a.T).astype(np.float64) @ np.abs(b.T).astype(np.float64)
    assert (np.abs(got - want) / bound).max() < 1e-6


def test_float64_is_near_exact(rng):
    a, b = rng.standard_normal((50, 3000)), rng.standard_normal((3000, 40))
    got = (make_tensor(a, ember.float64) @ make_tensor(b, ember.float64)).numpy()
    np.testing.assert_allclose(got, a @ b, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_16_bit_rounds_once(dtype, rng):
    # Depth crosses several KC blocks: rounding per block would drift by several ulps.
    k = 1500
    a = make_tensor(rng.uniform(0, 1, (4, k)), dtype)
    b = make_tensor(rng.uniform(0, 1, (k, 6)), dtype)
    exact = a.float().numpy().astype(np.float64) @ b.float().numpy().astype(np.float64)
    got = (a @ b).float().numpy().astype(np.float64)
    # within one rounding (half an ulp of the 16-bit type, plus float32 accumulation error)
    ulp = 2.0 ** (np.floor(np.log2(exact)) - (10 if dtype == ember.float16 else 7))
    assert np.all(np.abs(got - exact) <= 0.5 * ulp + 1e-4 * exact)


def test_matches_torch_float32():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.standard_normal((257, 1000)).astype(np.float32)
    b = rng.standard_normal((1000, 129)).astype(np.float32)
    ours = (ember.from_numpy(a) @ ember.from_numpy(b)).numpy()
    theirs = (torch.from_numpy(a) @ torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)
