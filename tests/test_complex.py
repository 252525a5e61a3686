"""Complex tensors: creation and promotion as torch's, the elementwise functions, reductions and
matmul against numpy (contiguous, transposed, broadcast, zero-size and zero-dim operands, both
complex dtypes), the part views, the ops that refuse complex, printing, numpy/DLPack interop,
and gradients under PyTorch's conjugate-Wirtinger convention (gradcheck in complex128, and
against torch when it is installed)."""
import numpy as np
import pytest

import ember
from conftest import backend_is_torch

pytestmark = pytest.mark.skipif(backend_is_torch(), reason="ember's complex core")

_DTYPES = [(ember.complex64, np.complex64, 2e-5), (ember.complex128, np.complex128, 1e-12)]


def _random(shape, np_dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np_dtype)


def _close(got, want, tol):
    got = got.numpy() if isinstance(got, ember.Tensor) else got
    assert got.shape == np.shape(want)
    scale = max(1.0, float(np.max(np.abs(want)))) if np.size(want) else 1.0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def _layouts(a):
    """a as ember tensors laid out in different ways: contiguous, and a transposed view."""
    yield ember.from_numpy(a.copy())
    if a.ndim >= 2:
        t = ember.from_numpy(np.ascontiguousarray(a.swapaxes(0, 1))).transpose(0, 1)
        assert not t.is_contiguous()
        yield t


# ---- dtypes, creation, promotion -------------------------------------------------------------------

def test_dtype_names_and_predicates():
    assert ember.cfloat is ember.complex64 and ember.cdouble is ember.complex128
    z = ember.zeros(2, dtype=ember.complex64)
    assert z.is_complex() and ember.is_complex(z) and not z.is_floating_point()
    assert z.element_size() == 8 and ember.zeros(1, dtype=ember.cdouble).element_size() == 16
    assert ember.complex64.is_complex and not ember.float32.is_complex
    assert not ember.is_conj(z.conj()) and ember.resolve_conj(z) is z


def test_creation_infers_complex():
    assert ember.tensor([1 + 2j, 3]).dtype == ember.complex64
    assert ember.tensor(1j).dtype == ember.complex64 and ember.tensor(1j).dim() == 0
    assert ember.tensor(np.array([1j])).dtype == ember.complex128  # numpy keeps its dtype
    assert ember.full((2,), 1 + 1j).dtype == ember.complex64
    assert ember.tensor([1j], dtype=ember.complex128).dtype == ember.complex128
    previous = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1j]).dtype == ember.complex128
        assert ember.full((1,), 1j).dtype == ember.complex128
    finally:
        ember.set_default_dtype(previous)
    assert ember.tensor([1.5 + 2j]).item() == 1.5 + 2j
    assert ember.tensor([[1j, 2]]).tolist() == [[1j, 2 + 0j]]


@pytest.mark.parametrize("a,b,want", [
    (ember.float32, ember.complex64, ember.complex64),
    (ember.float64, ember.complex64, ember.complex128),
    (ember.int64, ember.complex64, ember.complex64),
    (ember.complex64, ember.complex128, ember.complex128),
    (ember.bool, ember.complex128, ember.complex128),
])
def test_promote_types(a, b, want):
    assert ember.promote_types(a, b) == want and ember.promote_types(b, a) == want
    assert (ember.ones(2, dtype=a) + ember.ones(2, dtype=b)).dtype == want


def test_python_complex_promotes_like_a_scalar():
    assert (ember.ones(2) * 1j).dtype == ember.complex64
    assert (ember.ones(2, dtype=ember.float64) * 1j).dtype == ember.complex128
    assert (ember.ones(2, dtype=ember.int64) + 1j).dtype == ember.complex64
    assert (ember.ones(2, dtype=ember.complex64) + 2.5).dtype == ember.complex64
    # a complex 0-dim tensor over a float tensor keeps the float's width
    assert (ember.ones(2) + ember.tensor(1j, dtype=ember.complex128)).dtype == ember.complex64


def test_promotion_matches_torch():
    torch = pytest.importorskip("torch")
    names = ["float32", "float64", "int64", "bool", "complex64", "complex128"]
    for x in names:
        for y in names:
            got = ember.promote_types(getattr(ember, x), getattr(ember, y)).name
            assert got == str(torch.promote_types(getattr(torch, x), getattr(torch, y))).split(".")[1]


# ---- elementwise -----------------------------------------------------------------------------------

_UNARY = ["exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan",
          "asinh", "acosh", "atanh", "expm1", "log1p", "reciprocal", "square", "neg", "conj", "log2", "log10"]
_NUMPY = {"asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "asinh": np.arcsinh,
          "acosh": np.arccosh, "atanh": np.arctanh, "neg": np.negative, "conj": np.conj,
          "square": np.square, "reciprocal": np.reciprocal}


@pytest.mark.parametrize("name", _UNARY)
@pytest.mark.parametrize("dtype,np_dtype,tol", _DTYPES)
def test_unary_against_numpy(name, dtype, np_dtype, tol):
    a = _random((3, 4), np_dtype)
    want = _NUMPY.get(name, getattr(np, name, None))(a.astype(np.complex128))
    for t in _layouts(a):
        got = getattr(ember, name)(t)
        assert got.dtype == dtype
        _close(got, want, tol * 10)


@pytest.mark.parametrize("dtype,np_dtype,tol", _DTYPES)
def test_abs_angle_sgn_are_real_and_complex_as_torch(dtype, np_dtype, tol):
    a = _random((5,), np_dtype)
    a[0] = 0
    t = ember.from_numpy(a)
    real = ember.float32 if dtype == ember.complex64 else ember.float64
    assert t.abs().dtype == real and t.angle().dtype == real
    _close(t.abs(), np.abs(a), tol)
    _close(t.angle(), np.angle(a), tol)
    want = np.where(a == 0, 0, a / np.where(a == 0, 1, np.abs(a)))
    _close(t.sgn(), want, tol)
    assert t.sgn().dtype == dtype


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
@pytest.mark.parametrize("dtype,np_dtype,tol", _DTYPES)
def test_binary_against_numpy_with_broadcast(op, dtype, np_dtype, tol):
    a, b = _random((3, 1, 4), np_dtype, 1), _random((5, 4), np_dtype, 2)
    fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power}[op]
    want = fn(a.astype(np.complex128), b.astype(np.complex128))
    got = getattr(ember, op)(ember.from_numpy(a), ember.from_numpy(b))
    assert got.dtype == dtype
    _close(got, want, tol * 10)
    # with a real tensor and with Python numbers
    r = np.linspace(0.5, 2, 4)
    _close(getattr(ember, op)(ember.from_numpy(a), ember.tensor(r, dtype=ember.float64)),
           fn(a.astype(np.complex128), r), tol * 10)
    _close(getattr(ember, op)(ember.from_numpy(a), 1.5 - 0.5j), fn(a.astype(np.complex128), 1.5 - 0.5j), tol * 10)


def test_division_is_accurate_at_large_and_small_magnitudes():
    a = np.array([1e300 + 1e300j, 1e-300 + 1e-300j, 1 + 1j], dtype=np.complex128)
    b = np.array([1e300 - 1e300j, 1e-300 - 2e-300j, 0 + 0j], dtype=np.complex128)
    got = (ember.from_numpy(a) / ember.from_numpy(b)).numpy()
    with np.errstate(all="ignore"):
        want = a / b
    np.testing.assert_allclose(got[:2], want[:2], rtol=1e-14)
    assert not np.isfinite(got[2]).all()


def test_zero_size_and_zero_dim():
    e = ember.zeros(0, 3, dtype=ember.complex64)
    assert (e * 1j).shape == (0, 3) and e.exp().shape == (0, 3) and e.sum().item() == 0
    s = ember.tensor(1 + 1j)
    assert (s * s).item() == 2j and s.exp().dim() == 0


def test_comparisons_and_predicates():
    a = ember.tensor([1 + 1j, 2, complex(float("nan"), 0), complex(float("inf"), 1)])
    assert (a == a.clone()).tolist() == [True, True, False, True]
    assert (a != 2).tolist() == [True, False, True, True]
    assert ember.isnan(a).tolist() == [False, False, True, False]
    assert ember.isinf(a).tolist() == [False, False, False, True]
    assert ember.isfinite(a).tolist() == [True, True, False, False]


