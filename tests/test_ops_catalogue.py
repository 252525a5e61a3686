"""Elementwise ops, generated from the op catalogue (op_catalogue.py).

For each op, dtype and input layout: values against NumPy (computed in float64,
or in int64/bool for integer/bool results), shape by broadcasting, dtype by
PyTorch's promotion rule. Also Python-scalar operands on either side, methods and
operators, the dtypes each op must refuse, NaN/inf handling, and a parity check
of the catalogue itself against PyTorch when it is installed.
"""
import math
import warnings

import numpy as np
import pytest

import ember
from conftest import (FLOAT_DTYPES, INT_DTYPES, assert_close, assert_equal, assert_unchanged,
                      dtype_name, make_tensor, message_numbers, numpy_dtype, snapshot,
                      to_numpy, torch_dtype)
from op_catalogue import (BINARY_OPS, ELEMENTWISE_OPS, UNARY_OPS, Operand, case_id, reject_cases,
                          elementwise_cases, make_operand, materialize)


def _params(cases):
    out = []
    for op, dtype, sample in cases:
        marks = [pytest.mark.ember_only] if sample.ember_only else []
        out.append(pytest.param(op, dtype, sample, id=case_id(op.name, dtype, sample.name),
                                marks=marks))
    return out


def _reference(op, arrays):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(op.ref(*arrays))


@pytest.mark.parametrize("op, dtype, sample", _params(elementwise_cases()))
def test_forward(op, dtype, sample, rng):
    tensors, arrays = materialize(op, dtype, sample, rng)
    out = op.fn(ember, *tensors)
    out_dtype = op.result_dtype(*tensors)
    expected = _reference(op, arrays)
    assert expected.shape == np.broadcast_shapes(*(a.shape for a in arrays))
    rtol, atol = op.tolerance(out_dtype)
    assert_close(out, expected, dtype=out_dtype, rtol=rtol, atol=atol)


# --- Python scalars ----------------------------------------------------------

SCALAR_DTYPES = (ember.float32, ember.float16, ember.int64, ember.uint8, ember.bool)


def _scalar_cases():
    for op in BINARY_OPS:
        for dtype in SCALAR_DTYPES:
            if dtype not in op.dtypes:
                continue
            for scalar in op.scalars:
                yield pytest.param(op, dtype, scalar, "right",
                                   id=case_id(op.name, dtype, f"tensor_op_{scalar!r}"))
                if op.operator is not None:
                    yield pytest.param(op, dtype, scalar, "left",
                                       id=case_id(op.name, dtype, f"{scalar!r}_op_tensor"))


@pytest.mark.parametrize("op, dtype, scalar, side", list(_scalar_cases()))
def test_python_scalar_operand(op, dtype, scalar, side, rng):
    """op(t, 2.5) and the reflected operator (2.5 - t): promotion with a Python scalar."""
    if side == "right":
        t, a = make_operand(rng, op.domains[0], dtype, Operand((3, 4)))
        out = op.fn(ember, t, scalar)
        operands_np = (a, scalar)
    else:
        t, a = make_operand(rng, op.domains[-1], dtype, Operand((3, 4)))
        out = op.operator(scalar, t)
        operands_np = (scalar, a)
    out_dtype = op.result_dtype(t, scalar)
    compute = op.compute_dtype(t, scalar)
    arrays = [x.astype(compute) if isinstance(x, np.ndarray) else compute(x) for x in operands_np]
    expected = _reference(op, arrays)
    rtol, atol = op.tolerance(out_dtype)
    assert_close(out, expected, dtype=out_dtype, rtol=rtol, atol=atol)


# --- methods and operators ------------------------------------------------------

def _first_dtype(op):
    return ember.float32 if ember.float32 in op.dtypes else op.dtypes[-1]


@pytest.mark.parametrize("op", [op for op in ELEMENTWISE_OPS if op.method or op.operator],
                         ids=lambda op: op.name)
def test_method_and_operator_match_function(op, rng):
    dtype = _first_dtype(op)
    shapes = [(3, 1), (1, 4)] if op.arity == 2 else [(3, 4)]
    tensors = [make_operand(rng, d, dtype, Operand(s))[0]
               for d, s in zip(op.operand_domains(), shapes)]
    expected = to_numpy(op.fn(ember, *tensors))
    out_dtype = op.result_dtype(*tensors)
    if op.method:
        assert_equal(getattr(tensors[0], op.method)(*tensors[1:]), expected, dtype=out_dtype)
    if op.operator:
        assert_equal(op.operator(*tensors), expected, dtype=out_dtype)


# --- refused dtypes -------------------------------------------------------------

@pytest.mark.parametrize("op, dtype", reject_cases(ELEMENTWISE_OPS))
def test_refuses_dtype(op, dtype, rng):
    tensors = [make_tensor(rng.random((2, 3)) < 0.5, ember.bool).to(dtype)
               for _ in range(op.arity)]
    before = snapshot(*tensors)
    with pytest.raises((TypeError, RuntimeError)):
        op.fn(ember, *tensors)
    assert_unchanged(before)


