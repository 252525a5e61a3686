"""ember as an array API namespace (2024.12): the namespace protocol, the inspection object,
isdtype, and the standard's functions of ember/_ops/array_api.py and the spellings the
standard adds to torch's functions, against NumPy (values, dtypes, zero-size and zero-dim
arrays, non-contiguous inputs, errors naming the op)."""
import math

import numpy as np
import pytest

import ember
from conftest import backend_is_torch

pytestmark = pytest.mark.skipif(backend_is_torch(), reason="ember's own array API namespace")


def _np(t):
    return t.numpy()


def _noncontig(a):
    """A non-contiguous ember view with numpy array a's values (a transposed copy, transposed back)."""
    t = ember.asarray(np.ascontiguousarray(a.T)).T
    assert not t.is_contiguous() or a.ndim < 2
    return t


# ---- the namespace ---------------------------------------------------------------------------------

def test_namespace_protocol():
    x = ember.ones(2)
    assert ember.__array_api_version__ == "2024.12"
    assert x.__array_namespace__() is ember
    assert x.__array_namespace__(api_version="2023.12") is ember
    with pytest.raises(ValueError, match="api_version"):
        x.__array_namespace__(api_version="1999.01")


def test_inspection_info():
    info = ember.__array_namespace_info__()
    assert info.capabilities()["boolean indexing"] is True
    assert info.default_device() == ember.device("cpu")
    assert ember.device("cpu") in info.devices()
    d = info.default_dtypes()
    assert d["real floating"] == ember.float32 and d["integral"] == ember.int64 and d["indexing"] == ember.int64
    assert set(info.dtypes(kind="integral")) == {"int8", "int16", "int32", "int64", "uint8"}
    assert set(info.dtypes(kind="real floating")) == {"float32", "float64"}
    assert info.dtypes(kind="complex floating") == {"complex64": ember.complex64, "complex128": ember.complex128}
    assert d["complex floating"] == ember.complex64
    assert "bool" in info.dtypes()
    with pytest.raises(ValueError, match="device"):
        info.dtypes(device=ember.device("cuda", 99))


@pytest.mark.parametrize("kind,members", [
    ("bool", {ember.bool}),
    ("signed integer", {ember.int8, ember.int16, ember.int32, ember.int64}),
    ("unsigned integer", {ember.uint8}),
    ("integral", {ember.int8, ember.int16, ember.int32, ember.int64, ember.uint8}),
    ("real floating", {ember.float32, ember.float64}),
    ("complex floating", {ember.complex64, ember.complex128}),
    ("numeric", {ember.int8, ember.int16, ember.int32, ember.int64, ember.uint8, ember.float32, ember.float64,
                 ember.complex64, ember.complex128}),
])
def test_isdtype_kinds(kind, members):
    every = [ember.bool, ember.int8, ember.int16, ember.int32, ember.int64, ember.uint8, ember.float32, ember.float64,
             ember.complex64, ember.complex128]
    assert {d for d in every if ember.isdtype(d, kind)} == members


def test_isdtype_tuples_dtypes_and_errors():
    assert ember.isdtype(ember.int8, ("bool", "signed integer"))
    assert ember.isdtype(ember.float64, ember.float64) and not ember.isdtype(ember.float32, ember.float64)
    with pytest.raises(ValueError, match="isdtype"):
        ember.isdtype(ember.int8, "integer")
    with pytest.raises(TypeError, match="isdtype"):
        ember.isdtype("int8", "integral")


def test_finfo_iinfo_fields():
    f = ember.finfo(ember.float64)
    n = np.finfo(np.float64)
    assert (f.bits, f.eps, f.max, f.min, f.smallest_normal) == (64, float(n.eps), float(n.max), float(n.min),
                                                                 float(n.smallest_normal))
    assert f.dtype == ember.float64 and f.dtype == "float64"  # the dtype, and torch's name
    assert ember.finfo(ember.ones(2)).dtype == ember.float32  # finfo of an array
    i = ember.iinfo(ember.int16)
    assert (i.bits, i.min, i.max) == (16, -32768, 32767) and i.dtype == ember.int16


