"""embedding beyond the op database: max_norm against PyTorch, padding_idx in the forward,
torch.embedding's argument order, bad input leaving the weight unchanged."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import to_numpy


def test_padding_idx_forward_keeps_values():
    w = ember.tensor(np.arange(12.0).reshape(4, 3))
    out = F.embedding(ember.tensor([2, 0]), w, padding_idx=2)
    np.testing.assert_array_equal(to_numpy(out), [[6, 7, 8], [0, 1, 2]])


def test_top_level_weight_first():
    w = ember.tensor(np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(to_numpy(ember.embedding(w, ember.tensor([[3]]))), [[[9, 10, 11]]])


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_max_norm_against_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((6, 4)) * 3
    idx = np.array([[0, 2, 2], [5, 0, 1]])
    w = ember.tensor(weight)
    tw = torch.tensor(weight)
    out = F.embedding(ember.tensor(idx), w, max_norm=1.5, norm_type=norm_type)
    tout = torch.nn.functional.embedding(torch.tensor(idx), tw, max_norm=1.5, norm_type=norm_type)
    np.testing.assert_allclose(to_numpy(out), tout.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(w), tw.numpy(), rtol=1e-12)  # renormed in place, like torch


def test_large_table_multithreaded():
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((1000, 64)).astype(np.float32)
    idx = rng.integers(0, 1000, size=(64, 50))
    out = F.embedding(ember.tensor(idx), ember.tensor(weight))
    np.testing.assert_array_equal(to_numpy(out), weight[idx])


def test_out_of_range_leaves_weight_unchanged():
    w = ember.ones((3, 2))
    with pytest.raises(IndexError, match="index 3 is out of range for num_embeddings 3"):
        F.embedding(ember.tensor([0, 3]), w, max_norm=0.5)
    np.testing.assert_array_equal(to_numpy(w), 1.0)
    with pytest.raises(TypeError, match="must be Tensor"):
        F.embedding([0, 1], w)
