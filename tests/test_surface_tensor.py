"""Tensor surface that training scripts use: __format__, layouts and memory formats, alpha as a
0-dim tensor, the legacy constructors, size= and the default dtype; torch 2.13 is the oracle."""
import pickle

import numpy as np
import pytest

import ember
import ember.nn as nn


def _both(make):
    """make(lib) for ember and, where installed, torch."""
    libs = [ember]
    try:
        import torch
        libs.append(torch)
    except ImportError:
        pass
    return [make(lib) for lib in libs]


# ---- __format__ ---------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["", ".4f", ".2e", ">10", "+.1f", "g"])
@pytest.mark.parametrize("value,dtype", [(1.23456, "float32"), (-2.5, "float64"), (1.5, "float16"),
                                         (1.5, "bfloat16")])
def test_format_of_a_float_scalar_matches_torch(spec, value, dtype):
    got = _both(lambda m: format(m.tensor(value, dtype=getattr(m, dtype)), spec))
    assert got[0] == format(ember.tensor(value, dtype=getattr(ember, dtype)).item(), spec)
    assert len(set(got)) == 1, got


@pytest.mark.parametrize("spec", ["", "5d", "x", ">4"])
def test_format_of_an_int_scalar_matches_torch(spec):
    got = _both(lambda m: format(m.tensor(42), spec))
    assert got[0] == format(42, spec) and len(set(got)) == 1


def test_format_of_bool_and_grad_scalars():
    assert f"{ember.tensor(True)}" == "True"
    loss = (ember.ones(3, requires_grad=True) * 2).sum()
    assert f"{loss:.4f}" == "6.0000" and f"loss {loss:.1f}" == "loss 6.0"


def test_format_of_other_dims_and_of_subclasses():
    t = ember.tensor([1.0, 2.0])
    assert f"{t}" == str(t) == "tensor([1., 2.])"
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        f"{t:.2f}"
    with pytest.raises(TypeError, match="Tensor.__format__"):
        f"{ember.tensor([1.5]):.2f}"
    p = nn.Parameter(ember.tensor(1.5))  # as torch: a subclass formats as its str
    assert f"{p}" == str(p)
    with pytest.raises(TypeError, match="Parameter.__format__"):
        f"{p:.2f}"


# ---- layouts, memory formats, is_complex / is_sparse ---------------------------------------------

def test_layout_and_memory_format_objects():
    assert repr(ember.strided) == "ember.strided" and isinstance(ember.strided, ember.layout)
    assert repr(ember.sparse_coo) == "ember.sparse_coo" and ember.sparse_coo is not ember.strided
    for fmt in (ember.contiguous_format, ember.preserve_format, ember.channels_last, ember.channels_last_3d):
        assert isinstance(fmt, ember.memory_format)
        assert pickle.loads(pickle.dumps(fmt)) is fmt
    assert pickle.loads(pickle.dumps(ember.strided)) is ember.strided
    t = ember.ones(2)
    assert t.layout is ember.strided and t.is_sparse is False and t.is_complex() is False
    assert ember.is_complex(t) is False and nn.Parameter(ember.ones(1)).is_sparse is False
    with pytest.raises(TypeError, match="is_complex"):
        ember.is_complex(3)


@pytest.mark.parametrize("how", ["contiguous", "clone", "to", "empty_like", "zeros_like", "ones_like",
                                 "rand_like", "randn_like", "empty"])
def test_channels_last_strides_match_torch(how):
    def make(m):
        x = m.arange(120, dtype=m.float32).reshape(2, 3, 4, 5)
        fmt = m.channels_last
        if how == "contiguous":
            return x.contiguous(memory_format=fmt), x
        if how == "clone":
            return x.clone(memory_format=fmt), x
        if how == "to":
            return x.to(memory_format=fmt), x
        if how == "empty":
            return m.empty(2, 3, 4, 5, memory_format=fmt), None
        return getattr(m, how)(x, memory_format=fmt), None
    results = _both(make)
    out, x = results[0]
    assert out.is_contiguous(memory_format=ember.channels_last) and not out.is_contiguous()
    if x is not None:
        assert ember.equal(out, x)
    if how == "ones_like":
        assert (out == 1).all()
    for other, _ in results[1:]:
        assert out.stride() == other.stride()


