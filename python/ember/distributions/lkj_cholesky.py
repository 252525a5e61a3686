"""LKJCholesky(dim, concentration): Cholesky factors L of correlation matrices C = L L^T with
density proportional to det(C)^(concentration - 1) (Lewandowski, Kurowicka and Joe, 2009).

Samples by the onion method: row i (i >= 1) of L is sqrt(y) u with u uniform on the unit
sphere of R^i and y ~ Beta(i / 2, beta_i), beta_i = concentration + (dim - 1 - i) / 2, and the
diagonal sqrt(1 - y). The density follows from that construction: row i's off-diagonal vector
w has density (1 - |w|^2)^(beta_i - 1) Gamma(alpha) / (Gamma(alpha - i/2) pi^(i/2)), alpha =
concentration + (dim - 1) / 2 for every row, and 1 - |w|^2 = L_ii^2."""
import math

import ember

from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all, finfo

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.shape
        event_shape = ember.Size((dim, dim))
        offset = ember.arange(1, dim, dtype=self.concentration.dtype)  # the rows i = 1 .. dim - 1
        self._beta = Beta(offset / 2, self.concentration.unsqueeze(-1) + (dim - 1 - offset) / 2,
                          validate_args=False)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = ember.Size(tuple(batch_shape))
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim - 1,))
        super(LKJCholesky, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=ember.Size(), generator=None):
        n = self.dim
        dtype = self.concentration.dtype
        with ember.no_grad():
            y = self._beta.sample(sample_shape, generator=generator)  # (..., n - 1): row i's |w|^2
            shape = tuple(self._extended_shape(sample_shape))
            normals = ember.randn(shape, dtype=dtype, generator=generator).tril(-1)[..., 1:, :]
            directions = normals / ember.linalg.vector_norm(normals, dim=-1, keepdim=True)
            w = y.unsqueeze(-1).sqrt() * directions
            diagonal = (1 - y).clamp(min=finfo(dtype).tiny).sqrt()
            rows = w + ember.diag_embed(diagonal, offset=1)[..., :-1, :]
            first = ember.zeros(shape[:-2] + (1, n), dtype=dtype)
            first[..., 0, 0] = 1.0
            return ember.cat([first, rows], -2)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n = self.dim
        diagonal = value.diagonal(dim1=-2, dim2=-1)[..., 1:]
        i = ember.arange(1, n, dtype=value.dtype)
        exponent = 2 * (self.concentration.unsqueeze(-1) - 1) + (n - 1 - i)
        unnormalized = (exponent * diagonal.log()).sum(-1)
        alpha = self.concentration + 0.5 * (n - 1)
        log_normalizer = 0.0
        for row in range(1, n):
            log_normalizer = log_normalizer + (ember.lgamma(alpha) - ember.lgamma(alpha - row / 2)
                                               - (row / 2) * math.log(math.pi))
        return unnormalized + log_normalizer
