"""numpy and DLPack interop: memory is shared both ways (no copies), views and negative
strides survive, owners stay alive as long as needed, and refused inputs say why."""
import gc
import sys
import warnings
import weakref

import numpy as np
import pytest

import ember
from conftest import ALL_DTYPES, NUMPY_TYPES, ember_dtype, numpy_dtype


def _values(np_dtype, shape=(3, 4)):
    n = int(np.prod(shape))
    if np_dtype is np.bool_:
        return (np.arange(n) % 3 == 0).reshape(shape)
    return (np.arange(n) % 100).astype(np_dtype).reshape(shape)


# ---------------------------------------------------------------------------
# from_numpy
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("np_dtype", NUMPY_TYPES)
def test_from_numpy_every_dtype_shares_memory(np_dtype):
    a = _values(np_dtype)
    t = ember.from_numpy(a)
    assert t.dtype == ember_dtype(np_dtype) and tuple(t.shape) == a.shape
    assert t.data_ptr() == a.ctypes.data
    assert t.tolist() == a.tolist()
    a[1, 2] = 1  # writes through numpy show in the tensor
    assert t[1, 2].item() == 1
    t[0, 0] = 0  # and the other way round
    assert a[0, 0] == 0


def test_from_numpy_views_and_negative_strides():
    base = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    for view in (base[:, ::2, 1:], base.transpose(2, 0, 1), base[::-1], base[:, ::-2, ::-3], base[1, :, 2]):
        t = ember.from_numpy(view)
        assert tuple(t.shape) == view.shape
        assert t.stride() == tuple(s // 4 for s in view.strides)
        assert t.tolist() == view.tolist()
        np.testing.assert_array_equal(np.asarray(t.contiguous().numpy()), view)
    rev = base[::-1, ::-1]
    t = ember.from_numpy(rev)
    t[0, 0, 0] = -7
    assert base[2, 3, 0] == -7


def test_from_numpy_zero_dim_and_zero_size():
    t = ember.from_numpy(np.array(2.5))
    assert t.shape == () and t.item() == 2.5 and t.dtype == ember.float64
    for shape in [(0,), (3, 0), (0, 4, 2)]:
        e = ember.from_numpy(np.zeros(shape, dtype=np.int32))
        assert tuple(e.shape) == shape and e.numel() == 0 and e.dtype == ember.int32
        assert e.numpy().shape == shape
    odd = np.zeros((4, 0), dtype=np.float32)[::-1]
    assert tuple(ember.from_numpy(odd).shape) == (4, 0)


def test_tensor_keeps_the_array_alive():
    a = np.arange(10, dtype=np.float64)
    ref = weakref.ref(a) if hasattr(a, "__weakref__") else None
    count = sys.getrefcount(a)
    t = ember.from_numpy(a)
    assert sys.getrefcount(a) == count + 1
    del a
    gc.collect()
    assert t.tolist() == list(range(10))  # still valid memory
    view = t[2:5]
    del t
    gc.collect()
    assert view.tolist() == [2.0, 3.0, 4.0]
    del view
    gc.collect()
    if ref is not None:
        assert ref() is None  # released once the last tensor died


@pytest.mark.parametrize("bad", [
    np.array(["a", "b"]), np.array([object()]), np.zeros(2, dtype=np.uint16),
    np.zeros(2, dtype=np.uint32), np.zeros(2, dtype=np.uint64), np.zeros(2, dtype="datetime64[s]"),
])
def test_from_numpy_unsupported_dtypes(bad):
    with pytest.raises(TypeError, match="dtype"):
        ember.from_numpy(bad)


def test_from_numpy_refused_layouts():
    swapped = np.arange(4, dtype=">f4")
    with pytest.raises(ValueError, match="byte order"):
        ember.from_numpy(swapped)
    buf = np.zeros(17, dtype=np.uint8)
    unaligned = buf[1:].view(np.float32)
    assert not unaligned.flags.aligned
    with pytest.raises(ValueError, match="aligned"):
        ember.from_numpy(unaligned)
    odd_strides = np.lib.stride_tricks.as_strided(np.zeros(8, dtype=np.int32), shape=(3,), strides=(6,))
    with pytest.raises(ValueError):
        ember.from_numpy(odd_strides)
    # the stride of a size-1 dim never matters, whatever its value
    one = np.lib.stride_tricks.as_strided(np.arange(8, dtype=np.int32), shape=(1, 3), strides=(6, 8))
    assert ember.from_numpy(one).tolist() == [[0, 2, 4]]
    with pytest.raises(TypeError, match="np.ndarray"):
        ember.from_numpy([1, 2, 3])


def test_from_numpy_read_only_warns_and_shares():
    a = np.arange(3.0)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):
        t = ember.from_numpy(a)
    assert t.data_ptr() == a.ctypes.data


