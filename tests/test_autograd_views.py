"""Autograd of the view ops, copies and conversions, and of in-place writes (t[key] = v, copy_,
fill_, zero_, in-place ops on views): gradcheck in float64 on the op_db_views samples
(contiguous and non-contiguous), explicit cases, and torch.autograd parity when PyTorch is
installed."""
import numpy as np
import pytest

import ember
from autograd_op_db import cases, check_entry, check_entry_torch
from conftest import supports_negative_strides, to_numpy
from op_db import _noncontiguous
from op_db_views import ENTRIES

F64 = ember.float64
gradcheck = ember.autograd.gradcheck
gradgradcheck = ember.autograd.gradgradcheck

VIEW_OPS = ["reshape", "view", "permute", "transpose", "swapaxes", "swapdims", "t", "movedim", "moveaxis",
            "squeeze", "unsqueeze", "flatten", "unflatten", "narrow", "select", "diagonal", "as_strided",
            "expand", "clone", "contiguous", "atleast_1d", "atleast_2d", "atleast_3d"]


def leaf(*shape, noncontiguous=False, seed=0):
    rng = np.random.default_rng(seed)
    t = ember.tensor(rng.standard_normal(shape), dtype=F64)
    if noncontiguous:
        t = _noncontiguous(t)
    return t.requires_grad_()


def grads_of(out, inputs, seed=None):
    seed = ember.ones_like(out) if seed is None else seed
    return ember.autograd.grad(out, inputs, seed, allow_unused=True)


def torch_or_skip():
    return pytest.importorskip("torch")


# ---- generated from op_db_views ---------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["contiguous", "noncontiguous"])
@pytest.mark.parametrize("entry", cases(ENTRIES, VIEW_OPS))
def test_gradcheck_op_db(entry, layout):
    if layout == "noncontiguous" and not entry.noncontiguous:
        pytest.skip("the op takes contiguous inputs only")
    check_entry(entry, layout)


@pytest.mark.parametrize("entry", cases(ENTRIES, VIEW_OPS))
def test_torch_parity_op_db(entry):
    check_entry_torch(entry)


@pytest.mark.parametrize("name,fn", [
    ("narrow", lambda a: a.narrow(1, 1, 2)),
    ("select", lambda a: a.select(0, -1)),
    ("diagonal", lambda a: a.diagonal(-1)),
    ("getitem", lambda a: a[1:, None, ::2]),
    ("permute", lambda a: a.permute(1, 0)),
    ("expand", lambda a: a[:1].expand(3, 2, 4)),
    ("unfold", lambda a: a.unfold(1, 2, 1)),
    ("as_strided", lambda a: a.as_strided((3, 3), (1, 1), 2)),
])
def test_second_derivatives(name, fn):
    assert gradgradcheck(fn, (leaf(3, 4),))


# ---- reshaping views ----------------------------------------------------------------------------------

@pytest.mark.parametrize("noncontiguous", [False, True])
@pytest.mark.parametrize("name,fn", [
    ("view_as", lambda a: a.contiguous().view_as(ember.zeros(4, 3))),
    ("reshape_as", lambda a: a.reshape_as(ember.zeros(2, 6))),
    ("squeeze none", lambda a: a.reshape(1, 3, 1, 4).squeeze()),
    ("squeeze int", lambda a: a.reshape(1, 3, 1, 4).squeeze(2)),
    ("squeeze tuple", lambda a: a.reshape(1, 3, 1, 4).squeeze((0, -2))),
    ("unsqueeze negative", lambda a: a.unsqueeze(-1)),
    ("flatten", lambda a: a.flatten()),
    ("unflatten", lambda a: a.flatten().unflatten(0, (2, -1))),
    ("transpose", lambda a: a.transpose(0, -1)),
    ("swapaxes", lambda a: a.swapaxes(1, 0)),
    ("t", lambda a: a.t()),
    ("T", lambda a: a.T),
    ("mT", lambda a: a.mT),
    ("expand_as", lambda a: a[:1].expand_as(ember.zeros(2, 3, 4))),
    ("expand -1", lambda a: a.unsqueeze(1).expand(-1, 2, -1)),
    ("movedim", lambda a: ember.movedim(a, 0, 1)),
])
def test_reshaping_views(name, fn, noncontiguous):
    assert gradcheck(fn, (leaf(3, 4, noncontiguous=noncontiguous),))


