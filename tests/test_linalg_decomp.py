"""Focused tests of ember.linalg beyond the op database: singular and non-positive-definite
inputs, accuracy on ill-conditioned matrices, the blocked LU path of large matrices, batches
run in parallel, and parity with torch.linalg where it is installed."""
import math

import numpy as np
import pytest

import ember
from conftest import assert_unchanged, snapshot, to_numpy


def T(a, dtype=ember.float64):
    return ember.tensor(np.asarray(a), dtype=dtype)


def hilbert(n):
    i = np.arange(n)
    return 1.0 / (i[:, None] + i[None, :] + 1)


# ---- errors -----------------------------------------------------------------------------------

def test_inv_singular_names_the_pivot():
    A = T([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])
    before = snapshot(A)
    with pytest.raises(RuntimeError, match=r"^linalg.inv: The diagonal element 3 is zero, the inversion could not "
                                           r"be completed because the input matrix is singular\.$"):
        ember.linalg.inv(A)
    assert_unchanged(before)


def test_inv_singular_batch_element():
    A = T(np.stack([np.eye(2), np.eye(2), [[1.0, 1], [1, 1]]]))
    with pytest.raises(RuntimeError, match=r"\(Batch element 2\): The diagonal element 2 is zero"):
        ember.linalg.inv(A)
    with pytest.raises(RuntimeError, match="singular"):
        ember.inverse(A)
    inverse, info = ember.linalg.inv_ex(A)
    assert info.dtype == ember.int32
    np.testing.assert_array_equal(to_numpy(info), [0, 0, 2])
    np.testing.assert_allclose(to_numpy(inverse)[:2], np.stack([np.eye(2)] * 2))
    with pytest.raises(RuntimeError, match="Batch element 2"):
        ember.linalg.inv_ex(A, check_errors=True)


def test_solve_singular():
    with pytest.raises(RuntimeError, match=r"^linalg.solve: The solver failed because the input matrix is singular"):
        ember.linalg.solve(T(np.zeros((3, 3))), T(np.ones(3)))


def test_cholesky_not_positive_definite():
    A = T(np.stack([np.eye(3), np.diag([1.0, 2.0, -1.0])]))
    before = snapshot(A)
    with pytest.raises(RuntimeError, match=r"^linalg.cholesky: \(Batch element 1\): The factorization could not be "
                                           r"completed because the input is not positive-definite \(the leading "
                                           r"minor of order 3 is not positive-definite\)\.$"):
        ember.linalg.cholesky(A)
    assert_unchanged(before)
    L, info = ember.linalg.cholesky_ex(A)
    np.testing.assert_array_equal(to_numpy(info), [0, 3])
    np.testing.assert_allclose(to_numpy(L)[0], np.eye(3))