# ---- reductions, matmul ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype,np_dtype,tol", _DTYPES)
def test_reductions_against_numpy(dtype, np_dtype, tol):
    a = _random((3, 4, 5), np_dtype) * 0.5
    for t in _layouts(a):
        _close(t.sum(), a.sum(dtype=np.complex128), tol * 10)
        _close(t.sum(dim=1, keepdim=True), a.astype(np.complex128).sum(axis=1, keepdims=True), tol * 10)
        _close(t.mean(dim=(0, 2)), a.astype(np.complex128).mean(axis=(0, 2)), tol * 10)
        _close(t.prod(dim=2), a.astype(np.complex128).prod(axis=2), tol * 10)
    assert ember.from_numpy(a).sum().dtype == dtype


@pytest.mark.parametrize("dtype,np_dtype,tol", _DTYPES)
def test_matmul_against_numpy(dtype, np_dtype, tol):
    a, b = _random((2, 7, 5), np_dtype, 3), _random((5, 6), np_dtype, 4)
    want = a.astype(np.complex128) @ b.astype(np.complex128)
    _close(ember.from_numpy(a) @ ember.from_numpy(b), want, tol * 10)
    bt = ember.from_numpy(np.ascontiguousarray(b.T)).t()  # transposed right operand
    _close(ember.from_numpy(a) @ bt, want, tol * 10)
    v, w = _random((5,), np_dtype, 5), _random((6,), np_dtype, 6)
    _close(ember.from_numpy(b) @ ember.from_numpy(w), b.astype(np.complex128) @ w.astype(np.complex128), tol * 10)
    _close(ember.dot(ember.from_numpy(v), ember.from_numpy(v)), np.dot(v, v), tol * 10)
    _close(ember.vdot(ember.from_numpy(v), ember.from_numpy(v)), np.vdot(v, v), tol * 10)
    with pytest.raises(TypeError, match="matmul"):  # torch too refuses mixed dtypes in products
        ember.from_numpy(a) @ ember.from_numpy(np.ones((5, 2)))


# ---- part views ------------------------------------------------------------------------------------

def test_real_imag_are_views():
    z = ember.tensor([1 + 2j, 3 - 4j])
    z.real.mul_(10)
    z.imag[1] = 7
    assert z.tolist() == [10 + 2j, 30 + 7j]
    z.real = ember.tensor([0.0, 1.0])
    assert z.tolist() == [2j, 1 + 7j]
    x = ember.ones(2)
    assert x.real is x
    with pytest.raises(RuntimeError, match="imag"):
        x.imag


def test_view_as_real_and_complex_share_storage():
    z = ember.tensor([[1 + 2j, 3 - 4j]], dtype=ember.complex128)
    r = ember.view_as_real(z)
    assert r.shape == (1, 2, 2) and r.dtype == ember.float64
    r[0, 1, 1] = 9
    assert z[0, 1].item() == 3 + 9j
    back = ember.view_as_complex(r)
    assert back.dtype == ember.complex128 and back.tolist() == z.tolist()
    assert ember.view_as_complex(ember.zeros(0, 2)).shape == (0,)
    assert ember.view_as_real(ember.zeros(0, 3, dtype=ember.cfloat)).shape == (0, 3, 2)
    with pytest.raises(RuntimeError, match="view_as_complex"):
        ember.view_as_complex(ember.ones(3, 3))
    with pytest.raises(RuntimeError, match="view_as_complex"):
        ember.view_as_complex(ember.ones(2, 4)[:, ::2])


def test_complex_and_polar():
    re, im = ember.tensor([1.0, 2.0]), ember.tensor([[3.0], [4.0]])
    z = ember.complex(re, im)
    assert z.shape == (2, 2) and z.dtype == ember.complex64
    assert z[1, 0].item() == 1 + 4j
    p = ember.polar(ember.tensor([2.0], dtype=ember.float64), ember.tensor([np.pi / 2], dtype=ember.float64))
    np.testing.assert_allclose(p.numpy(), [2j], atol=1e-15)
    with pytest.raises((TypeError, RuntimeError), match="complex"):
        ember.complex(ember.ones(2, dtype=ember.int64), ember.ones(2, dtype=ember.int64))


