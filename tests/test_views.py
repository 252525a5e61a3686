"""Views: they share storage with their base (a write through one shows in the
other), have the shapes, strides and offsets PyTorch gives them, and read the
same values NumPy's equivalent view reads. Negative-step slicing follows NumPy
(an ember extension)."""
import numpy as np
import pytest

import ember
from conftest import assert_equal, make_tensor, supports_negative_strides, to_numpy


def arange(*shape, dtype=ember.float32):
    n = int(np.prod(shape)) if shape else 1
    return ember.arange(n, dtype=dtype).reshape(*shape) if shape else ember.tensor(0.0)


def np_arange(*shape):
    return np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)


def assert_shares_storage(view, base):
    """Writing through `view` changes `base`, and the view's data lies in base's storage."""
    itemsize = np.dtype(np.float32).itemsize
    assert view.data_ptr() == base.data_ptr() + view.storage_offset() * itemsize
    before = to_numpy(base)
    view.fill_(-7.0)
    after = to_numpy(base)
    assert (after != before).any(), "a write through the view did not reach the base"
    assert (to_numpy(view) == -7.0).all()
    assert (after == -7.0).sum() <= view.numel()  # nothing outside the view was written


# --- view / reshape --------------------------------------------------------------

def test_view_shares_storage_and_reads_row_major():
    base = arange(3, 4)
    v = base.view(4, 3)
    assert v.shape == (4, 3) and v.stride() == (3, 1)
    assert_equal(v, np_arange(3, 4).reshape(4, 3))
    assert v.data_ptr() == base.data_ptr()
    v.add_(100)
    assert_equal(base, np_arange(3, 4) + 100)


@pytest.mark.parametrize("shape", [(-1,), (2, -1), (-1, 6), (3, 2, 2), (12, 1)])
def test_view_infers_minus_one(shape):
    v = arange(3, 4).view(*shape)
    assert v.shape == np_arange(3, 4).reshape(shape).shape
    assert_equal(v, np_arange(3, 4).reshape(shape))


def test_view_accepts_a_tuple():
    assert arange(3, 4).view((2, 6)).shape == (2, 6)
    assert arange(3, 4).reshape((6, 2)).shape == (6, 2)


def test_view_of_incompatible_strides_raises():
    t = arange(3, 4).t()
    before = to_numpy(t)
    with pytest.raises(RuntimeError):
        t.view(12)
    np.testing.assert_array_equal(to_numpy(t), before)


def test_view_with_wrong_numel_raises():
    with pytest.raises(RuntimeError):
        arange(2, 3).view(4, 2)
    with pytest.raises(RuntimeError):
        arange(2, 3).view(-1, -1)


def test_view_merging_compatible_non_contiguous_dims():
    # A (4, 6) tensor stepped along dim 0 keeps dim 1 contiguous: view(2, 2, 6) works.
    base = arange(8, 6)
    t = base[::2]
    v = t.view(2, 2, 6)
    assert_equal(v, np_arange(8, 6)[::2].reshape(2, 2, 6))
    assert v.data_ptr() == base.data_ptr()


def test_reshape_is_a_view_when_possible():
    base = arange(3, 4)
    r = base.reshape(2, 6)
    assert r.data_ptr() == base.data_ptr()
    r.fill_(1.0)
    assert to_numpy(base).tolist() == [[1.0] * 4] * 3


def test_reshape_copies_when_it_must():
    base = arange(3, 4)
    t = base.t()
    r = t.reshape(12)
    assert_equal(r, np_arange(3, 4).T.reshape(12))
    assert r.is_contiguous()
    r.fill_(0.0)
    assert_equal(base, np_arange(3, 4))  # the copy is independent


# --- permute / transpose / t / mT ------------------------------------------------------

def test_permute_strides_and_values():
    base = arange(2, 3, 4)
    p = base.permute(2, 0, 1)
    assert p.shape == (4, 2, 3)
    assert p.stride() == (1, 12, 4)
    assert not p.is_contiguous()
    assert_equal(p, np_arange(2, 3, 4).transpose(2, 0, 1))
    assert_shares_storage(p, base)


def test_permute_accepts_negative_dims_and_a_tuple():
    t = arange(2, 3, 4)
    assert t.permute(-1, 0, 1).shape == (4, 2, 3)
    assert t.permute((1, 2, 0)).shape == (3, 4, 2)


def test_permute_with_repeated_dim_raises():
    with pytest.raises(RuntimeError):
        arange(2, 3).permute(0, 0)


def test_transpose_and_t():
    base = arange(3, 5)
    tr = base.transpose(0, 1)
    assert tr.shape == (5, 3) and tr.stride() == (1, 5)
    assert_equal(tr, np_arange(3, 5).T)
    assert_equal(base.t(), np_arange(3, 5).T)
    assert_equal(ember.transpose(base, 1, 0), np_arange(3, 5).T)
    assert_shares_storage(base.t(), base)
    assert_equal(arange(4).t(), np_arange(4))  # t() of a vector is itself


