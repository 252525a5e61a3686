"""t[key] against NumPy (applying PyTorch's rule that integers select before the tensor entries
count), exhaustively over combinations of entries, and against PyTorch where installed."""
import itertools

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, assert_equal, dtype_name, make_tensor, numpy_dtype, to_numpy
from op_db_indexing import np_getitem

SHAPE = (3, 4, 5)

# Entries valid on any dim of SHAPE (every size is at least 3).
ENTRIES = [
    0, -1, slice(None), slice(1, None, 2), None, Ellipsis,
    np.array([0, 2, -1]), np.array([[1], [0]]), [1, 0], np.array(2),
]
NEGATIVE_STEPS = [slice(None, None, -1), slice(-1, 0, -2)]


def _keys(entries, max_len=3):
    for n in range(1, max_len + 1):
        yield from itertools.product(entries, repeat=n)


def _ember_key(key):
    """The key with arrays as ember tensors (lists stay lists, as users write them)."""
    return tuple(ember.tensor(k) if isinstance(k, np.ndarray) else k for k in key)


def _torch_key(torch, key):
    return tuple(torch.from_numpy(k) if isinstance(k, np.ndarray) else k for k in key)


def _check_key(x, a, key, torch=None, tx=None):
    """ember agrees with the reference on key: the same values, or both raise IndexError."""
    try:
        want = np_getitem(a, key)
    except IndexError:
        with pytest.raises(IndexError):
            x[_ember_key(key)]
        if torch is not None:
            with pytest.raises(IndexError):
                tx[_torch_key(torch, key)]
        return 0
    got = x[_ember_key(key)]
    try:
        assert_equal(got, want)
        if torch is not None:
            expected = tx[_torch_key(torch, key)]
            assert tuple(expected.shape) == tuple(got.shape), f"torch gives shape {tuple(expected.shape)}"
            np.testing.assert_array_equal(expected.numpy(), to_numpy(got))
    except AssertionError as e:
        raise AssertionError(f"key {key!r}: {e}") from e
    return 1


def test_every_combination_of_three_entries():
    a = np.arange(np.prod(SHAPE)).reshape(SHAPE)
    x = ember.tensor(a)
    checked = sum(_check_key(x, a, key) for key in _keys(ENTRIES))
    assert checked > 500


def test_every_combination_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(np.prod(SHAPE)).reshape(SHAPE)
    x, tx = ember.tensor(a), torch.from_numpy(a)
    for key in _keys(ENTRIES):
        if sum(k is Ellipsis for k in key) > 1:
            continue  # PyTorch lets t[..., ...] through; ember refuses it like numpy
        _check_key(x, a, key, torch, tx)


@pytest.mark.ember_only
def test_negative_steps_with_tensor_indices():
    a = np.arange(np.prod(SHAPE)).reshape(SHAPE)
    x = ember.tensor(a)
    entries = NEGATIVE_STEPS + [0, slice(None), None, np.array([0, 2, -1]), np.array([[1], [0]])]
    checked = sum(_check_key(x, a, key) for key in _keys(entries))
    assert checked > 100
    # through a reversed, transposed view
    v, va = x.permute(2, 0, 1)[::-1], a.transpose(2, 0, 1)[::-1]
    for key in _keys(entries, 2):
        _check_key(v, va, key)


MASK_KEYS = [
    lambda m: (m((3, 4, 5)),),
    lambda m: (m((3, 4)),),
    lambda m: (slice(None), m((4, 5))),
    lambda m: (m((3,)), slice(None), np.array([4, 0])),
    lambda m: (Ellipsis, m((5,))),
    lambda m: (None, m((3, 4)), np.array([[1], [2]])),
    lambda m: (0, m((4,))),
    lambda m: (m((3,)), 1, m((5,)) | True),
    lambda m: (slice(None, None, 2), m((4,)), slice(1, 3)),
    lambda m: (np.array(True), Ellipsis, np.array([0, 1])),
    lambda m: (slice(None), np.array(False)),
    lambda m: (m((3, 4)), np.array(True)),
    lambda m: (np.zeros((3, 4, 5), dtype=bool),),
    lambda m: (np.ones((3, 4, 5), dtype=bool),),
]


