"""Differential property tests of the binary elementwise ops over random broadcastable shapes.

Every op meets random pairs of shapes (0-size and 0-dim among them) and dtypes. The result
dtype must be PyTorch's: the op's own result when torch is installed, else the promotion
table of tests/op_catalogue.py with the op's rule (comparisons give bool, true division and
atan2/copysign/xlogy give the default float for integers, float_power gives float64).
Values are checked against NumPy computed in the dtype ember computes in (float32 for
float16/bfloat16), with each operand in a random memory layout (negative strides, transposed,
stepped). Combinations PyTorch refuses must raise a TypeError/RuntimeError/ValueError,
and integer floor_divide/remainder/fmod by zero must raise RuntimeError naming
ZeroDivisionError (ember follows PyTorch's CPU there).

EMBER_FUZZ_EXAMPLES=N (tools/fuzz_long.sh) reruns every test with N random examples.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import ember  # noqa: E402
from conftest import (COMPLEX_DTYPES, INT_DTYPES, assert_close, dtype_name, fuzz_settings,  # noqa: E402
                      make_tensor, numpy_dtype, to_numpy)
from op_catalogue import category, promote_types  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

REAL_DTYPES = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
               ember.float16, ember.bfloat16, ember.float32, ember.float64]
ALL_DTYPES = REAL_DTYPES + list(COMPLEX_DTYPES)


def _xlogy(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros_like(x * y), x * np.log(y))


@dataclass
class BinaryOp:
    name: str
    reference: Callable
    result: str = "promoted"    # promoted | float (integers give float32) | bool | float64
    # all | not_bool_promoted | inexact | real | no_bool | no_bool_real | int | int_not_bool | float
    accepts: str = "real"
    int_divides: bool = False   # integer division by zero raises
    numpy_complex: bool = True  # NumPy's reference takes complex operands


OPS = [
    BinaryOp("add", np.add, accepts="all"),
    BinaryOp("sub", np.subtract, accepts="no_bool"),
    BinaryOp("mul", np.multiply, accepts="all"),
    BinaryOp("div", np.true_divide, result="float", accepts="all"),
    BinaryOp("true_divide", np.true_divide, result="float", accepts="all"),
    BinaryOp("pow", np.power, accepts="not_bool_promoted"),
    BinaryOp("float_power", np.power, result="float64", accepts="all"),
    BinaryOp("remainder", np.remainder, accepts="no_bool_real", int_divides=True),
    BinaryOp("fmod", np.fmod, accepts="no_bool_real", int_divides=True),
    BinaryOp("floor_divide", np.floor_divide, accepts="no_bool_real", int_divides=True),
    BinaryOp("maximum", np.maximum),
    BinaryOp("minimum", np.minimum),
    BinaryOp("fmax", np.fmax),
    BinaryOp("fmin", np.fmin),
    BinaryOp("atan2", np.arctan2, result="float"),
    BinaryOp("hypot", np.hypot, accepts="float"),
    BinaryOp("copysign", np.copysign, result="float"),
    BinaryOp("logaddexp", np.logaddexp, accepts="inexact", numpy_complex=False),
    BinaryOp("xlogy", _xlogy, result="float"),
    BinaryOp("eq", np.equal, result="bool", accepts="all"),
    BinaryOp("ne", np.not_equal, result="bool", accepts="all"),
    BinaryOp("lt", np.less, result="bool"),
    BinaryOp("le", np.less_equal, result="bool"),
    BinaryOp("gt", np.greater, result="bool"),
    BinaryOp("ge", np.greater_equal, result="bool"),
    BinaryOp("logical_and", np.logical_and, result="bool", accepts="all"),
    BinaryOp("logical_or", np.logical_or, result="bool", accepts="all"),
    BinaryOp("logical_xor", np.logical_xor, result="bool", accepts="all"),
    BinaryOp("bitwise_and", np.bitwise_and, accepts="int"),
    BinaryOp("bitwise_or", np.bitwise_or, accepts="int"),
    BinaryOp("bitwise_xor", np.bitwise_xor, accepts="int"),
    BinaryOp("gcd", np.gcd, accepts="int_not_bool"),
    BinaryOp("lcm", np.lcm, accepts="int_not_bool"),
]


def accepted(op, a_dtype, b_dtype, promoted):
    """Whether PyTorch takes the op on these dtypes (the rule written out, checked against
    torch itself where it is installed)."""
    has_complex = promoted in COMPLEX_DTYPES
    if op.accepts == "all":
        return True
    if op.accepts == "not_bool_promoted":
        return promoted != ember.bool
    if op.accepts == "no_bool":
        return ember.bool not in (a_dtype, b_dtype)
    if op.accepts == "inexact":
        return kind(promoted) >= 2
    if has_complex:
        return False
    if op.accepts == "real":
        return True
    if op.accepts == "no_bool_real":
        return promoted != ember.bool
    if op.accepts == "int":
        return category(promoted) <= 1
    if op.accepts == "int_not_bool":
        return category(promoted) == 1
    if op.accepts == "float":
        return category(promoted) == 2
    raise AssertionError(op.accepts)


def promote_types_any(a, b):
    """promote_types extended to complex: the complex dtype wide enough for both."""
    if a in COMPLEX_DTYPES or b in COMPLEX_DTYPES:
        wide = ember.float64 in (a, b) or ember.complex128 in (a, b)
        return ember.complex128 if wide else ember.complex64
    return promote_types(a, b)


_COMPLEX_OF = {ember.float32: ember.complex64, ember.float64: ember.complex128}


def kind(dtype):
    """0 bool, 1 integer, 2 floating, 3 complex: PyTorch's promotion categories."""
    return 3 if dtype in COMPLEX_DTYPES else category(dtype)


