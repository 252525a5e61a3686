"""Errors: the exception types PyTorch raises, messages that name what went wrong, and
inputs left exactly as they were."""
import numpy as np
import pytest

import ember
from conftest import assert_unchanged, cuda_available, message_numbers, snapshot


def test_shape_mismatch_in_add_is_a_runtime_error():
    a, b = ember.ones(2, 3), ember.ones(4)
    before = snapshot(a, b)
    with pytest.raises(RuntimeError) as excinfo:
        a + b
    # The message names the sizes that disagree.
    assert {"3", "4"} <= message_numbers(excinfo)
    assert_unchanged(before)


@pytest.mark.ember_only
def test_shape_mismatch_message_gives_both_shapes():
    with pytest.raises(RuntimeError) as excinfo:
        ember.add(ember.ones(2, 3), ember.ones(4))
    assert {"2", "3", "4"} <= message_numbers(excinfo)


@pytest.mark.parametrize("fn", [lambda a, b: a - b, lambda a, b: ember.maximum(a, b),
                                lambda a, b: a < b, lambda a, b: ember.where(a > 0, a, b)],
                         ids=["sub", "maximum", "lt", "where"])
def test_broadcast_failures_in_other_ops(fn):
    a, b = ember.ones(3, 2), ember.ones(3, 3)
    before = snapshot(a, b)
    with pytest.raises(RuntimeError):
        fn(a, b)
    assert_unchanged(before)


def test_bitwise_on_float_is_refused():
    a = ember.tensor([1.0, 2.0])
    before = snapshot(a)
    with pytest.raises((TypeError, RuntimeError)):
        ember.bitwise_and(a, a)
    with pytest.raises((TypeError, RuntimeError)):
        a | a
    with pytest.raises((TypeError, RuntimeError)):
        ~a
    with pytest.raises((TypeError, RuntimeError)):
        a << 1
    assert_unchanged(before)


def test_sqrt_of_integers_is_fine_and_gives_float():
    out = ember.sqrt(ember.tensor([4, 9]))
    assert out.dtype == ember.float32
    assert out.tolist() == [2.0, 3.0]


def test_mean_of_integers_is_refused():
    t = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError):
        t.mean()


def test_neg_of_bool_is_refused():
    with pytest.raises(RuntimeError):
        -ember.tensor([True, False])


@pytest.mark.parametrize("index", [3, -4, (0, 0)], ids=["past_end", "before_start", "too_many"])
def test_index_out_of_range_is_index_error(index):
    t = ember.tensor([1, 2, 3])
    with pytest.raises(IndexError):
        t[index]


def test_dim_out_of_range_is_index_error():
    t = ember.ones(2, 3)
    with pytest.raises(IndexError):
        t.sum(dim=3)
    with pytest.raises(IndexError):
        t.select(2, 0)
    with pytest.raises(IndexError):
        t.size(-3)
    with pytest.raises(IndexError):
        t.softmax(dim=2)


def test_item_of_many_elements():
    with pytest.raises(RuntimeError):
        ember.ones(2).item()


def test_view_errors_leave_tensor_unchanged():
    t = ember.arange(6, dtype=ember.float32).view(2, 3)
    before = snapshot(t)
    with pytest.raises(RuntimeError):
        t.t().view(6)
    with pytest.raises(RuntimeError):
        t.view(4)
    with pytest.raises(RuntimeError):
        t.reshape(4, 2)
    with pytest.raises(RuntimeError):
        t.expand(3, 3)
    assert_unchanged(before)


def test_unknown_dtype_argument_is_refused():
    with pytest.raises((TypeError, RuntimeError, ValueError)):
        ember.zeros(2, dtype="float32x")


def test_unknown_device_string_is_refused():
    with pytest.raises((RuntimeError, ValueError)):
        ember.zeros(2, device="tpu")


def test_cuda_reports_unavailable_on_this_machine():
    available = ember.cuda.is_available()
    assert isinstance(available, bool)
    if available:
        pytest.skip("a CUDA device is present")
    assert available is False


@pytest.mark.ember_only
def test_creating_on_cuda_without_cuda_raises_runtime_error_naming_cuda():
    if cuda_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(RuntimeError) as excinfo:
        ember.zeros(2, device="cuda")
    assert "cuda" in str(excinfo.value).lower()


def test_creating_on_cuda_without_cuda_raises():
    if cuda_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(Exception) as excinfo:
        ember.zeros(2, device="cuda")
    assert "cuda" in str(excinfo.value).lower()


def test_tensor_on_cuda_when_a_device_is_present():
    if not cuda_available():
        pytest.skip("needs a CUDA device")
    t = ember.ones(3, device="cuda")
    assert str(t.device).startswith("cuda")
    assert t.tolist() == [1.0, 1.0, 1.0]
    assert (t + t).tolist() == [2.0, 2.0, 2.0]


def test_moving_to_cuda_without_cuda_leaves_tensor_unchanged():
    if cuda_available():
        pytest.skip("a CUDA device is present")
    t = ember.ones(3)
    before = snapshot(t)
    with pytest.raises(Exception):
        t.to("cuda")
    assert_unchanged(before)


def test_errors_inside_chained_inplace_ops_leave_earlier_results():
    t = ember.ones(3)
    t.add_(1)
    with pytest.raises(RuntimeError):
        t.add_(ember.ones(2))
    assert t.tolist() == [2.0, 2.0, 2.0]


def test_failed_numpy_like_ops_leave_numpy_sources_unchanged():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    copy = a.copy()
    t = ember.from_numpy(a)
    with pytest.raises(RuntimeError):
        t.add_(ember.ones(4, dtype=ember.float64))
    with pytest.raises(RuntimeError):
        t.view(4)
    np.testing.assert_array_equal(a, copy)


def test_ragged_nested_lists_raise_value_error():
    with pytest.raises(ValueError):
        ember.tensor([[1.0, 2.0], [3.0]])
