"""The Tensor object: metadata, Python protocols, dtype names and conversions."""
import math

import numpy as np
import pytest

import ember
from conftest import (ALL_DTYPES, FLOAT_DTYPES, assert_close, assert_equal, bfloat16_round,
                      dtype_name, make_tensor, numpy_dtype, to_numpy)


# --- dtypes ----------------------------------------------------------------------

@pytest.mark.parametrize("alias, dtype", [
    ("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
    ("int", "int32"), ("short", "int16")])
def test_dtype_aliases(alias, dtype):
    assert getattr(ember, alias) == getattr(ember, dtype)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_dtypes_are_distinct_and_attached_to_tensors(dtype):
    assert ember.zeros(1, dtype=dtype).dtype == dtype
    assert sum(d == dtype for d in ALL_DTYPES) == 1


@pytest.mark.ember_only
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_dtype_str_names_the_module(dtype):
    assert str(dtype) == "ember." + dtype_name(dtype)


def test_dtype_str_of_float32():
    assert str(ember.float32).endswith("float32")
    assert str(ember.bfloat16).endswith("bfloat16")


# --- metadata ------------------------------------------------------------------------

def test_shape_size_and_friends():
    t = ember.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4)
    assert isinstance(t.shape, tuple)
    assert t.shape[1] == 3 and t.shape[-1] == 4
    assert len(t.shape) == 3
    assert t.size() == (2, 3, 4)
    assert t.size(1) == 3 and t.size(-1) == 4
    assert t.ndim == 3 and t.dim() == 3
    assert t.numel() == 24
    assert t.stride() == (12, 4, 1)
    assert t.stride(0) == 12
    assert t.storage_offset() == 0
    assert str(t.device) == "cpu"


def test_shape_of_zero_dim_and_empty():
    s = ember.tensor(1.0)
    assert s.shape == () and s.ndim == 0 and s.numel() == 1 and s.stride() == ()
    e = ember.zeros(0, 5)
    assert e.shape == (0, 5) and e.numel() == 0


def test_size_dim_out_of_range_raises():
    with pytest.raises(IndexError):
        ember.zeros(2, 3).size(2)


def test_shape_unpacks_and_compares_like_a_tuple():
    rows, cols = ember.zeros(2, 5).shape
    assert (rows, cols) == (2, 5)
    assert ember.zeros(2, 5).shape != (5, 2)
    assert tuple(ember.zeros(2, 5).shape) == (2, 5)
    assert list(ember.zeros(2, 5).shape) == [2, 5]


def test_data_ptr_is_stable_and_distinct():
    a = ember.zeros(4)
    b = ember.zeros(4)
    assert a.data_ptr() == a.data_ptr()
    assert a.data_ptr() != b.data_ptr()
    assert a[1:].data_ptr() == a.data_ptr() + 4


# --- Python protocols -----------------------------------------------------------------

def test_repr_and_str_start_with_tensor():
    for t in (ember.tensor([1.0, 2.0]), ember.tensor(3), ember.zeros(2, 3, dtype=ember.int8),
              ember.zeros(0), ember.tensor([True]), ember.ones(2, dtype=ember.bfloat16)):
        assert repr(t).startswith("tensor(")
        assert str(t).startswith("tensor(")


def test_repr_shows_values_and_non_default_dtype():
    r = repr(ember.tensor([1.5, -2.0]))
    assert "1.5" in r and "-2." in r
    assert "int8" in repr(ember.tensor([1, 2], dtype=ember.int8))
    assert "float64" in repr(ember.tensor([1.0], dtype=ember.float64))
    assert "dtype" not in repr(ember.tensor([1.0]))  # float32 is the default


@pytest.mark.ember_only
def test_repr_names_dtype_with_module():
    assert "dtype=ember.int8" in repr(ember.tensor([1, 2], dtype=ember.int8))


def test_repr_of_large_tensor_is_summarised():
    assert len(repr(ember.zeros(100_000))) < 2000


def test_len():
    assert len(ember.zeros(5, 3)) == 5
    assert len(ember.zeros(0)) == 0
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))


def test_iteration_yields_sub_tensors():
    t = ember.tensor([[1, 2], [3, 4], [5, 6]])
    rows = list(t)
    assert len(rows) == 3
    assert all(isinstance(r, ember.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4], [5, 6]]
    elements = list(ember.tensor([7, 8]))
    assert [e.shape for e in elements] == [(), ()]
    assert [e.item() for e in elements] == [7, 8]


def test_iterating_a_zero_dim_tensor_raises():
    with pytest.raises(TypeError):
        iter(ember.tensor(1.0))


@pytest.mark.parametrize("value, expected", [(1.0, True), (0.0, False), ([2], True), ([[0]], False),
                                             (True, True), (-3, True)])
def test_bool_of_one_element(value, expected):
    assert bool(ember.tensor(value)) is expected


def test_bool_of_many_elements_raises():
    with pytest.raises(RuntimeError):
        bool(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError):
        if ember.tensor([1.0, 2.0]) > 0:
            pass


def test_bool_of_empty_raises():
    with pytest.raises(RuntimeError):
        bool(ember.zeros(0))


# --- item / tolist -----------------------------------------------------------------------

@pytest.mark.parametrize("dtype, value, py_type", [
    (ember.float32, 1.5, float), (ember.float64, 0.1, float), (ember.float16, 2.5, float),
    (ember.bfloat16, 3.0, float), (ember.int64, 2 ** 40, int), (ember.int8, -5, int),
    (ember.uint8, 200, int), (ember.bool, True, bool)], ids=lambda x: str(x).rsplit(".")[-1])
