"""ember.distributions.transforms and constraints against torch's: forward, inverse,
log_abs_det_jacobian, shapes; constraint checks; biject_to / transform_to;
TransformedDistribution."""
import numpy as np
import pytest

import ember
import ember.distributions as D
from ember.distributions import constraints
from ember.distributions import transforms as T

torch = pytest.importorskip("torch")
TD = torch.distributions
TT = torch.distributions.transforms
TC = torch.distributions.constraints

rng = np.random.default_rng(5)


def _e(a):
    return ember.tensor(np.asarray(a, dtype=float))


def _t(a):
    return torch.tensor(np.asarray(a, dtype=float))


# name -> (ember transform, torch transform, input sample)
TRANSFORMS = {
    "Exp": (lambda m: m.ExpTransform(), rng.normal(size=(3, 4))),
    "Sigmoid": (lambda m: m.SigmoidTransform(), rng.normal(size=(3, 4)) * 3),
    "Tanh": (lambda m: m.TanhTransform(), rng.normal(size=(3, 4))),
    "Softplus": (lambda m: m.SoftplusTransform(), rng.normal(size=(3, 4))),
    "Affine": (lambda m: m.AffineTransform(1.5, -2.0), rng.normal(size=(3, 4))),
    "Affine_tensor": (lambda m: m.AffineTransform((_e if m is T else _t)([0.0, 1.0, 2.0, 3.0]),
                                                  (_e if m is T else _t)([1.0, -2.0, 0.5, 3.0]), event_dim=1),
                      rng.normal(size=(3, 4))),
    "Power": (lambda m: m.PowerTransform(2.5), rng.uniform(0.2, 3.0, size=(3, 4))),
    "Abs": (lambda m: m.AbsTransform(), rng.normal(size=(3, 4))),
    "Softmax": (lambda m: m.SoftmaxTransform(), rng.normal(size=(3, 4))),
    "StickBreaking": (lambda m: m.StickBreakingTransform(), rng.normal(size=(3, 4))),
    "LowerCholesky": (lambda m: m.LowerCholeskyTransform(), rng.normal(size=(2, 3, 3))),
    "PositiveDefinite": (lambda m: m.PositiveDefiniteTransform(), rng.normal(size=(2, 3, 3))),
    "Compose": (lambda m: m.ComposeTransform([m.AffineTransform(0.5, 2.0), m.ExpTransform(), m.PowerTransform(0.5)]),
                rng.normal(size=(3, 4))),
    "Compose_event": (lambda m: m.ComposeTransform([m.ExpTransform(), m.StickBreakingTransform()]), rng.normal(size=(3, 4))),
    "Independent": (lambda m: m.IndependentTransform(m.SigmoidTransform(), 1), rng.normal(size=(3, 4))),
    "Reshape": (lambda m: m.ReshapeTransform((4,), (2, 2)), rng.normal(size=(3, 4))),
    "Inverse": (lambda m: m.ExpTransform().inv, rng.uniform(0.2, 3.0, size=(3, 4))),
    "Cat": (lambda m: m.CatTransform([m.ExpTransform(), m.AffineTransform(1.0, 2.0)], dim=-1, lengths=[1, 3]),
            rng.normal(size=(3, 4))),
    "CorrCholesky": (lambda m: m.CorrCholeskyTransform(), rng.normal(size=(2, 6))),
    "CorrCholesky_2": (lambda m: m.CorrCholeskyTransform(), rng.normal(size=(3, 1)) * 3),
    "Stack": (lambda m: m.StackTransform([m.ExpTransform(), m.SigmoidTransform()], dim=0), rng.normal(size=(2, 4))),
}
_NO_INVERSE_CHECK = {"Abs", "Softmax", "LowerCholesky", "PositiveDefinite"}  # not bijections
_NO_JACOBIAN = {"Abs", "Softmax", "LowerCholesky", "PositiveDefinite"}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform_against_torch(name):
    make, x = TRANSFORMS[name]
    e, t = make(T), make(TT)
    y_e, y_t = e(_e(x)), t(_t(x))
    np.testing.assert_allclose(y_e.numpy(), y_t.numpy(), rtol=1e-12, atol=1e-12)
    assert e.bijective == t.bijective
    assert e.domain.event_dim == t.domain.event_dim and e.codomain.event_dim == t.codomain.event_dim
    assert tuple(e.forward_shape(x.shape)) == tuple(t.forward_shape(torch.Size(x.shape)))
    assert tuple(e.inverse_shape(y_e.shape)) == tuple(t.inverse_shape(y_t.shape))
    assert bool(e.codomain.check(y_e).all())
    np.testing.assert_allclose(e.inv(y_e).numpy(), t.inv(y_t).numpy(), rtol=1e-9, atol=1e-9)
    if name not in _NO_INVERSE_CHECK:
        # PowerTransform keeps its exponent in float32 (as torch's does): 1/2.5 is rounded
        tol = 1e-7 if name == "Power" else 1e-9
        np.testing.assert_allclose(e.inv(y_e).numpy(), x, rtol=tol, atol=tol)
    if name not in _NO_JACOBIAN:
        np.testing.assert_allclose(e.log_abs_det_jacobian(_e(x), y_e).numpy(),
                                   t.log_abs_det_jacobian(_t(x), y_t).numpy(), rtol=1e-10, atol=1e-10)


