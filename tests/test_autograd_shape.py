"""Autograd of the joining, splitting and rearranging ops (cat, stack, split, flip, roll, repeat,
repeat_interleave, tril, meshgrid, diag, trace, ... and their composites): gradcheck in float64
on the op_db_shape samples (contiguous and non-contiguous), second derivatives, explicit cases,
and torch.autograd parity when PyTorch is installed."""
import numpy as np
import pytest

import ember
from autograd_op_db import cases, check_entry, check_entry_torch
from conftest import to_numpy
from op_db import _noncontiguous
from op_db_shape import ENTRIES

F64 = ember.float64
gradcheck = ember.autograd.gradcheck
gradgradcheck = ember.autograd.gradgradcheck

# op_db_shape marks its entries differentiable=False (they predate autograd); every one of these
# is differentiable in its floating inputs. nn.functional.pad belongs to the nn rules.
SHAPE_OPS = ["cat", "concat", "stack", "hstack", "vstack", "dstack", "column_stack", "block_diag", "split",
             "Tensor.split", "chunk", "tensor_split", "unbind", "flip", "fliplr", "flipud", "roll",
             "Tensor.repeat", "tile", "repeat_interleave", "tril", "triu", "meshgrid", "broadcast_tensors",
             "broadcast_to", "diag", "diag_embed", "diagflat", "trace"]
SECOND_ORDER = ["cat", "stack", "block_diag", "split", "chunk", "unbind", "roll", "Tensor.repeat",
                "repeat_interleave", "tril", "meshgrid", "diag", "diag_embed", "trace"]


def leaf(*shape, noncontiguous=False, seed=0):
    rng = np.random.default_rng(seed)
    t = ember.tensor(rng.standard_normal(shape), dtype=F64)
    if noncontiguous:
        t = _noncontiguous(t)
    return t.requires_grad_()


@pytest.mark.parametrize("layout", ["contiguous", "noncontiguous"])
@pytest.mark.parametrize("entry", cases(ENTRIES, SHAPE_OPS))
def test_gradcheck_op_db(entry, layout):
    check_entry(entry, layout)


@pytest.mark.parametrize("entry", cases(ENTRIES, SECOND_ORDER))
def test_second_derivatives_op_db(entry):
    check_entry(entry, "contiguous", grad_grad=True)


@pytest.mark.parametrize("entry", cases(ENTRIES, SHAPE_OPS))
def test_torch_parity_op_db(entry):
    check_entry_torch(entry)


# ---- explicit cases ---------------------------------------------------------------------------------

