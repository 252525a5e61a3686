"""op_db entries: the composites of torch's surface in ember/_ops/extra.py and extra_shape.py
(nansum, aminmax, logit, fmax, gcd, addr, take, put, the *_scatter family, scatter_reduce,
hsplit, isin, tril_indices, ...). NumPy is the reference where it has the function; PyTorch
otherwise."""
import itertools

import numpy as np

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

NUMERIC = INT_DTYPES + FLOAT_DTYPES
HIGH = (ember.float32, ember.float64)
I64 = ember.int64


def _with_nans(rng, *shape):
    a = random_data(rng, *shape)
    if a.size:
        a.reshape(-1)[:: max(a.size // 3, 1)] = np.nan
    return a


def _each(*cases):
    """Samples (shape, extra args, kwargs) on random data."""
    def samples(rng, dtype):
        for shape, args, kwargs in cases:
            yield Sample((random_data(rng, *shape), *args), dict(kwargs), name=f"{shape} {args} {kwargs}")
    return samples


# ---- reductions ---------------------------------------------------------------------------------

def _nan_samples(rng, dtype):
    yield Sample((_with_nans(rng, 3, 4),), name="all")
    yield Sample((_with_nans(rng, 3, 4), 1), name="dim 1")
    yield Sample((_with_nans(rng, 3, 4), (0, 1), True), name="dims keepdim")
    yield Sample((random_data(rng, 2, 3).T,), dict(dim=0), name="transposed, no nans")
    yield Sample((np.zeros((0, 3)), 1), name="empty")
    yield Sample((np.array(2.5),), name="0-dim")


def _nan_errors():
    yield ErrorCase((Arg(np.ones(3), I64),), exc=TypeError, match="nanmean")


def _aminmax_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4),), name="all")
    yield Sample((random_data(rng, 3, 4),), dict(dim=1), name="dim 1")
    yield Sample((random_data(rng, 3, 4),), dict(dim=0, keepdim=True), name="dim 0 keepdim")
    yield Sample((random_data(rng, 3, 4),), dict(keepdim=True), name="all keepdim")
    yield Sample((np.array(1.5),), name="0-dim")


def _aminmax_ref(a, dim=None, keepdim=False):
    return np.min(a, axis=dim, keepdims=keepdim), np.max(a, axis=dim, keepdims=keepdim)


def _aminmax_errors():
    yield ErrorCase((np.zeros(0),), exc=RuntimeError, match="aminmax")
    yield ErrorCase((np.zeros((2, 0)),), dict(dim=1), exc=RuntimeError, match="aminmax")


def _mode_samples(rng, dtype):
    a = np.round(random_data(rng, 4, 7, low=0, high=3))
    yield Sample((a,), name="last dim")
    yield Sample((a, 0), name="dim 0")
    yield Sample((a, 1, True), name="keepdim")
    yield Sample((np.array([3.0, 1, 3, 1, 2]),), name="tie: smallest value, last position")
    yield Sample((np.array(3.0),), name="0-dim")


def _mode_errors():
    yield ErrorCase((np.zeros(0),), exc=IndexError, match="mode")
    yield ErrorCase((np.zeros((2, 3)), 2), exc=IndexError, match="mode")


# ---- elementwise ---------------------------------------------------------------------------------

def _unit_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4, low=0.05, high=0.95),), name="inside (0, 1)")
    yield Sample((random_data(rng, 3, 4, low=0.05, high=0.95),), dict(eps=0.1), name="eps clamps")
    yield Sample((random_data(rng, 0, 2, low=0.1, high=0.9),), name="empty")
    yield Sample((np.array(0.3),), name="0-dim")


def _logit_ref(a, eps=None):
    if eps is not None:
        a = np.clip(a, eps, 1 - eps)
    return np.log(a / (1 - a))


def _sinc_samples(rng, dtype):
    a = random_data(rng, 3, 4)
    a[0, 0] = 0.0
    yield Sample((a,), name="with 0")
    yield Sample((np.zeros((0, 3)),), name="empty")
    yield Sample((np.array(0.5),), name="0-dim")


