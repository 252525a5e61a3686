"""Sparse COO tensors (ember.sparse): construction, coalescing, conversions, the methods torch
offers on them, printing and bad input. Products and gradients: test_sparse_mm.py; embedding
and optimizers: test_sparse_optim.py."""
import numpy as np
import pytest

import ember

DTYPES = [ember.float32, ember.float64, ember.int64, ember.int32, ember.float16]


def _np(t):
    return np.asarray(t.detach().float().numpy() if t.dtype in (ember.bfloat16,) else t.detach().numpy())


def _random_coo(rng, shape, nnz, sparse_dim=None, dup=True, dtype=ember.float64):
    """(ember sparse tensor, numpy dense reference) with `nnz` entries, repeats allowed."""
    sparse_dim = len(shape) if sparse_dim is None else sparse_dim
    idx = np.stack([rng.integers(0, s, nnz) for s in shape[:sparse_dim]]) if nnz else \
        np.zeros((sparse_dim, 0), np.int64)
    if dup and nnz > 2:
        idx[:, -1] = idx[:, 0]  # at least one repeat
    vals = rng.standard_normal((nnz,) + tuple(shape[sparse_dim:]))
    dense = np.zeros(shape)
    for k in range(nnz):
        dense[tuple(idx[:, k])] += vals[k]
    s = ember.sparse_coo_tensor(ember.tensor(idx.astype(np.int64)), ember.tensor(vals, dtype=dtype), list(shape))
    return s, dense


def test_construction_and_metadata():
    i = ember.tensor([[0, 1, 1], [2, 0, 2]])
    v = ember.tensor([3.0, 4.0, 5.0])
    s = ember.sparse_coo_tensor(i, v, (2, 3))
    assert isinstance(s, ember.Tensor) and s.is_sparse and not v.is_sparse
    assert s.layout is ember.sparse_coo and v.layout is ember.strided
    assert repr(ember.sparse_coo) == "ember.sparse_coo" and repr(ember.strided) == "ember.strided"
    assert s.shape == (2, 3) and s.size() == (2, 3) and s.size(1) == 3 and s.size(-1) == 3
    assert s.dim() == 2 and s.ndim == 2 and s.sparse_dim() == 2 and s.dense_dim() == 0
    assert s.nnz() == 3 and s._nnz() == 3 and s.numel() == 6
    assert s.dtype == ember.float32 and str(s.device) == "cpu"
    assert not s.is_coalesced() and not s.requires_grad
    np.testing.assert_array_equal(s._indices().numpy(), [[0, 1, 1], [2, 0, 2]])
    np.testing.assert_array_equal(s._values().numpy(), [3, 4, 5])
    np.testing.assert_array_equal(s.to_dense().numpy(), [[0, 0, 3], [4, 0, 5]])


def test_size_inferred_and_lists_accepted():
    s = ember.sparse_coo_tensor([[0, 3], [1, 0]], [1.0, 2.0])
    assert s.shape == (4, 2)
    h = ember.sparse_coo_tensor([[1]], [[1.0, 2.0, 3.0]])
    assert h.shape == (2, 3) and h.sparse_dim() == 1 and h.dense_dim() == 1
    e = ember.sparse_coo_tensor(ember.zeros(2, 0, dtype=ember.int64), ember.zeros(0))
    assert e.shape == (0, 0) and e.nnz() == 0


def test_dtype_and_requires_grad_arguments():
    v = ember.tensor([1.0, 2.0])
    s = ember.sparse_coo_tensor([[0, 1]], v, [3], dtype=ember.float64, requires_grad=True)
    assert s.dtype == ember.float64 and s.requires_grad and s.is_leaf
    assert not v.requires_grad  # the caller's values are left alone
    # int32 indices are converted, as torch does
    s32 = ember.sparse_coo_tensor(ember.tensor([[0, 2]], dtype=ember.int32), v, [3])
    assert s32._indices().dtype == ember.int64


