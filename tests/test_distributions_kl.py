"""kl_divergence against torch.distributions.kl_divergence, and register_kl's dispatch."""
import numpy as np
import pytest

import ember
import ember.distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

rng = np.random.default_rng(3)


def _pos(*shape):
    return rng.uniform(0.5, 2.5, size=shape)


def _real(*shape):
    return rng.normal(size=shape)


def _simplex(*shape):
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


def _spd(n):
    a = rng.normal(size=(2, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# (p's class, p's parameters, q's class, q's parameters)
PAIRS = {
    "Normal": ("Normal", dict(loc=_real(3), scale=_pos(3)), "Normal", dict(loc=_real(3), scale=_pos(3))),
    "Categorical": ("Categorical", dict(probs=_simplex(2, 4)), "Categorical", dict(logits=_real(2, 4))),
    "Categorical_zeros": ("Categorical", dict(probs=np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])),
                          "Categorical", dict(probs=np.array([[0.2, 0.3, 0.5], [0.5, 0.5, 0.0]]))),
    "Bernoulli": ("Bernoulli", dict(probs=np.array([0.0, 0.3, 1.0, 0.6])),
                  "Bernoulli", dict(probs=np.array([0.5, 0.0, 0.4, 1.0]))),
    "Beta": ("Beta", dict(concentration1=_pos(3), concentration0=_pos(3)),
             "Beta", dict(concentration1=_pos(3), concentration0=_pos(3))),
    "Gamma": ("Gamma", dict(concentration=_pos(3), rate=_pos(3)), "Gamma", dict(concentration=_pos(3), rate=_pos(3))),
    "Dirichlet": ("Dirichlet", dict(concentration=_pos(2, 3)), "Dirichlet", dict(concentration=_pos(2, 3))),
    "MVN": ("MultivariateNormal", dict(loc=_real(2, 3), covariance_matrix=_spd(3)),
            "MultivariateNormal", dict(loc=_real(3), scale_tril=np.linalg.cholesky(_spd(3)))),
    "Exponential": ("Exponential", dict(rate=_pos(3)), "Exponential", dict(rate=_pos(3))),
    "Laplace": ("Laplace", dict(loc=_real(3), scale=_pos(3)), "Laplace", dict(loc=_real(3), scale=_pos(3))),
    "Uniform": ("Uniform", dict(low=np.array([0.0, -1.0]), high=np.array([1.0, 1.0])),
                "Uniform", dict(low=np.array([-1.0, 0.0]), high=np.array([2.0, 1.0]))),
    "Poisson": ("Poisson", dict(rate=_pos(3)), "Poisson", dict(rate=_pos(3))),
    "Geometric": ("Geometric", dict(probs=np.array([0.2, 0.6])), "Geometric", dict(probs=np.array([0.5, 0.3]))),
    "Gumbel": ("Gumbel", dict(loc=_real(3), scale=_pos(3)), "Gumbel", dict(loc=_real(3), scale=_pos(3))),
    "HalfNormal": ("HalfNormal", dict(scale=_pos(3)), "HalfNormal", dict(scale=_pos(3))),
    "Cauchy": ("Cauchy", dict(loc=_real(3), scale=_pos(3)), "Cauchy", dict(loc=_real(3), scale=_pos(3))),
    "Binomial": ("Binomial", dict(total_count=np.array([10.0, 10.0]), probs=np.array([0.3, 0.8])),
                 "Binomial", dict(total_count=np.array([10.0, 5.0]), probs=np.array([0.6, 0.5]))),
    "OneHotCategorical": ("OneHotCategorical", dict(probs=_simplex(2, 4)), "OneHotCategorical", dict(probs=_simplex(2, 4))),
    "LogNormal": ("LogNormal", dict(loc=_real(3), scale=_pos(3)), "LogNormal", dict(loc=_real(3), scale=_pos(3))),
    "Exponential_Gamma": ("Exponential", dict(rate=_pos(3)), "Gamma", dict(concentration=_pos(3), rate=_pos(3))),
    "Uniform_Normal": ("Uniform", dict(low=np.array([0.0, -1.0]), high=np.array([1.0, 3.0])),
                       "Normal", dict(loc=_real(2), scale=_pos(2))),
    "Normal_Laplace": ("Normal", dict(loc=_real(3), scale=_pos(3)), "Laplace", dict(loc=_real(3), scale=_pos(3))),
}


def _build(lib, cls, params):
    if lib is ember:
        return getattr(D, cls)(**{k: ember.tensor(v) for k, v in params.items()})
    return getattr(TD, cls)(**{k: torch.tensor(v) for k, v in params.items()})


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_kl_against_torch(name):
    pc, pp, qc, qp = PAIRS[name]
    got = D.kl_divergence(_build(ember, pc, pp), _build(ember, qc, qp))
    expected = TD.kl_divergence(_build(torch, pc, pp), _build(torch, qc, qp))
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


def test_kl_of_independent_and_transformed():
    loc, scale, loc2, scale2 = _real(2, 3), _pos(2, 3), _real(2, 3), _pos(2, 3)
    e = [D.Independent(D.Normal(ember.tensor(a), ember.tensor(b)), 1) for a, b in ((loc, scale), (loc2, scale2))]
    t = [TD.Independent(TD.Normal(torch.tensor(a), torch.tensor(b)), 1) for a, b in ((loc, scale), (loc2, scale2))]
    np.testing.assert_allclose(D.kl_divergence(*e).numpy(), TD.kl_divergence(*t).numpy(), rtol=1e-12)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(e[0], D.Independent(D.Normal(ember.zeros(2, 3), ember.ones(2, 3)), 2))
    exp = D.transforms.ExpTransform()
    p = D.TransformedDistribution(D.Normal(ember.tensor(loc), ember.tensor(scale)), [exp])
    q = D.TransformedDistribution(D.Normal(ember.tensor(loc2), ember.tensor(scale2)), [exp])
    np.testing.assert_allclose(D.kl_divergence(p, q).numpy(), TD.kl_divergence(
        TD.TransformedDistribution(TD.Normal(torch.tensor(loc), torch.tensor(scale)), [TD.ExpTransform()]),
        TD.TransformedDistribution(TD.Normal(torch.tensor(loc2), torch.tensor(scale2)), [TD.ExpTransform()])).numpy(),
        rtol=1e-12)