def _pair_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4), random_data(rng, 3, 4)), name="same shape")
    yield Sample((random_data(rng, 3, 4), random_data(rng, 4)), name="broadcast")
    yield Sample((np.zeros((0, 4)), np.zeros(4)), name="empty")
    yield Sample((np.array(1.0), np.array(-2.0)), name="0-dim")


def _fm_samples(rng, dtype):
    a, b = random_data(rng, 3, 4), random_data(rng, 3, 4)
    a[0, :2] = np.nan  # only one operand NaN at a position: the other wins
    b[1, 1:3] = np.nan
    yield Sample((a, b), name="nans")
    yield from _pair_samples(rng, dtype)


def _float_power_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4, low=0.5, high=2.0), random_data(rng, 3, 4)), name="tensor exponent")
    yield Sample((random_data(rng, 3, 4, low=0.5, high=2.0), 2), name="int exponent")
    yield Sample((np.array(1.5), random_data(rng, 3)), name="0-dim base")


def _heaviside_samples(rng, dtype):
    a = np.round(random_data(rng, 3, 4))
    yield Sample((a, np.round(random_data(rng, 3, 4))), name="same shape")
    yield Sample((a, np.array(0.5) if dtype in FLOAT_DTYPES else np.array(7.0)), name="0-dim values")
    yield Sample((np.zeros((0, 2)), np.zeros(2)), name="empty")


def _heaviside_errors():
    yield ErrorCase((np.ones(3), Arg(np.ones(3), ember.float64)), exc=TypeError, match="heaviside")


def _int_pair_samples(rng, dtype):
    a = np.round(random_data(rng, 3, 4, low=-9, high=9))  # lcm stays inside int8
    b = np.round(random_data(rng, 3, 4, low=-9, high=9))
    a[0, 0] = b[0, 0] = 0
    a[0, 1] = 0
    yield Sample((a, b), name="with zeros")
    yield Sample((a, b[0]), name="broadcast")
    yield Sample((np.zeros((0, 2)), np.zeros(2)), name="empty")


def _int_pair_errors(op):
    def errors():
        yield ErrorCase((np.ones(2), np.ones(2)), exc=TypeError, match=op)
        yield ErrorCase((Arg(np.ones(2), ember.bool), Arg(np.ones(2), ember.bool)), exc=TypeError, match=op)
    return errors


def _abs_ints(f):
    """np.gcd / np.lcm on the values (unsigned values of signed dtypes are compared as int64)."""
    return lambda a, b: f(a.astype(np.int64), b.astype(np.int64)).astype(np.promote_types(a.dtype, b.dtype))


def _frexp_samples(rng, dtype):
    a = random_data(rng, 3, 4)
    a[0, 0] = 0.0
    yield Sample((a,), name="with 0")
    yield Sample((np.array([np.inf, -0.5, 1.0]),), name="specials")
    yield Sample((np.array(3.0),), name="0-dim")


def _frexp_ref(a):
    m, e = np.frexp(a)
    return m, e.astype(np.int32)


def _ldexp_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4), np.array([[1, -2, 3, 0]] * 3)), grad_args=(0,), name="int exponents")
    yield Sample((random_data(rng, 3), np.array(2)), grad_args=(0,), name="0-dim exponent")


def _specials_samples(rng, dtype):
    a = random_data(rng, 3, 4)
    if dtype in FLOAT_DTYPES:
        a[0, 0], a[1, 1], a[2, 2] = np.inf, -np.inf, np.nan
    yield Sample((a,), name="specials")
    yield Sample((np.zeros((0, 2)),), name="empty")
    yield Sample((np.array(1.0),), name="0-dim")


# ---- products, norms ----------------------------------------------------------------------------

def _addr_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), r(3), r(4)), name="plain")
    yield Sample((r(3, 4), r(3), r(4)), dict(beta=0.5, alpha=2.0), name="beta alpha")
    yield Sample((r(4), r(3), r(4)), dict(alpha=-1), name="broadcast input")
    yield Sample((r(3, 4), r(3), r(4)), dict(beta=0), name="beta 0")
    yield Sample((r(0, 4), r(0), r(4)), name="empty")


def _addr_ref(a, v1, v2, beta=1, alpha=1):
    product = alpha * np.outer(v1, v2)
    return product + 0 * a if beta == 0 else beta * a + product


