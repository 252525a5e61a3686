"""NumPy and DLPack interop: memory shared both ways, correct strides, lifetimes."""
import gc

import numpy as np
import pytest

import ember
from conftest import assert_equal, dtype_name, ember_dtype, to_numpy

SHARED_DTYPES = [np.float32, np.float64, np.float16, np.int8, np.uint8, np.int16, np.int32,
                 np.int64, np.bool_]


# --- ember.from_numpy -----------------------------------------------------------------

@pytest.mark.parametrize("np_dtype", SHARED_DTYPES, ids=lambda d: np.dtype(d).name)
def test_from_numpy_shares_memory_and_keeps_dtype(np_dtype):
    a = np.zeros((2, 3), dtype=np_dtype)
    t = ember.from_numpy(a)
    assert t.dtype == ember_dtype(np_dtype)
    assert t.shape == (2, 3)
    assert t.data_ptr() == a.ctypes.data
    a[1, 2] = 1
    assert to_numpy(t)[1, 2] == 1
    t.fill_(1)
    assert a.all()


def test_from_numpy_of_non_contiguous_array_keeps_strides():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    view = a[:, ::2]
    t = ember.from_numpy(view)
    assert t.stride() == (6, 2)
    assert_equal(t, view.copy())
    t.add_(100)
    assert a[0, 0] == 100 and a[0, 1] == 1  # only the viewed elements changed
    tt = ember.from_numpy(a.T)
    assert tt.stride() == (1, 6)
    assert_equal(tt, a.T.copy())


def test_from_numpy_of_zero_dim_and_empty_arrays():
    assert ember.from_numpy(np.array(3.5)).shape == ()
    assert ember.from_numpy(np.array(3.5)).item() == 3.5
    assert ember.from_numpy(np.zeros((0, 4))).shape == (0, 4)


def test_from_numpy_keeps_the_array_alive():
    t = ember.from_numpy(np.arange(1000, dtype=np.int64))
    gc.collect()
    _ = [np.ones(1000) for _ in range(10)]
    assert t.sum().item() == 999 * 1000 // 2


# --- Tensor.numpy / __array__ -----------------------------------------------------------

@pytest.mark.parametrize("np_dtype", SHARED_DTYPES, ids=lambda d: np.dtype(d).name)
def test_numpy_shares_memory(np_dtype):
    t = ember.zeros(2, 3, dtype=ember_dtype(np_dtype))
    a = t.numpy()
    assert a.dtype == np.dtype(np_dtype)
    assert a.shape == (2, 3)
    assert a.ctypes.data == t.data_ptr()
    t.fill_(1)
    assert a.all()
    a[0, 0] = 0
    assert to_numpy(t)[0, 0] == 0


def test_numpy_of_a_view_has_matching_strides():
    base = ember.arange(12, dtype=ember.float32).view(3, 4)
    a = base.t().numpy()
    assert a.shape == (4, 3)
    assert a.strides == (4, 16)
    np.testing.assert_array_equal(a, np.arange(12, dtype=np.float32).reshape(3, 4).T)
    s = base[1:, ::2].numpy()
    assert s.strides == (16, 8)
    np.testing.assert_array_equal(s, [[4, 6], [8, 10]])
    e = ember.ones(1, 4).expand(3, 4).numpy()
    assert e.strides[0] == 0


def test_numpy_keeps_the_tensor_alive():
    a = (ember.arange(1000, dtype=ember.int64) * 2).numpy()
    gc.collect()
    _ = [ember.ones(1000) for _ in range(10)]
    assert a.sum() == 999 * 1000


def test_numpy_of_zero_dim_tensor():
    a = ember.tensor(2.5).numpy()
    assert a.shape == () and a == 2.5


