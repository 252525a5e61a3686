"""ember.linalg on complex tensors: the complex LU path (solve, inv, inv_ex, det, slogdet, the LU
functions, solve_triangular), the general eigendecomposition (eig, eigvals) of real and complex
matrices, refusals of the functions without a complex path, torch parity of result dtypes and
shapes, and gradcheck of the backward rules in complex128 and float64."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from conftest import to_numpy

RNG = np.random.default_rng(20261207)

COMPLEX = [ember.complex64, ember.complex128]
REAL_OF = {ember.complex64: ember.float32, ember.complex128: ember.float64}
TOL = {ember.complex64: dict(rtol=2e-4, atol=2e-5), ember.complex128: dict(rtol=1e-10, atol=1e-12),
       ember.float32: dict(rtol=2e-4, atol=2e-5), ember.float64: dict(rtol=1e-10, atol=1e-12)}


def cplx(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def real(*shape):
    return RNG.standard_normal(shape)


def well_conditioned(*shape):
    """Random complex matrices with a strong diagonal (condition numbers near 1 to 10)."""
    n = shape[-1]
    return cplx(*shape) + 3 * n ** 0.5 * np.eye(n)


def T(a, dtype=ember.complex128):
    return ember.tensor(np.asarray(a)).to(dtype)


def close(got, want, dtype):
    np.testing.assert_allclose(to_numpy(got), want, **TOL[dtype])


# ---- solve, inv, det, slogdet against numpy ----------------------------------------------------

@pytest.mark.parametrize("dtype", COMPLEX)
def test_solve_matrix_vector_and_broadcast(dtype):
    A = well_conditioned(4, 4)
    B = cplx(4, 3)
    close(ember.linalg.solve(T(A, dtype), T(B, dtype)), np.linalg.solve(A, B), dtype)
    b = cplx(4)
    x = ember.linalg.solve(T(A, dtype), T(b, dtype))
    assert x.shape == (4,) and x.dtype == dtype
    close(x, np.linalg.solve(A, b), dtype)
    # batch dims broadcast: (2, 1, 4, 4) against (3, 4, 2)
    Ab, Bb = well_conditioned(2, 1, 4, 4), cplx(3, 4, 2)
    X = ember.linalg.solve(T(Ab, dtype), T(Bb, dtype))
    assert X.shape == (2, 3, 4, 2)
    close(X, np.linalg.solve(Ab, Bb), dtype)
    # a batch of vectors: B shaped like A without its last dim
    bb = cplx(2, 1, 4)
    close(ember.linalg.solve(T(Ab, dtype), T(bb, dtype)), np.linalg.solve(Ab, bb[..., None])[..., 0], dtype)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_solve_left_false(dtype):
    A, B = well_conditioned(3, 3), cplx(5, 3)
    X = ember.linalg.solve(T(A, dtype), T(B, dtype), left=False)  # X A = B
    close(X, np.linalg.solve(A.T, B.T).T, dtype)


def test_solve_mixed_real_complex_promotes():
    A, B = well_conditioned(3, 3), cplx(3, 2)
    x = ember.linalg.solve(T(A.real, ember.float64), T(B, ember.complex64))
    assert x.dtype == ember.complex128  # torch's promotion of float64 and complex64
    close(x, np.linalg.solve(A.real, B), ember.complex64)
    x = ember.linalg.solve(T(A, ember.complex64), T(B.real, ember.float32))
    assert x.dtype == ember.complex64
    close(x, np.linalg.solve(A, B.real), ember.complex64)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_inv_det_slogdet(dtype):
    A = cplx(3, 5, 5)
    close(ember.linalg.inv(T(A, dtype)), np.linalg.inv(A), dtype)
    inverse, info = ember.linalg.inv_ex(T(A, dtype))
    assert info.dtype == ember.int32 and not to_numpy(info).any()
    close(inverse, np.linalg.inv(A), dtype)
    d = ember.linalg.det(T(A, dtype))
    assert d.dtype == dtype and d.shape == (3,)
    close(d, np.linalg.det(A), dtype)
    sign, logabs = ember.linalg.slogdet(T(A, dtype))
    want_sign, want_log = np.linalg.slogdet(A)
    assert sign.dtype == dtype and logabs.dtype == REAL_OF[dtype]
    close(sign, want_sign, dtype)
    close(logabs, want_log, dtype)
    np.testing.assert_allclose(np.abs(to_numpy(sign)), 1, rtol=1e-5)
    # the top-level aliases
    close(ember.det(T(A, dtype)), np.linalg.det(A), dtype)
    close(ember.inverse(T(A, dtype)), np.linalg.inv(A), dtype)
    close(ember.logdet(T(A, dtype)), np.log(np.linalg.det(A)), dtype)


def test_non_contiguous_inputs():
    A = cplx(6, 6) + 4 * np.eye(6)
    At = T(A).mT  # transposed view
    close(ember.linalg.inv(At), np.linalg.inv(A.T), ember.complex128)
    close(ember.linalg.det(At), np.linalg.det(A.T), ember.complex128)
    sliced = T(A)[::2, ::2]  # strided view
    close(ember.linalg.inv(sliced), np.linalg.inv(A[::2, ::2]), ember.complex128)
    B = cplx(3, 8)
    close(ember.linalg.solve(sliced, T(B)[:, ::2]), np.linalg.solve(A[::2, ::2], B[:, ::2]), ember.complex128)
    w = ember.linalg.eigvals(At)
    close_eigenvalues(w, np.linalg.eigvals(A.T), ember.complex128)


def test_empty_and_one_by_one():
    E = T(np.zeros((2, 0, 0)))
    assert ember.linalg.inv(E).shape == (2, 0, 0)
    close(ember.linalg.det(E), np.ones(2), ember.complex128)
    sign, logabs = ember.linalg.slogdet(E)
    close(sign, np.ones(2), ember.complex128)
    close(logabs, np.zeros(2), ember.float64)
    assert ember.linalg.solve(E, T(np.zeros((2, 0, 3)))).shape == (2, 0, 3)
    w, V = ember.linalg.eig(E)
    assert w.shape == (2, 0) and V.shape == (2, 0, 0) and w.dtype == ember.complex128
    a = np.array([[2 - 3j]])
    close(ember.linalg.inv(T(a)), 1 / a, ember.complex128)
    close(ember.linalg.det(T(a)), a[0], ember.complex128)
    w, V = ember.linalg.eig(T(a))
    close(w, a[0], ember.complex128)
    close(V, np.ones((1, 1)), ember.complex128)


def test_singular_matrices():
    A = np.array([[1 + 1j, 2], [2 + 2j, 4]])  # row 2 = 2 row 1
    with pytest.raises(RuntimeError, match=r"^linalg.solve: The solver failed because the input matrix is singular"):
        ember.linalg.solve(T(A), T(np.ones((2, 1))))
    with pytest.raises(RuntimeError, match=r"^linalg.inv: The diagonal element 2 is zero"):
        ember.linalg.inv(T(A))
    _, info = ember.linalg.inv_ex(T(A))
    assert int(info) == 2
    assert complex(ember.linalg.det(T(A))) == 0
    sign, logabs = ember.linalg.slogdet(T(A))
    assert complex(sign) == 0 and float(logabs) == -np.inf
    with pytest.raises(RuntimeError, match=r"U\[2,2\] is zero"):
        ember.linalg.lu_factor(T(A))
    batch = np.stack([np.eye(2), A])
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\)"):
        ember.linalg.inv(T(batch))


# ---- the LU functions ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", COMPLEX)
@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 5), (3, 5), (5, 3)])
def test_lu_reconstructs(dtype, shape):
    A = cplx(*shape)
    P, L, U = ember.linalg.lu(T(A, dtype))
    assert P.dtype == L.dtype == U.dtype == dtype
    close(P.matmul(L).matmul(U), A, dtype)
    LU, pivots = ember.linalg.lu_factor(T(A, dtype))
    assert pivots.dtype == ember.int32 and LU.dtype == dtype
    P2, L2, U2 = ember.lu_unpack(LU, pivots)
    close(P2.matmul(L2).matmul(U2), A, dtype)
    # partial pivoting: every multiplier has modulus at most 1
    assert np.abs(to_numpy(L2)).max() <= 1 + 1e-6


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve(left, adjoint):
    A = well_conditioned(2, 4, 4)
    B = cplx(2, 4, 3) if left else cplx(2, 3, 4)
    LU, pivots, info = ember.linalg.lu_factor_ex(T(A))
    assert not to_numpy(info).any()
    X = ember.linalg.lu_solve(LU, pivots, T(B), left=left, adjoint=adjoint)
    M = np.conj(np.swapaxes(A, -1, -2)) if adjoint else A
    want = np.linalg.solve(M, B) if left else np.swapaxes(np.linalg.solve(np.swapaxes(M, -1, -2),
                                                                             np.swapaxes(B, -1, -2)), -1, -2)
    close(X, want, ember.complex128)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular(upper, left):
    A = well_conditioned(4, 4)
    A = np.triu(A) if upper else np.tril(A)
    B = cplx(4, 2) if left else cplx(2, 4)
    X = ember.linalg.solve_triangular(T(A), T(B), upper=upper, left=left)
    want = np.linalg.solve(A, B) if left else np.linalg.solve(A.T, B.T).T
    close(X, want, ember.complex128)


# ---- eig and eigvals ------------------------------------------------------------------------------

def close_eigenvalues(got, want, dtype):
    """Eigenvalues come in no set order: each one must match one of want's."""
    got = to_numpy(got).reshape(-1, np.shape(want)[-1])
    want = np.asarray(want).reshape(got.shape)
    tol = 1e-3 if dtype in (ember.complex64, ember.float32) else 1e-9
    for g, w in zip(got, want):
        scale = max(1.0, np.abs(w).max())
        dist = np.abs(g[:, None] - w[None, :])
        assert dist.min(axis=1).max() <= tol * scale, (g, w)
        assert dist.min(axis=0).max() <= tol * scale, (g, w)