def test_T_and_mT_are_recorded():
    x = leaf(2, 3, 4)
    assert x.T.grad_fn is not None and tuple(x.T.shape) == (4, 3, 2)
    assert x.mT.grad_fn is not None and tuple(x.mT.shape) == (2, 4, 3)
    (g,) = grads_of((x.mT * ember.arange(12, dtype=F64).reshape(4, 3)).sum(), [x])
    np.testing.assert_array_equal(to_numpy(g), np.broadcast_to(np.arange(12.0).reshape(4, 3).T, (2, 3, 4)))
    c = ember.ones(2, 3)
    assert c.T.grad_fn is None and not c.T.requires_grad and c.T._base is c  # the no-grad path
    with ember.no_grad():
        assert not x.T.requires_grad and not x.mT.requires_grad


def test_iteration_gives_differentiable_rows():
    x = leaf(3, 2)
    rows = list(x)
    assert all(r.requires_grad for r in rows)
    (rows[0] * 2 + rows[2]).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[2, 2], [0, 0], [1, 1]])


def test_zero_size_views():
    x = leaf(0, 3)
    for fn in (lambda a: a.t(), lambda a: a.reshape(3, 0), lambda a: a[:, 1:], lambda a: a.unsqueeze(0),
               lambda a: a.expand(2, 0, 3), lambda a: a.as_strided((0, 2), (1, 1))):
        y = fn(x)
        assert y.requires_grad
        (g,) = grads_of(y.sum(), [x])
        assert tuple(g.shape) == (0, 3)


# ---- views of part of the input ---------------------------------------------------------------------

BASIC_KEYS = [
    ("int", 1), ("negative int", -1), ("slice", slice(1, 3)), ("step", slice(None, None, 2)),
    ("ints", (1, 2)), ("int and slice", (slice(None), 1)), ("None", (None, 1)), ("ellipsis", (Ellipsis, 0)),
    ("ellipsis None", (Ellipsis, None, slice(1, None))), ("empty slice", slice(2, 2)),
    ("out of range slice", slice(1, 100)), ("negative bounds", (slice(-2, None), slice(None, -1))),
]


@pytest.mark.parametrize("noncontiguous", [False, True])
@pytest.mark.parametrize("name,key", BASIC_KEYS, ids=[k[0] for k in BASIC_KEYS])
def test_getitem_basic(name, key, noncontiguous):
    assert gradcheck(lambda a: a[key], (leaf(3, 4, noncontiguous=noncontiguous),))


@pytest.mark.skipif(not supports_negative_strides(), reason="negative steps are an ember extension")
@pytest.mark.parametrize("key", [slice(None, None, -1), (slice(None), slice(3, 0, -2)),
                                 (Ellipsis, slice(None, None, -3))])
def test_getitem_negative_steps(key):
    x = leaf(3, 4)
    assert gradcheck(lambda a: a[key], (x,))
    (g,) = grads_of(x[key] * 2, [x])
    expected = np.zeros((3, 4))
    expected[key] = 2
    np.testing.assert_array_equal(to_numpy(g), expected)


def test_getitem_repeated_indices_accumulate():
    x = leaf(4, 3)
    x[[0, 2, 0, 0]].sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), np.array([[3] * 3, [0] * 3, [1] * 3, [0] * 3]))
    y = leaf(5)
    y[ember.tensor([[1, 1], [4, 1]])].sum().backward()
    np.testing.assert_array_equal(to_numpy(y.grad), [0, 3, 0, 0, 1])


