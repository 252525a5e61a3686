"""The loss backward ops (ember.nn.functional.loss.*_backward) against finite differences in float64 and
against torch.autograd."""
import numpy as np
import pytest

import ember
import ember.nn.functional.loss as L
import ember.nn.functional as F
from conftest import to_numpy
from op_db import assert_vjp

REDUCTIONS = ("none", "mean", "sum")


def t64(a):
    return ember.tensor(np.asarray(a, dtype=np.float64), dtype=ember.float64)


def grad_like(rng, loss):
    return rng.uniform(-1, 1, size=tuple(loss.shape))


def check_pair(rng, forward, backward, x, y):
    """A loss of (input, target) with both differentiable."""
    loss = forward(t64(x), t64(y))
    assert_vjp(forward, backward, [t64(x), t64(y)], grad_like(rng, loss))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.7}),
                                         ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"delta": 0.6})])
def test_pointwise_losses(rng, name, kwargs, reduction):
    x, y = rng.uniform(-2, 2, size=(3, 4)), rng.uniform(-2, 2, size=(3, 4))
    y[0, 0] = x[0, 0] + 0.35  # near the kink of smooth_l1 / huber, but not on it
    forward = lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kwargs)
    backward = lambda g, a, b: getattr(L, name + "_backward")(g, a, b, reduction, *kwargs.values())
    check_pair(rng, forward, backward, x, y)