def check_eig(A, dtype):
    w, V = ember.linalg.eig(T(A, dtype))
    want_dtype = dtype if dtype.is_complex else {ember.float32: ember.complex64, ember.float64: ember.complex128}[dtype]
    assert w.dtype == V.dtype == want_dtype
    assert w.shape == A.shape[:-1] and V.shape == A.shape
    wn, Vn = to_numpy(w), to_numpy(V)
    tol = 1e-4 if want_dtype == ember.complex64 else 1e-11
    scale = max(1.0, np.abs(A).max())
    # A V = V diag(w), columns of unit norm with their largest component real and positive
    np.testing.assert_allclose(A @ Vn, Vn * wn[..., None, :], atol=tol * scale * A.shape[-1])
    np.testing.assert_allclose(np.linalg.norm(Vn, axis=-2), 1, atol=tol)
    cols = np.swapaxes(Vn, -1, -2).reshape(-1, A.shape[-1])
    for c in cols:  # one of the largest components (ties within rounding) is real and positive
        big = c[np.abs(c) >= np.abs(c).max() - tol]
        assert np.any((np.abs(big.imag) <= tol) & (big.real > 0)), c
    close_eigenvalues(w, np.linalg.eigvals(A), want_dtype)
    close_eigenvalues(ember.linalg.eigvals(T(A, dtype)), np.linalg.eigvals(A), want_dtype)


