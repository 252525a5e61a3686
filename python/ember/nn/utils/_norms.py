"""The computations weight_norm and spectral_norm share between their two forms (the
parametrizations and the older forward-hook functions)."""
import ember
from ...autograd import no_grad
from .. import functional as F


def norm_except_dim(v, pow=2, dim=0):
    """The `pow`-norm of v over every dim but `dim` (kept with size 1 elsewhere); over the whole
    tensor when dim is -1 (PyTorch's convention)."""
    if dim == -1:
        return ember.linalg.vector_norm(v, pow)
    dim = dim % v.dim()
    moved = v.movedim(dim, 0) if dim else v
    norms = ember.linalg.vector_norm(moved.reshape(moved.shape[0], -1), pow, 1)
    shape = [1] * v.dim()
    shape[dim] = v.shape[dim]
    return norms.reshape(shape)


def weight_norm_from(v, g, dim):
    """v * (g / ||v||): v's direction with g's magnitude, the norm over all dims but `dim`."""
    return v * (g / norm_except_dim(v, 2, dim))


def weight_matrix(weight, dim):
    """weight as a matrix with `dim` as its rows."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.dim()) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def default_spectral_dim(module):
    from ..modules.conv import ConvTranspose1d, ConvTranspose2d
    transposed = (ConvTranspose1d, ConvTranspose2d) + tuple(
        c for c in (getattr(ember.nn, "ConvTranspose3d", None),) if c is not None)
    return 1 if isinstance(module, transposed) else 0


def power_iteration(weight_mat, u, v, iterations, eps, u_first):
    """Updates the buffers u and v in place by `iterations` steps of the power method on
    weight_mat (u first, then v; or v first with u_first=False, as the older spectral_norm)."""
    with no_grad():
        for _ in range(iterations):
            if u_first:
                u.copy_(F.normalize(ember.mv(weight_mat, v), dim=0, eps=eps))
                v.copy_(F.normalize(ember.mv(weight_mat.t(), u), dim=0, eps=eps))
            else:
                v.copy_(F.normalize(ember.mv(weight_mat.t(), u), dim=0, eps=eps))
                u.copy_(F.normalize(ember.mv(weight_mat, v), dim=0, eps=eps))
