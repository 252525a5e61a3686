"""The CUDA elementwise kernels against the CPU ones: every op on every dtype it accepts, on
contiguous, strided, broadcast, zero-dim and CPU-number operands (skipped without a GPU). The
CPU and CUDA kernels share their scalar functors, so results agree to the last few ulps
(float32 math runs on different libms: vec_math.h on the CPU, the device libm on CUDA)."""
import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, cuda_available, make_tensor, to_numpy

pytestmark = pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device")

NUMERIC = INT_DTYPES + FLOAT_DTYPES
rng = np.random.default_rng(7)

UNARY_FLOAT = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan",
               "tanh", "sigmoid", "erf", "floor", "ceil", "round", "trunc", "reciprocal", "sinh", "cosh", "asin",
               "acos", "atan", "asinh", "acosh", "atanh", "erfc", "erfinv", "lgamma", "digamma", "frac",
               "deg2rad", "rad2deg"]
UNARY_NUMERIC = ["neg", "abs", "relu", "square"]
UNARY_ALL = ["sign", "logical_not", "isnan", "isinf", "isfinite", "signbit"]
BINARY_ALL = ["add", "mul", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge"]
BINARY_NUMERIC = ["sub", "floor_divide", "remainder", "fmod", "pow"]
BINARY_FLOAT = ["div", "atan2", "hypot", "copysign", "logaddexp", "logaddexp2", "xlogy"]


def values(dtype, shape, special=True):
    if dtype == ember.bool:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype in INT_DTYPES:
        lo = 0 if dtype == ember.uint8 else -9
        v = rng.integers(lo, 10, shape)
        return v
    v = rng.uniform(-3, 3, shape)
    if special and v.size >= 8:
        flat = v.reshape(-1)
        flat[:6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.5]
    return v


def cpu_and_cuda(dtype, shape, special=True):
    t = make_tensor(values(dtype, shape, special), dtype)
    return t, t.cuda()


def tol(dtype):
    return {ember.float16: 2e-3, ember.bfloat16: 1.6e-2, ember.float32: 2e-6, ember.float64: 1e-13}.get(dtype, 0)


def same(actual, expected, dtype):
    a, e = to_numpy(actual.cpu()), to_numpy(expected)
    assert a.shape == e.shape and a.dtype == e.dtype
    if np.issubdtype(e.dtype, np.floating):
        np.testing.assert_allclose(a, e, rtol=tol(dtype), atol=tol(dtype), equal_nan=True)
    else:
        np.testing.assert_array_equal(a, e)


def layouts(x, xc):
    """(cpu, cuda) pairs: contiguous, transposed, strided, a 0-dim element."""
    yield x, xc
    yield x.t(), xc.t()
    yield x[:, ::2], xc[:, ::2]
    yield x[1, 2], xc[1, 2]


@pytest.mark.parametrize("name", UNARY_FLOAT + UNARY_NUMERIC + UNARY_ALL)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_unary(name, dtype):
    if name in UNARY_FLOAT and dtype not in FLOAT_DTYPES:
        pytest.skip("floating op")
    if name in UNARY_NUMERIC and dtype == ember.bool:
        pytest.skip("numeric op")
    op = getattr(ember, name)
    x, xc = cpu_and_cuda(dtype, (6, 10))
    for a, ac in layouts(x, xc):
        same(op(ac), op(a), dtype)


@pytest.mark.parametrize("name", BINARY_ALL + BINARY_NUMERIC + BINARY_FLOAT)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_binary(name, dtype):
    if name in BINARY_FLOAT and dtype not in FLOAT_DTYPES:
        pytest.skip("floating op")
    if name in BINARY_NUMERIC and dtype == ember.bool:
        pytest.skip("numeric op")
    op = getattr(ember, name)
    x, xc = cpu_and_cuda(dtype, (8, 8))
    y, yc = cpu_and_cuda(dtype, (8, 8))
    if name in ("floor_divide", "remainder", "fmod") and dtype in INT_DTYPES:
        y = make_tensor(np.where(to_numpy(y) == 0, 3, to_numpy(y)), dtype)
        yc = y.cuda()
    if name == "pow" and dtype in INT_DTYPES:
        y = make_tensor(np.abs(to_numpy(y)) % 4, dtype)
        yc = y.cuda()
    same(op(xc, yc), op(x, y), dtype)
    same(op(xc.t(), yc), op(x.t(), y), dtype)                   # transposed against contiguous
    same(op(xc, yc[2]), op(x, y[2]), dtype)                     # a broadcast row
    same(op(xc[:, 1:], yc[:, :-1]), op(x[:, 1:], y[:, :-1]), dtype)  # misaligned
    same(op(xc, yc[1, 1]), op(x, y[1, 1]), dtype)               # a 0-dim CUDA tensor
    number = True if dtype == ember.bool else (2 if dtype in INT_DTYPES else 2.0)
    same(op(xc, number), op(x, number), dtype)                  # a Python number


def test_add_sub_alpha():
    for dtype in NUMERIC:
        x, xc = cpu_and_cuda(dtype, (33,))
        y, yc = cpu_and_cuda(dtype, (33,))
        same(ember.add(xc, yc, alpha=3), ember.add(x, y, alpha=3), dtype)
        same(ember.sub(xc, yc, alpha=2), ember.sub(x, y, alpha=2), dtype)


def test_integer_division_by_zero_does_not_raise_on_cuda():
    a = make_tensor(np.array([1, 2, 3], dtype=np.int32)).cuda()
    b = make_tensor(np.array([1, 0, 1], dtype=np.int32)).cuda()
    np.testing.assert_array_equal(to_numpy(ember.floor_divide(a, b).cpu()), [1, 0, 3])


@pytest.mark.parametrize("bits_dtype", INT_DTYPES + (ember.bool,), ids=str)
def test_bitwise(bits_dtype):
    x, xc = cpu_and_cuda(bits_dtype, (5, 7))
    y, yc = cpu_and_cuda(bits_dtype, (5, 7))
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "logical_and", "logical_or", "logical_xor"):
        op = getattr(ember, name)
        same(op(xc, yc), op(x, y), bits_dtype)
    if bits_dtype != ember.bool:
        same(ember.bitwise_not(xc), ember.bitwise_not(x), bits_dtype)
        s = make_tensor(np.arange(35).reshape(5, 7) % 10, bits_dtype)
        same(ember.bitwise_left_shift(xc, s.cuda()), ember.bitwise_left_shift(x, s), bits_dtype)
        same(ember.bitwise_right_shift(xc, s.cuda()), ember.bitwise_right_shift(x, s), bits_dtype)


