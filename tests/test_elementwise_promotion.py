"""Result dtypes (and which dtype combinations are refused) against PyTorch, for every pair of
dtypes, with 0-dim tensors and Python numbers on either side."""
import itertools

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, dtype_name, make_tensor, torch_dtype

BINARY = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum", "minimum",
          "atan2", "eq", "lt", "logical_and", "bitwise_and", "bitwise_left_shift"]
UNARY = ["neg", "abs", "sign", "exp", "sqrt", "sigmoid", "relu", "erf", "floor", "round", "reciprocal",
         "square", "logical_not", "bitwise_not", "isnan", "tanh"]
NUMBERS = [True, 3, -2, 2.5]


def ember_operand(x, dtype, zero_dim):
    if dtype is None:
        return x
    v = np.ones(()) if zero_dim else np.ones((2,))
    return make_tensor(v * 2, dtype)


def torch_operand(torch, x, dtype, zero_dim):
    if dtype is None:
        return x
    return (torch.ones(()) if zero_dim else torch.ones(2)).mul(2).to(torch_dtype(torch, dtype))


def outcome(fn):
    """The result's dtype name, "error", or None where PyTorch has no such overload."""
    try:
        r = fn()
    except TypeError as e:
        return None if "must be Tensor" in str(e) else "error"
    except (RuntimeError, ValueError, NotImplementedError):
        return "error"
    return dtype_name(r.dtype)


def cases():
    for a, b in itertools.product(ALL_DTYPES, ALL_DTYPES):
        yield a, b, False, False
        yield a, b, False, True
        yield a, b, True, False
    for a, n in itertools.product(ALL_DTYPES, NUMBERS):
        yield a, n, False, None  # numbers on the left: test_operators_with_python_numbers_match_torch


@pytest.mark.parametrize("op", BINARY)
def test_binary_result_dtypes_match_torch(op):
    torch = pytest.importorskip("torch")
    efn, tfn = getattr(ember, op), getattr(torch, op)
    mismatches = []
    for a, b, za, zb in cases():
        ea, ta = ember_operand(a, a, za), torch_operand(torch, a, a, za)
        eb = ember_operand(b, b if zb is not None else None, zb)
        tb = torch_operand(torch, b, b if zb is not None else None, zb)
        want = outcome(lambda: tfn(ta, tb))
        if want is None:
            continue
        got = outcome(lambda: efn(ea, eb))
        if want != got:
            mismatches.append((a, b, za, zb, want, got))
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize("op", ["__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__",
                                "__pow__", "__and__", "__lshift__", "__lt__", "__radd__", "__rsub__",
                                "__rtruediv__", "__rpow__", "__rmul__"])
def test_operators_with_python_numbers_match_torch(op):
    torch = pytest.importorskip("torch")
    mismatches = []
    for dtype, n in itertools.product(ALL_DTYPES, NUMBERS):
        et = make_tensor(np.ones(2) * 2, dtype)
        tt = torch.ones(2).mul(2).to(torch_dtype(torch, dtype))
        want = outcome(lambda: getattr(tt, op)(n))
        got = outcome(lambda: getattr(et, op)(n))
        if want != got:
            mismatches.append((dtype, n, want, got))
    assert not mismatches, mismatches


@pytest.mark.parametrize("op", UNARY)
def test_unary_result_dtypes_match_torch(op):
    torch = pytest.importorskip("torch")
    mismatches = []
    for dtype in ALL_DTYPES:
        want = outcome(lambda: getattr(torch, op)(torch.ones(2).to(torch_dtype(torch, dtype))))
        got = outcome(lambda: getattr(ember, op)(make_tensor(np.ones(2), dtype)))
        if want != got:
            mismatches.append((dtype, want, got))
    assert not mismatches, mismatches