@pytest.mark.parametrize("dtype", COMPLEX + [ember.float32, ember.float64])
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (5, 5), (3, 6, 6), (2, 2, 3, 3), (20, 20)])
def test_eig_random(dtype, shape):
    A = cplx(*shape) if dtype.is_complex else RNG.standard_normal(shape)
    check_eig(A, dtype)


def test_eig_structured_matrices():
    n = 8
    check_eig(np.roll(np.eye(n), 1, axis=0), ember.float64)  # a cyclic permutation: the roots of unity
    check_eig(np.array([[0.0, 1], [-1, 0]]), ember.float64)  # a rotation: +-i
    S = RNG.standard_normal((n, n))
    check_eig(S + S.T, ember.float64)  # symmetric: real eigenvalues
    H = cplx(n, n)
    check_eig(H + H.conj().T, ember.complex128)  # Hermitian
    check_eig(np.triu(cplx(n, n)), ember.complex128)  # already triangular
    check_eig(np.diag([1.0, 1, 2, 2]), ember.float64)  # repeated eigenvalues
    D = np.diag(10.0 ** np.arange(-6, 7, 2))  # badly scaled: balancing keeps the eigenvalues accurate
    B = RNG.standard_normal((7, 7))
    w = ember.linalg.eigvals(T(D @ B @ np.linalg.inv(D), ember.float64))
    close_eigenvalues(w, np.linalg.eigvals(B), ember.complex128)
    # a defective (Jordan) block still gives unit-norm vectors, both along e1
    w, V = ember.linalg.eig(T(np.array([[1.0, 1], [0, 1]]), ember.float64))
    np.testing.assert_allclose(to_numpy(w), [1, 1])
    np.testing.assert_allclose(np.abs(to_numpy(V)[0]), [1, 1], atol=1e-8)