@pytest.mark.parametrize("src", ALL_DTYPES, ids=str)
def test_copy_every_dtype_pair(src):
    x, xc = cpu_and_cuda(src, (9, 13), special=False)
    for dst in ALL_DTYPES:
        same(xc.to(dst), x.to(dst), dst)
        same(xc.t().to(dst), x.t().to(dst), dst)
        out = ember.zeros((13, 9), dtype=dst).cuda()
        out.copy_(xc.t())
        same(out, x.t().to(dst), dst)
        out.copy_(xc[0, :9])  # broadcast source
        same(out, x[0, :9].to(dst).expand(13, 9), dst)


def test_fill_and_contiguous():
    for dtype in ALL_DTYPES:
        t = ember.zeros((7, 5), dtype=dtype).cuda()
        t.fill_(1)
        same(t, ember.ones((7, 5), dtype=dtype), dtype)
        t[:, 1].fill_(0)
        expected = ember.ones((7, 5), dtype=dtype)
        expected[:, 1].fill_(0)
        same(t, expected, dtype)
        x, xc = cpu_and_cuda(dtype, (4, 6, 5))
        same(xc.permute(2, 0, 1).contiguous(), x.permute(2, 0, 1).contiguous(), dtype)


def test_where_and_clamp():
    for dtype in ALL_DTYPES:
        c, cc = cpu_and_cuda(ember.bool, (6, 8))
        a, ac = cpu_and_cuda(dtype, (6, 8))
        b, bc = cpu_and_cuda(dtype, (8,))
        same(ember.where(cc, ac, bc), ember.where(c, a, b), dtype)
        if dtype != ember.bool:
            lo, loc = cpu_and_cuda(dtype, (6, 8))
            same(ember.clamp(ac, min=lo[0, 0].item()), ember.clamp(a, min=lo[0, 0].item()), dtype)
            same(ember.clamp(ac, max=1), ember.clamp(a, max=1), dtype)
            same(ember.clamp(ac, min=loc, max=bc), ember.clamp(a, min=lo, max=b), dtype)


ACTIVATIONS = [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("softplus", {"beta": 2.0}),
               ("elu", {"alpha": 0.7}), ("selu", {}), ("celu", {"alpha": 1.5}), ("leaky_relu", {"negative_slope": 0.1}),
               ("hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("mish", {}), ("hardswish", {}), ("hardsigmoid", {}),
               ("logsigmoid", {}), ("softsign", {}), ("tanhshrink", {}), ("relu", {}), ("sigmoid", {}), ("tanh", {})]


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_activation_forward_backward(name, kwargs, dtype):
    import ember.nn.functional as F
    fn = getattr(F, name, None) or getattr(ember, name)
    x, xc = cpu_and_cuda(dtype, (5, 9), special=False)
    x.requires_grad_(True)
    xc = xc.detach().requires_grad_(True)
    y, yc = fn(x, **kwargs), fn(xc, **kwargs)
    same(yc.detach(), y.detach(), dtype)
    g, gc = cpu_and_cuda(dtype, (5, 9), special=False)
    y.backward(g)
    yc.backward(gc)
    same(xc.grad, x.grad, dtype)


def test_more_than_2_31_elements():
    n = 2**31 + 1000
    x = ember.ones(n, dtype=ember.int8, device="cuda")
    y = x + x  # split into 32-bit pieces
    assert int(y[-1].item()) == 2 and int(y[0].item()) == 2 and int(y[2**31].item()) == 2
    z = ember.ones((2, n // 2), dtype=ember.int8, device="cuda")[:, ::2].mul(3)
    assert int(z[1, -1].item()) == 3
