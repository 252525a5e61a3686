"""Focused tests of the joining, splitting and rearranging ops: what the op database does not
express (views, out=, in-place forms, promotion across dtypes, messages)."""
import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, dtype_name, to_numpy

F = ember.nn.functional


def _t(a, dtype=None):
    return ember.tensor(np.asarray(a), dtype=dtype)


# ---- cat ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [(ember.int8, ember.uint8), (ember.bool, ember.float16),
                                 (ember.float16, ember.bfloat16), (ember.int64, ember.float32),
                                 (ember.float32, ember.float64)])
def test_cat_promotes_like_torch(a, b):
    x, y = ember.ones((2, 2), dtype=a), ember.zeros((1, 2), dtype=b)
    got = ember.cat([x, y])
    assert got.dtype == ember.promote_types(a, b)
    np.testing.assert_array_equal(to_numpy(got).astype(np.float64), [[1, 1], [1, 1], [0, 0]])


def test_cat_legacy_empty_takes_part_in_promotion():
    got = ember.cat([ember.empty(0, dtype=ember.float64), ember.ones((2, 3))])
    assert got.dtype == ember.float64 and tuple(got.shape) == (2, 3)


def test_cat_only_legacy_empties():
    got = ember.cat([ember.empty(0), ember.empty(0, dtype=ember.int32)])
    assert tuple(got.shape) == (0,) and got.dtype == ember.float32


def test_cat_out():
    x, y = ember.ones((2, 3), dtype=ember.int32), ember.zeros((1, 3), dtype=ember.int32)
    out = ember.empty((3, 3), dtype=ember.float64)
    version = out._version
    assert ember.cat([x, y], out=out) is out
    assert out._version > version
    np.testing.assert_array_equal(to_numpy(out), [[1, 1, 1], [1, 1, 1], [0, 0, 0]])


def test_cat_out_into_a_view_overlapping_an_input():
    base = ember.arange(12.).reshape(4, 3)
    top = base[:2]
    ember.cat([top[1:], top[:1]], out=base[2:])  # rows 2, 3 receive rows 1, 0
    np.testing.assert_array_equal(to_numpy(base)[2:], [[3, 4, 5], [0, 1, 2]])
    out = base[:3]
    ember.cat([base[1:3], base[:1]], out=out)  # reads what it overwrites
    np.testing.assert_array_equal(to_numpy(base)[:3], [[3, 4, 5], [3, 4, 5], [0, 1, 2]])


def test_cat_out_bad():
    x = ember.ones((2, 3))
    with pytest.raises(ValueError, match=r"out has shape \[3, 3\]"):
        ember.cat([x, x], out=ember.empty((3, 3)))
    out = ember.zeros((4, 3), dtype=ember.int32)
    with pytest.raises(TypeError, match="float32 can't be cast"):
        ember.cat([x, x], out=out)
    assert to_numpy(out).sum() == 0


def test_cat_error_names_tensor_and_shapes():
    a, b, c = ember.ones((2, 3)), ember.ones((2, 3)), ember.ones((3, 4))
    with pytest.raises(RuntimeError, match=r"tensor number 2 in the list \(shapes \[2, 3\] and \[3, 4\]\)"):
        ember.cat([a, b, c], dim=0)
    with pytest.raises(TypeError, match="element 1"):
        ember.cat([a, np.ones((2, 3))])
    with pytest.raises(TypeError):
        ember.cat(a)


def test_concatenate_axis_and_stack_out():
    x = ember.ones((2, 2))
    assert tuple(ember.concatenate([x, x], axis=1).shape) == (2, 4)
    out = ember.empty((2, 2, 2))
    assert ember.stack([x, x], 1, out=out) is out


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_cat_non_contiguous_every_dtype(dtype):
    a = np.arange(24).reshape(4, 6) % 3
    x = _t(a).to(dtype)
    pieces = [x.t(), x[::2].t(), x[:, ::-1].t()[:, 1:]]
    got = ember.cat(pieces, dim=1)
    want = np.concatenate([to_numpy(p) for p in pieces], axis=1)
    np.testing.assert_array_equal(to_numpy(got), want)
    assert got.dtype == dtype and got.is_contiguous()


