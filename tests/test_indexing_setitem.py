"""t[key] = value against NumPy over the same index forms as t[key], with broadcast and scalar
values; one version bump; nothing written for a bad index or value; repeated indices (last
wins, or add up with accumulate)."""
import itertools

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, assert_close, assert_equal, dtype_name, make_tensor, numpy_dtype, to_numpy
from op_db_indexing import np_getitem, np_setitem

SHAPE = (3, 4, 5)
ENTRIES = [
    0, -1, slice(None), slice(1, None, 2), None, Ellipsis,
    np.array([2, 0, -1]), np.array([[1], [0]]), [1, 2],
]


def _ember_key(key):
    return tuple(ember.tensor(k) if isinstance(k, np.ndarray) else k for k in key)


def _keys(entries, max_len=3):
    for n in range(1, max_len + 1):
        yield from itertools.product(entries, repeat=n)


def _check_set(a, key, value_of_shape, make_target=ember.tensor):
    """Assigns a value of the indexed shape, then a trailing-dim broadcast one, then a scalar."""
    try:
        target_shape = np_getitem(a, key).shape
    except IndexError:
        x = make_target(a)
        with pytest.raises(IndexError):
            x[_ember_key(key)] = 1
        assert_equal(x, a)
        return 0
    values = [value_of_shape(target_shape), 7]
    if target_shape:
        values.append(value_of_shape(target_shape[-1:]))
    for v in values:
        x = make_target(a)
        version = x._version
        x[_ember_key(key)] = ember.tensor(v) if isinstance(v, np.ndarray) else v
        try:
            assert_equal(x, np_setitem(a, key, v))
        except AssertionError as e:
            raise AssertionError(f"key {key!r}, value shape {np.shape(v)}: {e}") from e
        assert x._version == version + 1, f"key {key!r}: version moved by {x._version - version}"
    return 1


def _unique_values(shape):
    """Distinct values, so a wrong destination cannot go unnoticed."""
    return (np.arange(int(np.prod(shape)), dtype=np.int64) + 100).reshape(shape)


def _has_repeats(a, key):
    """Whether key writes one element twice (then the written value is the last one; numpy
    agrees, but the exhaustive check keeps to keys without repeats)."""
    marks = np.arange(a.size).reshape(a.shape)
    picked = np_getitem(marks, key).reshape(-1)
    return len(set(picked.tolist())) != picked.size


def test_every_combination_of_three_entries():
    a = np.zeros(SHAPE, dtype=np.int64)
    checked = 0
    for key in _keys(ENTRIES):
        try:
            if _has_repeats(a, key):
                continue
        except IndexError:
            pass
        checked += _check_set(a, key, _unique_values)
    assert checked > 400


def test_through_non_contiguous_targets():
    a = np.zeros((5, 4, 3), dtype=np.int64)
    # the target is a transposed view: writes must land in the base
    make = lambda arr: ember.tensor(np.ascontiguousarray(arr.transpose(2, 1, 0))).permute(2, 1, 0)
    for key in [(np.array([4, 0]),), (slice(None), np.array([3, 1]), np.array([0, 2])), (np.array([1, 2]), 0)]:
        _check_set(a, key, _unique_values, make)


@pytest.mark.ember_only
def test_negative_step_targets():
    a = np.zeros(SHAPE, dtype=np.int64)
    for key in [(slice(None, None, -1), np.array([0, 3])), (np.array([2, 1]), slice(None, None, -2), 1)]:
        _check_set(a, key, _unique_values)
    x = ember.zeros(6, dtype=ember.int64)
    rev = x[::-1]
    rev[[0, 1]] = ember.tensor([1, 2])
    assert x.tolist() == [0, 0, 0, 0, 2, 1]


MASK_KEYS = [
    lambda m: (m((3, 4, 5)),),
    lambda m: (m((3, 4)),),
    lambda m: (slice(None), m((4, 5))),
    lambda m: (m((3,)), slice(None), np.array([4, 0])),
    lambda m: (Ellipsis, m((5,))),
    lambda m: (0, m((4,))),
    lambda m: (np.array(True),),
    lambda m: (slice(None), np.array(False)),
]


