"""ember.distributions: sample statistics, reparameterized gradients (gradcheck and torch's
gradients), the gamma sampler's implicit gradient, and seeding."""
import numpy as np
import pytest

import ember
import ember.distributions as D
from ember.autograd import gradcheck
from ember.distributions._gamma import gammainc, standard_gamma, standard_gamma_grad

torch = pytest.importorskip("torch")
TD = torch.distributions

N = 40000  # draws per statistics test
N_GRAD = 6000  # draws per gradient-expectation test (each costs a quadrature)


def _t(*values, dtype=ember.float64):
    return [ember.tensor(np.asarray(v, dtype=float), dtype=dtype) for v in values]


STATS = [
    ("Normal", lambda: D.Normal(*_t([0.0, -2.0], [1.0, 0.5]))),
    ("Uniform", lambda: D.Uniform(*_t([0.0, -2.0], [1.0, 3.0]))),
    ("Exponential", lambda: D.Exponential(*_t([0.5, 3.0]))),
    ("Laplace", lambda: D.Laplace(*_t([0.0, 1.0], [1.0, 0.3]))),
    ("Gamma", lambda: D.Gamma(*_t([0.3, 1.0, 4.0, 50.0], [1.0, 2.0, 0.5, 3.0]))),
    ("Beta", lambda: D.Beta(*_t([0.5, 2.0, 10.0], [0.5, 5.0, 1.0]))),
    ("Dirichlet", lambda: D.Dirichlet(*_t([[0.3, 1.0, 4.0], [2.0, 2.0, 2.0]]))),
    ("Bernoulli", lambda: D.Bernoulli(*_t([0.1, 0.5, 0.9]))),
    ("Categorical", lambda: D.Categorical(*_t([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]]))),
    ("OneHotCategorical", lambda: D.OneHotCategorical(*_t([[0.1, 0.0, 0.6, 0.3]]))),
    ("Binomial", lambda: D.Binomial(*_t([5.0, 100.0, 1000.0, 20.0]), probs=_t([0.3, 0.05, 0.6, 0.97])[0])),
    ("Poisson", lambda: D.Poisson(*_t([0.0, 0.5, 4.0, 30.0, 800.0]))),
    ("Geometric", lambda: D.Geometric(*_t([0.2, 0.7, 1.0]))),
    ("LogNormal", lambda: D.LogNormal(*_t([0.0, 1.0], [0.25, 0.5]))),
    ("HalfNormal", lambda: D.HalfNormal(*_t([1.0, 3.0]))),
    ("Gumbel", lambda: D.Gumbel(*_t([0.0, 2.0], [1.0, 0.5]))),
    ("StudentT", lambda: D.StudentT(*_t([5.0, 10.0]))),
    ("MultivariateNormal", lambda: D.MultivariateNormal(*_t([1.0, -1.0]), covariance_matrix=_t([[2.0, 0.5], [0.5, 1.0]])[0])),
    ("Chi2", lambda: D.Chi2(*_t([1.0, 7.0]))),
    ("ContinuousBernoulli", lambda: D.ContinuousBernoulli(*_t([0.1, 0.5, 0.8]))),
    ("GeneralizedPareto", lambda: D.GeneralizedPareto(*_t([0.0, 1.0, -1.0], [1.0, 0.5, 2.0], [0.1, 0.0, -0.3]))),
    ("Kumaraswamy", lambda: D.Kumaraswamy(*_t([0.7, 2.0], [1.5, 3.0]))),
    ("LowRankMVN", lambda: D.LowRankMultivariateNormal(*_t([1.0, -1.0], [[1.0], [0.5]], [0.5, 2.0]))),
    ("Weibull", lambda: D.Weibull(*_t([1.0, 2.0], [1.5, 4.0]))),
    ("Pareto", lambda: D.Pareto(*_t([1.0, 0.5], [5.0, 9.0]))),
    ("InverseGamma", lambda: D.InverseGamma(*_t([5.0, 9.0], [1.0, 2.0]))),
    ("NegativeBinomial", lambda: D.NegativeBinomial(*_t([3.0, 20.0]), probs=_t([0.3, 0.6])[0])),
    ("Multinomial", lambda: D.Multinomial(7, *_t([[0.2, 0.5, 0.3]]))),
    ("FisherSnedecor", lambda: D.FisherSnedecor(*_t([6.0, 10.0], [12.0, 20.0]))),
]