def test_array_protocol():
    t = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.shape == (2, 2)
    np.testing.assert_array_equal(a, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(np.array(t, dtype=np.float64), [[1, 2], [3, 4]])
    assert np.array(t, dtype=np.float64).dtype == np.float64
    assert np.asarray(t.t()).tolist() == [[1, 3], [2, 4]]
    t.add_(1)
    assert a[0, 0] == 2.0  # np.asarray shares memory, like Tensor.numpy()


def test_round_trip_through_numpy_preserves_values(rng):
    values = rng.normal(size=(7, 5))
    for dtype in (ember.float64, ember.float32, ember.float16):
        t = ember.tensor(values, dtype=dtype)
        back = ember.from_numpy(t.numpy())
        assert back.dtype == dtype
        assert_equal(back, to_numpy(t))


def test_ember_ops_accept_tensors_made_from_numpy_views():
    a = np.arange(20, dtype=np.float64).reshape(4, 5)
    t = ember.from_numpy(a[1:, ::2])
    assert_equal(t * 2, a[1:, ::2] * 2)
    assert_equal(t.sum(dim=0), a[1:, ::2].sum(axis=0))


# --- DLPack -----------------------------------------------------------------------------------

DLPACK_DTYPES = [ember.float32, ember.float64, ember.int64, ember.int32, ember.uint8,
                 ember.int8, ember.float16]


@pytest.mark.parametrize("dtype", DLPACK_DTYPES, ids=dtype_name)
def test_numpy_from_dlpack_shares_memory(dtype):
    t = ember.arange(6, dtype=dtype).view(2, 3)
    a = np.from_dlpack(t)
    assert a.shape == (2, 3)
    np.testing.assert_array_equal(a, np.arange(6).reshape(2, 3))
    t.add_(1)
    np.testing.assert_array_equal(a, np.arange(1, 7).reshape(2, 3))


@pytest.mark.parametrize("dtype", DLPACK_DTYPES, ids=dtype_name)
def test_ember_from_dlpack_of_numpy_shares_memory(dtype):
    a = np.arange(6).reshape(2, 3).astype(to_numpy(ember.zeros(1, dtype=dtype)).dtype)
    t = ember.from_dlpack(a)
    assert t.dtype == dtype and t.shape == (2, 3)
    a += 1
    assert_equal(t, np.arange(1, 7).reshape(2, 3).astype(a.dtype))


def test_dlpack_of_non_contiguous_tensor():
    base = ember.arange(12, dtype=ember.float32).view(3, 4)
    a = np.from_dlpack(base.t())
    np.testing.assert_array_equal(a, np.arange(12, dtype=np.float32).reshape(3, 4).T)
    b = np.from_dlpack(base[:, 1::2])
    np.testing.assert_array_equal(b, [[1, 3], [5, 7], [9, 11]])


def test_dlpack_of_non_contiguous_numpy_array():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    t = ember.from_dlpack(a[:, ::2])
    assert_equal(t, a[:, ::2].copy())
    t2 = ember.from_dlpack(a.T)
    assert_equal(t2, a.T.copy())


def test_dlpack_device_is_cpu():
    device_type, device_id = ember.ones(2).__dlpack_device__()
    assert int(device_type) == 1  # kDLCPU
    assert device_id == 0


def test_dlpack_round_trip_ember_to_ember():
    t = ember.arange(5, dtype=ember.float64)
    u = ember.from_dlpack(t)
    assert_equal(u, np.arange(5, dtype=np.float64))
    assert u.data_ptr() == t.data_ptr()


def test_dlpack_keeps_the_producer_alive():
    a = np.from_dlpack(ember.arange(1000, dtype=ember.int64) * 3)
    gc.collect()
    _ = [ember.ones(1000) for _ in range(10)]
    assert a.sum() == 3 * 999 * 1000 // 2


def test_dlpack_with_torch_both_ways():
    torch = pytest.importorskip("torch")
    t = ember.arange(6, dtype=ember.float32)
    tt = torch.from_dlpack(t)
    assert tt.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    tt.mul_(2)
    assert t.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    src = torch.arange(4, dtype=torch.int64)
    e = ember.from_dlpack(src)
    assert e.dtype == ember.int64
    src.add_(1)
    assert e.tolist() == [1, 2, 3, 4]
