"""op_db entries: ember.linalg (factorizations, solves, norms) and the top-level aliases.

Factorizations whose factors are unique only up to signs (qr, eigh's vectors, svd) are called
through small functions that return what is unique: the reconstruction, the orthogonality
products and the absolute values, which the same functions compute on NumPy's factors.
"""
import math

import numpy as np

import ember
from op_db import ErrorCase, OpEntry, Sample, random_data

DTYPES = (ember.float32, ember.float64)
# The kernels run in float64; float32 results carry the rounding of the input and the output
# plus the conditioning of the samples (kept small).
TOL = {ember.float32: (2e-4, 2e-5), ember.float64: (1e-9, 1e-11)}


def _square(rng, *shape):
    """Well-conditioned square matrices: random plus a dominant diagonal."""
    n = shape[-1]
    return random_data(rng, *shape) + 3 * n * np.eye(n) if n else np.zeros(shape)


def _spd(rng, *shape):
    x = random_data(rng, *shape)
    n = shape[-1]
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _sym(rng, *shape):
    x = random_data(rng, *shape)
    return (x + np.swapaxes(x, -1, -2)) / 2


def _mt(x):
    return np.swapaxes(x, -1, -2)


# ---- norms ------------------------------------------------------------------------------------

def _vector_norm_ref(x, ord=2, dim=None, keepdim=False):
    axis = None if dim is None else (dim if isinstance(dim, tuple) else (dim,))
    a = np.abs(x)
    if ord == math.inf:
        return np.max(a, axis=axis, keepdims=keepdim)
    if ord == -math.inf:
        return np.min(a, axis=axis, keepdims=keepdim)
    if ord == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdim).astype(x.dtype)
    return np.sum(a ** ord, axis=axis, keepdims=keepdim) ** (1.0 / ord)


def _vector_norm_samples(rng, dtype):
    x = random_data(rng, 3, 4, 5)
    x[0, 0, 0] = 0
    for ord in (2, 1, 3, 0.5, -1, math.inf, -math.inf, 0):
        yield Sample((x,), {"ord": ord}, name=f"ord={ord}")
    yield Sample((x,), {"ord": 2, "dim": 1, "keepdim": True}, name="dim keepdim")
    yield Sample((x,), {"ord": 3, "dim": (0, 2)}, name="two dims")
    yield Sample((random_data(rng, 0, 4),), {"ord": 2, "dim": 0}, name="zero-size")
    yield Sample((random_data(rng, 0, 4),), {"ord": 1}, name="empty")
    yield Sample((np.array(2.5),), {"ord": 2}, name="0-dim")


def _vector_norm_errors():
    yield ErrorCase((np.zeros(3, np.int64),), exc=TypeError, match="vector_norm.*int64")
    # float16/bfloat16 are taken, as in torch (test_fuzz_reductions.py checks them)
    yield ErrorCase((np.zeros((0, 3)),), {"ord": -1}, exc=ValueError, match="empty")


def _matrix_norm_ref(A, ord="fro", dim=(-2, -1), keepdim=False):
    return np.linalg.norm(A, ord=ord, axis=dim, keepdims=keepdim)


def _matrix_norm_samples(rng, dtype):
    A = random_data(rng, 2, 4, 3)
    for ord in ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2):
        yield Sample((A,), {"ord": ord}, name=f"ord={ord}")
    yield Sample((A,), {"ord": 1, "dim": (0, 2), "keepdim": True}, name="dims (0, 2) keepdim")
    yield Sample((A,), {"ord": "nuc", "dim": (2, 0)}, name="nuc dims (2, 0)")
    yield Sample((A,), {"ord": -2, "keepdim": True}, name="-2 keepdim")
    yield Sample((random_data(rng, 0, 3, 3),), {"ord": "fro"}, name="empty batch")


def _matrix_norm_errors():
    yield ErrorCase((np.zeros(3),), exc=ValueError, match="at least 2 dimensions")
    yield ErrorCase((np.zeros((3, 3)),), {"ord": 3}, exc=ValueError, match="not supported")
    yield ErrorCase((np.zeros((3, 3), np.int32),), exc=TypeError, match="int32")


