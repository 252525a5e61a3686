"""op_db entries: views and other shape ops of the foundation (permute, reshape, select, ...),
where, and the paired statistics var_mean / std_mean. test_views.py checks the view semantics
(shared storage, strides); these entries give every one the generated value, layout and
PyTorch-parity tests, and the autograd tests their list of differentiable ops."""
import numpy as np

import ember
from conftest import ALL_DTYPES, FLOAT_DTYPES
from op_db import ErrorCase, OpEntry, Sample, random_data


def _one(shape):
    def samples(rng, dtype):
        yield Sample((random_data(rng, *shape),))
    return samples


def _each(*shapes_and_args):
    def samples(rng, dtype):
        for shape, args, kwargs in shapes_and_args:
            yield Sample((random_data(rng, *shape), *args), dict(kwargs), name=f"{shape} {args} {kwargs}")
    return samples


def _view_entry(name, op, samples, reference, errors=None, noncontiguous=True):
    return OpEntry(name, op, samples, dtypes=ALL_DTYPES, reference=reference, errors=errors,
                   noncontiguous=noncontiguous)


def _squeeze_ref(a, dim=None):
    if dim is None:
        return np.squeeze(a)
    return np.squeeze(a, dim) if a.ndim and a.shape[dim] == 1 else a


def _diagonal_ref(a, offset=0, dim1=0, dim2=1):
    return np.diagonal(a, offset, dim1, dim2).copy()


def _as_strided_samples(rng, dtype):
    a = random_data(rng, 4, 5)
    yield Sample((a, (3, 2), (5, 2)), name="rows of pairs")
    yield Sample((a, (2, 2), (1, 5), 3), name="with offset")
    yield Sample((a, (4, 3), (0, 1)), name="broadcast row")


def _as_strided_ref(a, size, stride, storage_offset=0):
    flat = np.ascontiguousarray(a).reshape(-1)
    index = storage_offset + sum(np.arange(n).reshape([-1 if i == d else 1 for i in range(len(size))]) * s
                                 for d, (n, s) in enumerate(zip(size, stride)))
    return flat[index]


def _where_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((rng.random((3, 4)) < 0.5, r(3, 4), r(3, 4)), name="same shape")
    yield Sample((rng.random((3, 1)) < 0.5, r(1, 4), r(3, 4)), name="broadcast")
    yield Sample((np.array(True), r(2, 3), r(2, 3)), name="0-dim condition")
    yield Sample((rng.random((0, 3)) < 0.5, r(0, 3), r(0, 3)), name="empty")


def _stat_mean_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4, 5),), name="all")
    yield Sample((r(4, 5), 1), name="dim 1")
    yield Sample((r(3, 4, 2), (0, 2)), dict(keepdim=True), name="dims keepdim")
    yield Sample((r(4, 5), 0), dict(correction=0), name="correction 0")


def _var_mean_ref(a, dim=None, keepdim=False, correction=1):
    axis = tuple(dim) if isinstance(dim, tuple) else dim
    return (np.var(a, axis=axis, ddof=correction, keepdims=keepdim),
            np.mean(a, axis=axis, keepdims=keepdim))


def _std_mean_ref(a, dim=None, keepdim=False, correction=1):
    v, m = _var_mean_ref(a, dim, keepdim, correction)
    return np.sqrt(v), m


def _view_errors():
    yield ErrorCase((np.zeros((2, 3)), (4, 2)), exc=ValueError, match=r"\[4, 2\]")


def _permute_errors():
    yield ErrorCase((np.zeros((2, 3)), (0, 0)), exc=(ValueError, IndexError, RuntimeError), match="permute")
    yield ErrorCase((np.zeros((2, 3)), (0, 5)), exc=IndexError)


def _select_errors():
    yield ErrorCase((np.zeros((2, 3)), 1, 3), exc=IndexError, match="3")


