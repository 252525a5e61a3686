"""In-place ops: they write into the tensor's own storage (views included), broadcast
the right-hand side, cast the result to the tensor's dtype when PyTorch allows it and
refuse (leaving the tensor untouched) when it does not."""
import numpy as np
import pytest

import ember
from conftest import (assert_close, assert_equal, assert_unchanged, dtype_name, make_tensor,
                      numpy_dtype, snapshot, to_numpy)

INPLACE_BINARY = [
    ("add_", np.add),
    ("sub_", np.subtract),
    ("mul_", np.multiply),
    ("div_", np.divide),
]


def _assert_same_tensor(result, t, ptr):
    assert result.data_ptr() == ptr == t.data_ptr()
    assert result.shape == t.shape


@pytest.mark.parametrize("name, ref", INPLACE_BINARY, ids=[n for n, _ in INPLACE_BINARY])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16], ids=dtype_name)
@pytest.mark.parametrize("other_shape", [(3, 4), (4,), (3, 1), ()],
                         ids=["same", "row", "column", "zero_dim"])
def test_inplace_binary_broadcasts_other(name, ref, dtype, other_shape, rng):
    a = rng.uniform(-3, 3, (3, 4))
    b = rng.uniform(0.5, 2, other_shape)
    t, o = make_tensor(a, dtype), make_tensor(b, dtype)
    a, b = to_numpy(t).astype(np.float64), to_numpy(o).astype(np.float64)
    ptr = t.data_ptr()
    result = getattr(t, name)(o)
    _assert_same_tensor(result, t, ptr)
    assert_close(t, ref(a, b), dtype=dtype)


@pytest.mark.parametrize("name, ref", INPLACE_BINARY, ids=[n for n, _ in INPLACE_BINARY])
def test_inplace_binary_with_python_scalar(name, ref):
    t = ember.tensor([1.0, 2.0, 4.0])
    getattr(t, name)(2)
    assert_equal(t, ref(np.array([1.0, 2.0, 4.0]), 2).astype(np.float32))


def test_add_and_sub_with_alpha():
    t = ember.tensor([1.0, 2.0])
    t.add_(ember.tensor([1.0, 1.0]), alpha=3)
    assert_equal(t, np.array([4.0, 5.0], dtype=np.float32))
    t.sub_(ember.tensor([1.0, 2.0]), alpha=2)
    assert_equal(t, np.array([2.0, 1.0], dtype=np.float32))


def test_inplace_on_integer_tensors():
    t = ember.tensor([1, 2, 3])
    t.add_(ember.tensor([10, 20, 30], dtype=ember.int8))
    t.mul_(2)
    t.sub_(1)
    assert_equal(t, np.array([21, 43, 65]))


def test_inplace_casts_to_a_lower_precision_of_the_same_kind():
    t = ember.tensor([1, 2], dtype=ember.int32)
    t.add_(ember.tensor([5, 5], dtype=ember.int64))
    assert_equal(t, np.array([6, 7], dtype=np.int32))
    h = ember.tensor([1.0, 2.0], dtype=ember.float16)
    h.mul_(ember.tensor([0.5, 0.5], dtype=ember.float64))
    assert_equal(h, np.array([0.5, 1.0], dtype=np.float16))
    f = ember.tensor([1.5])
    f.add_(ember.tensor([2]))  # int into float is fine
    assert_equal(f, np.array([3.5], dtype=np.float32))


REFUSED = [
    # (dtype of self, method, the other operand as a list or Python scalar)
    pytest.param(ember.int64, "add_", [1.5, 1.5], id="int_add_float_tensor"),
    pytest.param(ember.int64, "add_", 1.5, id="int_add_float_scalar"),
    pytest.param(ember.int32, "mul_", [2.0, 2.0], id="int_mul_float"),
    pytest.param(ember.int64, "div_", [2, 2], id="int_true_div"),
    pytest.param(ember.int64, "div_", 2, id="int_true_div_scalar"),
    pytest.param(ember.bool, "add_", [1, 1], id="bool_add_int"),
    pytest.param(ember.uint8, "sub_", [0.5, 0.5], id="uint8_sub_float"),
]


@pytest.mark.parametrize("dtype, name, other", REFUSED)
def test_inplace_result_that_cannot_be_cast_raises(dtype, name, other):
    t = ember.ones(2, dtype=dtype)
    if isinstance(other, list):
        other = ember.tensor(other)
    before = snapshot(t, *([other] if isinstance(other, ember.Tensor) else []))
    with pytest.raises(RuntimeError):
        getattr(t, name)(other)
    assert_unchanged(before)


def test_inplace_cannot_broadcast_self():
    t = ember.ones(3, 1)
    before = snapshot(t)
    with pytest.raises(RuntimeError):
        t.add_(ember.ones(1, 4))
    assert_unchanged(before)


def test_inplace_shape_mismatch_leaves_self_unchanged():
    t = ember.ones(2, 3)
    before = snapshot(t)
    with pytest.raises(RuntimeError):
        t.mul_(ember.ones(4))
    assert_unchanged(before)


def test_inplace_on_a_view_writes_into_the_base():
    base = ember.zeros(4, 6)
    v = base[1:3, ::2]
    v.add_(ember.tensor([1.0, 2.0, 3.0]))
    expected = np.zeros((4, 6), dtype=np.float32)
    expected[1:3, ::2] += [1.0, 2.0, 3.0]
    assert_equal(base, expected)
    base.t().mul_(ember.arange(6, dtype=ember.float32).unsqueeze(1))
    expected = expected * np.arange(6, dtype=np.float32)
    assert_equal(base, expected)