def test_result_type_and_can_cast():
    assert ember.result_type(ember.int8, ember.uint8) == ember.int16  # as np.result_type(int8, uint8)
    assert ember.result_type(ember.ones(2, dtype=ember.int8), ember.int32, ember.int16) == ember.int32
    assert ember.result_type(ember.ones(2, dtype=ember.int8), 1) == ember.int8
    assert ember.result_type(ember.ones(2), ember.ones(1, dtype=ember.float64)) == ember.float64
    assert ember.can_cast(ember.ones(2, dtype=ember.int8), ember.int64)
    with pytest.raises(TypeError, match="result_type"):
        ember.result_type()


# ---- creation and conversion -----------------------------------------------------------------------

def test_asarray_dtypes_of_python_values():
    assert ember.asarray(True).dtype == ember.bool
    assert ember.asarray(3).dtype == ember.int64
    assert ember.asarray(3.5).dtype == ember.float32
    assert ember.asarray([[1, 2.5]]).dtype == ember.float32
    assert ember.asarray([]).shape == (0,)
    assert ember.asarray(2, dtype=ember.float64).dtype == ember.float64
    with pytest.raises(OverflowError, match="asarray"):
        ember.asarray(300, dtype=ember.int8)


def test_asarray_copy_semantics():
    x = ember.arange(4)
    assert ember.asarray(x) is x and ember.asarray(x, copy=False) is x
    y = ember.asarray(x, copy=True)
    y[0] = 9
    assert x[0].item() == 0
    assert ember.asarray(x, dtype=ember.float64).dtype == ember.float64
    with pytest.raises(ValueError, match="asarray"):
        ember.asarray(x, dtype=ember.float64, copy=False)
    with pytest.raises(ValueError, match="asarray"):
        ember.asarray([1, 2], copy=False)
    a = np.arange(3.0)
    shared = ember.asarray(a, copy=False)
    a[0] = 5
    assert shared[0].item() == 5
    copied = ember.asarray(a, copy=True)
    a[1] = 7
    assert copied[1].item() == 1


def test_astype():
    x = _noncontig(np.arange(6, dtype=np.int32).reshape(2, 3))
    y = ember.astype(x, ember.float64)
    assert y.dtype == ember.float64 and np.array_equal(_np(y), np.arange(6).reshape(2, 3))
    assert ember.astype(x, ember.int32, copy=False) is x
    assert ember.astype(x, ember.int32) is not x
    with pytest.raises(TypeError, match="astype"):
        ember.astype(x, "float32")


def test_creation_spellings():
    np.testing.assert_allclose(_np(ember.linspace(0, 1, num=4, endpoint=False)),
                               np.linspace(0, 1, 4, endpoint=False), rtol=1e-6)
    assert np.array_equal(_np(ember.eye(3, 4, k=1)), np.eye(3, 4, k=1))
    assert np.array_equal(_np(ember.eye(3, k=-2)), np.eye(3, k=-2))
    assert ember.arange(1, stop=4).tolist() == [1, 2, 3]
    x = ember.arange(9).reshape(3, 3)
    assert np.array_equal(_np(ember.tril(x, k=-1)), np.tril(np.arange(9).reshape(3, 3), k=-1))
    assert np.array_equal(_np(ember.triu(x, k=1)), np.triu(np.arange(9).reshape(3, 3), k=1))


# ---- manipulation ----------------------------------------------------------------------------------

def test_permute_dims_and_matrix_transpose():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ember.asarray(a)
    assert np.array_equal(_np(ember.permute_dims(x, (2, 0, 1))), np.transpose(a, (2, 0, 1)))
    assert np.array_equal(_np(ember.matrix_transpose(x)), np.swapaxes(a, -1, -2))
    assert np.array_equal(_np(ember.linalg.matrix_transpose(x)), np.swapaxes(a, -1, -2))
    assert np.array_equal(_np(x.mT), np.swapaxes(a, -1, -2))
    with pytest.raises(ValueError, match="permute_dims"):
        ember.permute_dims(x, (0, 0, 1))
    with pytest.raises(ValueError, match="matrix_transpose"):
        ember.matrix_transpose(ember.ones(3))


@pytest.mark.parametrize("axis,shape", [(0, (1, 2, 3)), (-1, (2, 3, 1)), ((0, 3), (1, 2, 3, 1)), ((1, -1), (2, 1, 3, 1))])
def test_expand_dims(axis, shape):
    a = np.arange(6).reshape(2, 3)
    out = ember.expand_dims(ember.asarray(a), axis=axis)
    assert out.shape == shape == np.expand_dims(a, axis).shape