@pytest.mark.parametrize("name,make", STATS, ids=[s[0] for s in STATS])
def test_sample_mean_and_variance(name, make):
    d = make()
    ember.manual_seed(1)
    x = d.sample((N,))
    assert x.dtype == ember.float64 or name in ("Categorical",)
    assert bool(d.support.check(x).all())
    x = x.double()
    mean, var = d.mean, d.variance
    if name == "Categorical":  # no mean: compare the frequencies
        freq = ember.nn.functional.one_hot(x.long(), 4).double().mean(0)
        np.testing.assert_allclose(freq.numpy(), d.probs.numpy(), atol=4 * np.sqrt(0.25 / N))
        return
    se = (var / N).sqrt().numpy()
    np.testing.assert_allclose(x.mean(0).numpy(), mean.numpy(), atol=1e-12, rtol=0) if float(se.max()) == 0 else \
        np.testing.assert_array_less(np.abs(x.mean(0).numpy() - mean.numpy()), 5 * se + 1e-12)
    # the sample variance's standard error, from the fourth moment estimated on the sample
    fourth = ((x - mean) ** 4).mean(0).numpy()
    se_var = np.sqrt(np.maximum(fourth - var.numpy() ** 2, 0) / N)
    np.testing.assert_array_less(np.abs(x.var(0).numpy() - var.numpy()), 6 * se_var + 10 / N * var.numpy() + 1e-12)


def test_seeding_and_generators():
    d = D.Gamma(*_t([0.5, 3.0], [1.0, 1.0]))
    ember.manual_seed(7)
    a = d.sample((5,))
    ember.manual_seed(7)
    b = d.sample((5,))
    assert bool((a == b).all())
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    for dist in (d, D.Normal(*_t([0.0], [1.0])), D.Poisson(*_t([3.0, 40.0])), D.Categorical(*_t([[0.2, 0.8]])),
                 D.Binomial(*_t([10.0]), probs=_t([0.4])[0]), D.Dirichlet(*_t([[1.0, 2.0]]))):
        x = dist.sample((4,), generator=g1)
        y = dist.sample((4,), generator=g2)
        assert bool((x == y).all())


# ---- reparameterized gradients ----------------------------------------------------------------

def _seeded_rsample(make, shape=(3,)):
    def f(*params):
        ember.manual_seed(0)
        return make(*params).rsample(shape)
    return f


RSAMPLE = [
    ("Normal", lambda loc, scale: D.Normal(loc, scale), [[0.3, -1.0], [1.0, 2.0]]),
    ("Uniform", lambda lo, hi: D.Uniform(lo, hi), [[0.0, -1.0], [1.0, 2.0]]),
    ("Laplace", lambda loc, scale: D.Laplace(loc, scale), [[0.3, -1.0], [1.0, 2.0]]),
    ("Exponential", lambda rate: D.Exponential(rate), [[0.5, 2.0]]),
    ("Cauchy", lambda loc, scale: D.Cauchy(loc, scale), [[0.3, -1.0], [1.0, 2.0]]),
    ("LogNormal", lambda loc, scale: D.LogNormal(loc, scale), [[0.3, -1.0], [0.5, 0.2]]),
    ("Gumbel", lambda loc, scale: D.Gumbel(loc, scale), [[0.3, -1.0], [1.0, 2.0]]),
    ("HalfNormal", lambda scale: D.HalfNormal(scale), [[1.0, 2.0]]),
    ("HalfCauchy", lambda scale: D.HalfCauchy(scale), [[1.0, 2.0]]),
    ("ContinuousBernoulli", lambda p: D.ContinuousBernoulli(p), [[0.2, 0.7]]),
    ("GeneralizedPareto", lambda loc, scale, xi: D.GeneralizedPareto(loc, scale, xi), [[0.0, 1.0], [1.0, 0.5], [0.2, -0.3]]),
    ("MVN", lambda loc, tril: D.MultivariateNormal(loc, scale_tril=tril), [[0.3, -1.0], [[1.0, 0.0], [0.5, 2.0]]]),
    ("MVN_cov", lambda loc, cov: D.MultivariateNormal(loc, covariance_matrix=cov), [[0.3, -1.0], [[2.0, 0.3], [0.3, 1.0]]]),
    ("Transformed", lambda loc, scale: D.TransformedDistribution(
        D.Normal(loc, scale), [D.transforms.TanhTransform(), D.transforms.AffineTransform(1.0, 3.0)]),
     [[0.3, -1.0], [1.0, 0.5]]),
    ("LowRankMVN", lambda loc, W, diag: D.LowRankMultivariateNormal(loc, W, diag),
     [[0.3, -1.0, 0.5], [[1.0], [0.5], [-0.3]], [1.0, 0.5, 2.0]]),
    ("Kumaraswamy", lambda a, b: D.Kumaraswamy(a, b), [[0.7, 2.0], [1.5, 3.0]]),
    ("RelaxedBernoulli", lambda p: D.RelaxedBernoulli(ember.tensor(0.5, dtype=ember.float64), probs=p), [[0.3, 0.8]]),
    ("RelaxedOneHotCategorical", lambda p: D.RelaxedOneHotCategorical(ember.tensor(0.5, dtype=ember.float64), logits=p),
     [[0.3, 0.8, -1.0]]),
]