def test_is_coalesced_flag_and_coalesce_sums_duplicates():
    i = ember.tensor([[1, 0, 1, 0], [2, 1, 2, 0]])
    v = ember.tensor([1.0, 2.0, 3.0, 4.0])
    s = ember.sparse_coo_tensor(i, v, (2, 3))
    c = s.coalesce()
    assert c.is_coalesced() and c.nnz() == 3 and c.coalesce() is c
    np.testing.assert_array_equal(c.indices().numpy(), [[0, 0, 1], [0, 1, 2]])
    np.testing.assert_array_equal(c.values().numpy(), [4, 2, 4])
    np.testing.assert_array_equal(c.to_dense().numpy(), s.to_dense().numpy())
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.indices()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.values()
    assert ember.sparse_coo_tensor(i, v, (2, 3), is_coalesced=True).is_coalesced()


@pytest.mark.parametrize("dtype", DTYPES)
def test_coalesce_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for shape, nnz in [((5, 7), 30), ((3, 4, 2), 20), ((6,), 10), ((40, 50), 2000), ((4, 0), 0)]:
        idx = np.stack([rng.integers(0, max(s, 1), nnz) for s in shape]).astype(np.int64)
        vals = rng.integers(-5, 5, nnz)
        ev = ember.tensor(vals).to(dtype)
        s = ember.sparse_coo_tensor(ember.tensor(idx), ev, list(shape)).coalesce()
        t = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(vals).to(getattr(torch, str(dtype).split(".")[-1])),
                                    shape).coalesce()
        np.testing.assert_array_equal(s.indices().numpy(), t.indices().numpy())
        np.testing.assert_allclose(_np(s.values()).astype(np.float64), t.values().double().numpy())


def test_coalesce_with_dense_dims_and_big_radix_path():
    rng = np.random.default_rng(1)
    s, dense = _random_coo(rng, (30, 40, 3), 5000, sparse_dim=2)
    c = s.coalesce()
    assert c.is_coalesced()
    keys = c.indices()[0].numpy() * 40 + c.indices()[1].numpy()
    assert np.all(np.diff(keys) > 0)
    np.testing.assert_allclose(c.to_dense().numpy(), dense, rtol=1e-12, atol=1e-12)


def test_coalesce_does_not_change_its_input():
    i = ember.tensor([[2, 0, 2]])
    v = ember.tensor([1.0, 2.0, 3.0])
    s = ember.sparse_coo_tensor(i, v, [3])
    s.coalesce()
    np.testing.assert_array_equal(i.numpy(), [[2, 0, 2]])
    np.testing.assert_array_equal(v.numpy(), [1, 2, 3])


@pytest.mark.parametrize("shape,sparse_dim", [((4, 5), None), ((3, 4, 2), 1), ((3, 4, 2), 2), ((6,), None),
                                              ((0, 3), None), ((2, 3), 1)])
def test_to_sparse_round_trip(shape, sparse_dim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a = rng.standard_normal(shape) * (rng.random(shape) < 0.4)
    x = ember.tensor(a)
    s = x.to_sparse() if sparse_dim is None else x.to_sparse(sparse_dim)
    t = torch.tensor(a).to_sparse() if sparse_dim is None else torch.tensor(a).to_sparse(sparse_dim)
    assert s.is_coalesced() and s.sparse_dim() == t.sparse_dim() and s.nnz() == t._nnz()
    np.testing.assert_array_equal(s.indices().numpy(), t.indices().numpy())
    np.testing.assert_array_equal(s.values().numpy(), t.values().numpy())
    np.testing.assert_array_equal(s.to_dense().numpy(), a)
    assert x.to_sparse_coo().nnz() == torch.tensor(a).to_sparse_coo()._nnz()
    assert x.to_dense() is x and s.to_sparse() is s


def test_to_dense_with_duplicates_and_hybrid():
    rng = np.random.default_rng(3)
    for shape, sd, nnz in [((5, 6), 2, 25), ((4, 3, 2), 1, 9), ((7,), 1, 0), ((0, 4), 2, 0), ((3, 0), 1, 2)]:
        s, dense = _random_coo(rng, shape, nnz, sparse_dim=sd)
        np.testing.assert_allclose(s.to_dense().numpy(), dense, rtol=1e-12, atol=1e-12)


def test_transpose_and_t():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    s, dense = _random_coo(rng, (4, 6), 10)
    np.testing.assert_allclose(s.t().to_dense().numpy(), dense.T)
    np.testing.assert_allclose(s.transpose(0, 1).to_dense().numpy(), dense.T)
    assert s.t().shape == (6, 4) and not s.t().is_coalesced()
    h, hd = _random_coo(rng, (3, 4, 2, 5), 6, sparse_dim=2)
    np.testing.assert_allclose(h.transpose(2, 3).to_dense().numpy(), hd.transpose(0, 1, 3, 2))
    np.testing.assert_allclose(h.transpose(0, 1).to_dense().numpy(), hd.transpose(1, 0, 2, 3))
    with pytest.raises(RuntimeError, match="sparse dim with a dense dim"):
        h.transpose(0, 2)
    with pytest.raises(RuntimeError, match="t\\(\\) expects"):
        h.t()
    assert torch.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0]).t().is_coalesced() == s.t().is_coalesced()


