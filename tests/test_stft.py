"""ember.stft / ember.istft: against a direct numpy evaluation of the STFT's definition, against
torch (when installed) for every option, the round trip, gradients, and bad input."""
import numpy as np
import pytest

import ember
from conftest import backend_is_torch

pytestmark = pytest.mark.skipif(backend_is_torch(), reason="ember's stft")


def _signal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _stft_reference(x, n_fft, hop, window, center):
    """X[w, m] = sum_k window[k] x[m hop + k] exp(-2 pi i w k / n_fft), one-sided."""
    if center:
        x = np.pad(x, (n_fft // 2, n_fft // 2), mode="reflect")
    frames = [x[m * hop:m * hop + n_fft] * window for m in range(1 + (len(x) - n_fft) // hop)]
    return np.fft.rfft(np.array(frames), axis=-1).T


@pytest.mark.parametrize("n_fft,hop,center", [(16, 4, True), (15, 3, False), (32, 8, True)])
def test_stft_matches_the_definition(n_fft, hop, center):
    x = _signal(200)
    w = np.hanning(n_fft + 2)[1:-1] if not center else np.ones(n_fft)
    got = ember.stft(ember.from_numpy(x), n_fft, hop, window=ember.from_numpy(w), center=center,
                     return_complex=True)
    want = _stft_reference(x, n_fft, hop, w, center)
    assert got.dtype == ember.complex128 and tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs", [
    dict(n_fft=64), dict(n_fft=64, hop_length=10, win_length=50), dict(n_fft=64, normalized=True),
    dict(n_fft=32, onesided=False), dict(n_fft=64, pad_mode="constant"), dict(n_fft=20, hop_length=20),
])
def test_stft_istft_match_torch(kwargs):
    torch = pytest.importorskip("torch")
    x = _signal((2, 300))
    wl = kwargs.get("win_length", kwargs["n_fft"])
    we, wt = ember.hann_window(wl, dtype=ember.float64), torch.hann_window(wl, dtype=torch.float64)
    if kwargs.get("hop_length") == kwargs["n_fft"]:
        we, wt = ember.ones(wl, dtype=ember.float64), torch.ones(wl, dtype=torch.float64)
    a = ember.stft(ember.from_numpy(x), window=we, return_complex=True, **kwargs)
    b = torch.stft(torch.from_numpy(x), window=wt, return_complex=True, **kwargs)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-10)
    inverse = {k: v for k, v in kwargs.items() if k != "pad_mode"}
    ra = ember.istft(a, window=we, length=300, **inverse)
    rb = torch.istft(b, window=wt, length=300, **inverse)
    np.testing.assert_allclose(ra.numpy(), rb.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ra.numpy(), x, atol=1e-10)  # the round trip


def test_one_dim_float32_and_default_length():
    x = ember.from_numpy(_signal(257).astype(np.float32))
    s = ember.stft(x, 32, window=ember.hann_window(32), return_complex=True)
    assert s.dtype == ember.complex64 and s.shape == (17, 1 + 257 // 8)
    y = x.stft(32, window=ember.hann_window(32), return_complex=True).istft(32, window=ember.hann_window(32))
    assert y.shape == (256,)  # without length: hop * (frames - 1)
    np.testing.assert_allclose(y.numpy(), x.numpy()[:256], atol=1e-5)
    z = ember.istft(s, 32, window=ember.hann_window(32), length=300)
    # past the frames' reach (16 + 256 samples) the result is zero-padded to length
    assert z.shape == (300,) and z[272:].abs().max().item() == 0
    np.testing.assert_allclose(z[:257].numpy(), x.numpy(), atol=1e-5)


def test_gradients():
    x = ember.from_numpy(_signal(40)).requires_grad_()
    w = ember.hann_window(8, dtype=ember.float64)
    assert ember.autograd.gradcheck(lambda t: ember.stft(t, 8, 2, window=w, return_complex=True).abs(), (x,))
    s = ember.stft(x.detach(), 8, 2, window=w, return_complex=True).requires_grad_()
    assert ember.autograd.gradcheck(lambda t: ember.istft(t, 8, 2, window=w, length=40), (s,))


def test_bad_input():
    x = ember.randn(100)
    with pytest.raises(RuntimeError, match="return_complex"):
        ember.stft(x, 16)
    with pytest.raises(ValueError, match="n_fft"):
        ember.stft(x, 0, return_complex=True)
    with pytest.raises(ValueError, match="win_length"):
        ember.stft(x, 16, win_length=20, return_complex=True)
    with pytest.raises(ValueError, match="window"):
        ember.stft(x, 16, window=ember.ones(10), return_complex=True)
    with pytest.raises(ValueError, match="1D or 2D"):
        ember.stft(ember.randn(2, 3, 100), 16, return_complex=True)
    with pytest.raises(TypeError, match="complex"):
        ember.istft(x, 16)
    with pytest.raises(ValueError, match="frequency"):
        ember.istft(ember.zeros(5, 4, dtype=ember.cfloat), 16)
    with pytest.raises(RuntimeError, match="overlap"):
        ember.istft(ember.stft(x, 16, window=ember.zeros(16), return_complex=True), 16, window=ember.zeros(16))