def _norm_ref(A, ord=None, dim=None, keepdim=False):
    if dim is None and ord is None:
        return np.sqrt(np.sum(A * A)).reshape((1,) * A.ndim if keepdim else ())
    return np.linalg.norm(A, ord=ord, axis=dim, keepdims=keepdim)


def _norm_samples(rng, dtype):
    A = random_data(rng, 3, 4)
    yield Sample((A,), name="default")
    yield Sample((random_data(rng, 2, 3, 4),), name="3-D default")
    yield Sample((A,), {"ord": "nuc"}, name="matrix ord")
    yield Sample((A,), {"ord": math.inf}, name="matrix inf")
    yield Sample((A[0],), {"ord": 3}, name="vector ord")
    yield Sample((A,), {"ord": 1, "dim": 1}, name="vector dim")
    yield Sample((A,), {"ord": -2, "dim": (1, 0)}, name="matrix dims")


# ---- inverse, determinants, solves ------------------------------------------------------------

def _square_samples(rng, dtype):
    yield Sample((_square(rng, 4, 4),), name="4x4")
    yield Sample((_square(rng, 2, 3, 5, 5),), name="batched")
    yield Sample((_square(rng, 1, 1),), name="1x1")
    yield Sample((_square(rng, 0, 3, 3),), name="zero batch")
    yield Sample((np.zeros((2, 0, 0)),), name="0x0")


def _pivoting_samples(rng, dtype):
    yield from _square_samples(rng, dtype)
    yield Sample((random_data(rng, 3, 6, 6),), name="needs pivoting")
    yield Sample((np.array([[0.0, 1, 2], [1, 0, 3], [4, -3, 8]]),), name="zero leading entry")


def _square_errors(op):
    def errors():
        yield ErrorCase((np.zeros((2, 3)),), exc=ValueError, match=f"{op}.*square")
        yield ErrorCase((np.zeros(3),), exc=ValueError, match="at least 2 dimensions")
        yield ErrorCase((np.eye(3, dtype=np.int64),), exc=TypeError, match=f"{op}.*int64")
        yield ErrorCase((np.eye(3),), dtype=ember.float16, exc=TypeError, match=f"{op}.*float16")
        yield ErrorCase((np.eye(3),), dtype=ember.bfloat16, exc=TypeError, match="bfloat16")
    return errors


def _inv_errors():
    yield from _square_errors("linalg.inv")()
    yield ErrorCase((np.array([[1.0, 2], [2, 4]]),), exc=RuntimeError, match="diagonal element 2 is zero.*singular")


def _slogdet_ref(A):
    sign, logabs = np.linalg.slogdet(A)
    return sign, logabs


def _solve_ref(A, B, left=True):
    if not left:
        return _mt(np.linalg.solve(_mt(A), _mt(B)))
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    if vector:
        return np.linalg.solve(A, B[..., None])[..., 0]
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return np.linalg.solve(np.broadcast_to(A, batch + A.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:]))


def _solve_samples(rng, dtype):
    A = _square(rng, 4, 4)
    yield Sample((A, random_data(rng, 4, 2)), name="matrix B")
    yield Sample((A, random_data(rng, 4)), name="vector B")
    yield Sample((_square(rng, 3, 4, 4), random_data(rng, 3, 4)), name="batched vector B")
    yield Sample((_square(rng, 2, 1, 4, 4), random_data(rng, 3, 4, 5)), name="broadcast batch")
    yield Sample((A, random_data(rng, 2, 4, 3)), name="matrix A, batched B")
    yield Sample((random_data(rng, 5, 5), random_data(rng, 5, 3)), name="needs pivoting")
    yield Sample((A, random_data(rng, 3, 4)), {"left": False}, name="left=False")
    yield Sample((_square(rng, 0, 3, 3), random_data(rng, 0, 3, 2)), name="zero batch")
    yield Sample((np.zeros((0, 0)), random_data(rng, 0, 2)), name="0x0")


