"""Tensor creation: ember.tensor's dtype inference, the factory functions and *_like."""
import math

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, assert_close, assert_equal, dtype_name, numpy_dtype, to_numpy


# --- ember.tensor ------------------------------------------------------------------

INFERENCE = [
    pytest.param([1, 2, 3], ember.int64, (3,), id="ints"),
    pytest.param([1.0, 2.5], ember.float32, (2,), id="floats"),
    pytest.param([True, False], ember.bool, (2,), id="bools"),
    pytest.param([1, 2.5], ember.float32, (2,), id="int_and_float"),
    pytest.param([True, 1], ember.int64, (2,), id="bool_and_int"),
    pytest.param([[1, 2], [3, 4], [5, 6]], ember.int64, (3, 2), id="nested"),
    pytest.param([[[1.0]], [[2.0]]], ember.float32, (2, 1, 1), id="3d"),
    pytest.param(3, ember.int64, (), id="int_scalar"),
    pytest.param(2.5, ember.float32, (), id="float_scalar"),
    pytest.param(True, ember.bool, (), id="bool_scalar"),
    pytest.param([], ember.float32, (0,), id="empty_list"),
    pytest.param([[], []], ember.float32, (2, 0), id="empty_rows"),
]


@pytest.mark.parametrize("data, dtype, shape", INFERENCE)
def test_tensor_infers_dtype_and_shape(data, dtype, shape):
    t = ember.tensor(data)
    assert t.dtype == dtype
    assert t.shape == shape
    assert_equal(t, np.array(data, dtype=numpy_dtype(dtype)).reshape(shape))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_tensor_with_dtype_converts(dtype):
    t = ember.tensor([[0, 1], [2, 3]], dtype=dtype)
    assert t.dtype == dtype
    assert_equal(t, np.array([[0, 1], [2, 3]]).astype(numpy_dtype(dtype)), dtype=dtype)


def test_tensor_float_data_into_int_dtype_truncates():
    assert_equal(ember.tensor([1.7, -1.7, 2.0], dtype=ember.int32),
                 np.array([1, -1, 2], dtype=np.int32))


def test_tensor_accepts_device_and_requires_grad_arguments():
    t = ember.tensor([1.0, 2.0], dtype=ember.float64, device="cpu", requires_grad=False)
    assert t.dtype == ember.float64
    assert str(t.device) == "cpu"


@pytest.mark.parametrize("np_dtype", [np.float64, np.float32, np.float16, np.int32, np.int64,
                                      np.int16, np.int8, np.uint8, np.bool_],
                         ids=lambda d: np.dtype(d).name)
def test_tensor_from_numpy_keeps_dtype_and_copies(np_dtype):
    a = np.arange(6).reshape(2, 3).astype(np_dtype)
    t = ember.tensor(a)
    assert_equal(t, a)
    a[0, 0] = 1 if np_dtype is not np.bool_ else True
    assert to_numpy(t)[0, 0] == 0  # ember.tensor copies


def test_tensor_from_numpy_scalars():
    assert ember.tensor(np.float64(1.5)).dtype == ember.float64
    assert ember.tensor(np.float32(1.5)).dtype == ember.float32
    assert ember.tensor(np.array(3, dtype=np.int16)).shape == ()


def test_tensor_from_non_contiguous_numpy_array():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    assert_equal(ember.tensor(a[:, ::2]), a[:, ::2].copy())
    assert_equal(ember.tensor(a.T), a.T.copy())


@pytest.mark.ember_only
def test_tensor_from_reversed_numpy_array():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    assert_equal(ember.tensor(a[::-1, ::-2]), a[::-1, ::-2].copy())


@pytest.mark.parametrize("data", [[[1, 2], [3]], [1, [2, 3]], [[1, 2], 3]],
                         ids=["short_row", "scalar_then_list", "list_then_scalar"])
def test_ragged_data_raises_value_error(data):
    with pytest.raises((ValueError, TypeError)):
        ember.tensor(data)


def test_ragged_rows_raise_value_error():
    with pytest.raises(ValueError):
        ember.tensor([[1, 2], [3]])


def test_tensor_of_large_python_ints_and_floats():
    assert ember.tensor([2 ** 40]).item() == 2 ** 40
    assert ember.tensor([1e300], dtype=ember.float64).item() == 1e300
    assert math.isinf(ember.tensor([1e300]).item())  # float32 overflow


# --- factories ---------------------------------------------------------------------

@pytest.mark.parametrize("fn, value", [("zeros", 0), ("ones", 1)])
@pytest.mark.parametrize("dtype", [None, ember.float64, ember.int32, ember.bool, ember.float16],
                         ids=lambda d: "default" if d is None else dtype_name(d))
def test_zeros_ones(fn, value, dtype):
    kwargs = {} if dtype is None else {"dtype": dtype}
    expected_dtype = ember.float32 if dtype is None else dtype
    for shape_args in [(2, 3), ((2, 3),), ([2, 3],)]:
        t = getattr(ember, fn)(*shape_args, **kwargs)
        assert t.shape == (2, 3)
        assert t.is_contiguous()
        assert_equal(t, np.full((2, 3), value).astype(numpy_dtype(expected_dtype)),
                     dtype=expected_dtype)


def test_zero_dim_and_zero_size_factories():
    assert ember.zeros(()).shape == ()
    assert ember.ones([]).shape == ()
    assert ember.zeros(0, 3).shape == (0, 3)
    assert ember.zeros(0, 3).numel() == 0


