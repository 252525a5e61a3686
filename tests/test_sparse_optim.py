"""Sparse gradients in training: nn.Embedding(sparse=True) / F.embedding(sparse=True) give sparse
COO weight gradients, and optim.SparseAdam and optim.SGD step with them along torch's
trajectories."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F


def _embedding_grad(lib, weight, ids, **kw):
    w = lib.tensor(weight, requires_grad=True)
    out = lib.nn.functional.embedding(lib.tensor(ids), w, sparse=True, **kw)
    (out * lib.tensor(np.arange(out.numel(), dtype=weight.dtype).reshape(out.shape))).sum().backward()
    return w.grad


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 1}, {"padding_idx": -1}])
def test_sparse_embedding_gradient_matches_torch(kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((6, 3))
    ids = np.array([[1, 3, 1], [0, 5, 1]])
    ours, theirs = _embedding_grad(ember, weight, ids, **kw), _embedding_grad(torch, weight, ids, **kw)
    assert ours.is_sparse and theirs.is_sparse
    assert ours.is_coalesced() == theirs.is_coalesced()
    np.testing.assert_array_equal(ours._indices().numpy(), theirs._indices().numpy())
    np.testing.assert_allclose(ours._values().numpy(), theirs._values().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.to_dense().numpy(), theirs.to_dense().numpy(), rtol=1e-12)


def test_scale_grad_by_freq_is_refused_with_sparse_gradients():
    torch = pytest.importorskip("torch")
    weight, ids = np.ones((4, 2)), np.array([0, 1, 1])
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse gradients"):
            _embedding_grad(lib, weight, ids, scale_grad_by_freq=True)


def test_sparse_gradients_accumulate_over_two_backward_passes():
    w = ember.tensor(np.ones((4, 2)), requires_grad=True)
    for ids in ([0, 2], [2, 3]):
        F.embedding(ember.tensor(ids), w, sparse=True).sum().backward()
    assert w.grad.is_sparse and w.grad.nnz() == 4
    np.testing.assert_allclose(w.grad.to_dense().numpy(), [[1, 1], [0, 0], [2, 2], [1, 1]])
    # a sparse and a dense use of the same weight in one graph sum to a dense gradient
    w2 = ember.tensor(np.ones((4, 2)), requires_grad=True)
    (F.embedding(ember.tensor([1]), w2, sparse=True).sum() + w2.sum()).backward()
    np.testing.assert_allclose(w2.grad.to_dense().numpy(), [[1, 1], [2, 2], [1, 1], [1, 1]])


def test_module_with_sparse_true():
    emb = ember.nn.Embedding(10, 4, sparse=True)
    emb(ember.tensor([[1, 2], [2, 9]])).sum().backward()
    assert emb.weight.grad.is_sparse and emb.weight.grad.shape == (10, 4)
    emb.zero_grad()
    assert emb.weight.grad is None


def _train(lib, opt_name, weight, batches, **opt_kw):
    emb = lib.nn.Embedding(weight.shape[0], weight.shape[1], sparse=True)
    with lib.no_grad():
        emb.weight.copy_(lib.tensor(weight))
    opt = getattr(lib.optim, opt_name)(emb.parameters(), **opt_kw)
    losses = []
    for ids, target in batches:
        opt.zero_grad()
        loss = ((emb(lib.tensor(ids)) - lib.tensor(target)) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, emb.weight.detach().numpy()


@pytest.mark.parametrize("opt_name,kw", [("SparseAdam", {"lr": 0.1}),
                                         ("SparseAdam", {"lr": 0.05, "betas": (0.8, 0.9), "maximize": False}),
                                         ("SGD", {"lr": 0.5}), ("SGD", {"lr": 0.2, "momentum": 0.9}),
                                         ("SGD", {"lr": 0.2, "momentum": 0.5, "nesterov": True})])
def test_trajectory_matches_torch(opt_name, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((12, 5)).astype(np.float32)
    batches = [(rng.integers(0, 12, (4, 3)), rng.standard_normal((4, 3, 5)).astype(np.float32)) for _ in range(6)]
    ours, w_ours = _train(ember, opt_name, weight, batches, **kw)
    theirs, w_theirs = _train(torch, opt_name, weight, batches, **kw)
    assert ours[-1] < ours[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-5, atol=1e-6)


def test_sgd_refuses_weight_decay_with_sparse_gradients_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    weight = rng.standard_normal((5, 2)).astype(np.float32)
    batch = [(np.array([1, 2]), np.zeros((2, 2), np.float32))]
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="not supported"):
            _train(lib, "SGD", weight, batch, lr=0.1, weight_decay=0.1)


def test_sparse_adam_touches_only_looked_up_rows():
    weight = np.ones((5, 2), np.float32)
    emb = ember.nn.Embedding(5, 2, sparse=True)
    with ember.no_grad():
        emb.weight.copy_(ember.tensor(weight))
    opt = ember.optim.SparseAdam(emb.parameters(), lr=0.1)
    emb(ember.tensor([1, 3, 1])).sum().backward()
    opt.step()
    w = emb.weight.detach().numpy()
    np.testing.assert_array_equal(w[[0, 2, 4]], weight[[0, 2, 4]])
    assert np.all(w[[1, 3]] < 1)


def test_sparse_adam_refuses_dense_gradients_and_bad_arguments():
    p = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.SparseAdam([p])
    (p * 2).sum().backward()
    with pytest.raises(RuntimeError, match="does not support dense gradients"):
        opt.step()
    with pytest.raises(ValueError, match="learning rate"):
        ember.optim.SparseAdam([p], lr=-1)
    with pytest.raises(ValueError, match="beta"):
        ember.optim.SparseAdam([p], betas=(1.0, 0.9))