# ---- refusals --------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda z: z < z, lambda z: z.max(), lambda z: z.argmax(), lambda z: ember.clamp(z, 0, 1),
    lambda z: z.floor(), lambda z: z.sign(), lambda z: ember.maximum(z, z), lambda z: z.sort(),
    lambda z: z // z, lambda z: z.relu() if hasattr(z, "relu") else ember.relu(z),
])
def test_ops_without_complex_meaning_refuse(call):
    z = ember.tensor([1 + 1j, 2 - 1j])
    with pytest.raises(TypeError):
        call(z)


def test_refusal_names_the_op_and_dtype():
    with pytest.raises(TypeError, match=r"(?i)(max|complex)"):
        ember.tensor([1j]).max()


# ---- printing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("values,dtype,text", [
    ([1 + 2j, 3 - 4j], None, "tensor([1.+2.j, 3.-4.j])"),
    ([1.5 + 2j, -3 - 4.25j, 0.001j], None,
     "tensor([ 1.5000+2.0000e+00j, -3.0000-4.2500e+00j,  0.0000+1.0000e-03j])"),
    ([[1e10 + 1j, 2]], None, "tensor([[1.0000e+10+1.j, 2.0000e+00+0.j]])"),
    ([1 + 2j], "complex128", "tensor([1.+2.j], dtype=ember.complex128)"),
    (1 + 2j, None, "tensor(1.+2.j)"),
    ([complex("nan+1j"), complex(0, float("inf"))], None, "tensor([nan+1.j, 0.+infj])"),
])
def test_repr_as_torch(values, dtype, text):
    t = ember.tensor(values, dtype=getattr(ember, dtype) if dtype else None)
    assert repr(t) == text


def test_repr_of_empty_and_long():
    assert repr(ember.zeros(0, dtype=ember.cfloat)) == "tensor([], dtype=ember.complex64)" or \
        repr(ember.zeros(0, dtype=ember.cfloat)) == "tensor([])"
    long = repr(ember.ones(30, dtype=ember.cfloat) * (0.5 + 0.25j))
    assert long.count("\n") >= 2 and "0.5000+0.2500j" in long


def test_repr_matches_torch_on_random_values():
    torch = pytest.importorskip("torch")
    a = _random((4, 6), np.complex64, 7)
    assert repr(ember.from_numpy(a)) == repr(torch.from_numpy(a)).replace("torch.", "ember.")
    a = _random((30,), np.complex64, 8)
    assert repr(ember.from_numpy(a)) == repr(torch.from_numpy(a)).replace("torch.", "ember.")


# ---- interop ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype,np_dtype,tol", _DTYPES)
def test_numpy_and_dlpack_round_trips(dtype, np_dtype, tol):
    a = _random((2, 3), np_dtype)
    t = ember.from_numpy(a)
    assert t.dtype == dtype and np.array_equal(t.numpy(), a)
    back = np.from_dlpack(t)
    assert back.dtype == np_dtype and np.array_equal(back, a)
    assert np.array_equal(ember.from_dlpack(a).numpy(), a)


def test_conversions_between_real_and_complex():
    z = ember.tensor([1.5 + 2j, -3 - 1j])
    assert z.to(ember.float32).tolist() == [1.5, -3.0]  # the real part, as numpy casts
    assert ember.tensor([1.0, 2.0]).to(ember.complex128).tolist() == [1 + 0j, 2 + 0j]
    assert ember.tensor([1.0]).cdouble().dtype == ember.complex128
    assert ember.tensor([1.0]).cfloat().dtype == ember.complex64


def test_save_and_load_round_trip(tmp_path):
    z = ember.tensor([[1 + 2j, -0.5j]], dtype=ember.complex128)
    path = tmp_path / "z.pt"
    ember.save({"z": z}, path)
    loaded = ember.load(path)["z"]
    assert loaded.dtype == ember.complex128 and loaded.tolist() == z.tolist()


# ---- autograd --------------------------------------------------------------------------------------

def _leaf(shape, seed=0, avoid_zero=False):
    a = _random(shape, np.complex128, seed)
    if avoid_zero:
        a = a + 0.5 * np.sign(a.real)
    return ember.from_numpy(a).requires_grad_()