def test_item_returns_python_scalar(dtype, value, py_type):
    item = ember.tensor([value], dtype=dtype).item()
    assert type(item) is py_type
    assert item == value


def test_item_of_float32_is_the_stored_value():
    assert ember.tensor(0.1).item() == float(np.float32(0.1))


def test_item_of_many_elements_raises():
    with pytest.raises(RuntimeError):
        ember.tensor([1, 2]).item()


def test_tolist():
    t = ember.tensor([[1, 2, 3], [4, 5, 6]])
    assert t.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert type(t.tolist()[0][0]) is int
    assert ember.tensor([[True, False]]).tolist() == [[True, False]]
    assert type(ember.tensor([True]).tolist()[0]) is bool
    assert ember.tensor(2.5).tolist() == 2.5
    assert ember.zeros(2, 0).tolist() == [[], []]
    assert t.t().tolist() == [[1, 4], [2, 5], [3, 6]]
    floats = ember.tensor([0.5, 0.25], dtype=ember.float16).tolist()
    assert floats == [0.5, 0.25] and type(floats[0]) is float


# --- conversions ------------------------------------------------------------------------------

CONVERSIONS = [("float", ember.float32), ("double", ember.float64), ("half", ember.float16),
               ("bfloat16", ember.bfloat16), ("int", ember.int32), ("long", ember.int64),
               ("bool", ember.bool)]


@pytest.mark.parametrize("method, dtype", CONVERSIONS, ids=[m for m, _ in CONVERSIONS])
def test_conversion_methods(method, dtype):
    t = ember.tensor([[0.0, 1.0], [2.0, -3.0]])
    out = getattr(t, method)()
    assert out.dtype == dtype
    assert_equal(out, np.array([[0.0, 1.0], [2.0, -3.0]]).astype(numpy_dtype(dtype)), dtype=dtype)
    assert_equal(t.to(dtype), to_numpy(out), dtype=dtype)
    assert_equal(t.to(dtype=dtype), to_numpy(out), dtype=dtype)


@pytest.mark.parametrize("src", ALL_DTYPES, ids=dtype_name)
def test_to_every_other_dtype(src):
    values = np.array([0, 1, 5, 100, 0, 3])
    if src == ember.bool:
        values = values.astype(bool)
    t = make_tensor(values, src)
    for dst in ALL_DTYPES:
        out = t.to(dst)
        assert out.dtype == dst and out.shape == t.shape
        assert_equal(out, values.astype(numpy_dtype(src)).astype(numpy_dtype(dst)), dtype=dst)
    assert_equal(t, values.astype(numpy_dtype(src)), dtype=src)


def test_to_same_dtype_returns_the_same_storage():
    t = ember.ones(3)
    assert t.to(ember.float32).data_ptr() == t.data_ptr()
    assert t.float().data_ptr() == t.data_ptr()


def test_to_of_non_contiguous_input():
    a = np.arange(12.0).reshape(3, 4)
    t = make_tensor(a, ember.float64).t()
    assert_equal(t.to(ember.int16), a.T.astype(np.int16))


def test_float_to_int_truncates_toward_zero():
    t = ember.tensor([-2.7, -0.5, 0.5, 2.7, 3.0])
    assert_equal(t.int(), np.array([-2, 0, 0, 2, 3], dtype=np.int32))
    assert_equal(t.long(), np.array([-2, 0, 0, 2, 3], dtype=np.int64))


def test_to_bool_is_nonzero():
    t = ember.tensor([0.0, -0.0, 0.1, -2.0, math.nan])
    assert_equal(t.bool(), np.array([False, False, True, True, True]))


def test_integer_narrowing_wraps():
    assert_equal(ember.tensor([300, -129, 255]).to(ember.int8),
                 np.array([44, 127, -1], dtype=np.int8))
    assert_equal(ember.tensor([256, 257, -1]).to(ember.uint8),
                 np.array([0, 1, 255], dtype=np.uint8))


def test_float16_conversion_rounds_to_nearest_even(rng):
    values = np.concatenate([rng.normal(scale=100, size=1000),
                             [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504.0, 65520.0, 1e-8, -0.0]])
    values = values.astype(np.float32)
    with np.errstate(over="ignore"):
        expected = values.astype(np.float16)  # 65520 rounds up to inf
    out = ember.tensor(values).half()
    assert_equal(out, expected)
    assert_equal(out.float(), expected.astype(np.float32))


def test_bfloat16_conversion_rounds_to_nearest_even(rng):
    values = np.concatenate([rng.normal(scale=100, size=1000),
                             [1 + 2 ** -8, 1 + 3 * 2 ** -8, 3e38, 1e-30, -0.0, math.inf]])
    values = values.astype(np.float32)
    out = ember.tensor(values).bfloat16()
    np.testing.assert_array_equal(to_numpy(out), bfloat16_round(values))
    assert to_numpy(out)[-6:].tolist()[:2] == [1.0, 1 + 2 ** -6]


def test_nan_survives_conversions():
    t = ember.tensor([math.nan])
    for dtype in FLOAT_DTYPES:
        assert math.isnan(t.to(dtype).float().item())


def test_conversion_does_not_change_the_source():
    t = ember.tensor([1.5, 2.5])
    t.int()
    t.to(ember.float16)
    assert_close(t, np.array([1.5, 2.5], dtype=np.float32))