@pytest.mark.parametrize("make_key", MASK_KEYS, ids=[f"mask{i}" for i in range(len(MASK_KEYS))])
def test_masks(make_key, rng):
    a = np.zeros(SHAPE, dtype=np.int64)
    _check_set(a, make_key(lambda shape: rng.random(shape) < 0.5), _unique_values)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_every_dtype_and_value_conversion(dtype, rng):
    a = rng.integers(0, 3, size=(4, 6)).astype(numpy_dtype(dtype))
    x = make_tensor(a, dtype)
    ref = to_numpy(x)
    value = rng.integers(0, 3, size=(2, 6)).astype(np.float64)
    x[[3, 1]] = ember.tensor(value)  # float64 value, converted to x's dtype
    ref[[3, 1]] = value.astype(ref.dtype)
    x[x.float() > 1 if dtype != ember.bool else x] = 1
    ref[ref.astype(np.float64) > 1 if dtype != ember.bool else ref] = 1
    x[:, ember.tensor([0, 5])] = True
    ref[:, [0, 5]] = True
    assert x.dtype == dtype
    assert_equal(x, ref, dtype=dtype)


def test_values_from_python_and_numpy():
    x = ember.zeros(3, 4)
    x[[0, 2]] = [1.0, 2.0, 3.0, 4.0]
    x[1, np.array([0, 3])] = np.array([5.0, 6.0])
    x[x > 4.5] = ember.tensor(9.0)
    assert x.tolist() == [[1, 2, 3, 4], [9, 0, 0, 9], [1, 2, 3, 4]]


def test_value_with_leading_ones_beyond_rank():
    x = ember.zeros(4, 3)
    x[[1, 2]] = ember.ones(1, 1, 2, 3)
    assert x.sum().item() == 6


def test_value_overlapping_the_target():
    a = np.arange(10.0)
    x = ember.tensor(a)
    x[[1, 2, 3]] = x[0:3]  # the value is read before any write
    a[[1, 2, 3]] = a[0:3].copy()
    assert_equal(x, a)
    x = ember.tensor(np.arange(10.0))
    x[[9, 8, 7, 6]] = x[6:]
    assert x.tolist()[6:] == [9, 8, 7, 6]


def test_repeated_indices_last_wins():
    x = ember.zeros(5, dtype=ember.int64)
    x[[1, 3, 1, 1, 3]] = ember.tensor([10, 20, 30, 40, 50])
    assert x.tolist() == [0, 40, 0, 50, 0]
    big = ember.zeros(4, 3000)
    rows = ember.tensor([0, 2, 0, 2, 0])
    big[rows] = ember.arange(5 * 3000, dtype=ember.float32).reshape(5, 3000)
    assert big[0, 0].item() == 4 * 3000 and big[2, 5].item() == 3 * 3000 + 5


@pytest.mark.parametrize("key,message", [
    ((np.array([0, 3]),), "index 3 is out of bounds for dimension 0 with size 3"),
    ((slice(None), np.array([1, -5])), "index -5 is out of bounds for dimension 1 with size 4"),
    ((np.ones(4, dtype=bool),), "shape of the mask"),
    ((np.array([0, 1]), np.array([0, 1, 2])), "shape mismatch"),
])
def test_bad_index_writes_nothing(key, message):
    x = ember.arange(60, dtype=ember.float32).reshape(*SHAPE)
    version = x._version
    with pytest.raises(IndexError, match=message):
        x[_ember_key(key)] = 5.0
    assert_equal(x, np.arange(60, dtype=np.float32).reshape(SHAPE))
    assert x._version == version


def test_bad_value_shape_writes_nothing():
    x = ember.zeros(3, 4)
    version = x._version
    with pytest.raises(ValueError, match=r"shape mismatch: value tensor of shape \[3\] cannot be broadcast to "
                                         r"indexing result of shape \[2, 4\]"):
        x[[0, 1]] = ember.ones(3)
    assert x.sum().item() == 0 and x._version == version


