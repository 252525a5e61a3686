"""GeneralizedPareto(loc, scale, concentration): the law of threshold excesses, with
F(x) = 1 - (1 + xi z)^(-1/xi), z = (x - loc) / scale (1 - e^-z at xi = 0). The xi -> 0 limit
is taken in each formula through log1p / expm1, evaluated at a harmless xi where xi is 0."""
import numbers

import ember

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        if all(isinstance(v, numbers.Number) for v in (loc, scale, concentration)):
            batch_shape = ember.Size()
        else:
            batch_shape = self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = ember.Size(tuple(batch_shape))
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        super(GeneralizedPareto, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _xi(self):
        """(xi, where xi is 0, xi with those zeros replaced by 1)."""
        xi = self.concentration
        zero = xi == 0
        return xi, zero, ember.where(zero, 1.0, xi)

    def rsample(self, sample_shape=ember.Size(), generator=None):
        shape = tuple(self._extended_shape(sample_shape))
        u = ember.rand(shape, dtype=self.loc.dtype, generator=generator)
        return self.icdf(u)

    def sample(self, sample_shape=ember.Size(), generator=None):
        with ember.no_grad():
            return self.rsample(sample_shape, generator=generator)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        xi, zero, safe = self._xi()
        log1p_xz = ember.log1p(safe * z)
        log_density = ember.where(zero, -z, -(1 + 1 / safe) * log1p_xz) - self.scale.log()
        inside = (z >= 0) & ((xi >= 0) | (z <= -1 / safe))
        return ember.where(inside, log_density, float("-inf"))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = ((value - self.loc) / self.scale).clamp(min=0)
        xi, zero, safe = self._xi()
        z = ember.where(xi < 0, ember.minimum(z, -1 / safe), z)
        survival_log = ember.where(zero, -z, -ember.log1p(safe * z) / safe)
        return -ember.expm1(survival_log)

    def icdf(self, value):
        xi, zero, safe = self._xi()
        log_survival = ember.log1p(-value)
        z = ember.where(zero, -log_survival, ember.expm1(-safe * log_survival) / safe)
        return self.loc + self.scale * z

    @property
    def mean(self):
        xi = self.concentration
        finite = xi < 1
        safe = ember.where(finite, xi, 0.5)
        return ember.where(finite, self.loc + self.scale / (1 - safe), float("nan"))

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        xi = self.concentration
        finite = xi < 0.5
        safe = ember.where(finite, xi, 0.25)
        return ember.where(finite, self.scale ** 2 / ((1 - safe) ** 2 * (1 - 2 * safe)), float("nan"))

    def entropy(self):
        return self.scale.log() + self.concentration + 1

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        lower = self.loc
        xi = self.concentration
        safe = ember.where(xi < 0, xi, -1.0)
        upper = ember.where(xi < 0, lower - self.scale / safe, float("inf"))
        return constraints.interval(lower, upper)