def test_channels_last_3d_and_round_trip():
    x = ember.randn(2, 3, 2, 4, 5)
    y = x.contiguous(memory_format=ember.channels_last_3d)
    assert y.stride() == (120, 1, 60, 15, 3) and ember.equal(x, y)
    back = y.contiguous()
    assert back.is_contiguous() and ember.equal(back, x)
    assert y.contiguous(memory_format=ember.channels_last_3d) is y
    assert x.contiguous(memory_format=ember.contiguous_format) is x
    assert x.to(memory_format=ember.contiguous_format) is x


def test_preserve_format_keeps_dense_strides_like_torch():
    def make(m):
        x = m.ones(3, 4).t()
        y = m.ones(2, 3, 4, 5).permute(0, 2, 3, 1)
        gapped = m.ones(4, 6)[:, ::2]
        return [x.clone(memory_format=m.preserve_format).stride(), m.empty_like(x).stride(),
                m.zeros_like(y).stride(), m.rand_like(x).stride(),
                m.empty_like(gapped).stride(), m.full_like(x, 2.0).stride(),
                m.ones_like(y, memory_format=m.contiguous_format).stride()]
    results = _both(make)
    for other in results[1:]:
        assert results[0] == other


def test_memory_format_autograd_and_errors():
    x = ember.randn(2, 3, 4, 5, dtype=ember.float64, requires_grad=True)
    y = x.contiguous(memory_format=ember.channels_last) * 2
    y.sum().backward()
    assert ember.equal(x.grad, ember.full_like(x, 2.0))
    for fn in (lambda m: m.ones(2, 3).contiguous(memory_format=m.channels_last),
               lambda m: m.ones(2, 3).clone(memory_format=m.channels_last),
               lambda m: m.ones(2, 3, 4, 5).clone(memory_format=m.channels_last_3d)):
        with pytest.raises(RuntimeError, match="rank"):
            fn(ember)
    with pytest.raises(TypeError, match="memory_format"):
        ember.ones(2).clone(memory_format="channels_last")
    assert ember.ones(2, 3).is_contiguous(memory_format=ember.channels_last) is False


# ---- alpha as a 0-dim tensor ---------------------------------------------------------------------

def test_alpha_tensor_in_add_and_sub_matches_torch():
    def make(m):
        a = m.tensor([1.0, 2.0, 3.0])
        b = m.tensor([0.5, 0.5, 0.5])
        c = a.clone()
        c.add_(b, alpha=m.tensor(-2.0))
        d = a.clone()
        d.sub_(b, alpha=m.tensor(4))
        return [m.add(a, b, alpha=m.tensor(2.0)).tolist(), a.sub(b, alpha=m.tensor(3.0)).tolist(),
                m.sub(a, b, alpha=m.tensor(2)).tolist(), c.tolist(), d.tolist()]
    results = _both(make)
    assert results[0][0] == [2.0, 3.0, 4.0]
    for other in results[1:]:
        assert results[0] == other


def test_alpha_tensor_gradients_and_refusals():
    x = ember.ones(3, dtype=ember.float64, requires_grad=True)
    y = ember.ones(3, dtype=ember.float64, requires_grad=True)
    x.sub(y, alpha=ember.tensor(3.0)).sum().backward()
    assert x.grad.tolist() == [1.0] * 3 and y.grad.tolist() == [-3.0] * 3
    with pytest.raises(TypeError, match="alpha"):
        ember.ones(3).add(ember.ones(3), alpha=ember.tensor([2.0, 3.0]))
    with pytest.raises(TypeError, match="alpha"):
        ember.ones(3).add(ember.ones(3), alpha=ember.tensor(2.0, requires_grad=True))


