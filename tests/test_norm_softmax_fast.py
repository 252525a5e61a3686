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


# ---- layer and group norm backward: the two-pass kernels -------------------------------------------

def np_norm_grads(x, g, w, axes, param_axes, eps=1e-5):
    """(dx, dw, db) of y = xhat * w + b with xhat over `axes`; w broadcast to x (or None),
    the parameter grads summed over `param_axes`."""
    m = x.mean(axis=axes, keepdims=True)
    rstd = 1 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    xhat = (x - m) * rstd
    gy = g if w is None else g * w
    dx = rstd * (gy - gy.mean(axis=axes, keepdims=True) - xhat * (gy * xhat).mean(axis=axes, keepdims=True))
    return dx, (g * xhat).sum(axis=param_axes), g.sum(axis=param_axes)


def np_group_norm_grads(x, g, groups, w):
    n, c = x.shape[:2]
    grouped = (n, groups, -1)
    wb = None if w is None else w.reshape((1, c) + (1,) * (x.ndim - 2))
    gy = g if wb is None else g * wb
    dx, _, _ = np_norm_grads(x.reshape(grouped), gy.reshape(grouped), None, (2,), (0,))
    m = x.reshape(grouped).mean(2, keepdims=True)
    rstd = 1 / np.sqrt(x.reshape(grouped).var(2, keepdims=True) + 1e-5)
    xhat = ((x.reshape(grouped) - m) * rstd).reshape(x.shape)
    dims = (0,) + tuple(range(2, x.ndim))
    return dx.reshape(x.shape), (g * xhat).sum(axis=dims), g.sum(axis=dims)


# Rows shorter than a vector, odd lengths (the halves of the summing loop leave one value over),
# rows longer than the kernel's summing block (1024), and more rows than it sums dgamma/dbeta
# over in the input's dtype before adding them in float64 (32).
LAYER_NORM_GRAD_SHAPES = [(3, 5), (7, 33), (70, 64), (4, 2500), (130, 17)]


@pytest.mark.parametrize("shape", LAYER_NORM_GRAD_SHAPES)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=str)
@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm_backward_values(rng, shape, dtype, affine):
    a, g = rng.normal(size=shape) * 2 + 1, rng.normal(size=shape)
    w = rng.normal(size=shape[-1]) if affine else None
    x = make_tensor(a, dtype).requires_grad_(True)
    params = [make_tensor(v, dtype).requires_grad_(True) for v in (w, rng.normal(size=shape[-1]))] if affine else []
    F.layer_norm(x, (shape[-1],), *params).backward(make_tensor(g, dtype))
    a, g = to_numpy(x.detach()).astype(np.float64), to_numpy(make_tensor(g, dtype)).astype(np.float64)
    w = None if w is None else to_numpy(params[0].detach()).astype(np.float64)
    dx, dw, db = np_norm_grads(a, g, w, (1,), (0,))
    tol = 1e-4 if dtype == ember.float32 else 1e-10
    assert_close(x.grad, dx, dtype, rtol=tol, atol=tol)
    if affine:
        assert_close(params[0].grad, dw, dtype, rtol=tol, atol=tol)
        assert_close(params[1].grad, db, dtype, rtol=tol, atol=tol)


# Channels of one value (inner 1), odd and longer-than-a-block channels, one group, a group a channel.
GROUP_NORM_GRAD_SHAPES = [((4, 6), 3), ((2, 8, 3, 3), 4), ((3, 4, 1100), 2), ((2, 6, 5), 1), ((5, 4, 7), 4),
                          ((33, 16, 4, 4), 8)]


@pytest.mark.parametrize("shape,groups", GROUP_NORM_GRAD_SHAPES)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=str)
@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_backward_values(rng, shape, groups, dtype, affine):
    a, g = rng.normal(size=shape) * 2 + 1, rng.normal(size=shape)
    c = shape[1]
    x = make_tensor(a, dtype).requires_grad_(True)
    params = [make_tensor(rng.normal(size=c), dtype).requires_grad_(True) for _ in range(2)] if affine else []
    y = F.group_norm(x, groups, *params)
    y.backward(make_tensor(g, dtype))
    a, g = to_numpy(x.detach()).astype(np.float64), to_numpy(make_tensor(g, dtype)).astype(np.float64)
    w = to_numpy(params[0].detach()).astype(np.float64) if affine else None
    dx, dw, db = np_group_norm_grads(a, g, groups, w)
    tol = 1e-4 if dtype == ember.float32 else 1e-10
    assert_close(x.grad, dx, dtype, rtol=tol, atol=tol)
    if affine:
        assert_close(params[0].grad, dw, dtype, rtol=tol, atol=tol)
        assert_close(params[1].grad, db, dtype, rtol=tol, atol=tol)


