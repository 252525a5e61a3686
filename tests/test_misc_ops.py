"""Focused tests of _misc_ops.py beyond the op database: Tensor methods and in-place forms,
Python results (allclose, equal), named results, PyTorch's integer and dtype rules, and long
scans."""
import math

import numpy as np
import pytest

import ember
from conftest import to_numpy


def test_tensor_methods_match_functions():
    x = ember.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    y = ember.tensor([[1.0, -2.0, 3.5], [0.5, 4.0, -1.0]])
    assert x.allclose(x) is True and x.equal(y) is False
    np.testing.assert_array_equal(to_numpy(x.isclose(y)), to_numpy(ember.isclose(x, y)))
    np.testing.assert_array_equal(to_numpy(x.diff(dim=0)), to_numpy(ember.diff(x, dim=0)))
    np.testing.assert_array_equal(to_numpy(x.rot90()), np.rot90(to_numpy(x)))
    np.testing.assert_array_equal(to_numpy(x.cummax(1).values), np.maximum.accumulate(to_numpy(x), 1))
    np.testing.assert_array_equal(to_numpy(x.cummin(0).values), np.minimum.accumulate(to_numpy(x), 0))
    np.testing.assert_allclose(to_numpy(x.logcumsumexp(1)), np.logaddexp.accumulate(to_numpy(x), 1), rtol=1e-6)
    assert to_numpy(ember.tensor([1, 1, 3]).bincount()).tolist() == [0, 2, 0, 1]
    assert to_numpy(x.histc(bins=2, min=-2, max=4)).tolist() == [3.0, 3.0]


def test_inplace_forms_write_the_input():
    x = ember.tensor([1.0, float("nan"), float("inf"), 4.0])
    assert x.nan_to_num_(posinf=9.0) is x
    assert to_numpy(x).tolist() == [1.0, 0.0, 9.0, 4.0]
    x.clamp_min_(2.0).clamp_max_(5.0)
    assert to_numpy(x).tolist() == [2.0, 2.0, 5.0, 4.0]
    x.lerp_(ember.zeros(4), 0.5)
    assert to_numpy(x).tolist() == [1.0, 1.0, 2.5, 2.0]
    x.addcmul_(x, x, value=2).addcdiv_(ember.ones(4), ember.full((4,), 2.0))
    assert to_numpy(x).tolist() == [3.5, 3.5, 15.5, 10.5]


def test_named_results():
    r = ember.cummax(ember.tensor([1, 3, 2, 3]), 0)
    assert type(r).__name__ == "cummax" and r._fields == ("values", "indices")
    assert to_numpy(r.indices).tolist() == [0, 1, 1, 3] and r.indices.dtype == ember.int64
    values, indices = ember.cummin(ember.tensor([3, 1, 2, 1]), 0)
    assert to_numpy(values).tolist() == [3, 1, 1, 1] and to_numpy(indices).tolist() == [0, 1, 1, 3]


def test_cdist_matrix_product_path_clamps_coincident_points():
    x = ember.tensor(np.random.default_rng(0).normal(size=(30, 4)))
    d = ember.cdist(x, x)
    assert not np.isnan(to_numpy(d)).any()
    np.testing.assert_allclose(np.diag(to_numpy(d)), 0.0, atol=1e-6)


def test_against_torch_rules():
    torch = pytest.importorskip("torch")
    # integral addcmul truncates value
    for value in (0.5, 1.7, -2):
        got = ember.addcmul(ember.tensor([1, 2]), ember.tensor([3, 4]), ember.tensor([1, 2]), value=value)
        want = torch.addcmul(torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([1, 2]), value=value)
        assert got.dtype == ember.int64 and to_numpy(got).tolist() == want.tolist()
    # bincount weights: float32 stays, other weights sum in float64
    for np_dtype, torch_dtype in ((np.float32, torch.float32), (np.float64, torch.float64), (np.int32, torch.int32)):
        got = ember.bincount(ember.tensor([0, 2, 2]), ember.tensor(np.array([1, 2, 3], dtype=np_dtype)))
        want = torch.bincount(torch.tensor([0, 2, 2]), torch.tensor([1, 2, 3], dtype=torch_dtype))
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        assert to_numpy(got).tolist() == want.tolist()


def test_long_scans_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = np.round(rng.normal(size=(3, 1000)) * 4)  # many ties
    for op in ("cummax", "cummin"):
        got = getattr(ember, op)(ember.tensor(a), 1)
        want = getattr(torch, op)(torch.tensor(a), 1)
        np.testing.assert_array_equal(to_numpy(got.values), want.values.numpy())
        np.testing.assert_array_equal(to_numpy(got.indices), want.indices.numpy())
    b = rng.normal(size=(2, 513)) * 50
    b[0, 100:110] = -math.inf
    np.testing.assert_allclose(to_numpy(ember.logcumsumexp(ember.tensor(b), 1)),
                               torch.logcumsumexp(torch.tensor(b), 1).numpy(), rtol=1e-12)


def test_cov_weights_promote_and_too_few_observations_warn():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).normal(size=(2, 5)).astype(np.float32)
    w = np.array([0.5, 1.0, 2.0, 0.1, 1.0])
    got = ember.cov(ember.tensor(a), aweights=ember.tensor(w))
    want = torch.cov(torch.tensor(a), aweights=torch.tensor(w))
    assert got.dtype == ember.float64 and want.dtype == torch.float64
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert np.isnan(to_numpy(ember.cov(ember.tensor([1.0]))))
