"""Sizes that overflow int64, and allocations that cannot succeed: every one is a clear error
naming the op and the shape (or the bytes asked), never a wrong tensor, a crash or a hang, and
the process stays usable after it."""
import numpy as np
import pytest

import ember
from conftest import backend_is_torch

pytestmark = pytest.mark.skipif(backend_is_torch(), reason="ember's own size checks")

BIG = 2 ** 62


@pytest.mark.parametrize("name,call,match", [
    ("ones", lambda: ember.ones(2 ** 40, 2 ** 40), r"empty: shape \[1099511627776, 1099511627776\]"),
    ("zeros", lambda: ember.zeros(2 ** 33, 2 ** 33), "more elements than int64"),
    ("randn", lambda: ember.randn(2 ** 40, 2 ** 40), "more elements than int64"),
    ("full", lambda: ember.full((2 ** 33, 2 ** 33), 1.0), "more elements than int64"),
    ("eye", lambda: ember.eye(2 ** 40), "more elements than int64"),
    ("new_empty", lambda: ember.ones(2).new_empty((2 ** 40, 2 ** 40)), "more elements than int64"),
    ("repeat", lambda: ember.ones(4).repeat(BIG), r"repeat: size 4 \* 4611686018427387904 overflows"),
    ("tile", lambda: ember.ones(2, 2).tile(BIG, 8), "repeat: size .* overflows"),
    ("repeat_interleave", lambda: ember.ones(4).repeat_interleave(BIG), "repeat_interleave: size .* overflows"),
    ("cat", lambda: ember.cat([ember.ones(1).expand(BIG), ember.ones(1).expand(BIG)]), "cat: size .* overflows"),
    ("arange int", lambda: ember.arange(-2 ** 63, 2 ** 63 - 1), "arange: the range .* more elements"),
    ("arange float", lambda: ember.arange(0, 1e300, 1e-300), "arange: the range .* more elements"),
    ("empty_strided", lambda: ember.empty_strided((2, 2), (BIG, BIG)), "empty_strided: extent .* overflows"),
    ("as_strided", lambda: ember.ones(4).as_strided((2, 2), (BIG, BIG)), "reaches past int64"),
    ("as_strided wrap", lambda: ember.ones(4).as_strided((3,), (2 ** 63 - 1,)), "reaches past int64"),
    ("conv1d", lambda: ember.nn.functional.conv1d(ember.ones(1, 1, 4), ember.ones(1, 1, 2), padding=BIG),
     "conv1d: padded size .* overflows"),
    ("kron", lambda: ember.kron(ember.ones(1).expand(2 ** 32), ember.ones(1).expand(2 ** 32)), "more elements"),
    ("outer", lambda: ember.outer(ember.ones(1).expand(2 ** 32), ember.ones(1).expand(2 ** 32)), "more elements"),
    ("size past int64", lambda: ember.ones(2 ** 70), r"size 1180591620717411303424 .* does not fit in int64"),
    ("interpolate", lambda: ember.nn.functional.interpolate(ember.ones(1, 1, 4), scale_factor=1e30),
     "interpolate: the output size .* does not fit"),
    ("reshape", lambda: ember.ones(4).reshape(BIG, -1), r"reshape: shape \[4611686018427387904, -1\] is invalid"),
])
def test_overflowing_sizes_raise(name, call, match):
    with pytest.raises((ValueError, RuntimeError)) as info:
        call()
    assert info.match(match), f"{name}: {info.value}"
    assert not isinstance(info.value, ember.OutOfMemoryError)


@pytest.mark.parametrize("call", [
    lambda: ember.empty(2 ** 62),  # 2^64 bytes: more than an address space
    lambda: ember.empty(2 ** 61, dtype=ember.float64),
    lambda: ember.zeros(2 ** 31, 2 ** 31),
    lambda: ember.empty(10 ** 13),  # 40 TB: addressable, but more than any machine here has
    lambda: ember.ones(1).expand(2 ** 40) + ember.ones(2 ** 40, 1).expand(2 ** 40, 1)[:1],
])
def test_failed_allocation_is_out_of_memory(call):
    with pytest.raises(ember.OutOfMemoryError, match="out of memory: tried to allocate") as info:
        call()
    assert isinstance(info.value, RuntimeError) and "bytes" in str(info.value)
    assert ember.ones(3).sum().item() == 3  # the process goes on


def test_out_of_memory_names_the_cache():
    kept = [ember.empty(1 << 18) for _ in range(4)]  # 1 MiB buffers, cached once freed
    del kept
    with pytest.raises(ember.OutOfMemoryError, match=r"cache held .* MiB, released before retrying"):
        ember.empty(10 ** 13)


def test_views_of_huge_logical_size_stay_views():
    # stride-0 views may count more elements than memory holds: they are valid, as in numpy
    big = ember.ones(1).expand(BIG)
    assert big.shape == (BIG,) and big[BIG - 1].item() == 1
    strided = np.lib.stride_tricks.as_strided(np.zeros(4), shape=(2 ** 40,), strides=(0,))
    assert ember.from_numpy(strided).shape == (2 ** 40,)


def _capsule(array, shape, strides):
    """A DLPack capsule over `array`'s memory with the given shape and strides (in elements),
    written by hand as a foreign producer could write it."""
    import ctypes

    class Device(ctypes.Structure):
        _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]

    class DataType(ctypes.Structure):
        _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]

    class DLTensor(ctypes.Structure):
        _fields_ = [("data", ctypes.c_void_p), ("device", Device), ("ndim", ctypes.c_int), ("dtype", DataType),
                    ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                    ("byte_offset", ctypes.c_uint64)]

    class Managed(ctypes.Structure):
        _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]

    n = len(shape)
    shape_arr, stride_arr = (ctypes.c_int64 * n)(*shape), (ctypes.c_int64 * n)(*strides)
    managed = Managed(DLTensor(array.ctypes.data, Device(1, 0), n, DataType(2, 32, 1), shape_arr, stride_arr, 0),
                      None, None)
    new = ctypes.pythonapi.PyCapsule_New
    new.restype, new.argtypes = ctypes.py_object, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    capsule = new(ctypes.addressof(managed), b"dltensor", None)
    return capsule, (managed, shape_arr, stride_arr, array)  # the parts must outlive the capsule's use


def test_foreign_dlpack_sizes_are_checked():
    data = np.arange(4, dtype=np.float32)
    capsule, keep = _capsule(data, (2, 2), (2, 1))
    assert ember.from_dlpack(capsule).tolist() == [[0, 1], [2, 3]]  # a well-formed capsule
    for shape, strides in [((2, 2), (2 ** 62, 2 ** 62)), ((3,), (2 ** 63 - 1,)), ((2 ** 40, 2 ** 40), (1, 1))]:
        capsule, keep = _capsule(data, shape, strides)
        with pytest.raises((ValueError, RuntimeError), match="from_blob|overflow|int64"):
            ember.from_dlpack(capsule)
    capsule, keep = _capsule(data, (-1,), (1,))
    with pytest.raises(ValueError, match="negative"):
        ember.from_dlpack(capsule)