def test_expand_dims_errors():
    with pytest.raises(IndexError, match="expand_dims"):
        ember.expand_dims(ember.ones(2), axis=5)
    with pytest.raises(ValueError, match="expand_dims"):
        ember.expand_dims(ember.ones(2), axis=(0, 0))


def test_broadcast_arrays_unstack_and_repeat():
    a, b = ember.ones(3, 1), ember.zeros(4)
    out = ember.broadcast_arrays(a, b)
    assert [o.shape for o in out] == [(3, 4), (3, 4)]
    x = np.arange(6).reshape(2, 3)
    parts = ember.unstack(ember.asarray(x), axis=1)
    assert isinstance(parts, tuple) and [p.tolist() for p in parts] == [list(c) for c in x.T]
    assert np.array_equal(_np(ember.repeat(ember.asarray(x), 2, axis=1)), np.repeat(x, 2, axis=1))
    assert np.array_equal(_np(ember.repeat(ember.asarray(x), 2)), np.repeat(x, 2))
    counts = ember.asarray([1, 0, 2])
    assert np.array_equal(_np(ember.repeat(ember.asarray(x), counts, axis=1)), np.repeat(x, [1, 0, 2], axis=1))
    assert ember.ones(2, 3).repeat(2, 1).shape == (4, 3)  # Tensor.repeat stays torch's tile
    with pytest.raises(ValueError, match="repeat"):
        ember.repeat(ember.ones(2), -1)
    with pytest.raises(ValueError, match="unstack"):
        ember.unstack(ember.asarray(1.0))


def test_torch_functions_take_the_standards_spellings():
    a = np.arange(12.0).reshape(3, 4)
    x = ember.asarray(a)
    assert np.array_equal(_np(ember.concat([x, x], axis=1)), np.concatenate([a, a], axis=1))
    assert np.array_equal(_np(ember.concat([x, x], axis=None)), np.concatenate([a, a], axis=None))
    assert np.array_equal(_np(ember.stack([x, x], axis=2)), np.stack([a, a], axis=2))
    assert np.array_equal(_np(ember.flip(x, axis=None)), np.flip(a))
    assert np.array_equal(_np(ember.flip(x, axis=1)), np.flip(a, axis=1))
    assert np.array_equal(_np(ember.roll(x, 1, axis=(0, 1))), np.roll(a, 1, axis=(0, 1)))
    assert np.array_equal(_np(ember.squeeze(ember.ones(1, 3, 1), axis=(0, 2))), np.ones(3))
    with pytest.raises(ValueError, match="squeeze"):
        ember.squeeze(ember.ones(2, 3), axis=0)
    assert np.array_equal(_np(ember.tile(x, repetitions=(2, 1))), np.tile(a, (2, 1)))
    assert np.array_equal(_np(ember.argsort(x, axis=0, descending=True)), np.argsort(-a, axis=0, kind="stable"))
    assert np.array_equal(_np(ember.tensordot(x, x.T, axes=1)), np.tensordot(a, a.T, axes=1))
    assert ember.count_nonzero(x, axis=1, keepdims=True).shape == (3, 1)
    assert np.array_equal(_np(ember.max(x, axis=(0, 1), keepdims=True)), a.max(axis=(0, 1), keepdims=True))
    assert ember.min(x, axis=None, keepdims=True).shape == (1, 1)
    assert isinstance(ember.max(x, axis=0), tuple)  # torch's (values, indices) for one int axis
    r = ember.reshape(x, (4, 3), copy=True)
    r[0, 0] = 100
    assert x[0, 0].item() == 0
    with pytest.raises(ValueError, match="reshape"):
        ember.reshape(x.T, (12,), copy=False)


# ---- indexing --------------------------------------------------------------------------------------

