"""Differential property tests of the reductions over random dims against NumPy.

Random shapes (zero-size dims among them, and 0-dim tensors) meet random `dim` arguments (an
int of either sign, a tuple of distinct dims, None) with keepdim true and false. Values lie on
a grid of quarters with many ties, so sums are exact and argmax/argmin must pick the first
occurrence. Where NumPy raises for an empty reduction (max of nothing), ember must raise a
clear exception, not crash; the result dtype is PyTorch's (integers sum to int64, ...).

EMBER_FUZZ_EXAMPLES=N (tools/fuzz_long.sh) reruns every test with N random examples.
"""
import warnings
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

import ember  # noqa: E402
from conftest import (FLOAT_DTYPES, INT_DTYPES, assert_close, dtype_name, fuzz_settings,  # noqa: E402
                      make_tensor, to_numpy)

try:
    import torch
except ImportError:
    torch = None

REAL = (ember.bool,) + INT_DTYPES + FLOAT_DTYPES
NUMERIC = INT_DTYPES + FLOAT_DTYPES


def _accumulated(dtype):
    """sum/prod/cumsum's result dtype: int64 for bool and integers (PyTorch)."""
    return ember.int64 if dtype == ember.bool or dtype in INT_DTYPES else dtype


def _any_all(dtype):
    return ember.uint8 if dtype == ember.uint8 else ember.bool


def _float_of(dtype):
    return dtype if dtype in FLOAT_DTYPES else ember.float32


def _logsumexp(a, axis, keepdims):
    with np.errstate(all="ignore"):
        return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))


def _norm(order):
    def ref(a, axis, keepdims):
        x = np.abs(a)
        if order == np.inf:
            return np.max(x, axis=axis, keepdims=keepdims)
        if order == -np.inf:
            return np.min(x, axis=axis, keepdims=keepdims)
        if order == 0:
            return np.sum(x != 0, axis=axis, keepdims=keepdims).astype(np.float64)
        return np.sum(x ** order, axis=axis, keepdims=keepdims) ** (1.0 / order)
    return ref


@dataclass
class Reduction:
    name: str
    call: Callable              # (module: ember or torch, tensor, dim, keepdim) -> tensor
    reference: Callable         # (array, axis, keepdims) -> array
    dtypes: tuple
    result: Callable            # input dtype -> result dtype
    dims: str = "any"           # any | single (an int or None) | int (an int only)
    empty_raises: bool = False  # NumPy raises when a reduced dim is empty
    low: float = -5.0
    high: float = 5.0
    rtol: Optional[float] = None
    # Called without keepdim when dim is None (t.prod(), max(t), all(t)): a 0-dim result.
    none_drops_keepdim: bool = False


def _var(correction):
    return lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=correction)


def _std(correction):
    return lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims, ddof=correction)


