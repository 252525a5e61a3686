"""The native FFT engine through its private bindings (_C._fft_c2c / _fft_r2c / _fft_c2r), which
take and return real tensors in the view_as_real layout of complex data ([..., 2]). numpy.fft
is the oracle: float32 results stay within a few float32 roundings of numpy's float64 result,
float64 within a few float64 roundings. Skipped on a build that predates the engine."""
import numpy as np
import pytest

import ember
from ember import _C
from ember._tensor import _wrap

pytestmark = pytest.mark.skipif(not hasattr(_C, "_fft_c2c"), reason="this build has no FFT engine")

TOL = {np.float32: 2e-6, np.float64: 1e-13}


def as_real(c, dt):
    return ember.from_numpy(np.ascontiguousarray(np.stack([c.real, c.imag], -1).astype(dt)))


def as_complex(t):
    a = t.numpy().astype(np.float64)
    return a[..., 0] + 1j * a[..., 1]


def rel_err(got, want):
    return np.abs(got - want).max() / max(np.abs(want).max(), 1e-300)


def crandn(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


# Small sizes of every kind: powers of two (radix 8/4/2), the unrolled odd radices, the generic
# odd radix, and primes and prime products that go through Bluestein.
SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 17, 19, 23, 31, 32, 37, 60, 64, 97, 101, 127,
         128, 210, 243, 257, 343, 500, 625, 997, 1000, 1024, 4096, 4099, 12289]


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
def test_c2c_r2c_c2r_match_numpy(n, dt, rng):
    c = crandn(rng, (3, n))
    for forward in (True, False):
        got = as_complex(_wrap(_C._fft_c2c(as_real(c, dt)._impl, 1, forward, 1.0)))
        want = np.fft.fft(c, axis=1) if forward else np.fft.ifft(c, axis=1) * n
        assert rel_err(got, want) < TOL[dt]
    r = rng.standard_normal((3, n))
    got = as_complex(_wrap(_C._fft_r2c(ember.from_numpy(r.astype(dt))._impl, 1, 1.0)))
    assert rel_err(got, np.fft.rfft(r, axis=1)) < TOL[dt]
    spec = np.fft.rfft(rng.standard_normal((3, n)), axis=1)
    got = _wrap(_C._fft_c2r(as_real(spec, dt)._impl, 1, n, 1.0 / n)).numpy()
    assert rel_err(got, np.fft.irfft(spec, n, axis=1)) < TOL[dt]


@pytest.mark.parametrize("n", [1 << 20, 65537])
def test_large_lengths(n, rng):
    c = crandn(rng, n)
    got = as_complex(_wrap(_C._fft_c2c(as_real(c, np.float32)._impl, 0, True, 1.0)))
    assert rel_err(got, np.fft.fft(c)) < 2e-6
    r = rng.standard_normal(n)
    got = as_complex(_wrap(_C._fft_r2c(ember.from_numpy(r)._impl, 0, 1.0)))
    assert rel_err(got, np.fft.rfft(r)) < 1e-13


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_any_dim_and_strided_views(dim, rng):
    c = crandn(rng, (4, 6, 10))
    x = as_real(c, np.float64)
    got = as_complex(_wrap(_C._fft_c2c(x._impl, dim, True, 0.5)))
    assert rel_err(got, 0.5 * np.fft.fft(c, axis=dim)) < 1e-13
    # A permuted view and a stepped slice: the batch dims have arbitrary strides.
    v = x.permute(2, 0, 1, 3)
    got = as_complex(_wrap(_C._fft_c2c(v._impl, 1, False, 1.0)))
    assert rel_err(got, np.fft.ifft(c.transpose(2, 0, 1), axis=1) * 4) < 1e-13
    v = x[:, 1:5, ::3]
    got = as_complex(_wrap(_C._fft_c2c(v._impl, 2, True, 1.0)))
    assert rel_err(got, np.fft.fft(c[:, 1:5, ::3], axis=2)) < 1e-13


def test_two_dim_as_two_passes(rng):
    c = crandn(rng, (256, 256))
    y = _C._fft_c2c(as_real(c, np.float32)._impl, 1, True, 1.0)
    y = _C._fft_c2c(y, 0, True, 1.0)
    assert rel_err(as_complex(_wrap(y)), np.fft.fft2(c)) < 2e-6


@pytest.mark.parametrize("n", [7, 8, 10, 13, 30])
def test_c2r_pads_or_truncates_to_n(n, rng):
    spec = np.fft.rfft(rng.standard_normal((2, 18)), axis=-1)  # 10 entries
    got = _wrap(_C._fft_c2r(as_real(spec, np.float64)._impl, -1, n, 1.0)).numpy()
    assert got.shape == (2, n)
    assert rel_err(got, np.fft.irfft(spec, n, axis=-1) * n) < 1e-13


def test_c2r_ignores_imaginary_parts_of_the_real_bins(rng):
    for n in (8, 9):
        spec = crandn(rng, n // 2 + 1)
        got = _wrap(_C._fft_c2r(as_real(spec, np.float64)._impl, 0, n, 1.0)).numpy()
        assert rel_err(got, np.fft.irfft(spec, n) * n) < 1e-13


def test_empty_batches():
    x = ember.from_numpy(np.zeros((0, 4, 2), np.float32))
    assert tuple(_wrap(_C._fft_c2c(x._impl, 1, True, 1.0)).shape) == (0, 4, 2)
    x = ember.from_numpy(np.zeros((0, 4), np.float64))
    assert tuple(_wrap(_C._fft_r2c(x._impl, 1, 1.0)).shape) == (0, 3, 2)


def test_bad_input_raises_clear_errors():
    x = ember.from_numpy(np.zeros((3, 4, 2), np.float32))
    with pytest.raises(IndexError, match="fft_c2c: dim 2 out of range"):
        _C._fft_c2c(x._impl, 2, True, 1.0)
    with pytest.raises(TypeError, match="fft_c2c: expected float32 or float64, got int32"):
        _C._fft_c2c(ember.from_numpy(np.zeros((3, 2), np.int32))._impl, 0, True, 1.0)
    with pytest.raises(ValueError, match=r"shape \[\.\.\., 2\], got \[3, 3\]"):
        _C._fft_c2c(ember.from_numpy(np.zeros((3, 3), np.float32))._impl, 0, True, 1.0)
    with pytest.raises(ValueError, match=r"invalid number of data points \(0\)"):
        _C._fft_c2c(ember.from_numpy(np.zeros((0, 2), np.float32))._impl, 0, True, 1.0)
    with pytest.raises(ValueError, match=r"fft_c2r: invalid number of data points \(0\)"):
        _C._fft_c2r(x._impl, 0, 0, 1.0)
