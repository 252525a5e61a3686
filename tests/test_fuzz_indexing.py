"""Differential property tests of `t[key]` and `t[key] = v` against NumPy.

Random shapes (zero-size dims among them) meet random keys: ints, slices with any step
(negative ones too: ember follows NumPy there, where PyTorch refuses them) and bounds past
either end, None, Ellipsis, integer arrays / lists / tensors, boolean masks, and mixtures of
advanced and basic indices. Where ints meet index arrays the oracle reads the key as PyTorch
does (the ints select first; see integers_first).
A key NumPy refuses with IndexError must make ember raise IndexError or TypeError.

EMBER_FUZZ_EXAMPLES=N (tools/fuzz_long.sh) reruns every test with N random examples.
"""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

import ember  # noqa: E402
from conftest import fuzz_settings, make_tensor, to_numpy  # noqa: E402

shapes = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)
# Dtypes whose values survive the trip exactly; arange-based contents make any misplaced
# element visible.
value_dtypes = st.sampled_from([ember.float32, ember.int64, ember.float64, ember.int16, ember.uint8,
                                ember.bool, ember.bfloat16, ember.complex64])


def base_array(shape, dtype):
    """Distinct (as far as the dtype allows) values of `shape` in `dtype`'s NumPy form."""
    return np.array(_base_values(shape, dtype))  # arithmetic on a 0-dim array gives a scalar


def _base_values(shape, dtype):
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    if dtype == ember.bool:
        return a % 3 == 0
    if dtype == ember.uint8:
        return (a % 251).astype(np.uint8)
    if dtype == ember.int16:
        return (a - 50).astype(np.int16)
    if dtype == ember.complex64:
        return (a + 1j * (a % 7)).astype(np.complex64)
    if dtype == ember.bfloat16:
        return (a % 200).astype(np.float32)  # small integers are exact in bfloat16
    return a.astype(np.float64 if dtype == ember.float64 else (np.int64 if dtype == ember.int64
                                                                 else np.float32))


@st.composite
def slices(draw, size):
    """A slice with any step sign and bounds that may lie past either end."""
    bound = st.none() | st.integers(-2 * size - 2, 2 * size + 2)
    step = st.none() | st.integers(-4, 4).filter(lambda s: s != 0)
    return slice(draw(bound), draw(bound), draw(step))


@st.composite
def basic_keys(draw, shape):
    """A tuple of ints (in range, either sign), slices, None and at most one Ellipsis."""
    dims = list(shape)
    n_indexed = draw(st.integers(0, len(dims)))
    ellipsis_at = draw(st.none() | st.integers(0, n_indexed))
    # With an Ellipsis the indexed dims may come from both ends.
    split = draw(st.integers(0, n_indexed)) if ellipsis_at is not None else n_indexed
    indexed = dims[:split] + (dims[len(dims) - (n_indexed - split):] if n_indexed > split else [])
    parts = []
    for size in indexed:
        if size > 0 and draw(st.booleans()):
            parts.append(draw(st.integers(-size, size - 1)))
        else:
            parts.append(draw(slices(size)))
    if ellipsis_at is not None:
        parts.insert(split, Ellipsis)
    for _ in range(draw(st.integers(0, 2))):
        parts.insert(draw(st.integers(0, len(parts))), None)
    if len(parts) == 1 and draw(st.booleans()):
        return parts[0]  # a bare index, not a 1-tuple
    return tuple(parts)


def as_index(draw, array):
    """An integer index array in one of the forms users pass: list, ember int64/int32 tensor,
    NumPy array."""
    form = draw(st.sampled_from(["list", "tensor", "int32", "numpy"]))
    if form == "list" and array.ndim >= 1 and array.size > 0:  # [] would lose an empty shape
        return array.tolist()
    if form == "int32":
        return ember.tensor(array.astype(np.int32), dtype=ember.int32)
    if form == "numpy":
        return array
    return ember.tensor(array.astype(np.int64), dtype=ember.int64)