REDUCTIONS = [
    Reduction("sum", lambda ns, t, d, k: ns.sum(t, dim=d, keepdim=k), np.sum, REAL, _accumulated),
    Reduction("mean", lambda ns, t, d, k: ns.mean(t, dim=d, keepdim=k), np.mean, FLOAT_DTYPES, lambda d: d),
    Reduction("prod", lambda ns, t, d, k: t.prod(dim=d, keepdim=k) if d is not None else t.prod(), np.prod, REAL,
              _accumulated, dims="single", low=-2.0, high=2.0, none_drops_keepdim=True),
    Reduction("amax", lambda ns, t, d, k: ns.amax(t, dim=() if d is None else d, keepdim=k), np.max, REAL,
              lambda d: d, empty_raises=True),
    Reduction("amin", lambda ns, t, d, k: ns.amin(t, dim=() if d is None else d, keepdim=k), np.min, REAL,
              lambda d: d, empty_raises=True),
    Reduction("max", lambda ns, t, d, k: ns.max(t, dim=d, keepdim=k).values if d is not None else ns.max(t),
              np.max, REAL, lambda d: d, dims="single", empty_raises=True, none_drops_keepdim=True),
    Reduction("min", lambda ns, t, d, k: ns.min(t, dim=d, keepdim=k).values if d is not None else ns.min(t),
              np.min, REAL, lambda d: d, dims="single", empty_raises=True, none_drops_keepdim=True),
    Reduction("max.indices", lambda ns, t, d, k: ns.max(t, dim=d, keepdim=k).indices,
              lambda a, axis, keepdims: np.argmax(a, axis=axis, keepdims=keepdims), NUMERIC,
              lambda d: ember.int64, dims="int", empty_raises=True),
    Reduction("min.indices", lambda ns, t, d, k: ns.min(t, dim=d, keepdim=k).indices,
              lambda a, axis, keepdims: np.argmin(a, axis=axis, keepdims=keepdims), NUMERIC,
              lambda d: ember.int64, dims="int", empty_raises=True),
    Reduction("argmax", lambda ns, t, d, k: ns.argmax(t, dim=d, keepdim=k),
              lambda a, axis, keepdims: np.argmax(a, axis=axis, keepdims=keepdims), NUMERIC,
              lambda d: ember.int64, dims="single", empty_raises=True),
    Reduction("argmin", lambda ns, t, d, k: ns.argmin(t, dim=d, keepdim=k),
              lambda a, axis, keepdims: np.argmin(a, axis=axis, keepdims=keepdims), NUMERIC,
              lambda d: ember.int64, dims="single", empty_raises=True),
    Reduction("var0", lambda ns, t, d, k: ns.var(t, dim=d, correction=0, keepdim=k), _var(0), FLOAT_DTYPES,
              lambda d: d),
    Reduction("var1", lambda ns, t, d, k: ns.var(t, dim=d, correction=1, keepdim=k), _var(1), FLOAT_DTYPES,
              lambda d: d),
    Reduction("std0", lambda ns, t, d, k: ns.std(t, dim=d, correction=0, keepdim=k), _std(0), FLOAT_DTYPES,
              lambda d: d),
    Reduction("std1", lambda ns, t, d, k: ns.std(t, dim=d, correction=1, keepdim=k), _std(1), FLOAT_DTYPES,
              lambda d: d),
    Reduction("all", lambda ns, t, d, k: ns.all(t, dim=d, keepdim=k) if d is not None else ns.all(t),
              lambda a, axis, keepdims: np.all(a, axis=axis, keepdims=keepdims), REAL, _any_all,
              none_drops_keepdim=True),
    Reduction("any", lambda ns, t, d, k: ns.any(t, dim=d, keepdim=k) if d is not None else ns.any(t),
              lambda a, axis, keepdims: np.any(a, axis=axis, keepdims=keepdims), REAL, _any_all,
              none_drops_keepdim=True),
    Reduction("logsumexp", lambda ns, t, d, k: ns.logsumexp(t, dim=d, keepdim=k), _logsumexp, NUMERIC, _float_of,
              dims="not_none"),
    Reduction("norm2", lambda ns, t, d, k: ns.linalg.vector_norm(t, 2, dim=d, keepdim=k), _norm(2), FLOAT_DTYPES,
              lambda d: d),
    Reduction("norm1", lambda ns, t, d, k: ns.linalg.vector_norm(t, 1, dim=d, keepdim=k), _norm(1), FLOAT_DTYPES,
              lambda d: d),
    Reduction("norm_inf", lambda ns, t, d, k: ns.linalg.vector_norm(t, float("inf"), dim=d, keepdim=k),
              _norm(np.inf), FLOAT_DTYPES, lambda d: d, empty_raises=True),
    Reduction("norm0", lambda ns, t, d, k: ns.linalg.vector_norm(t, 0, dim=d, keepdim=k), _norm(0), FLOAT_DTYPES,
              lambda d: d),
    Reduction("Tensor.norm", lambda ns, t, d, k: t.norm(2, dim=d, keepdim=k), _norm(2), FLOAT_DTYPES, lambda d: d),
]


def grid_values(draw, shape, dtype, low, high):
    """Values with ties: quarters in [low, high] for floats, small integers, bools."""
    n = int(np.prod(shape))
    if dtype == ember.bool:
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool).reshape(shape)
    if dtype in INT_DTYPES:
        lo = 0 if dtype == ember.uint8 else int(low)
        return np.array(draw(st.lists(st.integers(lo, int(high)), min_size=n, max_size=n)),
                        dtype=np.int64).reshape(shape)
    k = st.integers(int(low * 4), int(high * 4)).map(lambda q: q / 4)
    return np.array(draw(st.lists(k, min_size=n, max_size=n)), dtype=np.float64).reshape(shape)


@st.composite
def dims_for(draw, ndim, kind):
    """A dim argument of the given kind, or None; (dim as passed, NumPy axis)."""
    choices = []
    if kind in ("any", "single"):
        choices.append("none")
    if ndim == 0:
        # PyTorch takes dim 0 / -1 of a 0-dim tensor: a reduction over its one element.
        if kind in ("int", "not_none") or draw(st.booleans()):
            d = draw(st.sampled_from([0, -1]))
            return d, None
        return None, None
    choices.append("int")
    if kind in ("any", "not_none"):
        choices.append("tuple")
    choice = draw(st.sampled_from(choices))
    if choice == "none":
        return None, None
    if choice == "int":
        d = draw(st.integers(-ndim, ndim - 1))
        return d, d % ndim
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    passed = tuple(a - ndim if draw(st.booleans()) else a for a in axes)
    return passed, tuple(sorted(axes))


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


