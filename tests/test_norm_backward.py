"""Batch, layer and group norm: backward kernels against finite differences (float64) and
torch.autograd, running-statistic updates against PyTorch, 16-bit inputs, bad input."""
import numpy as np
import pytest

import ember
from conftest import to_numpy
from op_db import assert_vjp
from ember.nn.functional import normalization as N

F = ember.nn.functional


def t64(a):
    return ember.tensor(np.asarray(a, dtype=np.float64), dtype=ember.float64)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# ---- batch norm -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4), (2, 3, 2, 3)])
@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_backward_training(rng, shape, affine):
    C = shape[1]
    x = rng.normal(size=shape)
    w, b = rng.normal(size=C), rng.normal(size=C)
    gy = rng.normal(size=shape)
    inputs = [t64(x)] + ([t64(w), t64(b)] if affine else [])

    def fn(x, w=None, b=None):
        return F.batch_norm(x, None, None, w, b, training=True)

    def backward(g, x, w=None, b=None):
        _, mean, invstd = N.native_batch_norm(x, None, None, w, b, True)
        gx, gw, gb = N.batch_norm_backward(g, x, w, mean, invstd, True)
        return (gx, gw, gb) if affine else (gx,)
    assert_vjp(fn, backward, inputs, gy, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_backward_eval(rng, affine):
    x = rng.normal(size=(4, 3, 2))
    rm, rv = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    w, b = rng.normal(size=3), rng.normal(size=3)
    gy = rng.normal(size=x.shape)
    inputs = [t64(x)] + ([t64(w), t64(b)] if affine else [])

    def fn(x, w=None, b=None):
        return F.batch_norm(x, t64(rm), t64(rv), w, b, training=False)

    def backward(g, x, w=None, b=None):
        _, mean, invstd = N.native_batch_norm(x, t64(rm), t64(rv), w, b, False)
        gx, gw, gb = N.batch_norm_backward(g, x, w, mean, invstd, False)
        return (gx, gw, gb) if affine else (gx,)
    assert_vjp(fn, backward, inputs, gy, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_backward_vs_torch(rng, training):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(4, 3, 5)).astype(np.float32)
    w, b = rng.normal(size=3).astype(np.float32), rng.normal(size=3).astype(np.float32)
    rm, rv = rng.normal(size=3).astype(np.float32), rng.uniform(0.5, 2, size=3).astype(np.float32)
    gy = rng.normal(size=x.shape).astype(np.float32)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch.nn.functional.batch_norm(tx, torch.tensor(rm), torch.tensor(rv), tw, tb, training=training).backward(
        torch.tensor(gy))
    ex, ew, eb = ember.tensor(x), ember.tensor(w), ember.tensor(b)
    _, mean, invstd = N.native_batch_norm(ex, ember.tensor(rm), ember.tensor(rv), ew, eb, training)
    gx, gw, gb = N.batch_norm_backward(ember.tensor(gy), ex, ew, mean, invstd, training)
    for got, want in ((gx, tx.grad), (gw, tw.grad), (gb, tb.grad)):
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-4, atol=1e-5)
    # output_mask drops results
    gx2, gw2, gb2 = N.batch_norm_backward(ember.tensor(gy), ex, None, mean, invstd, training, (True, False, False))
    assert gw2 is None and gb2 is None
    np.testing.assert_allclose(to_numpy(gx2), to_numpy(N.batch_norm_backward(
        ember.tensor(gy), ex, None, mean, invstd, training)[0]), rtol=1e-6)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 2, 2)])
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_running_stats_update_like_torch(rng, shape, momentum):
    torch = pytest.importorskip("torch")
    x = rng.normal(2.0, 3.0, size=shape).astype(np.float32)
    rm0, rv0 = rng.normal(size=3).astype(np.float32), rng.uniform(0.5, 2, size=3).astype(np.float32)
    trm, trv = torch.tensor(rm0), torch.tensor(rv0)
    want = torch.nn.functional.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=momentum)
    erm, erv = ember.tensor(rm0), ember.tensor(rv0)
    v0 = erm._version
    got = F.batch_norm(ember.tensor(x), erm, erv, training=True, momentum=momentum)
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_numpy(erm), trm.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(to_numpy(erv), trv.numpy(), rtol=1e-6, atol=1e-6)
    assert erm._version != v0


