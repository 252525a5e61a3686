"""KL divergences between different families, as the cross-entropy: KL(p || q) = -H(p) - E_p[log q].

E_p[log q] needs only a few expectations under p, which each family of p provides (`_MOMENTS`):
its mean and variance, E[log X], E[log(1 - X)], the moment generating function E[e^{tX}], and its
support's bounds. Each q family writes its expected log-density with them (`_EXPECTED_LOG_Q`).
Where p puts mass outside q's support, the divergence is infinite. Pairs whose supports can never
nest are registered as infinite outright, of p's batch shape, as in PyTorch."""
import math

import ember

from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .kl import register_kl
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .poisson import Poisson
from .uniform import Uniform
from .utils import euler_constant

_INF = float("inf")


class _Moments:
    """Lazily computed expectations under p (attributes are functions of p)."""

    def __init__(self, p, table):
        self.p = p
        self._table = table

    def __getattr__(self, name):
        try:
            fn = self._table[name]
        except KeyError:
            raise NotImplementedError(f"KL: E[{name}] under {type(self.p).__name__} is not implemented") from None
        return fn(self.p)


def _uniform_mean_xlogx(lo, hi):
    """E[log X] for X uniform on [lo, hi], lo >= 0: (h log h - l log l) / (h - l) - 1."""
    return (ember.xlogy(hi, hi) - ember.xlogy(lo, lo)) / (hi - lo) - 1


_MOMENTS = {
    Beta: {
        "lo": lambda p: 0.0, "hi": lambda p: 1.0,
        "mean": lambda p: p.mean, "var": lambda p: p.variance,
        "mean_log": lambda p: p.concentration1.digamma() - (p.concentration1 + p.concentration0).digamma(),
        "mean_log1m": lambda p: p.concentration0.digamma() - (p.concentration1 + p.concentration0).digamma(),
    },
    Exponential: {
        "lo": lambda p: 0.0, "hi": lambda p: _INF,
        "mean": lambda p: p.mean, "var": lambda p: p.variance,
        "mean_log": lambda p: -euler_constant - p.rate.log(),
        "mgf": lambda p: lambda t: p.rate / (p.rate - t),
    },
    Gamma: {
        "lo": lambda p: 0.0, "hi": lambda p: _INF,
        "mean": lambda p: p.mean, "var": lambda p: p.variance,
        "mean_log": lambda p: p.concentration.digamma() - p.rate.log(),
        "mgf": lambda p: lambda t: (1 - t / p.rate).pow(-p.concentration),
    },
    Gumbel: {
        "lo": lambda p: -_INF, "hi": lambda p: _INF,
        "mean": lambda p: p.mean, "var": lambda p: p.variance,
    },
    Laplace: {
        "lo": lambda p: -_INF, "hi": lambda p: _INF,
        "mean": lambda p: p.mean, "var": lambda p: p.variance,
    },
    Normal: {
        "lo": lambda p: -_INF, "hi": lambda p: _INF,
        "mean": lambda p: p.mean, "var": lambda p: p.variance,
        "mgf": lambda p: lambda t: ember.exp(p.loc * t + 0.5 * p.scale.pow(2) * t * t),
    },
    Pareto: {
        "lo": lambda p: p.scale, "hi": lambda p: _INF,
        "mean": lambda p: ember.where(p.alpha > 1, p.mean, _INF),
        "var": lambda p: ember.where(p.alpha > 2, p.variance, _INF),
        "mean_log": lambda p: p.scale.log() + p.alpha.reciprocal(),
    },
    Uniform: {
        "lo": lambda p: p.low, "hi": lambda p: p.high,
        "mean": lambda p: p.mean, "var": lambda p: p.variance,
        "mean_log": lambda p: _uniform_mean_xlogx(p.low.clamp(min=0), p.high.clamp(min=0)),
        "mean_log1m": lambda p: _uniform_mean_xlogx((1 - p.high).clamp(min=0), (1 - p.low).clamp(min=0)),
        "mgf": lambda p: lambda t: (ember.exp(t * p.high) - ember.exp(t * p.low)) / (t * (p.high - p.low)),
    },
    Bernoulli: {
        "lo": lambda p: 0.0, "hi": lambda p: 1.0, "mean": lambda p: p.mean,
    },
    ContinuousBernoulli: {
        "lo": lambda p: 0.0, "hi": lambda p: 1.0, "mean": lambda p: p.mean, "var": lambda p: p.variance,
    },
}


def _normal_expected_log(q, m):
    second_moment_about_loc = m.var + (m.mean - q.loc).pow(2)
    return -0.5 * ember.log(2 * math.pi * q.scale.pow(2)) - second_moment_about_loc / (2 * q.scale.pow(2))


def _exponential_expected_log(q, m):
    return q.rate.log() - q.rate * m.mean


def _gamma_expected_log(q, m):
    return (q.concentration * q.rate.log() - q.concentration.lgamma()
            + (q.concentration - 1) * m.mean_log - q.rate * m.mean)