# ---- splits are views ---------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [lambda t: t.split(2), lambda t: t.split([1, 3]), lambda t: t.chunk(3),
                                lambda t: t.tensor_split([1, 3]), lambda t: t.unbind(0),
                                lambda t: ember.tensor_split(t, ember.tensor(2))])
def test_splits_are_views(fn):
    x = ember.arange(8.).reshape(4, 2)
    pieces = fn(x)
    assert isinstance(pieces, tuple)
    for p in pieces:
        assert p._impl._same_storage(x._impl)
    pieces[0].fill_(-1)
    assert to_numpy(x)[0, 0] == -1


def test_split_sizes_on_zero_dim_and_errors():
    x = ember.zeros((0, 3))
    assert [tuple(p.shape) for p in ember.split(x, 2)] == [(0, 3)]
    assert [tuple(p.shape) for p in ember.split(x, 0)] == [(0, 3)]
    assert [tuple(p.shape) for p in ember.split(x, [0, 0])] == [(0, 3), (0, 3)]
    with pytest.raises(ValueError, match="split_size can only be 0"):
        ember.split(ember.ones(3), 0)
    with pytest.raises(ValueError):
        ember.split(ember.ones(()), 1)


# ---- in-place triangles ---------------------------------------------------------------------------

@pytest.mark.parametrize("upper", [False, True])
def test_tril_triu_in_place_non_contiguous(upper):
    base = ember.arange(1., 31.).reshape(2, 5, 3)
    view = base.transpose(1, 2)  # (2, 3, 5), strided
    want = (np.triu if upper else np.tril)(to_numpy(view), 1)
    version = base._version
    got = view.triu_(1) if upper else view.tril_(1)
    assert got is view and base._version > version
    np.testing.assert_array_equal(to_numpy(view), want)