def test_log_abs_det_jacobian_is_the_jacobians():
    """For bijections of R^n: log|det J| by autograd's Jacobian."""
    x = ember.tensor(rng.normal(size=3))
    for t in (T.StickBreakingTransform(), T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 3.0)])):
        fn = (lambda v: t(v)[..., :-1]) if isinstance(t, T.StickBreakingTransform) else t
        jac = ember.autograd.functional.jacobian(fn, x)
        jac = jac if jac.dim() == 2 else jac.diag_embed()
        expected = np.log(abs(np.linalg.det(jac.numpy())))
        total = t.log_abs_det_jacobian(x, t(x))
        total = total.sum() if total.dim() else total
        np.testing.assert_allclose(total.item(), expected, rtol=1e-10)


def test_caching_and_equality():
    t = T.ExpTransform().with_cache(1)
    x = ember.randn(3)
    y = t(x)
    assert t.inv(y) is x  # the cached input, not a recomputation
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform() != T.SigmoidTransform()
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
    assert T.ExpTransform().inv.inv == T.ExpTransform()
    assert T.AffineTransform(0.0, -2.0).sign == -1 and T.ExpTransform().sign == 1
    with pytest.raises(ValueError):
        T.ExpTransform(cache_size=2)
    with pytest.raises(ValueError):
        T.ReshapeTransform((4,), (3,))


# ---- constraints ---------------------------------------------------------------------------