_GRAD_UNARY = {
    "exp": lambda z: z.exp(), "log": lambda z: z.log(), "sqrt": lambda z: z.sqrt(), "sin": lambda z: z.sin(),
    "cos": lambda z: z.cos(), "tan": lambda z: z.tan(), "tanh": lambda z: z.tanh(),
    "sigmoid": lambda z: z.sigmoid(), "reciprocal": lambda z: z.reciprocal(), "square": lambda z: z.square(),
    "asin": lambda z: z.asin(), "atan": lambda z: z.atan(), "sinh": lambda z: z.sinh(),
    "abs": lambda z: z.abs(), "angle": lambda z: z.angle(), "sgn": lambda z: z.sgn(), "conj": lambda z: z.conj(),
    "real": lambda z: z.real, "imag": lambda z: z.imag, "view_as_real": lambda z: ember.view_as_real(z),
    "sum": lambda z: z.sum(dim=0), "mean": lambda z: z.mean(), "prod": lambda z: z.prod(dim=1),
    "pow_scalar": lambda z: z ** 3, "pow_complex_scalar": lambda z: z ** (0.5 + 0.5j),
    "rpow": lambda z: 2 ** z, "mul_scalar": lambda z: z * (2 - 1j), "div_by": lambda z: (1 + 1j) / z,
}


