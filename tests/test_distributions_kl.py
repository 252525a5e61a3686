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
    p, q = D.Poisson(ember.tensor([1.0])), D.Normal(ember.tensor([0.0]), ember.tensor([1.0]))
    with pytest.raises(NotImplementedError, match="Poisson"):
        D.kl_divergence(p, q)

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