@pytest.mark.parametrize("noncontiguous", [False, True])
@pytest.mark.parametrize("name,key", [
    ("list", [2, 0, 2]),
    ("tensor", ember.tensor([[1, 1], [0, 2]])),
    ("two tensors", (ember.tensor([0, 2, 2]), ember.tensor([3, 3, 0]))),
    ("mask", ember.tensor([[True, False, True, True]] * 3)),
    ("row mask", ember.tensor([True, False, True])),
    ("slice and index", (slice(1, None), [0, 0, 3])),
    ("mask and slice", (ember.tensor([True, False, True]), slice(None, None, 2))),
    ("None and index", (None, [1, 1], None)),
    ("0-dim true", ember.tensor(True)),
])
def test_getitem_advanced(name, key, noncontiguous):
    x = leaf(3, 4, noncontiguous=noncontiguous)
    assert gradcheck(lambda a: a[key], (x,))
    assert gradgradcheck(lambda a: a[key], (x,))


def test_keyword_arguments():
    x = leaf(3, 4)
    for fn in (lambda a: a.narrow(0, start=1, length=2), lambda a: a.select(dim=1, index=2),
               lambda a: a.unfold(1, size=2, step=1), lambda a: a.diagonal(offset=1, dim1=1, dim2=0),
               lambda a: a.transpose(dim0=0, dim1=1), lambda a: a.flatten(start_dim=0),
               lambda a: a.as_strided(size=(2, 2), stride=(1, 2), storage_offset=1), lambda a: a.permute((1, 0))):
        assert gradcheck(fn, (x,))


def test_narrow_select_diagonal_values():
    x = leaf(3, 4)
    (g,) = grads_of(x.narrow(1, 1, 2).sum() + x.select(0, 2).sum() * 10 + x.diagonal(1).sum() * 100, [x])
    expected = np.zeros((3, 4))
    expected[:, 1:3] += 1
    expected[2] += 10
    expected[[0, 1, 2], [1, 2, 3]] += 100
    np.testing.assert_array_equal(to_numpy(g), expected)


@pytest.mark.parametrize("noncontiguous", [False, True])
@pytest.mark.parametrize("args", [
    ((3, 3), (1, 1)),            # overlapping sliding windows
    ((2, 2), (0, 1), 3),         # repeated rows, with an offset
    ((4,), (3,), 0),             # every third element
    ((2, 3, 2), (1, 2, 3), 1),   # overlapping, three dims
    ((3,), (0,)),                # one element, three times
])
def test_as_strided(args, noncontiguous):
    x = leaf(12, noncontiguous=noncontiguous)
    assert gradcheck(lambda a: a.as_strided(*args), (x,))


def test_as_strided_overlap_accumulates():
    x = leaf(5)
    x.as_strided((3, 3), (1, 1)).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [1, 2, 3, 2, 1])


def test_as_strided_of_a_view_reads_the_storage():
    """as_strided's offset counts from the start of the storage, not the view's first element."""
    torch = torch_or_skip()
    base = np.arange(10.0)
    x = ember.tensor(base, dtype=F64)[2:].requires_grad_()
    tx = torch.tensor(base)[2:].requires_grad_()
    seed = np.random.default_rng(3).standard_normal((3, 2))
    (g,) = grads_of(x.as_strided((3, 2), (2, 1), 3), [x], ember.tensor(seed, dtype=F64))
    (tg,) = torch.autograd.grad(tx.as_strided((3, 2), (2, 1), 3), [tx], torch.tensor(seed))
    np.testing.assert_allclose(to_numpy(g), tg.numpy())


@pytest.mark.parametrize("shape,expanded,args", [
    ((1, 4), (3, 4), ((2, 2), (1, 1))),
    ((3, 1), (3, 4), ((2, 2), (1, 0), 1)),
    ((4,), (3, 4), ((3, 2), (1, 1))),
    ((2, 1, 3), (2, 2, 3), ((2, 2), (3, 1))),
])
def test_as_strided_of_an_expanded_input(shape, expanded, args):
    """The input overlaps itself: the gradient at a storage position is shared out among the
    input's elements stored there (PyTorch's rule), so expand's backward sums it back whole."""
    x = leaf(*shape)
    fn = lambda a: a.expand(*expanded).as_strided(*args)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    torch = pytest.importorskip("torch")
    tx = torch.tensor(to_numpy(x.detach())).requires_grad_()
    seed = np.random.default_rng(1).standard_normal(args[0])
    (g,) = grads_of(fn(x), [x], ember.tensor(seed, dtype=F64))
    (tg,) = torch.autograd.grad(tx.expand(*expanded).as_strided(*args), [tx], torch.tensor(seed))
    np.testing.assert_allclose(to_numpy(g), tg.numpy())