def _addr_errors():
    yield ErrorCase((np.ones((3, 4)), np.ones((3, 1)), np.ones(4)), exc=ValueError, match="addr")
    yield ErrorCase((Arg(np.ones((2, 2)), I64), Arg(np.ones(2), I64), Arg(np.ones(2), I64)), dict(alpha=0.5),
                    exc=RuntimeError, match="addr")


def _dist_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), r(3, 4)), name="p 2")
    yield Sample((r(3, 4), r(4)), dict(p=1), name="p 1 broadcast")
    yield Sample((r(5), r(5)), dict(p=3), name="p 3")
    yield Sample((r(5), r(5)), dict(p=float("inf")), name="p inf")
    yield Sample((np.array(1.0), np.array(-2.0)), name="0-dim")


def _dist_ref(a, b, p=2):
    d = np.abs(a - b).reshape(-1)
    return np.array(d.max() if p == float("inf") else (d ** p).sum() ** (1.0 / p))


def _dist_errors():
    yield ErrorCase((Arg(np.ones(2), I64), Arg(np.ones(2), I64)), exc=TypeError, match="dist")


def _inner_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3), r(4, 3)), name="matrices")
    yield Sample((r(3), r(3)), name="vectors")
    yield Sample((r(2, 2, 3), r(3)), name="3-D with vector")
    yield Sample((np.array(2.0), r(3)), name="0-dim")


def _inner_errors():
    yield ErrorCase((np.ones((2, 3)), np.ones((2, 4))), exc=ValueError, match="inner")


def _renorm_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), 2, 0, 1.0), name="rows p2")
    yield Sample((r(3, 4), 1, 1, 2.0), name="cols p1")
    yield Sample((r(2, 3, 4), 3, 2, 0.5), name="3-D")


def _renorm_ref(a, p, dim, maxnorm):
    axes = tuple(i for i in range(a.ndim) if i != dim)
    norms = (np.abs(a) ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
    return a * np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)


def _renorm_errors():
    yield ErrorCase((np.ones((2, 2)), 0, 0, 1.0), exc=ValueError, match="renorm")
    yield ErrorCase((np.ones((2, 2)), 2, 0, -1.0), exc=ValueError, match="renorm")
    yield ErrorCase((Arg(np.ones((2, 2)), I64), 2, 0, 1.0), exc=TypeError, match="renorm")


# ---- take, put and the scatters -------------------------------------------------------------------

def _take_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4), np.array([[0, -1], [5, 11]])), name="2-D index, negative")
    yield Sample((random_data(rng, 3, 4), np.array([2, 2, 0])), name="repeated")
    yield Sample((random_data(rng, 3, 4), np.zeros(0, np.int64)), name="empty index")
    yield Sample((np.array(5.0), np.array(0)), name="0-dim")


def _take_errors():
    yield ErrorCase((np.ones((2, 2)), np.array([4])), exc=IndexError, match="take")
    yield ErrorCase((np.ones((2, 2)), np.array([1.0])), exc=TypeError, match="take")


def _put_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4), np.array([0, -1, 5]), random_data(rng, 3)), grad_args=(0, 2),
                 name="distinct")
    yield Sample((random_data(rng, 3, 4), np.array([[1, 1], [2, 1]]), random_data(rng, 2, 2)),
                 dict(accumulate=True), grad_args=(0, 2), name="accumulate repeated")


def _put_ref(a, index, source, accumulate=False):
    out = a.copy().reshape(-1)
    if accumulate:
        np.add.at(out, index.reshape(-1), source.reshape(-1))
    else:
        out[index.reshape(-1)] = source.reshape(-1)
    return out.reshape(a.shape)


def _put_errors():
    yield ErrorCase((np.ones((2, 2)), np.array([0, 1]), np.ones(3)), exc=RuntimeError, match="put")
    yield ErrorCase((np.ones((2, 2)), np.array([-5]), np.ones(1)), exc=IndexError, match="put")


def _diag_scatter_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 3), random_data(rng, 3)), name="main")
    yield Sample((random_data(rng, 3, 4), random_data(rng, 2)), dict(offset=2), name="offset 2")
    yield Sample((random_data(rng, 2, 3, 3), random_data(rng, 3, 2)), dict(dim1=0, dim2=2), name="3-D")