def test_running_stats_float64_numpy(rng):
    x = rng.normal(size=(5, 2, 3))
    rm, rv = ember.zeros(2, dtype=ember.float64), ember.ones(2, dtype=ember.float64)
    F.batch_norm(t64(x), rm, rv, training=True, momentum=0.25)
    n = 5 * 3
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2)) * n / (n - 1)
    np.testing.assert_allclose(to_numpy(rm), 0.25 * mean, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(rv), 0.75 + 0.25 * var, rtol=1e-12)


def test_running_stats_on_strided_views_and_eval_untouched(rng):
    x = ember.tensor(rng.normal(size=(4, 3)).astype(np.float32))
    stats = ember.zeros((3, 2))
    rm, rv = stats[:, 0], stats[:, 1]
    rv.fill_(1.0)
    F.batch_norm(x, rm, rv, training=True)
    assert np.all(to_numpy(stats)[:, 0] != 0)
    before = to_numpy(stats).copy()
    F.batch_norm(x, rm, rv, training=False)
    np.testing.assert_array_equal(to_numpy(stats), before)


def test_momentum_none_is_the_modules_job():
    with pytest.raises(TypeError, match="momentum"):
        F.batch_norm(ember.ones((2, 3)), ember.zeros(3), ember.ones(3), training=True, momentum=None)


def test_bad_running_stats_leave_inputs_unchanged():
    x = ember.ones((4, 3))
    rm, rv = ember.zeros(3), ember.ones(4)
    with pytest.raises(ember.ShapeError, match=r"running_var should contain 3 elements not 4"):
        F.batch_norm(x, rm, rv, training=True)
    np.testing.assert_array_equal(to_numpy(rm), np.zeros(3))
    np.testing.assert_array_equal(to_numpy(rv), np.ones(4))
    with pytest.raises(TypeError, match="running_mean"):
        F.batch_norm(x, ember.zeros(3, dtype=ember.int64), ember.ones(3), training=True)


def test_top_level_argument_order(rng):
    x = ember.tensor(rng.normal(size=(4, 3)).astype(np.float32))
    w, b = ember.ones(3) * 2, ember.zeros(3) + 1
    a = ember.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False)
    np.testing.assert_allclose(to_numpy(a), to_numpy(F.batch_norm(x, None, None, w, b, training=True)))
    np.testing.assert_allclose(to_numpy(ember.layer_norm(x, [3], w, b)), to_numpy(F.layer_norm(x, (3,), w, b)))
    np.testing.assert_allclose(to_numpy(ember.group_norm(x, 3, w, b)), to_numpy(F.group_norm(x, 3, w, b)))


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_16bit_inputs_computed_in_float32(rng, dtype):
    x = rng.normal(size=(8, 4, 6)).astype(np.float32)
    ex = ember.tensor(x).to(dtype)
    xr = to_numpy(ex).astype(np.float64)
    for got, want in (
        (F.batch_norm(ex, None, None, training=True), (xr - xr.mean((0, 2), keepdims=True)) / np.sqrt(xr.var((0, 2), keepdims=True) + 1e-5)),
        (F.layer_norm(ex, (6,)), (xr - xr.mean(-1, keepdims=True)) / np.sqrt(xr.var(-1, keepdims=True) + 1e-5)),
    ):
        assert got.dtype == dtype
        np.testing.assert_allclose(to_numpy(got).astype(np.float64), want, rtol=2e-2, atol=2e-2)
    _, mean, rstd = N.native_layer_norm(ex, (6,))
    assert mean.dtype == ember.float32 and tuple(mean.shape) == (8, 4, 1)


def test_float32_stability_large_mean():
    x = (np.arange(4096, dtype=np.float64) % 7) * 1e-3 + 1e4
    got = to_numpy(F.layer_norm(ember.tensor(x.astype(np.float32)).reshape(1, -1), (4096,)))
    xr = x.astype(np.float32).astype(np.float64)
    want = (xr - xr.mean()) / np.sqrt(xr.var() + 1e-5)
    np.testing.assert_allclose(got[0], want, rtol=1e-3, atol=2e-3)


