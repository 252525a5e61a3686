"""Helpers for the reduction tests.

STAND-IN: `to_numpy` and `from_numpy` stand in for Tensor.numpy() and ember.tensor(ndarray),
which the interop work provides; they read and write a tensor's memory through ctypes. Once
interop is in, replace them with `t.numpy()` / `ember.tensor(a)`.
"""
import ctypes
import os
import subprocess
import sys

import numpy as np
import pytest

import ember

NP_OF = {
    ember.bool: np.bool_, ember.uint8: np.uint8, ember.int8: np.int8, ember.int16: np.int16,
    ember.int32: np.int32, ember.int64: np.int64, ember.float16: np.float16,
    ember.float32: np.float32, ember.float64: np.float64,
}
EMBER_OF = {np.dtype(v): k for k, v in NP_OF.items()}

INT_DTYPES = (ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64)
FLOAT_DTYPES = (ember.float32, ember.float64, ember.float16, ember.bfloat16)
ALL_DTYPES = (ember.bool,) + INT_DTYPES + FLOAT_DTYPES

# (rtol, atol) by result dtype
TOL = {
    ember.float64: (1e-10, 1e-12),
    ember.float32: (1e-5, 1e-6),
    ember.float16: (2e-3, 1e-3),
    ember.bfloat16: (1.6e-2, 1e-2),
}


def to_numpy(t):
    """A numpy copy of t's values (stand-in for t.numpy(); bfloat16 comes back as float32)."""
    if t.dtype == ember.bfloat16:
        t = t.float()
    c = t.contiguous()
    dtype = np.dtype(NP_OF[c.dtype])
    n = c.numel()
    if n == 0:
        return np.zeros(tuple(c.shape), dtype)
    buf = (ctypes.c_char * (n * dtype.itemsize)).from_address(c._impl.data_ptr())
    return np.frombuffer(buf, dtype=dtype, count=n).reshape(tuple(c.shape)).copy()


def from_numpy(a, dtype=None):
    """An ember tensor holding a copy of `a` (stand-in for ember.tensor(a)), then cast to dtype."""
    a = np.ascontiguousarray(a)
    if a.dtype == np.float64 and dtype in (ember.float32, ember.float16, ember.bfloat16):
        a = a.astype(np.float32)
    t = ember.empty(*a.shape, dtype=EMBER_OF[a.dtype])
    if a.size:
        ctypes.memmove(t._impl.data_ptr(), a.ctypes.data, a.nbytes)
    return t if dtype is None else t.to(dtype)


def sample(rng, shape, dtype, low=-5, high=5):
    """Random values exactly representable in `dtype`, as (numpy reference, ember tensor).

    The reference is float64 for floats (bfloat16/float16 values rounded first), int64 for
    integers and bool for bool, so numpy computes the exact answer to compare against.
    """
    if dtype == ember.bool:
        a = rng.random(shape) < 0.5
        return a, from_numpy(a)
    if dtype in INT_DTYPES:
        lo = 0 if dtype == ember.uint8 else low
        a = rng.integers(lo, high, size=shape).astype(NP_OF[dtype])
        return a.astype(np.int64), from_numpy(a)
    a = rng.uniform(low, high, size=shape).astype(np.float32)
    t = from_numpy(a, dtype)
    return to_numpy(t).astype(np.float64), t


def check(actual, expected, dtype, rtol=None, atol=None):
    """actual (ember tensor) matches expected (numpy) in dtype, shape and values (NaN == NaN)."""
    assert actual.dtype == dtype, f"dtype {actual.dtype} != {dtype}"
    expected = np.asarray(expected)
    assert tuple(actual.shape) == expected.shape, f"shape {tuple(actual.shape)} != {expected.shape}"
    got = to_numpy(actual)
    if dtype not in TOL:
        np.testing.assert_array_equal(got, expected.astype(got.dtype))
        return
    r, a = TOL[dtype]
    if dtype == ember.float16:  # the reference overflows where float16 does
        with np.errstate(over="ignore"):
            expected = expected.astype(np.float16)
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64),
                               rtol=r if rtol is None else rtol, atol=a if atol is None else atol,
                               equal_nan=True)


def layouts(a, t):
    """(name, numpy view, ember view) pairs of the same values in several memory layouts."""
    out = [("contiguous", a, t)]
    if a.ndim >= 2:
        out.append(("transposed", a.swapaxes(0, -1), t.transpose(0, -1)))
        out.append(("stepped", a[::2], t[::2]))
    if a.ndim >= 1 and a.shape[-1] > 1:
        out.append(("negative step", a[..., ::-1], t[..., ::-1]))
    return out


def run_isa_subprocess(isa, code):
    """Runs `code` in a fresh interpreter with EMBER_CPU_ISA=isa; fails the test on error."""
    env = dict(os.environ, EMBER_CPU_ISA=isa)
    # Spinning OpenMP workers crawl when the test machine is oversubscribed (parallel test
    # runners); sleeping ones keep this correctness check quick.
    env.setdefault("OMP_WAIT_POLICY", "passive")
    here = os.path.dirname(__file__)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.fail(f"EMBER_CPU_ISA={isa} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout
