"""ExponentialFamily: distributions whose density is exp(<t(x), theta> - F(theta) + k(x)).

`entropy()` by default comes from the log-normalizer F through autograd (the Bregman
divergence of F), for subclasses that define `_natural_params`, `_log_normalizer` and
`_mean_carrier_measure`."""
import ember

from .distribution import Distribution
from .utils import _flatten_rightmost

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError

    def entropy(self):
        # H = F(theta) - <theta, grad F(theta)> - E[k(x)]
        result = -self._mean_carrier_measure
        params = [p.detach().requires_grad_() for p in self._natural_params]
        with ember.enable_grad():
            lg_normal = self._log_normalizer(*params)
            gradients = ember.autograd.grad(lg_normal.sum(), params, create_graph=True)
        result = result + lg_normal
        for p, g in zip(params, gradients):
            result = result - _flatten_rightmost(p * g, p.dim() - len(self._batch_shape)).sum(-1)
        return result