# ---- legacy constructors -------------------------------------------------------------------------

LEGACY = [
    lambda m: m.Tensor(2, 3).shape,
    lambda m: m.Tensor([1, 2]).tolist(),
    lambda m: m.Tensor([[1, 2], [3, 4]]).dtype,
    lambda m: tuple(m.Tensor().shape),
    lambda m: m.Tensor(size=(2, 3)).shape,
    lambda m: m.Tensor((2, 3)).tolist(),
    lambda m: m.Tensor(m.Size([2, 3])).shape,
    lambda m: m.Tensor(np.array([1, 2])).tolist(),
    lambda m: m.Tensor(2, device="cpu").shape,
    lambda m: m.FloatTensor(2, 3).shape,
    lambda m: m.LongTensor(2).dtype,
    lambda m: m.LongTensor([1.5, 2]).tolist(),
    lambda m: m.FloatTensor(size=(2,)).shape,
    lambda m: m.DoubleTensor([1, 2]).dtype,
    lambda m: m.BoolTensor([1, 0]).tolist(),
    lambda m: isinstance(m.ones(1), m.FloatTensor),
    lambda m: isinstance(m.ones(1, dtype=m.int64), m.FloatTensor),
    lambda m: m.tensor([1, 2]).new(2, 3).shape,
    lambda m: m.tensor([1, 2]).new([5, 6]).tolist(),
    lambda m: (str(m.tensor([1, 2]).new().dtype), tuple(m.tensor([1, 2]).new().shape)),
    lambda m: m.tensor([1, 2]).new(m.Size([3])).shape,
    lambda m: m.ones(2, dtype=m.float64).new(2).dtype,
    lambda m: m.tensor([1, 2]).new_empty_strided((2, 3), (1, 2)).stride(),
    lambda m: m.tensor([1, 2]).new_empty_strided((2, 3), (3, 1), dtype=m.float16).dtype,
]


def _normalise(value):
    return str(value).replace("torch.", "ember.").replace("Size(", "ember.Size(").replace("ember.ember.", "ember.")


@pytest.mark.parametrize("case", range(len(LEGACY)))
def test_legacy_constructors_match_torch(case):
    results = [_normalise(r) for r in _both(LEGACY[case])]
    assert len(set(results)) == 1, results


def test_legacy_constructor_shares_a_tensor_argument():
    t = ember.tensor([1, 2])
    assert ember.Tensor(t) is t and ember.LongTensor(t) is t
    assert ember.FloatTensor(2, 3).dtype == ember.float32


LEGACY_ERRORS = [
    (lambda m: m.Tensor(3.5), TypeError),
    (lambda m: m.Tensor(2, [3]), TypeError),
    (lambda m: m.FloatTensor(m.tensor([1, 2])), TypeError),
    (lambda m: m.LongTensor(m.tensor([1.0, 2.0])), TypeError),
    (lambda m: m.tensor([1, 2]).new(m.tensor([1.5])), TypeError),
    (lambda m: m.Tensor(-1), RuntimeError),
]


@pytest.mark.parametrize("case", range(len(LEGACY_ERRORS)))
def test_legacy_constructor_errors_match_torch(case):
    make, exc = LEGACY_ERRORS[case]
    for m in (ember,) + tuple(_torch_or_none()):
        with pytest.raises(exc):
            make(m)


def _torch_or_none():
    try:
        import torch
        return (torch,)
    except ImportError:
        return ()


# ---- size= and the default dtype -----------------------------------------------------------------