def _solve_errors():
    yield ErrorCase((np.eye(3), np.zeros((4, 2))), exc=ValueError, match="linalg.solve: Incompatible shapes")
    yield ErrorCase((np.zeros((2, 3)), np.zeros(2)), exc=ValueError, match="square")
    yield ErrorCase((np.zeros((3, 3)), np.zeros(3)), exc=RuntimeError, match="solve.*singular")
    yield ErrorCase((np.stack([np.eye(2), np.zeros((2, 2))]), np.ones((2, 2, 1))), exc=RuntimeError,
                    match=r"\(Batch element 1\).*singular")
    yield ErrorCase((np.eye(2), np.ones(2)), dtype=ember.float16, exc=TypeError, match="float16")


def _tri_ref(A, B, upper, left=True, unitriangular=False):
    T = (np.triu(A) if upper else np.tril(A)).copy()
    if unitriangular:
        idx = np.arange(T.shape[-1])
        T[..., idx, idx] = 1
    if not left:  # X T = B  <=>  T^T X^T = B^T
        return _mt(_tri_ref(_mt(T), _mt(B), not upper))
    batch = np.broadcast_shapes(T.shape[:-2], B.shape[:-2])
    return np.linalg.solve(np.broadcast_to(T, batch + T.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:]))


def _tri_samples(rng, dtype):
    A = _square(rng, 4, 4)
    for upper in (True, False):
        yield Sample((A, random_data(rng, 4, 3)), {"upper": upper}, name=f"upper={upper}")
        yield Sample((A, random_data(rng, 2, 4)), {"upper": upper, "left": False}, name=f"right upper={upper}")
        yield Sample((A, random_data(rng, 4, 2)), {"upper": upper, "unitriangular": True}, name=f"unit upper={upper}")
    yield Sample((_square(rng, 2, 1, 3, 3), random_data(rng, 4, 3, 2)), {"upper": False}, name="broadcast batch")
    yield Sample((_square(rng, 0, 3, 3), random_data(rng, 0, 3, 2)), {"upper": True}, name="zero batch")


# ---- LU ---------------------------------------------------------------------------------------

def _lu_op(lib, A):
    P, L, U = lib.linalg.lu(A)
    return P @ L @ U, L.abs().amax(dim=(-2, -1)) if L.numel() else L.sum(dim=(-2, -1))


def _lu_ref(A):
    # Partial pivoting keeps every multiplier at most 1 in magnitude.
    k = min(A.shape[-2], A.shape[-1])
    return A, np.ones(A.shape[:-2]) if k else np.zeros(A.shape[:-2])


def _lu_samples(rng, dtype):
    yield Sample((random_data(rng, 4, 4),), name="square")
    yield Sample((random_data(rng, 5, 3),), name="tall")
    yield Sample((random_data(rng, 2, 3, 6),), name="wide batched")
    yield Sample((np.array([[0.0, 1, 2], [1, 0, 3], [4, -3, 8]]),), name="pivots")
    yield Sample((random_data(rng, 0, 3, 3),), name="zero batch")
    yield Sample((np.zeros((2, 0, 3)),), name="no rows")


def _lu_solve_op(lib, A, B, **kwargs):
    LU, pivots = lib.linalg.lu_factor(A)
    return lib.linalg.lu_solve(LU, pivots, B, **kwargs)


def _lu_solve_ref(A, B, left=True, adjoint=False):
    M = _mt(A) if adjoint else A
    if not left:
        return _mt(_lu_solve_ref(_mt(M), _mt(B)))
    batch = np.broadcast_shapes(M.shape[:-2], B.shape[:-2])
    return np.linalg.solve(np.broadcast_to(M, batch + M.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:]))


def _lu_solve_samples(rng, dtype):
    A = random_data(rng, 4, 4) + 2 * np.eye(4)
    for left in (True, False):
        for adjoint in (False, True):
            B = random_data(rng, 4, 3) if left else random_data(rng, 3, 4)
            yield Sample((A, B), {"left": left, "adjoint": adjoint}, name=f"left={left} adjoint={adjoint}")
    yield Sample((random_data(rng, 2, 1, 3, 3) + 3 * np.eye(3), random_data(rng, 4, 3, 2)), name="broadcast batch")
    yield Sample((random_data(rng, 0, 3, 3), random_data(rng, 0, 3, 2)), name="zero batch")