def test_inplace_on_a_transposed_view_with_a_transposed_other():
    a = np.arange(12.0).reshape(3, 4)
    t = make_tensor(a, ember.float64)
    o = make_tensor(np.ones((4, 3)) * 2, ember.float64)
    t.t().sub_(o)
    assert_equal(t, a - 2)


def test_inplace_with_self_as_other():
    t = ember.tensor([1.0, 2.0, 3.0])
    t.add_(t)
    t.mul_(t)
    assert_equal(t, np.array([4.0, 16.0, 36.0], dtype=np.float32))


def test_inplace_large_tensor_crosses_parallel_threshold(rng):
    a = rng.normal(size=(300, 301)).astype(np.float32)
    t = ember.tensor(a)
    t.mul_(2).add_(1)
    assert_close(t, a * 2 + 1)
    s = ember.tensor(a).t()
    s.add_(ember.ones(300))
    assert_close(s, a.T + 1)


# --- clamp_, zero_, fill_, copy_ -------------------------------------------------------------

def test_clamp_():
    t = ember.tensor([-3.0, 0.5, 3.0])
    ptr = t.data_ptr()
    result = t.clamp_(-1, 1)
    _assert_same_tensor(result, t, ptr)
    assert_equal(t, np.array([-1.0, 0.5, 1.0], dtype=np.float32))
    t.clamp_(min=0.75)
    assert_equal(t, np.array([0.75, 0.75, 1.0], dtype=np.float32))
    i = ember.tensor([-5, 0, 5])
    i.clamp_(max=1)
    assert_equal(i, np.array([-5, 0, 1]))


@pytest.mark.parametrize("dtype", [ember.float32, ember.int8, ember.bool, ember.bfloat16],
                         ids=dtype_name)
def test_zero_(dtype):
    t = ember.ones(3, 4, dtype=dtype)
    ptr = t.data_ptr()
    result = t[:, 1:3].zero_()
    assert result.shape == (3, 2)
    expected = np.ones((3, 4))
    expected[:, 1:3] = 0
    assert_equal(t, expected.astype(numpy_dtype(dtype)), dtype=dtype)
    assert t.data_ptr() == ptr


@pytest.mark.parametrize("dtype, value", [(ember.float32, 2.5), (ember.float64, -1.25),
                                          (ember.int16, 7), (ember.bool, True),
                                          (ember.float16, 0.5)],
                         ids=["float32", "float64", "int16", "bool", "float16"])
def test_fill_(dtype, value):
    t = ember.zeros(2, 3, dtype=dtype)
    ptr = t.data_ptr()
    result = t.fill_(value)
    _assert_same_tensor(result, t, ptr)
    assert t.tolist() == [[value] * 3] * 2


def test_fill_on_a_strided_view():
    t = ember.zeros(4, 4)
    t.t()[::2].fill_(1.0)
    expected = np.zeros((4, 4), dtype=np.float32)
    expected.T[::2] = 1.0
    assert_equal(t, expected)


def test_fill_with_zero_dim_tensor():
    t = ember.zeros(3)
    t.fill_(ember.tensor(4.0))
    assert t.tolist() == [4.0, 4.0, 4.0]


def test_copy_broadcasts_and_casts():
    t = ember.zeros(2, 3)
    ptr = t.data_ptr()
    result = t.copy_(ember.tensor([1, 2, 3]))
    _assert_same_tensor(result, t, ptr)
    assert_equal(t, np.array([[1.0, 2.0, 3.0]] * 2, dtype=np.float32))
    i = ember.zeros(3, dtype=ember.int32)
    i.copy_(ember.tensor([1.9, -1.9, 0.2]))
    assert_equal(i, np.array([1, -1, 0], dtype=np.int32))


def test_copy_from_non_contiguous_into_view():
    a = np.arange(12.0).reshape(3, 4)
    dst = ember.zeros(4, 6, dtype=ember.float64)
    dst[:, 1:4].copy_(make_tensor(a, ember.float64).t())
    expected = np.zeros((4, 6))
    expected[:, 1:4] = a.T
    assert_equal(dst, expected)


def test_copy_shape_mismatch_raises_and_leaves_destination():
    t = ember.ones(2, 3)
    before = snapshot(t)
    with pytest.raises(RuntimeError):
        t.copy_(ember.zeros(4))
    assert_unchanged(before)


def test_copy_between_every_float_dtype():
    src = ember.tensor([0.5, -1.25, 3.0], dtype=ember.float64)
    for dtype in (ember.float32, ember.float16, ember.bfloat16, ember.float64):
        dst = ember.zeros(3, dtype=dtype)
        dst.copy_(src)
        assert dst.tolist() == [0.5, -1.25, 3.0]


def test_inplace_ops_are_visible_through_other_views():
    base = ember.arange(6, dtype=ember.float32)
    view = base.view(2, 3)
    base.add_(1)
    assert_equal(view, np.arange(1, 7, dtype=np.float32).reshape(2, 3))
    view.t().mul_(2)
    assert_equal(base, np.arange(1, 7, dtype=np.float32) * 2)
