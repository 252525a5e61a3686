"""op_db entries: the array API standard's functions of ember/_ops/array_api.py and
array_api_linalg.py (asarray, astype, permute_dims, expand_dims, the unique_* family,
cumulative_sum / cumulative_prod, take_along_axis, ...). NumPy is the reference; PyTorch
lacks most of these names, so the entries do not compare with it."""
import numpy as np

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

NUMERIC = INT_DTYPES + FLOAT_DTYPES
HIGH = (ember.float32, ember.float64)
I64 = ember.int64


def _each(*cases):
    """Samples (shape, extra args, kwargs) on random data."""
    def samples(rng, dtype):
        for shape, args, kwargs in cases:
            yield Sample((random_data(rng, *shape), *args), dict(kwargs), name=f"{shape} {args} {kwargs}")
    return samples


def _not_array(op, *extra):
    return lambda: [ErrorCase(([1.0, 2.0], *extra), exc=TypeError, match=op)]


def _unique_samples(rng, dtype):
    yield Sample((np.array([3.0, 1.0, 3.0, 2.0, 1.0, 3.0]),), name="repeats")
    yield Sample((np.round(random_data(rng, 3, 4) * 2),), name="2-D")
    yield Sample((np.zeros((0, 3)),), name="empty")
    yield Sample((np.array(2.0),), name="0-dim")


def _unique_ref(a):
    values, index, inverse, counts = np.unique(a, return_index=True, return_inverse=True, return_counts=True)
    return values, index, inverse.reshape(a.shape), counts


def _take_along_samples(rng, dtype):
    a = random_data(rng, 3, 4)
    yield Sample((a, Arg(np.argsort(a, axis=1), I64)), dict(axis=1), name="argsort order, axis 1")
    yield Sample((a, Arg(np.array([[2, 0, 1, -1]]), I64)), dict(axis=0), name="broadcast rows, negative index")
    yield Sample((random_data(rng, 0, 4), Arg(np.zeros((0, 2), np.int64), I64)), dict(axis=1), name="empty")


def _cumulative_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4),), dict(axis=1), name="axis 1")
    yield Sample((random_data(rng, 3, 4),), dict(axis=0, include_initial=True), name="axis 0 with initial")
    yield Sample((random_data(rng, 5),), name="1-D, no axis")
    yield Sample((random_data(rng, 0, 3),), dict(axis=0, include_initial=True), name="empty with initial")


def _cumulative_ref(scan, initial):
    def ref(a, axis=None, include_initial=False):
        axis = 0 if axis is None else axis
        out = scan(a, axis=axis)
        if include_initial:
            shape = list(out.shape)
            shape[axis] = 1
            out = np.concatenate([np.full(shape, initial, out.dtype), out], axis=axis)
        return out
    return ref


def _cumulative_dtypes(dtype):
    return I64 if dtype in INT_DTYPES else dtype


def _vecdot_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4), random_data(rng, 4)), name="broadcast vector")
    yield Sample((random_data(rng, 3, 4), random_data(rng, 3, 4)), dict(axis=0), name="axis 0")
    yield Sample((random_data(rng, 0, 4), random_data(rng, 0, 4)), name="empty")


def _nextafter_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4), random_data(rng, 3, 4)), name="random")
    yield Sample((np.array([0.0, 1.0, -1.0]), np.array([1.0, 0.0, -2.0])), name="towards")
    yield Sample((np.array(1.0), np.array(2.0)), name="0-dim")


def _round_ints(a):
    return np.round(a * 5)


