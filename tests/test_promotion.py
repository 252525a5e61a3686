"""Type promotion: PyTorch's rules for tensor/tensor, zero-dim and Python-scalar operands.

The rules are written out in op_catalogue.promote_types/result_type; hand-written
cases pin the interesting corners; when PyTorch is installed, every dtype pair is
also checked against torch.result_type.
"""
import itertools

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, assert_close, assert_equal, dtype_name, numpy_dtype, torch_dtype
from op_catalogue import promote_types, result_type

PAIRS = list(itertools.product(ALL_DTYPES, ALL_DTYPES))
PAIR_IDS = [f"{dtype_name(a)}-{dtype_name(b)}" for a, b in PAIRS]

# (first, second, result) for two tensors with dimensions, written out by hand.
HAND_PAIRS = [
    (ember.bool, ember.bool, ember.bool),
    (ember.bool, ember.uint8, ember.uint8),
    (ember.bool, ember.float16, ember.float16),
    (ember.uint8, ember.int8, ember.int16),
    (ember.uint8, ember.int16, ember.int16),
    (ember.uint8, ember.int64, ember.int64),
    (ember.int8, ember.int16, ember.int16),
    (ember.int32, ember.int64, ember.int64),
    (ember.int64, ember.float16, ember.float16),
    (ember.int32, ember.bfloat16, ember.bfloat16),
    (ember.uint8, ember.float32, ember.float32),
    (ember.float16, ember.bfloat16, ember.float32),
    (ember.float16, ember.float32, ember.float32),
    (ember.bfloat16, ember.float64, ember.float64),
    (ember.float32, ember.float64, ember.float64),
]


@pytest.mark.parametrize("a, b, expected", HAND_PAIRS,
                         ids=[f"{dtype_name(a)}-{dtype_name(b)}" for a, b, _ in HAND_PAIRS])
def test_hand_written_pairs(a, b, expected):
    assert promote_types(a, b) == expected  # the suite's own rule agrees with the table
    assert (ember.ones(2, dtype=a) + ember.ones(2, dtype=b)).dtype == expected
    assert (ember.ones(2, dtype=b) * ember.ones(2, dtype=a)).dtype == expected


@pytest.mark.parametrize("a, b", PAIRS, ids=PAIR_IDS)
def test_binary_op_dtype_follows_promotion_for_every_pair(a, b):
    x, y = ember.ones(2, 3, dtype=a), ember.ones(3, dtype=b)
    expected = promote_types(a, b)
    if expected != ember.bool:
        out = x + y
        assert out.dtype == expected
        assert_equal(out, np.full((2, 3), 2).astype(numpy_dtype(expected)), dtype=expected)
    assert (x == y).dtype == ember.bool
    assert ember.maximum(x, y).dtype == expected


@pytest.mark.parametrize("a, b", PAIRS, ids=PAIR_IDS)
def test_pairs_match_torch(a, b):
    torch = pytest.importorskip("torch")
    ta, tb = torch_dtype(torch, a), torch_dtype(torch, b)
    tensors = torch.ones(2, dtype=ta), torch.ones(2, dtype=tb)
    assert dtype_name(promote_types(a, b)) == dtype_name(torch.result_type(*tensors))
    # A zero-dim second operand and a Python scalar, too.
    zero_dim = torch.ones((), dtype=tb)
    expected = result_type((a, 1), (b, 0))
    assert dtype_name(expected) == dtype_name(torch.result_type(tensors[0], zero_dim))
    for scalar in (True, 3, 2.5):
        expected = result_type((a, 1), scalar)
        assert dtype_name(expected) == dtype_name(torch.result_type(tensors[0], scalar))


# --- Python scalars and zero-dim tensors ---------------------------------------------

SCALAR_CASES = [
    # (tensor dtype, scalar, result dtype of tensor + scalar)
    (ember.int32, 2.5, ember.float32),
    (ember.int64, 2.5, ember.float32),
    (ember.uint8, 2.5, ember.float32),
    (ember.float16, 3, ember.float16),
    (ember.float16, 2.5, ember.float16),
    (ember.bfloat16, 2.5, ember.bfloat16),
    (ember.float64, 2.5, ember.float64),
    (ember.int8, 1000, ember.int8),
    (ember.uint8, 7, ember.uint8),
    (ember.int32, 7, ember.int32),
    (ember.bool, 1, ember.int64),
    (ember.bool, 1.5, ember.float32),
    (ember.bool, True, ember.bool),
    (ember.int16, True, ember.int16),
    (ember.float32, True, ember.float32),
]


@pytest.mark.parametrize("dtype, scalar, expected", SCALAR_CASES,
                         ids=[f"{dtype_name(d)}-{s!r}" for d, s, _ in SCALAR_CASES])