@pytest.mark.parametrize("name,make,params", RSAMPLE, ids=[r[0] for r in RSAMPLE])
def test_rsample_gradcheck(name, make, params):
    """With the noise fixed (the seed), rsample is a smooth function of the parameters."""
    tensors = [ember.tensor(np.asarray(p, dtype=float), dtype=ember.float64, requires_grad=True) for p in params]
    assert make(*tensors).has_rsample
    if name == "MVN":  # only the lower triangle is a parameter
        f = _seeded_rsample(lambda loc, tril: make(loc, tril.tril()))
    elif name == "MVN_cov":
        f = _seeded_rsample(lambda loc, cov: make(loc, (cov + cov.mT) / 2))
    else:
        f = _seeded_rsample(make)
    assert gradcheck(f, tuple(tensors), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Exponential", "Uniform", "MVN"])
def test_rsample_gradient_matches_torch_with_the_same_noise(name):
    """torch's rsample formula applied to the noise that ember drew gives ember's gradients."""
    loc_np, scale_np = np.array([0.3, -1.0]), np.array([1.5, 0.5])
    loc, scale = (ember.tensor(v, requires_grad=True, dtype=ember.float64) for v in (loc_np, scale_np))
    tloc, tscale = (torch.tensor(v, requires_grad=True) for v in (loc_np, scale_np))
    ember.manual_seed(0)
    if name == "MVN":
        L_np = np.array([[1.0, 0.0], [0.4, 0.7]])
        L = ember.tensor(L_np, requires_grad=True)
        tL = torch.tensor(L_np, requires_grad=True)
        x = D.MultivariateNormal(loc, scale_tril=L).rsample((5,))
        eps = torch.tensor(np.linalg.solve(L_np, (x.detach().numpy() - loc_np).T).T)
        tx = TD.MultivariateNormal(tloc, scale_tril=tL).loc + (tL @ eps.unsqueeze(-1)).squeeze(-1)
        weights = np.arange(10.0).reshape(5, 2)
        (x * ember.tensor(weights)).sum().backward()
        (tx * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(L.grad.numpy(), tL.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(loc.grad.numpy(), tloc.grad.numpy(), rtol=1e-10)
        return
    if name == "Exponential":
        x = D.Exponential(scale).rsample((5,))
        eps = torch.tensor(x.detach().numpy() * scale_np)  # standard exponential noise
        tx = eps / tscale
    elif name == "Uniform":
        high_np = loc_np + scale_np
        high, thigh = ember.tensor(high_np, requires_grad=True), torch.tensor(high_np, requires_grad=True)
        x = D.Uniform(loc, high).rsample((5,))
        u = torch.tensor((x.detach().numpy() - loc_np) / (high_np - loc_np))
        tx = tloc + u * (thigh - tloc)
        scale, tscale = high, thigh
    else:
        x = getattr(D, name)(loc, scale).rsample((5,))
        eps = torch.tensor((x.detach().numpy() - loc_np) / scale_np)
        tx = tloc + eps * tscale
    weights = np.arange(10.0).reshape(5, 2)
    (x * ember.tensor(weights)).sum().backward()
    (tx * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(scale.grad.numpy(), tscale.grad.numpy(), rtol=1e-10)
    if name != "Exponential":
        np.testing.assert_allclose(loc.grad.numpy(), tloc.grad.numpy(), rtol=1e-10)


def test_sample_has_no_graph():
    loc = ember.tensor([0.0], requires_grad=True)
    assert not D.Normal(loc, 1.0).sample().requires_grad
    assert D.Normal(loc, 1.0).rsample().requires_grad


# ---- the gamma sampler's implicit gradient ---------------------------------------------------

@pytest.mark.parametrize("alpha", [0.05, 0.3, 1.0, 2.5, 7.9, 8.1, 30.0, 400.0])
def test_standard_gamma_grad_matches_torch_on_torchs_samples(alpha):
    torch.manual_seed(0)
    a = torch.full((500,), alpha, dtype=torch.float64, requires_grad=True)
    x = torch._standard_gamma(a)
    x.sum().backward()
    mine = standard_gamma_grad(ember.tensor(a.detach().numpy()), ember.tensor(x.detach().numpy())).numpy()
    # torch's own gradient is a few approximations (Taylor, saddle point, rational fit) within ~5e-3
    np.testing.assert_allclose(mine, a.grad.numpy(), rtol=5e-3, atol=1e-12)


@pytest.mark.parametrize("alpha", [0.1, 0.5, 1.0, 3.0, 10.0, 100.0, 1000.0])
def test_standard_gamma_grad_is_the_implicit_derivative(alpha):
    """dx/dalpha = -(dP/dalpha) / (dP/dx), P the regularized incomplete gamma function (scipy's,
    in float64, dP/dalpha by central differences)."""
    special = pytest.importorskip("scipy.special")
    x = np.quantile(np.random.default_rng(0).gamma(alpha, size=2000), [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
    h = 1e-5 * alpha
    dP = (special.gammainc(alpha + h, x) - special.gammainc(alpha - h, x)) / (2 * h)
    pdf = np.exp((alpha - 1) * np.log(x) - x - special.gammaln(alpha))
    expected = -dP / pdf
    mine = standard_gamma_grad(ember.tensor(np.full_like(x, alpha)), ember.tensor(x)).numpy()
    np.testing.assert_allclose(mine, expected, rtol=2e-6)


def test_gammainc_against_scipy():
    special = pytest.importorskip("scipy.special")
    a = np.array([0.01, 0.1, 0.5, 1.0, 3.0, 10.0, 100.0, 1000.0])
    for x in (1e-8, 1e-3, 0.5, 1.0, 5.0, 50.0, 500.0, 5000.0):
        got = gammainc(ember.tensor(a), ember.tensor(np.full_like(a, x))).numpy()
        np.testing.assert_allclose(got, special.gammainc(a, x), rtol=1e-10, atol=1e-300)


def test_gamma_rsample_gradient_is_unbiased():
    """d/dalpha E[x] = 1 for Gamma(alpha, 1), 1/rate for Gamma(alpha, rate); the average of the
    pathwise gradients estimates it."""
    ember.manual_seed(0)
    alpha = ember.tensor([0.2, 1.0, 5.0, 60.0], dtype=ember.float64, requires_grad=True)
    rate = ember.tensor([1.0, 2.0, 0.5, 1.0], dtype=ember.float64, requires_grad=True)
    x = D.Gamma(alpha, rate).rsample((N_GRAD,))
    x.mean(0).sum().backward()
    np.testing.assert_allclose(alpha.grad.numpy(), 1 / rate.detach().numpy(), rtol=0.08)
    np.testing.assert_allclose(rate.grad.numpy(), -(alpha / rate ** 2).detach().numpy(), rtol=0.08)


def test_beta_and_dirichlet_rsample_gradients_are_unbiased():
    ember.manual_seed(0)
    a = ember.tensor([0.5, 2.0], dtype=ember.float64, requires_grad=True)
    b = ember.tensor([1.5, 3.0], dtype=ember.float64, requires_grad=True)
    D.Beta(a, b).rsample((N_GRAD,)).mean(0).sum().backward()
    an, bn = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(a.grad.numpy(), bn / (an + bn) ** 2, rtol=0.05)
    np.testing.assert_allclose(b.grad.numpy(), -an / (an + bn) ** 2, rtol=0.05)
    c = ember.tensor([0.7, 2.0, 4.0], dtype=ember.float64, requires_grad=True)
    x = D.Dirichlet(c).rsample((N_GRAD,))
    assert np.allclose(x.sum(-1).detach().numpy(), 1.0)
    x.mean(0)[0].backward()  # d/dc E[x_0] = (c0_sum - c_0) / sum^2 for c_0, -c_0 / sum^2 else
    cn = c.detach().numpy()
    s = cn.sum()
    np.testing.assert_allclose(c.grad.numpy(), np.array([s - cn[0], -cn[0], -cn[0]]) / s ** 2, rtol=0.06, atol=2e-3)


def test_standard_gamma_dtypes_and_tiny_concentrations():
    for dtype in (ember.float32, ember.float64):
        alpha = ember.tensor([1e-3, 0.5, 2.0], dtype=dtype, requires_grad=True)
        x = standard_gamma(alpha.expand(100, 3))
        assert x.dtype == dtype and bool((x > 0).all())
        x.sum().backward()
        assert bool(ember.isfinite(alpha.grad).all())


# ---- gradients of densities and entropies -------------------------------------------------------

DENSITY_GRADS = [
    ("Normal", [[0.3, -1.0], [1.0, 2.0]], [0.5, 0.1]),
    ("Gamma", [[0.7, 3.0], [1.5, 0.5]], [0.5, 2.0]),
    ("Beta", [[0.7, 3.0], [1.5, 0.5]], [0.3, 0.8]),
    ("StudentT", [[3.0, 7.0], [0.5, -0.2], [1.0, 2.0]], [0.5, 0.1]),
    ("Dirichlet", [[[0.7, 3.0, 1.2]]], [[0.2, 0.5, 0.3]]),
    ("Categorical", [[[0.3, -1.0, 2.0]]], [2]),
    ("Bernoulli", [[0.3, -1.0]], [1.0, 0.0]),
    ("Binomial", [[8.0, 8.0], [0.3, 0.6]], [2.0, 7.0]),
    ("Poisson", [[0.7, 4.0]], [1.0, 3.0]),
    ("Laplace", [[0.3, -1.0], [1.0, 2.0]], [0.5, 0.1]),
    ("Gumbel", [[0.3, -1.0], [1.0, 2.0]], [0.5, 0.1]),
    ("VonMises", [[0.3, -1.0], [1.0, 25.0]], [0.5, 0.1]),
    ("MultivariateNormal", [[0.3, -1.0], [[2.0, 0.3], [0.3, 1.0]]], [0.5, 0.1]),
]
_LOGITS = {"Categorical", "Bernoulli"}
_FIXED = {"Binomial": 0}  # the index of a parameter that is not differentiated


@pytest.mark.parametrize("name,params,value", DENSITY_GRADS, ids=[d[0] for d in DENSITY_GRADS])
def test_log_prob_and_entropy_gradients_match_torch(name, params, value):
    def build(lib, tensors):
        module = D if lib is ember else TD
        if name in _LOGITS:
            return getattr(module, name)(logits=tensors[0])
        if name == "Binomial":
            return getattr(module, name)(tensors[0], probs=tensors[1])
        if name == "MultivariateNormal":
            return getattr(module, name)(tensors[0], covariance_matrix=(tensors[1] + tensors[1].mT) / 2)
        return getattr(module, name)(*tensors)

    fixed = _FIXED.get(name)
    e_params = [ember.tensor(np.asarray(p, dtype=float), dtype=ember.float64, requires_grad=i != fixed)
                for i, p in enumerate(params)]
    t_params = [torch.tensor(np.asarray(p, dtype=float), dtype=torch.float64, requires_grad=i != fixed)
                for i, p in enumerate(params)]
    dtype = "int64" if name == "Categorical" else "float64"
    e_value = ember.tensor(np.asarray(value, dtype=dtype))
    t_value = torch.tensor(np.asarray(value, dtype=dtype))
    has_entropy = name not in ("Poisson", "VonMises")

    def objective(lib, tensors, v):
        d = build(lib, tensors)
        out = d.log_prob(v).sum()
        return out + d.entropy().sum() if has_entropy else out

    e_out = objective(ember, e_params, e_value)
    t_out = objective(torch, t_params, t_value)
    wanted = [i for i in range(len(params)) if i != fixed]
    e_grads = ember.autograd.grad(e_out, [e_params[i] for i in wanted])
    t_grads = torch.autograd.grad(t_out, [t_params[i] for i in wanted])
    rtol = 1e-6 if name == "VonMises" else 1e-9  # torch's Bessel approximations
    for g_e, g_t in zip(e_grads, t_grads):
        np.testing.assert_allclose(g_e.numpy(), g_t.numpy(), rtol=rtol, atol=1e-10)
    inputs = tuple(e_params[i] for i in wanted)

    def f(*ts):
        full = list(e_params)
        for i, t in zip(wanted, ts):
            full[i] = t
        return objective(ember, full, e_value)
    assert gradcheck(f, inputs, eps=1e-6, atol=1e-6)