# ---- layer norm -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape,k", [((3, 5), 1), ((2, 3, 4), 2), ((2, 2, 3, 2), 3)])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_backward(rng, shape, k, affine):
    ns = shape[-k:]
    x, gy = rng.normal(size=shape), rng.normal(size=shape)
    w, b = rng.normal(size=ns), rng.normal(size=ns)
    inputs = [t64(x)] + ([t64(w), t64(b)] if affine else [])

    def fn(x, w=None, b=None):
        return F.layer_norm(x, ns, w, b)

    def backward(g, x, w=None, b=None):
        _, mean, rstd = N.native_layer_norm(x, ns, w, b)
        gx, gw, gb = N.layer_norm_backward(g, x, ns, mean, rstd, w)
        return (gx, gw, gb) if affine else (gx,)
    assert_vjp(fn, backward, inputs, gy, rtol=1e-5, atol=1e-6)


def test_layer_norm_backward_vs_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(3, 4, 5)).astype(np.float32)
    w, b = rng.normal(size=(4, 5)).astype(np.float32), rng.normal(size=(4, 5)).astype(np.float32)
    gy = rng.normal(size=x.shape).astype(np.float32)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch.nn.functional.layer_norm(tx, (4, 5), tw, tb).backward(torch.tensor(gy))
    ex, ew, eb = ember.tensor(x), ember.tensor(w), ember.tensor(b)
    _, mean, rstd = N.native_layer_norm(ex, (4, 5), ew, eb)
    tm, trs = torch.ops.aten.native_layer_norm(torch.tensor(x), [4, 5], torch.tensor(w), torch.tensor(b), 1e-5)[1:]
    np.testing.assert_allclose(to_numpy(mean), tm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(rstd), trs.numpy(), rtol=1e-5, atol=1e-6)
    gx, gw, gb = N.layer_norm_backward(ember.tensor(gy), ex, (4, 5), mean, rstd, ew)
    for got, want in ((gx, tx.grad), (gw, tw.grad), (gb, tb.grad)):
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-4, atol=1e-5)


# ---- group norm -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape,groups", [((2, 4, 3), 2), ((2, 6, 2, 2), 3), ((3, 4), 4), ((2, 4, 3), 1)])
@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_backward(rng, shape, groups, affine):
    C = shape[1]
    x, gy = rng.normal(size=shape), rng.normal(size=shape)
    w, b = rng.normal(size=C), rng.normal(size=C)
    inputs = [t64(x)] + ([t64(w), t64(b)] if affine else [])

    def fn(x, w=None, b=None):
        return F.group_norm(x, groups, w, b)

    def backward(g, x, w=None, b=None):
        _, mean, rstd = N.native_group_norm(x, groups, w, b)
        gx, gw, gb = N.group_norm_backward(g, x, groups, mean, rstd, w)
        return (gx, gw, gb) if affine else (gx,)
    assert_vjp(fn, backward, inputs, gy, rtol=1e-5, atol=1e-6)


def test_group_norm_backward_vs_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.normal(size=(2, 6, 3, 2)).astype(np.float32)
    w, b = rng.normal(size=6).astype(np.float32), rng.normal(size=6).astype(np.float32)
    gy = rng.normal(size=x.shape).astype(np.float32)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch.nn.functional.group_norm(tx, 3, tw, tb).backward(torch.tensor(gy))
    ex, ew, eb = ember.tensor(x), ember.tensor(w), ember.tensor(b)
    _, mean, rstd = N.native_group_norm(ex, 3, ew, eb)
    assert tuple(mean.shape) == (2, 3)
    gx, gw, gb = N.group_norm_backward(ember.tensor(gy), ex, 3, mean, rstd, ew)
    for got, want in ((gx, tx.grad), (gw, tw.grad), (gb, tb.grad)):
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-4, atol=1e-5)


def test_backward_bad_input():
    x = ember.ones((2, 4, 3))
    _, mean, rstd = N.native_group_norm(x, 2)
    with pytest.raises(ember.ShapeError, match=r"grad_output of shape \[2, 4\]"):
        N.group_norm_backward(ember.ones((2, 4)), x, 2, mean, rstd)
    with pytest.raises(ember.ShapeError, match="mean and rstd"):
        N.layer_norm_backward(ember.ones((2, 4, 3)), x, (3,), mean, rstd)