def test_take_with_axis_and_take_along_axis():
    a = np.arange(12).reshape(3, 4)
    x = _noncontig(a)
    idx = np.array([3, -1, 0])
    assert np.array_equal(_np(ember.take(x, ember.asarray(idx), axis=1)), np.take(a, idx, axis=1))
    assert np.array_equal(_np(ember.take(ember.arange(5), ember.asarray([4, 0]))), [4, 0])  # torch's flat take
    order = np.argsort(-a, axis=1)
    assert np.array_equal(_np(ember.take_along_axis(x, ember.asarray(order), axis=1)),
                          np.take_along_axis(a, order, axis=1))
    assert np.array_equal(_np(ember.take_along_axis(x, ember.asarray([[-1, 0, 1, 2]]), axis=0)),
                          np.take_along_axis(a, np.array([[2, 0, 1, 2]]), axis=0))
    with pytest.raises(TypeError, match="take_along_axis"):
        ember.take_along_axis(x, ember.ones(3, 4), axis=1)
    with pytest.raises(ValueError, match="take_along_axis"):
        ember.take_along_axis(x, ember.asarray([0]), axis=0)


# ---- set functions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [[3.0, 1.0, 3.0, 2.0, 1.0], [], [5.0], [[2.0, 2.0], [0.0, 7.0]]])
def test_unique_family_against_numpy(values):
    a = np.array(values, dtype=np.float64)
    x = ember.asarray(a)
    u, i, inv, c = np.unique(a, return_index=True, return_inverse=True, return_counts=True)
    r = ember.unique_all(x)
    assert r._fields == ("values", "indices", "inverse_indices", "counts")
    assert np.array_equal(_np(r.values), u) and np.array_equal(_np(r.indices), i)
    assert np.array_equal(_np(r.inverse_indices), inv.reshape(a.shape)) and np.array_equal(_np(r.counts), c)
    assert r.inverse_indices.shape == x.shape and r.counts.dtype == ember.int64
    assert ember.unique_counts(x)._fields == ("values", "counts")
    assert ember.unique_inverse(x)._fields == ("values", "inverse_indices")
    assert np.array_equal(_np(ember.unique_values(x)), u)


def test_unique_nans_are_distinct():
    x = ember.asarray([float("nan"), 1.0, float("nan")])
    out = ember.unique_values(x)
    assert out.shape == (3,) and out[0].item() == 1.0 and math.isnan(out[1].item())
    assert ember.unique_counts(x).counts.tolist() == [1, 1, 1]


# ---- statistical and elementwise -------------------------------------------------------------------

@pytest.mark.parametrize("fn,npfn,initial", [(ember.cumulative_sum, np.cumsum, 0), (ember.cumulative_prod, np.cumprod, 1)])
def test_cumulative(fn, npfn, initial):
    a = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    x = _noncontig(a)
    out = fn(x, axis=1)
    assert out.dtype == ember.int64 and np.array_equal(_np(out), npfn(a, axis=1))
    out = fn(x, axis=0, include_initial=True)
    expected = np.concatenate([np.full((1, 3), initial), npfn(a, axis=0)])
    assert out.shape == (3, 3) and np.array_equal(_np(out), expected)
    assert fn(ember.asarray([1.5, 2.0]), dtype=ember.float64).dtype == ember.float64
    assert fn(ember.zeros(0), include_initial=True).tolist() == [initial]
    with pytest.raises(ValueError, match=fn.__name__):
        fn(x)  # axis is required past 1-D


def test_vecdot():
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(4.0)
    assert np.allclose(_np(ember.vecdot(ember.asarray(a), ember.asarray(b))), a @ b)
    assert np.allclose(_np(ember.vecdot(ember.asarray(a), ember.asarray(a), axis=0)), (a * a).sum(0))
    with pytest.raises(ValueError, match="vecdot"):
        ember.vecdot(ember.ones(3), ember.ones(4))


def test_nextafter_and_bitwise_invert():
    a = np.array([0.0, 1.0, -2.0], dtype=np.float32)
    b = np.array([1.0, 0.0, -3.0], dtype=np.float32)
    out = ember.nextafter(ember.asarray(a), ember.asarray(b))
    assert out.dtype == ember.float32 and np.array_equal(_np(out), np.nextafter(a, b))
    with pytest.raises(TypeError, match="nextafter"):
        ember.nextafter(ember.ones(2), ember.ones(2, dtype=ember.float64))
    i = np.array([0, 5, -3], dtype=np.int16)
    assert np.array_equal(_np(ember.bitwise_invert(ember.asarray(i))), np.invert(i))


def test_real_imag_conj_of_real_arrays():
    # the standard leaves imag() of a real array unspecified; ember refuses it, as torch does
    x = ember.asarray([1.0, -2.0])
    assert ember.real(x) is x and ember.conj(x) is x
    with pytest.raises(RuntimeError, match="imag"):
        ember.imag(x)