@pytest.mark.parametrize("noncontiguous", [False, True])
@pytest.mark.parametrize("name,fn,shapes", [
    ("cat dim 1", lambda a, b: ember.cat([a, b], 1), [(2, 3), (2, 2)]),
    ("cat negative dim", lambda a, b: ember.cat((a, b), -1), [(2, 3), (2, 1)]),
    ("cat zero-size piece", lambda a, b: ember.cat([a, b]), [(2, 3), (0, 3)]),
    ("concatenate", lambda a, b: ember.concatenate([a, b], axis=1), [(2, 3), (2, 2)]),
    ("stack negative dim", lambda a, b: ember.stack([a, b], -1), [(2, 3), (2, 3)]),
    ("row_stack", lambda a, b: ember.row_stack([a, b]), [(3,), (2, 3)]),
    ("hstack 2-D", lambda a, b: ember.hstack([a, b]), [(2, 3), (2, 1)]),
    ("block_diag 0/1/2-D", lambda a, b, c: ember.block_diag(a, b, c), [(), (3,), (2, 2)]),
    ("atleast_3d", lambda a, b: ember.atleast_3d(a, b), [(), (3,)]),
    ("rot90", lambda a: ember.rot90(a, 1, (0, 1)), [(2, 3)]),
    ("rot90 k=2", lambda a: ember.rot90(a, 2, (1, 0)), [(2, 3)]),
    ("rot90 k=3", lambda a: a.rot90(3), [(2, 3)]),
    ("movedim", lambda a: ember.movedim(a, (0, 1), (1, 0)), [(2, 3)]),
    ("flip method varargs", lambda a: a.flip(0, 1), [(2, 3)]),
    ("flip method list", lambda a: a.flip([1]), [(2, 3)]),
    ("roll flattened", lambda a: a.roll(4), [(2, 3)]),
    ("roll two dims", lambda a: ember.roll(a, (1, -2), (0, 1)), [(2, 3)]),
    ("repeat new dims", lambda a: a.repeat(2, 1, 3), [(2, 3)]),
    ("repeat list", lambda a: a.repeat([2, 2]), [(2, 3)]),
    ("tile short dims", lambda a: a.tile((2,)), [(2, 3)]),
    ("tile method varargs", lambda a: a.tile(2, 1, 1), [(2, 3)]),
    ("tril negative", lambda a: a.tril(-1), [(3, 4)]),
    ("triu batched", lambda a: ember.triu(a, 1), [(2, 3, 3)]),
    ("diag_embed dims", lambda a: ember.diag_embed(a, -1, 0, 2), [(2, 3)]),
    ("diagflat 2-D", lambda a: ember.diagflat(a, 1), [(2, 2)]),
    ("diag of matrix", lambda a: ember.diag(a, 2), [(3, 4)]),
    ("trace non-square", lambda a: ember.trace(a), [(2, 4)]),
    ("broadcast_to", lambda a: a.broadcast_to((2, 2, 3)), [(1, 3)]),
])
def test_composites_and_variants(name, fn, shapes, noncontiguous):
    inputs = tuple(leaf(*s, noncontiguous=noncontiguous, seed=i) for i, s in enumerate(shapes))
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("name,fn", [
    ("split sizes", lambda a: a.split([1, 3], 1)),
    ("split int, uneven", lambda a: ember.split(a, 3, 1)),
    ("chunk, fewer pieces", lambda a: a.chunk(3, 1)),
    ("tensor_split sections", lambda a: a.tensor_split(3, 1)),
    ("tensor_split indices", lambda a: a.tensor_split([1, 3], 1)),
    ("tensor_split unordered", lambda a: a.tensor_split([3, 1], 1)),
    ("tensor_split negative", lambda a: ember.tensor_split(a, [-1], 1)),
    ("tensor_split tensor", lambda a: a.tensor_split(ember.tensor([2]), 0)),
    ("unbind", lambda a: a.unbind(1)),
    ("unbind negative", lambda a: ember.unbind(a, -1)),
])
def test_split_family(name, fn):
    x = leaf(3, 4)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_unused_pieces_get_zeros():
    x = leaf(4, 3)
    a, b = x.split(2)
    (b * 3).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[0] * 3, [0] * 3, [3] * 3, [3] * 3])
    y = leaf(3, 2)
    rows = y.unbind()
    rows[1].sum().backward()
    np.testing.assert_array_equal(to_numpy(y.grad), [[0, 0], [1, 1], [0, 0]])


def test_inplace_write_into_a_piece_reaches_the_input():
    a = leaf(4, 2)
    b = a * 1
    p, q = b.split(2)
    p.mul_(3)
    assert p.is_view and b.grad_fn is not None
    (b * ember.arange(8, dtype=F64).reshape(4, 2)).sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), np.arange(8.0).reshape(4, 2) * np.array([[3], [3], [1], [1]]))
    x = leaf(3)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x.chunk(3)[0].zero_()


@pytest.mark.parametrize("name,fn", [
    ("int, flattened", lambda a: a.repeat_interleave(2)),
    ("int, dim", lambda a: ember.repeat_interleave(a, 3, dim=1)),
    ("tensor, dim", lambda a: a.repeat_interleave(ember.tensor([0, 2, 1]), dim=0)),
    ("tensor, flattened", lambda a: a.repeat_interleave(ember.tensor([1, 0, 2, 1, 1, 3, 0, 1, 1, 2, 1, 1]))),
    ("0-dim tensor", lambda a: a.repeat_interleave(ember.tensor(2), dim=-1)),
    ("output_size", lambda a: a.repeat_interleave(ember.tensor([1, 2, 0]), dim=0, output_size=3)),
])
def test_repeat_interleave(name, fn):
    x = leaf(3, 4)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_repeat_interleave_index_form_is_not_differentiable():
    r = ember.repeat_interleave(ember.tensor([1, 2]))
    assert not r.requires_grad


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    a, b, c = leaf(2), leaf(3, seed=1), leaf(seed=2)
    assert gradcheck(lambda a, b, c: ember.meshgrid(a, b, c, indexing=indexing), (a, b, c))
    assert gradcheck(lambda a, b: ember.meshgrid([a, b], indexing=indexing), (a, b))
    assert gradcheck(lambda a: ember.meshgrid(a, indexing=indexing), (a,))


