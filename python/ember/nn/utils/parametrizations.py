"""The parametrizations of torch.nn.utils.parametrizations: weight_norm, spectral_norm and
orthogonal, registered with nn.utils.parametrize."""
import ember
from ..modules.module import Module
from .. import functional as F
from . import parametrize
from . import _orthogonal as _orth
from ._norms import default_spectral_dim, norm_except_dim, power_iteration, weight_matrix, weight_norm_from

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]

Tensor = ember.Tensor


class _WeightNorm(Module):
    """weight = g * v / ||v||, from original0 = g and original1 = v."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_norm_from(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def _weight_norm_load_hook(name):
    """Loads checkpoints of the older weight_norm (weight_g, weight_v) into the parametrization."""
    def hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)
    return hook


def weight_norm(module, name="weight", dim=0):
    """Reparametrizes module.<name> as g * v / ||v|| (g: original0, the norms over every dim
    but `dim`, the whole tensor for dim=None; v: original1, the direction)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    module.register_load_state_dict_pre_hook(_weight_norm_load_hook(name))
    return module


class _SpectralNorm(Module):
    """weight / sigma, sigma the largest singular value of the weight as a matrix, estimated by
    power iteration (one step per forward pass in training; _u and _v are the buffers)."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got "
                             f"{dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = weight_matrix(weight, self.dim)
            h, w = mat.shape
            u = mat.new_empty(h).normal_(0, 1)
            v = mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            power_iteration(mat.detach(), self._u, self._v, 15, self.eps, u_first=True)

    def forward(self, weight):
        if weight.dim() == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        mat = weight_matrix(weight, self.dim)
        if self.training:
            power_iteration(mat.detach(), self._u, self._v, self.n_power_iterations, self.eps, u_first=True)
        # copies: the buffers change in place at the next forward, after this one's graph saved them
        u, v = self._u.clone(), self._v.clone()
        sigma = ember.vdot(u, ember.mv(mat, v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrizes module.<name> as weight / sigma (its spectral norm, by power iteration);
    dim defaults to 1 for transposed convolutions, 0 otherwise."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = default_spectral_dim(module)
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


class _Orthogonal(Module):
    """An orthogonal matrix (or its first columns) from an unconstrained one: the exponential
    or Cayley map of its skew-symmetric part, or the product of the Householder reflectors its
    lower triangle holds. With use_trivialization, the map's output multiplies `base` (an
    orthogonal buffer), so assigning a matrix sets base and restarts the map at the identity."""

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.transpose(-1, -2)
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:
                X = ember.cat([X, ember.zeros(*X.shape[:-2], n, n - k, dtype=X.dtype)], -1)
            A = X - X.transpose(-1, -2)
            Q = _orth.matrix_exp(A) if self.orthogonal_map == "matrix_exp" else _orth.cayley(A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(-2))
            Q = _orth.householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().to(Q.dtype).unsqueeze(-2)
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.transpose(-1, -2) if transposed else Q

    def right_inverse(self, Q):
        if tuple(Q.shape) != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {list(self.shape)}. Got a tensor of "
                             f"shape {list(Q.shape)}.")
        with ember.no_grad():
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            if n < k:
                Q = Q.transpose(-1, -2)
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in ("matrix_exp", "cayley"):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                              "parametrizations when use_trivialization=False.")
                raise NotImplementedError("orthogonal: the householder map needs use_trivialization in ember")
            if n == k:
                Q = Q.clone() if _orth.is_orthogonal(Q) else _orth.make_orthogonal(Q)
            else:  # completed to a square matrix by random columns
                extra = ember.randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype)
                Q = _orth.make_orthogonal(ember.cat([Q, extra], -1))
            self.base = Q
            neg_eye = ember.zeros_like(Q_init)
            neg_eye.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_eye


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Makes module.<name> (a matrix, or a batch of them) orthogonal (orthonormal columns or rows
    when it is not square) through `orthogonal_map`: "matrix_exp" (square matrices' default),
    "cayley" or "householder" (the default otherwise)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.dim() < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.dim()} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f'{orthogonal_map}')
    if orthogonal_map == "householder" and not use_trivialization:
        raise NotImplementedError("orthogonal: the householder map without use_trivialization starts from the "
                                  "weight's geqrf factorization, which ember lacks; use_trivialization=True works")
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
