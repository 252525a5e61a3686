"""Autograd of the indexing ops (t[key], t[key] = v, index_select, gather, scatter, index_add /
copy / fill, index_put, masked_fill / select / scatter, take_along_dim) and their in-place
forms: gradcheck in float64 on the op_db_indexing samples (contiguous and non-contiguous),
second derivatives, explicit cases (repeated indices accumulate), and torch.autograd parity when
PyTorch is installed."""
import numpy as np
import pytest

import ember
from autograd_op_db import cases, check_entry, check_entry_torch
from conftest import to_numpy
from op_db import _noncontiguous
from op_db_indexing import ENTRIES

F64 = ember.float64
T = ember.tensor
gradcheck = ember.autograd.gradcheck
gradgradcheck = ember.autograd.gradgradcheck

INDEXING_OPS = ["getitem", "setitem", "index_put", "index_select", "index_add", "index_copy", "index_fill",
                "gather", "scatter", "scatter_add", "masked_fill", "masked_select", "masked_scatter",
                "take_along_dim"]


def leaf(*shape, noncontiguous=False, seed=0):
    rng = np.random.default_rng(seed)
    t = ember.tensor(rng.standard_normal(shape), dtype=F64)
    if noncontiguous:
        t = _noncontiguous(t)
    return t.requires_grad_()


def test_entries_marked_differentiable():
    by_name = {e.name: e for e in ENTRIES}
    assert all(by_name[n].differentiable for n in INDEXING_OPS)
    assert not any(by_name[n].differentiable for n in ("nonzero", "nonzero_as_tuple", "argwhere"))


@pytest.mark.parametrize("layout", ["contiguous", "noncontiguous"])
@pytest.mark.parametrize("entry", cases(ENTRIES, INDEXING_OPS))
def test_gradcheck_op_db(entry, layout):
    check_entry(entry, layout)


@pytest.mark.parametrize("entry", cases(ENTRIES, [n for n in INDEXING_OPS if n not in ("getitem", "setitem")]))
def test_second_derivatives_op_db(entry):
    check_entry(entry, "contiguous", grad_grad=True)


@pytest.mark.parametrize("entry", cases(ENTRIES, INDEXING_OPS))
def test_torch_parity_op_db(entry):
    check_entry_torch(entry)


@pytest.mark.parametrize("name", ["nonzero", "argwhere"])
def test_integer_results_are_not_differentiable(name):
    x = leaf(2, 3)
    assert not getattr(ember, name)(x).requires_grad
    assert not any(t.requires_grad for t in ember.nonzero(x, as_tuple=True))


# ---- repeated indices accumulate ----------------------------------------------------------------

def test_repeated_indices_accumulate():
    x = leaf(4)
    idx = T([1, 1, 3, 1])
    (g,) = ember.autograd.grad(x.index_select(0, idx).sum(), [x])
    np.testing.assert_array_equal(to_numpy(g), [0, 3, 0, 1])
    (g,) = ember.autograd.grad(x.gather(0, idx).sum(), [x])
    np.testing.assert_array_equal(to_numpy(g), [0, 3, 0, 1])
    (g,) = ember.autograd.grad(ember.take_along_dim(x, idx).sum(), [x])
    np.testing.assert_array_equal(to_numpy(g), [0, 3, 0, 1])
    v = leaf(4, seed=1)
    out = ember.zeros(4, dtype=F64).index_put((idx,), v, accumulate=True)
    (gv,) = ember.autograd.grad((out * T([1.0, 2.0, 3.0, 4.0], dtype=F64)).sum(), [v])
    np.testing.assert_array_equal(to_numpy(gv), [2, 2, 4, 2])


def test_index_fill_value_counts_each_position_once():
    x, v = leaf(4, 2), leaf(seed=1)
    out = x.index_fill(0, T([3, 0, 3]), v)
    (gx, gv) = ember.autograd.grad(out.sum(), [x, v])
    np.testing.assert_array_equal(to_numpy(gv), 4.0)
    np.testing.assert_array_equal(to_numpy(gx), [[0, 0], [1, 1], [1, 1], [0, 0]])


# ---- explicit cases ---------------------------------------------------------------------------------