def test_write_through_an_expanded_tensor_refused():
    x = ember.zeros(1, 3).expand(4, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        x[[0, 1]] = 1.0


# ---- accumulate -------------------------------------------------------------------------------

def test_index_put_accumulate_sums_repeats(rng):
    a = rng.standard_normal((6, 5))
    rows = np.array([0, 5, 0, 0, 3, 5])
    cols = np.array([[1], [1]])
    values = rng.standard_normal((2, 6))
    x = ember.tensor(a)
    version = x._version
    out = x.index_put_((ember.tensor(rows), ember.tensor(cols)), ember.tensor(values), accumulate=True)
    assert out is x and x._version == version + 1
    want = a.copy()
    np.add.at(want, (rows, cols), values)
    assert_close(x, want, ember.float64)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_accumulate_every_dtype(dtype):
    x = make_tensor(np.zeros(4), dtype)
    x.index_put_((ember.tensor([1, 1, 3, 1]),), make_tensor(np.array([1, 1, 1, 1]), dtype), accumulate=True)
    want = np.array([0, 3, 0, 1]) if dtype != ember.bool else np.array([0, 1, 0, 1])
    assert_equal(x, want.astype(numpy_dtype(dtype)), dtype=dtype)


def test_accumulate_through_mixed_keys():
    """The backward of t[key] sums its gradient into zeros at key (ints, slices and tensors)."""
    from ember._ops.indexing import _getitem_backward
    a = np.zeros((4, 5, 6))
    key = (slice(1, None), np.array([[0, 0], [4, 0]]), 2)
    grad = np.arange(12.0).reshape(3, 2, 2)
    got = _getitem_backward(ember.tensor(grad), (4, 5, 6), (slice(1, None), ember.tensor(key[1]), 2))
    want = a.copy()
    np.add.at(want[1:, :, 2], (slice(None), key[1]), grad)
    assert_equal(got, want)


def test_large_accumulate_is_deterministic(rng):
    """Many repeats over rows wide enough to split over threads: the same bits every run, and
    the float64 sums of np.add.at within float32 rounding."""
    rows = rng.integers(0, 8, size=4000)
    values = rng.standard_normal((4000, 64)).astype(np.float32)
    results = []
    for _ in range(3):
        x = ember.zeros(8, 64)
        x.index_put_((ember.tensor(rows),), ember.tensor(values), accumulate=True)
        results.append(to_numpy(x))
    assert all(np.array_equal(results[0], r) for r in results[1:])
    want = np.zeros((8, 64))
    np.add.at(want, rows, values.astype(np.float64))
    np.testing.assert_allclose(results[0], want, rtol=1e-4, atol=1e-3)
    # 1-D: every value on few elements
    flat = ember.zeros(3)
    idx = rng.integers(0, 3, size=100000)
    flat.index_put_((ember.tensor(idx),), ember.ones(100000), accumulate=True)
    assert flat.tolist() == np.bincount(idx, minlength=3).astype(float).tolist()


def test_index_put_forms():
    x = ember.zeros(3, 4)
    y = ember.index_put(x, (ember.tensor([0, 2]), None), ember.tensor(1.0))
    assert x.sum().item() == 0
    assert y.tolist() == [[1] * 4, [0] * 4, [1] * 4]
    y = x.index_put((ember.tensor([[True, False, False, True]] * 3),), ember.tensor(2.0))
    assert y.sum().item() == 12
    with pytest.raises(TypeError, match="tuple of Tensors"):
        x.index_put_(ember.tensor([0]), ember.tensor(1.0))


def test_index_put_matches_torch(rng):
    torch = pytest.importorskip("torch")
    a = rng.standard_normal((5, 4, 3))
    for acc in (False, True):
        # without accumulate, no repeats: PyTorch leaves their order unspecified
        rows = rng.integers(0, 5, size=(7, 1)) if acc else np.arange(5).reshape(5, 1)
        idx = (rows, np.array([[0, -2]]))
        values = rng.standard_normal((rows.shape[0], 2, 3))
        got = ember.tensor(a).index_put(tuple(ember.tensor(i) for i in idx), ember.tensor(values), accumulate=acc)
        want = torch.from_numpy(a).index_put(tuple(torch.from_numpy(i) for i in idx), torch.from_numpy(values),
                                             accumulate=acc)
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-12)