def test_arithmetic_matches_dense():
    rng = np.random.default_rng(5)
    a, ad = _random_coo(rng, (4, 5), 8)
    b, bd = _random_coo(rng, (4, 5), 6)
    d = rng.standard_normal((4, 5))
    D = ember.tensor(d)
    np.testing.assert_allclose((a * 2.5).to_dense().numpy(), ad * 2.5)
    np.testing.assert_allclose((3 * a).to_dense().numpy(), ad * 3)
    np.testing.assert_allclose(a.mul(ember.tensor(2.0, dtype=ember.float64)).to_dense().numpy(), ad * 2)
    np.testing.assert_allclose((a / 4).to_dense().numpy(), ad / 4)
    np.testing.assert_allclose((-a).to_dense().numpy(), -ad)
    np.testing.assert_allclose((a + b).to_dense().numpy(), ad + bd)
    np.testing.assert_allclose(a.add(b, alpha=2).to_dense().numpy(), ad + 2 * bd)
    np.testing.assert_allclose((a - b).to_dense().numpy(), ad - bd)
    assert (a + b).is_sparse and not (a + D).is_sparse and not (D + a).is_sparse
    np.testing.assert_allclose((a + D).numpy(), ad + d)
    np.testing.assert_allclose((D + a).numpy(), ad + d)
    np.testing.assert_allclose((D - a).numpy(), d - ad)
    np.testing.assert_allclose((a * D).to_dense().numpy(), ad * d)
    ac, bc = a.coalesce(), b.coalesce()
    assert (ac + bc).is_coalesced() and not (a + b).is_coalesced()
    with pytest.raises(NotImplementedError, match="sparse"):
        a + 1
    with pytest.raises(RuntimeError, match="sizes must match"):
        a + ember.sparse_coo_tensor([[0], [0]], [1.0], (5, 5))


def test_sum_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    s, dense = _random_coo(rng, (4, 5, 3), 12, sparse_dim=2)
    t = torch.sparse_coo_tensor(torch.tensor(s._indices().numpy()), torch.tensor(s._values().numpy()), (4, 5, 3))
    np.testing.assert_allclose(s.sum().numpy(), dense.sum())
    np.testing.assert_allclose(ember.sparse.sum(s).numpy(), dense.sum())
    for dim in [0, 1, 2, (0, 2), (0, 1), -1]:
        ours, theirs = ember.sparse.sum(s, dim), torch.sparse.sum(t, dim)
        assert ours.is_sparse == theirs.is_sparse
        np.testing.assert_allclose(ours.to_dense().numpy(), theirs.to_dense().numpy(), rtol=1e-12)
    with pytest.raises(TypeError, match="sparse"):
        ember.sparse.sum(ember.ones(2))


