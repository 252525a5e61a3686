"""The op database: every op beyond the elementwise and reduction families, described once.

After PyTorch's OpInfo, like op_catalogue.py (which holds the elementwise and reduction
ops), but general enough for ops of any signature: indexing, joining, linear algebra and the
neural-network kernels. Each family lists its entries in `op_db_<family>.py` (a module
level `ENTRIES` list); test_op_db.py turns every entry into forward tests against NumPy,
parity tests against PyTorch when it is installed, layout tests and bad-input tests.

An entry says how to call the op on a module (`op(lib, *args, **kwargs)` with lib `ember`
or `torch`), how to make sample inputs for a dtype, and a NumPy reference. Sample arguments
are NumPy arrays, converted to tensors by these rules:

- a floating array becomes a tensor of the dtype under test (integers and bool: the values
  rounded, made non-negative for unsigned types, or tested against zero for bool);
- an integer or bool array keeps its own dtype (indices, masks);
- `Arg(array, dtype)` gives a tensor of exactly that dtype;
- lists and tuples are converted item by item (`cat([a, b])`); other values pass unchanged.

The reference receives the NumPy values of the tensors the op really got (floats as
float64), so the comparison tolerates only the op's own rounding.
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

import numpy as np

import ember
from conftest import (COMPLEX_DTYPES, FLOAT_DTYPES, INT_DTYPES, DEFAULT_TOLERANCES, assert_close, dtype_name,
                      ember_dtype, is_float, make_tensor, numpy_dtype, to_numpy, torch_dtype)


@dataclass(frozen=True)
class Arg:
    """A tensor argument of a fixed dtype, whatever the dtype under test."""
    value: Any
    dtype: Any


@dataclass
class Sample:
    """One call of an op: positional and keyword arguments (see the module's rules)."""
    args: tuple
    kwargs: dict = field(default_factory=dict)
    name: str = ""
    # Indices into `args` of the inputs a gradient check differentiates; None: every tensor
    # argument of the dtype under test.
    grad_args: Optional[tuple] = None


@dataclass
class ErrorCase:
    """A call that must raise `exc` (with a message matching `match`) and change no input."""
    args: tuple
    kwargs: dict = field(default_factory=dict)
    exc: type = Exception
    match: Optional[str] = None
    dtype: Any = ember.float32  # the dtype floating arrays become


@dataclass
class OpEntry:
    name: str
    # op(lib, *args, **kwargs) with lib the `ember` module or `torch`.
    op: Callable
    # samples(rng, dtype) -> iterable of Sample. Include zero-size and zero-dim cases where the
    # op accepts them, and broadcast ones where it broadcasts.
    samples: Callable
    dtypes: tuple = FLOAT_DTYPES
    # reference(*numpy args, **kwargs) -> array or tuple of arrays. None: PyTorch is the
    # reference, and the forward test skips without it.
    reference: Optional[Callable] = None
    # The dtype(s) of the result for a dtype under test; by default inferred from the
    # reference (floating results: the dtype under test, or float32 for integer inputs).
    out_dtypes: Optional[Callable] = None
    # (rtol, atol) per dtype, over DEFAULT_TOLERANCES.
    tolerances: dict = field(default_factory=dict)
    # compare(actual, expected, dtype, sample): replaces the value comparison of one result
    # (for results that are right in more than one way, like indices of tied values).
    compare: Optional[Callable] = None
    # Compare with PyTorch when it is installed (op(torch, ...) must then work).
    torch: bool = True
    # Whether the op is differentiable in its floating inputs (the autograd tests use it).
    differentiable: bool = True
    # Run also with every tensor argument non-contiguous.
    noncontiguous: bool = True
    # The op updates some of its inputs in place by design (running statistics), so the tests
    # do not require the inputs unchanged.
    updates_inputs: bool = False
    # errors() -> iterable of ErrorCase.
    errors: Optional[Callable] = None


# ---------------------------------------------------------------------------
# Turning samples into tensors
# ---------------------------------------------------------------------------

def _as_dtype(array, dtype):
    array = np.asarray(array)
    if dtype == ember.bool:
        return make_tensor(array != 0)
    if dtype in INT_DTYPES and array.dtype.kind == "f":
        array = np.round(array)
        if dtype == ember.uint8:
            array = np.abs(array)
    return make_tensor(array, dtype)


def _noncontiguous(t):
    """The same values in a non-contiguous layout: transposed storage for 2+ dims, every other
    element of a larger buffer for one dim."""
    if t.dim() == 0 or t.numel() <= 1:
        return t
    if t.dim() >= 2:
        dims = list(range(t.dim()))[::-1]
        return t.permute(dims).contiguous().permute(dims)
    buffer = ember.zeros((t.shape[0], 2), dtype=t.dtype)
    buffer[:, 0] = t
    return buffer[:, 0]


def to_tensor(value, dtype, noncontiguous=False):
    """A sample argument as the op receives it (module docstring's rules)."""
    if isinstance(value, Arg):
        t = _as_dtype(value.value, value.dtype)
    elif isinstance(value, np.ndarray):
        t = _as_dtype(value, dtype if value.dtype.kind == "f" else ember_dtype(value.dtype))
    elif isinstance(value, (list, tuple)):
        return type(value)(to_tensor(v, dtype, noncontiguous) for v in value)
    else:
        return value
    return _noncontiguous(t) if noncontiguous else t


def ember_args(sample, dtype, noncontiguous=False):
    args = tuple(to_tensor(a, dtype, noncontiguous) for a in sample.args)
    kwargs = {k: to_tensor(v, dtype, noncontiguous) for k, v in sample.kwargs.items()}
    return args, kwargs


def to_reference(value):
    """An argument as the NumPy reference sees it: floats as float64, others as they are."""
    if isinstance(value, ember.Tensor):
        a = to_numpy(value)
        return a.astype(np.float64) if a.dtype.kind == "f" else a.astype(np.complex128) if a.dtype.kind == "c" else a
    if isinstance(value, (list, tuple)):
        return type(value)(to_reference(v) for v in value)
    return value


def to_torch(torch, value):
    if isinstance(value, ember.Tensor):
        return torch.from_numpy(to_numpy(value)).to(torch_dtype(torch, value.dtype))
    if isinstance(value, (list, tuple)):
        return type(value)(to_torch(torch, v) for v in value)
    if value is ember or (isinstance(value, type(ember)) and value.__name__.startswith("ember")):
        return torch
    if isinstance(value, type(ember.float32)):
        return torch_dtype(torch, value)
    return value


def tensors_in(value):
    """Every ember tensor in an argument (lists walked)."""
    if isinstance(value, ember.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in tensors_in(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in tensors_in(v)]
    return []


def as_tuple(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


# ---------------------------------------------------------------------------
# Comparing results
# ---------------------------------------------------------------------------

def expected_dtype(reference, dtype):
    kind = np.asarray(reference).dtype.kind
    if kind == "f":
        if dtype in COMPLEX_DTYPES:  # a real result of a complex op: its parts' dtype
            return ember.float32 if dtype == ember.complex64 else ember.float64
        return dtype if is_float(dtype) else ember.float32
    if kind == "c":
        if dtype in COMPLEX_DTYPES:
            return dtype
        return ember.complex128 if dtype == ember.float64 else ember.complex64
    return ember_dtype(np.asarray(reference).dtype)


def check_results(entry, actual, expected, dtype, sample):
    actual, expected = as_tuple(actual), as_tuple(expected)
    assert len(actual) == len(expected), f"{entry.name}: {len(actual)} results, expected {len(expected)}"
    if entry.out_dtypes is not None:
        dtypes = as_tuple(entry.out_dtypes(dtype))
    else:
        dtypes = tuple(expected_dtype(e, dtype) for e in expected)
    rtol_atol = entry.tolerances.get(dtype, DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0)))
    for i, (a, e, d) in enumerate(zip(actual, expected, dtypes)):
        if entry.compare is not None:
            entry.compare(a, e, dtype, sample)
            continue
        if isinstance(e, (list, tuple)):  # a list of tensors (split, unbind, meshgrid)
            assert isinstance(a, (list, tuple)) and len(a) == len(e), f"{entry.name}: result {i}"
            for ai, ei in zip(a, e):
                assert_close(ai, ei, expected_dtype(ei, dtype), rtol=rtol_atol[0], atol=rtol_atol[1])
            continue
        assert_close(a, e, d, rtol=rtol_atol[0], atol=rtol_atol[1])


# ---------------------------------------------------------------------------
# Gradients by finite differences (float64), for the backward kernels
# ---------------------------------------------------------------------------

def numerical_vjp(fn, inputs, grad_output, eps=1e-6):
    """sum(grad_output * d fn(inputs) / d inputs[i]) for each input, by central differences.

    `fn` takes float64 ember tensors and returns one ember tensor; `grad_output` is a NumPy
    array of the result's shape. Returns one float64 NumPy array per input.
    """
    base = [to_numpy(x).astype(np.float64) for x in inputs]
    grads = []
    for i, x in enumerate(base):
        g = np.zeros_like(x)
        flat = x.reshape(-1)
        for j in range(flat.size):
            values = []
            for step in (eps, -eps):
                moved = flat.copy()
                moved[j] += step
                args = [ember.tensor(b, dtype=ember.float64) for b in base]
                args[i] = ember.tensor(moved.reshape(x.shape), dtype=ember.float64)
                values.append(float(np.sum(to_numpy(fn(*args)) * grad_output)))
            g.reshape(-1)[j] = (values[0] - values[1]) / (2 * eps)
        grads.append(g)
    return grads


def assert_vjp(fn, backward, inputs, grad_output, rtol=1e-5, atol=1e-7, eps=1e-6):
    """Check a backward kernel against finite differences.

    `backward(grad_output_tensor, *inputs)` returns the gradient of each input (a tensor, or
    None for an input it does not differentiate), in the order of `inputs`.
    """
    grad_output = np.asarray(grad_output, dtype=np.float64)
    got = as_tuple(backward(ember.tensor(grad_output, dtype=ember.float64), *inputs))
    want = numerical_vjp(fn, inputs, grad_output, eps)
    assert len(got) == len(want), f"backward returned {len(got)} gradients for {len(want)} inputs"
    for i, (g, w) in enumerate(zip(got, want)):
        if g is None:
            continue
        assert tuple(g.shape) == w.shape, f"gradient {i}: shape {tuple(g.shape)}, expected {w.shape}"
        np.testing.assert_allclose(to_numpy(g).astype(np.float64), w, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")


def random_data(rng, *shape, low=-3.0, high=3.0):
    """Float64 sample data (the dtype under test is applied on conversion)."""
    return rng.uniform(low, high, size=shape)


def all_entries():
    """Every entry of every op_db_<family>.py module beside this file."""
    import glob
    import importlib
    import os
    entries = []
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "op_db_*.py"))):
        module = importlib.import_module(os.path.basename(path)[:-3])
        entries.extend(module.ENTRIES)
    names = [e.name for e in entries]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates, f"op_db entries named twice: {sorted(duplicates)}"
    return entries


__all__ = ["Arg", "Sample", "ErrorCase", "OpEntry", "to_tensor", "ember_args", "to_reference",
           "to_torch", "tensors_in", "as_tuple", "check_results", "numerical_vjp", "assert_vjp",
           "random_data", "all_entries", "dtype_name", "numpy_dtype"]
