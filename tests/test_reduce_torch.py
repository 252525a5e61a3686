"""The reductions against PyTorch itself (skipped without torch): values, result dtypes, NaN
and tie semantics, return types and error kinds for the same calls."""
import numpy as np
import pytest

import ember
from conftest import (ALL_DTYPES, FLOAT_DTYPES, default_tolerance, dtype_name, make_tensor, numpy_dtype,
                      to_numpy, torch_dtype)

torch = pytest.importorskip("torch")


def _pair(dtype, shape, rng, low=-3, high=4):
    if dtype == ember.bool:
        a = rng.random(shape) < 0.5
    elif dtype in FLOAT_DTYPES:
        a = rng.uniform(low, high, shape).astype(np.float32)
    else:
        a = rng.integers(0 if dtype == ember.uint8 else low, high, shape).astype(numpy_dtype(dtype))
    x = torch.from_numpy(a).to(torch_dtype(torch, dtype))
    return x, make_tensor(a, dtype)


def _same(e, x, name):
    assert dtype_name(e.dtype) == dtype_name(x.dtype), (e.dtype, x.dtype)
    assert tuple(e.shape) == tuple(x.shape)
    want = x.float().numpy() if x.dtype == torch.bfloat16 else x.numpy()
    got = to_numpy(e)
    if x.dtype.is_floating_point:
        tol = default_tolerance(e.dtype)[0]
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


CALLS = [
    ("sum", lambda m, t: m.sum(t)), ("sum dim", lambda m, t: m.sum(t, 1)),
    ("sum dims keepdim", lambda m, t: m.sum(t, (0, 2), keepdim=True)),
    ("sum dtype", lambda m, t: m.sum(t, -1, dtype=m.float64)),
    ("prod", lambda m, t: m.prod(t, 1)), ("amax", lambda m, t: m.amax(t, (1, 2))),
    ("amin", lambda m, t: m.amin(t)), ("max", lambda m, t: m.max(t)), ("min", lambda m, t: m.min(t)),
    ("max dim", lambda m, t: m.max(t, 1)[0]), ("max dim idx", lambda m, t: m.max(t, 1).indices),
    ("min dim idx", lambda m, t: m.min(t, 0, keepdim=True)[1]),
    ("all", lambda m, t: m.all(t, 1)), ("any", lambda m, t: m.any(t)),
    ("cumsum", lambda m, t: m.cumsum(t, 1)), ("cumprod", lambda m, t: m.cumprod(t, 0)),
    ("logsumexp", lambda m, t: m.logsumexp(t, (0, 1))),
]
FLOAT_CALLS = [
    ("mean", lambda m, t: m.mean(t, 2)), ("var", lambda m, t: m.var(t, 1)),
    ("var unbiased", lambda m, t: m.var(t, 0, False, True)), ("std", lambda m, t: m.std(t, correction=0)),
    ("norm", lambda m, t: m.norm(t)), ("norm 1 dim", lambda m, t: m.norm(t, 1, dim=1)),
    ("norm inf", lambda m, t: t.norm(float("inf"), 2)), ("norm 0.5", lambda m, t: m.norm(t, 0.5, dim=(0, 1))),
    ("softmax", lambda m, t: m.softmax(t, 1)), ("log_softmax", lambda m, t: m.log_softmax(t, 0)),
    ("softmax last", lambda m, t: t.softmax(-1)),
]
ARG_CALLS = [("argmax", lambda m, t: m.argmax(t)), ("argmin dim", lambda m, t: m.argmin(t, 1)),
             ("argmax keepdim", lambda m, t: m.argmax(t, 2, keepdim=True))]


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dtype_name)
def test_against_torch(dtype, rng):
    name = dtype_name(dtype)
    x, e = _pair(dtype, (4, 5, 6), rng)
    calls = CALLS + (FLOAT_CALLS if dtype in FLOAT_DTYPES else []) + (ARG_CALLS if dtype != ember.bool else [])
    for label, call in calls:
        if label in ("all", "any") and dtype == ember.uint8:
            continue  # torch keeps uint8 for all/any (legacy); ember returns bool
        if label == "logsumexp" and dtype == ember.bool:
            continue
        _same(call(ember, e), call(torch, x), f"{label} {name}")
        # the same on a transposed view
        _same(call(ember, e.transpose(0, 2)), call(torch, x.transpose(0, 2)), f"{label} {name} transposed")


def test_nan_semantics_match_torch():
    a = np.array([[1.0, np.nan, 3.0, np.nan], [np.inf, -np.inf, 0.0, 2.0], [-np.inf] * 4], np.float32)
    x, e = torch.from_numpy(a), make_tensor(a)
    for call in (lambda m, t: m.amax(t, 1), lambda m, t: m.max(t, 1).indices, lambda m, t: m.argmin(t, 1),
                 lambda m, t: m.softmax(t, 1), lambda m, t: m.log_softmax(t, 1), lambda m, t: m.logsumexp(t, 1),
                 lambda m, t: m.cumsum(t, 1), lambda m, t: m.norm(t, float("inf"), 1), lambda m, t: m.var(t, 1),
                 lambda m, t: m.argmax(t, 0), lambda m, t: m.softmax(t, 0)):
        _same(call(ember, e), call(torch, x), "nan")


@pytest.mark.filterwarnings("ignore:var")  # torch warns about var of one element
def test_return_types_and_edges_match_torch():
    a = np.array([[2.0, 7.0, 7.0], [1.0, 0.0, 1.0]], np.float32)
    x, e = torch.from_numpy(a), make_tensor(a)
    r, tr = ember.max(e, 1), torch.max(x, 1)
    assert type(r).__name__ == type(tr).__name__ == "max"
    _same(r.values, tr.values, "values")
    _same(r.indices, tr.indices, "indices")
    s, ts = ember.full((), 3.0), torch.tensor(3.0)
    for call in (lambda t: t.sum(0), lambda t: t.max(0)[1], lambda t: t.argmax(), lambda t: t.softmax(0),
                 lambda t: t.cumsum(0), lambda t: t.var(), lambda t: t.norm()):
        _same(call(s), call(ts), "0-dim")
    z, tz = ember.zeros(0, 3), torch.zeros(0, 3)
    for call in (lambda t: t.sum(0), lambda t: t.prod(0), lambda t: t.mean(0), lambda t: t.amax(1),
                 lambda t: t.var(0), lambda t: t.logsumexp(0), lambda t: t.all(0), lambda t: t.any(0)):
        _same(call(z), call(tz), "empty")
    for call, exc in ((lambda t: t.amax(0), IndexError), (lambda t: t.max(), RuntimeError),
                      (lambda t: t.argmax(), IndexError), (lambda t: t.sum(2), IndexError)):
        with pytest.raises(exc):
            call(tz)
        with pytest.raises(exc):
            call(z)
