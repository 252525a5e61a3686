"""ember.special against torch.special: values (float64 and float32, both tails, the edges),
gradients by gradcheck (float64), integer inputs, zero-size inputs and bad input."""
import math

import numpy as np
import pytest

import ember
import ember.special as S
from ember.autograd import gradcheck

torch = pytest.importorskip("torch")

WIDE = np.concatenate([np.linspace(-40, 40, 33), [0.0, 1e-3, -1e-3, 29.9, 30.1, 60.0, -60.0]])
UNIT = np.concatenate([np.linspace(0, 1, 21), [1e-6, 1 - 1e-6]])
POSITIVE = np.linspace(0.15, 12, 15)

UNARY = {  # name: (inputs, float64 rtol, atol)
    "erf": (WIDE, 1e-14, 0), "erfc": (WIDE, 1e-13, 0), "erfcx": (WIDE, 1e-13, 0), "erfinv": (UNIT * 2 - 1, 1e-13, 0),
    "expit": (WIDE, 1e-14, 0), "logit": (UNIT, 1e-13, 0), "exp2": (WIDE, 1e-14, 0), "expm1": (WIDE, 1e-14, 0),
    "log1p": (POSITIVE - 0.1, 1e-14, 0), "gammaln": (POSITIVE, 1e-13, 0), "digamma": (POSITIVE, 1e-13, 0),
    "psi": (POSITIVE, 1e-13, 0), "i0": (WIDE, 1e-13, 0), "i0e": (WIDE, 1e-13, 0), "i1": (WIDE, 1e-13, 0),
    "i1e": (WIDE, 1e-13, 0), "ndtr": (WIDE, 1e-13, 1e-15), "ndtri": (UNIT, 1e-10, 0),
    "log_ndtr": (WIDE, 1e-12, 0), "sinc": (WIDE, 1e-13, 1e-16), "entr": (np.concatenate([UNIT, [-1.0]]), 1e-14, 0),
    "round": (WIDE * 1.37, 0, 0),
}


def _compare(ours, theirs, rtol, atol):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_match_torch(name):
    values, rtol, atol = UNARY[name]
    _compare(getattr(S, name)(ember.tensor(values)), getattr(torch.special, name)(torch.tensor(values)), rtol, atol)
    f32 = values.astype(np.float32)
    ours = getattr(S, name)(ember.tensor(f32))
    assert ours.dtype == ember.float32
    _compare(ours, getattr(torch.special, name)(torch.tensor(f32)), max(rtol, 1e-5), max(atol, 1e-6))
    empty = getattr(S, name)(ember.zeros(0, 3))
    assert empty.shape == (0, 3)


@pytest.mark.parametrize("name", ["expit", "i0", "erf", "ndtr", "sinc", "entr"])
def test_integer_inputs_become_float32(name):
    ints = np.array([0, 1, 2, 5])
    ours = getattr(S, name)(ember.tensor(ints))
    theirs = getattr(torch.special, name)(torch.tensor(ints))
    assert ours.dtype == ember.float32 and theirs.dtype == torch.float32
    _compare(ours, theirs, 1e-6, 1e-7)


def test_binary_functions_match_torch():
    rng = np.random.default_rng(0)
    a, x = rng.uniform(0.2, 12, (4, 5)), rng.uniform(0.01, 25, (4, 5))
    for name in ("gammainc", "gammaincc"):
        _compare(getattr(S, name)(ember.tensor(a), ember.tensor(x)),
                 getattr(torch.special, name)(torch.tensor(a), torch.tensor(x)), 1e-11, 1e-14)
    edges_a = np.array([0.0, 1.0, -1.0, 2.0, 2.0, math.nan, 3.0])
    edges_x = np.array([1.0, 0.0, 1.0, -1.0, math.inf, 1.0, 0.0])
    for name in ("gammainc", "gammaincc"):
        _compare(getattr(S, name)(ember.tensor(edges_a), ember.tensor(edges_x)),
                 getattr(torch.special, name)(torch.tensor(edges_a), torch.tensor(edges_x)), 0, 0)
    s, q = np.array([1.0, 0.5, 1.5, 2.0, 3.0, 7.0, 2.0]), np.array([1.0, 1.0, 0.3, 1.0, 5.0, 0.7, -2.0])
    _compare(S.zeta(ember.tensor(s), ember.tensor(q)), torch.special.zeta(torch.tensor(s), torch.tensor(q)), 1e-13, 0)
    _compare(S.zeta(ember.tensor(s), 2.0), torch.special.zeta(torch.tensor(s), 2.0), 1e-13, 0)
    xs, ys = np.array([0.0, 0.0, 1.0, 2.0, 3.0]), np.array([-1.0, math.nan, 0.5, -0.5, 3.0])
    for name in ("xlog1py", "xlogy"):
        _compare(getattr(S, name)(ember.tensor(xs), ember.tensor(ys)),
                 getattr(torch.special, name)(torch.tensor(xs), torch.tensor(ys)), 1e-14, 0)
    _compare(S.xlog1py(2.0, ember.tensor(ys)), torch.special.xlog1py(2.0, torch.tensor(ys)), 1e-14, 0)
    for n in range(5):
        # torch's trigamma (n = 1) is good to about 1e-9 only; the exact values below check ours
        _compare(S.polygamma(n, ember.tensor(POSITIVE)), torch.special.polygamma(n, torch.tensor(POSITIVE)),
                 1e-8 if n == 1 else 1e-11, 0)
    one = ember.tensor([1.0], dtype=ember.float64)
    assert abs(S.polygamma(1, one).item() - math.pi ** 2 / 6) < 1e-15
    assert abs(S.zeta(ember.tensor([4.0], dtype=ember.float64), one).item() - math.pi ** 4 / 90) < 1e-15
    for p in (1, 3):
        _compare(S.multigammaln(ember.tensor(POSITIVE + 1), p),
                 torch.special.multigammaln(torch.tensor(POSITIVE + 1), p), 1e-13, 0)


