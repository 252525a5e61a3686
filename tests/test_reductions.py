"""Reductions, scans and softmax: catalogue-driven cases plus hand-written ones.

Catalogue cases (op_catalogue.REDUCTION_OPS) check values against NumPy, the
result dtype (sums of integers are int64, all/any give bool), the shape with and
without keepdim, and dim given as an int, a negative int, a tuple or not at all.
"""
import math
import warnings

import numpy as np
import pytest

import ember
from conftest import (INT_DTYPES, assert_close, assert_equal, assert_unchanged,
                      dtype_name, make_tensor, snapshot, to_numpy, torch_dtype)
from op_catalogue import REDUCTION_OPS, Operand, case_id, make_operand, reduction_cases, reject_cases


def _params():
    out = []
    for op, dtype, sample in reduction_cases():
        marks = [pytest.mark.ember_only] if sample.ember_only else []
        out.append(pytest.param(op, dtype, sample, id=case_id(op.name, dtype, sample.name),
                                marks=marks))
    return out


def _quietly(fn, *args, **kwargs):
    """Runs fn with NumPy's and the engine's warnings (empty mean, var of one value) off."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _expected(op, array, sample):
    if array.ndim == 0:
        # A zero-dim tensor reduces like a one-element vector along dim 0.
        return np.asarray(_quietly(op.ref, array.reshape(1), 0, False)).reshape(())
    return np.asarray(_quietly(op.ref, array, sample.axis(), sample.keepdim))


@pytest.mark.parametrize("op, dtype, sample", _params())
def test_reduction(op, dtype, sample, rng):
    t, stored = make_operand(rng, op.domain, dtype, sample.operand)
    before = snapshot(t)
    out = _quietly(op.fn, ember, t, **sample.kwargs(op))
    expected = _expected(op, stored.astype(op.compute_dtype(dtype)), sample)
    rtol, atol = op.tolerance(op.result_dtype(dtype))
    assert_close(out, expected, dtype=op.result_dtype(dtype), rtol=rtol, atol=atol)
    assert_unchanged(before)


@pytest.mark.parametrize("op, dtype", reject_cases(REDUCTION_OPS))
def test_refuses_dtype(op, dtype):
    t = ember.ones(2, 3, dtype=dtype)
    with pytest.raises((TypeError, RuntimeError)):
        op.fn(ember, t, dim=1)


@pytest.mark.parametrize("op", [op for op in REDUCTION_OPS if op.method], ids=lambda op: op.name)
def test_method_matches_function(op, rng):
    t = make_operand(rng, op.domain, ember.float32, Operand((3, 4)))[0]
    assert_equal(getattr(t, op.method)(dim=1), to_numpy(op.fn(ember, t, dim=1)),
                 dtype=op.result_dtype(ember.float32))


@pytest.mark.parametrize("op", REDUCTION_OPS, ids=lambda op: op.name)
def test_catalogue_matches_torch(op):
    """The catalogue's dtype rules agree with PyTorch (checks the catalogue itself)."""
    torch = pytest.importorskip("torch")
    for dtype in op.dtypes:
        t = torch.ones(2, 3, dtype=torch_dtype(torch, dtype))
        got = _quietly(op.fn, torch, t, dim=1)
        assert dtype_name(got.dtype) == dtype_name(op.result_dtype(dtype)), dtype
    for dtype in op.rejects:
        t = torch.ones(2, 3, dtype=torch_dtype(torch, dtype))
        with pytest.raises((TypeError, RuntimeError)):
            op.fn(torch, t, dim=1)


# --- max/min with a dim: (values, indices) -----------------------------------------

