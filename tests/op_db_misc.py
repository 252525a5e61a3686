"""op_db entries: the composite functions of _misc_ops.py (isclose, lerp, addcmul, diff,
bincount, histc, cdist, rot90, the cummax/cummin/logcumsumexp scans, ...). NumPy is the
reference where it has the same function; PyTorch otherwise."""
import numpy as np

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

NUMERIC_DTYPES = INT_DTYPES + FLOAT_DTYPES
HIGH_PRECISION = (ember.float32, ember.float64)


def _each(*shapes_and_args):
    def samples(rng, dtype):
        for shape, args, kwargs in shapes_and_args:
            yield Sample((random_data(rng, *shape), *args), dict(kwargs), name=f"{shape} {args} {kwargs}")
    return samples


# ---- comparisons ----------------------------------------------------------------------------

def _close_samples(rng, dtype):
    a = random_data(rng, 3, 4)
    b = a.copy()
    b[0] += 1e-3
    b[1, :2] = np.nan
    a[1, 0] = np.nan
    b[2, 1] = a[2, 1] = np.inf
    yield Sample((a, b), name="default tolerances")
    yield Sample((a, b), dict(rtol=1e-2, atol=1e-2), name="loose")
    yield Sample((a, b), dict(equal_nan=True), name="equal_nan")
    yield Sample((a, b[:1]), name="broadcast")
    yield Sample((a[:0], b[:0]), name="empty")
    yield Sample((np.array(1.0), np.array(1.0)), name="0-dim")


def _close_errors():
    yield ErrorCase((np.ones(2), Arg(np.ones(2), ember.float64)), exc=ember.DTypeError, match="isclose")
    yield ErrorCase((np.ones(2), np.ones(2)), dict(rtol=-1.0), exc=ValueError, match="rtol")
    yield ErrorCase((np.ones(2), np.ones(2)), dict(atol=-1.0), exc=ValueError, match="atol")
    yield ErrorCase((np.ones(2), np.ones(3)), exc=ember.ShapeError)


def _equal_samples(rng, dtype):
    a = random_data(rng, 3, 4)
    yield Sample((a, a.copy()), name="same")
    b = a.copy()
    b[1, 2] += 1
    yield Sample((a, b), name="differ")
    yield Sample((a, a[:1]), name="other shape")
    yield Sample((a[:0], a[:0]), name="empty")


# ---- fused arithmetic -----------------------------------------------------------------------

def _lerp_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), r(3, 4), 0.3), name="scalar weight")
    yield Sample((r(3, 4), r(3, 4), 0.8), name="scalar weight above half")
    yield Sample((r(3, 4), r(4), random_data(rng, 3, 1, low=-0.5, high=1.5)), name="tensor weight broadcast")
    yield Sample((r(0, 4), r(0, 4), 0.5), name="empty")
    yield Sample((np.array(1.0), np.array(3.0), np.array(0.25)), name="0-dim")


def _lerp_errors():
    yield ErrorCase((np.ones(2), Arg(np.ones(2), ember.float64), 0.5), exc=ember.DTypeError, match="end")
    yield ErrorCase((Arg(np.ones(2), ember.int64), Arg(np.ones(2), ember.int64), 0.5), exc=ember.DTypeError)
    yield ErrorCase((np.ones(2), np.ones(3), 0.5), exc=ember.ShapeError)


def _addc_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    div = lambda *s: random_data(rng, *s, low=1.0, high=3.0)
    yield Sample((r(3, 4), r(3, 4), div(3, 4)), name="same shape")
    yield Sample((r(3, 4), r(4), div(3, 1)), dict(value=2), name="broadcast value")
    yield Sample((r(0, 4), r(0, 4), div(0, 4)), name="empty")
    yield Sample((np.array(1.0), np.array(2.0), np.array(2.0)), dict(value=-1), name="0-dim")


def _addcdiv_errors():
    i = lambda: Arg(np.ones(2), ember.int64)
    yield ErrorCase((i(), i(), i()), exc=ember.DTypeError, match="addcdiv")
    yield ErrorCase((np.ones(2), np.ones(2), np.ones(3)), exc=ember.ShapeError)