def test_negative_size_raises():
    with pytest.raises(RuntimeError):
        ember.zeros(2, -1)


@pytest.mark.parametrize("fill, dtype", [(7, ember.int64), (2.5, ember.float32),
                                         (True, ember.bool)], ids=["int", "float", "bool"])
def test_full_infers_dtype_from_fill_value(fill, dtype):
    t = ember.full((2, 3), fill)
    assert t.dtype == dtype
    assert_equal(t, np.full((2, 3), fill).astype(numpy_dtype(dtype)))


def test_full_with_dtype():
    assert_equal(ember.full((2,), 3, dtype=ember.float16), np.array([3, 3], dtype=np.float16))


def test_empty_has_shape_and_dtype():
    t = ember.empty(3, 4, dtype=ember.int16)
    assert t.shape == (3, 4) and t.dtype == ember.int16 and t.is_contiguous()
    assert ember.empty((2, 2)).dtype == ember.float32


ARANGE = [
    pytest.param((5,), {}, np.arange(5), ember.int64, id="stop"),
    pytest.param((2, 7), {}, np.arange(2, 7), ember.int64, id="start_stop"),
    pytest.param((1, 10, 3), {}, np.arange(1, 10, 3), ember.int64, id="step"),
    pytest.param((10, 0, -3), {}, np.arange(10, 0, -3), ember.int64, id="negative_step"),
    pytest.param((5.0,), {}, np.arange(5.0), ember.float32, id="float_stop"),
    pytest.param((0, 1, 0.1), {}, np.arange(0, 1, 0.1), ember.float32, id="float_step"),
    pytest.param((0, 1, 0.3), {}, np.arange(0, 1, 0.3), ember.float32, id="float_step_2"),
    pytest.param((5,), {"dtype": ember.float64}, np.arange(5.0), ember.float64, id="dtype"),
    pytest.param((3, 3), {}, np.arange(3, 3), ember.int64, id="empty"),
]


@pytest.mark.parametrize("args, kwargs, expected, dtype", ARANGE)
def test_arange(args, kwargs, expected, dtype):
    t = ember.arange(*args, **kwargs)
    assert t.dtype == dtype
    assert_close(t, expected, dtype=dtype)


def test_arange_zero_step_raises():
    with pytest.raises(RuntimeError):
        ember.arange(0, 5, 0)


@pytest.mark.parametrize("start, end, steps", [(0, 1, 5), (-1, 1, 1), (2, -3, 11), (0, 1, 0),
                                               (0, 10, 1000)])
def test_linspace(start, end, steps):
    t = ember.linspace(start, end, steps)
    assert t.dtype == ember.float32
    assert_close(t, np.linspace(start, end, steps).astype(np.float32), rtol=1e-6, atol=1e-6)


def test_linspace_with_dtype():
    assert_close(ember.linspace(0, 1, 3, dtype=ember.float64), np.array([0.0, 0.5, 1.0]))


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2)])
def test_eye(args):
    assert_equal(ember.eye(*args), np.eye(*args, dtype=np.float32))


def test_eye_with_dtype():
    assert_equal(ember.eye(2, dtype=ember.int64), np.eye(2, dtype=np.int64))


# --- *_like --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [ember.float32, ember.int8, ember.bool, ember.float64],
                         ids=dtype_name)
def test_like_functions_keep_shape_and_dtype(dtype):
    base = ember.ones(3, 2, dtype=dtype)
    assert_equal(ember.zeros_like(base), np.zeros((3, 2), dtype=numpy_dtype(dtype)), dtype=dtype)
    assert_equal(ember.ones_like(base), np.ones((3, 2), dtype=numpy_dtype(dtype)), dtype=dtype)
    assert_equal(ember.full_like(base, 1), np.full((3, 2), 1).astype(numpy_dtype(dtype)),
                 dtype=dtype)
    e = ember.empty_like(base)
    assert e.shape == (3, 2) and e.dtype == dtype


def test_like_functions_with_dtype_override():
    base = ember.ones(2, 2, dtype=ember.int32)
    assert ember.zeros_like(base, dtype=ember.float64).dtype == ember.float64
    assert ember.full_like(base, 2.5, dtype=ember.float32).tolist() == [[2.5, 2.5], [2.5, 2.5]]


def test_like_functions_of_non_contiguous_input():
    base = ember.ones(3, 4).t()
    z = ember.zeros_like(base)
    assert z.shape == (4, 3)
    assert_equal(z, np.zeros((4, 3), dtype=np.float32))


def test_full_like_casts_the_fill_value():
    assert_equal(ember.full_like(ember.ones(2, dtype=ember.int64), 7),
                 np.array([7, 7], dtype=np.int64))


def test_rand_like_and_randn_like():
    base = ember.zeros(50, 40, dtype=ember.float64)
    r = ember.rand_like(base)
    assert r.shape == (50, 40) and r.dtype == ember.float64
    values = to_numpy(r)
    assert values.min() >= 0.0 and values.max() < 1.0
    n = ember.randn_like(base)
    assert n.shape == (50, 40) and n.dtype == ember.float64
    assert abs(to_numpy(n).mean()) < 0.2


def test_factories_on_cpu_device():
    for t in (ember.zeros(2, device="cpu"), ember.ones(2, device="cpu"),
              ember.arange(3, device="cpu"), ember.full((2,), 1.0, device="cpu")):
        assert str(t.device) == "cpu"