def test_group_norm_backward_matches_torch_over_threads(rng):
    """Large enough to run on both threads; float32 against torch."""
    torch = pytest.importorskip("torch")
    a, g = rng.normal(size=(32, 64, 16, 16)).astype(np.float32), rng.normal(size=(32, 64, 16, 16)).astype(np.float32)
    w, b = rng.normal(size=64).astype(np.float32), rng.normal(size=64).astype(np.float32)
    before = ember.get_num_threads()
    ember.set_num_threads(2)
    try:
        ex, ew, eb = (ember.tensor(v).requires_grad_(True) for v in (a, w, b))
        F.group_norm(ex, 8, ew, eb).backward(ember.tensor(g))
    finally:
        ember.set_num_threads(before)
    tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (a, w, b))
    torch.nn.functional.group_norm(tx, 8, tw, tb).backward(torch.tensor(g))
    for e, t in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(to_numpy(e.grad), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_group_norm_gradcheck_shapes(rng):
    for shape, groups in (((2, 4), 2), ((2, 6, 3), 3), ((1, 4, 2, 3), 1)):
        x = make_tensor(rng.normal(size=shape), ember.float64).requires_grad_(True)
        w, b = (make_tensor(rng.normal(size=shape[1]), ember.float64).requires_grad_(True) for _ in range(2))
        assert ember.autograd.gradcheck(lambda x, w, b: F.group_norm(x, groups, w, b), (x, w, b))


def test_norm_backward_non_contiguous_input_and_gradient(rng):
    a, g = rng.normal(size=(6, 40)), rng.normal(size=(40, 6))
    x = make_tensor(np.ascontiguousarray(a.T), ember.float64).t().requires_grad_(True)
    F.layer_norm(x, (40,)).backward(make_tensor(g, ember.float64).t())
    assert_close(x.grad, np_norm_grads(a, g.T, None, (1,), (0,))[0], rtol=1e-10, atol=1e-10)
    a4, g4 = rng.normal(size=(2, 3, 4, 6)), rng.normal(size=(2, 3, 4, 6))
    x = make_tensor(np.ascontiguousarray(a4.transpose(0, 3, 2, 1)), ember.float64).permute(0, 3, 2, 1)
    x.requires_grad_(True)
    assert not x.is_contiguous()
    w = make_tensor(rng.normal(size=3), ember.float64).requires_grad_(True)
    F.group_norm(x, 3, w).backward(make_tensor(g4, ember.float64))
    dx, dw, _ = np_group_norm_grads(a4, g4, 3, to_numpy(w.detach()))
    assert_close(x.grad, dx, rtol=1e-10, atol=1e-10)
    assert_close(w.grad, dw, rtol=1e-10, atol=1e-10)


def test_norm_backward_empty_parameter_sums_are_zero():
    x = ember.zeros(0, 5).requires_grad_(True)
    w, b = ember.ones(5).requires_grad_(True), ember.zeros(5).requires_grad_(True)
    F.layer_norm(x, (5,), w, b).sum().backward()
    assert_close(w.grad, np.zeros(5), ember.float32)
    assert_close(b.grad, np.zeros(5), ember.float32)
    x = ember.zeros(2, 4, 0).requires_grad_(True)
    w, b = ember.ones(4).requires_grad_(True), ember.zeros(4).requires_grad_(True)
    F.group_norm(x, 2, w, b).sum().backward()
    assert tuple(x.grad.shape) == (2, 4, 0)
    assert_close(w.grad, np.zeros(4), ember.float32)
    assert_close(b.grad, np.zeros(4), ember.float32)


def test_norm_statistics_kept_by_each_forward(rng):
    """Each recorded forward keeps its own statistics for its backward: several forwards (one
    under no_grad between them) before their backwards still get each one's own gradient."""
    a1, a2, g = rng.normal(size=(3, 8)), 5 + 3 * rng.normal(size=(3, 8)), rng.normal(size=(3, 8))
    x1 = make_tensor(a1, ember.float64).requires_grad_(True)
    x2 = make_tensor(a2, ember.float64).requires_grad_(True)
    y1 = F.layer_norm(x1, (8,))
    with ember.no_grad():
        F.layer_norm(x2 * 3, (8,))
    y2 = F.layer_norm(x2, (8,))
    y3 = F.group_norm(x2.reshape(3, 4, 2), 2)
    (y1 * make_tensor(g, ember.float64)).sum().backward()
    (y2 * make_tensor(g, ember.float64)).sum().backward(retain_graph=True)
    assert_close(x1.grad, np_norm_grads(a1, g, None, (1,), (0,))[0], rtol=1e-10, atol=1e-10)
    assert_close(x2.grad, np_norm_grads(a2, g, None, (1,), (0,))[0], rtol=1e-10, atol=1e-10)
    x2.grad = None
    (y3 * make_tensor(g.reshape(3, 4, 2), ember.float64)).sum().backward()
    want = np_group_norm_grads(a2.reshape(3, 4, 2), g.reshape(3, 4, 2), 2, None)[0]
    assert_close(x2.grad, want.reshape(3, 8), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("params", ["weight", "bias", "both", "none"])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=str)
@pytest.mark.parametrize("shape", [(5, 7), (64, 64), (3, 2500)])
def test_layer_norm_forward_each_parameter_set(rng, params, dtype, shape):
    """The affine pass has a loop per set of parameters given; rows shorter than a vector,
    of whole vectors, and longer than the statistics' summing block."""
    a = rng.normal(size=shape) * 2 + 3
    w = rng.normal(size=shape[-1]) if params in ("weight", "both") else None
    b = rng.normal(size=shape[-1]) if params in ("bias", "both") else None
    t = make_tensor(a, dtype)
    tw = None if w is None else make_tensor(w, dtype)
    tb = None if b is None else make_tensor(b, dtype)
    a, w, b = (None if v is None else to_numpy(v).astype(np.float64) for v in (t, tw, tb))
    tol = 1e-4 if dtype == ember.float32 else 1e-10
    assert_close(F.layer_norm(t, (shape[-1],), tw, tb), np_layer_norm(a, 1, w, b), dtype, rtol=tol, atol=tol)


def test_group_norm_forward_long_channels(rng):
    """Groups longer than the statistics' summing block, float32 against numpy in float64."""
    a = rng.normal(size=(2, 4, 3000)) * 2 + 5
    w, b = rng.normal(size=4), rng.normal(size=4)
    t, tw, tb = (make_tensor(v, ember.float32) for v in (a, w, b))
    a, w, b = (to_numpy(v).astype(np.float64) for v in (t, tw, tb))
    g = a.reshape(2, 2, -1)
    want = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)).reshape(a.shape)
    want = want * w[None, :, None] + b[None, :, None]
    assert_close(F.group_norm(t, 2, tw, tb), want, ember.float32, rtol=1e-4, atol=1e-4)


def test_batch_norm_training_backward_with_kept_statistics(rng):
    """Training batch norm's backward takes the batch statistics its forward kept."""
    a, g = rng.normal(size=(4, 3, 5)) * 2 + 1, rng.normal(size=(4, 3, 5))
    w = rng.normal(size=3)
    x = make_tensor(a, ember.float64).requires_grad_(True)
    tw = make_tensor(w, ember.float64).requires_grad_(True)
    tb = make_tensor(np.zeros(3), ember.float64).requires_grad_(True)
    rm, rv = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    y = F.batch_norm(x, rm, rv, tw, tb, training=True)
    assert y.grad_fn.stats is not None
    y.backward(make_tensor(g, ember.float64))
    dx, dw, db = np_norm_grads(a, g, w.reshape(1, 3, 1), (0, 2), (0, 2))
    assert_close(x.grad, dx, rtol=1e-10, atol=1e-10)
    assert_close(tw.grad, dw, rtol=1e-10, atol=1e-10)
    assert_close(tb.grad, db, rtol=1e-10, atol=1e-10)