def test_t_of_3d_raises():
    with pytest.raises(RuntimeError):
        arange(2, 3, 4).t()


def test_mT_transposes_the_last_two_dims():
    t = arange(2, 3, 4)
    if not hasattr(t, "mT"):
        pytest.skip("mT is optional")
    assert_equal(t.mT, np_arange(2, 3, 4).swapaxes(-1, -2))


def test_transpose_dim_out_of_range_raises():
    with pytest.raises(IndexError):
        arange(2, 3).transpose(0, 2)


def test_contiguous_copies_non_contiguous_and_keeps_contiguous():
    base = arange(3, 4)
    assert base.contiguous().data_ptr() == base.data_ptr()
    c = base.t().contiguous()
    assert c.is_contiguous() and c.stride() == (3, 1)
    assert_equal(c, np_arange(3, 4).T)
    assert c.data_ptr() != base.data_ptr()


# --- expand / squeeze / unsqueeze / flatten / unflatten ----------------------------------

def test_expand_has_zero_strides_and_shares_storage():
    base = arange(3, 1)
    e = base.expand(3, 4)
    assert e.shape == (3, 4)
    assert e.stride() == (1, 0)
    assert_equal(e, np.broadcast_to(np_arange(3, 1), (3, 4)))
    assert e.data_ptr() == base.data_ptr()
    base.add_(10)
    assert_equal(e, np.broadcast_to(np_arange(3, 1) + 10, (3, 4)))


def test_expand_with_minus_one_and_new_leading_dims():
    base = arange(1, 4)
    e = base.expand(2, -1, 4)
    assert e.shape == (2, 1, 4)
    assert e.stride()[0] == 0
    assert_equal(e, np.broadcast_to(np_arange(1, 4), (2, 1, 4)))


def test_expand_non_singleton_raises():
    with pytest.raises(RuntimeError):
        arange(2, 3).expand(4, 3)


def test_squeeze_and_unsqueeze():
    base = arange(1, 3, 1, 2)
    assert base.squeeze().shape == (3, 2)
    assert base.squeeze(0).shape == (3, 1, 2)
    assert base.squeeze(1).shape == (1, 3, 1, 2)  # not size 1: unchanged
    assert base.squeeze(-2).shape == (1, 3, 2)
    assert_shares_storage(base.squeeze(), base)
    u = arange(3, 2).unsqueeze(1)
    assert u.shape == (3, 1, 2)
    assert arange(3, 2).unsqueeze(-1).shape == (3, 2, 1)
    assert arange(3, 2).unsqueeze(0).shape == (1, 3, 2)
    assert_equal(u, np_arange(3, 2)[:, None, :])


def test_unsqueeze_dim_out_of_range_raises():
    with pytest.raises(IndexError):
        arange(3, 2).unsqueeze(4)


def test_flatten():
    base = arange(2, 3, 4)
    assert base.flatten().shape == (24,)
    assert base.flatten(1).shape == (2, 12)
    assert base.flatten(0, 1).shape == (6, 4)
    assert ember.flatten(base, start_dim=-2).shape == (2, 12)
    assert base.flatten().data_ptr() == base.data_ptr()
    f = base.permute(2, 0, 1).flatten()
    assert_equal(f, np_arange(2, 3, 4).transpose(2, 0, 1).reshape(-1))
    assert ember.tensor(5.0).flatten().shape == (1,)


def test_unflatten():
    base = arange(2, 12)
    u = base.unflatten(1, (3, 4))
    assert u.shape == (2, 3, 4)
    assert_equal(u, np_arange(2, 12).reshape(2, 3, 4))
    assert base.unflatten(-1, (2, -1)).shape == (2, 2, 6)
    assert_shares_storage(u, base)


# --- narrow / select / diagonal / as_strided / unfold ---------------------------------------

def test_narrow():
    base = arange(4, 6)
    n = base.narrow(1, 2, 3)
    assert n.shape == (4, 3)
    assert n.storage_offset() == 2
    assert_equal(n, np_arange(4, 6)[:, 2:5])
    assert_shares_storage(n, base)


def test_narrow_out_of_range_raises():
    with pytest.raises((RuntimeError, IndexError)):
        arange(2, 3).narrow(1, 1, 5)


def test_select():
    base = arange(3, 4, 5)
    s = base.select(1, 2)
    assert s.shape == (3, 5)
    assert s.storage_offset() == 10
    assert_equal(s, np_arange(3, 4, 5)[:, 2, :])
    assert_equal(base.select(0, -1), np_arange(3, 4, 5)[-1])
    assert_shares_storage(s, base)


