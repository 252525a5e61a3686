"""Sorting, selection, unique and searchsorted, with PyTorch's names and signatures.

ember.sort(x, dim=-1, descending=False, stable=False) -> (values, indices), x.topk(3), x.median(),
ember.unique(x, return_counts=True), ember.searchsorted(seq, values, side="right"), ...
NaN sorts as the largest value, and sorting is stable: equal values keep their order.
"""
import numbers
import operator

from .. import _C
from .. import return_types
from .._op_layer import op
from .._tensor import Tensor, _wrap

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "quantile",
           "unique", "unique_consecutive", "searchsorted", "bucketize", "count_nonzero"]

for _name in ("sort", "topk", "kthvalue", "median", "nanmedian"):
    return_types.make(_name, ["values", "indices"])


def _impl(x, op, name="input"):
    if isinstance(x, Tensor):
        return x._impl
    raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _pair(kind, result):
    values, indices = result
    return kind(_wrap(values), _wrap(indices))


@op
def sort(input, dim=-1, descending=False, stable=False, *, axis=None):
    """Sorted values along `dim` and their original positions (always stable)."""
    dim = dim if axis is None else axis
    return _pair(return_types.sort, _C.sort(_impl(input, "sort"), operator.index(dim), bool(descending),
                                            bool(stable)))


@op
def argsort(input, dim=-1, descending=False, stable=False, *, axis=None):
    dim = dim if axis is None else axis  # axis=: the array API's spelling (ember's sort is always stable)
    return _wrap(_C.argsort(_impl(input, "argsort"), operator.index(dim), bool(descending), bool(stable)))


@op
def msort(input):
    """Sorted along the first dim."""
    return sort(input, 0).values


@op
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (smallest when largest=False) values along `dim` and their indices."""
    return _pair(return_types.topk, _C.topk(_impl(input, "topk"), operator.index(k), operator.index(dim),
                                            bool(largest), bool(sorted)))


@op
def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest value along `dim` (k counts from 1) and its index."""
    return _pair(return_types.kthvalue, _C.kthvalue(_impl(input, "kthvalue"), operator.index(k),
                                                    operator.index(dim), bool(keepdim)))


@op
def median(input, dim=None, keepdim=False):
    """median(x): the lower median of all values (NaN if any is NaN); median(x, dim) -> (values,
    indices)."""
    impl = _impl(input, "median")
    if dim is None:
        return _wrap(_C.median_all(impl))
    return _pair(return_types.median, _C.median_dim(impl, operator.index(dim), bool(keepdim)))


@op
def nanmedian(input, dim=None, keepdim=False):
    """As median, ignoring NaN."""
    impl = _impl(input, "nanmedian")
    if dim is None:
        return _wrap(_C.nanmedian_all(impl))
    return _pair(return_types.nanmedian, _C.nanmedian_dim(impl, operator.index(dim), bool(keepdim)))


@op
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles (q a number, a sequence or a tensor in [0, 1]) of all values or along
    `dim`; a 1-D q adds a leading dim."""
    impl = _impl(input, "quantile")
    if isinstance(q, Tensor):
        q_impl = q._impl
    else:
        from .creation import tensor
        q_impl = tensor(q, dtype=input.dtype)._impl
    return _wrap(_C.quantile(impl, q_impl, None if dim is None else operator.index(dim), bool(keepdim),
                             interpolation))


def _unique_result(result, return_inverse, return_counts):
    values, inverse, counts = (_wrap(r) for r in result)
    if not return_inverse and not return_counts:
        return values
    out = (values,)
    if return_inverse:
        out += (inverse,)
    if return_counts:
        out += (counts,)
    return out


@op
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (or slices along `dim`) in ascending order, optionally with the
    inverse indices and the counts. The result is sorted whatever `sorted` says (PyTorch's CPU
    result is sorted too)."""
    result = _C.unique(_impl(input, "unique"), None if dim is None else operator.index(dim))
    return _unique_result(result, return_inverse, return_counts)


@op
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """One value (or slice along `dim`) per run of equal neighbours."""
    result = _C.unique_consecutive(_impl(input, "unique_consecutive"), None if dim is None else operator.index(dim))
    return _unique_result(result, return_inverse, return_counts)


def _value_arg(x, op, name):
    if isinstance(x, Tensor):
        return x._impl
    if isinstance(x, numbers.Number):
        return x
    raise TypeError(f"{op}(): argument '{name}' must be Tensor or Number, not {type(x).__name__}")


@op
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of `input` would be inserted into the innermost dim of `sorted_sequence`
    to keep it sorted (side='right' or right=True: after equal values)."""
    seq = _impl(sorted_sequence, "searchsorted", "sorted_sequence")
    sorter_impl = None if sorter is None else _impl(sorter, "searchsorted", "sorter")
    return _wrap(_C.searchsorted(seq, _value_arg(input, "searchsorted", "input"), bool(out_int32), bool(right),
                                 side, sorter_impl))


@op
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among the 1-D sorted `boundaries`."""
    return _wrap(_C.bucketize(_value_arg(input, "bucketize", "input"), _impl(boundaries, "bucketize", "boundaries"),
                              bool(out_int32), bool(right)))


@op
def count_nonzero(input, dim=None, *, axis=None, keepdims=False):
    """The number of non-zero values over `dim` (an int, a sequence, or None: all); axis= and
    keepdims= are the array API's spellings."""
    dim = dim if axis is None else axis
    if keepdims:
        x = input
        kept = list(range(x.dim())) if dim is None else [dim] if isinstance(dim, numbers.Integral) else list(dim)
        out = count_nonzero(x, dim)
        shape = [1 if i in [d % max(x.dim(), 1) for d in kept] else s for i, s in enumerate(x.shape)]
        return out.reshape(shape)
    if dim is None:
        dims = None
    elif isinstance(dim, numbers.Integral):
        dims = [int(dim)]
    else:
        dims = [operator.index(d) for d in dim]
    return _wrap(_C.count_nonzero(_impl(input, "count_nonzero"), dims))


for _name in ("sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "quantile", "unique",
              "unique_consecutive", "count_nonzero"):
    setattr(Tensor, _name, globals()[_name])