@pytest.mark.parametrize("fn, ref, arg", [("max", np.max, np.argmax), ("min", np.min, np.argmin)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_return_values_and_indices(fn, ref, arg, keepdim, rng):
    a = rng.normal(size=(4, 6)).astype(np.float32)
    result = getattr(ember, fn)(ember.tensor(a), dim=1, keepdim=keepdim)
    values, indices = result  # unpacks like a tuple
    assert_equal(result.values, ref(a, axis=1, keepdims=keepdim))
    assert_equal(result.indices, arg(a, axis=1, keepdims=keepdim))
    assert_equal(values, ref(a, axis=1, keepdims=keepdim))
    assert_equal(indices, arg(a, axis=1, keepdims=keepdim))
    assert_equal(result[0], ref(a, axis=1, keepdims=keepdim))


def test_max_method_with_positional_dim(rng):
    a = rng.normal(size=(3, 5))
    values, indices = ember.tensor(a).max(0)
    assert_equal(values, a.max(0))
    assert_equal(indices, a.argmax(0))


def test_max_without_dim_is_zero_dim():
    t = ember.tensor([[1.0, 7.0], [3.0, -2.0]])
    m = ember.max(t)
    assert m.shape == () and m.item() == 7.0
    assert ember.min(t).item() == -2.0
    assert t.max().item() == 7.0


def test_argmax_ties_give_first_index():
    t = ember.tensor([[1, 5, 5, 2], [3, 3, 3, 3]])
    assert_equal(ember.argmax(t, dim=1), np.array([1, 0]))
    assert_equal(ember.argmin(t, dim=1), np.array([0, 0]))
    values, indices = ember.max(t, dim=1)
    assert_equal(indices, np.array([1, 0]))
    assert ember.argmax(ember.tensor([2.0, 9.0, 9.0])).item() == 1


def test_argmax_without_dim_indexes_the_flattened_tensor(rng):
    a = rng.normal(size=(4, 5, 6))
    t = make_tensor(a, ember.float64).permute(2, 0, 1)
    assert ember.argmax(t).item() == int(np.argmax(a.transpose(2, 0, 1)))
    assert ember.argmin(t).item() == int(np.argmin(a.transpose(2, 0, 1)))


def test_max_and_sum_propagate_nan():
    t = ember.tensor([1.0, math.nan, 3.0])
    assert math.isnan(ember.max(t).item())
    assert math.isnan(ember.amin(t).item())
    assert math.isnan(ember.sum(t).item())
    assert ember.argmax(t).item() == 1


# --- var / std keyword forms -----------------------------------------------------

def test_var_std_correction_and_unbiased(rng):
    a = rng.normal(size=(5, 8))
    t = make_tensor(a, ember.float64)
    assert_close(ember.var(t, dim=1), np.var(a, axis=1, ddof=1))
    assert_close(ember.var(t, dim=1, unbiased=False), np.var(a, axis=1, ddof=0))
    assert_close(ember.var(t, dim=1, correction=0), np.var(a, axis=1, ddof=0))
    assert_close(ember.std(t, dim=0, correction=3), np.std(a, axis=0, ddof=3))
    assert_close(t.var(), np.var(a, ddof=1).reshape(()))
    assert_close(t.std(1, keepdim=True), np.std(a, axis=1, ddof=1, keepdims=True))


# --- dtypes of sums -------------------------------------------------------------

@pytest.mark.parametrize("dtype", INT_DTYPES + (ember.bool,), ids=dtype_name)
def test_sum_of_integers_is_int64(dtype):
    t = ember.ones(4, 3, dtype=dtype)
    assert_equal(t.sum(), np.array(12, dtype=np.int64))
    assert_equal(t.sum(0), np.full(3, 4, dtype=np.int64))
    assert_equal(t.prod(1), np.ones(4, dtype=np.int64))
    assert_equal(ember.cumsum(t, dim=0)[-1], np.full(3, 4, dtype=np.int64))


def test_sum_does_not_overflow_small_integer_types():
    t = ember.full((1000,), 100, dtype=ember.int8)
    assert t.sum().item() == 100_000


@pytest.mark.parametrize("dtype", [ember.float64, ember.float32, ember.int32], ids=dtype_name)
def test_sum_with_dtype_argument(dtype):
    t = ember.tensor([1, 2, 3], dtype=ember.int8)
    out = t.sum(dtype=dtype)
    assert out.dtype == dtype and out.item() == 6
    out = ember.sum(t, dim=0, dtype=dtype)
    assert out.dtype == dtype and out.item() == 6


def test_bool_sum_counts_true():
    t = ember.tensor([True, False, True, True])
    assert t.sum().item() == 3
    assert t.sum().dtype == ember.int64


# --- empty inputs ---------------------------------------------------------------

def test_reductions_of_empty_tensors():
    e = ember.zeros(0, 3)
    assert ember.sum(e).item() == 0.0
    assert ember.prod(e).item() == 1.0
    assert ember.all(e).item() is True
    assert ember.any(e).item() is False
    assert math.isnan(_quietly(ember.mean, e).item())
    assert_equal(ember.sum(e, dim=0), np.zeros(3, dtype=np.float32))
    assert ember.logsumexp(e, dim=0).tolist() == [-math.inf] * 3


@pytest.mark.parametrize("fn", ["amax", "amin", "argmax", "max"])
def test_max_of_empty_raises(fn):
    e = ember.zeros(0, 3)
    with pytest.raises((IndexError, RuntimeError)):
        getattr(ember, fn)(e)
    with pytest.raises((IndexError, RuntimeError)):
        getattr(ember, fn)(e, dim=0)
    out = ember.max(e, dim=1).values if fn == "max" else getattr(ember, fn)(e, dim=1)
    assert tuple(out.shape) == (0,)


# --- softmax, logsumexp -----------------------------------------------------------

def test_softmax_rows_sum_to_one_and_method_forms(rng):
    a = rng.normal(size=(4, 7)).astype(np.float32)
    t = ember.tensor(a)
    s = ember.softmax(t, dim=1)
    assert_close(s.sum(dim=1), np.ones(4, dtype=np.float32))
    assert_equal(t.softmax(1), to_numpy(s))
    assert_equal(t.softmax(dim=-1), to_numpy(s))
    assert_close(ember.log_softmax(t, dim=1).exp(), to_numpy(s))
    assert_equal(t.log_softmax(1), to_numpy(ember.log_softmax(t, dim=1)))


def test_softmax_and_logsumexp_are_stable_for_large_inputs():
    t = ember.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]])
    assert_close(ember.softmax(t, dim=1), np.full((2, 2), 0.5, dtype=np.float32))
    assert_close(ember.log_softmax(t, dim=1), np.full((2, 2), -math.log(2), dtype=np.float32))
    assert_close(ember.logsumexp(t, dim=1),
                 np.array([1000 + math.log(2), -1000 + math.log(2)], dtype=np.float32))


