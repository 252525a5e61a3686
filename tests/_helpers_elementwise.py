"""Helpers for the elementwise tests.

STAND-IN: `from_array` and `to_array` move values between numpy and ember through raw memory
(`empty` + ctypes.memmove, and `data_ptr` + numpy.frombuffer) because numpy interop
(ember.tensor(ndarray), Tensor.numpy()) is written elsewhere in parallel. Once it is on this
branch, these two functions become `ember.tensor(array, dtype=...)` and `t.numpy()`.
"""
import ctypes

import numpy as np

import ember

NP = {
    ember.bool: np.bool_, ember.uint8: np.uint8, ember.int8: np.int8, ember.int16: np.int16,
    ember.int32: np.int32, ember.int64: np.int64, ember.float16: np.float16,
    ember.float32: np.float32, ember.float64: np.float64,
}
ALL = (ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
       ember.float16, ember.bfloat16, ember.float32, ember.float64)
FLOATS = (ember.float16, ember.bfloat16, ember.float32, ember.float64)
INTS = (ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64)


def np_dtype(dtype):
    """The numpy dtype holding `dtype`'s values (float32 for bfloat16)."""
    return np.dtype(np.float32 if dtype == ember.bfloat16 else NP[dtype])


def _bf16_bits(a):
    """float32 -> bfloat16 bits, round to nearest even (NaN stays NaN)."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(np.asarray(a, dtype=np.float32))
    return np.where(nan, np.uint16(0x7FC0), rounded)


def from_array(array, dtype=None):
    """A new contiguous ember tensor with `array`'s values (converted to `dtype`)."""
    array = np.asarray(array)
    if dtype is None:
        dtype = {v: k for k, v in NP.items()}[np.dtype(array.dtype).type]
    if dtype == ember.bfloat16:
        raw = _bf16_bits(array.astype(np.float32))
    else:
        raw = np.ascontiguousarray(array.astype(NP[dtype]))
    t = ember.empty(*array.shape, dtype=dtype) if array.ndim else ember.empty((), dtype=dtype)
    if raw.nbytes:
        ctypes.memmove(t._impl.data_ptr(), raw.ctypes.data, raw.nbytes)
    return t


def to_array(t):
    """A numpy copy of `t`'s values (bfloat16 comes back as float32, exactly)."""
    c = t._impl.contiguous()
    n = c.numel()
    if t.dtype == ember.bfloat16:
        buf = (ctypes.c_uint16 * n).from_address(c.data_ptr()) if n else b""
        bits = np.frombuffer(buf, dtype=np.uint16, count=n).astype(np.uint32) << 16
        return bits.view(np.float32).reshape(tuple(c.shape)).copy()
    dt = np.dtype(NP[t.dtype])
    buf = (ctypes.c_char * (n * dt.itemsize)).from_address(c.data_ptr()) if n else b""
    return np.frombuffer(buf, dtype=dt, count=n).reshape(tuple(c.shape)).copy()


def round_like(values, dtype):
    """`values` (a float64 or int array) as `dtype` stores them, back as a numpy array."""
    return to_array(from_array(values, dtype))


def check(actual, expected, dtype, rtol=None, atol=None):
    """dtype, shape and values of an ember tensor against a numpy reference (NaN == NaN)."""
    assert actual.dtype == dtype, f"dtype: got {actual.dtype}, expected {dtype}"
    expected = np.asarray(expected)
    assert tuple(actual.shape) == expected.shape, f"shape: got {tuple(actual.shape)}, expected {expected.shape}"
    got = to_array(actual)
    if dtype not in FLOATS:
        np.testing.assert_array_equal(got, expected.astype(np_dtype(dtype)))
        return
    default = {ember.float64: (1e-12, 1e-300), ember.float32: (2e-6, 1e-30),
               ember.float16: (1e-3, 1e-7), ember.bfloat16: (8e-3, 1e-30)}[dtype]
    with np.errstate(all="ignore"):
        want = round_like(expected.astype(np.float64), dtype) if dtype != ember.float64 else expected
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                               rtol=default[0] if rtol is None else rtol,
                               atol=default[1] if atol is None else atol, equal_nan=True)