def promoted_dtype(a_dtype, a_ndim, b_dtype, b_ndim):
    """torch.result_type of two tensors: a 0-dim tensor beside one with dims counts only when
    its category is higher (a complex one then gives the complex dtype of the other's float
    width). None where PyTorch's answer is complex32, which ember lacks."""
    if (a_ndim == 0) == (b_ndim == 0):
        return promote_types_any(a_dtype, b_dtype)
    dim_dtype, zero_dim = (a_dtype, b_dtype) if b_ndim == 0 else (b_dtype, a_dtype)
    if kind(zero_dim) <= kind(dim_dtype):
        return dim_dtype
    if kind(zero_dim) == 3 and kind(dim_dtype) == 2:
        return _COMPLEX_OF.get(dim_dtype)
    return zero_dim


def expected_dtype(op, promoted):
    if op.result == "bool":
        return ember.bool
    if op.result == "float64":
        return ember.complex128 if promoted in COMPLEX_DTYPES else ember.float64
    if op.result == "float" and kind(promoted) <= 1:
        return ember.float32
    return promoted


def compute_dtype(dtype):
    """The NumPy dtype ember computes `dtype` in (16-bit floats in float32)."""
    if dtype in (ember.float16, ember.bfloat16):
        return np.dtype(np.float32)
    return numpy_dtype(dtype)


@st.composite
def operand_values(draw, shape, dtype):
    """Values on a grid every dtype holds exactly (quarters for floats, small integers)."""
    n = int(np.prod(shape))
    if dtype == ember.bool:
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool).reshape(shape)
    if dtype in INT_DTYPES:
        lo = 0 if dtype == ember.uint8 else -5
        return np.array(draw(st.lists(st.integers(lo, 10 if lo == 0 else 5), min_size=n, max_size=n)),
                        dtype=np.int64).reshape(shape).astype(numpy_dtype(dtype))
    quarters = st.integers(-20, 20).map(lambda k: k / 4)
    re = np.array(draw(st.lists(quarters, min_size=n, max_size=n)), dtype=np.float64).reshape(shape)
    if dtype in COMPLEX_DTYPES:
        im = np.array(draw(st.lists(quarters, min_size=n, max_size=n)), dtype=np.float64).reshape(shape)
        return (re + 1j * im).astype(numpy_dtype(dtype))
    return re.astype(compute_dtype(dtype))