@pytest.mark.parametrize("args", [(1, 2, 1), (1, 2, 2), (0, 3, 1), (1, 4, 3), (0, 1, 2)])
def test_unfold(args):
    x = leaf(3, 4)
    assert gradcheck(lambda a: a.unfold(*args), (x,))


def test_unfold_overlap_accumulates_like_torch():
    torch = torch_or_skip()
    data = np.random.default_rng(4).standard_normal(7)
    x = ember.tensor(data, dtype=F64).requires_grad_()
    tx = torch.tensor(data).requires_grad_()
    (x.unfold(0, 3, 1) * ember.arange(15, dtype=F64).reshape(5, 3)).sum().backward()
    (tx.unfold(0, 3, 1) * torch.arange(15, dtype=torch.float64).reshape(5, 3)).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), tx.grad.numpy())


# ---- copies and conversions ---------------------------------------------------------------------------

def test_dtype_conversions_cast_the_gradient_back():
    x = leaf(2, 3)
    for convert in (lambda a: a.float(), lambda a: a.half(), lambda a: a.bfloat16(),
                    lambda a: a.to(ember.float32), lambda a: a.to(dtype=ember.float16),
                    lambda a: a.type(ember.float32), lambda a: a.float().double(), lambda a: a.to(ember.zeros(1))):
        y = convert(x)
        assert y.requires_grad and y.grad_fn is not None
        (g,) = grads_of((y * 3).sum(), [x])
        assert g.dtype == F64
        np.testing.assert_array_equal(to_numpy(g), np.full((2, 3), 3.0))
    assert gradcheck(lambda a: a.float(), (x,), eps=1e-3, atol=1e-2)


def test_conversion_to_integers_is_not_differentiable():
    x = leaf(3)
    for y in (x.int(), x.long(), x.to(ember.int64), x.bool()):
        assert not y.requires_grad and y.grad_fn is None


def test_conversions_that_do_nothing_return_the_input():
    x = leaf(2, 3)
    assert x.contiguous() is x
    for same in (x.to(F64), x.double(), x.to("cpu"), x.cpu(), x.type(F64)):
        # PyTorch returns x itself; ember may return a new tensor (recorded, same values)
        assert same is x or same.grad_fn is not None
        (g,) = grads_of(same.sum(), [x])
        np.testing.assert_array_equal(to_numpy(g), np.ones((2, 3)))
    assert x.is_leaf and x.grad_fn is None
    y = x * 1
    node = y.grad_fn
    assert y.contiguous() is y and y.grad_fn is node


def test_device_copy_is_the_identity_on_cpu():
    x = leaf(2, 2)
    assert gradcheck(lambda a: a.to("cpu", copy=True), (x,))
    assert gradcheck(lambda a: a.to(ember.device("cpu"), F64, copy=True), (x,))


@pytest.mark.parametrize("noncontiguous", [False, True])
def test_clone_and_contiguous(noncontiguous):
    x = leaf(3, 4, noncontiguous=noncontiguous)
    assert gradcheck(lambda a: a.clone(), (x,))
    assert gradcheck(lambda a: a.t().contiguous(), (x,))
    assert gradcheck(lambda a: ember.clone(a), (x,))
    c = x.clone()
    assert not c.is_view and c.grad_fn is not None


def test_detach_is_not_differentiable():
    x = leaf(3)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (x * 2 + d).sum()
    y.backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2, 2, 2])
    d[0] = 5.0  # shares storage, and is a plain tensor: no error
    assert float(x[0].item()) == 5.0


def test_views_without_grad_record_nothing():
    x = ember.ones(2, 3)
    for v in (x.view(3, 2), x.t(), x.T, x[0], x[:, None], x.expand(4, 2, 3), x.unfold(1, 2, 1), x.diagonal()):
        assert v.grad_fn is None and not v.requires_grad
    y = leaf(2, 3)
    with ember.no_grad():
        assert not y.view(6).requires_grad and not y[0].requires_grad