@st.composite
def advanced_keys(draw, shape):
    """Keys mixing integer arrays (broadcastable among themselves), boolean masks, slices,
    ints and None. Returns (numpy key, ember key)."""
    np_parts, em_parts = [], []
    dim = 0
    index_shape = draw(st.lists(st.integers(0, 3), min_size=0, max_size=2).map(tuple))
    while dim < len(shape):
        size = shape[dim]
        choice = draw(st.sampled_from(["int_array", "mask", "slice", "int", "none", "stop"]))
        if choice == "stop":
            break
        if choice == "none":
            np_parts.append(None)
            em_parts.append(None)
            continue
        if choice == "int_array" and size > 0:
            # Index arrays broadcast together: drop leading dims or make some of size 1.
            own = list(index_shape[draw(st.integers(0, len(index_shape))):])
            own = [1 if draw(st.booleans()) else s for s in own]
            idx = np.array(draw(st.lists(st.integers(-size, size - 1), min_size=int(np.prod(own)),
                                         max_size=int(np.prod(own)))), dtype=np.int64).reshape(own)
            np_parts.append(idx)
            em_parts.append(as_index(draw, idx))
            dim += 1
        elif choice == "mask":
            span = draw(st.integers(1, min(2, len(shape) - dim)))
            mask_shape = shape[dim:dim + span]
            mask = np.array(draw(st.lists(st.booleans(), min_size=int(np.prod(mask_shape)),
                                          max_size=int(np.prod(mask_shape)))), dtype=bool).reshape(mask_shape)
            np_parts.append(mask)
            em_parts.append(mask.tolist() if draw(st.booleans()) and mask.ndim >= 1 and mask.size > 0
                            else ember.tensor(mask))
            dim += span
        elif choice == "int" and size > 0:
            i = draw(st.integers(-size, size - 1))
            np_parts.append(i)
            em_parts.append(i)
            dim += 1
        else:
            s = draw(slices(size))
            np_parts.append(s)
            em_parts.append(s)
            dim += 1
    return tuple(np_parts), tuple(em_parts)


def integers_first(key):
    """PyTorch's reading of a key that mixes ints with index arrays: the ints (and 0-dim integer
    arrays) select first, as basic indexing, then the rest indexes what is left. NumPy instead
    treats such ints as 0-dim index arrays, which moves the advanced dims elsewhere
    (x[0, :, [1, 2]] is (2, 3) in NumPy, (3, 2) in PyTorch and ember). Returns the keys to apply
    one after the other in NumPy."""
    if not isinstance(key, tuple) or not any(isinstance(k, np.ndarray) for k in key):
        return (key,)

    def is_integer(k):  # PyTorch reads a 0-dim integer index array as an int too
        return isinstance(k, int) or (isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype != bool)
    if not any(is_integer(k) for k in key):
        return (key,)
    first = []
    for k in key:
        if is_integer(k):
            first.append(int(k))
        elif isinstance(k, np.ndarray) and k.dtype == bool:
            first.extend([slice(None)] * k.ndim)
        elif k is not None:
            first.append(slice(None))
    rest = tuple(k for k in key if not is_integer(k))
    return tuple(first) + (Ellipsis,), rest


def numpy_index(a, keys):
    """`a` indexed by each key of `keys` in turn (a view while the keys are basic)."""
    for key in keys:
        a = a[key]
    return a


def check_getitem(a, t, np_key, em_key):
    try:
        want = numpy_index(a, integers_first(np_key))
    except IndexError:
        with pytest.raises((IndexError, TypeError)):
            t[em_key]
        return
    got = t[em_key]
    assert tuple(got.shape) == want.shape, f"key {em_key!r}: shape {tuple(got.shape)} != {want.shape}"
    np.testing.assert_array_equal(to_numpy(got), np.asarray(want).astype(to_numpy(got).dtype))


@fuzz_settings(150)
@given(shapes, value_dtypes, st.data())
def test_basic_getitem(shape, dtype, data):
    a = base_array(shape, dtype)
    t = make_tensor(a, dtype)
    key = data.draw(basic_keys(shape))
    check_getitem(a, t, key, key)


@fuzz_settings(150)
@given(shapes, value_dtypes, st.data())
def test_advanced_getitem(shape, dtype, data):
    a = base_array(shape, dtype)
    t = make_tensor(a, dtype)
    np_key, em_key = data.draw(advanced_keys(shape))
    check_getitem(a, t, np_key, em_key)