def _diag_scatter_ref(a, src, offset=0, dim1=0, dim2=1):
    out = a.copy()
    view = np.diagonal(out, offset, dim1, dim2)
    view.setflags(write=True)
    view[...] = src
    return out


def _select_scatter_samples(rng, dtype):
    yield Sample((random_data(rng, 2, 3), random_data(rng, 3), 0, 1), name="row")
    yield Sample((random_data(rng, 2, 3), random_data(rng, 2), 1, -1), name="last column")


def _select_scatter_ref(a, src, dim, index):
    out = a.copy()
    np.moveaxis(out, dim, 0)[index] = src
    return out


def _slice_scatter_samples(rng, dtype):
    yield Sample((random_data(rng, 4, 3), random_data(rng, 2, 3), 0, 0, 4, 2), name="step 2")
    yield Sample((random_data(rng, 4, 3), random_data(rng, 4, 1), 1, 2), name="start only")
    yield Sample((random_data(rng, 4, 3), random_data(rng, 4, 3)), name="whole")


def _slice_scatter_ref(a, src, dim=0, start=None, end=None, step=1):
    out = a.copy()
    key = [slice(None)] * dim + [slice(start, end, step)]
    out[tuple(key)] = src
    return out


def _scatter_view_errors(op, args):
    def errors():
        yield ErrorCase(args, exc=RuntimeError, match=op)
    return errors


def _scatter_reduce_samples(rng, dtype):
    index = np.array([[0, 1, 0, 1], [2, 2, 0, 0]])
    for reduce in ("sum", "mean", "amax", "amin"):
        for include_self in (True, False):
            yield Sample((random_data(rng, 3, 4), 0, index, random_data(rng, 2, 4), reduce),
                         dict(include_self=include_self), grad_args=(0, 3), name=f"{reduce} self={include_self}")
    yield Sample((random_data(rng, 5), 0, np.array([4, 0, 4]), random_data(rng, 3), "amax"), grad_args=(0, 3),
                 name="1-D")


def _scatter_reduce_prod_samples(rng, dtype):
    index = np.array([0, 1, 0, 1])
    yield Sample((random_data(rng, 3), 0, index, random_data(rng, 4), "prod"), name="prod")
    yield Sample((random_data(rng, 3), 0, index, random_data(rng, 4), "prod"), dict(include_self=False),
                 name="prod without self")


def _scatter_reduce_errors():
    yield ErrorCase((np.ones(3), 0, np.array([0]), np.ones(1), "median"), exc=RuntimeError, match="scatter_reduce")
    yield ErrorCase((np.ones(3), 0, np.array([3]), np.ones(1), "amax"), exc=IndexError, match="scatter_reduce")
    yield ErrorCase((np.ones(3), 0, np.array([0]), Arg(np.ones(1), ember.float64), "sum"), exc=TypeError,
                    match="scatter_reduce")


# ---- splitting ------------------------------------------------------------------------------------

def _hsplit_samples(rng, dtype):
    yield Sample((random_data(rng, 2, 4), 2), name="sections")
    yield Sample((random_data(rng, 4), [1, 3]), name="1-D indices")
    yield Sample((random_data(rng, 2, 6, 2), [2]), name="3-D")


def _vsplit_samples(rng, dtype):
    yield Sample((random_data(rng, 4, 2), 2), name="sections")
    yield Sample((random_data(rng, 5, 2), [1, 4]), name="indices")


def _dsplit_samples(rng, dtype):
    yield Sample((random_data(rng, 2, 2, 4), 2), name="sections")
    yield Sample((random_data(rng, 2, 2, 5), [3]), name="indices")


def _split_errors(op, shape, arg):
    def errors():
        yield ErrorCase((np.ones(shape), arg), exc=RuntimeError, match=op)
    return errors


def _sws_samples(rng, dtype):
    yield Sample((random_data(rng, 5, 2), [2, 3]), name="dim 0")
    yield Sample((random_data(rng, 2, 5), [1, 0, 4], 1), name="dim 1 with an empty piece")