# ---------------------------------------------------------------------------
# numpy(), __array__, tolist
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES if d != ember.bfloat16])
def test_numpy_shares_memory(dtype):
    t = ember.zeros(2, 3, dtype=dtype)
    a = t.numpy()
    assert a.dtype == numpy_dtype(dtype) and a.shape == (2, 3) and a.flags.writeable
    assert a.ctypes.data == t.data_ptr()
    a[1, 1] = 1
    assert t[1, 1].item() == 1
    t[0, 2] = 1
    assert a[0, 2] == 1


def test_numpy_of_views_and_negative_strides():
    t = ember.arange(24, dtype=ember.float32).reshape(2, 3, 4)
    for view in (t.transpose(0, 2), t[:, 1], t[..., ::2], t[:, ::-1, ::-2], t.expand(2, 2, 3, 4)):
        a = view.numpy()
        assert a.shape == tuple(view.shape)
        assert a.strides == tuple(s * 4 for s in view.stride())
        assert a.tolist() == view.tolist()
        assert np.shares_memory(a, t.numpy())
    r = t[::-1].numpy()
    r[0, 0, 0] = 100
    assert t[1, 0, 0].item() == 100


def test_numpy_keeps_the_tensor_alive_and_zero_size():
    a = ember.arange(5).numpy()
    gc.collect()
    assert a.tolist() == [0, 1, 2, 3, 4]
    assert ember.tensor(3.5).numpy().shape == ()
    assert ember.zeros(0, 3).numpy().shape == (0, 3)


def test_numpy_bfloat16_and_force():
    t = ember.ones(2, dtype=ember.bfloat16)
    with pytest.raises(TypeError, match=r"numpy has no bfloat16; call \.float\(\) first"):
        t.numpy()
    assert t.float().numpy().tolist() == [1.0, 1.0]
    assert t.tolist() == [1.0, 1.0]
    assert np.asarray(t).dtype == np.float32  # __array__ converts, as a copy
    with pytest.raises(ValueError, match="copy=False"):
        t.__array__(copy=False)
    x = ember.ones(3)
    assert np.shares_memory(x.numpy(force=True), x.numpy())  # already on the CPU: no copy


def test_array_protocol():
    t = ember.arange(6, dtype=ember.float32).reshape(2, 3)
    a = np.asarray(t)
    assert np.shares_memory(a, t.numpy())
    assert not np.shares_memory(np.array(t), t.numpy())  # np.array copies by default
    d = np.asarray(t, dtype=np.float64)
    assert d.dtype == np.float64 and d.tolist() == t.tolist()
    with pytest.raises(ValueError):
        t.__array__(dtype=np.float64, copy=False)
    c = t.__array__(copy=True)
    assert not np.shares_memory(c, t.numpy())
    assert (np.ones(3) + ember.arange(3).numpy()).tolist() == [1.0, 2.0, 3.0]
    assert np.sum(t) == 15.0


def test_tolist():
    assert ember.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ember.tensor(2.5).tolist() == 2.5
    assert ember.tensor(True).tolist() is True
    big = ember.tensor([2**62 + 1, -(2**63)])
    assert big.tolist() == [2**62 + 1, -(2**63)]
    assert all(type(v) is int for v in big.tolist())
    assert ember.tensor([1.5, 2.0], dtype=ember.float16).tolist() == [1.5, 2.0]
    assert ember.tensor([1.5, -3.0], dtype=ember.bfloat16).tolist() == [1.5, -3.0]
    assert ember.zeros(2, 0).tolist() == [[], []]
    assert ember.arange(6).reshape(2, 3).t().tolist() == [[0, 3], [1, 4], [2, 5]]
    assert ember.tensor([True, False]).tolist() == [True, False]


def test_numpy_or_float_helper_still_works():
    assert ember.ones(2, dtype=ember.bfloat16)._numpy_or_float().dtype == np.float32
    assert ember.ones(2, dtype=ember.int32)._numpy_or_float().dtype == np.int32


# ---------------------------------------------------------------------------
# DLPack
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES if d != ember.bfloat16])
def test_dlpack_to_numpy_shares_memory(dtype):
    t = ember.arange(6).reshape(2, 3).to(dtype)
    a = np.from_dlpack(t)
    assert a.dtype == numpy_dtype(dtype) and a.shape == (2, 3)
    assert a.ctypes.data == t.data_ptr()
    np.testing.assert_array_equal(a, t.numpy())