def test_eig_rejects_non_finite():
    A = np.eye(3)
    A[1, 2] = np.nan
    with pytest.raises(RuntimeError, match=r"^linalg.eig: input tensor should not contain infs or NaNs"):
        ember.linalg.eig(T(A, ember.float64))
    A[1, 2] = np.inf
    with pytest.raises(RuntimeError, match=r"^linalg.eigvals: input tensor should not contain infs or NaNs"):
        ember.linalg.eigvals(T(A, ember.complex64))


def test_eig_result_tuple():
    r = ember.linalg.eig(T(np.eye(2), ember.float64))
    assert type(r) is ember.return_types.linalg_eig
    assert r.eigenvalues is r[0] and r.eigenvectors is r[1]


# ---- bad input ------------------------------------------------------------------------------------

def test_bad_input_raises_clear_errors():
    A = T(cplx(3, 3))
    with pytest.raises(ValueError, match=r"linalg.inv: A must be batches of square matrices, but they are 2 by 3"):
        ember.linalg.inv(T(cplx(2, 3)))
    with pytest.raises(ValueError, match=r"linalg.eig: A must be batches of square matrices"):
        ember.linalg.eig(T(cplx(2, 3)))
    with pytest.raises(ValueError, match=r"linalg.det: A must have at least 2 dimensions"):
        ember.linalg.det(T(cplx(3)))
    with pytest.raises(ValueError, match=r"linalg.solve: Incompatible shapes of A and B"):
        ember.linalg.solve(A, T(cplx(4, 2)))
    with pytest.raises(TypeError, match=r"linalg.eig: expected A to be a float32, float64, complex64 or complex128 "
                                        r"tensor, but got dtype int64"):
        ember.linalg.eig(ember.ones(3, 3, dtype=ember.int64))
    with pytest.raises(TypeError, match=r"linalg.solve: expected B to be .* but got dtype int32"):
        ember.linalg.solve(A, ember.ones(3, dtype=ember.int32))
    with pytest.raises(TypeError, match=r"linalg.lu_solve: expected LU and B to have the same dtype, but got "
                                        r"complex128 and complex64"):
        LU, piv = ember.linalg.lu_factor(A)
        ember.linalg.lu_solve(LU, piv, A.to(ember.complex64))


@pytest.mark.parametrize("fn, name", [
    (lambda A: ember.linalg.cholesky(A), "linalg.cholesky"),
    (lambda A: ember.linalg.qr(A), "linalg.qr"),
    (lambda A: ember.linalg.eigh(A), "linalg.eigh"),
    (lambda A: ember.linalg.eigvalsh(A), "linalg.eigvalsh"),
    (lambda A: ember.linalg.svd(A), "linalg.svd"),
    (lambda A: ember.linalg.svdvals(A), "linalg.svdvals"),
    (lambda A: ember.linalg.pinv(A), "linalg.pinv"),
    (lambda A: ember.linalg.matrix_rank(A), "linalg.matrix_rank"),
    (lambda A: ember.linalg.lstsq(A, A), "linalg.lstsq"),
    (lambda A: ember.triangular_solve(A, A), "triangular_solve"),
])
def test_functions_without_a_complex_path_refuse_it(fn, name):
    A = T(np.eye(3) + 0.1 * cplx(3, 3), ember.complex64)
    with pytest.raises(TypeError, match=rf"^{name}: complex inputs are not supported \(. has dtype complex64\)"):
        fn(A)