def test_python_scalar_promotion(dtype, scalar, expected):
    t = ember.ones(3, dtype=dtype)
    assert result_type(t, scalar) == expected
    assert (t + scalar).dtype == expected
    assert (scalar + t).dtype == expected
    assert (t * scalar).dtype == expected


def test_scalar_promotion_values():
    assert_equal(ember.tensor([1, 2], dtype=ember.int32) + 2.5,
                 np.array([3.5, 4.5], dtype=np.float32))
    assert_close(ember.tensor([1.5, 2.0], dtype=ember.float16) * 3,
                 np.array([4.5, 6.0], dtype=np.float16))
    # int8 + 1000 computes in int8 and wraps, as PyTorch does.
    assert_equal(ember.tensor([1], dtype=ember.int8) + 1000, np.array([-23], dtype=np.int8))


def test_integer_true_division_gives_float32():
    out = ember.tensor([1, 2, 3]) / ember.tensor([2, 2, 2])
    assert_equal(out, np.array([0.5, 1.0, 1.5], dtype=np.float32))
    assert (ember.tensor([1, 2]) / 2).dtype == ember.float32
    assert (2 / ember.tensor([1, 2])).dtype == ember.float32
    assert (ember.tensor([True]) / ember.tensor([True])).dtype == ember.float32


ZERO_DIM_CASES = [
    # (dimensioned dtype, zero-dim dtype, result)
    (ember.int32, ember.float64, ember.float64),   # higher category: the zero-dim wins
    (ember.float32, ember.float64, ember.float32),  # same category: the dimensioned wins
    (ember.int8, ember.int64, ember.int8),
    (ember.uint8, ember.int8, ember.uint8),
    (ember.float16, ember.float32, ember.float16),
    (ember.bool, ember.int32, ember.int32),
    (ember.int64, ember.bfloat16, ember.bfloat16),
]


@pytest.mark.parametrize("dim_dtype, zero_dtype, expected", ZERO_DIM_CASES,
                         ids=[f"{dtype_name(a)}-{dtype_name(b)}" for a, b, _ in ZERO_DIM_CASES])
def test_zero_dim_tensor_promotion(dim_dtype, zero_dtype, expected):
    t = ember.ones(3, dtype=dim_dtype)
    z = ember.ones((), dtype=zero_dtype)
    assert result_type(t, z) == expected
    assert (t + z).dtype == expected
    assert (z + t).dtype == expected
    # Two zero-dim tensors promote normally.
    assert (ember.ones((), dtype=dim_dtype) + z).dtype == promote_types(dim_dtype, zero_dtype)


# --- ember.promote_types and ember.result_type (PyTorch's names) ------------------------

def test_promote_types_function_for_every_pair():
    for a, b in PAIRS:
        assert ember.promote_types(a, b) == promote_types(a, b), (a, b)


def test_result_type_function():
    for a, b in PAIRS:
        x, y = ember.ones(2, dtype=a), ember.ones(2, dtype=b)
        assert ember.result_type(x, y) == promote_types(a, b), (a, b)
    for dtype, scalar, expected in SCALAR_CASES:
        assert ember.result_type(ember.ones(3, dtype=dtype), scalar) == expected
    for dim_dtype, zero_dtype, expected in ZERO_DIM_CASES:
        x, z = ember.ones(3, dtype=dim_dtype), ember.ones((), dtype=zero_dtype)
        assert ember.result_type(x, z) == expected


def test_comparison_between_dtypes_uses_promoted_values():
    out = ember.tensor([1, 2, 3]) < ember.tensor([1.5, 1.5, 3.5])
    assert_equal(out, np.array([True, False, True]))
    out = ember.tensor([255], dtype=ember.uint8) == ember.tensor([-1], dtype=ember.int8)
    assert_equal(out, np.array([False]))


def test_mixed_dtype_arithmetic_values():
    a = ember.tensor([200], dtype=ember.uint8)
    b = ember.tensor([-100], dtype=ember.int8)
    assert_equal(a + b, np.array([100], dtype=np.int16))
    c = ember.tensor([3], dtype=ember.int64) * ember.tensor([0.5], dtype=ember.float16)
    assert_equal(c, np.array([1.5], dtype=np.float16))
    d = ember.tensor([1.0], dtype=ember.float16) + ember.tensor([1.0], dtype=ember.bfloat16)
    assert_equal(d, np.array([2.0], dtype=np.float32))


def test_where_promotes_its_branches():
    cond = ember.tensor([True, False])
    out = ember.where(cond, ember.tensor([1, 2]), ember.tensor([0.5, 0.5]))
    assert_equal(out, np.array([1.0, 0.5], dtype=np.float32))
    out = ember.where(cond, ember.tensor([1, 2], dtype=ember.int8), ember.tensor([3, 4]))
    assert_equal(out, np.array([1, 4], dtype=np.int64))