@pytest.mark.parametrize("make_key", MASK_KEYS, ids=[f"mask{i}" for i in range(len(MASK_KEYS))])
def test_masks(make_key, rng):
    torch = None
    try:
        import torch
    except ImportError:
        pass
    a = rng.integers(-9, 9, size=SHAPE)
    key = make_key(lambda shape: rng.random(shape) < 0.5)
    x = ember.tensor(a)
    _check_key(x, a, key, torch, torch.from_numpy(a) if torch else None)
    # a mask keeps row-major order however the tensor is laid out
    t = ember.tensor(a.transpose(2, 1, 0).copy()).permute(2, 1, 0)
    _check_key(t, a, key)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_every_dtype(dtype, rng):
    a = rng.integers(0, 3, size=(4, 6)).astype(numpy_dtype(dtype))
    x = make_tensor(a, dtype)
    ref = to_numpy(x)
    for key in [(np.array([3, 0, 3]),), (slice(None), [5, 0]), (ref > 1,), (np.array([[0], [1]]), np.array([2, 3]))]:
        got = x[_ember_key(key)]
        assert got.dtype == dtype
        assert_equal(got, np_getitem(ref, key), dtype=dtype)


def test_int32_and_numpy_indices():
    a = np.arange(20).reshape(4, 5)
    x = ember.tensor(a)
    assert_equal(x[ember.tensor([3, -1], dtype=ember.int32)], a[[3, -1]])
    assert_equal(x[np.array([1, 2], dtype=np.int32)], a[[1, 2]])
    assert_equal(x[np.array([1, 2], dtype=np.uint8)], a[[1, 2]])  # numpy's integer arrays are indices
    assert_equal(x[np.int64(2)], a[2])
    assert_equal(x[:, np.array([True, False, True, False, True])], a[:, [0, 2, 4]])
    assert_equal(x[[]], a[np.array([], dtype=np.int64)])
    assert_equal(x[[True, False, True, True]], a[[0, 2, 3]])


def test_uint8_tensor_is_a_mask_like_pytorch():
    a = np.arange(4)
    assert_equal(ember.tensor(a)[ember.tensor([1, 0, 0, 1], dtype=ember.uint8)], np.array([0, 3]))


def test_lists_that_read_as_tuples():
    """PyTorch reads a short list holding slices or sequences as a tuple of indices."""
    a = np.arange(12).reshape(3, 4)
    x = ember.tensor(a)
    assert_equal(x[[[0, 1], [1, 2]]], a[[0, 1], [1, 2]])
    assert_equal(x[[0, slice(None)]], a[0, :])
    assert_equal(x[[0, 2]], a[[0, 2]])


def test_basic_indexing_is_a_view_and_advanced_a_copy():
    x = ember.arange(12).reshape(3, 4)
    view = x[1:, None, ::2]
    view[0, 0, 0] = 100
    assert x[1, 0].item() == 100
    for key in ([0, 1], (slice(None), ember.tensor([1, 2])), x > 5, True, ember.tensor([1])):
        copy = x[key]
        before = to_numpy(x)
        copy.fill_(-7)
        np.testing.assert_array_equal(to_numpy(x), before)
    # a 0-dim integer tensor is an integer, as in PyTorch: a view
    x[ember.tensor(2)][1] = 55
    assert x[2, 1].item() == 55


def test_advanced_result_is_contiguous():
    x = ember.arange(60).reshape(3, 4, 5).transpose(0, 2)
    y = x[[0, 2], :, [1, 1]]
    assert y.is_contiguous()
    assert_equal(y, np.arange(60).reshape(3, 4, 5).transpose(2, 1, 0)[[0, 2], :, [1, 1]])