def test_matrix_norms_of_the_svd_refuse_complex():
    A = T(cplx(3, 3))
    for ord in ("nuc", 2, -2):
        with pytest.raises(TypeError, match=r"^linalg.matrix_norm: complex inputs are not supported for ord="):
            ember.linalg.matrix_norm(A, ord)
    with pytest.raises(TypeError, match=r"linalg.vector_norm: dtype must be complex64 or complex128"):
        ember.linalg.vector_norm(A, dtype=ember.float64)


@pytest.mark.parametrize("dtype", COMPLEX)
def test_norms(dtype):
    x = cplx(3, 4)
    for ord in (2, 1, 3, 0, 0.5, np.inf, -np.inf):
        got = ember.linalg.vector_norm(T(x, dtype), ord)
        assert got.dtype == REAL_OF[dtype]
        close(got, np.linalg.norm(x.ravel(), ord), dtype)
    close(ember.linalg.vector_norm(T(x, dtype), 2, dim=1, keepdim=True),
          np.linalg.norm(x, 2, axis=1, keepdims=True), dtype)
    for ord in ("fro", 1, -1, np.inf, -np.inf):
        close(ember.linalg.matrix_norm(T(x, dtype), ord), np.linalg.norm(x, ord), dtype)
    close(ember.linalg.norm(T(x, dtype)), np.linalg.norm(x), dtype)
    assert ember.linalg.vector_norm(T(x, ember.complex64), dtype=ember.complex128).dtype == ember.float64


def test_gradcheck_norms():
    x = leaf(cplx(3, 4))
    for ord in (2, 1, 3, np.inf):
        assert gradcheck(lambda x: ember.linalg.vector_norm(x, ord, dim=-1), (x,))
    for ord in ("fro", 1, np.inf):
        assert gradcheck(lambda x: ember.linalg.matrix_norm(x, ord), (x,))


def test_composites_that_work_on_complex():
    A, B = well_conditioned(3, 3), cplx(3, 3)
    close(ember.linalg.matrix_power(T(A), -2), np.linalg.matrix_power(A, -2), ember.complex128)
    close(ember.linalg.multi_dot([T(A), T(B), T(A)]), A @ B @ A, ember.complex128)
    x, y = cplx(4, 3), cplx(4, 3)
    close(ember.linalg.vecdot(T(x), T(y)), np.sum(x.conj() * y, -1), ember.complex128)  # x conjugated


# ---- parity with torch ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_torch_parity_dtypes_and_shapes(dtype):
    torch = pytest.importorskip("torch")
    A = cplx(2, 4, 4) if "complex" in dtype else RNG.standard_normal((2, 4, 4))
    A = A + 3 * np.eye(4)
    ta = torch.tensor(A).to(getattr(torch, dtype))
    ea = T(A, getattr(ember, dtype))

    def same(e, t):
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]

    for e, t in zip(ember.linalg.eig(ea), torch.linalg.eig(ta)):
        same(e, t)
    same(ember.linalg.eigvals(ea), torch.linalg.eigvals(ta))
    for e, t in zip(ember.linalg.slogdet(ea), torch.linalg.slogdet(ta)):
        same(e, t)
    same(ember.linalg.det(ea), torch.linalg.det(ta))
    same(ember.linalg.solve(ea, ea[..., 0]), torch.linalg.solve(ta, ta[..., 0]))
    for e, t in zip(ember.linalg.lu_factor(ea), torch.linalg.lu_factor(ta)):
        same(e, t)
    tol = 1e-3 if dtype in ("float32", "complex64") else 1e-10
    np.testing.assert_allclose(to_numpy(ember.linalg.slogdet(ea)[0]), torch.linalg.slogdet(ta)[0].numpy(),
                               rtol=tol, atol=tol)
    close_eigenvalues(ember.linalg.eigvals(ea), torch.linalg.eigvals(ta).numpy(),
                      getattr(ember, dtype))