def _addcmul_errors():
    yield ErrorCase((np.ones(2), np.ones(2), np.ones(3)), exc=ember.ShapeError)
    yield ErrorCase((np.ones(2), np.ones(2), np.ones(2)), dict(value="x"), exc=TypeError)


def _nan_to_num_samples(rng, dtype):
    a = random_data(rng, 3, 4)
    a[0, 0], a[1, 1], a[2, 2] = np.nan, np.inf, -np.inf
    yield Sample((a,), name="defaults")
    yield Sample((a,), dict(nan=1.5, posinf=7.0, neginf=-7.0), name="given")
    yield Sample((a[:0],), name="empty")
    yield Sample((np.array(np.nan),), name="0-dim")


# ---- differences and counts -----------------------------------------------------------------

def _diff_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 5),), name="last dim")
    yield Sample((r(3, 5),), dict(n=2, dim=0), name="n=2 dim 0")
    yield Sample((r(3, 5),), dict(prepend=r(3, 1), append=r(3, 2)), name="prepend append")
    yield Sample((r(4),), dict(n=6), name="n beyond length")
    yield Sample((r(0, 3),), dict(dim=0), name="empty")
    yield Sample((r(4),), dict(n=0), name="n=0")


def _diff_ref(a, n=1, dim=-1, prepend=None, append=None):
    kwargs = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    out = np.diff(a, n=n, axis=dim, **kwargs)
    return out


def _diff_errors():
    yield ErrorCase((np.array(1.0),), exc=ember.ShapeError, match="one-dimensional")
    yield ErrorCase((np.ones(3),), dict(n=-1), exc=ValueError, match="non-negative")
    yield ErrorCase((np.ones(3),), dict(dim=2), exc=IndexError)


def _bincount_samples(rng, dtype):
    values = rng.integers(0, 6, size=20).astype(np.int64)
    yield Sample((values,), name="counts")
    yield Sample((values,), dict(minlength=10), name="minlength")
    yield Sample((values, random_data(rng, 20)), name="weights")
    yield Sample((values[:0],), name="empty")
    yield Sample((values[:0],), dict(minlength=3), name="empty minlength")
    yield Sample((Arg(values, ember.uint8),), name="uint8")


def _bincount_ref(x, weights=None, minlength=0):
    return np.bincount(x, weights=weights, minlength=minlength)


def _bincount_errors():
    yield ErrorCase((np.array([1, -1]),), exc=ValueError, match="non-negative")
    yield ErrorCase((np.array([[1, 2]]),), exc=ValueError, match="1-d")
    yield ErrorCase((np.array([1.0, 2.0]),), exc=ember.DTypeError, match="integral")
    yield ErrorCase((np.array([1, 2]),), dict(minlength=-1), exc=ValueError, match="minlength")
    yield ErrorCase((np.array([1, 2]), np.ones(3)), exc=ember.ShapeError, match="weights")


def _histc_samples(rng, dtype):
    a = random_data(rng, 40)
    yield Sample((a,), name="default bins, data range")
    yield Sample((a,), dict(bins=7, min=-2, max=2), name="given range drops outside")
    b = a.copy()
    b[3] = np.nan
    yield Sample((b,), dict(bins=5, min=-3, max=3), name="NaN ignored")
    yield Sample((np.full(4, 2.0),), dict(bins=4), name="constant data")
    yield Sample((a.reshape(5, 8),), dict(bins=6), name="2-D")
    yield Sample((a[:0],), dict(bins=3), name="empty")


def _histc_ref(a, bins=100, min=0, max=0):
    lo, hi = float(min), float(max)
    finite = a[~np.isnan(a)]
    if lo == hi and a.size:
        lo, hi = finite.min(), finite.max()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return np.histogram(finite, bins=bins, range=(lo, hi))[0].astype(np.float64)


def _histc_errors():
    yield ErrorCase((np.ones(3),), dict(bins=0), exc=ValueError, match="bins")
    yield ErrorCase((np.ones(3),), dict(min=3, max=2), exc=ValueError, match="max must be larger")
    yield ErrorCase((np.array([1.0, np.nan]),), dict(bins=4), exc=ValueError, match="not finite")
    yield ErrorCase((Arg(np.ones(3), ember.int64),), exc=ember.DTypeError, match="floating")