# ---- in-place writes: t[key] = v, copy_, fill_, zero_ -----------------------------------------------

def test_setitem_into_a_constant():
    y = leaf(2)
    x = ember.zeros(5, dtype=F64)
    x[1:3] = y
    assert x.requires_grad and x.grad_fn is not None and not x.is_leaf
    (x * ember.arange(5, dtype=F64)).sum().backward()
    np.testing.assert_array_equal(to_numpy(y.grad), [1, 2])

    def fn(y):
        x = ember.zeros(5, dtype=F64)
        x[1:3] = y
        return x
    assert gradcheck(fn, (leaf(2),))


@pytest.mark.parametrize("name,key,value_shape", [
    ("slice", slice(1, 3), (2, 4)),
    ("broadcast value", slice(1, 3), (4,)),
    ("extra leading 1", 0, (1, 4)),
    ("int", (1, 2), ()),
    ("step", (slice(None), slice(None, None, 2)), (3, 1)),
    ("index", [2, 0], (2, 4)),
    ("mask", ember.tensor([True, False, True]), (4,)),
    ("element mask", ember.tensor([[True, False, True, False]] * 3), ()),
    ("mixed", (ember.tensor([0, 2]), slice(1, 3)), (2, 2)),
])
def test_setitem_gradients(name, key, value_shape):
    def fn(a, v):
        b = a * 1
        b[key] = v
        return b
    a, v = leaf(3, 4), leaf(*value_shape, seed=1)
    assert gradcheck(fn, (a, v))
    assert gradgradcheck(fn, (a, v))


def test_setitem_number_zeroes_the_region():
    a = leaf(2, 3)
    b = a * 2
    b[0] = 7.0
    assert b.requires_grad
    b.sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), [[0, 0, 0], [2, 2, 2]])


def test_setitem_value_of_another_dtype():
    a = ember.zeros(3, dtype=F64)
    v = ember.ones(2, dtype=ember.float32).requires_grad_()
    a[:2] = v
    a.sum().backward()
    assert v.grad.dtype == ember.float32
    np.testing.assert_array_equal(to_numpy(v.grad), [1, 1])


def test_setitem_matches_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(5)
    a0, v0, seed = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    a, v = ember.tensor(a0, dtype=F64).requires_grad_(), ember.tensor(v0, dtype=F64).requires_grad_()
    ta, tv = torch.tensor(a0).requires_grad_(), torch.tensor(v0).requires_grad_()
    for lib, x, y in ((ember, a, v), (torch, ta, tv)):
        b = x * 1
        b[[3, 1]] = y
        b[0, 1:] = 0.5
        (b * lib.tensor(seed)).sum().backward()
    np.testing.assert_allclose(to_numpy(a.grad), ta.grad.numpy())
    np.testing.assert_allclose(to_numpy(v.grad), tv.grad.numpy())


def test_inplace_through_views_of_a_non_leaf():
    a, w = leaf(3, 4), leaf(3, seed=1)
    b = a * 1
    b[0].mul_(2)
    v = b[:, 1]
    v.add_(w)
    assert b.grad_fn is not None and v.grad_fn is not None
    (b * ember.arange(12, dtype=F64).reshape(3, 4)).sum().backward()
    weights = np.arange(12.0).reshape(3, 4)
    expected = weights.copy()
    expected[0] *= 2
    np.testing.assert_array_equal(to_numpy(a.grad), expected)
    np.testing.assert_array_equal(to_numpy(w.grad), weights[:, 1])

    def fn(a, w):
        b = a * 1
        b[0].mul_(2)
        v = b[:, 1]
        v.add_(w)
        return b
    assert gradcheck(fn, (leaf(3, 4), leaf(3, seed=1)))


def test_inplace_through_views_matches_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(6)
    a0, w0, seed = rng.standard_normal((3, 4)), rng.standard_normal(2), rng.standard_normal((3, 4))
    grads = []
    for lib in (ember, torch):
        a = lib.tensor(a0, dtype=lib.float64).requires_grad_()
        w = lib.tensor(w0, dtype=lib.float64).requires_grad_()
        b = a * 2
        v = b.t()[1:3]          # a view of a view
        v[:, 0].mul_(w)         # in place into a view of it
        b.diagonal().zero_()
        (b * lib.tensor(seed)).sum().backward()
        grads.append((a.grad, w.grad))
    for g, tg in zip(grads[0], grads[1]):
        np.testing.assert_allclose(to_numpy(g), tg.numpy())


