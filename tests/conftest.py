"""Shared helpers for the ember test suite.

The suite tests ember's Python API, which is PyTorch's API under the name `ember`.
Every value is checked against a NumPy reference; tests that compare with PyTorch
itself call `pytest.importorskip("torch")` inside the test, so the suite runs
without torch installed.

Tests marked `ember_only` cover behaviour that ember defines and PyTorch lacks
(negative-step slicing, ember's own names in messages and reprs). When `ember` is
PyTorch itself (a check that the suite encodes PyTorch's semantics), they are
skipped; set EMBER_TESTS_RUN_EMBER_ONLY=1 to run them anyway.

EMBER_TEST_DEVICE=cuda (or cuda:N) runs the tests that take the `device` fixture on that GPU
and stops the run at once if ember cannot use it; tests that need a GPU whatever the setting
(test_cuda_ops.py, the GPU half of test_cuda_runtime.py) carry `requires_cuda` and skip
without one.
"""
import os
import re
import subprocess
import sys

# Under pytest-xdist each worker is a process of its own: two workers with two OpenMP threads
# each on a two-core machine make every parallel region wait for a descheduled thread (the
# suite then runs several times slower). One thread per worker keeps the cores busy; the
# tests that check thread-count independence set their thread counts explicitly. This must
# happen before ember (and torch) start their thread pools.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ember  # noqa: E402

# ---------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------

BOOL_DTYPES = (ember.bool,)
INT_DTYPES = (ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64)
FLOAT_DTYPES = (ember.float32, ember.float64, ember.float16, ember.bfloat16)
LOW_PRECISION_DTYPES = (ember.float16, ember.bfloat16)
ALL_DTYPES = BOOL_DTYPES + INT_DTYPES + FLOAT_DTYPES
# Kept out of ALL_DTYPES: the real ops' entries list them where they take them.
COMPLEX_DTYPES = (ember.complex64, ember.complex128)

# NumPy type holding each dtype's values exactly (bfloat16 values fit in float32).
_NUMPY_DTYPES = {
    ember.bool: np.bool_,
    ember.uint8: np.uint8,
    ember.int8: np.int8,
    ember.int16: np.int16,
    ember.int32: np.int32,
    ember.int64: np.int64,
    ember.float16: np.float16,
    ember.bfloat16: np.float32,
    ember.float32: np.float32,
    ember.float64: np.float64,
    ember.complex64: np.complex64,
    ember.complex128: np.complex128,
}
_FROM_NUMPY = {
    np.dtype(np.bool_): ember.bool,
    np.dtype(np.uint8): ember.uint8,
    np.dtype(np.int8): ember.int8,
    np.dtype(np.int16): ember.int16,
    np.dtype(np.int32): ember.int32,
    np.dtype(np.int64): ember.int64,
    np.dtype(np.float16): ember.float16,
    np.dtype(np.float32): ember.float32,
    np.dtype(np.float64): ember.float64,
    np.dtype(np.complex64): ember.complex64,
    np.dtype(np.complex128): ember.complex128,
}


# The NumPy scalar types that map onto an ember dtype (all but bfloat16's stand-in).
NUMPY_TYPES = tuple(np_dtype.type for np_dtype in _FROM_NUMPY)


def dtype_name(dtype):
    """'float32' for ember.float32 (whatever the module prefix in str())."""
    return str(dtype).rsplit(".", 1)[-1]


def numpy_dtype(dtype):
    """The NumPy dtype that holds `dtype`'s values (float32 for bfloat16)."""
    return np.dtype(_NUMPY_DTYPES[dtype])


def ember_dtype(np_dtype):
    return _FROM_NUMPY[np.dtype(np_dtype)]


def torch_dtype(torch, dtype):
    """PyTorch's dtype of the same name as ember's `dtype`."""
    return getattr(torch, dtype_name(dtype))


def is_float(dtype):
    return dtype in FLOAT_DTYPES


def is_int(dtype):
    return dtype in INT_DTYPES


# ---------------------------------------------------------------------------
# conversions
# ---------------------------------------------------------------------------

def to_numpy(t):
    """A fresh NumPy copy of `t` (bfloat16 goes through float32, which is exact)."""
    if t.dtype == ember.bfloat16:
        t = t.float()
    return np.array(t.numpy(), copy=True)


def make_tensor(array, dtype=None):
    """An ember tensor holding `array`'s values, converted to `dtype` if given."""
    array = np.asarray(array)
    if dtype is None:
        return ember.tensor(array)
    if dtype == ember.bfloat16:
        return ember.tensor(array.astype(np.float32), dtype=ember.bfloat16)
    return ember.tensor(array.astype(numpy_dtype(dtype)), dtype=dtype)


def round_to(array, dtype):
    """`array`'s values as `dtype` would store them, as a float64/int64/bool array."""
    return to_numpy(make_tensor(array, dtype))


def bfloat16_round(x):
    """Round float32 values to bfloat16 (round to nearest, ties to even), as float32.

    A NumPy model of the conversion, independent of the engine; NaN stays NaN.
    """
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), out)


