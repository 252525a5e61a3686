"""ContinuousBernoulli(probs | logits) on [0, 1] (Loaiza-Ganem and Cunningham, 2019): density
C(l) l^x (1 - l)^(1 - x), C(l) = 2 atanh(1 - 2l) / (1 - 2l).

The closed forms divide by t = 1 - 2l, which vanishes at l = 1/2, where the law is uniform.
Inside `lims` (around 1/2) each quantity is its Taylor expansion in t instead."""
import math
import numbers

import ember
import ember.nn.functional as F

from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all, clamp_probs, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(ExponentialFamily):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, numbers.Number)
            (self.probs,) = broadcast_all(probs)
            # checked before the clamping below, after which any value would pass
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(self.probs)
        else:
            is_scalar = isinstance(logits, numbers.Number)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        batch_shape = ember.Size() if is_scalar else self._param.shape
        self._lims = lims
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = ember.Size(tuple(batch_shape))
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(ContinuousBernoulli, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _new(self, *args, **kwargs):
        return self._param.new_empty(*args, **kwargs)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self):
        return self._param.shape

    def _stable(self):
        """Where the closed forms are used (probs outside lims)."""
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _safe_probs(self):
        """probs where the closed forms are used, a harmless value elsewhere."""
        return ember.where(self._stable(), self.probs, self._lims[0])

    def _t(self):
        return 1 - 2 * self.probs

    def _cont_bern_log_norm(self):
        """log C(probs)."""
        p = self._safe_probs()
        g = ember.log1p(-p) - ember.log(p)  # 2 atanh(1 - 2p)
        exact = ember.log((g / (1 - 2 * p)).abs())
        t2 = self._t() ** 2
        taylor = math.log(2.0) + ember.log1p(t2 / 3 + t2 * t2 / 5)  # log 2 + log(atanh(t) / t)
        return ember.where(self._stable(), exact, taylor)

    @property
    def mean(self):
        p = self._safe_probs()
        exact = p / (2 * p - 1) + 1 / (ember.log1p(-p) - ember.log(p))
        t = self._t()
        taylor = 0.5 - t / 6 - 2 * t ** 3 / 45
        return ember.where(self._stable(), exact, taylor)

    @property
    def stddev(self):
        return self.variance.sqrt()

    @property
    def variance(self):
        p = self._safe_probs()
        exact = p * (p - 1) / (1 - 2 * p) ** 2 + 1 / (ember.log1p(-p) - ember.log(p)) ** 2
        t2 = self._t() ** 2
        taylor = 1 / 12 - t2 / 60 + 8 * t2 * t2 / 945
        return ember.where(self._stable(), exact, taylor)

    def sample(self, sample_shape=ember.Size(), generator=None):
        with ember.no_grad():
            return self.rsample(sample_shape, generator=generator)

    def rsample(self, sample_shape=ember.Size(), generator=None):
        shape = tuple(self._extended_shape(sample_shape))
        u = ember.rand(shape, dtype=self.probs.dtype, generator=generator)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none") + self._cont_bern_log_norm()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        p = self._safe_probs()
        exact = (p ** value * (1 - p) ** (1 - value) + p - 1) / (2 * p - 1)
        result = ember.where(self._stable(), exact, value)  # uniform near 1/2
        return ember.where(value <= 0, 0.0, ember.where(value >= 1, 1.0, result))

    def icdf(self, value):
        p = self._safe_probs()
        exact = (ember.log1p(-p + value * (2 * p - 1)) - ember.log1p(-p)) / (ember.log(p) - ember.log1p(-p))
        return ember.where(self._stable(), exact, value)

    def entropy(self):
        log_p0 = ember.log1p(-self.probs)
        log_p1 = ember.log(self.probs)
        return self.mean * (log_p0 - log_p1) - self._cont_bern_log_norm() - log_p0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        """log of the integral of exp(x v) over v in [0, 1]: log((e^x - 1) / x), by its Taylor
        series x/2 + x^2/24 - x^4/2880 for |x| < 1e-3, where the quotient loses digits."""
        small = x.abs() < 1e-3
        safe = ember.where(small, 1.0, x)
        closed_form = ember.log(ember.expm1(safe).abs()) - ember.log(safe.abs())
        series = 0.5 * x + x * x / 24.0 - x ** 4 / 2880.0
        return ember.where(small, series, closed_form)