def test_write_into_a_view_of_a_constant_base():
    y = leaf(3)
    x = ember.zeros(2, 3, dtype=F64)
    x[1].copy_(y)
    assert x.requires_grad
    (x * 2).sum().backward()
    np.testing.assert_array_equal(to_numpy(y.grad), [2, 2, 2])


def test_the_written_view_itself_is_differentiable():
    y = leaf(2)
    x = ember.zeros(4, dtype=F64)
    v = x[1:3]
    v.copy_(y)
    assert v.requires_grad and x.requires_grad
    (v * ember.tensor([2.0, 3.0], dtype=F64)).sum().backward()
    np.testing.assert_array_equal(to_numpy(y.grad), [2, 3])


def test_successive_writes():
    y, z = leaf(2), leaf(seed=1)
    x = ember.zeros(4, dtype=F64)
    x[:2] = y
    x[1] = z  # overwrites y[1]
    x[3] = z
    (x * ember.arange(4, dtype=F64)).sum().backward()
    np.testing.assert_array_equal(to_numpy(y.grad), [0, 0])
    np.testing.assert_array_equal(to_numpy(z.grad), 4.0)


@pytest.mark.parametrize("src_shape,src_dtype", [((2, 3), F64), ((3,), F64), ((2, 3), ember.float32), ((1,), F64)])
def test_copy_(src_shape, src_dtype):
    a = leaf(2, 3)
    src = ember.ones(*src_shape, dtype=src_dtype).requires_grad_()
    b = a * 1
    b.copy_(src)
    b.sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), np.zeros((2, 3)))
    assert src.grad.dtype == src_dtype and tuple(src.grad.shape) == src_shape
    np.testing.assert_array_equal(to_numpy(src.grad), np.full(src_shape, 6.0 / np.prod(src_shape)))

    def fn(a, s):
        b = a * 1
        b.copy_(s)
        return b
    assert gradcheck(fn, (leaf(2, 3), leaf(3, seed=2)))


def test_copy_into_a_constant():
    s = leaf(4)
    x = ember.zeros(4, dtype=ember.float32)
    x.copy_(s)
    assert x.requires_grad and x.dtype == ember.float32
    x.sum().backward()
    assert s.grad.dtype == F64


def test_fill_and_zero():
    a, v = leaf(2, 3), leaf(seed=1)
    b = a * 3
    b[0].fill_(v)
    c = a * 3
    c[:, 1].zero_()
    d = a * 1
    d.fill_(2.0)
    assert b.requires_grad and c.requires_grad and d.requires_grad
    (b.sum() + c.sum() + d.sum()).backward()
    np.testing.assert_array_equal(to_numpy(a.grad), [[3, 0, 3], [6, 3, 6]])
    np.testing.assert_array_equal(to_numpy(v.grad), 3.0)

    def fn(a, v):
        b = a * 1
        b[1:].fill_(v)
        b[:, 0].zero_()
        return b
    assert gradcheck(fn, (leaf(3, 2), leaf(seed=1)))


def test_fill_zero_copy_match_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(7)
    a0, s0, seed = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((3, 4))
    grads = []
    for lib in (ember, torch):
        a = lib.tensor(a0, dtype=lib.float64).requires_grad_()
        s = lib.tensor(s0, dtype=lib.float64).requires_grad_()
        v = lib.tensor(0.5, dtype=lib.float64).requires_grad_()
        b = a * 2
        b[0].copy_(s)
        b[1].fill_(v)
        b[2, ::2].zero_()
        (b * lib.tensor(seed)).sum().backward()
        grads.append((a.grad, s.grad, v.grad))
    for g, tg in zip(*grads):
        np.testing.assert_allclose(to_numpy(g), tg.numpy())