def test_linalg_trace_outer_tensordot():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ember.asarray(a)
    assert np.array_equal(_np(ember.linalg.trace(x)), np.trace(a, axis1=-2, axis2=-1))
    assert np.array_equal(_np(ember.linalg.trace(x, offset=1)), np.trace(a, offset=1, axis1=-2, axis2=-1))
    assert ember.linalg.trace(ember.ones(2, 2, dtype=ember.int8)).dtype == ember.int64
    assert np.array_equal(_np(ember.linalg.outer(ember.arange(3), ember.arange(2))), np.outer(np.arange(3), np.arange(2)))
    assert ember.linalg.tensordot is ember.tensordot
    assert np.allclose(_np(ember.linalg.vector_norm(x, axis=(1, 2), keepdims=True)),
                       np.sqrt((a * a).sum(axis=(1, 2), keepdims=True)))
    with pytest.raises(ValueError, match="linalg.trace"):
        ember.linalg.trace(ember.ones(3))


def test_zero_dim_inputs():
    s = ember.asarray(4.0)
    assert ember.expand_dims(s).shape == (1,)
    assert ember.permute_dims(s, ()).shape == ()
    assert ember.cumulative_sum(s).tolist() == [4.0]
    assert ember.unique_values(s).tolist() == [4.0]
    assert complex(s) == 4 + 0j


# ---- Tensor attributes and methods of the standard -------------------------------------------------

def test_tensor_attributes():
    x = ember.ones(2, 3)
    assert x.ndim == 2 and x.shape == (2, 3) and x.device == ember.device("cpu")
    assert x.to_device("cpu") is x and x.to_device(ember.device("cpu")) is x
    assert x.size() == (2, 3)  # a method, as in torch (the standard's `size` is the element count)
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert int(ember.asarray(3)) == 3 and float(ember.asarray(2.5)) == 2.5 and bool(ember.asarray(True))
    assert [10, 20, 30][ember.asarray(1)] == 20


def test_imatmul_keeps_shape():
    a = np.arange(4.0).reshape(2, 2)
    x = ember.asarray(a.copy())
    y = x
    x @= ember.asarray(a)
    assert x is y and np.array_equal(_np(x), a @ a)
    with pytest.raises(ValueError, match="__imatmul__"):
        z = ember.ones(2, 2)
        z @= ember.ones(2, 3)


def test_dlpack_keywords():
    x = ember.arange(4.0)
    a = np.from_dlpack(x)
    assert np.array_equal(a, np.arange(4.0))
    capsule = x.__dlpack__(max_version=(1, 0), dl_device=(1, 0), copy=True)
    assert capsule is not None and x.__dlpack_device__() == (1, 0)
    y = ember.from_dlpack(np.arange(3.0))
    assert y.tolist() == [0.0, 1.0, 2.0]


def test_from_dlpack_device_and_copy_and_diff_axis():
    a = np.arange(3.0)
    shared = ember.from_dlpack(a)
    copied = ember.from_dlpack(a, copy=True)
    a[0] = 9
    assert shared[0].item() == 9 and copied[0].item() == 0
    assert ember.from_dlpack(a, device="cpu").device == ember.device("cpu")
    m = np.arange(12.0).reshape(3, 4) ** 2
    assert np.array_equal(_np(ember.diff(ember.asarray(m), axis=0)), np.diff(m, axis=0))


def test_spec_call_forms_of_statistics():
    a = np.arange(1.0, 7.0).reshape(2, 3)
    x = ember.asarray(a)
    np.testing.assert_allclose(_np(ember.std(x, axis=1, correction=1.0, keepdims=True)),
                               a.std(axis=1, ddof=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(_np(ember.var(x, axis=(0, 1), correction=0)), a.var(), rtol=1e-6)
    np.testing.assert_allclose(_np(ember.prod(x, axis=1, keepdims=True)), a.prod(axis=1, keepdims=True))
    assert ember.sum(ember.ones(3, dtype=ember.int8)).dtype == ember.int64  # the default integer
    assert ember.argmax(x, axis=1, keepdims=True).shape == (2, 1)
    assert ember.all(x > 0, axis=(0, 1), keepdims=True).shape == (1, 1)