def torch_outcome(op, a, a_dtype, b, b_dtype):
    """PyTorch's result dtype for the op on these operands, or the exception it raised."""
    def as_torch(x, dtype):
        x = np.array(x, copy=True)  # (ascontiguousarray would make a 0-dim array 1-dim)
        t = torch.from_numpy(x.astype(np.float32) if dtype == ember.bfloat16 else x)
        return t.to(getattr(torch, dtype_name(dtype)))
    try:
        return getattr(torch, op.name)(as_torch(a, a_dtype), as_torch(b, b_dtype)).dtype
    except (RuntimeError, TypeError, ValueError, ZeroDivisionError) as e:
        return e


def reference(op, a, b, promoted, result_dtype):
    if op.result == "bool":
        work = compute_dtype(promoted)
    elif op.result == "float64":
        work = np.complex128 if result_dtype in COMPLEX_DTYPES else np.float64
    else:
        work = compute_dtype(result_dtype)
    with np.errstate(all="ignore"):
        return op.reference(a.astype(work), b.astype(work))


dtype_pairs = st.tuples(st.sampled_from(ALL_DTYPES), st.sampled_from(ALL_DTYPES))
shape_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=4)


layouts = st.sampled_from(["contiguous", "reversed", "transposed", "stepped"])


def strided_tensor(values, dtype, layout):
    """An ember tensor holding `values` in the given memory layout: contiguous, every dim
    reversed (negative strides), dims reversed (a transposed view) or every other element of
    a larger buffer; the kernels must give the same results for each."""
    if layout == "contiguous" or values.ndim == 0:
        return make_tensor(values, dtype)
    if layout == "reversed":
        flip_all = (slice(None, None, -1),) * values.ndim
        return make_tensor(np.ascontiguousarray(values[flip_all]), dtype)[flip_all]
    if layout == "transposed":
        return make_tensor(np.ascontiguousarray(values.T), dtype).permute(*reversed(range(values.ndim)))
    wide = np.repeat(values, 2, axis=-1)
    return make_tensor(wide, dtype)[..., ::2]


