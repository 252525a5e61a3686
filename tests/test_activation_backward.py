"""Activation backward kernels against finite differences (float64, away from kinks) and
torch.autograd (also exactly on the kinks and thresholds, where PyTorch picks a side), the
in-place forms, and the nn.functional re-exports."""
import numpy as np
import pytest

import ember
from conftest import to_numpy
from op_db import assert_vjp
from ember.nn.functional import activation as A

F = ember.nn.functional

# name: (kwargs for the forward, positional parameters of the backward after (grad, input),
#        torch functional call)
CASES = {
    "gelu": ({}, ("none",), lambda F, x: F.gelu(x)),
    "gelu_tanh": ({"approximate": "tanh"}, ("tanh",), lambda F, x: F.gelu(x, approximate="tanh")),
    "silu": ({}, (), lambda F, x: F.silu(x)),
    "softplus": ({"beta": 2.0, "threshold": 3.0}, (2.0, 3.0), lambda F, x: F.softplus(x, 2.0, 3.0)),
    "elu": ({"alpha": 0.7}, (0.7,), lambda F, x: F.elu(x, 0.7)),
    "selu": ({}, (), lambda F, x: F.selu(x)),
    "celu": ({"alpha": 1.5}, (1.5,), lambda F, x: F.celu(x, 1.5)),
    "leaky_relu": ({"negative_slope": 0.2}, (0.2,), lambda F, x: F.leaky_relu(x, 0.2)),
    "hardtanh": ({"min_val": -2.0, "max_val": 1.0}, (-2.0, 1.0), lambda F, x: F.hardtanh(x, -2.0, 1.0)),
    "relu6": ({}, (), lambda F, x: F.relu6(x)),
    "mish": ({}, (), lambda F, x: F.mish(x)),
    "hardswish": ({}, (), lambda F, x: F.hardswish(x)),
    "hardsigmoid": ({}, (), lambda F, x: F.hardsigmoid(x)),
    "logsigmoid": ({}, (), lambda F, x: F.logsigmoid(x)),
    "softsign": ({}, (), lambda F, x: F.softsign(x)),
    "tanhshrink": ({}, (), lambda F, x: F.tanhshrink(x)),
    "threshold": ({"threshold": 0.5, "value": -1.0}, (0.5,), lambda F, x: F.threshold(x, 0.5, -1.0)),
    "relu": ({}, (), lambda F, x: F.relu(x)),
}

KINKS = np.array([-40.0, -6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 3.0, 6.0, 20.0, 40.0])


def _name(case):
    return "gelu" if case == "gelu_tanh" else case


def _backward_fn(case):
    return getattr(A, _name(case) + "_backward")