def test_norm_default_is_two_norm():
    t = ember.tensor([[3.0, 4.0], [5.0, 12.0]])
    assert_close(ember.norm(t, dim=1), np.array([5.0, 13.0], dtype=np.float32))
    assert_close(t.norm(), np.array(math.sqrt(9 + 16 + 25 + 144), dtype=np.float32))
    assert_close(t.norm(1, dim=0), np.array([8.0, 16.0], dtype=np.float32))


def test_cumsum_requires_dim():
    t = ember.ones(3)
    with pytest.raises((TypeError, RuntimeError)):
        ember.cumsum(t)


def test_scan_of_non_contiguous_input(rng):
    a = rng.integers(-5, 5, (6, 4))
    t = make_tensor(a).t()
    assert_equal(ember.cumsum(t, dim=1), np.cumsum(a.T, axis=1))
    assert_equal(t.cumprod(0), np.cumprod(a.T, axis=0))


def test_reduction_dim_out_of_range_raises():
    t = ember.ones(2, 3)
    with pytest.raises(IndexError):
        ember.sum(t, dim=2)
    with pytest.raises(IndexError):
        t.amax(dim=-3)


# --- precision of large sums ---------------------------------------------------------

def test_sum_of_ten_million_float32_values_is_accurate():
    t = ember.ones(10_000_000) * 0.1
    expected = np.float64(np.float32(0.1)) * 10_000_000
    assert t.dtype == ember.float32
    assert abs(t.sum().item() - expected) <= 1e-6 * expected
    assert abs(t.mean().item() - np.float32(0.1)) <= 1e-6 * 0.1


def test_sum_of_ten_million_random_float32_values_is_accurate():
    ember.manual_seed(0)
    t = ember.rand(10_000_000)
    expected = to_numpy(t).sum(dtype=np.float64)
    assert abs(t.sum().item() - expected) <= 1e-6 * expected
    rows = t.view(1000, 10_000).sum(dim=1)
    expected_rows = to_numpy(t).reshape(1000, 10_000).sum(axis=1, dtype=np.float64)
    np.testing.assert_allclose(to_numpy(rows), expected_rows, rtol=1e-6)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16], ids=dtype_name)
def test_low_precision_sum_accumulates_in_float32(dtype):
    # Adding ones one by one in float16 stalls at 2048 (bfloat16: 256); the sum must
    # be accumulated in a wider type and rounded once.
    out = ember.ones(30_000, dtype=dtype).sum()
    assert out.dtype == dtype
    assert abs(out.float().item() - 30_000) <= 30_000 * 4e-3
    mean = ember.ones(30_000, dtype=dtype).mean()
    assert mean.float().item() == 1.0
