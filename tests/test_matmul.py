"""matmul / mm / bmm / mv / dot / @ against numpy: every rank combination, batched broadcast,
views of every layout, sizes that cross the GEMM's cache blocks, zero sizes, every numeric
dtype, and the errors for bad dtypes and shapes."""
import numpy as np
import pytest

import ember
from conftest import assert_close, assert_unchanged, make_tensor, snapshot

SHAPES = [
    ((3,), (3,)), ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 5)), ((2, 3, 4), (4,)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)),
    ((1, 2, 3), (4, 3, 2)), ((70, 300), (300, 260)), ((2, 65, 257), (257, 3)), ((1, 1), (1, 1)),
]


def _ref(a, b):
    return np.matmul(a.astype(np.float64), b.astype(np.float64))


@pytest.mark.parametrize("sa,sb", SHAPES)
def test_matches_numpy(sa, sb, rng):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    out = ember.matmul(make_tensor(a, ember.float64), make_tensor(b, ember.float64))
    assert_close(out, _ref(a, b), dtype=ember.float64)
    out32 = make_tensor(a, ember.float32) @ make_tensor(b, ember.float32)
    assert_close(out32, _ref(a, b), dtype=ember.float32, rtol=1e-4, atol=1e-4)


def test_vector_dot_is_zero_dim():
    out = ember.matmul(ember.tensor([1.0, 2.0, 3.0]), ember.tensor([4.0, 5.0, 6.0]))
    assert out.shape == () and out.item() == 32.0


def test_layouts(rng):
    """Transposed, stepped, reversed and broadcast operands are read in place."""
    a, b = rng.standard_normal((6, 8)), rng.standard_normal((8, 10))
    ta, tb = make_tensor(a, ember.float64), make_tensor(b, ember.float64)
    snap = snapshot(ta, tb)
    assert_close(ta.t() @ ta, a.T @ a, dtype=ember.float64)
    assert_close(tb.t() @ ta.t(), b.T @ a.T, dtype=ember.float64)
    assert_close(ta[::2, ::3] @ tb[:3, ::2], a[::2, ::3] @ b[:3, ::2], dtype=ember.float64)
    assert_close(ta[::-1, ::-1] @ tb[::-1], a[::-1, ::-1] @ b[::-1], dtype=ember.float64)
    col = ember.tensor([[1.0], [2.0]], dtype=ember.float64).expand(2, 8)  # stride-0 columns
    assert_close(col @ tb, np.broadcast_to([[1.0], [2.0]], (2, 8)) @ b, dtype=ember.float64)
    batch = ta.unsqueeze(0).expand(3, 6, 8)  # stride-0 batch
    assert_close(batch @ tb, np.broadcast_to(a, (3, 6, 8)) @ b, dtype=ember.float64)
    assert_close(ta.mT @ ta, a.T @ a, dtype=ember.float64)
    assert_unchanged(snap)


def test_zero_sizes():
    assert_close(ember.ones(2, 0) @ ember.ones(0, 3), np.zeros((2, 3), np.float32))
    assert_close(ember.ones(0, 4) @ ember.ones(4, 3), np.zeros((0, 3), np.float32))
    assert_close(ember.ones(2, 4) @ ember.ones(4, 0), np.zeros((2, 0), np.float32))
    assert_close(ember.ones(0, 2, 4) @ ember.ones(4, 3), np.zeros((0, 2, 3), np.float32))
    assert_close(ember.ones(0) @ ember.ones(0), np.zeros((), np.float32))
    assert_close(ember.ones(3, 1, 2, 0, dtype=ember.int64) @ ember.ones(4, 0, 5, dtype=ember.int64),
                 np.zeros((3, 4, 2, 5), np.int64))


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_half_precision(dtype, rng):
    a, b = rng.standard_normal((5, 40)), rng.standard_normal((40, 7))
    ea, eb = make_tensor(a, dtype), make_tensor(b, dtype)
    # The reference multiplies the values the tensors hold, in float64.
    ref = _ref(ea.float().numpy(), eb.float().numpy())
    out = ea @ eb
    assert out.dtype == dtype
    assert_close(out, ref, dtype=dtype, rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.int16, ember.int8, ember.uint8])