CONSTRAINTS = [
    ("real", lambda m: m.real, [0.0, float("nan"), float("inf"), -3.0]),
    ("positive", lambda m: m.positive, [0.0, 1.0, -1.0]),
    ("nonnegative", lambda m: m.nonnegative, [0.0, 1.0, -1.0]),
    ("unit_interval", lambda m: m.unit_interval, [0.0, 1.0, 1.5, -0.1, 0.5]),
    ("interval", lambda m: m.interval(-1.0, 2.0), [-1.0, 2.0, 2.5, 0.0]),
    ("half_open_interval", lambda m: m.half_open_interval(-1.0, 2.0), [-1.0, 2.0, 0.0]),
    ("greater_than", lambda m: m.greater_than(1.0), [1.0, 1.5, 0.0]),
    ("greater_than_eq", lambda m: m.greater_than_eq(1.0), [1.0, 1.5, 0.0]),
    ("less_than", lambda m: m.less_than(1.0), [1.0, 0.5, 2.0]),
    ("integer_interval", lambda m: m.integer_interval(0, 3), [0.0, 3.0, 1.5, 4.0, -1.0]),
    ("nonnegative_integer", lambda m: m.nonnegative_integer, [0.0, 2.0, 1.5, -1.0]),
    ("positive_integer", lambda m: m.positive_integer, [0.0, 2.0, 1.5]),
    ("boolean", lambda m: m.boolean, [0.0, 1.0, 0.5]),
    ("simplex", lambda m: m.simplex, [[0.2, 0.8], [0.5, 0.6], [-0.1, 1.1]]),
    ("one_hot", lambda m: m.one_hot, [[0.0, 1.0], [1.0, 1.0], [0.5, 0.5]]),
    ("real_vector", lambda m: m.real_vector, [[0.0, 1.0], [float("nan"), 0.0]]),
    ("lower_triangular", lambda m: m.lower_triangular, [[[1.0, 0.0], [2.0, -1.0]], [[1.0, 1.0], [0.0, 1.0]]]),
    ("lower_cholesky", lambda m: m.lower_cholesky, [[[1.0, 0.0], [2.0, 1.0]], [[1.0, 0.0], [2.0, -1.0]]]),
    ("corr_cholesky", lambda m: m.corr_cholesky, [[[1.0, 0.0], [0.6, 0.8]], [[1.0, 0.0], [0.6, 0.5]]]),
    ("square", lambda m: m.square, [[[1.0, 0.0], [2.0, 1.0]]]),
    ("symmetric", lambda m: m.symmetric, [[[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.0], [2.0, 1.0]]]),
    ("positive_definite", lambda m: m.positive_definite, [[[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]]),
    ("positive_semidefinite", lambda m: m.positive_semidefinite, [[[1.0, 1.0], [1.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]),
    ("independent", lambda m: m.independent(m.positive, 1), [[1.0, 2.0], [1.0, -2.0]]),
    ("multinomial", lambda m: m.multinomial(3), [[1.0, 2.0], [2.0, 2.0], [-1.0, 1.0]]),
    ("cat", lambda m: m.cat([m.positive, m.real], dim=-1, lengths=[1, 1]), [[1.0, -2.0], [-1.0, 2.0]]),
    ("stack", lambda m: m.stack([m.positive, m.unit_interval], dim=-1), [[1.0, 0.5], [1.0, 2.0]]),
]


@pytest.mark.parametrize("name,make,values", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_constraint_against_torch(name, make, values):
    e, t = make(constraints), make(TC)
    got, expected = e.check(_e(values)), t.check(_t(values))
    assert got.tolist() == expected.tolist()
    assert e.event_dim == t.event_dim and e.is_discrete == t.is_discrete
    if name not in ("cat", "stack"):
        assert repr(e) == repr(t)


def test_dependent_constraints():
    assert constraints.is_dependent(constraints.dependent)
    assert constraints.is_dependent(D.Uniform.support)
    assert D.Uniform.support.event_dim == 0 and not D.Uniform.support.is_discrete
    with pytest.raises(ValueError):
        constraints.dependent.check(ember.zeros(1))
    assert repr(D.Uniform(0.0, 2.0).support) == repr(TD.Uniform(0.0, 2.0).support)


# ---- biject_to / transform_to -----------------------------------------------------------------

REGISTRY_CASES = [
    lambda m: m.real, lambda m: m.positive, lambda m: m.nonnegative, lambda m: m.unit_interval,
    lambda m: m.interval(-2.0, 3.0), lambda m: m.half_open_interval(0.0, 4.0), lambda m: m.greater_than(1.5),
    lambda m: m.greater_than_eq(-1.0), lambda m: m.less_than(2.0), lambda m: m.simplex,
    lambda m: m.independent(m.positive, 1), lambda m: m.lower_cholesky, lambda m: m.positive_definite,
    lambda m: m.real_vector, lambda m: m.corr_cholesky,
]


def _names(t):
    parts = t.parts if isinstance(t, (T.ComposeTransform, TT.ComposeTransform)) else [t]
    return [type(p).__name__ for p in parts]


@pytest.mark.parametrize("case", range(len(REGISTRY_CASES)))
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_registry_against_torch(registry, case):
    c_e, c_t = REGISTRY_CASES[case](constraints), REGISTRY_CASES[case](TC)
    try:
        t_t = getattr(TD, registry)(c_t)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            getattr(D, registry)(c_e)
        return
    t_e = getattr(D, registry)(c_e)
    assert _names(t_e) == _names(t_t)
    shape = (2, 3, 3) if c_e.event_dim == 2 else (4, 3)
    if isinstance(c_e, type(constraints.corr_cholesky)):
        shape = (4, 6)  # vectors of a 4 x 4 factor
    x = rng.normal(size=shape)
    y_e = t_e(_e(x))
    np.testing.assert_allclose(y_e.numpy(), t_t(_t(x)).numpy(), rtol=1e-10, atol=1e-12)
    assert bool(c_e.check(y_e).all())


def test_registry_refuses_unknown_constraints():
    with pytest.raises(NotImplementedError):
        D.biject_to(constraints.boolean)
    with pytest.raises(TypeError):
        D.biject_to.register(int, lambda c: None)


# ---- TransformedDistribution ---------------------------------------------------------------------

def test_transformed_distribution_against_torch():
    loc, scale = rng.normal(size=(2, 3)), rng.uniform(0.5, 2.0, size=(2, 3))
    parts = lambda m: [m.SigmoidTransform(), m.AffineTransform(-1.0, 4.0)]  # noqa: E731
    e = D.TransformedDistribution(D.Normal(_e(loc), _e(scale)), parts(T))
    t = TD.TransformedDistribution(TD.Normal(_t(loc), _t(scale)), parts(TT))
    x = rng.uniform(-0.9, 2.9, size=(4, 2, 3))
    np.testing.assert_allclose(e.log_prob(_e(x)).numpy(), t.log_prob(_t(x)).numpy(), rtol=1e-10)
    np.testing.assert_allclose(e.cdf(_e(x)).numpy(), t.cdf(_t(x)).numpy(), rtol=1e-10)
    u = rng.uniform(0.1, 0.9, size=(4, 2, 3))
    np.testing.assert_allclose(e.icdf(_e(u)).numpy(), t.icdf(_t(u)).numpy(), rtol=1e-10)
    assert repr(e.support) == repr(t.support)
    assert tuple(e.expand((5, 2, 3)).sample().shape) == (5, 2, 3)
    # a decreasing transform flips the cdf
    e2 = D.TransformedDistribution(D.Normal(_e(loc), _e(scale)), [T.AffineTransform(0.0, -2.0)])
    t2 = TD.TransformedDistribution(TD.Normal(_t(loc), _t(scale)), [TT.AffineTransform(0.0, -2.0)])
    np.testing.assert_allclose(e2.cdf(_e(x)).numpy(), t2.cdf(_t(x)).numpy(), rtol=1e-10)


def test_transformed_distribution_with_event_dims():
    # a stick-breaking transform turns a batch of 3 normals into a 4-simplex event
    e = D.TransformedDistribution(D.Normal(ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)),
                                  T.StickBreakingTransform())
    t = TD.TransformedDistribution(TD.Normal(torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)),
                                   TT.StickBreakingTransform())
    assert tuple(e.batch_shape) == tuple(t.batch_shape) and tuple(e.event_shape) == tuple(t.event_shape) == (4,)
    x = e.sample((5,))
    np.testing.assert_allclose(e.log_prob(x).numpy(), t.log_prob(torch.tensor(x.numpy())).numpy(), rtol=1e-9)
    with pytest.raises(ValueError):
        D.TransformedDistribution(D.Normal(0.0, 1.0), "exp")


def test_cumulative_distribution_transform_against_torch():
    loc, scale = rng.normal(size=3), rng.uniform(0.5, 2.0, size=3)
    e = T.CumulativeDistributionTransform(D.Normal(_e(loc), _e(scale)))
    t = TT.CumulativeDistributionTransform(TD.Normal(_t(loc), _t(scale)))
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(e(_e(x)).numpy(), t(_t(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(e.inv(e(_e(x))).numpy(), x, rtol=1e-8)
    np.testing.assert_allclose(e.log_abs_det_jacobian(_e(x), e(_e(x))).numpy(),
                               t.log_abs_det_jacobian(_t(x), t(_t(x))).numpy(), rtol=1e-12)
    assert e.codomain is constraints.unit_interval and e.sign == 1


def test_straight_through_one_hot_passes_gradients():
    logits = ember.tensor([[0.3, -1.0, 2.0]], dtype=ember.float64, requires_grad=True)
    d = D.OneHotCategoricalStraightThrough(logits=logits)
    x = d.rsample((5,))
    assert bool(((x == 0) | (x == 1)).all()) and np.allclose(x.detach().sum(-1).numpy(), 1.0)
    (x * ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64)).sum().backward()
    # the gradient of 5 draws is that of 5 * probs
    t_logits = torch.tensor([[0.3, -1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    (5 * torch.softmax(t_logits, -1) * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), t_logits.grad.numpy(), rtol=1e-10)


def test_corr_cholesky_jacobian_and_rows():
    t = T.CorrCholeskyTransform()
    x = ember.tensor(rng.normal(size=6))
    L = t(x)
    np.testing.assert_allclose((L * L).sum(-1).numpy(), 1.0, rtol=1e-12)  # unit rows
    rows, cols = np.tril_indices(4, -1)
    jac = ember.autograd.functional.jacobian(lambda v: t(v)[ember.tensor(rows), ember.tensor(cols)], x)
    expected = np.log(abs(np.linalg.det(jac.numpy())))
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, L).item(), expected, rtol=1e-10)
    with pytest.raises(ValueError):
        t(ember.zeros(4))