def sample(rng, shape, dtype, low=-5, high=5):
    """Random values exactly representable in `dtype`, as (numpy reference, ember tensor).

    The reference is float64 for floats (bfloat16/float16 values rounded first), int64 for
    integers and bool for bool, so numpy computes the exact answer to compare against.
    """
    if dtype == ember.bool:
        a = rng.random(shape) < 0.5
        return a, make_tensor(a)
    if dtype in INT_DTYPES:
        lo = 0 if dtype == ember.uint8 else low
        a = rng.integers(lo, high, size=shape).astype(numpy_dtype(dtype))
        return a.astype(np.int64), make_tensor(a)
    t = make_tensor(rng.uniform(low, high, size=shape).astype(np.float32), dtype)
    return to_numpy(t).astype(np.float64), t


def numpy_axis(dim):
    """NumPy's `axis` for an ember `dim`: None for all dims (None or empty), a tuple for several."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


def layouts(a, t):
    """(name, numpy view, ember view) pairs of the same values in several memory layouts."""
    out = [("contiguous", a, t)]
    if a.ndim >= 2:
        out.append(("transposed", a.swapaxes(0, -1), t.transpose(0, -1)))
        out.append(("stepped", a[::2], t[::2]))
    if a.ndim >= 1 and a.shape[-1] > 1:
        out.append(("negative step", a[..., ::-1], t[..., ::-1]))
    return out


# ---------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------

# (rtol, atol) by result dtype, for values computed once from exact inputs.
DEFAULT_TOLERANCES = {
    ember.complex128: (1e-10, 1e-12),
    ember.complex64: (1e-5, 1e-6),
    ember.float64: (1e-10, 1e-12),
    ember.float32: (1e-5, 1e-6),
    ember.float16: (2e-3, 1e-3),
    ember.bfloat16: (1.6e-2, 1e-2),
}

# Tighter (rtol, atol) for the elementwise kernels, whose results are one rounding (a few
# ulp at most) away from the exact value.
ELEMENTWISE_TOLERANCES = {
    ember.float64: (1e-12, 1e-300),
    ember.float32: (2e-6, 1e-30),
    ember.float16: (1e-3, 1e-7),
    ember.bfloat16: (8e-3, 1e-30),
}


def default_tolerance(dtype, tolerances=DEFAULT_TOLERANCES):
    return tolerances.get(dtype, (0.0, 0.0))


def assert_close(actual, expected, dtype=None, *, rtol=None, atol=None, equal_nan=True,
                 tolerances=DEFAULT_TOLERANCES):
    """Check an ember tensor against a NumPy reference: type, shape, dtype and values.

    `dtype` is the ember dtype `actual` must have; by default the one matching
    `expected.dtype`. The reference is first cast to that dtype (so a float64
    reference overflows to inf exactly where the result dtype does), then compared
    exactly for bool/int results and with rtol/atol for floats (by default the
    dtype's entry in `tolerances`).
    """
    assert isinstance(actual, ember.Tensor), f"expected an ember.Tensor, got {type(actual)!r}"
    expected = np.asarray(expected)
    if dtype is None:
        dtype = ember_dtype(expected.dtype)
    assert actual.dtype == dtype, f"dtype: got {actual.dtype}, expected {dtype}"
    assert tuple(actual.shape) == expected.shape, (
        f"shape: got {tuple(actual.shape)}, expected {expected.shape}")
    got = to_numpy(actual)
    if dtype in COMPLEX_DTYPES:
        rtol = default_tolerance(dtype, tolerances)[0] if rtol is None else rtol
        atol = default_tolerance(dtype, tolerances)[1] if atol is None else atol
        np.testing.assert_allclose(got.astype(np.complex128), expected.astype(np.complex128), rtol=rtol,
                                   atol=atol, equal_nan=equal_nan, err_msg=f"values differ (dtype {dtype_name(dtype)})")
        return
    if not is_float(dtype):
        want = expected.astype(numpy_dtype(dtype))
        mismatch = np.flatnonzero(got.ravel() != want.ravel())
        assert mismatch.size == 0, (
            f"{mismatch.size} of {got.size} values differ; first at flat index {mismatch[0]}: "
            f"got {got.ravel()[mismatch[0]]!r}, expected {want.ravel()[mismatch[0]]!r}")
        return
    default_rtol, default_atol = default_tolerance(dtype, tolerances)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    with np.errstate(all="ignore"):
        want = expected.astype(np.float64).astype(numpy_dtype(dtype))
        if dtype == ember.bfloat16:
            want = bfloat16_round(want)
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol,
                               atol=atol, equal_nan=equal_nan,
                               err_msg=f"values differ (dtype {dtype_name(dtype)})")


def assert_equal(actual, expected, *, dtype=None):
    """Exact comparison (for results that involve no rounding)."""
    assert_close(actual, expected, dtype=dtype, rtol=0.0, atol=0.0)


def assert_close_elementwise(actual, expected, dtype=None, *, rtol=None, atol=None):
    """`assert_close` with ELEMENTWISE_TOLERANCES as the default tolerances."""
    assert_close(actual, expected, dtype, rtol=rtol, atol=atol, tolerances=ELEMENTWISE_TOLERANCES)


def snapshot(*tensors):
    """Copies of the tensors' contents, for `assert_unchanged` after an operation."""
    return [(t, tuple(t.shape), t.dtype, to_numpy(t)) for t in tensors]


def assert_unchanged(snap):
    for t, shape, dtype, values in snap:
        assert tuple(t.shape) == shape
        assert t.dtype == dtype
        np.testing.assert_array_equal(to_numpy(t), values)


def run_isa_subprocess(isa, code, *args, timeout=300):
    """Runs `code` (with `args` in sys.argv[1:]) in a fresh interpreter with EMBER_CPU_ISA=isa
    (unset for None: the default variant), where this folder and ember are importable; fails
    the test on error and returns the output."""
    env = dict(os.environ)
    env.pop("EMBER_CPU_ISA", None)
    if isa is not None:
        env["EMBER_CPU_ISA"] = isa
    # Spinning OpenMP workers crawl when the test machine is oversubscribed (parallel test
    # runners); sleeping ones keep these correctness checks quick.
    env.setdefault("OMP_WAIT_POLICY", "passive")
    paths = [os.path.dirname(os.path.abspath(__file__)),
             os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__))),
             env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env, capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        pytest.fail(f"EMBER_CPU_ISA={isa} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def message_numbers(excinfo):
    """The set of integers written in an exception's message."""
    return set(re.findall(r"\d+", str(excinfo.value)))


# ---------------------------------------------------------------------------
# property-based (hypothesis) runs: short and reproducible by default, long on request
# ---------------------------------------------------------------------------

# EMBER_FUZZ_EXAMPLES=N runs every property test of tests/test_fuzz_*.py with N examples and
# fresh random seeds (tools/fuzz_long.sh sets it); unset, each runs its own small count from a
# fixed derandomized seed, so a CI failure reproduces on every machine.
FUZZ_EXAMPLES = int(os.environ.get("EMBER_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(ci_examples):
    """hypothesis settings for a differential property test: `ci_examples` derandomized
    examples, or EMBER_FUZZ_EXAMPLES random ones in a long run."""
    from hypothesis import HealthCheck, settings
    suppress = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
    if FUZZ_EXAMPLES > 0:
        return settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=False, database=None,
                        print_blob=True, suppress_health_check=suppress)
    return settings(max_examples=ci_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=suppress)


# ---------------------------------------------------------------------------
# the backend: ember, or PyTorch standing in for it
# ---------------------------------------------------------------------------

def backend_is_torch():
    """True when `ember` is PyTorch under another name (checking the suite itself)."""
    return getattr(ember.Tensor, "__module__", "").split(".")[0] == "torch"


def supports_negative_strides():
    """Negative-step slicing is an ember extension; PyTorch refuses it."""
    return not backend_is_torch()


def cuda_available():
    return bool(ember.cuda.is_available())


# ---------------------------------------------------------------------------
# the device under test
# ---------------------------------------------------------------------------

# EMBER_TEST_DEVICE=cuda (or cuda:N) runs the tests that take the `device` fixture on that GPU;
# unset or "cpu", they run on the CPU. Asking for a GPU ember cannot use stops the run at once
# instead of skipping every GPU test quietly.
TEST_DEVICE = os.environ.get("EMBER_TEST_DEVICE", "cpu").strip() or "cpu"

# Tests that need a GPU whatever EMBER_TEST_DEVICE says (CUDA against CPU comparisons).
requires_cuda = pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device (ember.cuda.is_available() "
                                   "is False)")


def gpu_under_test():
    return TEST_DEVICE.startswith("cuda")


@pytest.fixture
def device():
    """The device under test, as a string ('cpu', 'cuda', 'cuda:1'): EMBER_TEST_DEVICE."""
    return TEST_DEVICE


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ember_only: behaviour ember defines and PyTorch lacks "
        "(skipped when the backend is PyTorch itself)")
    if gpu_under_test() and not cuda_available():
        pytest.exit(f"EMBER_TEST_DEVICE={TEST_DEVICE}, but ember.cuda.is_available() is False (built with CUDA: "
                    f"{ember.cuda.is_built()}); unset it to test on the CPU", returncode=4)
    elif not (TEST_DEVICE == "cpu" or gpu_under_test()):
        pytest.exit(f"EMBER_TEST_DEVICE={TEST_DEVICE!r}: expected cpu, cuda or cuda:N", returncode=4)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("EMBER_TESTS_RUN_EMBER_ONLY") == "1" or not backend_is_torch():
        return
    skip = pytest.mark.skip(reason="ember extension: PyTorch lacks this behaviour")
    for item in items:
        if "ember_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng():
    """A NumPy generator with a fixed seed, so every run sees the same data."""
    return np.random.default_rng(12345)