def test_integers_wrap_like_fixed_width_arithmetic(dtype, rng):
    np_dtype = np.dtype(dtype.name)
    a = rng.integers(-100, 100, (4, 9, 6)).astype(np_dtype)
    b = rng.integers(-100, 100, (6, 5)).astype(np_dtype)
    out = make_tensor(a, dtype) @ make_tensor(b, dtype)
    want = np.matmul(a.astype(np.int64), b.astype(np.int64)).astype(np_dtype)  # wraps modulo 2^bits
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.numpy(), want)


def test_int64_is_exact_beyond_float_precision():
    a = ember.tensor([[2**40 + 1, 3]])
    b = ember.tensor([[2**20 + 1], [5]])
    assert (a @ b).tolist() == [[(2**40 + 1) * (2**20 + 1) + 15]]


def test_matches_torch_for_integers():
    torch = pytest.importorskip("torch")
    a = np.arange(-40, 40, dtype=np.int8).reshape(8, 10)
    b = np.arange(30, dtype=np.int8).reshape(10, 3)
    ours = (ember.from_numpy(a) @ ember.from_numpy(b)).numpy()
    theirs = (torch.from_numpy(a) @ torch.from_numpy(b)).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_named_variants_and_operators(rng):
    a, b, v = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(4)
    ta, tb, tv = (make_tensor(x, ember.float64) for x in (a, b, v))
    assert_close(ember.mm(ta, tb), a @ b, dtype=ember.float64)
    assert_close(ta.mm(tb), a @ b, dtype=ember.float64)
    assert_close(ta.matmul(tb), a @ b, dtype=ember.float64)
    assert_close(ember.mv(ta, tv), a @ v, dtype=ember.float64)
    assert_close(ember.dot(tv, tv), v @ v, dtype=ember.float64)
    assert_close(ember.bmm(ta.unsqueeze(0), tb.unsqueeze(0)), (a @ b)[None], dtype=ember.float64)
    assert_close(a @ tb, a @ b, dtype=ember.float64)  # numpy on the left defers to the tensor
    assert_close(ta @ tb, a @ b, dtype=ember.float64)


def test_dtype_errors():
    a = ember.ones(2, 3)
    b = ember.ones(3, 2, dtype=ember.float64)
    snap = snapshot(a, b)
    with pytest.raises(TypeError, match=r"float32 and float64"):
        ember.matmul(a, b)
    with pytest.raises(TypeError, match="bool"):
        ember.matmul(ember.ones(2, 2, dtype=ember.bool), ember.ones(2, 2, dtype=ember.bool))
    with pytest.raises(TypeError, match="Tensor"):
        ember.matmul(a, [[1.0]])
    assert_unchanged(snap)


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((5,), (4, 3)),
                                   ((2, 3, 4), (3, 4, 5)), ((2, 2, 3), (3, 3, 1))])
def test_shape_errors_name_both_shapes(sa, sb):
    a, b = ember.ones(*sa), ember.ones(*sb)
    snap = snapshot(a, b)
    with pytest.raises(ember.ShapeError) as info:
        ember.matmul(a, b)
    msg = str(info.value)
    assert str(list(sa)) in msg and str(list(sb)) in msg and "matmul" in msg
    assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)
    assert_unchanged(snap)


def test_rank_errors():
    with pytest.raises(ember.ShapeError, match=r"\[\] and \[3\]"):
        ember.matmul(ember.tensor(2.0), ember.ones(3))
    with pytest.raises(ember.ShapeError, match="mm"):
        ember.mm(ember.ones(3), ember.ones(3, 2))
    with pytest.raises(ember.ShapeError, match="bmm"):
        ember.bmm(ember.ones(2, 3, 4), ember.ones(3, 4, 5))
    with pytest.raises(ember.ShapeError, match="dot"):
        ember.dot(ember.ones(2, 2), ember.ones(2))
    with pytest.raises(ember.ShapeError, match="mv"):
        ember.mv(ember.ones(2), ember.ones(2))