def tolerance(op, dtype):
    if dtype in (ember.float16, ember.bfloat16):
        return None, None  # conftest's defaults for the dtype, after rounding the reference
    if op.name in ("pow", "float_power", "logaddexp", "atan2", "xlogy", "hypot") or dtype in COMPLEX_DTYPES:
        return (1e-5, 1e-6) if dtype in (ember.float32, ember.complex64) else (1e-12, 1e-12)
    return None, None


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@fuzz_settings(30)
@given(shapes=shape_pairs, dtypes=dtype_pairs, data=st.data())
def test_binary_op_broadcasts_like_numpy(op, shapes, dtypes, data):
    (a_shape, b_shape), out_shape = shapes.input_shapes, shapes.result_shape
    a_dtype, b_dtype = dtypes
    a = data.draw(operand_values(a_shape, a_dtype))
    b = data.draw(operand_values(b_shape, b_dtype))
    promoted = promoted_dtype(a_dtype, len(a_shape), b_dtype, len(b_shape))
    hypothesis.assume(promoted is not None)
    result_dtype = expected_dtype(op, promoted)
    hypothesis.assume(op.numpy_complex or kind(promoted) != 3)
    if op.name == "pow" and kind(promoted) == 1:
        b = np.abs(b)  # integers to negative powers: NumPy raises, PyTorch leaves it undefined
    if result_dtype in COMPLEX_DTYPES and op.name in ("div", "true_divide", "pow", "float_power"):
        b = np.where(b == 0, np.ones_like(b), b)  # complex division by 0: inf/nan conventions differ
        a = np.where(a == 0, np.ones_like(a), a) if op.name != "div" else a
    ta = strided_tensor(a, a_dtype, data.draw(layouts))
    tb = strided_tensor(b, b_dtype, data.draw(layouts))
    fn = getattr(ember, op.name)
    is_accepted = accepted(op, a_dtype, b_dtype, promoted)
    if torch is not None:
        outcome = torch_outcome(op, a, a_dtype, b, b_dtype)
        torch_accepts = not isinstance(outcome, Exception)
        int_zero = (op.int_divides and kind(promoted) == 1
                    and isinstance(outcome, Exception) and "ZeroDivision" in str(outcome))
        if not int_zero:
            assert torch_accepts == is_accepted, (
                f"the test's rule says {op.name}({dtype_name(a_dtype)}, {dtype_name(b_dtype)}) is "
                f"{'accepted' if is_accepted else 'refused'}; torch: {outcome!r}")
            if torch_accepts:
                assert dtype_name(result_dtype) == str(outcome).split(".")[-1], (
                    f"the test's rule gives {result_dtype} for {op.name}; torch gives {outcome}")
    if not is_accepted:
        with pytest.raises((TypeError, RuntimeError, ValueError)):
            fn(ta, tb)
        return
    if (op.int_divides and kind(result_dtype) == 1 and int(np.prod(out_shape)) > 0
            and (np.broadcast_to(b, out_shape) == 0).any()):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(ta, tb)
        return
    got = fn(ta, tb)
    want = reference(op, a, b, promoted, result_dtype)
    assert tuple(got.shape) == tuple(out_shape), f"{op.name}: shape {tuple(got.shape)} != {out_shape}"
    rtol, atol = tolerance(op, result_dtype)
    assert_close(got, np.asarray(want), result_dtype, rtol=rtol, atol=atol)


# --- what the fuzzing found -----------------------------------------------------------------

def test_gcd_lcm_take_bool_with_integers_and_refuse_complex():
    # torch promotes bool with an integer dtype; complex (not "floating point") must be refused.
    got = ember.gcd(ember.tensor([True, False, True]), ember.tensor([4, 6, 0], dtype=ember.uint8))
    assert got.dtype == ember.uint8 and got.tolist() == [1, 6, 1]
    assert ember.lcm(ember.tensor([True, True]), ember.tensor([3, 0], dtype=ember.int16)).tolist() == [3, 0]
    # A 0-dim operand does not widen the dimensioned one's dtype.
    assert ember.gcd(ember.tensor([4, 6], dtype=ember.int8), ember.tensor(4)).dtype == ember.int8
    for bad in (ember.tensor(2j, dtype=ember.complex64), ember.tensor([1.5]), ember.tensor([True])):
        with pytest.raises(TypeError, match="gcd"):
            ember.gcd(ember.tensor([True]) if bad.dtype == ember.bool else ember.tensor([4]), bad)


def test_float_power_of_complex_is_complex128():
    # float_power computes in float64, or complex128 where an operand is complex (torch).
    z = ember.tensor([1 + 1j, 2j], dtype=ember.complex64)
    got = ember.float_power(ember.tensor([True, False]), z)
    assert got.dtype == ember.complex128
    np.testing.assert_allclose(to_numpy(got), np.power(np.array([1.0, 0.0]), np.array([1 + 1j, 2j])))
    assert ember.float_power(z, 2).dtype == ember.complex128
    np.testing.assert_allclose(to_numpy(ember.float_power(z, 2)), np.array([1 + 1j, 2j]) ** 2, atol=1e-12)
    np.testing.assert_allclose(to_numpy(ember.float_power(ember.tensor([2.0]), 1j)), [2.0 ** 1j])
    assert ember.float_power(ember.tensor([2], dtype=ember.int32), 0.5).dtype == ember.float64
