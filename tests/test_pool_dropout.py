"""Dropout: statistics, reproducibility from a seed, p = 0 and 1, eval mode, in-place,
channel-wise forms, alpha_dropout, the mask-reusing backward and bad input."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.nn.functional import dropouts as _nn_dropout
from conftest import to_numpy


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_statistics(p):
    ember.manual_seed(0)
    x = ember.ones((200, 500))
    y = to_numpy(F.dropout(x, p))
    kept = y != 0
    assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1) < 0.03  # unbiased


def test_seed_reproduces():
    x = ember.ones((64, 64))
    ember.manual_seed(123)
    a = to_numpy(F.dropout(x, 0.3))
    b = to_numpy(F.dropout(x, 0.3))
    ember.manual_seed(123)
    c = to_numpy(F.dropout(x, 0.3))
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)


def test_seed_reproduces_across_thread_counts():
    x = ember.ones((300, 300))
    n = ember.get_num_threads()
    try:
        ember.manual_seed(5)
        a = to_numpy(F.dropout(x, 0.5))
        ember.set_num_threads(1)
        ember.manual_seed(5)
        b = to_numpy(F.dropout(x, 0.5))
    finally:
        ember.set_num_threads(n)
    np.testing.assert_array_equal(a, b)


def test_generator_mask_and_backward():
    g = ember.Generator().manual_seed(7)
    x = ember.tensor(np.random.default_rng(0).standard_normal((4, 50)), dtype=ember.float64)
    out, mask = _nn_dropout._dropout_with_mask(x, 0.25, generator=g)
    assert mask.dtype == ember.bool and tuple(mask.shape) == (4, 50)
    m = to_numpy(mask)
    np.testing.assert_allclose(to_numpy(out), to_numpy(x) * m / 0.75, rtol=1e-15)
    g.manual_seed(7)
    _, mask2 = _nn_dropout._dropout_with_mask(x, 0.25, generator=g)
    np.testing.assert_array_equal(to_numpy(mask2), m)
    grad = ember.ones((4, 50), dtype=ember.float64)
    back = _nn_dropout.dropout_backward(grad, mask, _nn_dropout.dropout_scale(0.25))
    np.testing.assert_allclose(to_numpy(back), m / 0.75, rtol=1e-15)


def test_p_zero_one_and_eval():
    x = ember.ones((10, 10))
    assert F.dropout(x, 0.5, training=False) is x
    assert ember.dropout(x, 0.5, False) is x
    np.testing.assert_array_equal(to_numpy(F.dropout(x, 0.0)), 1.0)
    assert not to_numpy(F.dropout(x, 1.0)).any()
    out, mask = _nn_dropout._dropout_with_mask(x, 1.0)
    assert not to_numpy(out).any() and not to_numpy(mask).any()
    assert _nn_dropout.dropout_scale(1.0) == 0.0


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16])
def test_dtypes_and_layouts(dtype):
    x = ember.ones((30, 40), dtype=dtype).t()  # non-contiguous
    y = F.dropout(x, 0.5)
    assert y.dtype == dtype and tuple(y.shape) == (40, 30)
    assert set(np.unique(to_numpy(y).astype(np.float64))) <= {0.0, 2.0}
    assert F.dropout(ember.ones((0, 3), dtype=dtype), 0.5).shape == (0, 3)
    z = F.dropout(ember.tensor(3.0, dtype=dtype), 0.5)
    assert z.dim() == 0 and float(z) in (0.0, 6.0)


def test_inplace():
    x = ember.ones((20, 20))
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(np.unique(to_numpy(x))) <= {0.0, 2.0}


def test_channel_wise():
    ember.manual_seed(1)
    y = to_numpy(F.dropout2d(ember.ones((8, 16, 5, 5)), 0.5))
    per_channel = y.reshape(8, 16, -1)
    assert np.all((per_channel == per_channel[:, :, :1]))  # whole channels kept or dropped
    assert 0 < (per_channel[:, :, 0] == 0).mean() < 1
    y1 = to_numpy(F.dropout1d(ember.ones((16, 7)), 0.5))  # unbatched (C, L)
    assert y1.shape == (16, 7) and np.all(y1 == y1[:, :1])
    with pytest.raises(ValueError, match="2D or 3D"):
        F.dropout1d(ember.ones((2, 3, 4, 5)), 0.5)


def test_alpha_dropout_keeps_statistics():
    ember.manual_seed(2)
    x = ember.randn(400, 500)
    y = to_numpy(F.alpha_dropout(x, 0.2, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert F.alpha_dropout(x, 0.2) is x  # training defaults to False


def test_bad_input():
    x = ember.ones((3, 3))
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, p)
        with pytest.raises(ValueError, match="between 0 and 1"):
            ember.dropout(x, p, True)
    with pytest.raises(TypeError, match="floating"):
        F.dropout(ember.ones((3, 3), dtype=ember.int64), 0.5)
    with pytest.raises(ValueError, match="broadcast"):
        _nn_dropout._dropout_with_mask(x, 0.5, mask_shape=(2, 3))
    with pytest.raises(TypeError, match="bool mask"):
        _nn_dropout.dropout_backward(x, x, 2.0)
    np.testing.assert_array_equal(to_numpy(x), 1.0)