def test_broadcast_tensors():
    a, b, c = leaf(3, 1), leaf(4, seed=1), leaf(seed=2)
    assert gradcheck(lambda *t: ember.broadcast_tensors(*t), (a, b, c))
    outs = ember.broadcast_tensors(a, b)
    outs[1].sum().backward()
    np.testing.assert_array_equal(to_numpy(b.grad), [3, 3, 3, 3])
    assert a.grad is None or not np.any(to_numpy(a.grad))  # PyTorch: None; ember's engine: zeros


def test_cat_promotes_and_casts_gradients_back():
    a = leaf(2)
    b = ember.ones(2, dtype=ember.float32).requires_grad_()
    c = ember.tensor([1, 2])
    out = ember.cat([a, b, c])
    assert out.dtype == F64
    (out * ember.arange(6, dtype=F64)).sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), [0, 1])
    assert b.grad.dtype == ember.float32
    np.testing.assert_array_equal(to_numpy(b.grad), [2, 3])


def test_cat_skips_legacy_empty_tensors():
    a, e = leaf(2, 3), leaf(0, seed=1)
    out = ember.cat([e, a])
    out.sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), np.ones((2, 3)))


def test_zero_size_inputs():
    x = leaf(0, 3)
    for fn in (lambda a: a.flip(0), lambda a: a.roll(1, 1), lambda a: a.repeat(2, 1), lambda a: a.tril(),
               lambda a: ember.cat([a, a], 1), lambda a: ember.stack([a, a]), lambda a: a.split(1, 1)[0],
               lambda a: a.repeat_interleave(2, 0), lambda a: ember.trace(a)):
        y = fn(x)
        assert y.requires_grad
        (g,) = ember.autograd.grad(y.sum(), [x])
        assert tuple(g.shape) == (0, 3)


def test_out_argument_refused_with_grad():
    a = leaf(2)
    with pytest.raises(RuntimeError, match="out="):
        ember.cat([a, a], out=ember.zeros(4, dtype=F64))


def test_integer_inputs_are_not_differentiable():
    t = ember.tensor([[1, 2], [3, 4]])
    assert not ember.trace(t).requires_grad and not ember.flip(t, [0]).requires_grad


@pytest.mark.parametrize("name,fn", [
    ("cat", lambda e: ember.cat([e, e * 2], 1)), ("stack", lambda e: ember.stack([e, e])),
    ("flip", lambda e: e.flip(0, 1)), ("roll", lambda e: e.roll(1, 0)), ("repeat", lambda e: e.repeat(1, 2)),
    ("tile", lambda e: e.tile(2)), ("repeat_interleave", lambda e: e.repeat_interleave(2, 0)),
    ("tril", lambda e: e.tril()), ("diag", lambda e: ember.diag(e)), ("trace", lambda e: ember.trace(e)),
    ("split", lambda e: e.split(2, 1)), ("unbind", lambda e: e.unbind(0)),
    ("diag_embed", lambda e: ember.diag_embed(e)),
    ("broadcast_to", lambda e: ember.broadcast_to(e, (2, 3, 3))), ("block_diag", lambda e: ember.block_diag(e, e)),
])
def test_broadcast_inputs(name, fn):
    """Inputs with stride-0 dims (an expanded leaf) go through the ops like any other."""
    assert gradcheck(lambda a: fn(a.expand(3, 3)), (leaf(1, 3),))
    assert gradcheck(lambda a: fn(a.expand(3, 3)), (leaf(3, 1),))


def test_tril_triu_in_place():
    def fn(a):
        b = a * 1
        b.tril_(1)
        c = a * 2
        c.triu_(-1)
        return b + c
    assert gradcheck(fn, (leaf(3, 4),))
    x = leaf(2, 2)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.tril_()