@pytest.mark.parametrize("noncontiguous", [False, True])
@pytest.mark.parametrize("name,fn,shapes", [
    ("scatter value", lambda a: a.scatter(1, T([[0, 2], [1, 0], [2, 2]]), value=2.0), [(3, 3)]),
    ("scatter reduce add", lambda a, s: a.scatter(0, T([[0, 0, 1]]), s, reduce="add"), [(3, 3), (1, 3)]),
    ("scatter larger src", lambda a, s: ember.scatter(a, 0, T([[2, 0, 1]]), s), [(3, 3), (2, 4)]),
    ("scatter_add repeats", lambda a, s: a.scatter_add(1, T([[0, 0, 0, 2]] * 3), s), [(3, 3), (3, 4)]),
    ("gather 3-D", lambda a: a.gather(2, T([[[0, 0], [1, 0]]] * 2)), [(2, 2, 3)]),
    ("index_add alpha", lambda a, s: a.index_add(1, T([2, 2, 0]), s, alpha=-0.5), [(3, 3), (3, 3)]),
    ("index_copy", lambda a, s: ember.index_copy(a, 0, T([2, 0]), s), [(3, 3), (2, 3)]),
    ("index_fill number", lambda a: a.index_fill(1, T([0, 2]), -1.0), [(3, 3)]),
    ("index_fill tensor", lambda a, v: a.index_fill(-1, T([1]), v), [(3, 3), ()]),
    ("masked_fill tensor", lambda a, v: a.masked_fill(T([[True, False, True]]), v), [(3, 3), ()]),
    ("masked_fill broadcast self", lambda a: a.masked_fill(T([[True, False, True]] * 3), 0.0), [(1, 3)]),
    ("masked_select broadcast", lambda a: a.masked_select(T([[True], [False], [True]])), [(3, 3)]),
    ("masked_scatter", lambda a, s: a.masked_scatter(T([[True, False, True]] * 3), s), [(3, 3), (7,)]),
    ("take_along_dim flattened", lambda a: ember.take_along_dim(a, T([8, 0, 0, 4])), [(3, 3)]),
    ("take_along_dim broadcast", lambda a: a.take_along_dim(T([[0], [2], [2]]), 1), [(3, 3)]),
    ("index_put two indices", lambda a, v: a.index_put((T([0, 2]), T([1, 1])), v), [(3, 3), (2,)]),
    ("index_put broadcast value", lambda a, v: a.index_put((T([0, 2]),), v, True), [(3, 3), (1,)]),
    ("index_put with None", lambda a, v: a.index_put((None, T([0, 2])), v), [(3, 3), (3, 2)]),
])
def test_explicit(name, fn, shapes, noncontiguous):
    inputs = tuple(leaf(*s, noncontiguous=noncontiguous, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


INPLACE = [
    ("index_add_", lambda b, s: b.index_add_(0, T([1, 1]), s), (2, 3)),
    ("index_copy_", lambda b, s: b.index_copy_(0, T([2, 0]), s), (2, 3)),
    ("index_fill_", lambda b, v: b.index_fill_(1, T([0, 2]), v), ()),
    ("scatter_", lambda b, s: b.scatter_(1, T([[0, 2], [1, 0], [2, 1]]), s), (3, 2)),
    ("scatter_ value", lambda b, s: b.scatter_(1, T([[0], [1], [2]]), value=3.0) * s, (3, 1)),
    ("scatter_add_", lambda b, s: b.scatter_add_(0, T([[0, 0, 2]]), s), (1, 3)),
    ("index_put_", lambda b, v: b.index_put_((T([0, 0]), T([1, 2])), v, accumulate=True), (2,)),
    ("masked_fill_", lambda b, v: b.masked_fill_(T([True, False, True]), v), ()),
    ("masked_scatter_", lambda b, s: b.masked_scatter_(T([[False, True, True]] * 3), s), (6,)),
]


@pytest.mark.parametrize("name,fn,shape", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_forms_on_non_leaves(name, fn, shape):
    def f(a, s):
        b = a * 1
        out = fn(b, s)
        assert out.requires_grad
        return b if out is b else out
    assert gradcheck(f, (leaf(3, 3), leaf(*shape, seed=1)))


@pytest.mark.parametrize("name,fn,shape", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_forms_match_torch(name, fn, shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a0, s0, seed = rng.standard_normal((3, 3)), rng.standard_normal(shape), rng.standard_normal((3, 3))
    grads = []
    for lib in (ember, torch):
        a = lib.tensor(a0, dtype=lib.float64).requires_grad_()
        s = lib.tensor(s0, dtype=lib.float64).requires_grad_()
        global T
        saved, T = T, lib.tensor
        try:
            b = a * 2
            out = fn(b, s)
        finally:
            T = saved
        (out * lib.tensor(seed)).sum().backward()
        grads.append((a.grad, s.grad))
    for g, tg in zip(*grads):
        np.testing.assert_allclose(to_numpy(g), tg.numpy(), rtol=1e-12, atol=1e-12)


def test_inplace_forms_on_leaves_are_refused():
    x = leaf(3, 3)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.index_fill_(0, T([0]), 1.0)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[0].masked_fill_(T([True, False, True]), 0.0)


def test_inplace_into_a_constant_with_a_grad_source():
    s = leaf(2, 3)
    x = ember.zeros(3, 3, dtype=F64)
    x.index_copy_(0, T([2, 0]), s)
    assert x.requires_grad
    (x * T([[1.0], [2.0], [3.0]], dtype=F64)).sum().backward()
    np.testing.assert_array_equal(to_numpy(s.grad), [[3, 3, 3], [1, 1, 1]])


def test_zero_size():
    x = leaf(0, 3)
    for fn in (lambda a: a.index_select(0, T([], dtype=ember.int64)), lambda a: a.masked_select(T([True, False, True])),
               lambda a: a.gather(0, ember.zeros(0, 3, dtype=ember.int64)), lambda a: a[T([], dtype=ember.int64)]):
        y = fn(x)
        assert y.requires_grad
        (g,) = ember.autograd.grad(y.sum(), [x])
        assert tuple(g.shape) == (0, 3)


@pytest.mark.parametrize("name,fn", [
    ("index_select", lambda e: e.index_select(1, T([2, 2, 0]))),
    ("gather", lambda e: e.gather(0, T([[0, 2, 2], [1, 1, 0]]))),
    ("scatter", lambda e: e.scatter(1, T([[0], [2], [1]]), 5.0)),
    ("scatter_add", lambda e: e.scatter_add(0, T([[0, 0, 0]]), e[:1] * 2)),
    ("index_add", lambda e: e.index_add(0, T([1, 1]), e[:2])),
    ("index_fill", lambda e: e.index_fill(1, T([1]), 0.0)),
    ("index_put", lambda e: e.index_put((T([0, 0]),), e[2], accumulate=True)),
    ("masked_fill", lambda e: e.masked_fill(T([True, False, True]), 1.0)),
    ("masked_select", lambda e: e.masked_select(T([[True, False, True]] * 3))),
    ("masked_scatter", lambda e: e.masked_scatter(T([True, False, True]), e.t().flatten())),
    ("take_along_dim", lambda e: e.take_along_dim(T([[2, 0]] * 3), 1)),
    ("getitem", lambda e: e[T([1, 1]), T([0, 2])]),
])
def test_broadcast_inputs(name, fn):
    """Inputs with stride-0 dims (an expanded leaf) go through the ops like any other."""
    assert gradcheck(lambda a: fn(a.expand(3, 3)), (leaf(1, 3),))
    assert gradcheck(lambda a: fn(a.expand(3, 3)), (leaf(3, 1),))


def _set(x, i):
    x[i] = 0.0
    return x


@pytest.mark.parametrize("name,fn", [
    ("getitem", lambda x, i: x[i]),
    ("getitem tuple", lambda x, i: x[1:, i]),
    ("setitem", lambda x, i: _set(x.clone(), i)),
    ("index_put", lambda x, i: x.index_put((i,), ember.zeros(1, dtype=F64))),
    ("index_select", lambda x, i: x.index_select(0, i)),
])
def test_index_modified_in_place_is_caught(name, fn):
    x = leaf(3, 3) * 1
    i = T([0, 2])
    out = fn(x, i)
    i[0] = 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()
