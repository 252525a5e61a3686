"""The backward kernels of pooling, interpolation and embedding: finite differences in float64
(op_db.assert_vjp) and torch.autograd, over overlapping windows, ceil_mode, padding, dilation
and align_corners."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.nn.functional import sparse as _nn_embedding, upsampling as _nn_interpolate, pooling as _nn_pool
from conftest import to_numpy
from op_db import assert_vjp


def _max2d(**kw):
    def backward(g, x):
        _, idx = F.max_pool2d(x, return_indices=True, **kw)
        return _nn_pool.max_pool2d_backward(g, x, idx)
    return (lambda lib, x: lib.nn.functional.max_pool2d(x, **kw)), backward


def _max1d(**kw):
    def backward(g, x):
        _, idx = F.max_pool1d(x, return_indices=True, **kw)
        return _nn_pool.max_pool1d_backward(g, x, idx)
    return (lambda lib, x: lib.nn.functional.max_pool1d(x, **kw)), backward


def _avg2d(**kw):
    return (lambda lib, x: lib.nn.functional.avg_pool2d(x, **kw)), \
        (lambda g, x: _nn_pool.avg_pool2d_backward(g, x, **kw))


def _avg1d(**kw):
    return (lambda lib, x: lib.nn.functional.avg_pool1d(x, **kw)), \
        (lambda g, x: _nn_pool.avg_pool1d_backward(g, x, **kw))


def _adaptive_avg(size, spatial):
    name = f"adaptive_avg_pool{spatial}d"
    back = getattr(_nn_pool, name + "_backward")
    return (lambda lib, x: getattr(lib.nn.functional, name)(x, size)), (lambda g, x: back(g, x))


def _adaptive_max(size, spatial):
    name = f"adaptive_max_pool{spatial}d"
    back = getattr(_nn_pool, name + "_backward")

    def backward(g, x):
        _, idx = getattr(F, name)(x, size, return_indices=True)
        return back(g, x, idx)
    return (lambda lib, x: getattr(lib.nn.functional, name)(x, size)), backward


def _interp(**kw):
    return (lambda lib, x: lib.nn.functional.interpolate(x, **kw)), \
        (lambda g, x: _nn_interpolate.interpolate_backward(g, x, **kw))


CASES = {
    "max2d overlap pad": ((1, 2, 5, 6), _max2d(kernel_size=3, stride=1, padding=1)),
    "max2d ceil stride": ((1, 2, 7, 6), _max2d(kernel_size=3, stride=2, ceil_mode=True)),
    "max2d dilation": ((1, 1, 7, 7), _max2d(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 2), padding=(1, 1))),
    "max2d unbatched": ((2, 4, 5), _max2d(kernel_size=2, stride=1)),
    "max1d overlap": ((2, 2, 9), _max1d(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    "avg2d overlap pad": ((1, 2, 5, 6), _avg2d(kernel_size=3, stride=1, padding=1)),
    "avg2d exclude ceil": ((1, 2, 7, 6), _avg2d(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                 count_include_pad=False)),
    "avg2d divisor": ((1, 2, 5, 5), _avg2d(kernel_size=2, stride=1, divisor_override=3)),
    "avg2d unbatched": ((2, 4, 5), _avg2d(kernel_size=(2, 3), stride=(1, 2))),
    "avg1d ceil pad": ((2, 2, 9), _avg1d(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    "adaptive avg2d": ((1, 2, 7, 5), _adaptive_avg((3, 4), 2)),
    "adaptive avg1d": ((2, 2, 7), _adaptive_avg(3, 1)),
    "adaptive max2d": ((1, 2, 7, 5), _adaptive_max((3, 4), 2)),
    "adaptive max1d": ((2, 2, 7), _adaptive_max(3, 1)),
    "nearest up": ((1, 2, 3, 4), _interp(size=(5, 7))),
    "nearest down": ((1, 2, 6, 5), _interp(scale_factor=0.6)),
    "nearest-exact": ((1, 2, 3, 4), _interp(size=(5, 7), mode="nearest-exact")),
    "nearest 1-D": ((1, 2, 4), _interp(scale_factor=2.5)),
    "bilinear": ((1, 2, 3, 4), _interp(size=(5, 7), mode="bilinear")),
    "bilinear corners": ((1, 2, 3, 4), _interp(size=(5, 7), mode="bilinear", align_corners=True)),
    "bilinear down scale": ((1, 2, 6, 5), _interp(scale_factor=0.7, mode="bilinear")),
    "linear": ((2, 2, 5), _interp(size=8, mode="linear")),
    "linear corners": ((2, 2, 5), _interp(size=3, mode="linear", align_corners=True)),
    "area": ((1, 2, 6, 5), _interp(size=(4, 3), mode="area")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_vjp_finite_differences(name):
    shape, (forward, backward) = CASES[name]
    rng = np.random.default_rng(0)
    # Distinct values, so max windows have no ties a small step could flip.
    x = ember.tensor(rng.permutation(np.prod(shape)).reshape(shape) / 7.0, dtype=ember.float64)
    out = forward(ember, x)
    grad = rng.standard_normal(tuple(out.shape))
    assert_vjp(lambda t: forward(ember, t), lambda g, t: backward(g, t), [x], grad)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("dtype", [ember.float64, ember.float32])
def test_against_torch_autograd(name, dtype):
    torch = pytest.importorskip("torch")
    shape, (forward, backward) = CASES[name]
    rng = np.random.default_rng(1)
    data = rng.standard_normal(shape)
    x = ember.tensor(data, dtype=dtype)
    tx = torch.tensor(data, dtype=torch.float64 if dtype == ember.float64 else torch.float32, requires_grad=True)
    out = forward(torch, tx)
    grad = rng.standard_normal(tuple(out.shape))
    out.backward(torch.tensor(grad, dtype=tx.dtype))
    got = backward(ember.tensor(grad, dtype=dtype), x)
    assert got.dtype == dtype and tuple(got.shape) == shape
    tol = 1e-10 if dtype == ember.float64 else 1e-5
    np.testing.assert_allclose(to_numpy(got), tx.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_backward_16bit_accumulates_in_float32(dtype):
    x = ember.tensor(np.random.default_rng(2).standard_normal((1, 1, 8, 8)), dtype=dtype)
    g = ember.ones((1, 1, 8, 8), dtype=dtype)
    got = _nn_pool.avg_pool2d_backward(g, x, kernel_size=3, stride=1, padding=1)
    want = _nn_pool.avg_pool2d_backward(g.float(), x.float(), kernel_size=3, stride=1, padding=1)
    assert got.dtype == dtype
    np.testing.assert_allclose(to_numpy(got).astype(np.float64), to_numpy(want), rtol=1e-2, atol=1e-2)


def test_max_pool_backward_sums_overlapping_windows():
    x = ember.tensor([[[[0.0, 1.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]], dtype=ember.float64)
    out, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    assert to_numpy(idx).ravel().tolist() == [4, 4, 4, 4]
    g = _nn_pool.max_pool2d_backward(ember.ones(tuple(out.shape), dtype=ember.float64), x, idx)
    assert to_numpy(g)[0, 0, 1, 1] == 4.0 and to_numpy(g).sum() == 4.0


def test_max_pool_backward_bad_input():
    g = ember.ones((1, 1, 2, 2))
    with pytest.raises(IndexError, match="out of bounds"):
        _nn_pool.max_pool2d_backward(g, (1, 1, 3, 3), ember.full((1, 1, 2, 2), 9, dtype=ember.int64))
    with pytest.raises(ValueError, match="does not match"):
        _nn_pool.max_pool2d_backward(g, (1, 2, 3, 3), ember.zeros((1, 1, 2, 2), dtype=ember.int64))
    with pytest.raises(TypeError, match="int64"):
        _nn_pool.max_pool2d_backward(g, (1, 1, 3, 3), ember.zeros((1, 1, 2, 2), dtype=ember.int32))
    with pytest.raises(ValueError, match="grad_output of shape"):
        _nn_pool.avg_pool2d_backward(g, (1, 1, 6, 6), kernel_size=2)


# ---- embedding -----------------------------------------------------------------------------------

def test_embedding_backward_vjp():
    rng = np.random.default_rng(3)
    idx = ember.tensor([[0, 2, 2], [4, 0, 2]])
    w = ember.tensor(rng.standard_normal((5, 3)), dtype=ember.float64)
    grad = rng.standard_normal((2, 3, 3))
    assert_vjp(lambda t: F.embedding(idx, t), lambda g, t: _nn_embedding.embedding_backward(g, idx, 5), [w], grad)


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_backward_against_torch(padding_idx, scale_grad_by_freq):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    idx = rng.integers(0, 6, size=(4, 5))
    weight = rng.standard_normal((6, 3))
    grad = rng.standard_normal((4, 5, 3))
    tw = torch.tensor(weight, requires_grad=True)
    torch.nn.functional.embedding(torch.tensor(idx), tw, padding_idx=padding_idx,
                                  scale_grad_by_freq=scale_grad_by_freq).backward(torch.tensor(grad))
    got = _nn_embedding.embedding_backward(ember.tensor(grad), ember.tensor(idx), 6, padding_idx, scale_grad_by_freq)
    np.testing.assert_allclose(to_numpy(got), tw.grad.numpy(), rtol=1e-12, atol=1e-12)
    if padding_idx is not None:
        assert np.all(to_numpy(got)[padding_idx] == 0)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.bfloat16])
def test_embedding_backward_dtypes(dtype):
    idx = ember.tensor([1, 1, 1, 3])
    g = ember.ones((4, 40), dtype=dtype)
    got = _nn_embedding.embedding_backward(g, idx, 5)
    assert got.dtype == dtype
    want = np.zeros((5, 40))
    want[1], want[3] = 3, 1
    np.testing.assert_array_equal(to_numpy(got).astype(np.float64), want)


def test_embedding_backward_bad_input():
    with pytest.raises(IndexError, match="index 7 .*num_embeddings 5"):
        _nn_embedding.embedding_backward(ember.ones((2, 3)), ember.tensor([0, 7]), 5)
    with pytest.raises(ValueError, match="grad_output of shape"):
        _nn_embedding.embedding_backward(ember.ones((3, 3)), ember.tensor([0, 1]), 5)


def test_embedding_backward_wide_table():
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 50, size=(300,))
    grad = rng.standard_normal((300, 100))
    got = _nn_embedding.embedding_backward(ember.tensor(grad), ember.tensor(idx), 50)
    want = np.zeros((50, 100))
    np.add.at(want, idx, grad)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-12)


def test_interpolate_backward_bad_input():
    x = ember.ones((1, 2, 3, 3))
    with pytest.raises(ValueError, match="does not match"):
        _nn_interpolate.interpolate_backward(ember.ones((1, 3, 6, 6)), x, scale_factor=2)
    with pytest.raises(TypeError, match="floating"):
        _nn_interpolate.interpolate_backward(ember.ones((1, 2, 6, 6), dtype=ember.int32), x, scale_factor=2)
    g = _nn_interpolate.interpolate_backward(ember.ones((1, 2, 6, 6)), x, scale_factor=2)
    np.testing.assert_array_equal(to_numpy(g), 4.0)  # each input pixel feeds a 2x2 block