def _lu_factor_errors():
    yield ErrorCase((np.array([[1.0, 2], [2, 4]]),), exc=RuntimeError,
                    match=r"linalg.lu_factor: U\[2,2\] is zero")
    yield ErrorCase((np.eye(2),), {"pivot": False}, exc=ValueError, match="without pivoting")
    yield ErrorCase((np.eye(2, dtype=np.int64),), exc=TypeError, match="int64")
    yield ErrorCase((np.eye(2),), dtype=ember.float16, exc=TypeError, match="float16")


def _lu_unpack_op(lib, A):
    LU, pivots = lib.linalg.lu_factor(A)
    P, L, U = lib.lu_unpack(LU, pivots)
    return P @ L @ U


# ---- Cholesky ---------------------------------------------------------------------------------

def _cholesky_ref(A, upper=False):
    L = np.linalg.cholesky(A)
    return _mt(L) if upper else L


def _spd_samples(rng, dtype):
    yield Sample((_spd(rng, 4, 4),), name="4x4")
    yield Sample((_spd(rng, 2, 3, 5, 5),), name="batched")
    yield Sample((_spd(rng, 4, 4),), {"upper": True}, name="upper")
    yield Sample((_spd(rng, 0, 3, 3),), name="zero batch")
    yield Sample((np.zeros((0, 0)),), name="0x0")


def _cholesky_errors():
    yield from _square_errors("linalg.cholesky")()
    yield ErrorCase((np.array([[1.0, 2], [2, 1]]),), exc=RuntimeError,
                    match=r"not positive-definite \(the leading minor of order 2 is not positive-definite\)")
    yield ErrorCase((np.stack([np.eye(3), -np.eye(3)]),), exc=RuntimeError,
                    match=r"\(Batch element 1\).*leading minor of order 1")


def _cholesky_solve_ref(B, L, upper=False):
    A = _mt(L) @ L if upper else L @ _mt(L)
    return np.linalg.solve(A, B)


def _cholesky_solve_samples(rng, dtype):
    L = np.linalg.cholesky(_spd(rng, 4, 4))
    yield Sample((random_data(rng, 4, 2), L), name="lower")
    yield Sample((random_data(rng, 4, 2), _mt(L)), {"upper": True}, name="upper")
    yield Sample((random_data(rng, 2, 4, 3), L), name="broadcast batch")


# ---- decompositions, compared through what is unique ------------------------------------------

def _qr_op(lib, A, mode="reduced"):
    Q, R = lib.linalg.qr(A, mode=mode)
    if mode == "r":
        return (R.abs(),)
    return Q @ R, Q.mT @ Q, R.abs()


