"""The orthogonal parametrization's maps, written in ember ops (so they are differentiable):
the matrix exponential, the Cayley map and the product of Householder reflectors."""
import math

import ember


def matrix_exp(A):
    """exp(A) of square matrices (batched), by scaling and squaring a Taylor series: the
    series of A / 2^s, with ||A / 2^s|| <= 1/2, converges to rounding in 18 terms."""
    n = A.shape[-1]
    norm = float(A.abs().sum(-1).amax().item()) if A.numel() else 0.0
    squarings = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0 else 0
    scaled = A / (2.0 ** squarings)
    eye = ember.eye(n, dtype=A.dtype)
    result = eye
    for j in range(18, 0, -1):  # Horner: I + X (I + X / 2 (I + X / 3 ...)) / 1
        result = eye + (scaled @ result) / j
    for _ in range(squarings):
        result = result @ result
    return result


def cayley(A):
    """(I - A / 2)^-1 (I + A / 2): orthogonal for skew-symmetric A."""
    eye = ember.eye(A.shape[-1], dtype=A.dtype)
    return ember.linalg.solve(eye - A * 0.5, eye + A * 0.5)


def householder_product(A, tau):
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i the i-th column of
    A (n, k) below its diagonal, 1 on it and 0 above (LAPACK's orgqr)."""
    n, k = A.shape[-2], A.shape[-1]
    rows = ember.arange(n).reshape(n, 1)
    result = ember.eye(n, k, dtype=A.dtype).expand(*A.shape[:-2], n, k)
    for i in range(k - 1, -1, -1):
        v = A[..., :, i:i + 1] * (rows > i).to(A.dtype) + (rows == i).to(A.dtype)  # (..., n, 1)
        t = tau[..., i:i + 1].unsqueeze(-1)
        result = result - (v * t) @ (v.transpose(-1, -2) @ result)
    return result


def make_orthogonal(A):
    """The Q of A's QR decomposition with R's diagonal made positive (unique for full rank)."""
    Q, R = ember.linalg.qr(A)
    signs = ember.sign(R.diagonal(dim1=-2, dim2=-1))
    signs = ember.where(signs == 0, ember.ones((), dtype=signs.dtype), signs)
    return Q * signs.unsqueeze(-2)


def is_orthogonal(Q):
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * (2.0 ** -52 if Q.dtype == ember.float64 else 2.0 ** -23)
    return bool(ember.allclose(Q.transpose(-1, -2) @ Q, ember.eye(k, dtype=Q.dtype), atol=eps))