SHAPED = ALL_DTYPES
ENTRIES = [
    _view_entry("reshape", lambda lib, a, s: lib.reshape(a, s),
                _each(((2, 6), ((3, 4),), {}), ((2, 3, 2), ((-1,),), {}), ((0, 3), ((3, 0),), {}),
                      ((), ((1, 1),), {})), lambda a, s: a.reshape(s), _view_errors),
    _view_entry("view", lambda lib, a, s: a.view(s),
                _each(((2, 6), ((3, 4),), {}), ((2, 3, 2), ((6, -1),), {})), lambda a, s: a.reshape(s),
                noncontiguous=False),  # a transposed layout cannot be viewed so: test_views.py
    _view_entry("permute", lambda lib, a, d: lib.permute(a, d),
                _each(((2, 3, 4), ((2, 0, 1),), {}), ((2, 3), ((1, 0),), {}), ((), ((),), {})),
                lambda a, d: np.transpose(a, d), _permute_errors),
    _view_entry("transpose", lambda lib, a, d0, d1: lib.transpose(a, d0, d1),
                _each(((2, 3, 4), (0, 2), {}), ((2, 3), (-1, -2), {})), lambda a, d0, d1: np.swapaxes(a, d0, d1)),
    _view_entry("swapaxes", lambda lib, a, d0, d1: lib.swapaxes(a, d0, d1),
                _each(((2, 3, 4), (1, 2), {})), lambda a, d0, d1: np.swapaxes(a, d0, d1)),
    _view_entry("swapdims", lambda lib, a, d0, d1: lib.swapdims(a, d0, d1),
                _each(((2, 3, 4), (0, 1), {})), lambda a, d0, d1: np.swapaxes(a, d0, d1)),
    _view_entry("t", lambda lib, a: lib.t(a), _each(((2, 3), (), {}), ((4,), (), {})), lambda a: a.T),
    _view_entry("movedim", lambda lib, a, s, d: lib.movedim(a, s, d),
                _each(((2, 3, 4), (0, 2), {}), ((2, 3, 4), ((0, 1), (2, 0)), {})), np.moveaxis),
    _view_entry("moveaxis", lambda lib, a, s, d: lib.moveaxis(a, s, d), _each(((2, 3, 4), (-1, 0), {})),
                np.moveaxis),
    _view_entry("squeeze", lambda lib, a, *d: lib.squeeze(a, *d),
                _each(((1, 3, 1), (), {}), ((1, 3, 1), (2,), {}), ((2, 3), (0,), {}), ((), (), {})), _squeeze_ref),
    _view_entry("unsqueeze", lambda lib, a, d: lib.unsqueeze(a, d),
                _each(((2, 3), (1,), {}), ((2, 3), (-1,), {}), ((), (0,), {})), np.expand_dims),
    _view_entry("flatten", lambda lib, a, *d: lib.flatten(a, *d),
                _each(((2, 3, 4), (), {}), ((2, 3, 4), (1,), {}), ((2, 3, 4, 5), (1, 2), {}), ((), (), {})),
                lambda a, start=0, end=-1: a.reshape(a.shape[:start] + (-1,) + (a.shape[end:][1:] if end != -1 else ()))
                if a.ndim else a.reshape(1)),
    _view_entry("unflatten", lambda lib, a, d, s: lib.unflatten(a, d, s),
                _each(((2, 12), (1, (3, 4)), {}), ((6, 2), (0, (2, -1)), {})),
                lambda a, d, s: a.reshape(a.shape[:d] + tuple(np.empty(a.shape[d]).reshape(s).shape) + a.shape[d + 1:])),
    _view_entry("narrow", lambda lib, a, d, s, n: lib.narrow(a, d, s, n),
                _each(((4, 5), (1, 1, 3), {}), ((4, 5), (0, 2, 2), {}), ((4, 5), (0, 4, 0), {})),
                lambda a, d, s, n: np.take(a, np.arange(s, s + n), axis=d)),
    _view_entry("select", lambda lib, a, d, i: lib.select(a, d, i),
                _each(((4, 5), (1, 2), {}), ((4, 5), (0, -1), {}), ((3,), (0, 1), {})),
                lambda a, d, i: np.take(a, i, axis=d), _select_errors),
    _view_entry("diagonal", lambda lib, a, *args: lib.diagonal(a, *args),
                _each(((4, 5), (), {}), ((4, 5), (1,), {}), ((4, 5), (-2,), {}), ((2, 3, 4), (0, 1, 2), {})),
                _diagonal_ref),
    _view_entry("as_strided", lambda lib, a, size, stride, *offset: lib.as_strided(a.contiguous(), size, stride, *offset),
                _as_strided_samples, _as_strided_ref),
    _view_entry("expand", lambda lib, a, s: a.expand(s),
                _each(((3, 1), ((3, 4),), {}), ((4,), ((2, 4),), {}), ((1,), ((0,),), {}), ((), ((2, 2),), {})),
                lambda a, s: np.broadcast_to(a, s).copy()),
    _view_entry("clone", lambda lib, a: lib.clone(a), _each(((3, 4), (), {}), ((0,), (), {}), ((), (), {})),
                lambda a: a.copy()),
    _view_entry("contiguous", lambda lib, a: a.contiguous(), _each(((3, 4), (), {}), ((), (), {})),
                lambda a: a.copy()),
    OpEntry("where", lambda lib, c, a, b: lib.where(c, a, b), _where_samples, dtypes=ALL_DTYPES, reference=np.where),
    OpEntry("var_mean", lambda lib, a, *args, **kw: lib.var_mean(a, *args, **kw), _stat_mean_samples,
            dtypes=FLOAT_DTYPES, reference=_var_mean_ref, tolerances={ember.bfloat16: (3e-2, 3e-2)}),
    OpEntry("std_mean", lambda lib, a, *args, **kw: lib.std_mean(a, *args, **kw), _stat_mean_samples,
            dtypes=FLOAT_DTYPES, reference=_std_mean_ref, tolerances={ember.bfloat16: (3e-2, 3e-2)}),
]


def _atleast_samples(rng, dtype):
    for shape in ((), (3,), (2, 3), (2, 3, 4)):
        yield Sample((random_data(rng, *shape),), name=str(shape))


ENTRIES += [
    _view_entry(name, (lambda n: lambda lib, a: getattr(lib, n)(a))(name), _atleast_samples, getattr(np, name))
    for name in ("atleast_1d", "atleast_2d", "atleast_3d")
]