# ---- gradients ------------------------------------------------------------------------------------

def leaf(a, dtype=ember.complex128):
    return T(a, dtype).requires_grad_()


@pytest.mark.parametrize("dtype", [ember.complex128, ember.float64])
def test_gradcheck_solve_inv_det_slogdet(dtype):
    make = cplx if dtype.is_complex else real
    A = leaf(make(3, 3) + 2 * np.eye(3), dtype)
    B = leaf(make(3, 2), dtype)
    b = leaf(make(3), dtype)
    assert gradcheck(lambda A, B: ember.linalg.solve(A, B), (A, B))
    assert gradcheck(lambda A, b: ember.linalg.solve(A, b), (A, b))
    assert gradcheck(lambda A, B: ember.linalg.solve(A, B.mT, left=False), (A, B))
    assert gradcheck(ember.linalg.inv, (A,))
    assert gradcheck(ember.linalg.det, (A,))
    assert gradcheck(lambda A: ember.linalg.slogdet(A)[1], (A,))
    if dtype.is_complex:
        assert gradcheck(lambda A: ember.linalg.slogdet(A)[0], (A,))
        assert gradcheck(lambda A: ember.logdet(A), (A,))


def test_gradcheck_solve_mixed_real_complex():
    A = leaf(RNG.standard_normal((3, 3)) + 2 * np.eye(3), ember.float64)
    B = leaf(cplx(3, 2))
    assert gradcheck(lambda A, B: ember.linalg.solve(A, B), (A, B))


@pytest.mark.parametrize("dtype", [ember.complex128, ember.float64])
def test_gradcheck_lu(dtype):
    make = cplx if dtype.is_complex else real
    A = leaf(make(3, 3), dtype)
    assert gradcheck(lambda A: ember.linalg.lu_factor(A)[0], (A,))
    assert gradcheck(lambda A: ember.linalg.lu(A)[1:], (A,))
    W = leaf(make(3, 4), dtype)
    assert gradcheck(lambda W: ember.linalg.lu(W)[1:], (W,))
    LU, piv = ember.linalg.lu_factor(A.detach())
    B = leaf(make(3, 2), dtype)
    assert gradcheck(lambda B: ember.linalg.lu_solve(LU, piv, B, adjoint=True), (B,))
    for left in (True, False):
        for adjoint in (False, True):  # through the factorization: lu_solve's gradient of LU too
            assert gradcheck(lambda A, B: ember.linalg.lu_solve(*ember.linalg.lu_factor(A), B if left else B.mT,
                                                                left=left, adjoint=adjoint), (A, B))
    U = leaf(np.triu(make(3, 3)) + 2 * np.eye(3), dtype)
    assert gradcheck(lambda U, B: ember.linalg.solve_triangular(U, B, upper=True), (U, B))
    assert gradcheck(lambda U, B: ember.linalg.solve_triangular(U, B.mT, upper=True, left=False), (U, B))


def phase_free(V):
    """|V| after normalization: a function of the eigenvectors that does not see their phases."""
    return V.abs()


@pytest.mark.parametrize("dtype", [ember.complex128, ember.float64])
def test_gradcheck_eig_and_eigvals(dtype):
    make = cplx if dtype.is_complex else real
    A = leaf(make(4, 4), dtype)
    assert gradcheck(lambda A: ember.linalg.eigvals(A), (A,))
    assert gradcheck(lambda A: ember.linalg.eig(A)[0], (A,))
    assert gradcheck(lambda A: phase_free(ember.linalg.eig(A)[1]), (A,))
    # both outputs at once, through a phase-invariant function of the vectors
    assert gradcheck(lambda A: ember.linalg.eig(A)[0].abs() + phase_free(ember.linalg.eig(A)[1]).sum(-2), (A,))


def test_eig_backward_refuses_a_phase_dependent_loss():
    A = leaf(cplx(3, 3))
    _, V = ember.linalg.eig(A)
    with pytest.raises(RuntimeError, match="specified up to multiplication by e\\^\\{i phi\\}"):
        V.real.sum().backward()