def test_select_out_of_range_raises():
    with pytest.raises(IndexError):
        arange(3).select(0, 3)


def test_diagonal():
    base = arange(4, 5)
    d = base.diagonal()
    assert_equal(d, np.diagonal(np_arange(4, 5)).copy())
    assert d.stride() == (6,)
    assert_equal(base.diagonal(offset=1), np.diagonal(np_arange(4, 5), offset=1).copy())
    assert_equal(base.diagonal(offset=-2), np.diagonal(np_arange(4, 5), offset=-2).copy())
    b3 = arange(2, 3, 3)
    assert_equal(b3.diagonal(dim1=1, dim2=2), np.diagonal(np_arange(2, 3, 3), axis1=1,
                                                          axis2=2).copy())
    assert_equal(ember.diagonal(b3, 0, 0, 2), np.diagonal(np_arange(2, 3, 3), 0, 0, 2).copy())
    assert_shares_storage(d, base)


def test_as_strided():
    base = arange(10)
    s = base.as_strided((3, 3), (2, 1), 1)
    expected = np.lib.stride_tricks.as_strided(np_arange(10)[1:], (3, 3), (8, 4))
    assert_equal(s, expected.copy())
    assert s.storage_offset() == 1
    assert s.stride() == (2, 1)
    assert_equal(ember.as_strided(base, (2, 2), (1, 2)), np.array([[0, 2], [1, 3]],
                                                                  dtype=np.float32))


def test_as_strided_beyond_storage_raises():
    with pytest.raises(RuntimeError):
        arange(4).as_strided((2, 2), (1, 2), 1)


def test_unfold():
    base = arange(10)
    u = base.unfold(0, 3, 2)
    assert u.shape == (4, 3)
    assert u.stride() == (2, 1)
    assert_equal(u, np.lib.stride_tricks.sliding_window_view(np_arange(10), 3)[::2].copy())
    m = arange(3, 6).unfold(1, 2, 2)
    assert m.shape == (3, 3, 2)
    assert_equal(m, np_arange(3, 6).reshape(3, 3, 2))
    assert_shares_storage(u, base)


def test_unfold_window_too_large_raises():
    with pytest.raises(RuntimeError):
        arange(10).unfold(0, 11, 1)


# --- indexing and slicing ------------------------------------------------------------

INDICES = [
    pytest.param((1,), id="int"),
    pytest.param((-1,), id="negative_int"),
    pytest.param((slice(1, 3),), id="slice"),
    pytest.param((slice(None, None, 2),), id="step2"),
    pytest.param((slice(1, None, 3), slice(None, 4)), id="step3_two_dims"),
    pytest.param((slice(2, 100),), id="stop_past_end"),
    pytest.param((slice(-3, None),), id="negative_start"),
    pytest.param((slice(4, 2),), id="empty_slice"),
    pytest.param((1, 2), id="two_ints"),
    pytest.param((slice(None), 1), id="column"),
    pytest.param((None,), id="none"),
    pytest.param((slice(None), None, 2), id="none_in_middle"),
    pytest.param((Ellipsis, 0), id="ellipsis_int"),
    pytest.param((0, Ellipsis), id="int_ellipsis"),
    pytest.param((Ellipsis, None), id="ellipsis_none"),
    pytest.param((1, slice(None), slice(2, 4)), id="three_dims"),
    pytest.param((None, Ellipsis, slice(1, 2), None), id="mixed"),
]


@pytest.mark.parametrize("index", INDICES)
def test_basic_indexing_matches_numpy(index):
    base = arange(4, 5, 6)
    v = base[index]
    expected = np_arange(4, 5, 6)[index]
    assert v.shape == expected.shape
    assert_equal(v, expected.copy())
    if v.numel() > 0:
        assert_shares_storage(v, base)


def test_integer_index_of_vector_gives_zero_dim():
    t = arange(5)
    assert t[2].shape == () and t[2].item() == 2.0
    assert t[-1].item() == 4.0


@pytest.mark.parametrize("index", [5, -6, (0, 0)], ids=["past_end", "before_start", "too_many"])
def test_index_out_of_range_raises_index_error(index):
    with pytest.raises(IndexError):
        arange(5)[index]


def test_slice_storage_offset_and_strides():
    t = arange(6, 8)[2:5, 1::3]
    assert t.storage_offset() == 2 * 8 + 1
    assert t.stride() == (8, 3)
    assert t.shape == (3, 3)


def test_views_of_views_compose():
    base = arange(6, 8)
    v = base.t()[1:7:2].unsqueeze(0).narrow(2, 1, 3)
    expected = np_arange(6, 8).T[1:7:2][None][:, :, 1:4]
    assert_equal(v, expected.copy())
    assert_shares_storage(v, base)