def test_kl_of_a_distribution_with_itself_is_zero_and_differentiable():
    loc = ember.tensor([0.5, -1.0], requires_grad=True, dtype=ember.float64)
    p = D.Normal(loc, 2.0)
    q = D.Normal(ember.zeros(2, dtype=ember.float64), 1.0)
    assert np.allclose(D.kl_divergence(p, p).detach().numpy(), 0.0)
    D.kl_divergence(p, q).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), loc.detach().numpy(), rtol=1e-12)  # d/dmu mu^2/2


def test_missing_pair_raises_and_register_kl_extends():
    p, q = D.Cauchy(ember.tensor([1.0]), ember.tensor([1.0])), D.Laplace(ember.tensor([0.0]), ember.tensor([1.0]))
    with pytest.raises(NotImplementedError, match="Cauchy"):
        D.kl_divergence(p, q)
    # two exponential families with no pair of their own: the Bregman fallback refuses, as torch's
    with pytest.raises(NotImplementedError, match="Bregman"):
        D.kl_divergence(D.Poisson(ember.tensor([1.0])), D.Normal(ember.tensor([0.0]), ember.tensor([1.0])))

    class MyNormal(D.Normal):
        pass

    # a subclass uses its parent's pair until it registers one of its own
    a, b = MyNormal(ember.tensor([0.0]), ember.tensor([1.0])), MyNormal(ember.tensor([1.0]), ember.tensor([1.0]))
    np.testing.assert_allclose(D.kl_divergence(a, b).numpy(), [0.5])

    @D.register_kl(MyNormal, MyNormal)
    def _kl(p, q):
        return ember.full(tuple(p.batch_shape), 42.0)

    assert D.kl_divergence(a, b).tolist() == [42.0]
    assert D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 0.0
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


# every pair torch registers between families ember has, on parameters that put some elements
# inside and some outside the other's support
_FAMILIES = {
    "Bernoulli": dict(probs=np.array([0.2, 0.5, 0.9])),
    "Beta": dict(concentration1=np.array([0.7, 2.0, 3.0]), concentration0=np.array([1.5, 0.8, 4.0])),
    "Binomial": dict(total_count=np.array([4.0, 4.0, 4.0]), probs=np.array([0.2, 0.5, 0.7])),
    "ContinuousBernoulli": dict(probs=np.array([0.2, 0.4999, 0.8])),
    "Exponential": dict(rate=np.array([0.5, 1.5, 3.0])),
    "Gamma": dict(concentration=np.array([0.7, 2.0, 5.0]), rate=np.array([1.0, 0.5, 2.0])),
    "Gumbel": dict(loc=np.array([-0.5, 0.0, 1.0]), scale=np.array([0.5, 1.0, 2.0])),
    "Laplace": dict(loc=np.array([-0.5, 0.0, 1.0]), scale=np.array([0.5, 1.0, 2.0])),
    "Normal": dict(loc=np.array([-0.5, 0.2, 1.0]), scale=np.array([0.5, 1.0, 2.0])),
    "Pareto": dict(scale=np.array([0.05, 0.5, 0.2]), alpha=np.array([3.0, 2.5, 0.8])),
    "Poisson": dict(rate=np.array([0.5, 1.5, 3.0])),
    "Uniform": dict(low=np.array([0.1, 0.3, -0.5]), high=np.array([0.6, 0.9, 0.5])),
}
_TORCH_PAIRS = sorted({(p.__name__, q.__name__) for p, q in TD.kl._KL_REGISTRY
                       if p.__name__ in _FAMILIES and q.__name__ in _FAMILIES})


@pytest.mark.parametrize("pair", _TORCH_PAIRS, ids=["-".join(p) for p in _TORCH_PAIRS])
def test_every_torch_pair_of_these_families(pair):
    pc, qc = pair
    p_e, q_e = _build(ember, pc, _FAMILIES[pc]), _build(ember, qc, _FAMILIES[qc])
    p_t, q_t = _build(torch, pc, _FAMILIES[pc]), _build(torch, qc, _FAMILIES[qc])
    try:
        expected = TD.kl_divergence(p_t, q_t)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            D.kl_divergence(p_e, q_e)
        return
    got = D.kl_divergence(p_e, q_e)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_bregman_divergence_of_exponential_families():
    from ember.distributions.kl import _kl_expfamily_expfamily
    p = D.Gamma(ember.tensor([2.0, 0.7], dtype=ember.float64), ember.tensor([1.0, 3.0], dtype=ember.float64))
    q = D.Gamma(ember.tensor([1.5, 4.0], dtype=ember.float64), ember.tensor([0.5, 1.0], dtype=ember.float64))
    np.testing.assert_allclose(_kl_expfamily_expfamily(p, q).detach().numpy(), D.kl_divergence(p, q).numpy(), rtol=1e-10)
    with pytest.raises(NotImplementedError):
        _kl_expfamily_expfamily(p, D.Exponential(ember.tensor([1.0], dtype=ember.float64)))