def test_cholesky_reads_the_lower_triangle_only():
    A = np.array([[4.0, 999], [2, 3]])
    L = to_numpy(ember.linalg.cholesky(T(A)))
    np.testing.assert_allclose(L, np.linalg.cholesky(np.array([[4.0, 2], [2, 3]])))


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16, ember.int32, ember.bool])
@pytest.mark.parametrize("fn", ["inv", "det", "slogdet", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals"])
def test_refused_dtypes(fn, dtype):
    A = ember.eye(3, dtype=dtype)
    with pytest.raises(ember.DTypeError, match=rf"linalg\.{fn}.*{str(dtype).rsplit('.', 1)[-1]}"):
        getattr(ember.linalg, fn)(A)


def test_solve_dtype_mismatch_and_vector_left_false():
    with pytest.raises(TypeError, match="same dtype"):
        ember.linalg.solve(T(np.eye(2)), T(np.ones(2), ember.float32))
    with pytest.raises(ValueError, match="left=False"):
        ember.linalg.solve(T(np.eye(2)), T(np.ones(2)), left=False)
    with pytest.raises(ValueError, match="broadcast"):
        ember.linalg.solve(T(np.ones((2, 3, 3))), T(np.ones((4, 3, 1))))


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        ember.linalg.qr(T(np.eye(2)), mode="full")
    with pytest.raises(ValueError, match="UPLO"):
        ember.linalg.eigh(T(np.eye(2)), UPLO="X")
    with pytest.raises(ValueError, match="not supported"):
        ember.linalg.matrix_norm(T(np.eye(2)), ord=3)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        ember.linalg.norm(T(np.ones((2, 2, 2))), ord=1)
    with pytest.raises(ValueError, match="length 3"):
        ember.linalg.cross(T(np.ones(4)), T(np.ones(4)))
    with pytest.raises(ValueError, match="at least 2 tensors"):
        ember.linalg.multi_dot([T(np.eye(2))])
    with pytest.raises(ValueError, match=r"Incompatible shapes of A and B for the equation AX = B \(4x4 and 3x4\)"):
        ember.linalg.solve(T(np.eye(4)), T(np.ones((2, 3, 4))))


# ---- accuracy ---------------------------------------------------------------------------------

def test_solve_ill_conditioned_backward_stable():
    # Hilbert(10) has condition ~1e13: the solution may be off, but the residual must be at
    # rounding level (partial pivoting LU is backward stable).
    A = hilbert(10)
    b = np.ones(10)
    x = to_numpy(ember.linalg.solve(T(A), T(b)))
    residual = np.linalg.norm(A @ x - b) / (np.linalg.norm(A, 2) * np.linalg.norm(x))
    assert residual < 1e-15
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-2)


def test_svd_graded_singular_values_relative_accuracy():
    # Singular values from 1 down to 1e-12; one-sided Jacobi gets the small ones to high
    # relative accuracy on a matrix with well-conditioned column scaling.
    rng = np.random.default_rng(0)
    s = np.logspace(0, -12, 8)
    U, _ = np.linalg.qr(rng.standard_normal((10, 8)))
    V, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    A = (U * s) @ V.T
    got = to_numpy(ember.linalg.svdvals(T(A)))
    np.testing.assert_allclose(got[:4], s[:4], rtol=1e-12)
    np.testing.assert_allclose(got, s, rtol=1e-3, atol=1e-15)


def test_eigh_close_eigenvalues():
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    w = np.array([1, 1 + 1e-10, 1 + 2e-10, 2, 3, -5, 0, 0, 1e-8, 7, 7, 100.0])
    A = (Q * w) @ Q.T
    got_w, V = ember.linalg.eigh(T(A))
    got_w, V = to_numpy(got_w), to_numpy(V)
    np.testing.assert_allclose(got_w, np.sort(w), atol=1e-12 * 100)
    np.testing.assert_allclose(V.T @ V, np.eye(12), atol=1e-13)
    np.testing.assert_allclose((V * got_w) @ V.T, A, atol=1e-12)


def test_det_overflow_free_and_sign():
    A = np.diag([1e200, 1e200, -1e-300])
    sign, logabs = ember.linalg.slogdet(T(A))
    assert float(sign) == -1
    assert math.isclose(float(logabs), 2 * math.log(1e200) + math.log(1e-300), rel_tol=1e-14)
    assert math.isinf(float(ember.linalg.det(T(A[:2, :2]))))  # 1e400 overflows, as in float64 products
    sign, logabs = ember.linalg.slogdet(T(np.zeros((2, 2))))
    assert float(sign) == 0 and float(logabs) == -math.inf


# ---- large matrices: the blocked LU ---------------------------------------------------------------

@pytest.mark.parametrize("n", [129, 300])
def test_blocked_lu_large(n):
    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n))
    B = rng.standard_normal((n, 3))
    X = to_numpy(ember.linalg.solve(T(A), T(B)))
    np.testing.assert_allclose(X, np.linalg.solve(A, B), rtol=1e-8, atol=1e-10)
    sign, logabs = ember.linalg.slogdet(T(A))
    ref_sign, ref_logabs = np.linalg.slogdet(A)
    assert float(sign) == ref_sign
    assert math.isclose(float(logabs), ref_logabs, rel_tol=1e-11)
    Ainv = to_numpy(ember.linalg.inv(T(A, ember.float32))).astype(np.float64)
    np.testing.assert_allclose(Ainv @ A, np.eye(n), atol=2e-3)


def test_blocked_lu_singular_column_detected():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((200, 200))
    A[:, 150] = 0  # an exactly zero pivot in the third panel
    assert float(ember.linalg.det(T(A))) == 0
    with pytest.raises(RuntimeError, match="singular"):
        ember.linalg.solve(T(A), T(np.ones(200)))
    with pytest.raises(RuntimeError, match="The diagonal element 151 is zero"):
        ember.linalg.inv(T(A))