def test_reductions_softmax_and_round_decimals():
    x = np.random.default_rng(1).standard_normal((3, 4))
    for name in ("softmax", "log_softmax"):
        _compare(getattr(S, name)(ember.tensor(x), 1), getattr(torch.special, name)(torch.tensor(x), 1), 1e-13, 0)
    _compare(S.logsumexp(ember.tensor(x), 0, True), torch.special.logsumexp(torch.tensor(x), 0, True), 1e-13, 0)
    _compare(S.round(ember.tensor(x), decimals=2), torch.special.round(torch.tensor(x), decimals=2), 0, 0)
    _compare(S.logit(ember.tensor(UNIT), eps=1e-3), torch.special.logit(torch.tensor(UNIT), eps=1e-3), 1e-13, 0)
    out = ember.empty(3, 4, dtype=ember.float64)
    assert S.expit(ember.tensor(x), out=out) is out
    _compare(out, torch.special.expit(torch.tensor(x)), 1e-14, 0)


def _leaf(values):
    return ember.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


GRAD_INPUTS = {
    "erfcx": [-2.0, -0.3, 0.4, 3.0, 26.0], "i0": [-31.0, -2.0, 0.3, 4.0, 35.0], "i0e": [-31.0, -2.0, 0.3, 4.0, 35.0],
    "i1": [-31.0, -2.0, 0.3, 4.0, 35.0], "i1e": [-31.0, -2.0, 0.3, 4.0, 35.0], "ndtr": [-3.0, 0.0, 2.0],
    "ndtri": [0.1, 0.5, 0.9], "log_ndtr": [-8.0, -1.0, 0.5, 3.0], "sinc": [-1.3, 0.2, 2.5], "entr": [0.2, 1.5],
    "logit": [0.1, 0.6], "expit": [-2.0, 1.0], "digamma": [0.5, 3.0],
}


@pytest.mark.parametrize("name", sorted(GRAD_INPUTS))
def test_unary_gradients(name):
    assert gradcheck(getattr(S, name), (_leaf(GRAD_INPUTS[name]),))


def test_binary_and_higher_order_gradients():
    q = _leaf([0.5, 1.7, 4.0])
    assert gradcheck(lambda v: S.polygamma(2, v), (q,))
    assert gradcheck(lambda v: S.zeta(3.0, v), (q,))
    assert gradcheck(lambda v: S.multigammaln(v + 2, 3), (q,))
    x = _leaf([0.3, 2.0, 9.0])
    a = ember.tensor([1.5, 2.5, 3.0], dtype=ember.float64)
    assert gradcheck(lambda v: S.gammainc(a, v), (x,))
    assert gradcheck(lambda v: S.gammaincc(a, v), (x,))
    # d/dx P(a, x) = x^(a-1) e^-x / Gamma(a), the density of the gamma distribution
    (g,) = ember.autograd.grad(S.gammainc(a, x).sum(), x)
    density = (a - 1) * x.detach().log() - x.detach() - a.lgamma()
    np.testing.assert_allclose(g.numpy(), density.exp().numpy(), rtol=1e-9)
    # i0' = i1, second derivative through the composite
    y = _leaf([0.7, 3.0])
    (d1,) = ember.autograd.grad(S.i0(y).sum(), y, create_graph=True)
    np.testing.assert_allclose(d1.detach().numpy(), S.i1(y).detach().numpy(), rtol=1e-12)
    (d2,) = ember.autograd.grad(d1.sum(), y)
    theirs = torch.tensor([0.7, 3.0], dtype=torch.float64, requires_grad=True)
    (t1,) = torch.autograd.grad(torch.special.i0(theirs).sum(), theirs, create_graph=True)
    (t2,) = torch.autograd.grad(t1.sum(), theirs)
    np.testing.assert_allclose(d2.numpy(), t2.numpy(), rtol=1e-10)


def test_top_level_names():
    assert ember.i0 is S.i0 and ember.polygamma is S.polygamma
    assert ember.igamma is S.gammainc and ember.igammac is S.gammaincc and ember.mvlgamma is S.multigammaln
    assert S.psi is S.digamma


def test_bad_input():
    with pytest.raises(TypeError, match="special.i0"):
        S.i0([1.0])
    with pytest.raises(ValueError, match="negative n"):
        S.polygamma(-1, ember.ones(2))
    with pytest.raises(ValueError, match="greater than"):
        S.multigammaln(ember.tensor([0.2]), 2)
    with pytest.raises(TypeError, match="at least one Tensor"):
        S.zeta(2.0, 1.0)
    x = ember.tensor([0.5, 2.0])
    S.gammainc(x, x)
    assert x.tolist() == [0.5, 2.0]