def test_zero_size_and_zero_dim():
    e = ember.zeros(0, 3)
    assert e[[]].shape == (0, 3)
    assert e[:, [2, 0]].shape == (0, 2)
    assert e[e > 0].shape == (0,)
    s = ember.tensor(5.0)
    assert s[True].tolist() == [5.0]
    assert s[False].shape == (0,)
    assert s[None][[0, 0]].tolist() == [5.0, 5.0]
    with pytest.raises(IndexError, match="too many indices"):
        s[None, [0]]
    assert ember.zeros(3)[ember.zeros(0, 2, dtype=ember.int64)].shape == (0, 2)


def test_large_gathers_run_on_threads_and_agree(rng):
    """Sizes past the kernels' grain split over threads (rows, or index positions for 1-D)."""
    a = rng.standard_normal((300, 257)).astype(np.float32)
    idx = rng.integers(-300, 300, size=5000)
    x = ember.tensor(a)
    assert_equal(x[idx], a[idx])
    assert_equal(x[:, idx[:1000] % 257], a[:, idx[:1000] % 257])
    flat = rng.standard_normal(100000)
    big = rng.integers(0, 100000, size=200000)
    assert_equal(ember.tensor(flat)[big], flat[big])


# ---- bad indices ---------------------------------------------------------------------------

@pytest.mark.parametrize("key,message", [
    ((np.array([0, 3]),), "index 3 is out of bounds for dimension 0 with size 3"),
    ((slice(None), np.array([-5])), "index -5 is out of bounds for dimension 1 with size 4"),
    ((0, slice(None), np.array([5])), "index 5 is out of bounds for dimension 2 with size 5"),
    ((Ellipsis, np.array([[7]])), "index 7 is out of bounds for dimension 2 with size 5"),
    ((None, 1, np.array([4])), "index 4 is out of bounds for dimension 1 with size 4"),
    ((np.array([0, 1]), np.array([0, 1, 2])), r"shape mismatch: indexing tensors could not be broadcast together with shapes \[2\], \[3\]"),
    ((np.ones(4, dtype=bool),), r"shape of the mask \[4\] at index 0 does not match the shape of the indexed tensor \[3, 4, 5\] at index 0"),
    ((slice(None), np.ones((4, 4), dtype=bool)), r"mask \[4, 4\] at index 1 does not match"),
    ((np.array([0.5]),), "must be long, int, byte or bool"),
    ((0, 0, 0, np.array([0])), "too many indices for tensor of dimension 3"),
    ((np.ones((3, 4, 5, 1), dtype=bool),), "too many indices"),
    ((Ellipsis, np.array([0]), Ellipsis), "single ellipsis"),
])
def test_bad_index_raises_index_error(key, message):
    x = ember.zeros(*SHAPE)
    with pytest.raises(IndexError, match=message):
        x[_ember_key(key)]


def test_bad_index_types():
    x = ember.zeros(3)
    with pytest.raises(IndexError, match="must be long, int, byte or bool"):
        x[ember.tensor([1], dtype=ember.int16)]
    with pytest.raises(IndexError, match="must be long, int, byte or bool"):
        x[[0.5]]
    with pytest.raises(IndexError, match="valid indices"):
        x["a"]


@pytest.mark.parametrize("key", [True, False, (True, 1), (1, True), (Ellipsis, True), (True, slice(None), [0, 2]),
                                 ([1, 1], True), (True, [0, 0], slice(1, 3))],
                         ids=["true", "false", "true-int", "int-true", "ellipsis-true", "true-slice-list",
                              "list-true", "true-list-slice"])
def test_python_bool_key_gradient(key):
    # A Python bool indexes a new dim of 1 (True) or 0 (False) and broadcasts with the other
    # advanced indices; its gradient goes back to the elements it picked (repeats add up).
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((3, 4))).requires_grad_()
    y = x[key]
    g = rng.standard_normal(tuple(y.shape))
    y.backward(ember.tensor(g))
    expect = np.zeros((3, 4))
    positions = np.arange(12).reshape(3, 4)[key]
    assert positions.shape == tuple(y.shape)
    np.add.at(expect.reshape(-1), positions.reshape(-1), g.reshape(-1))
    np.testing.assert_allclose(x.grad.numpy(), expect)