def _qr_ref(A, mode="reduced"):
    Q, R = np.linalg.qr(A, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        return (np.abs(R),)
    return Q @ R, _mt(Q) @ Q, np.abs(R)


def _qr_samples(rng, dtype):
    for mode in ("reduced", "complete", "r"):
        yield Sample((random_data(rng, 5, 3),), {"mode": mode}, name=f"tall {mode}")
        yield Sample((random_data(rng, 3, 5),), {"mode": mode}, name=f"wide {mode}")
    yield Sample((random_data(rng, 2, 4, 4),), name="batched square")
    yield Sample((random_data(rng, 0, 3, 2),), name="zero batch")
    yield Sample((np.zeros((3, 0)),), {"mode": "complete"}, name="no columns")
    yield Sample((np.zeros((2, 0, 0)),), name="0x0")
    yield Sample((np.array([[1.0, 2, 2], [2, 1, 4], [0, 1, 0]]),), name="rank-deficient")


def _eigh_op(lib, A, UPLO="L"):
    w, V = lib.linalg.eigh(A, UPLO=UPLO)
    return w, (V * w.unsqueeze(-2)) @ V.mT, V.mT @ V


def _eigh_ref(A, UPLO="L"):
    w, V = np.linalg.eigh(A, UPLO=UPLO)
    return w, (V * w[..., None, :]) @ _mt(V), _mt(V) @ V


def _eigh_samples(rng, dtype):
    yield Sample((_sym(rng, 4, 4),), name="4x4")
    yield Sample((_sym(rng, 2, 3, 5, 5),), name="batched")
    yield Sample((random_data(rng, 4, 4),), {"UPLO": "U"}, name="UPLO=U reads the upper triangle")
    yield Sample((random_data(rng, 4, 4),), {"UPLO": "L"}, name="UPLO=L reads the lower triangle")
    yield Sample((np.diag([2.0, 2.0, 1.0]),), name="repeated eigenvalues")
    yield Sample((_sym(rng, 0, 3, 3),), name="zero batch")
    yield Sample((np.zeros((0, 0)),), name="0x0")


def _eigvalsh_samples(rng, dtype):
    yield from _eigh_samples(rng, dtype)


def _svd_op(lib, A, full_matrices=True):
    U, S, Vh = lib.linalg.svd(A, full_matrices=full_matrices)
    k = S.shape[-1]
    return S, (U[..., :, :k] * S.unsqueeze(-2)) @ Vh[..., :k, :], U.mT @ U, Vh @ Vh.mT


def _svd_ref(A, full_matrices=True):
    U, S, Vh = np.linalg.svd(A, full_matrices=full_matrices)
    k = S.shape[-1]
    return S, (U[..., :, :k] * S[..., None, :]) @ Vh[..., :k, :], _mt(U) @ U, Vh @ _mt(Vh)


def _svd_samples(rng, dtype):
    for full in (True, False):
        yield Sample((random_data(rng, 5, 3),), {"full_matrices": full}, name=f"tall full={full}")
        yield Sample((random_data(rng, 3, 5),), {"full_matrices": full}, name=f"wide full={full}")
        yield Sample((random_data(rng, 2, 2, 4, 4),), {"full_matrices": full}, name=f"batched full={full}")
        yield Sample((np.array([[1.0, 2, 3], [2, 4, 6]]),), {"full_matrices": full}, name=f"rank 1 full={full}")
        yield Sample((np.zeros((3, 2)),), {"full_matrices": full}, name=f"zeros full={full}")
    yield Sample((random_data(rng, 0, 3, 2),), name="zero batch")
    yield Sample((np.zeros((3, 0)),), name="no columns")


def _svdvals_samples(rng, dtype):
    yield Sample((random_data(rng, 5, 3),), name="tall")
    yield Sample((random_data(rng, 2, 3, 6),), name="wide batched")
    yield Sample((np.array([[1.0, 2], [2, 4]]),), name="singular")
    yield Sample((random_data(rng, 0, 3, 2),), name="zero batch")
    yield Sample((np.zeros((2, 0)),), name="no rows")


def _matrix_errors(op):
    def errors():
        yield ErrorCase((np.zeros(3),), exc=ValueError, match=f"{op}.*at least 2 dimensions")
        yield ErrorCase((np.zeros((2, 2), np.int32),), exc=TypeError, match=f"{op}.*int32")
        yield ErrorCase((np.zeros((2, 2)),), dtype=ember.bfloat16, exc=TypeError, match=f"{op}.*bfloat16")
    return errors


# ---- least squares, rank, pseudo-inverse ------------------------------------------------------

def _lstsq_op(lib, A, B):
    return lib.linalg.lstsq(A, B).solution


def _lstsq_ref(A, B):
    return np.linalg.pinv(A) @ B


def _lstsq_samples(rng, dtype):
    yield Sample((random_data(rng, 6, 3), random_data(rng, 6, 2)), name="overdetermined")
    yield Sample((random_data(rng, 2, 5, 4), random_data(rng, 2, 5, 1)), name="batched")
    yield Sample((random_data(rng, 3, 3) + 9 * np.eye(3), random_data(rng, 3, 2)), name="square")


def _rank_samples(rng, dtype):
    yield Sample((random_data(rng, 4, 3),), name="full rank")
    yield Sample((np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]),), name="rank 2")
    yield Sample((np.stack([np.eye(3), np.zeros((3, 3))]),), name="batched")
    yield Sample((np.ones((3, 3)),), {"hermitian": True}, name="hermitian")


