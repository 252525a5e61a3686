"""Pooling and interpolation behaviour the op database does not express: NaN through max,
PyTorch's index convention, the ceil_mode rule, legacy nearest, the public names."""
import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import to_numpy


def test_nan_propagates_through_max():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 1, 1] = np.nan
    out, idx = F.max_pool2d(ember.tensor(x), 2, return_indices=True)
    o = to_numpy(out)[0, 0]
    assert math.isnan(o[0, 0]) and not np.isnan(o[1:, :]).any() and not np.isnan(o[:, 1:]).any()
    assert to_numpy(idx)[0, 0, 0, 0] == 5
    a = to_numpy(F.adaptive_max_pool2d(ember.tensor(x), 1))
    assert math.isnan(a.item())
    assert math.isnan(to_numpy(F.max_pool1d(ember.tensor(x[0, :, 1]), 4)).item())


def test_nan_matches_torch_indices():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6))
    x[0, 0, 1, 1] = x[0, 0, 2, 2] = x[0, 1, 0, 3] = np.nan
    out, idx = F.max_pool2d(ember.tensor(x), 3, stride=1, padding=1, return_indices=True)
    tout, tidx = torch.nn.functional.max_pool2d(torch.tensor(x), 3, stride=1, padding=1, return_indices=True)
    np.testing.assert_array_equal(to_numpy(idx), tidx.numpy())
    np.testing.assert_array_equal(to_numpy(out), tout.numpy())


def test_indices_are_flat_per_plane():
    x = ember.tensor(np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4))
    _, idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(to_numpy(idx)[1, 2], [[5, 7], [13, 15]])
    assert idx.dtype == ember.int64


@pytest.mark.parametrize("size,k,s,p", [(5, 2, 2, 1), (6, 3, 2, 1), (7, 2, 3, 0), (4, 3, 3, 1)])
def test_ceil_mode_output_size_like_torch(size, k, s, p):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((1, 1, size, size))
    for op in ("max_pool2d", "avg_pool2d"):
        got = getattr(F, op)(ember.tensor(x), k, stride=s, padding=p, ceil_mode=True)
        want = getattr(torch.nn.functional, op)(torch.tensor(x), k, stride=s, padding=p, ceil_mode=True)
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-12)


def test_legacy_nearest_uses_floor_of_dst_times_scale():
    x = ember.tensor(np.arange(3.0).reshape(1, 1, 3))
    # scale 3/7: outputs 0..6 read floor(i * 3 / 7) = 0 0 0 1 1 2 2
    np.testing.assert_array_equal(to_numpy(F.interpolate(x, size=7))[0, 0], [0, 0, 0, 1, 1, 2, 2])
    # nearest-exact reads floor((i + 0.5) * 3 / 7) = 0 0 1 1 1 2 2
    np.testing.assert_array_equal(to_numpy(F.interpolate(x, size=7, mode="nearest-exact"))[0, 0],
                                  [0, 0, 1, 1, 1, 2, 2])


@pytest.mark.parametrize("recompute", [None, True])
def test_scale_factor_steers_the_map_like_torch(recompute):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 7))
    for mode in ("nearest", "bilinear"):
        got = F.interpolate(ember.tensor(x), scale_factor=(1.3, 0.45), mode=mode, recompute_scale_factor=recompute)
        want = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=(1.3, 0.45), mode=mode,
                                               recompute_scale_factor=recompute)
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-12, atol=1e-12)


def test_interpolate_large_against_torch_float32():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((2, 8, 33, 47)).astype(np.float32)
    for kw in (dict(size=(64, 90), mode="bilinear"), dict(scale_factor=3, mode="nearest"),
               dict(size=(17, 20), mode="bilinear", align_corners=True)):
        got = F.interpolate(ember.tensor(x), **kw)
        want = torch.nn.functional.interpolate(torch.tensor(x), **kw)
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-5, atol=1e-5)


def test_public_names():
    x = ember.ones((1, 2, 4, 4))
    assert ember.max_pool2d(x, 2).shape == (1, 2, 2, 2)
    assert ember.max_pool1d(ember.ones((1, 2, 4)), 2).shape == (1, 2, 2)
    assert ember.avg_pool1d(ember.ones((1, 2, 4)), 2).shape == (1, 2, 2)
    assert ember.adaptive_avg_pool1d(ember.ones((1, 2, 4)), 3).shape == (1, 2, 3)
    for name in ("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
                 "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "interpolate",
                 "embedding", "dropout", "dropout1d", "dropout2d", "alpha_dropout"):
        assert callable(getattr(F, name)), name


def test_bad_input_is_left_unchanged():
    x = ember.ones((1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"too small"):
        F.max_pool2d(x, 4)
    with pytest.raises(ValueError, match="divisor"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(TypeError, match="must be Tensor"):
        F.max_pool2d(np.ones((1, 1, 2, 2)), 2)
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(x, size=2, mode="bilinear", antialias=True)
    np.testing.assert_array_equal(to_numpy(x), 1.0)


def test_thread_counts_agree():
    from ember.nn.functional import upsampling as _nn_interpolate, pooling as _nn_pool
    x = ember.tensor(np.random.default_rng(4).standard_normal((4, 16, 20, 20)))
    ops = [lambda: F.max_pool2d(x, 3, 2, 1, return_indices=True)[1],
           lambda: F.avg_pool2d(x, 3, 1, 1),
           lambda: F.adaptive_max_pool2d(x, (7, 6)),
           lambda: F.interpolate(x, scale_factor=1.5, mode="bilinear"),
           lambda: _nn_pool.avg_pool2d_backward(x, x, 3, 1, 1),
           lambda: _nn_interpolate.interpolate_backward(x, x[:, :, :10, :10], scale_factor=2, mode="bilinear"),
           lambda: F.embedding(ember.tensor(np.arange(400) % 7), x.reshape(-1, 400)[:7])]
    n = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        single = [to_numpy(op()) for op in ops]
        ember.set_num_threads(4)
        multi = [to_numpy(op()) for op in ops]
    finally:
        ember.set_num_threads(n)
    for a, b in zip(single, multi):
        np.testing.assert_array_equal(a, b)