def reversed_in_memory(values, dtype):
    """`values` as a view with every stride negative (a reversed buffer read backwards)."""
    flip_all = (slice(None, None, -1),) * values.ndim
    return make_tensor(values[flip_all].copy(), dtype)[flip_all]  # copy(): C order, keeps 0-dim


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=lambda r: r.name)
@fuzz_settings(25)
@given(shape=shapes, keepdim=st.booleans(), data=st.data())
def test_reduction_matches_numpy(reduction, shape, keepdim, data):
    dtype = data.draw(st.sampled_from(reduction.dtypes))
    values = grid_values(data.draw, shape, dtype, reduction.low, reduction.high)
    dim, axis = data.draw(dims_for(len(shape), reduction.dims))
    t = reversed_in_memory(values, dtype) if data.draw(st.booleans()) else make_tensor(values, dtype)
    exact = to_numpy(t).astype(np.float64 if dtype in FLOAT_DTYPES else values.dtype)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's mean of nothing, ...
            want = np.asarray(reduction.reference(exact, axis=axis, keepdims=keepdim))
    except ValueError:
        want = None
    if want is None:
        assert reduction.empty_raises, f"{reduction.name}: NumPy raised for shape {shape}, dim {dim}"
        with pytest.raises((RuntimeError, IndexError, ValueError)):
            reduction.call(ember, t, dim, keepdim)
        return
    got = reduction.call(ember, t, dim, keepdim)
    if dim is None and reduction.none_drops_keepdim:
        want = want.reshape(())
    assert_close(got, want, reduction.result(dtype), rtol=reduction.rtol)


@pytest.mark.skipif(torch is None, reason="needs torch")
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=lambda r: r.name)
@fuzz_settings(10)
@given(shape=shapes.filter(lambda s: 0 not in s), keepdim=st.booleans(), data=st.data())
def test_reduction_dtype_and_refusals_match_torch(reduction, shape, keepdim, data):
    """Every real dtype, also those the op refuses: ember must refuse where PyTorch does and
    give PyTorch's dtype and shape elsewhere."""
    dtype = data.draw(st.sampled_from(REAL))
    dim, _ = data.draw(dims_for(len(shape), reduction.dims))
    t = make_tensor(grid_values(data.draw, shape, dtype, 0, 2), dtype)
    x = torch.from_numpy(to_numpy(t)).to(getattr(torch, dtype_name(dtype)))
    try:
        want = reduction.call(torch, x, dim, keepdim)
    except (RuntimeError, IndexError, ValueError, TypeError, NotImplementedError) as e:
        with pytest.raises((RuntimeError, IndexError, ValueError, TypeError, NotImplementedError)):
            reduction.call(ember, t, dim, keepdim)
        return
    got = reduction.call(ember, t, dim, keepdim)
    assert dtype_name(got.dtype) == str(want.dtype).split(".")[-1], (
        f"{reduction.name}({dtype_name(dtype)}, dim={dim}): ember {got.dtype}, torch {want.dtype}")
    assert tuple(got.shape) == tuple(want.shape)


@st.composite
def scan_case(draw):
    shape = draw(shapes)
    dtype = draw(st.sampled_from(REAL))
    nd = len(shape)
    dim = draw(st.integers(-nd, nd - 1)) if nd else draw(st.sampled_from([0, -1]))
    return shape, dtype, dim


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@fuzz_settings(60)
@given(case=scan_case(), data=st.data())
def test_cumulative_matches_numpy(name, case, data):
    shape, dtype, dim = case
    values = grid_values(data.draw, shape, dtype, -2 if name == "cumprod" else -5, 2 if name == "cumprod" else 5)
    t = reversed_in_memory(values, dtype) if data.draw(st.booleans()) else make_tensor(values, dtype)
    exact = to_numpy(t).astype(np.float64 if dtype in FLOAT_DTYPES else np.int64)
    axis = dim % len(shape) if shape else None
    want = getattr(np, name)(exact, axis=axis).reshape(shape)
    got = getattr(ember, name)(t, dim=dim)
    # 16-bit floats accumulate in float32 and round each partial result.
    assert_close(got, want, _accumulated(dtype), rtol=3e-2 if dtype in (ember.float16, ember.bfloat16) else None,
                 atol=3e-2 if dtype in (ember.float16, ember.bfloat16) else None)


# --- what the fuzzing found -----------------------------------------------------------------

@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_vector_norm_takes_16_bit_floats(dtype):
    # torch's vector_norm takes float16/bfloat16 (the result keeps the dtype).
    x = make_tensor(np.array([[3.0, 4.0], [1.0, -2.0]]), dtype)
    for order, want in [(2, [5.0, 5 ** 0.5]), (1, [7.0, 3.0]), (float("inf"), [4.0, 2.0]), (0, [2.0, 2.0])]:
        got = ember.linalg.vector_norm(x, order, dim=1)
        assert_close(got, np.array(want), dtype)
    with pytest.raises(TypeError, match="vector_norm"):
        ember.linalg.vector_norm(ember.tensor([1, 2]))


def test_frobenius_norm_takes_at_most_two_dims():
    # torch reads p='fro' over dims as a matrix norm and refuses three or more; p=None or 2 is
    # the vector norm over any number of dims.
    x = ember.ones(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"norm.*fro.*\(0, 1, 2\).*\[2, 3, 4\]"):
        x.norm(dim=(0, 1, 2))
    with pytest.raises(ValueError, match="fro"):
        ember.norm(x, "fro", dim=[0, 1, -1])
    assert_close(x.norm(dim=(0, 2)), np.full(3, 8 ** 0.5, dtype=np.float32))
    assert_close(x.norm(p=None, dim=(0, 1, 2)), np.float32(24 ** 0.5))
    assert_close(x.norm(), np.float32(24 ** 0.5))