def _gumbel_expected_log(q, m):
    # log q(x) = -log s + z - e^z, z = (loc - x) / s; E[e^z] = e^{loc/s} M_p(-1/s)
    return (-q.scale.log() + (q.loc - m.mean) / q.scale
            - ember.exp(q.loc / q.scale) * m.mgf(-q.scale.reciprocal()))


def _beta_expected_log(q, m):
    a, b = q.concentration1, q.concentration0
    lbeta = a.lgamma() + b.lgamma() - (a + b).lgamma()
    return (a - 1) * m.mean_log + (b - 1) * m.mean_log1m - lbeta


def _uniform_expected_log(q, m):
    return -(q.high - q.low).log()


def _pareto_expected_log(q, m):
    return q.alpha.log() + q.alpha * q.scale.log() - (q.alpha + 1) * m.mean_log


def _poisson_expected_log(q, m):
    # for p on {0, 1}: E[k log rate - rate - log k!] with log 0! = log 1! = 0
    return m.mean * q.rate.log() - q.rate


def _continuous_bernoulli_expected_log(q, m):
    # log C + x log l + (1 - x) log(1 - l) = log C + x logits + log(1 - l)
    return q._cont_bern_log_norm() + m.mean * q.logits + ember.log1p(-q.probs)


_EXPECTED_LOG_Q = {
    ContinuousBernoulli: (_continuous_bernoulli_expected_log, lambda q: (0.0, 1.0)),
    Normal: (_normal_expected_log, lambda q: (-_INF, _INF)),
    Exponential: (_exponential_expected_log, lambda q: (0.0, _INF)),
    Gamma: (_gamma_expected_log, lambda q: (0.0, _INF)),
    Gumbel: (_gumbel_expected_log, lambda q: (-_INF, _INF)),
    Beta: (_beta_expected_log, lambda q: (0.0, 1.0)),
    Uniform: (_uniform_expected_log, lambda q: (q.low, q.high)),
    Pareto: (_pareto_expected_log, lambda q: (q.scale, _INF)),
    Poisson: (_poisson_expected_log, lambda q: (0.0, _INF)),
}


def _outside(p_bound, q_bound, below):
    """Where p's support bound passes q's (a bool tensor or a Python bool)."""
    if isinstance(p_bound, float) and isinstance(q_bound, float):
        return p_bound < q_bound if below else p_bound > q_bound
    p_bound = p_bound if isinstance(p_bound, ember.Tensor) else ember.tensor(p_bound)
    return ember.lt(p_bound, q_bound) if below else ember.gt(p_bound, q_bound)


def _kl_by_cross_entropy(p, q):
    moments = _Moments(p, _MOMENTS[type(p)])
    expected_log, support = _EXPECTED_LOG_Q[type(q)]
    q_lo, q_hi = support(q)
    result = -p.entropy() - expected_log(q, moments)
    outside = []
    for flag in (_outside(moments.lo, q_lo, True), _outside(moments.hi, q_hi, False)):
        if isinstance(flag, ember.Tensor):
            outside.append(flag)
        elif flag:
            return ember.full_like(result, _INF)
    for flag in outside:
        result = ember.where(flag, _INF, result)
    return result


def _infinite(param):
    def kl(p, q):
        return ember.full_like(getattr(p, param), _INF)
    return kl


_FINITE_PAIRS = [
    (Bernoulli, Poisson),
    (Beta, ContinuousBernoulli), (ContinuousBernoulli, ContinuousBernoulli),
    (ContinuousBernoulli, Exponential), (ContinuousBernoulli, Normal), (ContinuousBernoulli, Uniform),
    (Uniform, ContinuousBernoulli),
    (Beta, Exponential), (Beta, Gamma), (Beta, Normal), (Beta, Uniform),
    (Exponential, Gumbel), (Exponential, Normal),
    (Gamma, Exponential), (Gamma, Gumbel), (Gamma, Normal),
    (Gumbel, Normal), (Laplace, Normal), (Normal, Gumbel),
    (Pareto, Exponential), (Pareto, Gamma), (Pareto, Normal), (Pareto, Pareto),
    (Uniform, Beta), (Uniform, Exponential), (Uniform, Gamma), (Uniform, Gumbel), (Uniform, Pareto),
]
_INFINITE_PAIRS = {
    "concentration1": [(Beta, Pareto)],
    "probs": [(ContinuousBernoulli, Pareto)],
    "rate": [(Exponential, Beta), (Exponential, ContinuousBernoulli), (Exponential, Pareto), (Exponential, Uniform),
             (Poisson, Bernoulli), (Poisson, Binomial)],
    "concentration": [(Gamma, Beta), (Gamma, ContinuousBernoulli), (Gamma, Pareto), (Gamma, Uniform)],
    "loc": [(d, q) for d in (Gumbel, Laplace, Normal)
            for q in (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform)],
    "scale": [(Pareto, Beta), (Pareto, ContinuousBernoulli), (Pareto, Uniform)],
}

for _p, _q in _FINITE_PAIRS:
    register_kl(_p, _q)(_kl_by_cross_entropy)
for _param, _pairs in _INFINITE_PAIRS.items():
    for _p, _q in _pairs:
        register_kl(_p, _q)(_infinite(_param))