def test_batches_in_parallel_match_one_by_one():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((64, 6, 6))
    S = A @ np.swapaxes(A, -1, -2)
    whole = to_numpy(ember.linalg.eigvalsh(T(S)))
    single = np.stack([to_numpy(ember.linalg.eigvalsh(T(S[i]))) for i in range(64)])
    np.testing.assert_array_equal(whole, single)
    np.testing.assert_allclose(whole, np.linalg.eigvalsh(S), rtol=1e-12, atol=1e-12)


def test_triangular_solve_for_backward_formulas():
    rng = np.random.default_rng(5)
    L = np.tril(rng.standard_normal((4, 4))) + 4 * np.eye(4)
    B = rng.standard_normal((2, 4, 3))
    X = to_numpy(ember.linalg.solve_triangular(T(L), T(B), upper=False))
    np.testing.assert_allclose(L @ X, B, atol=1e-12)
    Xr = to_numpy(ember.linalg.solve_triangular(T(L.T), T(np.swapaxes(B, -1, -2)), upper=True, left=False))
    np.testing.assert_allclose(Xr @ L.T, np.swapaxes(B, -1, -2), atol=1e-12)
    solution, coefficient = ember.triangular_solve(T(B), T(L), upper=False)
    np.testing.assert_allclose(to_numpy(solution), X, atol=1e-14)
    assert tuple(coefficient.shape) == (2, 4, 4)


def test_top_level_aliases_and_methods():
    A = T(np.array([[2.0, 1], [1, 3]]))
    assert math.isclose(float(ember.det(A)), 5.0)
    assert math.isclose(float(A.det()), 5.0)
    assert math.isclose(float(ember.logdet(A)), math.log(5.0))
    np.testing.assert_allclose(to_numpy(A.inverse()), np.linalg.inv(to_numpy(A)))
    np.testing.assert_allclose(to_numpy(ember.cholesky(A)), np.linalg.cholesky(to_numpy(A)))
    Q, R = ember.qr(A)
    np.testing.assert_allclose(to_numpy(Q @ R), to_numpy(A), atol=1e-14)
    U, S, V = ember.svd(A)
    np.testing.assert_allclose(to_numpy((U * S.unsqueeze(-2)) @ V.mT), to_numpy(A), atol=1e-14)
    assert math.isnan(float(ember.logdet(T(-np.eye(1)))))


# ---- parity with torch.linalg -----------------------------------------------------------------