def test_conversions_clone_detach():
    s = ember.sparse_coo_tensor([[0, 1]], [1.0, 2.0], [3], requires_grad=True)
    d = s.double()
    assert d.dtype == ember.float64 and d.is_sparse and d.requires_grad and not d.is_leaf
    assert s.to(ember.float64).dtype == ember.float64 and s.to("cpu") is s
    c = s.clone()
    assert c.is_sparse and c.requires_grad and c._values().data_ptr() != s._values().data_ptr()
    e = s.detach()
    assert not e.requires_grad and s.requires_grad
    assert s.requires_grad_(False) is s and not s.requires_grad
    with pytest.raises(RuntimeError, match="CPU"):
        s.to("cuda")


def test_repr_matches_torch_but_for_the_library_name():
    torch = pytest.importorskip("torch")
    i, v = [[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0]
    ours = repr(ember.sparse_coo_tensor(i, v, (2, 3)))
    theirs = repr(torch.sparse_coo_tensor(i, v, (2, 3))).replace("torch.", "ember.")
    assert ours == theirs
    ours = repr(ember.sparse_coo_tensor(i, ember.ones(3, 2), (2, 3, 2)))
    theirs = repr(torch.sparse_coo_tensor(i, torch.ones(3, 2), (2, 3, 2))).replace("torch.", "ember.")
    assert ours == theirs
    r = repr(ember.sparse_coo_tensor(i, v, (2, 3), dtype=ember.float64, requires_grad=True))
    assert "dtype=ember.float64" in r and r.endswith("layout=ember.sparse_coo, requires_grad=True)")
    assert repr(ember.sparse_coo_tensor(ember.zeros(2, 0, dtype=ember.int64), ember.zeros(0), (3, 3))) == \
        repr(torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), (3, 3))).replace("torch.", "ember.")


# ---- bad input ---------------------------------------------------------------------------------

def test_indices_out_of_range_raise():
    with pytest.raises(RuntimeError, match="size is inconsistent with indices: for dim 0, size is 3 but found index 5"):
        ember.sparse_coo_tensor([[0, 5]], [1.0, 2.0], [3])
    with pytest.raises(RuntimeError, match="found negative index -1 for dim 1"):
        ember.sparse_coo_tensor([[0, 1], [0, -1]], [1.0, 2.0], [3, 3])


def test_wrong_dims_raise():
    with pytest.raises(RuntimeError, match="sparse_dim x nnz"):
        ember.sparse_coo_tensor(ember.tensor([0, 1]), ember.tensor([1.0, 2.0]), [3])
    with pytest.raises(RuntimeError, match="same nnz"):
        ember.sparse_coo_tensor([[0, 1]], [1.0, 2.0, 3.0], [3])
    with pytest.raises(RuntimeError, match="len\\(size\\) == sparse_dim \\+ dense_dim"):
        ember.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], [3, 3, 3])
    with pytest.raises(RuntimeError, match="dense sizes"):
        ember.sparse_coo_tensor([[0, 1]], ember.ones(2, 3), [3, 4])
    with pytest.raises(TypeError, match="int64"):
        ember.sparse_coo_tensor(ember.tensor([[True, False]]), [1.0, 2.0], [3])


def test_dense_ops_refuse_sparse_operands_naming_the_op():
    s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
    with pytest.raises(NotImplementedError, match="exp.*sparse"):
        ember.exp(s)
    with pytest.raises(NotImplementedError, match="view.*sparse"):
        s.view(4)
    with pytest.raises(NotImplementedError, match="sparse"):
        s.numpy()
    with pytest.raises(NotImplementedError, match="relu.*sparse"):
        ember.nn.functional.relu(s)
    with pytest.raises(NotImplementedError, match="sparse"):
        s[0]


def test_pickle_and_deepcopy_round_trip():
    import copy
    import pickle
    s = ember.sparse_coo_tensor([[0, 2, 2], [1, 0, 0]], [1.0, 2.0, 3.0], (3, 2), requires_grad=True)
    for other in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s)):
        assert other.is_sparse and other.shape == s.shape and not other.requires_grad
        np.testing.assert_array_equal(other.to_dense().detach().numpy(), s.to_dense().detach().numpy())