@pytest.mark.parametrize("write", [
    lambda t: t.__setitem__(0, 1.0),
    lambda t: t.__setitem__([0, 1], 1.0),
    lambda t: t.copy_(ember.ones(3, dtype=F64)),
    lambda t: t.fill_(2.0),
    lambda t: t.zero_(),
])
def test_inplace_on_leaves_that_require_grad_is_refused(write):
    x = leaf(3)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        write(x)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        write(x.view(3))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[1:].zero_()
    with ember.no_grad():
        write(x)  # allowed without grad mode
    assert x.is_leaf and x.grad_fn is None


def test_setitem_of_a_grad_value_into_a_leaf_requiring_grad_is_refused():
    x = leaf(3)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = leaf(seed=1)


def test_saved_tensor_modified_in_place_raises():
    a = leaf(3)
    b = a * 1
    c = b * b
    b[0] = 2.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()

    x = leaf(2, 3)
    index = ember.tensor([[0, 1], [2, 2]])
    y = x.gather(1, index)  # saves the index
    index[0, 0] = 2
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()

    e = (leaf(3) * 1).exp()
    e[1:].zero_()  # exp saved its output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()


def test_inplace_ops_on_a_view_update_the_version_seen_by_the_base():
    a = leaf(2, 2)
    b = a * 1
    c = b * b  # saves b
    b[0].zero_()  # a write through a view of b
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


# A view made before an in-place write into its base (or into a sibling view) must see the
# written value: its edge is remade from the base's new node once the storage version moved on.


def test_view_taken_before_an_inplace_write_into_its_base():
    a = leaf(3)
    b = a * 1
    v = b[0:2]
    b.mul_(2)
    v.sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), [2, 2, 0])


def test_write_through_a_view_of_a_view_reaches_the_outer_view():
    a, y = leaf(2, 3), leaf(3, seed=1)
    b = (a * 1).t()
    b[:, 0].copy_(y)
    b.sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), [[0, 0, 0], [1, 1, 1]])
    np.testing.assert_array_equal(to_numpy(y.grad), [1, 1, 1])


@pytest.mark.parametrize("name,fn", [
    ("permute", lambda e: e.permute(1, 0)), ("t", lambda e: e.t()), ("basic key", lambda e: e[1:, ::2]),
    ("advanced key", lambda e: e[[0, 0, 2], 1:]), ("mask", lambda e: e[ember.tensor([True, False, True])]),
    ("narrow", lambda e: e.narrow(1, 1, 2)), ("select", lambda e: e.select(0, 2)),
    ("diagonal", lambda e: e.diagonal()), ("unfold", lambda e: e.unfold(1, 2, 1)),
    ("flatten", lambda e: e.flatten()), ("reshape", lambda e: e.reshape(2, 6)), ("view", lambda e: e.view(3, 2, 2)),
    ("clone", lambda e: e.clone()), ("contiguous", lambda e: e.contiguous()), ("unsqueeze", lambda e: e.unsqueeze(1)),
])
def test_broadcast_inputs(name, fn):
    """Inputs with stride-0 dims (an expanded leaf) go through the views like any other."""
    assert gradcheck(lambda a: fn(a.expand(3, 4)), (leaf(1, 4),))
    assert gradcheck(lambda a: fn(a.expand(3, 4)), (leaf(3, 1),))


def test_views_saving_nothing_backward_twice():
    """Like PyTorch's, the backward of an op that saved no tensor may run again without
    retain_graph."""
    x = leaf(3, 4)
    for fn in (lambda a: a[1:], lambda a: a[0, 1], lambda a: a.t(), lambda a: a.narrow(0, 1, 1),
               lambda a: a.unfold(1, 2, 1), lambda a: a.reshape(12), lambda a: a.expand(2, 3, 4)):
        y = fn(x).sum()
        first, = ember.autograd.grad(y, [x])
        second, = ember.autograd.grad(y, [x])
        np.testing.assert_array_equal(to_numpy(first), to_numpy(second))
    x = leaf(3)
    y = x[ember.tensor([0, 0])].sum()
    ember.autograd.grad(y, [x])
    with pytest.raises(RuntimeError, match="second time"):
        ember.autograd.grad(y, [x])  # saved its index, as PyTorch's IndexBackward does