def value_for(data, target_shape, dtype, distinct):
    """A value broadcastable to `target_shape`: a Python scalar, or an array of a suffix of
    the shape with some dims made 1 (a plain scalar where the targets overlap)."""
    if distinct is False or data.draw(st.integers(0, 3)) == 0:
        if dtype == ember.bool:
            return True
        return data.draw(st.integers(-3, 3)) if dtype != ember.uint8 else 7
    shape = list(target_shape[data.draw(st.integers(0, len(target_shape))):])
    shape = [1 if data.draw(st.booleans()) else s for s in shape]
    v = -1 - np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    if dtype == ember.bool:
        return v % 2 == 0
    if dtype == ember.uint8:
        return (200 + v % 50).astype(np.uint8)
    return v


def check_setitem(a, t, np_key, em_key, data, dtype):
    keys = integers_first(np_key)
    try:
        target = numpy_index(a, keys)
    except IndexError:
        with pytest.raises((IndexError, TypeError)):
            t[em_key] = 1
        return
    # Where two index positions name the same element the written value is unspecified:
    # write a scalar there, so every order gives the same result.
    positions = numpy_index(np.arange(a.size).reshape(a.shape), keys)
    distinct = np.unique(positions).size == np.asarray(positions).size
    v = value_for(data, np.shape(target), dtype, distinct)
    numpy_index(a, keys[:-1])[keys[-1]] = v  # the first of two keys is basic: a view of `a`
    if isinstance(v, np.ndarray):
        em_v = make_tensor(v, dtype) if data.draw(st.booleans()) else make_tensor(v)
        if em_v.dtype == ember.bool and dtype != ember.bool:
            em_v = make_tensor(v.astype(np.int64))
    else:
        em_v = v
    t[em_key] = em_v
    np.testing.assert_array_equal(to_numpy(t), a.astype(to_numpy(t).dtype),
                                  err_msg=f"after t[{em_key!r}] = value of shape {np.shape(v)}")


@fuzz_settings(120)
@given(shapes, value_dtypes, st.data())
def test_basic_setitem(shape, dtype, data):
    a = base_array(shape, dtype)
    t = make_tensor(a, dtype)
    key = data.draw(basic_keys(shape))
    check_setitem(a, t, key, key, data, dtype)


@fuzz_settings(120)
@given(shapes, value_dtypes, st.data())
def test_advanced_setitem(shape, dtype, data):
    a = base_array(shape, dtype)
    t = make_tensor(a, dtype)
    np_key, em_key = data.draw(advanced_keys(shape))
    check_setitem(a, t, np_key, em_key, data, dtype)


@st.composite
def refused_keys(draw, shape):
    """Keys NumPy refuses with IndexError: an int past the end, too many indices, two
    Ellipses, a mask of the wrong shape, an out-of-range index array, floats."""
    kind = draw(st.sampled_from(["int", "too_many", "ellipses", "mask", "array", "float", "float_list"]))
    if kind == "int" and shape:
        size = shape[0]
        past = draw(st.integers(0, 5))
        return (draw(st.sampled_from([size, size + past, -size - 1 - past])),)
    if kind == "ellipses":
        return (Ellipsis, Ellipsis)
    if kind == "mask" and shape:
        wrong = shape[0] + draw(st.sampled_from([-1, 1, 2])) if shape[0] > 0 else 1
        return (np.ones(max(wrong, 1), dtype=bool) if wrong != shape[0] else np.ones(shape[0] + 1, dtype=bool),)
    if kind == "array" and shape:
        return (np.array([0, shape[0] + draw(st.integers(0, 3))]),)
    if kind == "float":
        return (1.5,)
    if kind == "float_list":
        return ([0.0, 1.0],)
    return tuple(0 for _ in range(len(shape) + 1 + draw(st.integers(0, 2))))


@fuzz_settings(100)
@given(shapes, st.data())
def test_refused_keys_raise(shape, data):
    a = base_array(shape, ember.float32)
    t = make_tensor(a, ember.float32)
    key = data.draw(refused_keys(shape))
    em_key = tuple(ember.tensor(k) if isinstance(k, np.ndarray) and data.draw(st.booleans()) else k for k in key)
    try:
        a[key]
    except IndexError:
        with pytest.raises((IndexError, TypeError)):
            t[em_key]
        with pytest.raises((IndexError, TypeError)):
            t[em_key] = 0.0
        return
    hypothesis.assume(False)  # NumPy took it (a float list of length 0, ...): not a refusal test