@pytest.mark.parametrize("op", BINARY_OPS, ids=lambda op: op.name)
def test_binary_shape_mismatch(op, rng):
    dtype = _first_dtype(op)
    domains = op.operand_domains()
    a = make_operand(rng, domains[0], dtype, Operand((2, 3)))[0]
    b = make_operand(rng, domains[1], dtype, Operand((4,)))[0]
    before = snapshot(a, b)
    with pytest.raises(RuntimeError) as excinfo:
        op.fn(ember, a, b)
    assert {"3", "4"} <= message_numbers(excinfo)
    assert_unchanged(before)


# --- special values -------------------------------------------------------------

SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 100.0, 1e-30]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=dtype_name)
@pytest.mark.parametrize("op", [op for op in UNARY_OPS if op.special_values],
                         ids=lambda op: op.name)
def test_special_values(op, dtype):
    t = ember.tensor(SPECIALS, dtype=dtype)
    expected = _reference(op, [np.array(SPECIALS, dtype=np.float64)])
    out = op.fn(ember, t)
    assert_close(out, expected, dtype=dtype, rtol=1e-5 if dtype == ember.float32 else 1e-10,
                 atol=0)


def test_relu_special_values():
    t = ember.tensor([math.nan, math.inf, -math.inf, 0.0, -2.0, 3.0])
    out = ember.relu(t)
    np.testing.assert_array_equal(to_numpy(out), [np.nan, np.inf, 0.0, 0.0, 0.0, 3.0])


@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_maximum_minimum_propagate_nan(fn):
    a = ember.tensor([1.0, math.nan, 3.0])
    b = ember.tensor([math.nan, 2.0, 1.0])
    out = to_numpy(getattr(ember, fn)(a, b))
    assert np.isnan(out[0]) and np.isnan(out[1])
    assert out[2] == (3.0 if fn == "maximum" else 1.0)


def test_comparisons_with_nan_are_false_except_ne():
    a = ember.tensor([math.nan, 1.0])
    b = ember.tensor([math.nan, math.nan])
    assert to_numpy(a == b).tolist() == [False, False]
    assert to_numpy(a < b).tolist() == [False, False]
    assert to_numpy(a >= b).tolist() == [False, False]
    assert to_numpy(a != b).tolist() == [True, True]


# --- hand-written cases the catalogue does not express ------------------------------

def test_round_half_to_even():
    t = ember.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6])
    assert_equal(ember.round(t), np.array([0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 2.0, 3.0],
                                          dtype=np.float32))


def test_integer_division_rounds_toward_minus_infinity():
    a = ember.tensor([7, -7, 7, -7])
    b = ember.tensor([2, 2, -2, -2])
    assert_equal(a // b, np.array([3, -4, -4, 3]))
    assert_equal(a % b, np.array([1, 1, -1, -1]))
    assert_equal(a / b, np.array([3.5, -3.5, -3.5, 3.5], dtype=np.float32))


def test_integer_division_by_zero_raises():
    a = ember.tensor([1, 2])
    b = ember.tensor([1, 0])
    before = snapshot(a, b)
    with pytest.raises(RuntimeError):
        a // b
    with pytest.raises(RuntimeError):
        ember.remainder(a, b)
    assert_unchanged(before)


def test_float_division_by_zero_gives_inf_and_nan():
    out = to_numpy(ember.tensor([1.0, -1.0, 0.0]) / ember.tensor([0.0, 0.0, 0.0]))
    assert out[0] == np.inf and out[1] == -np.inf and np.isnan(out[2])


def test_integer_pow_negative_scalar_exponent_raises():
    with pytest.raises(RuntimeError):
        ember.tensor([2, 3]) ** -1


def test_integer_overflow_wraps():
    t = ember.tensor([100, -100], dtype=ember.int8)
    assert_equal(t + t, np.array([-56, 56], dtype=np.int8))
    u = ember.tensor([250], dtype=ember.uint8)
    assert_equal(u + ember.tensor([10], dtype=ember.uint8), np.array([4], dtype=np.uint8))


def test_shifts_are_arithmetic_on_signed_integers():
    t = ember.tensor([-7, 7, -1], dtype=ember.int8)
    assert_equal(t >> 1, np.array([-4, 3, -1], dtype=np.int8))
    assert_equal(t << 2, np.array([-28, 28, -4], dtype=np.int8))


def test_bool_add_and_mul_are_logical():
    a = ember.tensor([True, True, False, False])
    b = ember.tensor([True, False, True, False])
    assert_equal(a + b, np.array([True, True, True, False]))
    assert_equal(a * b, np.array([True, False, False, False]))
    assert_equal(~a, np.array([False, False, True, True]))


def test_add_alpha_float_on_integers_raises():
    a = ember.tensor([1, 2])
    with pytest.raises(RuntimeError):
        ember.add(a, a, alpha=2.5)
    assert_equal(ember.add(a, a, alpha=3), np.array([4, 8]))


def test_sub_bool_raises():
    a = ember.tensor([True, False])
    with pytest.raises(RuntimeError):
        a - a


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int32, ember.int64],
                         ids=dtype_name)