SIZE_KW = [
    lambda m: m.zeros(size=(2, 3)).shape,
    lambda m: m.ones(size=[2]).shape,
    lambda m: m.empty(size=(2,)).shape,
    lambda m: m.rand(size=(2,)).shape,
    lambda m: m.randn(size=(2,), generator=None).shape,
    lambda m: m.full(size=(2,), fill_value=3.0).tolist(),
    lambda m: m.randint(0, 5, size=(2,)).shape,
    lambda m: m.zeros([]).shape,
]


@pytest.mark.parametrize("case", range(len(SIZE_KW)))
def test_size_keyword_matches_torch(case):
    results = [_normalise(r) for r in _both(SIZE_KW[case])]
    assert len(set(results)) == 1, results


def test_size_given_twice_raises():
    for m in (ember,) + tuple(_torch_or_none()):
        with pytest.raises(TypeError, match="multiple values for argument 'size'"):
            m.zeros((2, 3), size=(2, 3))
        with pytest.raises(TypeError, match="size"):
            m.empty(2, size=(2,))


@pytest.fixture
def float64_default():
    ember.set_default_dtype(ember.float64)
    yield
    ember.set_default_dtype(ember.float32)


DEFAULT_DTYPE_CASES = {
    "tensor": lambda m: m.tensor([1.5]), "tensor 0-dim": lambda m: m.tensor(1.5),
    "zeros": lambda m: m.zeros(2), "ones": lambda m: m.ones(2), "empty": lambda m: m.empty(2),
    "arange float": lambda m: m.arange(1.0), "full float": lambda m: m.full((1,), 2.0),
    "rand": lambda m: m.rand(1), "randn": lambda m: m.randn(2), "Tensor": lambda m: m.Tensor(2),
    "linspace": lambda m: m.linspace(0, 1, 2), "eye": lambda m: m.eye(2),
    "normal": lambda m: m.normal(0.0, 1.0, (2,)), "scalar_tensor": lambda m: m.scalar_tensor(1),
    "empty_strided": lambda m: m.empty_strided((2,), (1,)), "as_tensor": lambda m: m.as_tensor([1.5]),
    # not the default: ints, numpy data and the typed constructors keep their dtype
    "tensor int": lambda m: m.tensor(1), "arange int": lambda m: m.arange(3), "full int": lambda m: m.full((1,), 2),
    "numpy float32": lambda m: m.tensor(np.array([1.5], dtype=np.float32)), "FloatTensor": lambda m: m.FloatTensor(2),
}


@pytest.mark.parametrize("name", sorted(DEFAULT_DTYPE_CASES))
@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
def test_set_default_dtype_changes_creation_like_torch(name, default):
    make = DEFAULT_DTYPE_CASES[name]
    libs = (ember,) + tuple(_torch_or_none())
    got = []
    for m in libs:
        previous = m.get_default_dtype()
        m.set_default_dtype(getattr(m, default))
        try:
            got.append(_normalise(make(m).dtype))
        finally:
            m.set_default_dtype(previous)
    assert ember.get_default_dtype() == ember.float32
    assert len(set(got)) == 1, got
    if name in ("zeros", "tensor", "rand"):
        assert got[0] == f"ember.{default}"


def test_default_dtype_values_keep_their_precision(float64_default):
    assert ember.tensor([0.1]).item() == 0.1  # built from the float64 value, not a float32 rounding
    assert ember.arange(0.0, 1.0, 0.1).dtype == ember.float64


def test_set_default_dtype_errors_match_torch():
    for m in (ember,) + tuple(_torch_or_none()):
        with pytest.raises(TypeError, match="floating-point"):
            m.set_default_dtype(m.int64)
        with pytest.raises(TypeError):
            m.set_default_dtype("float")
        assert m.get_default_dtype() == m.float32


def test_default_device_is_the_cpu():
    ember.set_default_device("cpu")
    ember.set_default_device(ember.device("cpu"))
    ember.set_default_device(None)
    assert ember.get_default_device() == ember.device("cpu")
    with pytest.raises(RuntimeError, match="set_default_device"):
        ember.set_default_device("cuda")