def _trapezoid_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 5),), name="unit spacing")
    yield Sample((r(3, 5),), dict(dx=0.5, dim=0), name="dx dim 0")
    yield Sample((r(3, 5), np.sort(r(5))), name="1-D x")
    yield Sample((r(3, 5), np.sort(r(3, 5), axis=1)), name="x like y")
    yield Sample((r(3, 0),), name="empty dim")


def _trapezoid_ref(y, x=None, *, dx=None, dim=-1):
    if x is not None:
        return np.trapezoid(y, x, axis=dim) if hasattr(np, "trapezoid") else np.trapz(y, x, axis=dim)
    f = np.trapezoid if hasattr(np, "trapezoid") else np.trapz
    return f(y, dx=1.0 if dx is None else dx, axis=dim)


def _trapezoid_errors():
    yield ErrorCase((np.array(1.0),), exc=ember.ShapeError)
    yield ErrorCase((np.ones((2, 3)), np.ones(4)), exc=ember.ShapeError, match="points")


# ---- covariance -----------------------------------------------------------------------------

def _cov_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 6),), name="3 variables")
    yield Sample((r(6),), name="one variable")
    yield Sample((r(3, 6),), dict(correction=0), name="correction 0")
    yield Sample((r(2, 5),), dict(fweights=np.array([1, 2, 0, 3, 1])), name="fweights")
    yield Sample((r(2, 5),), dict(aweights=rng.uniform(0.1, 2, 5),
                                  fweights=np.array([1, 2, 1, 3, 1]), correction=2), name="both weights")


def _cov_ref(a, correction=1, fweights=None, aweights=None):
    return np.cov(a, ddof=correction, fweights=fweights, aweights=aweights)


def _cov_errors():
    yield ErrorCase((np.ones((2, 2, 2)),), exc=ember.ShapeError, match="two or fewer")
    yield ErrorCase((np.ones((2, 3)),), dict(fweights=np.array([1, 2])), exc=ember.ShapeError, match="fweights")
    yield ErrorCase((np.ones((2, 3)),), dict(fweights=np.ones(3)), exc=ember.DTypeError, match="integral")
    yield ErrorCase((np.ones((2, 3)),), dict(fweights=np.array([1, -1, 1])), exc=ValueError, match="negative")
    yield ErrorCase((np.ones((2, 3)),), dict(aweights=np.array([1, 1, 1])), exc=ember.DTypeError,
                    match="floating")


def _corrcoef_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 6),), name="3 variables")
    yield Sample((random_data(rng, 6),), name="one variable")


def _corrcoef_ref(a):
    return np.clip(np.corrcoef(a), -1, 1)


# ---- distances and rotation -----------------------------------------------------------------

def _cdist_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 3), r(5, 3)), name="p=2 direct")
    yield Sample((r(30, 3), r(5, 3)), name="p=2 by matrix product")
    yield Sample((r(4, 3), r(5, 3)), dict(compute_mode="use_mm_for_euclid_dist"), name="forced mm")
    yield Sample((r(2, 4, 3), r(5, 3)), dict(p=1.0), name="p=1 batch broadcast")
    yield Sample((r(4, 3), r(5, 3)), dict(p=0.0), name="p=0")
    yield Sample((r(4, 3), r(5, 3)), dict(p=3.0), name="p=3")
    yield Sample((r(4, 3), r(5, 3)), dict(p=float("inf")), name="p=inf")
    yield Sample((r(0, 3), r(5, 3)), name="empty rows")
    yield Sample((r(4, 0), r(5, 0)), name="no columns")


def _cdist_ref(a, b, p=2.0, compute_mode=None):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == 0:
        return (d != 0).sum(-1).astype(np.float64)
    if p == np.inf:
        return d.max(-1, initial=0.0)
    return (d ** p).sum(-1) ** (1.0 / p)