def test_is_contiguous_flags():
    t = arange(3, 4)
    assert t.is_contiguous()
    assert t[1:].is_contiguous()
    assert not t[:, 1:].is_contiguous()
    assert not t.t().is_contiguous()
    assert not arange(1, 4).expand(3, 4).is_contiguous()
    assert arange(4, 1).t().is_contiguous()  # size-1 dims do not matter


# --- negative steps: an ember extension, compared with NumPy --------------------------------

NEGATIVE_STEP_INDICES = [
    pytest.param((slice(None, None, -1),), id="reverse_rows"),
    pytest.param((slice(None), slice(None, None, -1)), id="reverse_cols"),
    pytest.param((slice(None, None, -2), slice(None, None, -3)), id="step-2_-3"),
    pytest.param((slice(4, 0, -1),), id="start_stop"),
    pytest.param((slice(-1, -5, -2), 2), id="negative_bounds"),
    pytest.param((slice(None, None, -1), slice(1, 5, 2)), id="mixed_signs"),
    pytest.param((slice(0, 3, -1),), id="empty"),
    pytest.param((Ellipsis, slice(None, None, -1)), id="ellipsis"),
]


@pytest.mark.ember_only
@pytest.mark.parametrize("index", NEGATIVE_STEP_INDICES)
def test_negative_step_slicing_matches_numpy(index):
    base = arange(6, 7)
    v = base[index]
    expected = np_arange(6, 7)[index]
    assert v.shape == expected.shape
    assert_equal(v, expected.copy())
    if v.numel() > 0:
        assert_shares_storage(v, base)


@pytest.mark.ember_only
def test_negative_step_view_strides_and_offset():
    base = arange(10)
    r = base[::-1]
    assert r.stride() == (-1,)
    assert r.storage_offset() == 9
    assert r.data_ptr() == base.data_ptr() + 9 * 4
    assert not r.is_contiguous()
    m = arange(4, 5)[::-2, 1:]
    assert m.stride() == (-10, 1)
    assert m.storage_offset() == 3 * 5 + 1


@pytest.mark.ember_only
def test_negative_step_views_in_operations(rng):
    a = rng.normal(size=(5, 6)).astype(np.float32)
    t = ember.tensor(a)
    r = t[::-1, ::-2]
    expected = a[::-1, ::-2]
    assert_equal(r.contiguous(), expected.copy())
    assert_equal(r + 1, expected + 1)
    np.testing.assert_allclose(to_numpy(r.sum(dim=0)), expected.sum(axis=0), rtol=1e-5)
    assert_equal(r.reshape(-1), expected.reshape(-1))
    assert_equal(r.t(), expected.T.copy())
    # Writing through a reversed view lands in the mirrored places.
    r.fill_(0.0)
    written = a.copy()
    written[::-1, ::-2] = 0.0
    assert_equal(t, written)


@pytest.mark.ember_only
def test_negative_step_numpy_round_trip():
    base = arange(4, 5)
    r = base[::-1]
    n = r.numpy()
    assert n.strides == (-20, 4)
    np.testing.assert_array_equal(n, np_arange(4, 5)[::-1])
    assert_equal(make_tensor(n), np_arange(4, 5)[::-1].copy())


# --- random slicing (property-based, when hypothesis is installed) ------------------------

try:
    import hypothesis
    from hypothesis import strategies as st
except ImportError:  # the rest of the suite runs without it
    hypothesis = None


if hypothesis is not None:

    @st.composite
    def _shape_and_index(draw):
        shape = tuple(draw(st.lists(st.integers(0, 6), min_size=1, max_size=4)))
        steps = st.integers(-3, 3).filter(bool) if supports_negative_strides() \
            else st.integers(1, 3)
        index = []
        for size in shape:
            kind = draw(st.sampled_from(["slice", "int", "full"]))
            if kind == "int" and size > 0:
                index.append(draw(st.integers(-size, size - 1)))
            elif kind == "slice":
                bound = st.none() | st.integers(-size - 2, size + 2)
                index.append(slice(draw(bound), draw(bound), draw(steps)))
            else:
                index.append(slice(None))
        if draw(st.booleans()):
            index.insert(draw(st.integers(0, len(index))), None)
        return shape, tuple(index)

    @hypothesis.settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @hypothesis.given(_shape_and_index())
    def test_random_slicing_matches_numpy(case):
        shape, index = case
        n = int(np.prod(shape))
        a = np.arange(n, dtype=np.float32).reshape(shape)
        t = ember.arange(n, dtype=ember.float32).reshape(*shape)
        v = t[index]
        expected = a[index]
        assert tuple(v.shape) == expected.shape
        np.testing.assert_array_equal(to_numpy(v), expected)
        if v.numel() > 0:
            flat = expected.reshape(-1)[0]
            assert v.data_ptr() == t.data_ptr() + int(flat) * 4  # a view, not a copy
