"""Sparse x dense products (ember.sparse.mm and the spellings that reach it): values against
numpy and torch, gradients to the dense operand and to the sparse values (gradcheck in float64
and parity with torch.autograd), softmax, bad input, and a two-layer GCN trained side by side
with torch."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck

SHAPES = [  # (rows, cols, n, nnz)
    (5, 7, 3, 12), (1, 1, 1, 1), (30, 20, 17, 150), (8, 6, 4, 0), (0, 5, 3, 0), (4, 0, 3, 0), (6, 5, 0, 9),
    (64, 64, 33, 1000),
]


def _coo(rng, rows, cols, nnz, dtype=ember.float64, requires_grad=False):
    idx = np.stack([rng.integers(0, max(rows, 1), nnz), rng.integers(0, max(cols, 1), nnz)]).astype(np.int64)
    if nnz > 3:
        idx[:, 1] = idx[:, 0]  # a repeated entry: uncoalesced input
    vals = rng.standard_normal(nnz)
    dense = np.zeros((rows, cols))
    np.add.at(dense, (idx[0], idx[1]), vals)
    v = ember.tensor(vals, dtype=dtype, requires_grad=requires_grad)
    return ember.sparse_coo_tensor(ember.tensor(idx), v, (rows, cols)), v, idx, vals, dense


@pytest.mark.parametrize("rows,cols,n,nnz", SHAPES)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_spmm_values(rows, cols, n, nnz, dtype):
    rng = np.random.default_rng(rows * 100 + nnz)
    s, _, _, _, dense = _coo(rng, rows, cols, nnz, dtype)
    d = rng.standard_normal((cols, n))
    out = ember.sparse.mm(s, ember.tensor(d, dtype=dtype))
    assert out.shape == (rows, n) and out.dtype == dtype and not out.is_sparse
    tol = 1e-12 if dtype == ember.float64 else 1e-5
    np.testing.assert_allclose(out.numpy(), dense @ d, rtol=tol, atol=tol)


def test_spmm_low_precision_and_noncontiguous_dense():
    rng = np.random.default_rng(7)
    s, _, _, _, dense = _coo(rng, 9, 11, 30, ember.float32)
    d = rng.standard_normal((6, 11)).astype(np.float32)
    D = ember.tensor(d).t()  # a transposed view
    np.testing.assert_allclose(ember.sparse.mm(s, D).numpy(), dense @ d.T, rtol=1e-5, atol=1e-5)
    for low in (ember.float16, ember.bfloat16):
        out = ember.sparse.mm(s.to(low), ember.tensor(d.T.copy()).to(low))
        assert out.dtype == low
        np.testing.assert_allclose(out.float().numpy(), dense @ d.T, rtol=5e-2, atol=5e-2)


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(17)
    s, _, _, _, _ = _coo(rng, 300, 200, 4000, ember.float32)
    d = ember.tensor(rng.standard_normal((200, 40)).astype(np.float32))
    threads = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        one = ember.sparse.mm(s, d).numpy().copy()
        ember.set_num_threads(2)
        two = ember.sparse.mm(s, d).numpy()
    finally:
        ember.set_num_threads(threads)
    np.testing.assert_array_equal(one, two)


def test_every_spelling_of_the_product():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    s, _, idx, vals, dense = _coo(rng, 6, 5, 14)
    d = rng.standard_normal((5, 3))
    D = ember.tensor(d)
    ts = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(vals), (6, 5))
    td = torch.tensor(d)
    expected = (ts @ td).numpy()
    for out in (ember.sparse.mm(s, D), ember.spmm(s, D), ember.mm(s, D), ember.matmul(s, D), s @ D, s.mm(D),
                s.matmul(D)):
        assert not out.is_sparse
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    smm = ember.smm(s, D)
    assert smm.is_sparse == torch.smm(ts, td).is_sparse
    np.testing.assert_allclose(smm.to_dense().numpy(), expected, rtol=1e-12)
    v = rng.standard_normal(5)
    np.testing.assert_allclose((s @ ember.tensor(v)).numpy(), dense @ v, rtol=1e-12)
    left = rng.standard_normal((4, 6))
    np.testing.assert_allclose((ember.tensor(left) @ s).numpy(), left @ dense, rtol=1e-12)
    np.testing.assert_allclose(ember.mm(ember.tensor(left), s).numpy(), left @ dense, rtol=1e-12)
    m = rng.standard_normal((6, 3))
    np.testing.assert_allclose(ember.sparse.addmm(ember.tensor(m), s, D, beta=0.5, alpha=2.0).numpy(),
                               torch.sparse.addmm(torch.tensor(m), ts, td, beta=0.5, alpha=2.0).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ember.addmm(ember.tensor(m), s, D).numpy(), m + dense @ d, rtol=1e-12)
    out = ember.empty(6, 3, dtype=ember.float64)
    assert ember.mm(s, D, out=out) is out
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    s2, _, _, _, dense2 = _coo(rng, 5, 4, 7)
    prod = ember.sparse.mm(s, s2)
    assert prod.is_sparse
    np.testing.assert_allclose(prod.to_dense().numpy(), dense @ dense2, rtol=1e-12)


def test_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    s, v, idx, vals, _ = _coo(rng, 7, 6, 20, requires_grad=True)
    d = rng.standard_normal((6, 4))
    g = rng.standard_normal((7, 4))
    D = ember.tensor(d, requires_grad=True)
    out = ember.sparse.mm(s, D)
    out.backward(ember.tensor(g))
    tv = torch.tensor(vals, requires_grad=True)
    td = torch.tensor(d, requires_grad=True)
    torch.sparse.mm(torch.sparse_coo_tensor(torch.tensor(idx), tv, (7, 6)), td).backward(torch.tensor(g))
    np.testing.assert_allclose(D.grad.numpy(), td.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-12)


def test_leaf_sparse_gets_a_sparse_grad_on_its_pattern():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    idx = np.array([[0, 2, 1, 2], [1, 0, 1, 0]])
    vals = rng.standard_normal(4)
    d = rng.standard_normal((2, 3))
    s = ember.sparse_coo_tensor(ember.tensor(idx), ember.tensor(vals), (3, 2), requires_grad=True)
    ember.sparse.mm(s, ember.tensor(d)).sum().backward()
    ts = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(vals), (3, 2), requires_grad=True)
    torch.sparse.mm(ts, torch.tensor(d)).sum().backward()
    assert s.grad.is_sparse and ts.grad.is_sparse
    np.testing.assert_allclose(s.grad.to_dense().numpy(), ts.grad.to_dense().numpy(), rtol=1e-12)
    assert s.grad.is_coalesced() == ts.grad.is_coalesced()
    np.testing.assert_array_equal(s.grad._indices().numpy(), ts.grad._indices().numpy())
    np.testing.assert_allclose(s.grad._values().numpy(), ts.grad._values().numpy(), rtol=1e-12)


def test_dense_at_sparse_gradients():
    rng = np.random.default_rng(11)
    s, v, _, _, _ = _coo(rng, 4, 5, 9, requires_grad=True)
    left = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda a, b: a @ ember.sparse_coo_tensor(s._indices(), b, (4, 5)), (left, v))


@pytest.mark.parametrize("rows,cols,n,nnz", [(5, 4, 3, 9), (3, 3, 2, 1), (4, 6, 1, 0), (6, 2, 5, 12)])
def test_gradcheck_spmm_dense_and_values(rows, cols, n, nnz):
    rng = np.random.default_rng(12 + nnz)
    s, v, idx, _, _ = _coo(rng, rows, cols, nnz, requires_grad=True)
    d = ember.tensor(rng.standard_normal((cols, n)), requires_grad=True)
    indices = ember.tensor(idx)

    def f(values, dense):
        return ember.sparse.mm(ember.sparse_coo_tensor(indices, values, (rows, cols)), dense)
    assert gradcheck(f, (v, d))


def test_second_derivatives_through_the_rules():
    rng = np.random.default_rng(13)
    _, v, idx, _, _ = _coo(rng, 4, 3, 7, requires_grad=True)
    d = ember.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    indices = ember.tensor(idx)

    def f(values, dense):
        return ember.sparse.mm(ember.sparse_coo_tensor(indices, values, (4, 3)), dense)
    assert ember.autograd.gradgradcheck(f, (v, d))


def test_coalesce_and_to_dense_are_differentiable():
    rng = np.random.default_rng(14)
    idx = ember.tensor([[1, 0, 1, 2], [0, 2, 0, 1]])
    v = ember.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x: ember.sparse_coo_tensor(idx, x, (3, 3)).coalesce().values(), (v,))
    assert gradcheck(lambda x: ember.sparse_coo_tensor(idx, x, (3, 3)).to_dense(), (v,))
    x = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda t: (t.to_sparse() * 3.0).to_dense(), (x,))
    assert gradcheck(lambda t: ember.sparse.sum(t.to_sparse(), 1).to_dense(), (x,))


@pytest.mark.parametrize("log", [False, True])
def test_softmax_matches_torch(log):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(15)
    idx = np.array([[0, 0, 1, 2, 2, 2], [0, 3, 1, 0, 2, 3]])
    vals = rng.standard_normal(6) * 10
    s = ember.sparse_coo_tensor(ember.tensor(idx), ember.tensor(vals, requires_grad=True), (3, 4))
    t = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(vals, requires_grad=True), (3, 4))
    f, tf = (ember.sparse.log_softmax, torch.sparse.log_softmax) if log else (ember.sparse.softmax,
                                                                                torch.sparse.softmax)
    for dim in (0, 1):
        ours, theirs = f(s, dim), tf(t, dim)
        np.testing.assert_allclose(ours.to_dense().detach().numpy(), theirs.to_dense().detach().numpy(), rtol=1e-10,
                                   atol=1e-14)
    v = ember.tensor(vals, requires_grad=True)
    assert gradcheck(lambda x: f(ember.sparse_coo_tensor(ember.tensor(idx), x, (3, 4)), 1).values(), (v,))
    g = rng.standard_normal(6)
    out = f(ember.sparse_coo_tensor(ember.tensor(idx), v, (3, 4)), 1)
    (out.values() * ember.tensor(g)).sum().backward()
    tv = torch.tensor(vals, requires_grad=True)
    theirs = tf(torch.sparse_coo_tensor(torch.tensor(idx), tv, (3, 4)), 1).coalesce().values()
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-9, atol=1e-12)


# ---- bad input ------------------------------------------------------------------------------------

def test_product_errors():
    s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 3))
    with pytest.raises(TypeError, match="float32.*float64"):
        ember.sparse.mm(s, ember.ones(3, 2, dtype=ember.float64))
    with pytest.raises(ValueError, match="cannot be multiplied"):
        ember.sparse.mm(s, ember.ones(4, 2))
    with pytest.raises(RuntimeError, match="2-D dense"):
        ember.sparse.mm(s, ember.ones(2, 3, 4))
    h = ember.sparse_coo_tensor([[0, 1]], ember.ones(2, 3), (2, 3))
    with pytest.raises(RuntimeError, match="2 sparse dims"):
        ember.sparse.mm(h, ember.ones(3, 2))
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.sparse.mm(s, [[1.0]])
    with pytest.raises(TypeError, match="floating-point"):
        ember.sparse.mm(ember.sparse_coo_tensor([[0], [1]], [1], (2, 3)), ember.ones(3, 2, dtype=ember.int64))


def test_native_kernels_check_their_arguments():
    """The _C entry points are public C++ functions too: bad parts raise, never crash."""
    C = ember._C
    idx = ember.tensor([[0, 1], [1, 5]])._impl
    with pytest.raises(RuntimeError, match="found index 5"):
        C.sparse_sampled_dot(idx, ember.ones(2, 3)._impl, ember.ones(2, 3)._impl)
    with pytest.raises(TypeError, match="int64"):
        C.sparse_mm(ember.tensor([[0.0], [1.0]])._impl, ember.ones(1)._impl, [2, 2], ember.ones(2, 2)._impl)
    with pytest.raises(ValueError, match="nnz"):
        C.sparse_mm(ember.tensor([[0], [1]])._impl, ember.ones(2)._impl, [2, 2], ember.ones(2, 2)._impl)


# ---- a two-layer GCN, side by side with torch --------------------------------------------------------

def _normalized_adjacency(rng, n, edges):
    src = rng.integers(0, n, edges)
    dst = rng.integers(0, n, edges)
    a = np.zeros((n, n))
    a[src, dst] = 1
    a[dst, src] = 1
    a += np.eye(n)
    deg = a.sum(1)
    norm = a / np.sqrt(deg[:, None] * deg[None, :])
    r, c = np.nonzero(norm)
    return np.stack([r, c]).astype(np.int64), norm[r, c]


def test_gcn_trains_and_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(16)
    n, f, h, classes = 40, 8, 16, 3
    idx, vals = _normalized_adjacency(rng, n, 80)
    x = rng.standard_normal((n, f)).astype(np.float32)
    y = rng.integers(0, classes, n)
    w1 = (rng.standard_normal((f, h)) * 0.3).astype(np.float32)
    w2 = (rng.standard_normal((h, classes)) * 0.3).astype(np.float32)
    edge_w = np.ones(len(vals), np.float32)

    def run(lib, sparse_mm):
        adj_idx = lib.tensor(idx)
        adj_vals = lib.tensor(vals.astype(np.float32))
        X, Y = lib.tensor(x), lib.tensor(y)
        W1 = lib.nn.Parameter(lib.tensor(w1))
        W2 = lib.nn.Parameter(lib.tensor(w2))
        E = lib.nn.Parameter(lib.tensor(edge_w))  # learnable edge weights
        opt = lib.optim.Adam([W1, W2, E], lr=0.05)
        losses = []
        for _ in range(8):
            adj = lib.sparse_coo_tensor(adj_idx, adj_vals * E, (n, n))
            hidden = lib.relu(sparse_mm(adj, X @ W1))
            logits = sparse_mm(adj, hidden @ W2)
            loss = lib.nn.functional.cross_entropy(logits, Y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, E.detach().numpy(), W1.detach().numpy()

    ours, e_ours, w_ours = run(ember, ember.sparse.mm)
    theirs, e_theirs, w_theirs = run(torch, torch.sparse.mm)
    assert ours[-1] < ours[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(e_ours, e_theirs, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-3, atol=1e-4)