def _cdist_errors():
    yield ErrorCase((np.ones(3), np.ones((2, 3))), exc=ember.ShapeError, match="2D")
    yield ErrorCase((np.ones((2, 3)), np.ones((2, 4))), exc=ember.ShapeError, match="columns")
    yield ErrorCase((np.ones((2, 3)), np.ones((2, 3))), dict(p=-1.0), exc=ValueError, match="non-negative")
    yield ErrorCase((Arg(np.ones((2, 3)), ember.int64), Arg(np.ones((2, 3)), ember.int64)),
                    exc=ember.DTypeError, match="cdist")
    yield ErrorCase((np.ones((2, 3)), Arg(np.ones((2, 3)), ember.float64)), exc=ember.DTypeError)


def _rot90_errors():
    yield ErrorCase((np.ones((2, 3)), 1, [0, 0]), exc=ValueError, match="different")
    yield ErrorCase((np.ones((2, 3)), 1, [0]), exc=ValueError, match="rotation dims")
    yield ErrorCase((np.ones(3), 1, [0, 1]), exc=ember.ShapeError, match="total dims")
    yield ErrorCase((np.ones((2, 3)), 1, [0, 4]), exc=IndexError)


# ---- scans ----------------------------------------------------------------------------------

def _scan_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    ties = np.round(r(4, 9))
    yield Sample((ties, 1), name="ties along rows")
    yield Sample((r(5, 3), 0), name="dim 0")
    yield Sample((r(2, 3, 17), -1), name="long dim")
    yield Sample((r(0, 3), 1), name="empty")
    yield Sample((np.array(2.0), 0), name="0-dim")
    if dtype in FLOAT_DTYPES:
        with_nan = r(3, 6)
        with_nan[0, 2] = with_nan[1, 0] = with_nan[1, 4] = np.nan
        yield Sample((with_nan, 1), name="NaN propagates")


def _scan_errors(op):
    def errors():
        yield ErrorCase((np.ones((2, 3)), 2), exc=IndexError, match=op)
        yield ErrorCase((np.array(1.0), 1), exc=IndexError, match=op)
    return errors


def _logcumsumexp_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 9), 1), name="rows")
    yield Sample((r(5, 3) * 300, 0), name="large values")
    big = r(2, 6)
    big[0, :2] = -np.inf
    big[1, 3] = np.inf
    yield Sample((big, 1), name="infinities")
    yield Sample((r(0, 3), 1), name="empty")
    yield Sample((np.array(2.0), 0), name="0-dim")


def _logcumsumexp_ref(a, dim):
    with np.errstate(all="ignore"):
        return np.logaddexp.accumulate(a, axis=dim) if a.ndim else a.copy()