ENTRIES = [
    OpEntry("asarray", lambda lib, a, **kw: lib.asarray(a, **kw), _each(((3, 4), (), {}), ((0, 2), (), {}), ((), (), {})),
            dtypes=ALL_DTYPES, reference=lambda a: a.copy(), torch=False),
    OpEntry("astype", lambda lib, a, d, **kw: lib.astype(a, d, **kw),
            _each(((3, 4), (ember.float64,), {}), ((0, 2), (ember.float64,), {}), ((), (ember.float64,), {})),
            reference=lambda a, d: a.astype(np.float64), out_dtypes=lambda dtype: ember.float64, torch=False,
            errors=_not_array("astype", ember.float32)),
    OpEntry("permute_dims", lambda lib, a, axes: lib.permute_dims(a, axes),
            _each(((2, 3, 4), ((2, 0, 1),), {}), ((0, 3), ((1, 0),), {}), ((), ((),), {})), dtypes=ALL_DTYPES,
            reference=np.transpose, torch=False,
            errors=lambda: [ErrorCase((np.ones((2, 3)), (0, 0)), exc=ValueError, match="permute_dims")]),
    OpEntry("matrix_transpose", lambda lib, a: lib.matrix_transpose(a), _each(((2, 3, 4), (), {}), ((0, 3), (), {})),
            dtypes=ALL_DTYPES, reference=lambda a: np.swapaxes(a, -1, -2), torch=False,
            errors=lambda: [ErrorCase((np.ones(3),), exc=ValueError, match="matrix_transpose")]),
    OpEntry("linalg.matrix_transpose", lambda lib, a: lib.linalg.matrix_transpose(a), _each(((2, 3, 4), (), {})),
            reference=lambda a: np.swapaxes(a, -1, -2), torch=False),
    OpEntry("linalg.trace", lambda lib, a, **kw: lib.linalg.trace(a, **kw),
            _each(((2, 3, 4), (), {}), ((3, 3), (), dict(offset=1)), ((2, 0, 0), (), {})), dtypes=HIGH,
            reference=lambda a, offset=0: np.trace(a, offset=offset, axis1=-2, axis2=-1), torch=False,
            errors=lambda: [ErrorCase((np.ones(3),), exc=ValueError, match="linalg.trace")]),
    OpEntry("vecdot", lambda lib, a, b, **kw: lib.vecdot(a, b, **kw), _vecdot_samples, dtypes=HIGH,
            reference=lambda a, b, axis=-1: np.sum(a * b, axis=axis), torch=False,
            errors=lambda: [ErrorCase((np.ones(3), np.ones(4)), exc=ValueError, match="vecdot")]),
    OpEntry("expand_dims", lambda lib, a, **kw: lib.expand_dims(a, **kw),
            _each(((3, 4), (), dict(axis=1)), ((3, 4), (), dict(axis=(0, -1))), ((), (), dict(axis=0)),
                  ((0, 2), (), dict(axis=-1))),
            dtypes=ALL_DTYPES, reference=lambda a, axis=0: np.expand_dims(a, axis), torch=False,
            errors=lambda: [ErrorCase((np.ones(3),), dict(axis=3), exc=IndexError, match="expand_dims")]),
    OpEntry("broadcast_arrays", lambda lib, a, b: tuple(lib.broadcast_arrays(a, b)),
            lambda rng, dtype: [Sample((random_data(rng, 3, 1), random_data(rng, 4)), name="3x1 with 4"),
                                Sample((random_data(rng, 0, 1), random_data(rng, 2)), name="empty")],
            dtypes=ALL_DTYPES, reference=lambda a, b: tuple(np.broadcast_arrays(a, b)), torch=False),
    OpEntry("unstack", lambda lib, a, **kw: tuple(lib.unstack(a, **kw)),
            _each(((3, 4), (), {}), ((3, 4), (), dict(axis=-1))), dtypes=ALL_DTYPES,
            reference=lambda a, axis=0: tuple(np.moveaxis(a, axis, 0)), torch=False,
            errors=lambda: [ErrorCase((np.array(1.0),), exc=ValueError, match="unstack")]),
    OpEntry("repeat", lambda lib, a, r, **kw: lib.repeat(a, r, **kw),
            _each(((3, 4), (2,), dict(axis=1)), ((3, 4), (3,), {}), ((0, 2), (2,), dict(axis=0))), dtypes=ALL_DTYPES,
            reference=lambda a, r, axis=None: np.repeat(a, r, axis=axis), torch=False,
            errors=lambda: [ErrorCase((np.ones(2), -1), exc=ValueError, match="repeat")]),
    OpEntry("take_along_axis", lambda lib, a, i, **kw: lib.take_along_axis(a, i, **kw), _take_along_samples,
            dtypes=ALL_DTYPES, torch=False,
            reference=lambda a, i, axis=-1: np.take_along_axis(
                a, np.broadcast_to(np.where(i < 0, i + a.shape[axis], i),
                                   tuple(i.shape[d] if d == axis else a.shape[d] for d in range(a.ndim))), axis=axis),
            errors=lambda: [ErrorCase((np.ones((2, 3)), Arg(np.zeros(2), ember.float32)), exc=TypeError,
                                      match="take_along_axis")]),
    OpEntry("unique_all", lambda lib, a: tuple(lib.unique_all(a)), _unique_samples, dtypes=HIGH + INT_DTYPES,
            reference=_unique_ref, differentiable=False, noncontiguous=True, torch=False,
            out_dtypes=lambda dtype: (dtype, I64, I64, I64), errors=_not_array("unique_all")),
    OpEntry("unique_counts", lambda lib, a: tuple(lib.unique_counts(a)), _unique_samples, dtypes=HIGH + INT_DTYPES,
            reference=lambda a: np.unique(a, return_counts=True), differentiable=False, torch=False,
            out_dtypes=lambda dtype: (dtype, I64)),
    OpEntry("unique_inverse", lambda lib, a: tuple(lib.unique_inverse(a)), _unique_samples, dtypes=HIGH + INT_DTYPES,
            reference=lambda a: (np.unique(a), np.unique(a, return_inverse=True)[1].reshape(a.shape)),
            differentiable=False, torch=False, out_dtypes=lambda dtype: (dtype, I64)),
    OpEntry("unique_values", lambda lib, a: lib.unique_values(a), _unique_samples, dtypes=HIGH + INT_DTYPES,
            reference=np.unique, differentiable=False, torch=False),
    OpEntry("cumulative_sum", lambda lib, a, **kw: lib.cumulative_sum(a, **kw), _cumulative_samples,
            dtypes=HIGH + INT_DTYPES, reference=_cumulative_ref(np.cumsum, 0), out_dtypes=_cumulative_dtypes,
            torch=False, errors=lambda: [ErrorCase((np.ones((2, 3)),), exc=ValueError, match="cumulative_sum")]),
    OpEntry("cumulative_prod", lambda lib, a, **kw: lib.cumulative_prod(a, **kw), _cumulative_samples,
            dtypes=HIGH, reference=_cumulative_ref(np.cumprod, 1), torch=False,
            errors=lambda: [ErrorCase((np.ones((2, 3)),), exc=ValueError, match="cumulative_prod")]),
    OpEntry("nextafter", lambda lib, a, b: lib.nextafter(a, b), _nextafter_samples, dtypes=HIGH,
            reference=np.nextafter, differentiable=False, torch=False,
            errors=lambda: [ErrorCase((np.ones(2), Arg(np.ones(2), ember.float64)), exc=TypeError, match="nextafter")]),
    OpEntry("bitwise_invert", lambda lib, a: lib.bitwise_invert(a),
            lambda rng, dtype: [Sample((_round_ints(random_data(rng, 3, 4)),), name="2-D"),
                                Sample((np.zeros((0, 2)),), name="empty"), Sample((np.array(3.0),), name="0-dim")],
            dtypes=INT_DTYPES + (ember.bool,), reference=np.invert, differentiable=False, torch=False),
    OpEntry("conj real-dtypes", lambda lib, a: lib.conj(a), _each(((3, 4), (), {}), ((), (), {})), dtypes=ALL_DTYPES,
            reference=lambda a: a.copy(), torch=False),
    OpEntry("real real-dtypes", lambda lib, a: lib.real(a), _each(((3, 4), (), {}), ((), (), {})), dtypes=ALL_DTYPES,
            reference=lambda a: a.copy(), torch=False),
]
