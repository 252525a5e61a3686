"""Wishart(df, covariance_matrix | precision_matrix | scale_tril): the law of sum_k x_k x_k^T
for df draws x_k from MultivariateNormal(0, Sigma) (df real, > p - 1).

Samples by Bartlett's decomposition: X = L A A^T L^T with L the scale's Cholesky factor and A
lower-triangular, A_ii = sqrt(chi2(df - i)) (reparameterized through the gamma sampler) and
standard normals below the diagonal."""
import math

import ember

from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .multivariate_normal import _precision_to_scale_tril
from .utils import _standard_normal, lazy_property

__all__ = ["Wishart"]


def _mvlgamma(a, p):
    """log of the multivariate gamma function Gamma_p(a)."""
    result = p * (p - 1) / 4 * math.log(math.pi)
    for j in range(p):
        result = result + ember.lgamma(a - j / 2)
    return result


def _mvdigamma(a, p):
    result = 0.0
    for j in range(p):
        result = result + ember.digamma(a - j / 2)
    return result


class Wishart(Distribution):
    support = constraints.positive_definite
    has_rsample = True

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        param = next(p for p in (covariance_matrix, precision_matrix, scale_tril) if p is not None)
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        df = df if isinstance(df, ember.Tensor) else ember.tensor(float(df), dtype=param.dtype)
        batch_shape = tuple(ember.broadcast_shapes(tuple(param.shape[:-2]), tuple(df.shape)))
        p = param.shape[-1]
        event_shape = (p, p)
        self.df = df.expand(batch_shape)
        if scale_tril is not None:
            self.scale_tril = param.expand(batch_shape + (-1, -1))
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self.covariance_matrix = param.expand(batch_shape + (-1, -1))
            self._unbroadcasted_scale_tril = ember.linalg.cholesky(covariance_matrix)
        else:
            self.precision_matrix = param.expand(batch_shape + (-1, -1))
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._dist_chi2 = self._chi2(self.df)

    @property
    def arg_constraints(self):
        p = self._event_shape[-1]
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(p - 1)}

    def _chi2(self, df):
        # A_ii^2 ~ chi2(df - i) = Gamma((df - i) / 2, 1 / 2)
        p = self._event_shape[-1]
        concentration = 0.5 * (df.unsqueeze(-1) - ember.arange(p, dtype=df.dtype))
        return Gamma(concentration, ember.full_like(concentration, 0.5), validate_args=False)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = ember.Size(tuple(batch_shape))
        cov_shape = tuple(batch_shape) + tuple(self.event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        new.df = self.df.expand(batch_shape)
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(cov_shape))
        super(Wishart, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._dist_chi2 = new._chi2(new.df)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape)

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return ember.matmul(L, L.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        L = self._unbroadcasted_scale_tril
        eye = ember.eye(L.shape[-1], dtype=L.dtype).expand(tuple(L.shape))
        return ember.cholesky_solve(eye, L).expand(self._matrix_shape())

    @property
    def mean(self):
        return self.df.reshape(tuple(self._batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def mode(self):
        p = self._event_shape[-1]
        factor = self.df - p - 1
        factor = ember.where(factor <= 0, float("nan"), factor)
        return factor.reshape(tuple(self._batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def variance(self):
        V = self.covariance_matrix
        diag_V = V.diagonal(dim1=-2, dim2=-1)
        outer = ember.einsum("...i,...j->...ij", diag_V, diag_V)
        return self.df.reshape(tuple(self._batch_shape) + (1, 1)) * (V.pow(2) + outer)

    def rsample(self, sample_shape=ember.Size(), generator=None):
        sample_shape = ember.Size(tuple(sample_shape))
        shape = tuple(self._extended_shape(sample_shape))
        noise = _standard_normal(shape, self.df.dtype, generator).tril(-1)
        chi2 = self._dist_chi2.rsample(sample_shape, generator=generator)
        A = noise + ember.diag_embed(chi2.sqrt())
        LA = ember.matmul(self._unbroadcasted_scale_tril, A)
        return ember.matmul(LA, LA.mT)

    def sample(self, sample_shape=ember.Size(), generator=None):
        with ember.no_grad():
            return self.rsample(sample_shape, generator=generator)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        log_det_scale = 2 * L.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        log_det_value = 2 * ember.linalg.cholesky(value).diagonal(dim1=-2, dim2=-1).log().sum(-1)
        # tr(Sigma^-1 X) = |L^-1 chol(X)|_F^2
        batch = tuple(ember.broadcast_shapes(tuple(L.shape[:-2]), tuple(value.shape[:-2])))
        solved = ember.linalg.solve_triangular(L.expand(batch + (p, p)),
                                               ember.linalg.cholesky(value).expand(batch + (p, p)), upper=False)
        trace = solved.pow(2).sum((-2, -1))
        return (0.5 * (nu - p - 1) * log_det_value - 0.5 * trace - 0.5 * nu * p * math.log(2)
                - 0.5 * nu * log_det_scale - _mvlgamma(0.5 * nu, p))

    def entropy(self):
        nu = self.df
        p = self._event_shape[-1]
        log_det_scale = 2 * self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return (0.5 * (p + 1) * log_det_scale + 0.5 * p * (p + 1) * math.log(2) + _mvlgamma(0.5 * nu, p)
                - 0.5 * (nu - p - 1) * _mvdigamma(0.5 * nu, p) + 0.5 * nu * p)