def _sws_ref(a, sizes, dim=0):
    return np.split(a, np.cumsum(sizes)[:-1], axis=dim)


def _isin_samples(rng, dtype):
    a = np.round(random_data(rng, 3, 4))
    yield Sample((a, np.round(random_data(rng, 5))), name="tensors")
    yield Sample((a, np.round(random_data(rng, 5))), dict(invert=True), name="invert")
    yield Sample((a, np.zeros(0)), name="empty test")
    yield Sample((np.array(1.0), np.array([1.0, 2.0])), name="0-dim")


def _isin_ref(a, b, invert=False, assume_unique=False):
    return np.isin(a, b, invert=invert)


def _no_tensor_samples(*arg_sets):
    def samples(rng, dtype):
        for args, kwargs in arg_sets:
            yield Sample(tuple(args), dict(kwargs), name=f"{args} {kwargs}")
    return samples


def _triangle_ref(np_fn):
    return lambda row, col, offset=0: np.stack(np_fn(row, offset, col)).reshape(2, -1).astype(np.int64)


def _cartesian_samples(rng, dtype):
    yield Sample((random_data(rng, 2), random_data(rng, 3)), name="two")
    yield Sample((random_data(rng, 2), random_data(rng, 1), random_data(rng, 2)), name="three")
    yield Sample((random_data(rng, 3),), name="one")


def _cartesian_ref(*arrays):
    if len(arrays) == 1:
        return arrays[0]
    return np.stack([g.reshape(-1) for g in np.meshgrid(*arrays, indexing="ij")], axis=1)


def _combinations_samples(rng, dtype):
    yield Sample((random_data(rng, 4),), name="pairs")
    yield Sample((random_data(rng, 4),), dict(r=3), name="triples")
    yield Sample((random_data(rng, 3),), dict(with_replacement=True), name="with replacement")


def _combinations_ref(a, r=2, with_replacement=False):
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    return a[np.array(list(pick(range(len(a)), r)))]


def _unravel_samples(rng, dtype):
    yield Sample((np.array([5, 7, 0]), (2, 4)), name="2-D")
    yield Sample((np.array([[23, -1]]), (2, 3, 4)), name="3-D, negative")


def _unravel_ref(indices, shape):
    return tuple(c.astype(np.int64) for c in np.unravel_index(indices % int(np.prod(shape)), shape))