def _pinv_samples(rng, dtype):
    yield Sample((random_data(rng, 4, 3),), name="tall")
    yield Sample((random_data(rng, 2, 3, 5),), name="wide batched")
    yield Sample((np.array([[1.0, 2, 3], [2, 4, 6]]),), name="rank 1")
    yield Sample((_spd(rng, 3, 3),), {"hermitian": True}, name="hermitian")


# ---- products ---------------------------------------------------------------------------------

def _cross_samples(rng, dtype):
    yield Sample((random_data(rng, 4, 3), random_data(rng, 4, 3)), name="rows")
    yield Sample((random_data(rng, 3, 5), random_data(rng, 3, 1)), {"dim": 0}, name="dim 0 broadcast")
    yield Sample((random_data(rng, 0, 3), random_data(rng, 0, 3)), name="zero-size")


def _vecdot_samples(rng, dtype):
    yield Sample((random_data(rng, 4, 5), random_data(rng, 4, 5)), name="rows")
    yield Sample((random_data(rng, 3, 4), random_data(rng, 4)), name="broadcast")
    yield Sample((random_data(rng, 4, 3), random_data(rng, 4, 3)), {"dim": 0}, name="dim 0")
    yield Sample((random_data(rng, 2, 0), random_data(rng, 2, 0)), name="zero-size")


def _multi_dot_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample(([r(3, 4), r(4, 5)],), name="two")
    yield Sample(([r(10, 2), r(2, 8), r(8, 3), r(3, 7)],), name="chain")
    yield Sample(([r(4), r(4, 5), r(5)],), name="vector ends")
    yield Sample(([r(0, 4), r(4, 3), r(3, 2)],), name="zero rows")


def _matrix_power_samples(rng, dtype):
    A = random_data(rng, 3, 3) / 3
    for n in (0, 1, 2, 5, -1, -3):
        yield Sample((_square(rng, 3, 3) / 9 if n < 0 else A, n), name=f"n={n}")
    yield Sample((random_data(rng, 2, 4, 4) / 4, 3), name="batched")
    yield Sample((random_data(rng, 0, 2, 2), 2), name="zero batch")


def _diagonal_samples(rng, dtype):
    x = random_data(rng, 2, 4, 5)
    yield Sample((x,), name="default")
    yield Sample((x,), {"offset": 1}, name="offset 1")
    yield Sample((x,), {"offset": -2, "dim1": 0, "dim2": 2}, name="dims (0, 2)")


def _logdet_ref(A):
    sign, logabs = np.linalg.slogdet(A)
    return np.where(sign < 0, np.nan, logabs)


def _logdet_samples(rng, dtype):
    yield from _square_samples(rng, dtype)
    yield Sample((-np.eye(3) * np.array([1.0, 1, 2]),), name="negative determinant")
    yield Sample((np.array([[1.0, 2], [2, 4]]),), name="singular")


def _torch_svd_op(lib, A, some=True):
    U, S, V = lib.svd(A, some=some)
    k = S.shape[-1]
    return S, (U[..., :, :k] * S.unsqueeze(-2)) @ V[..., :, :k].mT


def _torch_svd_ref(A, some=True):
    U, S, Vh = np.linalg.svd(A, full_matrices=not some)
    k = S.shape[-1]
    return S, (U[..., :, :k] * S[..., None, :]) @ Vh[..., :k, :]


def _torch_svd_samples(rng, dtype):
    for some in (True, False):
        yield Sample((random_data(rng, 5, 3),), {"some": some}, name=f"tall some={some}")
        yield Sample((random_data(rng, 2, 3, 4),), {"some": some}, name=f"wide batched some={some}")


def _triangular_solve_op(lib, b, A, upper=True, transpose=False):
    return lib.triangular_solve(b, A, upper=upper, transpose=transpose)


def _triangular_solve_ref(b, A, upper=True, transpose=False):
    T = np.triu(A) if upper else np.tril(A)
    if transpose:
        T = _mt(T)
    batch = np.broadcast_shapes(A.shape[:-2], b.shape[:-2])
    return (np.linalg.solve(np.broadcast_to(T, batch + T.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])),
            np.broadcast_to(A, batch + A.shape[-2:]))


