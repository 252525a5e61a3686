"""Differential property tests of dtype promotion against PyTorch (skipped without torch).

Random pairs of operands, each a tensor with dims, a 0-dim tensor or a Python scalar (bool,
int, float, complex), of every dtype: ember.result_type and the dtype of the ops' results must
be torch's (dimensioned tensors outrank 0-dim ones, which outrank Python numbers, unless the
lower tier brings a higher category), and the values torch's.

EMBER_FUZZ_EXAMPLES=N (tools/fuzz_long.sh) reruns every test with N random examples.
"""
import operator

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
torch = pytest.importorskip("torch")
from hypothesis import given, strategies as st  # noqa: E402

import ember  # noqa: E402
from conftest import assert_close, dtype_name, fuzz_settings, make_tensor, numpy_dtype  # noqa: E402

DTYPES = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64, ember.float16,
          ember.bfloat16, ember.float32, ember.float64, ember.complex64, ember.complex128]


@st.composite
def operands(draw):
    """(ember operand, torch operand, description): a tensor, 0-dim tensor or Python scalar."""
    form = draw(st.sampled_from(["tensor", "zero_dim", "scalar"]))
    if form == "scalar":
        value = draw(st.sampled_from([True, False, 0, 3, -2, 2.5, -0.5, 1.5 + 0.5j]))
        return value, value, f"{type(value).__name__} {value!r}"
    dtype = draw(st.sampled_from(DTYPES))
    shape = () if form == "zero_dim" else tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    values = np.ones(shape) * 2 if dtype != ember.bool else np.ones(shape, dtype=bool)
    t = make_tensor(values, dtype)
    x = torch.from_numpy(np.array(values)).to(getattr(torch, dtype_name(dtype)))
    return t, x, f"{form} {dtype_name(dtype)}"


def torch_name(dtype):
    return str(dtype).split(".")[-1]


def both_scalars(a, b):
    return not isinstance(a, ember.Tensor) and not isinstance(b, ember.Tensor)


def torch_supports(dtype):
    """False for torch's complex32 (chalf), which ember does not have (docs/differences.md)."""
    return dtype != torch.complex32


@fuzz_settings(300)
@given(operands(), operands())
def test_result_type_matches_torch(a, b):
    (ea, ta, da), (eb, tb, db) = a, b
    hypothesis.assume(not both_scalars(ea, eb))
    want = torch.result_type(ta, tb) if isinstance(ta, torch.Tensor) else torch.result_type(tb, ta)
    hypothesis.assume(torch_supports(want))
    got = ember.result_type(ea, eb)
    assert dtype_name(got) == torch_name(want), f"result_type({da}, {db}): ember {got}, torch {want}"


def _maximum(x, y):
    return (ember if isinstance(x, ember.Tensor) else torch).maximum(x, y)


# (name, function of two operands of one library, whether it takes Python scalars)
OPS = [("add", operator.add, True), ("sub", operator.sub, True), ("mul", operator.mul, True),
       ("truediv", operator.truediv, True), ("eq", operator.eq, True), ("lt", operator.lt, True),
       ("maximum", _maximum, False)]


@pytest.mark.parametrize("name,fn,takes_scalars", OPS, ids=[op[0] for op in OPS])
@fuzz_settings(60)
@given(a=operands(), b=operands())
def test_op_result_dtype_matches_torch(name, fn, takes_scalars, a, b):
    (ea, ta, da), (eb, tb, db) = a, b
    hypothesis.assume(not both_scalars(ea, eb))
    if not takes_scalars:
        hypothesis.assume(isinstance(ea, ember.Tensor) and isinstance(eb, ember.Tensor))
    promoted = torch.result_type(ta, tb) if isinstance(ta, torch.Tensor) else torch.result_type(tb, ta)
    hypothesis.assume(torch_supports(promoted))
    try:
        want = fn(ta, tb)
    except (RuntimeError, TypeError):
        # torch refuses (bool subtraction, complex ordering): ember must refuse too.
        with pytest.raises((RuntimeError, TypeError, ValueError)):
            fn(ea, eb)
        return
    hypothesis.assume(torch_supports(want.dtype))
    got = fn(ea, eb)
    assert dtype_name(got.dtype) == torch_name(want.dtype), (
        f"{name}({da}, {db}): ember {got.dtype}, torch {want.dtype}")
    want_values = want.to(torch.complex128 if want.is_complex() else torch.float64).numpy()
    assert_close(got, want_values.astype(numpy_dtype(got.dtype)) if got.dtype != ember.bfloat16 else want_values,
                 got.dtype)