@pytest.mark.parametrize("case", list(CASES))
def test_backward_finite_differences(case):
    kw, params, _ = CASES[case]
    rng = np.random.default_rng(3)
    x = rng.uniform(-7, 7, size=(4, 6))
    # keep finite differences off the kinks (all kinks lie on multiples of 0.5)
    x = np.where(np.abs(x * 2 - np.round(x * 2)) < 0.05, x + 0.1, x)
    forward = getattr(F, _name(case))
    backward = _backward_fn(case)
    assert_vjp(lambda t: forward(t, **kw), lambda g, t: (backward(g, t, *params),),
               [ember.tensor(x, dtype=ember.float64)], rng.normal(size=x.shape), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_backward_vs_torch_including_kinks(case, dtype):
    torch = pytest.importorskip("torch")
    _, params, call = CASES[case]
    rng = np.random.default_rng(4)
    x = np.concatenate([KINKS, rng.uniform(-8, 8, size=30)]).astype(dtype)
    g = rng.normal(size=x.shape).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    call(torch.nn.functional, tx).backward(torch.tensor(g))
    got = _backward_fn(case)(ember.tensor(g), ember.tensor(x), *params)
    assert str(got.dtype).endswith(dtype)
    tol = 1e-7 if dtype == "float64" else 2e-6  # PyTorch multiplies by a float32 1/6 in hardsigmoid
    np.testing.assert_allclose(to_numpy(got), tx.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_backward_from_output(name):
    x = np.linspace(-4, 4, 9)
    assert_vjp(lambda t: getattr(ember, name)(t),
               lambda g, t: (getattr(A, name + "_backward")(g, getattr(ember, name)(t)),),
               [ember.tensor(x)], np.ones(9))


def test_backward_16bit_and_layouts():
    x = ember.tensor(np.linspace(-3, 3, 12).reshape(3, 4).astype(np.float32))
    g = ember.ones((4, 3)).t()
    for dtype in (ember.float16, ember.bfloat16):
        got = A.silu_backward(g.to(dtype), x.t().contiguous().t().to(dtype))
        assert got.dtype == dtype
        want = A.silu_backward(g, x)
        np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=2e-2, atol=2e-2)


def test_backward_bad_input():
    with pytest.raises(ember.ShapeError, match=r"grad_output of shape \[3\].*\[4\]"):
        A.gelu_backward(ember.ones(3), ember.ones(4))
    with pytest.raises(TypeError, match="int64"):
        A.elu_backward(ember.ones(3), ember.ones(3, dtype=ember.int64))


INPLACE = [("elu", F.elu_, {}), ("selu", F.selu_, {}), ("celu", F.celu_, {"alpha": 2.0}),
           ("leaky_relu", F.leaky_relu_, {"negative_slope": 0.3}), ("hardtanh", F.hardtanh_, {"min_val": -0.5}),
           ("threshold", F.threshold_, {"threshold": 0.1, "value": 9.0}), ("relu", F.relu_, {})]


@pytest.mark.parametrize("name,fn,kw", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_forms(name, fn, kw):
    base = ember.tensor(np.linspace(-3, 3, 12).reshape(3, 4).astype(np.float32))
    expected = to_numpy(getattr(F, name)(base, **kw))
    view = base.clone().t()  # non-contiguous
    v0 = view._version
    assert fn(view, **kw) is view
    np.testing.assert_allclose(to_numpy(view), expected.T, rtol=1e-6)
    assert view._version != v0
    other = base.clone()
    assert getattr(F, name)(other, inplace=True, **kw) is other


@pytest.mark.parametrize("name", ["silu", "mish", "hardswish", "hardsigmoid", "relu6"])
def test_inplace_keyword(name):
    x = ember.tensor(np.linspace(-4, 4, 9).astype(np.float32))
    want = to_numpy(getattr(F, name)(x))
    assert getattr(F, name)(x, inplace=True) is x
    np.testing.assert_allclose(to_numpy(x), want, rtol=1e-6)


def test_inplace_integer_clamp_and_refusals():
    x = ember.tensor([-5, 0, 3, 9])
    F.relu6(x, inplace=True)
    np.testing.assert_array_equal(to_numpy(x), [0, 0, 3, 6])
    y = ember.tensor([-1, 2])
    with pytest.raises(TypeError):
        F.elu_(y)
    np.testing.assert_array_equal(to_numpy(y), [-1, 2])
    z = ember.ones(3)
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh_(z, 2.0, 1.0)
    np.testing.assert_array_equal(to_numpy(z), np.ones(3))


def test_functional_reexports():
    x = ember.tensor(np.linspace(-2, 2, 6).reshape(2, 3).astype(np.float32))
    np.testing.assert_allclose(to_numpy(F.softmax(x, 1)), to_numpy(ember.softmax(x, 1)))
    np.testing.assert_allclose(to_numpy(F.log_softmax(x, -1)), to_numpy(ember.log_softmax(x, -1)))
    np.testing.assert_allclose(to_numpy(F.sigmoid(x)), to_numpy(ember.sigmoid(x)))
    np.testing.assert_allclose(to_numpy(F.tanh(x)), to_numpy(ember.tanh(x)))
    np.testing.assert_allclose(to_numpy(F.relu(x)), to_numpy(ember.relu(x)))


@pytest.mark.parametrize("name,args", [("hardtanh", (-1, 2)), ("threshold", (1, 9)), ("relu6", ()),
                                       ("softsign", ())])
def test_integer_inputs(name, args):
    x = np.array([-5, -1, 0, 1, 2, 7], dtype=np.int32)
    got = getattr(F, name)(ember.tensor(x), *args)
    if name == "softsign":
        assert got.dtype == ember.float32
        np.testing.assert_allclose(to_numpy(got), x / (1 + np.abs(x)), rtol=1e-6)
        return
    assert got.dtype == ember.int32
    want = {"hardtanh": np.clip(x, -1, 2), "threshold": np.where(x > 1, x, 9), "relu6": np.clip(x, 0, 6)}[name]
    np.testing.assert_array_equal(to_numpy(got), want)


def test_output_follows_input_layout():
    x = ember.tensor(np.linspace(-2, 2, 12).reshape(3, 4).astype(np.float32)).t()
    y = F.gelu(x)
    assert y.stride() == x.stride()
    np.testing.assert_allclose(to_numpy(y), to_numpy(F.gelu(x.contiguous())), rtol=1e-6)