def _triangular_solve_samples(rng, dtype):
    A = _square(rng, 3, 3)
    yield Sample((random_data(rng, 3, 2), A), name="upper")
    yield Sample((random_data(rng, 3, 2), A), {"upper": False, "transpose": True}, name="lower transposed")
    yield Sample((random_data(rng, 2, 3, 2), A), name="broadcast")


def _symmetric_functions(lib, w):
    return w.sum(-1), (w * w).sum(-1), w.prod(-1)


def _eigvals_op(lib, A):
    return _symmetric_functions(lib, lib.linalg.eigvals(A))


def _eigvals_ref(A):
    # numpy returns real eigenvalues as a real array; torch's are always complex
    w = np.linalg.eigvals(A).astype(np.complex128) if A.shape[-1] else np.zeros(A.shape[:-1], np.complex128)
    return w.sum(-1), (w * w).sum(-1), w.prod(-1)


def _eig_op(lib, A):
    w, V = lib.linalg.eig(A)
    return (V * w.unsqueeze(-2)) @ lib.linalg.inv(V)


def _e(name, op, samples, reference, **kw):
    kw.setdefault("dtypes", DTYPES)
    kw.setdefault("tolerances", TOL)
    return OpEntry(name, op, samples, reference=reference, **kw)


ENTRIES = [
    _e("linalg.vector_norm", lambda lib, x, **k: lib.linalg.vector_norm(x, **k), _vector_norm_samples,
       _vector_norm_ref, errors=_vector_norm_errors),
    _e("linalg.matrix_norm", lambda lib, A, **k: lib.linalg.matrix_norm(A, **k), _matrix_norm_samples,
       _matrix_norm_ref, errors=_matrix_norm_errors),
    _e("linalg.norm", lambda lib, A, **k: lib.linalg.norm(A, **k), _norm_samples, _norm_ref),
    _e("linalg.inv", lambda lib, A: lib.linalg.inv(A), _pivoting_samples, np.linalg.inv, errors=_inv_errors),
    _e("linalg.inv_ex", lambda lib, A: tuple(lib.linalg.inv_ex(A)), _square_samples,
       lambda A: (np.linalg.inv(A), np.zeros(A.shape[:-2], np.int32))),
    _e("linalg.det", lambda lib, A: lib.linalg.det(A), _pivoting_samples, np.linalg.det,
       errors=_square_errors("linalg.det")),
    _e("linalg.slogdet", lambda lib, A: tuple(lib.linalg.slogdet(A)), _pivoting_samples, _slogdet_ref,
       errors=_square_errors("linalg.slogdet")),
    _e("linalg.lu", _lu_op, _lu_samples, _lu_ref, errors=_matrix_errors("linalg.lu")),
    _e("linalg.lu_factor", lambda lib, A, **k: lib.linalg.lu_solve(*lib.linalg.lu_factor(A, **k), A),
       _square_samples, lambda A: np.broadcast_to(np.eye(A.shape[-1]), A.shape), errors=_lu_factor_errors),
    _e("linalg.lu_factor_ex", lambda lib, A: lib.linalg.lu_factor_ex(A)[2], _square_samples,
       lambda A: np.zeros(A.shape[:-2], np.int32), differentiable=False),  # the op gives the integer info only
    _e("linalg.lu_solve", _lu_solve_op, _lu_solve_samples, _lu_solve_ref),
    _e("lu_unpack", _lu_unpack_op, _lu_samples, lambda A: A),
    _e("linalg.solve", lambda lib, A, B, **k: lib.linalg.solve(A, B, **k), _solve_samples, _solve_ref,
       errors=_solve_errors),
    _e("linalg.solve_triangular", lambda lib, A, B, **k: lib.linalg.solve_triangular(A, B, **k), _tri_samples,
       _tri_ref),
    _e("linalg.cholesky", lambda lib, A, **k: lib.linalg.cholesky(A, **k), _spd_samples, _cholesky_ref,
       errors=_cholesky_errors),
    _e("linalg.cholesky_ex", lambda lib, A, **k: tuple(lib.linalg.cholesky_ex(A, **k)), _spd_samples,
       lambda A, upper=False: (_cholesky_ref(A, upper), np.zeros(A.shape[:-2], np.int32))),
    _e("linalg.qr", _qr_op, _qr_samples, _qr_ref, errors=_matrix_errors("linalg.qr")),
    _e("linalg.eigh", _eigh_op, _eigh_samples, _eigh_ref, errors=_square_errors("linalg.eigh")),
    _e("linalg.eigvalsh", lambda lib, A, **k: lib.linalg.eigvalsh(A, **k), _eigvalsh_samples,
       lambda A, UPLO="L": np.linalg.eigvalsh(A, UPLO=UPLO)),
    # eigenvalues come in no fixed order: compared through order-free functions of them (their
    # sum, the sum of squares, the product), and eig through V diag(w) V^-1, which is A;
    # gradients: test_linalg_complex.py (complex gradcheck)
    _e("linalg.eigvals", _eigvals_op, _square_samples, _eigvals_ref, differentiable=False),
    _e("linalg.eig", _eig_op, _square_samples, lambda A: A.astype(np.complex128), differentiable=False,
       errors=_square_errors("linalg.eig")),
    _e("linalg.svd", _svd_op, _svd_samples, _svd_ref, errors=_matrix_errors("linalg.svd")),
    _e("linalg.svdvals", lambda lib, A: lib.linalg.svdvals(A), _svdvals_samples,
       lambda A: np.linalg.svd(A, compute_uv=False)),
    _e("linalg.lstsq", _lstsq_op, _lstsq_samples, _lstsq_ref),
    _e("linalg.matrix_rank", lambda lib, A, **k: lib.linalg.matrix_rank(A, **k), _rank_samples,
       lambda A, hermitian=False: np.linalg.matrix_rank(A, hermitian=hermitian), differentiable=False),  # integer
    _e("linalg.pinv", lambda lib, A, **k: lib.linalg.pinv(A, **k), _pinv_samples,
       lambda A, hermitian=False: np.linalg.pinv(A, hermitian=hermitian)),
    _e("linalg.cross", lambda lib, a, b, **k: lib.linalg.cross(a, b, **k), _cross_samples,
       lambda a, b, dim=-1: np.cross(*np.broadcast_arrays(a, b), axis=dim)),
    _e("linalg.vecdot", lambda lib, x, y, **k: lib.linalg.vecdot(x, y, **k), _vecdot_samples,
       lambda x, y, dim=-1: np.sum(x * y, axis=dim)),
    _e("linalg.multi_dot", lambda lib, ts: lib.linalg.multi_dot(ts), _multi_dot_samples, np.linalg.multi_dot),
    _e("linalg.matrix_power", lambda lib, A, n: lib.linalg.matrix_power(A, n), _matrix_power_samples,
       np.linalg.matrix_power, tolerances={ember.float32: (1e-4, 1e-5), ember.float64: (1e-9, 1e-11)}),
    _e("linalg.diagonal", lambda lib, A, **k: lib.linalg.diagonal(A, **k), _diagonal_samples,
       lambda A, offset=0, dim1=-2, dim2=-1: np.diagonal(A, offset, dim1, dim2)),
    # top-level aliases
    _e("det", lambda lib, A: lib.det(A), _square_samples, np.linalg.det),
    _e("logdet", lambda lib, A: lib.logdet(A), _logdet_samples, _logdet_ref),
    _e("slogdet", lambda lib, A: tuple(lib.slogdet(A)), _square_samples, _slogdet_ref),
    _e("inverse", lambda lib, A: lib.inverse(A), _square_samples, np.linalg.inv),
    _e("cholesky_solve", lambda lib, B, L, **k: lib.cholesky_solve(B, L, **k), _cholesky_solve_samples,
       _cholesky_solve_ref),
    _e("svd", _torch_svd_op, _torch_svd_samples, _torch_svd_ref),
    _e("triangular_solve", _triangular_solve_op, _triangular_solve_samples, _triangular_solve_ref),
    _e("matrix_power", lambda lib, A, n: lib.matrix_power(A, n), _matrix_power_samples, np.linalg.matrix_power,
       tolerances={ember.float32: (1e-4, 1e-5), ember.float64: (1e-9, 1e-11)}),
]
