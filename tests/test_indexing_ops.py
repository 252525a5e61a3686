"""The index ops beyond what the op database expresses: in-place forms (self returned, one
version bump, nothing written on bad input), negative indices (ember wraps them in every op),
repeated indices in the accumulating kernels at sizes that use threads, and the gradients
these kernels compute (finite differences, and torch.autograd where installed)."""
import numpy as np
import pytest

import ember
from conftest import assert_close, assert_equal, to_numpy
from op_db import assert_vjp
from op_db_indexing import (np_gather, np_index_put_dim, np_index_select, np_masked_scatter, np_scatter,
                            np_take_along_dim)


def _t(a):
    return ember.tensor(a)


# ---- in-place forms ------------------------------------------------------------------------------

INPLACE = [
    ("index_add_", lambda x: x.index_add_(0, _t([2, 0, 2]), ember.ones(3, 4), alpha=2),
     lambda a: np_index_put_dim(a, 0, np.array([2, 0, 2]), np.ones((3, 4)), accumulate=True, alpha=2)),
    ("index_copy_", lambda x: x.index_copy_(1, _t([3, 0]), ember.ones(3, 2)),
     lambda a: np_index_put_dim(a, 1, np.array([3, 0]), np.ones((3, 2)))),
    ("index_fill_", lambda x: x.index_fill_(1, _t([1, 1]), -1.5),
     lambda a: np_index_put_dim(a, 1, np.array([1, 1]), -1.5)),
    ("scatter_", lambda x: x.scatter_(0, _t([[2, 0, 1, 0]]), ember.full((1, 4), 9.0)),
     lambda a: np_scatter(a, 0, np.array([[2, 0, 1, 0]]), np.full((1, 4), 9.0))),
    ("scatter_ value", lambda x: x.scatter_(1, _t([[0], [3], [1]]), value=4.0),
     lambda a: np_scatter(a, 1, np.array([[0], [3], [1]]), 4.0)),
    ("scatter_add_", lambda x: x.scatter_add_(1, _t([[0, 0, 3]] * 3), ember.ones(3, 3)),
     lambda a: np_scatter(a, 1, np.array([[0, 0, 3]] * 3), np.ones((3, 3)), accumulate=True)),
    ("scatter_ reduce add", lambda x: x.scatter_(1, _t([[0, 0]] * 3), 1.0, reduce="add"),
     lambda a: np_scatter(a, 1, np.array([[0, 0]] * 3), np.ones((3, 2)), accumulate=True)),
    ("masked_fill_", lambda x: x.masked_fill_(_t([True, False, False, True]), 0.5),
     lambda a: np.where([True, False, False, True], 0.5, a)),
    ("masked_scatter_", lambda x: x.masked_scatter_(_t([[True], [False], [True]]), ember.arange(10.0)),
     lambda a: np_masked_scatter(a, np.array([[True], [False], [True]]), np.arange(10.0))),
    ("index_put_", lambda x: x.index_put_((_t([1, 1]), _t([2, 2])), _t([1.0, 2.0]), accumulate=True),
     lambda a: np.where(np.arange(12).reshape(3, 4) == 6, a + 3, a)),
]