def test_tril_in_place_refuses_expanded():
    x = ember.ones(3).expand(3, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        x.tril_()


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_tril_every_dtype_negative_zero(dtype):
    x = ember.ones((3, 3), dtype=dtype)
    np.testing.assert_array_equal(to_numpy(ember.triu(x, -1)), np.triu(np.ones((3, 3)), -1).astype(to_numpy(x).dtype))


# ---- rearranging ----------------------------------------------------------------------------------

def test_flip_method_forms_and_negative_stride_input():
    x = ember.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(to_numpy(x.flip(0, 1)), np.flip(to_numpy(x)))
    np.testing.assert_array_equal(to_numpy(x.flip([1])), to_numpy(x)[:, ::-1])
    y = x[::-1]
    np.testing.assert_array_equal(to_numpy(y.flip(0)), to_numpy(x))


def test_repeat_interleave_forms():
    r = ember.tensor([1, 0, 3])
    np.testing.assert_array_equal(to_numpy(ember.repeat_interleave(r)), [0, 2, 2, 2])
    np.testing.assert_array_equal(to_numpy(r.repeat_interleave(2)), [1, 1, 0, 0, 3, 3])
    x = ember.tensor([[1, 2], [3, 4]])
    np.testing.assert_array_equal(to_numpy(x.repeat_interleave(ember.tensor([1, 2]), dim=0)),
                                  [[1, 2], [3, 4], [3, 4]])
    assert tuple(ember.repeat_interleave(ember.tensor(5), 3).shape) == (3,)


def test_tile_and_repeat_method_forms():
    x = ember.tensor([1, 2])
    np.testing.assert_array_equal(to_numpy(x.repeat(2, 2)), np.tile([1, 2], (2, 2)))
    np.testing.assert_array_equal(to_numpy(x.repeat((2,))), [1, 2, 1, 2])
    np.testing.assert_array_equal(to_numpy(x.tile(2, 1)), np.tile([1, 2], (2, 1)))


def test_roll_non_contiguous():
    x = ember.arange(12).reshape(3, 4).t()
    np.testing.assert_array_equal(to_numpy(x.roll(1, 0)), np.roll(to_numpy(x), 1, axis=0))
    np.testing.assert_array_equal(to_numpy(ember.roll(x, 5)), np.roll(to_numpy(x), 5))


# ---- broadcasting ---------------------------------------------------------------------------------

def test_broadcast_results_are_views():
    x = ember.arange(3.)
    y = ember.broadcast_to(x, (2, 3))
    assert y._impl._same_storage(x._impl) and y.stride() == (0, 1)
    a, b = ember.broadcast_tensors(x, ember.zeros(2, 1))
    assert a._impl._same_storage(x._impl) and tuple(b.shape) == (2, 3)
    assert ember.broadcast_shapes((2, 1), (3,), 1) == (2, 3)
    with pytest.raises(ValueError):
        ember.broadcast_shapes((2,), (3,))


def test_meshgrid_default_ij_and_list_form():
    gx, gy = ember.meshgrid([ember.arange(3), ember.arange(2)])
    assert tuple(gx.shape) == (3, 2) and tuple(gy.shape) == (3, 2)
    gx, gy = ember.meshgrid(ember.arange(3), ember.arange(2), indexing="xy")
    assert tuple(gx.shape) == (2, 3)
    np.testing.assert_array_equal(to_numpy(gx), np.meshgrid(np.arange(3), np.arange(2))[0])


# ---- pad ----------------------------------------------------------------------------------------------

def test_pad_constant_value_kinds():
    x = ember.ones((2, 2), dtype=ember.int32)
    got = F.pad(x, (1, 0), value=2.7)
    assert got.dtype == ember.int32
    np.testing.assert_array_equal(to_numpy(got), [[2, 1, 1], [2, 1, 1]])
    got = F.pad(ember.zeros(2, dtype=ember.bool), (1, 1), value=True)
    np.testing.assert_array_equal(to_numpy(got), [True, False, False, True])
    got = F.pad(ember.zeros(2), (1, 1), value=float("-inf"))
    assert np.isneginf(to_numpy(got)[0])


def test_pad_matches_torch_on_strided_input():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 6, 5)).astype(np.float32)
    x = ember.tensor(a).permute(0, 1, 3, 2)[:, :, ::-1]  # (2, 3, 5, 6), non-contiguous, negative stride
    tx = torch.from_numpy(to_numpy(x).copy())
    for mode in ("constant", "reflect", "replicate", "circular"):
        got = F.pad(x, (2, 3, 4, 1), mode=mode)
        want = torch.nn.functional.pad(tx, (2, 3, 4, 1), mode=mode)
        np.testing.assert_array_equal(to_numpy(got), want.numpy(), err_msg=mode)


def test_pad_errors_leave_input():
    x = ember.arange(6.).reshape(1, 2, 3)
    with pytest.raises(ValueError, match=r"padding \(3, 0\) at dimension 2 of input \[1, 2, 3\]"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(TypeError):
        F.pad(x, 1)
    np.testing.assert_array_equal(to_numpy(x), np.arange(6.).reshape(1, 2, 3))


def test_repeat_many_dims():
    # 13 dims that all repeat need 26 iterator dims in one copy; the op splits the work. (uint8
    # and block checks keep the 2**26-element result cheap.)
    x = (ember.arange(2 ** 13) % 7).to(ember.uint8).reshape([2] * 13)
    got = x.repeat([2] * 13)
    assert tuple(got.shape) == (4,) * 13
    want = to_numpy(x)
    for block in ([0] * 13, [1] * 13, [0, 1] * 6 + [1]):
        index = tuple(slice(2 * b, 2 * b + 2) for b in block)
        np.testing.assert_array_equal(to_numpy(got[index]), want)