ENTRIES = [
    OpEntry("isclose", lambda lib, a, b, **kw: lib.isclose(a, b, **kw), _close_samples,
            dtypes=ALL_DTYPES, errors=_close_errors, differentiable=False,
            reference=lambda a, b, rtol=1e-5, atol=1e-8, equal_nan=False: np.isclose(
                a, b, rtol=rtol, atol=atol, equal_nan=equal_nan) if a.dtype.kind == "f" else np.isclose(
                a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol)),
    OpEntry("allclose", lambda lib, a, b, **kw: lib.tensor(lib.allclose(a, b, **kw)), _close_samples,
            dtypes=HIGH_PRECISION, differentiable=False,
            reference=lambda a, b, rtol=1e-5, atol=1e-8, equal_nan=False: np.array(
                np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))),
    OpEntry("equal", lambda lib, a, b: lib.tensor(lib.equal(a, b)), _equal_samples, dtypes=ALL_DTYPES,
            differentiable=False, noncontiguous=False,
            reference=lambda a, b: np.array(a.shape == b.shape and bool(np.all(a == b)))),
    OpEntry("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), _lerp_samples, errors=_lerp_errors,
            reference=lambda a, b, w: a + w * (b - a)),
    OpEntry("addcmul", lambda lib, a, b, c, **kw: lib.addcmul(a, b, c, **kw), _addc_samples,
            dtypes=NUMERIC_DTYPES, errors=_addcmul_errors,
            out_dtypes=lambda dtype: dtype,
            reference=lambda a, b, c, value=1: (a.astype(np.int64) + value * b.astype(np.int64) * c)
            if a.dtype.kind != "f" else a + value * b * c),
    OpEntry("addcdiv", lambda lib, a, b, c, **kw: lib.addcdiv(a, b, c, **kw), _addc_samples,
            errors=_addcdiv_errors, reference=lambda a, b, c, value=1: a + value * b / c),
    OpEntry("clamp_min", lambda lib, a, m: lib.clamp_min(a, m), _each(((3, 4), (0.5,), {}), ((0,), (0.5,), {})),
            dtypes=FLOAT_DTYPES, reference=lambda a, m: np.maximum(a, m)),
    OpEntry("clamp_max", lambda lib, a, m: lib.clamp_max(a, m), _each(((3, 4), (0.5,), {}), ((0,), (0.5,), {})),
            dtypes=FLOAT_DTYPES, reference=lambda a, m: np.minimum(a, m)),
    OpEntry("nan_to_num", lambda lib, a, **kw: lib.nan_to_num(a, **kw), _nan_to_num_samples,
            dtypes=ALL_DTYPES, reference=None),  # defaults depend on the dtype: PyTorch checks them
    OpEntry("diff", lambda lib, a, **kw: lib.diff(a, **kw), _diff_samples, dtypes=ALL_DTYPES,
            errors=_diff_errors, reference=None),
    OpEntry("bincount", lambda lib, x, *w, **kw: lib.bincount(x, *w, **kw), _bincount_samples,
            dtypes=(ember.float32, ember.float64), errors=_bincount_errors, differentiable=False,
            reference=_bincount_ref),
    OpEntry("histc", lambda lib, a, **kw: lib.histc(a, **kw), _histc_samples, dtypes=HIGH_PRECISION,
            errors=_histc_errors, differentiable=False, reference=_histc_ref),
    # Half-precision inputs place their bin boundaries in their own rounding, as PyTorch does.
    OpEntry("histc half", lambda lib, a, **kw: lib.histc(a, **kw), _histc_samples,
            dtypes=(ember.float16, ember.bfloat16), differentiable=False, reference=None),
    OpEntry("trapezoid", lambda lib, y, *x, **kw: lib.trapezoid(y, *x, **kw), _trapezoid_samples,
            errors=_trapezoid_errors, reference=_trapezoid_ref),
    OpEntry("cdist", lambda lib, a, b, **kw: lib.cdist(a, b, **kw), _cdist_samples, dtypes=HIGH_PRECISION,
            errors=_cdist_errors, reference=_cdist_ref,
            tolerances={ember.float32: (1e-4, 1e-4), ember.float64: (1e-9, 1e-9)}),
    OpEntry("rot90", lambda lib, a, *args: lib.rot90(a, *args),
            _each(((3, 4), (), {}), ((3, 4), (2,), {}), ((3, 4), (-1,), {}), ((2, 3, 4), (3, [2, 0]), {}),
                  ((0, 4), (1,), {}), ((3, 4), (4,), {})),
            dtypes=ALL_DTYPES, errors=_rot90_errors,
            reference=lambda a, k=1, dims=(0, 1): np.rot90(a, k, axes=tuple(dims)).copy()),
    OpEntry("cummax", lambda lib, a, d: lib.cummax(a, d), _scan_samples, dtypes=ALL_DTYPES,
            errors=_scan_errors("cummax"), reference=None),
    OpEntry("cummin", lambda lib, a, d: lib.cummin(a, d), _scan_samples, dtypes=ALL_DTYPES,
            errors=_scan_errors("cummin"), reference=None),
    OpEntry("logcumsumexp", lambda lib, a, d: lib.logcumsumexp(a, d), _logcumsumexp_samples,
            errors=_scan_errors("logcumsumexp"), reference=_logcumsumexp_ref,
            tolerances={ember.float32: (1e-5, 1e-5)}),
    OpEntry("cov", lambda lib, a, **kw: lib.cov(a, **kw), _cov_samples, dtypes=HIGH_PRECISION,
            errors=_cov_errors, reference=_cov_ref, tolerances={ember.float32: (1e-4, 1e-5)}),
    OpEntry("corrcoef", lambda lib, a: lib.corrcoef(a), _corrcoef_samples, dtypes=HIGH_PRECISION,
            reference=_corrcoef_ref, tolerances={ember.float32: (1e-4, 1e-5)}),
]