@pytest.mark.parametrize("name", sorted(_GRAD_UNARY))
def test_gradcheck_unary(name):
    z = _leaf((2, 3), avoid_zero=name in ("log", "sqrt", "reciprocal", "angle", "sgn", "abs", "div_by"))
    assert ember.autograd.gradcheck(_GRAD_UNARY[name], (z,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("name,fn", [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b), ("matmul", lambda a, b: a @ b.mT),
    ("dot", lambda a, b: ember.dot(a[0], b[0])), ("vdot", lambda a, b: ember.vdot(a[0], b[0])),
    ("outer", lambda a, b: ember.outer(a[0], b[1])), ("mv", lambda a, b: ember.mv(a, b[0])),
])
def test_gradcheck_binary(name, fn):
    a, b = _leaf((2, 3), 1, avoid_zero=True), _leaf((2, 3), 2, avoid_zero=True)
    assert ember.autograd.gradcheck(fn, (a, b), eps=1e-6, atol=1e-6)


def test_angle_of_reals_has_zero_gradient():
    x = ember.tensor([-2.0, 3.0], dtype=ember.float64, requires_grad=True)
    ember.angle(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_gradcheck_real_inputs_with_complex_results():
    x = ember.randn(3, dtype=ember.float64).abs().add(0.5).requires_grad_()
    y = ember.randn(3, dtype=ember.float64).requires_grad_()
    assert ember.autograd.gradcheck(lambda a, b: ember.complex(a, b), (x, y))
    assert ember.autograd.gradcheck(lambda a, b: ember.polar(a, b), (x, y))
    assert ember.autograd.gradcheck(lambda a: a * (1 + 2j), (x,))
    r = ember.randn(3, 2, dtype=ember.float64).requires_grad_()
    assert ember.autograd.gradcheck(lambda a: ember.view_as_complex(a), (r,))


def test_real_loss_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    a, b = _random((3, 4), np.complex128, 1), _random((4, 2), np.complex128, 2)
    ea, eb = ember.from_numpy(a.copy()).requires_grad_(), ember.from_numpy(b.copy()).requires_grad_()
    ta, tb = torch.from_numpy(a.copy()).requires_grad_(), torch.from_numpy(b.copy()).requires_grad_()
    for lib, x, y in ((ember, ea, eb), (torch, ta, tb)):
        z = (x @ y).exp() * x.sum().conj()
        loss = z.abs().sum() + z.real.mean() + (x.sin() / (x * x + 2)).imag.sum() + lib.angle(y).sum()
        loss.backward()
    np.testing.assert_allclose(ea.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(eb.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-10)


# ---- the wider surface -----------------------------------------------------------------------------

def test_random_complex_draws_both_parts():
    z = ember.randn(100000, dtype=ember.complex64, generator=ember.Generator().manual_seed(0))
    assert z.dtype == ember.complex64
    assert abs((z.abs() ** 2).mean().item() - 1) < 0.02  # E|z|^2 = 1, as torch draws it
    assert abs(z.real.std().item() - 0.5 ** 0.5) < 0.01 and abs(z.imag.std().item() - 0.5 ** 0.5) < 0.01
    u = ember.rand(1000, dtype=ember.complex128)
    assert 0 <= u.real.min().item() and u.real.max().item() < 1 and 0 <= u.imag.min().item()
    assert ember.randn_like(z[:3]).dtype == ember.complex64
    n = ember.empty(50000, dtype=ember.complex128).normal_(0.0, 2.0)
    assert abs(n.real.std().item() - 2 * 0.5 ** 0.5) < 0.05


def test_finfo_of_complex_is_its_parts():
    assert ember.finfo(ember.complex64).eps == ember.finfo(ember.float32).eps
    assert ember.finfo(ember.complex128).max == ember.finfo(ember.float64).max


def test_norms_read_moduli():
    a = _random((3, 4), np.complex128)
    t = ember.from_numpy(a)
    np.testing.assert_allclose(ember.linalg.vector_norm(t).item(), np.linalg.norm(a), rtol=1e-12)
    np.testing.assert_allclose(ember.linalg.vector_norm(t, 1, dim=1).numpy(), np.abs(a).sum(1), rtol=1e-12)
    np.testing.assert_allclose(ember.linalg.matrix_norm(t).item(), np.linalg.norm(a, "fro"), rtol=1e-12)
    np.testing.assert_allclose(ember.linalg.matrix_norm(t, 1).item(), np.linalg.norm(a, 1), rtol=1e-12)
    assert ember.linalg.vector_norm(t).dtype == ember.float64
    x = ember.from_numpy(a.copy()).requires_grad_()
    assert ember.autograd.gradcheck(lambda z: ember.linalg.vector_norm(z), (x,))


def test_adjoint_nonzero_lerp():
    a = _random((2, 3), np.complex128)
    t = ember.from_numpy(a)
    np.testing.assert_array_equal(t.mH.numpy(), a.conj().T)
    np.testing.assert_array_equal(t.H.numpy(), a.conj().T)
    np.testing.assert_array_equal(ember.adjoint(t).numpy(), a.conj().T)
    r = ember.ones(2, 3)
    assert ember.equal(r.mH, r.mT)
    z = ember.tensor([0j, 1j, 0, 2 + 0j])
    assert z.nonzero().flatten().tolist() == [1, 3] and ember.argwhere(z).flatten().tolist() == [1, 3]
    w = ember.lerp(z, z + 2j, 0.25)
    np.testing.assert_allclose(w.numpy(), z.numpy() + 0.5j)
    x = ember.from_numpy(a.copy()).requires_grad_()
    assert ember.autograd.gradcheck(lambda m: m.mH @ m, (x,))


@pytest.mark.parametrize("name,fn", [
    ("linear", lambda a, b: ember.nn.functional.linear(a, b)),
    ("einsum", lambda a, b: ember.einsum("ij,kj->ik", a, b)),
    ("tensordot", lambda a, b: ember.tensordot(a, b, dims=([1], [1]))),
    ("kron", lambda a, b: ember.kron(a, b)),
    ("addcmul", lambda a, b: ember.addcmul(a, a, b, value=0.5 - 1j)),
    ("addcdiv", lambda a, b: ember.addcdiv(a, a, b)),
    ("lerp", lambda a, b: ember.lerp(a, b, 0.3)),
    ("cumprod", lambda a, b: ember.cumprod(a * b, dim=1)),
    ("cumsum", lambda a, b: ember.cumsum(a * b, dim=0)),
    ("where_cat", lambda a, b: ember.cat([ember.where(a.real > 0, a, b), b[:, :1]], dim=1)),
])
def test_gradcheck_multilinear(name, fn):
    a, b = _leaf((2, 3), 3, avoid_zero=True), _leaf((2, 3), 4, avoid_zero=True)
    assert ember.autograd.gradcheck(fn, (a, b), eps=1e-6, atol=1e-6)