def _torch_pair(torch, a, dtype=np.float64):
    a = np.asarray(a, dtype=dtype)
    return ember.tensor(a), torch.from_numpy(a.copy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_parity_invariants(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    A = rng.standard_normal((3, 5, 4))
    e, t = _torch_pair(torch, A, dtype)
    np.testing.assert_allclose(to_numpy(ember.linalg.svdvals(e)), torch.linalg.svdvals(t).numpy(), **tol)
    S = A[:, :4, :] @ np.swapaxes(A[:, :4, :], -1, -2)
    e, t = _torch_pair(torch, S, dtype)
    np.testing.assert_allclose(to_numpy(ember.linalg.eigvalsh(e)), torch.linalg.eigvalsh(t).numpy(), **tol)
    for ord in ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf):
        np.testing.assert_allclose(to_numpy(ember.linalg.matrix_norm(e, ord)),
                                   torch.linalg.matrix_norm(t, ord).numpy(), **tol)
    for ord in (0.5, 1, 2, 3, math.inf, -math.inf, 0):
        np.testing.assert_allclose(to_numpy(ember.linalg.vector_norm(e, ord, dim=(0, 2))),
                                   torch.linalg.vector_norm(t, ord, dim=(0, 2)).numpy(), **tol)
    se, le = ember.linalg.slogdet(e)
    st, lt = torch.linalg.slogdet(t)
    np.testing.assert_allclose(to_numpy(se), st.numpy())
    np.testing.assert_allclose(to_numpy(le), lt.numpy(), **tol)
    for mode in ("reduced", "complete", "r"):
        Qe, Re = ember.linalg.qr(ember.tensor(A.astype(dtype)), mode=mode)
        Qt, Rt = torch.linalg.qr(torch.from_numpy(A.astype(dtype)), mode=mode)
        assert tuple(Qe.shape) == tuple(Qt.shape) and tuple(Re.shape) == tuple(Rt.shape)
        np.testing.assert_allclose(np.abs(to_numpy(Re)), np.abs(Rt.numpy()), **tol)
    for full in (True, False):
        U, S_, Vh = ember.linalg.svd(ember.tensor(A.astype(dtype)), full_matrices=full)
        Ut, St, Vht = torch.linalg.svd(torch.from_numpy(A.astype(dtype)), full_matrices=full)
        assert [tuple(x.shape) for x in (U, S_, Vh)] == [tuple(x.shape) for x in (Ut, St, Vht)]


def test_torch_parity_errors():
    torch = pytest.importorskip("torch")
    for fn, A in (("inv", np.array([[1.0, 2], [2, 4]])), ("cholesky", np.array([[1.0, 2], [2, 1]]))):
        with pytest.raises(RuntimeError) as te:
            getattr(torch.linalg, fn)(torch.from_numpy(A))
        with pytest.raises(RuntimeError) as ee:
            getattr(ember.linalg, fn)(ember.tensor(A))
        assert str(ee.value) == str(te.value)
    A = np.stack([np.eye(2), [[1.0, 2], [2, 1]]])
    with pytest.raises(RuntimeError) as te:
        torch.linalg.cholesky(torch.from_numpy(A))
    with pytest.raises(RuntimeError) as ee:
        ember.linalg.cholesky(ember.tensor(A))
    assert str(ee.value) == str(te.value)


def test_torch_parity_solve_broadcast_and_lstsq():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    A = rng.standard_normal((2, 1, 4, 4)) + 4 * np.eye(4)
    for B in (rng.standard_normal((3, 4, 2)), rng.standard_normal(4), rng.standard_normal((2, 1, 4)),
              rng.standard_normal((5, 4, 4))):
        got = to_numpy(ember.linalg.solve(ember.tensor(A), ember.tensor(B)))
        want = torch.linalg.solve(torch.from_numpy(A), torch.from_numpy(B)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    A = rng.standard_normal((6, 3))
    B = rng.standard_normal((6, 2))
    for driver in ("gelsy", "gelsd", "gelss", "gels"):
        r = ember.linalg.lstsq(ember.tensor(A), ember.tensor(B), driver=driver)
        rt = torch.linalg.lstsq(torch.from_numpy(A), torch.from_numpy(B), driver=driver)
        np.testing.assert_allclose(to_numpy(r.solution), rt.solution.numpy(), rtol=1e-10, atol=1e-12)
        for got, want in zip(r[1:], rt[1:]):
            assert tuple(got.shape) == tuple(want.shape), driver
            np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-10, atol=1e-12)


_EDGE_CASES = [
    ("det 0x0", lambda l, a: l.linalg.det(a), [(0, 0)]),
    ("slogdet 0x0 batch", lambda l, a: tuple(l.linalg.slogdet(a)), [(2, 0, 0)]),
    ("eigh zero batch", lambda l, a: l.linalg.eigvalsh(a), [(0, 3, 3)]),
    ("svd no columns", lambda l, a: l.linalg.svd(a)[1], [(3, 0)]),
    ("matrix_norm 1 no columns", lambda l, a: l.linalg.matrix_norm(a, 1), [(3, 0)]),
    ("matrix_norm inf no rows", lambda l, a: l.linalg.matrix_norm(a, float("inf")), [(0, 3)]),
    ("matrix_norm 2 of 0x0", lambda l, a: l.linalg.matrix_norm(a, 2), [(2, 0, 0)]),
    ("matrix_norm nuc", lambda l, a: l.linalg.matrix_norm(a, "nuc"), [(3, 0)]),
    ("torch.svd without uv", lambda l, a: tuple(l.svd(a, compute_uv=False)), [(4, 3)]),
    ("lstsq vector B", lambda l, a, b: tuple(l.linalg.lstsq(a, b)), [(5, 3), (5,)]),
    ("lstsq gelsd wide", lambda l, a, b: tuple(l.linalg.lstsq(a, b, driver="gelsd"))[2:], [(3, 5), (3, 2)]),
    ("pinv zero batch", lambda l, a: l.linalg.pinv(a), [(0, 3, 4)]),
    ("matrix_rank no columns", lambda l, a: l.linalg.matrix_rank(a), [(2, 3, 0)]),
    ("solve right", lambda l, a, b: l.linalg.solve(a, b, left=False), [(3, 3), (2, 3)]),
    ("vector_norm keepdim", lambda l, a: l.linalg.vector_norm(a, 0, keepdim=True), [(2, 3)]),
    ("norm keepdim", lambda l, a: l.linalg.norm(a, keepdim=True), [(2, 3, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", _EDGE_CASES, ids=[c[0] for c in _EDGE_CASES])
def test_torch_parity_edge_shapes(name, fn, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal(s) for s in shapes]
    got = fn(ember, *[ember.tensor(a) for a in arrays])
    want = fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    got, want = (got, want) if isinstance(want, tuple) else ((got,), (want,))
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape)
        assert str(g.dtype).rsplit(".", 1)[-1] == str(w.dtype).rsplit(".", 1)[-1]
        np.testing.assert_allclose(to_numpy(g), w.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ord", [-1, -2, -math.inf])
def test_matrix_norm_min_over_nothing_raises(ord):
    with pytest.raises(RuntimeError, match="not defined"):
        ember.linalg.matrix_norm(T(np.zeros((2, 0, 0))), ord)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
def test_blocked_triangular_solve(upper, left):
    rng = np.random.default_rng(9)
    n, k = 200, 24  # past the blocked threshold, with enough right-hand sides to block
    A = rng.standard_normal((n, n)) / np.sqrt(n) + 2 * np.eye(n)
    Tri = np.triu(A) if upper else np.tril(A)
    B = rng.standard_normal((n, k) if left else (k, n))
    X = to_numpy(ember.linalg.solve_triangular(T(A), T(B), upper=upper, left=left))
    np.testing.assert_allclose(Tri @ X if left else X @ Tri, B, atol=1e-10)


def test_views_with_negative_steps_and_offsets():
    rng = np.random.default_rng(10)
    base = rng.standard_normal((3, 9, 12))
    view = T(base)[:, ::-2, 1::2]  # (3, 5, 6)... made square below
    A = view[:, :, :5]
    a = base[:, ::-2, 1::2][:, :, :5] + 0.0
    before = snapshot(A)
    np.testing.assert_allclose(to_numpy(ember.linalg.det(A)), np.linalg.det(a), rtol=1e-10)
    np.testing.assert_allclose(to_numpy(ember.linalg.svdvals(view)), np.linalg.svd(base[:, ::-2, 1::2],
                                                                                   compute_uv=False), rtol=1e-10)
    B = T(base)[:, ::-1, 0][:, :5]
    np.testing.assert_allclose(to_numpy(ember.linalg.solve(A, B)),
                               np.linalg.solve(a, base[:, ::-1, 0][:, :5, None])[..., 0], rtol=1e-8)
    assert_unchanged(before)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 150, 150), (140, 200)])
def test_lu_factor_matches_torch(shape):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(11).standard_normal(shape)
    LU, pivots = ember.linalg.lu_factor(ember.tensor(a))
    LUt, pivots_t = torch.linalg.lu_factor(torch.from_numpy(a.copy()))
    assert pivots.dtype == ember.int32
    np.testing.assert_array_equal(to_numpy(pivots), pivots_t.numpy())
    np.testing.assert_allclose(to_numpy(LU), LUt.numpy(), rtol=1e-9, atol=1e-11)
    P, L, U = ember.linalg.lu(ember.tensor(a))
    Pt, Lt, Ut = torch.linalg.lu(torch.from_numpy(a.copy()))
    for got, want in ((P, Pt), (L, Lt), (U, Ut)):
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-9, atol=1e-11)


def test_lu_factor_ex_reports_singular_elements():
    A = T(np.stack([np.eye(2), [[1.0, 2], [2, 4]]]))
    LU, pivots, info = ember.linalg.lu_factor_ex(A)
    np.testing.assert_array_equal(to_numpy(info), [0, 2])
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): U\[2,2\] is zero"):
        ember.linalg.lu_factor_ex(A, check_errors=True)
    with pytest.raises(ValueError, match="pivots must be in"):
        ember.linalg.lu_solve(LU, ember.zeros(2, 2, dtype=ember.int32), T(np.ones((2, 2, 1))))
