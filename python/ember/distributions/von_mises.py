"""VonMises(loc, concentration): the circular normal distribution on [-pi, pi).

log I0 and log I1 (the modified Bessel functions of the first kind) are computed in float64:
their power series where the argument is at most 20, Hankel's asymptotic series beyond.
Samples come from Best and Fisher's (1979) wrapped-Cauchy rejection method."""
import math

import ember

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["VonMises"]

_SERIES_LIMIT = 20.0
_SERIES_TERMS = 60   # (x/2)^(2k) / (k!)^2 at x = 20, k = 60 is below 1e-17 of the sum
_ASYMPTOTIC_TERMS = 20


def _log_bessel_i(x, order):
    """log I_order(x) for order 0 or 1 and float64 x > 0."""
    small = x <= _SERIES_LIMIT
    xs = ember.where(small, x, 1.0)
    # power series: I_v(x) = sum_k (x/2)^(2k + v) / (k! (k + v)!)
    q = (xs / 2) ** 2
    term = ember.ones_like(xs)
    rest = ember.zeros_like(xs)  # the sum past its first term, 1: log1p keeps tiny x exact
    for k in range(1, _SERIES_TERMS):
        term = term * q / (k * (k + order))
        rest = rest + term
    series = rest.log1p() + order * (xs / 2).log()
    # Hankel: I_v(x) ~ e^x / sqrt(2 pi x) sum_k (-1)^k a_k(v) / x^k,
    # a_k(v) = prod_{j <= k} (4 v^2 - (2j - 1)^2) / (8 j)
    xl = ember.where(small, _SERIES_LIMIT + 1, x)
    mu = 4.0 * order * order
    coefficient = 1.0
    term = ember.ones_like(xl)
    total = ember.ones_like(xl)
    for j in range(1, _ASYMPTOTIC_TERMS):
        coefficient = -coefficient * (mu - (2 * j - 1) ** 2) / (8 * j)
        term = term / xl
        total = total + coefficient * term
    asymptotic = xl - 0.5 * (2 * math.pi * xl).log() + total.log()
    return ember.where(small, series, asymptotic)


def _log_bessel(x, order):
    return _log_bessel_i(x.to(ember.float64), order).to(x.dtype)


class VonMises(Distribution):
    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        batch_shape = self.loc.shape
        super().__init__(batch_shape, ember.Size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(VonMises, _instance)
        batch_shape = ember.Size(tuple(batch_shape))
        new.loc = self.loc.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        super(VonMises, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """The circular mean."""
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        """The circular variance 1 - I1(k) / I0(k)."""
        k = self.concentration
        return 1 - (_log_bessel(k, 1) - _log_bessel(k, 0)).exp()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.concentration * ember.cos(value - self.loc)
        return log_prob - math.log(2 * math.pi) - _log_bessel(self.concentration, 0)

    def sample(self, sample_shape=ember.Size(), generator=None):
        shape = tuple(self._extended_shape(sample_shape))
        with ember.no_grad():
            k = self.concentration.detach().to(ember.float64).expand(shape)
            loc = self.loc.detach().to(ember.float64).expand(shape)
            tau = 1 + (1 + 4 * k * k).sqrt()
            rho = (tau - (2 * tau).sqrt()) / (2 * k)
            r = (1 + rho * rho) / (2 * rho)
            result = ember.zeros_like(k)
            pending = ember.ones_like(k, dtype=ember.bool)
            while bool(pending.any()):
                u1, u2, u3 = (ember.rand(shape, dtype=ember.float64, generator=generator) for _ in range(3))
                z = ember.cos(math.pi * u1)
                f = (1 + r * z) / (r + z)
                c = k * (r - f)
                accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
                theta = (u3 - 0.5).sign() * f.clamp(min=-1.0, max=1.0).acos()
                take = pending & accept
                result = ember.where(take, theta, result)
                pending = pending & ~accept
            wrapped = ember.remainder(result + loc + math.pi, 2 * math.pi) - math.pi
            return wrapped.to(self.loc.dtype)