def test_pointwise_loss_broadcast_sums_back(rng):
    x, y = rng.uniform(-2, 2, size=(4, 3)), rng.uniform(-2, 2, size=(3,))
    with pytest.warns(UserWarning):
        check_pair(rng, lambda a, b: F.mse_loss(a, b, reduction="sum"),
                   lambda g, a, b: L.mse_loss_backward(g, a, b, "sum"), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(rng, reduction, weighted):
    x, y = rng.uniform(0.1, 0.9, size=(3, 4)), rng.uniform(0, 1, size=(3, 4))
    w = t64(rng.uniform(0.5, 2, size=(4,))) if weighted else None
    check_pair(rng, lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction),
               lambda g, a, b: L.binary_cross_entropy_backward(g, a, b, w, reduction), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_binary_cross_entropy_with_logits(rng, reduction, pos_weighted):
    x, y = rng.uniform(-4, 4, size=(3, 4)), rng.uniform(0, 1, size=(3, 4))
    w = t64(rng.uniform(0.5, 2, size=(3, 4)))
    pw = t64(rng.uniform(0.5, 3, size=(4,))) if pos_weighted else None
    check_pair(rng, lambda a, b: F.binary_cross_entropy_with_logits(a, b, w, reduction=reduction, pos_weight=pw),
               lambda g, a, b: L.binary_cross_entropy_with_logits_backward(g, a, b, w, pw, reduction), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS + ("batchmean",))
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(rng, reduction, log_target):
    x = np.log(rng.uniform(0.1, 1, size=(3, 4)))
    y = np.log(rng.uniform(0.1, 1, size=(3, 4))) if log_target else rng.uniform(0.1, 1, size=(3, 4))
    check_pair(rng, lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
               lambda g, a, b: L.kl_div_backward(g, a, b, reduction, log_target), x, y)


def _targets(rng, c, shape, ignore=()):
    t = rng.integers(0, c, size=shape)
    for i in ignore:
        t.reshape(-1)[i] = -100
    return ember.tensor(t, dtype=ember.int64)


CLASS_CASES = [
    ((5, 4), (5,), {}),
    ((5, 4), (5,), {"weight": [0.5, 1.0, 2.0, 1.5]}),
    ((2, 3, 4), (2, 4), {"weight": [0.5, 1.0, 2.0]}),
    ((4,), (), {}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,target_shape,kwargs", CLASS_CASES)
def test_nll_loss(rng, shape, target_shape, kwargs, reduction):
    t = _targets(rng, shape[1] if len(shape) > 1 else shape[0], target_shape, ignore=(1,) if target_shape else ())
    w = t64(kwargs["weight"]) if "weight" in kwargs else None
    x = rng.uniform(-3, 0, size=shape)
    forward = lambda a: F.nll_loss(a, t, weight=w, reduction=reduction)
    backward = lambda g, a: (L.nll_loss_backward(g, a, t, w, reduction, -100),)
    assert_vjp(forward, backward, [t64(x)], grad_like(rng, forward(t64(x))))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("shape,target_shape,kwargs", CLASS_CASES)
def test_cross_entropy_class_indices(rng, shape, target_shape, kwargs, reduction, smoothing):
    t = _targets(rng, shape[1] if len(shape) > 1 else shape[0], target_shape, ignore=(1,) if target_shape else ())
    w = t64(kwargs["weight"]) if "weight" in kwargs else None
    x = rng.uniform(-3, 3, size=shape)
    forward = lambda a: F.cross_entropy(a, t, weight=w, reduction=reduction, label_smoothing=smoothing)
    backward = lambda g, a: (L.cross_entropy_backward(g, a, t, w, reduction, -100, smoothing)[0],)
    assert_vjp(forward, backward, [t64(x)], grad_like(rng, forward(t64(x))))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probabilities(rng, reduction, weighted):
    x, p = rng.uniform(-3, 3, size=(2, 3, 2)), rng.uniform(0, 1, size=(2, 3, 2))
    w = t64([0.5, 1.0, 2.0]) if weighted else None
    check_pair(rng, lambda a, b: F.cross_entropy(a, b, weight=w, reduction=reduction, label_smoothing=0.1),
               lambda g, a, b: L.cross_entropy_backward(g, a, b, w, reduction, -100, 0.1), x, p)


def test_backward_checks_the_gradient_shape():
    x = t64(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"unreduced loss"):
        L.mse_loss_backward(t64(np.zeros(3)), x, x, "none")
    with pytest.raises(ValueError, match="one element"):
        L.mse_loss_backward(t64(np.zeros((2, 3))), x, x, "mean")


# ---- parity with torch.autograd ----------------------------------------------------------------

def _torch_grads(torch, fn, arrays, grad):
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.backward(torch.tensor(grad, dtype=torch.float64))
    return [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch_autograd(rng, reduction):
    torch = pytest.importorskip("torch")
    x, y = rng.uniform(0.1, 0.9, size=(4, 3)), rng.uniform(0, 1, size=(4, 3))
    w, pw = rng.uniform(0.5, 2, size=(3,)), rng.uniform(0.5, 2, size=(3,))
    cases = [
        ("mse_loss", {}, ()), ("l1_loss", {}, ()), ("smooth_l1_loss", {"beta": 0.3}, (0.3,)),
        ("huber_loss", {"delta": 0.2}, (0.2,)),
        ("binary_cross_entropy", {"weight": w}, ("w",)),
        ("binary_cross_entropy_with_logits", {"weight": w, "pos_weight": pw}, ("w", "pw")),
        ("kl_div", {"log_target": False}, (False,)),
    ]
    for name, kwargs, extra in cases:
        tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        loss = getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(y), reduction=reduction, **tk)
        g = rng.uniform(-1, 1, size=tuple(loss.shape))
        want = _torch_grads(torch, lambda a, b: getattr(torch.nn.functional, name)(a, b, reduction=reduction, **tk),
                            [x, y], g)
        args = [t64(w) if e == "w" else t64(pw) if e == "pw" else e for e in extra]
        if name == "binary_cross_entropy":
            got = L.binary_cross_entropy_backward(t64(g), t64(x), t64(y), args[0], reduction)
        elif name == "binary_cross_entropy_with_logits":
            got = L.binary_cross_entropy_with_logits_backward(t64(g), t64(x), t64(y), args[0], args[1], reduction)
        else:
            got = getattr(L, name + "_backward")(t64(g), t64(x), t64(y), reduction, *args)
        for i, (a, b) in enumerate(zip(got, want)):
            np.testing.assert_allclose(to_numpy(a), b, rtol=1e-10, atol=1e-12, err_msg=f"{name} grad {i}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_matches_torch_autograd(rng, reduction, smoothing):
    torch = pytest.importorskip("torch")
    x = rng.uniform(-3, 3, size=(6, 5, 2))
    t = rng.integers(0, 5, size=(6, 2))
    t[0, 1] = 2
    w = rng.uniform(0.5, 2, size=5)
    kw = dict(weight=torch.tensor(w), ignore_index=2, reduction=reduction, label_smoothing=smoothing)
    fn = lambda a: torch.nn.functional.cross_entropy(a, torch.tensor(t), **kw)
    g = rng.uniform(-1, 1, size=tuple(fn(torch.tensor(x)).shape))
    want = _torch_grads(torch, fn, [x], g)[0]
    got = L.cross_entropy_backward(t64(g), t64(x), ember.tensor(t), t64(w), reduction, 2, smoothing)[0]
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-12)