ENTRIES = [
    OpEntry("nansum", lambda lib, a, *args, **kw: lib.nansum(a, *args, **kw), _nan_samples,
            reference=lambda a, dim=None, keepdim=False: np.nansum(a, axis=dim, keepdims=keepdim)),
    OpEntry("nanmean", lambda lib, a, *args, **kw: lib.nanmean(a, *args, **kw), _nan_samples, errors=_nan_errors,
            reference=None),
    OpEntry("aminmax", lambda lib, a, **kw: tuple(lib.aminmax(a, **kw)), _aminmax_samples, dtypes=NUMERIC,
            errors=_aminmax_errors, reference=_aminmax_ref),
    OpEntry("mode", lambda lib, a, *args: tuple(lib.mode(a, *args)), _mode_samples, dtypes=NUMERIC,
            errors=_mode_errors, reference=None, differentiable=False),  # gradient: test_surface_ops.py
    OpEntry("logit", lambda lib, a, **kw: lib.logit(a, **kw), _unit_samples, reference=_logit_ref,
            tolerances={ember.bfloat16: (2e-2, 2e-2), ember.float16: (3e-3, 3e-3)}),
    OpEntry("sinc", lambda lib, a: lib.sinc(a), _sinc_samples, reference=np.sinc,
            tolerances={ember.float32: (1e-5, 1e-6)}),
    # torch's gradient of sgn is a ZeroTensor that its own numpy() refuses: NumPy is the reference
    OpEntry("sgn", lambda lib, a: lib.sgn(a), _each(((3, 4), (), {}), ((0,), (), {}), ((), (), {})), dtypes=NUMERIC,
            reference=np.sign, torch=False),
    OpEntry("positive", lambda lib, a: lib.positive(a), _each(((3, 4), (), {}), ((), (), {})), dtypes=NUMERIC,
            reference=lambda a: a.copy(),
            errors=lambda: [ErrorCase((Arg(np.ones(2), ember.bool),), exc=TypeError, match="positive")]),
    OpEntry("float_power", lambda lib, a, b: lib.float_power(a, b), _float_power_samples, dtypes=HIGH + INT_DTYPES[1:],
            out_dtypes=lambda dtype: ember.float64,
            reference=lambda a, b: np.power(a.astype(np.float64), np.asarray(b, np.float64))),
    OpEntry("fmax", lambda lib, a, b: lib.fmax(a, b), _fm_samples, dtypes=NUMERIC, reference=np.fmax),
    OpEntry("fmin", lambda lib, a, b: lib.fmin(a, b), _fm_samples, dtypes=NUMERIC, reference=np.fmin),
    OpEntry("heaviside", lambda lib, a, v: lib.heaviside(a, v), _heaviside_samples, dtypes=NUMERIC,
            differentiable=False, errors=_heaviside_errors,
            reference=lambda a, v: np.where(a == 0, v, (a > 0)).astype(np.result_type(a, v))),
    OpEntry("gcd", lambda lib, a, b: lib.gcd(a, b), _int_pair_samples, dtypes=INT_DTYPES, differentiable=False,
            errors=_int_pair_errors("gcd"), reference=_abs_ints(np.gcd)),
    OpEntry("lcm", lambda lib, a, b: lib.lcm(a, b), _int_pair_samples, dtypes=INT_DTYPES, differentiable=False,
            errors=_int_pair_errors("lcm"), reference=_abs_ints(np.lcm)),
    OpEntry("frexp", lambda lib, a: tuple(lib.frexp(a)), _frexp_samples, differentiable=False,
            out_dtypes=lambda dtype: (dtype, ember.int32), reference=_frexp_ref,
            errors=lambda: [ErrorCase((Arg(np.ones(2), I64),), exc=TypeError, match="frexp")]),
    # torch's gradient of ldexp computes 2 ** other in the integer dtype (0 for negative
    # exponents); ember's is 2.0 ** other, which finite differences confirm
    OpEntry("ldexp", lambda lib, a, e: lib.ldexp(a, e), _ldexp_samples,
            reference=lambda a, e: a * 2.0 ** e, torch=False),
    OpEntry("isposinf", lambda lib, a: lib.isposinf(a), _specials_samples, dtypes=ALL_DTYPES, differentiable=False,
            reference=np.isposinf),
    OpEntry("isneginf", lambda lib, a: lib.isneginf(a), _specials_samples, dtypes=ALL_DTYPES, differentiable=False,
            reference=np.isneginf),
    OpEntry("isreal", lambda lib, a: lib.isreal(a), _specials_samples, dtypes=ALL_DTYPES, differentiable=False,
            reference=np.isreal),
    OpEntry("addr", lambda lib, a, v1, v2, **kw: lib.addr(a, v1, v2, **kw), _addr_samples, errors=_addr_errors,
            reference=_addr_ref, tolerances={ember.bfloat16: (2e-2, 5e-2), ember.float16: (3e-3, 1e-2)}),
    OpEntry("dist", lambda lib, a, b, **kw: lib.dist(a, b, **kw), _dist_samples, dtypes=HIGH, errors=_dist_errors,
            reference=_dist_ref, tolerances={ember.float32: (1e-5, 1e-5)}),
    OpEntry("inner", lambda lib, a, b: lib.inner(a, b), _inner_samples, dtypes=HIGH, errors=_inner_errors,
            reference=np.inner, tolerances={ember.float32: (1e-5, 1e-5)}),
    OpEntry("renorm", lambda lib, a, p, dim, maxnorm: lib.renorm(a, p, dim, maxnorm), _renorm_samples, dtypes=HIGH,
            errors=_renorm_errors, reference=_renorm_ref, tolerances={ember.float32: (1e-5, 1e-6)}),
    OpEntry("take", lambda lib, a, i: lib.take(a, i), _take_samples, dtypes=ALL_DTYPES, errors=_take_errors,
            reference=lambda a, i: np.take(a.reshape(-1), i)),
    OpEntry("put", lambda lib, a, i, s, **kw: lib.put(a, i, s, **kw), _put_samples, dtypes=NUMERIC,
            errors=_put_errors, reference=_put_ref, tolerances={ember.bfloat16: (2e-2, 2e-2)}),
    OpEntry("diagonal_scatter", lambda lib, a, s, **kw: lib.diagonal_scatter(a, s, **kw), _diag_scatter_samples,
            dtypes=ALL_DTYPES, reference=_diag_scatter_ref,
            errors=_scatter_view_errors("diagonal_scatter", (np.ones((3, 3)), np.ones(2)))),
    OpEntry("select_scatter", lambda lib, a, s, d, i: lib.select_scatter(a, s, d, i), _select_scatter_samples,
            dtypes=ALL_DTYPES, reference=_select_scatter_ref,
            errors=_scatter_view_errors("select_scatter", (np.ones((2, 3)), np.ones(2), 0, 0))),
    OpEntry("slice_scatter", lambda lib, a, s, *args: lib.slice_scatter(a, s, *args), _slice_scatter_samples,
            dtypes=ALL_DTYPES, reference=_slice_scatter_ref,
            errors=_scatter_view_errors("slice_scatter", (np.ones((4, 3)), np.ones((3, 3))))),
    OpEntry("scatter_reduce", lambda lib, a, d, i, s, r, **kw: lib.scatter_reduce(a, d, i, s, r, **kw),
            _scatter_reduce_samples, dtypes=HIGH, errors=_scatter_reduce_errors, reference=None),
    OpEntry("scatter_reduce prod", lambda lib, a, d, i, s, r, **kw: lib.scatter_reduce(a, d, i, s, r, **kw),
            _scatter_reduce_prod_samples, dtypes=HIGH + (I64,), differentiable=False, reference=None),
    OpEntry("hsplit", lambda lib, a, s: list(lib.hsplit(a, s)), _hsplit_samples, dtypes=ALL_DTYPES,
            reference=lambda a, s: np.hsplit(a, s), errors=_split_errors("hsplit", (2, 5), 2)),
    OpEntry("vsplit", lambda lib, a, s: list(lib.vsplit(a, s)), _vsplit_samples, dtypes=ALL_DTYPES,
            reference=lambda a, s: np.vsplit(a, s), errors=_split_errors("vsplit", (4,), 2)),
    OpEntry("dsplit", lambda lib, a, s: list(lib.dsplit(a, s)), _dsplit_samples, dtypes=ALL_DTYPES,
            reference=lambda a, s: np.dsplit(a, s), errors=_split_errors("dsplit", (2, 2), 2)),
    OpEntry("split_with_sizes", lambda lib, a, sizes, *args: list(lib.split_with_sizes(a, sizes, *args)),
            _sws_samples, dtypes=ALL_DTYPES, reference=_sws_ref, errors=_split_errors("split_with_sizes", (5,), [2, 2])),
    OpEntry("ravel", lambda lib, a: lib.ravel(a), _each(((3, 4), (), {}), ((0, 2), (), {}), ((), (), {})),
            dtypes=ALL_DTYPES, reference=np.ravel),
    OpEntry("tril_indices", lambda lib, *args: lib.tril_indices(*args),
            _no_tensor_samples(((3, 3), {}), ((3, 4, 1), {}), ((4, 2, -1), {}), ((0, 3), {})), dtypes=(I64,),
            differentiable=False, noncontiguous=False, reference=_triangle_ref(np.tril_indices)),
    OpEntry("triu_indices", lambda lib, *args: lib.triu_indices(*args),
            _no_tensor_samples(((3, 3), {}), ((3, 4, 1), {}), ((4, 2, -1), {})), dtypes=(I64,),
            differentiable=False, noncontiguous=False, reference=_triangle_ref(np.triu_indices)),
    OpEntry("logspace", lambda lib, *args, **kw: lib.logspace(*args, **kw),
            _no_tensor_samples(((0, 2, 3), {}), ((-1.0, 1.0, 5), dict(base=2.0)), ((1, 1, 1), {})),
            dtypes=(ember.float32,), differentiable=False, noncontiguous=False,
            reference=lambda s, e, n, base=10.0: np.logspace(s, e, n, base=base)),
]