def test_where(dtype, rng):
    cond_np = rng.random((3, 4)) < 0.5
    a_np = rng.integers(-5, 5, (3, 4))
    b_np = rng.integers(-5, 5, (1, 4))
    cond = make_tensor(cond_np)
    a, b = make_tensor(a_np, dtype), make_tensor(b_np, dtype)
    assert_equal(ember.where(cond, a, b), np.where(cond_np, a_np, b_np).astype(numpy_dtype(dtype)),
                 dtype=dtype)


def test_where_promotes_and_broadcasts(rng):
    cond = ember.tensor([[True], [False]])
    a = ember.tensor([1, 2, 3])
    b = ember.tensor([0.5, 1.5, 2.5])
    out = ember.where(cond, a, b)
    assert_equal(out, np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 2.5]], dtype=np.float32))
    out = ember.where(ember.tensor([True, False]), ember.tensor([1.0, 2.0]), 7.0)
    assert_equal(out, np.array([1.0, 7.0], dtype=np.float32))


def test_where_on_non_contiguous_inputs(rng):
    base = rng.normal(size=(5, 4))
    t = make_tensor(base, ember.float32).t()
    out = ember.where(t > 0, t, ember.zeros(1))
    assert_close(out, np.where(base.T > 0, base.T, 0.0).astype(np.float32))


def test_clamp_with_tensor_bounds():
    t = ember.tensor([-3.0, 0.0, 3.0])
    out = ember.clamp(t, min=ember.tensor([-1.0, 1.0, -1.0]), max=ember.tensor([2.0]))
    assert_equal(out, np.array([-1.0, 1.0, 2.0], dtype=np.float32))


def test_clamp_method():
    t = ember.tensor([-3.0, 0.5, 3.0])
    assert_equal(t.clamp(-1, 1), np.array([-1.0, 0.5, 1.0], dtype=np.float32))
    assert_equal(t.clamp(min=0), np.array([0.0, 0.5, 3.0], dtype=np.float32))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + INT_DTYPES, ids=dtype_name)
def test_unary_ops_leave_input_unchanged(dtype, rng):
    t = make_tensor(rng.integers(1, 5, (3, 4)), dtype)
    before = snapshot(t)
    for op in UNARY_OPS:
        if dtype in op.dtypes:
            op.fn(ember, t)
    assert_unchanged(before)


# --- the catalogue itself, against PyTorch ----------------------------------------

@pytest.mark.parametrize("op", ELEMENTWISE_OPS, ids=lambda op: op.name)
def test_catalogue_matches_torch(op):
    """The catalogue's dtype rules agree with PyTorch (checks the catalogue itself)."""
    torch = pytest.importorskip("torch")
    for dtype in op.dtypes:
        args = [torch.ones(2, 3, dtype=torch_dtype(torch, dtype)) for _ in range(op.arity)]
        e_args = [ember.ones(2, 3, dtype=dtype) for _ in range(op.arity)]
        expected = dtype_name(op.result_dtype(*e_args))
        assert dtype_name(op.fn(torch, *args).dtype) == expected, dtype
        for scalar in op.scalars:
            got = op.fn(torch, args[0], scalar).dtype
            assert dtype_name(got) == dtype_name(op.result_dtype(e_args[0], scalar))
    for dtype in op.rejects:
        args = [torch.ones(2, 3, dtype=torch_dtype(torch, dtype)) for _ in range(op.arity)]
        with pytest.raises((TypeError, RuntimeError)):
            op.fn(torch, *args)


# --- random broadcasting (property-based, when hypothesis is installed) ------------------

try:
    import hypothesis
    from hypothesis.extra import numpy as hnp
except ImportError:  # the rest of the suite runs without it
    hypothesis = None


if hypothesis is not None:

    @hypothesis.settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @hypothesis.given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
    def test_random_broadcasting_matches_numpy(shapes):
        (shape_a, shape_b), result_shape = shapes
        a = np.arange(int(np.prod(shape_a)), dtype=np.float64).reshape(shape_a) - 3
        b = np.arange(int(np.prod(shape_b)), dtype=np.float64).reshape(shape_b) * 0.5
        ta, tb = make_tensor(a, ember.float64), make_tensor(b, ember.float64)
        assert_equal(ta + tb, a + b)
        assert_equal(ember.maximum(ta, tb), np.maximum(a, b))
        assert_equal(ta * tb, a * b)
        assert tuple((ta + tb).shape) == result_shape
