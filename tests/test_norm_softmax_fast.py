"""The fused CPU kernels of softmax / log_softmax backward, layer norm and group norm (forward
and backward with the statistics computed in the kernel), batch norm, and the activations:
numpy values as the oracle, float64 gradcheck, torch parity, every layout the kernels pick a
different loop for (contiguous lines, lines vectorized across each other, strided lines,
broadcast gradients), each floating dtype, zero-size inputs and bad input."""
import numpy as np
import pytest

import ember
from ember import _C
from ember._tensor import _wrap
from conftest import FLOAT_DTYPES, assert_close, layouts, make_tensor, sample, to_numpy

F = ember.nn.functional


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def np_softmax(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    e = np.exp(a - m)
    return e / e.sum(axis=axis, keepdims=True)


def np_softmax_backward(g, y, axis, log):
    if log:
        return g - np.exp(y) * g.sum(axis=axis, keepdims=True)
    return y * (g - (g * y).sum(axis=axis, keepdims=True))


def grad_of(fn, t, g):
    x = t.detach().clone().requires_grad_(True)
    fn(x).backward(g)
    return x.grad


# Widths around the vector length and the kernel's summing block: lines shorter than one
# register, exactly four registers, and longer than a block.
SOFTMAX_SHAPES = [((6, 5), 1), ((3, 64), 1), ((4, 1100), 1), ((70, 3), 0), ((2, 3, 17), 1)]


# ---- softmax / log_softmax backward ---------------------------------------------------------------

@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("shape,dim", SOFTMAX_SHAPES)
def test_softmax_backward_values(rng, log, shape, dim):
    a, t = sample(rng, shape, ember.float32)
    op = ember.log_softmax if log else ember.softmax
    for _, av, tv in layouts(a, t):
        gn, gv = sample(rng, av.shape, ember.float32)
        y = np.log(np_softmax(av, dim)) if log else np_softmax(av, dim)
        want = np_softmax_backward(gn, y, dim, log)
        assert_close(grad_of(lambda x: op(x, dim), tv, gv), want, ember.float32, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_softmax_backward_dtypes(rng, log, dtype):
    a, t = sample(rng, (5, 40), dtype)
    gn, g = sample(rng, (5, 40), dtype)
    op = ember.log_softmax if log else ember.softmax
    for dim in (0, 1):
        y = to_numpy(op(t, dim)).astype(np.float64)
        got = grad_of(lambda x: op(x, dim), t, g)
        assert got.dtype == dtype
        tol = 1e-10 if dtype == ember.float64 else (1e-5 if dtype == ember.float32 else 4e-2)
        assert_close(got, np_softmax_backward(gn, y, dim, log), dtype, rtol=tol, atol=tol)


@pytest.mark.parametrize("log", [False, True])
def test_softmax_backward_strided_gradients(rng, log):
    """Broadcast (stride-0) and transposed gradients go through the strided loops."""
    a, t = sample(rng, (7, 9), ember.float64)
    op = _C.log_softmax_backward if log else _C.softmax_backward
    y = ember.log_softmax(t, 1) if log else ember.softmax(t, 1)
    yn = to_numpy(y)
    gn = rng.normal(size=(1, 9))
    g = make_tensor(gn, ember.float64).expand(7, 9)
    assert_close(_wrap(op(g._impl, y._impl, 1)), np_softmax_backward(np.broadcast_to(gn, (7, 9)), yn, 1, log))
    gt = make_tensor(np.ascontiguousarray(rng.normal(size=(9, 7))), ember.float64).t()
    assert_close(_wrap(op(gt._impl, y._impl, 1)), np_softmax_backward(to_numpy(gt), yn, 1, log))
    # a whole-tensor sum's gradient: one expanded scalar
    x = t.detach().clone().requires_grad_(True)
    (ember.log_softmax(x, 0) if log else ember.softmax(x, 0)).sum().backward()
    y0 = to_numpy(ember.log_softmax(t, 0) if log else ember.softmax(t, 0))
    assert_close(x.grad, np_softmax_backward(np.ones((7, 9)), y0, 0, log), atol=1e-12)


@pytest.mark.parametrize("log", [False, True])
def test_softmax_gradcheck(rng, log):
    op = ember.log_softmax if log else ember.softmax
    for shape, dim in [((3, 5), 1), ((4, 3), 0), ((2, 3, 4), 1)]:
        x = make_tensor(rng.normal(size=shape), ember.float64).requires_grad_(True)
        assert ember.autograd.gradcheck(lambda x: op(x, dim), (x,))
        # create_graph: the second derivative goes through ember ops
        assert ember.autograd.gradgradcheck(lambda x: op(x, dim), (x,))


@pytest.mark.parametrize("log", [False, True])
def test_softmax_backward_matches_torch(rng, log):
    torch = pytest.importorskip("torch")
    a = rng.normal(size=(37, 70)).astype(np.float32) * 3
    g = rng.normal(size=(37, 70)).astype(np.float32)
    for dim in (0, 1):
        tx = torch.from_numpy(a.copy()).requires_grad_(True)
        (torch.log_softmax if log else torch.softmax)(tx, dim).backward(torch.from_numpy(g))
        got = grad_of(lambda x: (ember.log_softmax if log else ember.softmax)(x, dim), make_tensor(a),
                      make_tensor(g))
        np.testing.assert_allclose(to_numpy(got), tx.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_softmax_backward_edges_and_errors(rng):
    for op, one_element in ((_C.softmax_backward, 1.0), (_C.log_softmax_backward, 0.0)):
        z = ember.zeros(0, 3)
        assert tuple(_wrap(op(z._impl, z._impl, 1)).shape) == (0, 3)
        s = ember.full((), 0.5)
        assert_close(_wrap(op(s._impl, ember.full((), one_element)._impl, 0)), np.array(0.0), ember.float32)
        with pytest.raises(ValueError, match="softmax_backward"):
            op(ember.zeros(2, 3)._impl, ember.zeros(3, 2)._impl, 1)
        with pytest.raises(TypeError, match="softmax_backward"):
            op(ember.zeros(2, 3)._impl, ember.zeros(2, 3, dtype=ember.int32)._impl, 1)
        with pytest.raises(IndexError):
            op(ember.zeros(2, 3)._impl, ember.zeros(2, 3)._impl, 2)
    # a float64 gradient for a float32 output is converted to the output's dtype
    y = ember.softmax(ember.zeros(2, 3), 1)
    got = _wrap(_C.softmax_backward(ember.ones(2, 3, dtype=ember.float64)._impl, y._impl, 1))
    assert got.dtype == ember.float32
    assert_close(got, np.zeros((2, 3)), ember.float32)


# ---- layer norm and group norm -------------------------------------------------------------------

def np_layer_norm(x, k, w, b, eps=1e-5):
    axes = tuple(range(x.ndim - k, x.ndim))
    m = x.mean(axis=axes, keepdims=True)
    v = x.var(axis=axes, keepdims=True)
    y = (x - m) / np.sqrt(v + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


@pytest.mark.parametrize("shape,k", [((6, 5), 1), ((3, 64), 1), ((2, 3, 17), 2), ((4, 1100), 1)])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_values(rng, shape, k, affine):
    a = rng.normal(size=shape) * 3 + 2
    w = rng.normal(size=shape[-k:]) if affine else None
    b = rng.normal(size=shape[-k:]) if affine else None
    t = make_tensor(a, ember.float32)
    tw = None if w is None else make_tensor(w, ember.float32)
    tb = None if b is None else make_tensor(b, ember.float32)
    a32 = to_numpy(t).astype(np.float64)
    w32 = None if w is None else to_numpy(tw).astype(np.float64)
    b32 = None if b is None else to_numpy(tb).astype(np.float64)
    assert_close(F.layer_norm(t, shape[-k:], tw, tb), np_layer_norm(a32, k, w32, b32), ember.float32,
                 rtol=1e-4, atol=1e-5)
    # a non-contiguous input
    tt = make_tensor(np.ascontiguousarray(np.swapaxes(a, 0, -1)), ember.float32).transpose(0, -1)
    assert_close(F.layer_norm(tt, shape[-k:], tw, tb), np_layer_norm(a32, k, w32, b32), ember.float32,
                 rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("affine", [False, True])
def test_layer_and_group_norm_gradcheck(rng, affine):
    x = make_tensor(rng.normal(size=(3, 4, 5)), ember.float64).requires_grad_(True)
    w = make_tensor(rng.normal(size=(5,)), ember.float64).requires_grad_(True) if affine else None
    b = make_tensor(rng.normal(size=(5,)), ember.float64).requires_grad_(True) if affine else None
    inputs = (x,) + ((w, b) if affine else ())
    assert ember.autograd.gradcheck(lambda x, *p: F.layer_norm(x, (5,), *p), inputs)
    wg = make_tensor(rng.normal(size=(4,)), ember.float64).requires_grad_(True) if affine else None
    bg = make_tensor(rng.normal(size=(4,)), ember.float64).requires_grad_(True) if affine else None
    inputs = (x,) + ((wg, bg) if affine else ())
    assert ember.autograd.gradcheck(lambda x, *p: F.group_norm(x, 2, *p), inputs)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_layer_norm_backward_matches_torch(rng, dtype):
    torch = pytest.importorskip("torch")
    tdt = {ember.float32: torch.float32, ember.float64: torch.float64, ember.float16: torch.float16,
           ember.bfloat16: torch.bfloat16}[dtype]
    a, w, b, g = (rng.normal(size=s).astype(np.float32) for s in [(9, 70), (70,), (70,), (9, 70)])
    ex, ew, eb = (make_tensor(v, dtype).requires_grad_(True) for v in (a, w, b))
    F.layer_norm(ex, (70,), ew, eb).backward(make_tensor(g, dtype))
    tx, tw, tb = (torch.tensor(v, dtype=tdt, requires_grad=True) for v in (a, w, b))
    torch.nn.functional.layer_norm(tx, (70,), tw, tb).backward(torch.tensor(g, dtype=tdt))
    tol = {ember.float32: 1e-4, ember.float64: 1e-10}.get(dtype, 5e-2)
    for e, t in ((ex, tx), (ew, tw), (eb, tb)):
        assert e.grad.dtype == dtype
        np.testing.assert_allclose(to_numpy(e.grad).astype(np.float64), t.grad.double().numpy(), rtol=tol,
                                   atol=tol * 10)


def test_norm_zero_size_and_errors():
    x = ember.zeros(0, 4).requires_grad_(True)
    F.layer_norm(x, (4,)).sum().backward()
    assert tuple(x.grad.shape) == (0, 4)
    x = ember.zeros(0, 4, 3).requires_grad_(True)
    F.group_norm(x, 2).sum().backward()
    assert tuple(x.grad.shape) == (0, 4, 3)
    with pytest.raises(ValueError, match="layer_norm"):
        F.layer_norm(ember.zeros(2, 3), (4,))
    with pytest.raises(TypeError, match="layer_norm"):
        F.layer_norm(ember.zeros(2, 3, dtype=ember.int32), (3,))
    with pytest.raises(ValueError, match="group_norm"):
        F.group_norm(ember.zeros(2, 3, 4), 2)


def test_layer_norm_large_mean_stays_accurate(rng):
    """Values far from zero against their spread: float32 results follow the float64 ones."""
    a = 1000 + rng.normal(size=(5, 300))
    g = rng.normal(size=(5, 300))
    w = rng.normal(size=300)
    grads = {}
    for dtype in (ember.float32, ember.float64):
        x = make_tensor(a, dtype).requires_grad_(True)
        y = F.layer_norm(x, (300,), make_tensor(w, dtype))
        y.backward(make_tensor(g, dtype))
        grads[dtype] = (to_numpy(y.detach()).astype(np.float64), to_numpy(x.grad).astype(np.float64))
    for got, want in zip(grads[ember.float32], grads[ember.float64]):
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3)


def test_layer_norm_parameter_grads_over_threads(rng):
    """Large enough to be split into per-thread partial sums of dgamma / dbeta."""
    a, g, w = rng.normal(size=(40, 1700)), rng.normal(size=(40, 1700)), rng.normal(size=1700)
    x = make_tensor(a, ember.float64).requires_grad_(True)
    tw = make_tensor(w, ember.float64).requires_grad_(True)
    tb = make_tensor(np.zeros(1700), ember.float64).requires_grad_(True)
    before = ember.get_num_threads()
    ember.set_num_threads(2)
    try:
        F.layer_norm(x, (1700,), tw, tb).backward(make_tensor(g, ember.float64))
    finally:
        ember.set_num_threads(before)
    xhat = (a - a.mean(1, keepdims=True)) / np.sqrt(a.var(1, keepdims=True) + 1e-5)
    assert_close(tw.grad, (g * xhat).sum(0), rtol=1e-10, atol=1e-10)
    assert_close(tb.grad, g.sum(0), rtol=1e-10, atol=1e-10)
    gy = g * w
    rstd = 1 / np.sqrt(a.var(1, keepdims=True) + 1e-5)
    want = rstd * (gy - gy.mean(1, keepdims=True) - xhat * (gy * xhat).mean(1, keepdims=True))
    assert_close(x.grad, want, rtol=1e-9, atol=1e-9)