@pytest.mark.parametrize("np_dtype", NUMPY_TYPES)
def test_dlpack_from_numpy_shares_memory(np_dtype):
    a = _values(np_dtype)
    t = ember.from_dlpack(a)
    assert t.dtype == ember_dtype(np_dtype) and t.data_ptr() == a.ctypes.data
    assert t.tolist() == a.tolist()
    t[2, 3] = 1
    assert a[2, 3] == 1


def test_dlpack_views_round_trip():
    t = ember.arange(24, dtype=ember.float64).reshape(4, 6)
    for view in (t.t(), t[::2, 1::2], t[1]):
        a = np.from_dlpack(view)
        assert a.tolist() == view.tolist() and np.shares_memory(a, t.numpy())
        back = ember.from_dlpack(a)
        assert back.data_ptr() == view.data_ptr() and back.stride() == view.stride()
    base = np.arange(12.0).reshape(3, 4)
    for view in (base.T, base[::2, ::-1], base[:, 1]):
        e = ember.from_dlpack(view)
        assert e.tolist() == view.tolist() and e.data_ptr() == view.ctypes.data
    assert ember.from_dlpack(np.array(2.0)).shape == ()
    assert ember.from_dlpack(np.zeros((0, 5))).shape == (0, 5)


def test_dlpack_keeps_the_producer_alive():
    t = ember.arange(5, dtype=ember.float32)
    a = np.from_dlpack(t)
    del t
    gc.collect()
    assert a.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    src = np.arange(4.0)
    e = ember.from_dlpack(src)
    count = sys.getrefcount(src)
    del e
    gc.collect()
    assert sys.getrefcount(src) <= count  # the capsule's reference went with the tensor


def test_dlpack_capsules():
    t = ember.arange(3)
    cap = t.__dlpack__()
    assert type(cap).__name__ == "PyCapsule" and "dltensor" in repr(cap)
    v = t.__dlpack__(max_version=(1, 0))
    assert "dltensor_versioned" in repr(v)
    e = ember.from_dlpack(cap)
    assert e.tolist() == [0, 1, 2] and e.data_ptr() == t.data_ptr()
    assert "used_dltensor" in repr(cap)
    with pytest.raises(ValueError, match="already consumed"):
        ember.from_dlpack(cap)
    assert ember.from_dlpack(v).data_ptr() == t.data_ptr()
    unused = [t.__dlpack__(), t.__dlpack__(max_version=(1, 0))]
    del unused  # unconsumed capsules free what they own
    assert t.__dlpack_device__() == (1, 0)
    copied = ember.from_dlpack(t.__dlpack__(copy=True))
    assert copied.tolist() == t.tolist() and copied.data_ptr() != t.data_ptr()
    assert ember.from_dlpack(t.__dlpack__(dl_device=(1, 0))).data_ptr() == t.data_ptr()
    with pytest.raises(BufferError):
        t.__dlpack__(dl_device=(2, 0))
    with pytest.raises(TypeError, match="capsule"):
        ember.from_dlpack(42)


def test_bfloat16_through_dlpack_between_ember_tensors():
    t = ember.tensor([1.5, -2.0], dtype=ember.bfloat16)
    e = ember.from_dlpack(t)
    assert e.dtype == ember.bfloat16 and e.data_ptr() == t.data_ptr() and e.tolist() == [1.5, -2.0]


def test_read_only_numpy_through_versioned_dlpack_is_copied():
    a = np.arange(4.0)
    a.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = ember.from_dlpack(a)
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0] and t.data_ptr() != a.ctypes.data


def test_torch_dlpack_round_trip():
    torch = pytest.importorskip("torch")
    t = ember.arange(6, dtype=ember.float32).reshape(2, 3)
    pt = torch.from_dlpack(t)
    assert pt.data_ptr() == t.data_ptr() and pt.tolist() == t.tolist()
    back = ember.from_dlpack(torch.arange(4, dtype=torch.int32))
    assert back.dtype == ember.int32 and back.tolist() == [0, 1, 2, 3]
    bf = ember.from_dlpack(torch.tensor([1.5, 2.5], dtype=torch.bfloat16))
    assert bf.dtype == ember.bfloat16 and bf.tolist() == [1.5, 2.5]
    tb = torch.from_dlpack(ember.tensor([True, False]))
    assert tb.dtype == torch.bool and tb.tolist() == [True, False]