@pytest.mark.parametrize("name,call,reference", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_returns_self_and_bumps_version_once(name, call, reference):
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    x = _t(a)
    version = x._version
    assert call(x) is x
    assert x._version == version + 1
    assert_equal(x, reference(a.astype(np.float64)), dtype=ember.float32)


@pytest.mark.parametrize("call,exc,match", [
    (lambda x: x.index_add_(0, _t([3]), ember.ones(1, 4)), IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda x: x.index_copy_(1, _t([0, 4]), ember.ones(3, 2)), IndexError, "index 4 is out of bounds for dimension 1"),
    (lambda x: x.index_fill_(0, _t([-4]), 1.0), IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    (lambda x: x.scatter_(1, _t([[0, 9]]), ember.ones(1, 2)), IndexError, "index 9 is out of bounds for dimension 1 with size 4"),
    (lambda x: x.scatter_add_(0, _t([[0, 1], [2, 5]]), ember.ones(2, 2)), IndexError, "index 5 is out of bounds"),
    (lambda x: x.scatter_add_(0, _t([[0]]), ember.ones(1, 1, dtype=ember.float64)), TypeError, "same dtype"),
    (lambda x: x.masked_fill_(_t([True, False]), 1.0), ValueError, r"mask of shape \[2\] cannot be broadcast"),
    (lambda x: x.masked_fill_(ember.ones(3, 4), 1.0), TypeError, "bool mask"),
    (lambda x: x.masked_scatter_(ember.ones(3, 4, dtype=ember.bool), ember.ones(11)), ValueError, "selects 12 elements"),
    (lambda x: x.index_put_((_t([0, 3]),), ember.ones(4), accumulate=True), IndexError, "index 3 is out of bounds"),
    (lambda x: x.index_put_((_t([0, 1]),), ember.ones(3)), ValueError, "shape mismatch"),
    (lambda x: x.index_add_(0, _t([0]), ember.ones(1, 5)), ValueError, r"source of shape \[1, 5\]"),
    (lambda x: x.scatter_(0, _t([[0]]), ember.ones(1, 1), reduce="multiply"), NotImplementedError, "reduce"),
])
def test_inplace_bad_input_changes_nothing(call, exc, match):
    x = _t(np.arange(12.0, dtype=np.float32).reshape(3, 4))
    version = x._version
    with pytest.raises(exc, match=match):
        call(x)
    assert_equal(x, np.arange(12.0, dtype=np.float32).reshape(3, 4))
    assert x._version == version


# ---- negative indices ---------------------------------------------------------------------------

@pytest.mark.ember_only
def test_negative_indices_wrap_in_every_op(rng):
    """PyTorch wraps them only in t[...], index_put and index_fill; ember wraps them everywhere."""
    a = rng.standard_normal((4, 5))
    x = _t(a)
    idx = rng.integers(-5, 5, size=(4, 3))
    assert_equal(ember.gather(x, 1, _t(idx)), np_gather(a, 1, idx))
    assert_equal(ember.take_along_dim(x, _t(idx), 1), np_take_along_dim(a, idx, 1))
    assert_equal(ember.take_along_dim(x, _t(np.array([-1, -20])), None), a.reshape(-1)[[-1, -20]])
    assert_equal(ember.index_select(x, 0, _t([-1, -4])), np_index_select(a, 0, np.array([-1, -4])))
    rows = np.array([-1, 3, -4])
    assert_equal(ember.index_add(x, 0, _t(rows), ember.ones(3, 5, dtype=ember.float64)),
                 np_index_put_dim(a, 0, rows, np.ones((3, 5)), accumulate=True))
    assert_equal(ember.index_copy(x, 0, _t(np.array([-1, 0])), ember.zeros(2, 5, dtype=ember.float64)),
                 np_index_put_dim(a, 0, np.array([-1, 0]), np.zeros((2, 5))))
    cols = np.array([[-1, 0, 1, -2, 2]] * 2)
    assert_equal(ember.scatter_add(x, 1, _t(cols), ember.ones(2, 5, dtype=ember.float64)),
                 np_scatter(a, 1, cols, np.ones((2, 5)), accumulate=True))
    assert_equal(ember.scatter(x, 1, _t(cols[:, :2]), ember.zeros(2, 2, dtype=ember.float64)), np_scatter(a, 1, cols[:, :2], np.zeros((2, 2))))


# ---- forms and argument handling ----------------------------------------------------------------

def test_function_and_method_forms_agree(rng):
    a = rng.standard_normal((3, 4))
    x, idx = _t(a), _t([[0, 3], [1, 1], [2, 0]])
    assert_equal(x.gather(1, idx), ember.gather(x, 1, idx))
    assert_equal(x.index_select(1, _t([3, 3])), a[:, [3, 3]])
    assert_equal(x.take_along_dim(idx, dim=1), np.take_along_axis(a, to_numpy(idx), 1))
    assert_equal(x.masked_select(x > 0), a[a > 0])
    assert_equal(x.argwhere(), np.argwhere(a))
    assert_equal(ember.scatter(x, 1, idx, value=2.0), np_scatter(a, 1, to_numpy(idx), 2.0))
    assert_equal(ember.scatter(x, 1, idx, 1.0, reduce="add"), np_scatter(a, 1, to_numpy(idx), 1.0, accumulate=True))
    assert_equal(x.masked_fill(x > 0, ember.tensor(0.0)), np.where(a > 0, 0.0, a))


def test_nonzero_as_tuple():
    a = np.array([[0, 3, 0], [1, 0, 2]])
    rows, cols = ember.nonzero(_t(a), as_tuple=True)
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [1, 0, 2]
    (only,) = _t(5).nonzero(as_tuple=True)
    assert only.tolist() == [0]
    assert ember.nonzero(_t(0.0), as_tuple=True)[0].shape == (0,)
    assert ember.nonzero(_t(np.zeros((2, 0)))).shape == (0, 2)
    assert ember.nonzero(_t(7)).shape == (1, 0)


def test_nonzero_of_strided_and_special_values():
    a = np.array([[0.0, np.nan, -0.0], [np.inf, 0.0, 1e-30]], dtype=np.float32)
    t = _t(a.T.copy()).t()
    assert_equal(ember.nonzero(t), np.argwhere(a))
    h = _t(np.array([0.0, -0.0, 1.0])).half()
    assert ember.nonzero(h).tolist() == [[2]]


def test_nonzero_large_splits_into_chunks(rng):
    a = rng.random((700, 300)) < 0.3
    assert_equal(ember.nonzero(_t(a)), np.argwhere(a))
    assert_equal(ember.masked_select(_t(np.arange(a.size).reshape(a.shape)), _t(a)), np.flatnonzero(a))


def test_index_arguments_must_be_tensors():
    x = ember.zeros(3)
    with pytest.raises(TypeError, match="'index' must be Tensor"):
        ember.gather(x, 0, [0])
    with pytest.raises(TypeError, match="'mask' must be Tensor"):
        x.masked_fill([True, False, True], 1.0)


def test_take_along_dim_matches_argsort_use(rng):
    a = rng.standard_normal((5, 6))
    order = np.argsort(a, axis=1)
    assert_equal(ember.take_along_dim(_t(a), _t(order), dim=1), np.sort(a, axis=1))


# ---- repeated indices at sizes that use threads ----------------------------------------------

def test_scatter_add_large_is_deterministic_and_right(rng):
    index = rng.integers(0, 16, size=(64, 3000))
    src = rng.standard_normal((64, 3000)).astype(np.float32)
    runs = [to_numpy(ember.zeros(16, 3000).scatter_add_(0, _t(index), _t(src))) for _ in range(3)]
    assert all(np.array_equal(runs[0], r) for r in runs[1:])
    want = np_scatter(np.zeros((16, 3000)), 0, index, src.astype(np.float64), accumulate=True)
    np.testing.assert_allclose(runs[0], want, rtol=1e-4, atol=1e-4)


def test_scatter_last_write_wins():
    x = ember.zeros(2, 3)
    x.scatter_(1, _t([[2, 2, 2], [0, 1, 0]]), _t([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert x.tolist() == [[0, 0, 3], [6, 5, 0]]


def test_index_add_large_repeats(rng):
    index = rng.integers(0, 5, size=20000)
    source = rng.standard_normal((20000, 40))
    got = ember.zeros(5, 40, dtype=ember.float64).index_add_(0, _t(index), _t(source))
    want = np.zeros((5, 40))
    np.add.at(want, index, source)
    assert_close(got, want, ember.float64)


def test_gather_large_both_splits(rng):
    a = rng.standard_normal((3, 50000)).astype(np.float32)
    idx = rng.integers(0, 50000, size=(3, 40000))
    assert_equal(ember.gather(_t(a), 1, _t(idx)), np.take_along_axis(a, idx, 1))
    tall = rng.standard_normal((50000, 2)).astype(np.float32)
    rows = rng.integers(0, 50000, size=(60000, 2))
    assert_equal(ember.gather(_t(tall), 0, _t(rows)), np.take_along_axis(tall, rows, 0))


# ---- gradients ----------------------------------------------------------------------------------

def test_getitem_backward_is_index_put_accumulate(rng):
    from ember._ops.indexing import _getitem_backward
    key = (ember.tensor([2, 0, 2]), slice(None), ember.tensor([1, 1, 0]))
    x = rng.standard_normal((3, 2, 2))
    assert_vjp(lambda t: t[key], lambda g, t: _getitem_backward(g, t.shape, key),
               [ember.tensor(x, dtype=ember.float64)], rng.standard_normal((3, 2)))


def test_gather_backward_is_scatter_add(rng):
    from ember._ops.indexing import _gather_backward
    index = ember.tensor(rng.integers(0, 4, size=(3, 6)))
    assert_vjp(lambda t: ember.gather(t, 1, index), lambda g, t: _gather_backward(g, t.shape, 1, index),
               [ember.tensor(rng.standard_normal((3, 4)), dtype=ember.float64)], rng.standard_normal((3, 6)))


def test_index_select_backward_is_index_add(rng):
    from ember._ops.indexing import _index_select_backward
    index = ember.tensor([1, 1, 0, 3, 1])
    assert_vjp(lambda t: ember.index_select(t, 0, index), lambda g, t: _index_select_backward(g, t.shape, 0, index),
               [ember.tensor(rng.standard_normal((4, 3)), dtype=ember.float64)], rng.standard_normal((5, 3)))


def test_masked_select_backward_is_masked_scatter(rng):
    from ember._ops.indexing import _masked_select_backward
    mask = ember.tensor(rng.random(4) < 0.5)
    x = ember.tensor(rng.standard_normal((3, 4)), dtype=ember.float64)
    n = int(to_numpy(mask).sum()) * 3
    assert_vjp(lambda t: ember.masked_select(t, mask), lambda g, t: _masked_select_backward(g, t.shape, mask),
               [x], rng.standard_normal(n))


def test_backward_kernels_match_torch_autograd(rng):
    torch = pytest.importorskip("torch")
    from ember._ops.indexing import _gather_backward, _getitem_backward, _index_select_backward
    a = rng.standard_normal((4, 5))
    index = rng.integers(0, 5, size=(4, 7))
    rows = np.array([3, 3, 0, 1, 3])

    def torch_grad(fn, grad):
        t = torch.from_numpy(a).requires_grad_(True)
        fn(t).backward(torch.from_numpy(grad))
        return t.grad.numpy()

    g = rng.standard_normal((4, 7))
    got = _gather_backward(ember.tensor(g), (4, 5), 1, ember.tensor(index))
    np.testing.assert_allclose(to_numpy(got), torch_grad(lambda t: t.gather(1, torch.from_numpy(index)), g), rtol=1e-12)
    g = rng.standard_normal((5, 5))
    got = _index_select_backward(ember.tensor(g), (4, 5), 0, ember.tensor(rows))
    np.testing.assert_allclose(to_numpy(got), torch_grad(lambda t: t.index_select(0, torch.from_numpy(rows)), g),
                               rtol=1e-12)
    g = rng.standard_normal((5, 2))
    got = _getitem_backward(ember.tensor(g), (4, 5), (ember.tensor(rows[:, None]), ember.tensor([[1, 4]])))
    np.testing.assert_allclose(to_numpy(got), torch_grad(lambda t: t[torch.from_numpy(rows)[:, None], [1, 4]], g),
                               rtol=1e-12)
