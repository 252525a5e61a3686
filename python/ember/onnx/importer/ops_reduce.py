"""Reductions and scans: Reduce*, ArgMax/ArgMin, CumSum, CumProd."""
import ember

from ..registry import imports
from .common import axes, axis, ints


def _dims(node, x, axes_input, axes_became_input):
    """The reduced dims (None: every dim; []: none), by the node's opset: `axes` is an
    attribute before `axes_became_input` (13 for ReduceSum, 18 for the others), an input after."""
    if node.opset >= axes_became_input:
        values = ints(axes_input)
        if not values:
            return [] if node.attr("noop_with_empty_axes", 0) else None
    else:
        values = node.attr("axes")
        if not values:
            return None
    return sorted(set(axes(values, x.ndim)))


def _reduce(node, x, axes_input, fn, empty, since):
    """fn(x, dims, keepdim) over the node's axes; `empty` is the value a reduction over no
    elements gives (ember refuses max/min over empty dims)."""
    dims = _dims(node, x, axes_input, since)
    keepdim = bool(node.attr("keepdims", 1))
    if dims == []:  # a reduction over no axes: only the elementwise part (|x| for ReduceL1, ...)
        result = fn(x.unsqueeze(0), [0], False)
        return result if result.dtype == x.dtype else result.to(x.dtype)
    if dims is None:
        dims = list(range(x.ndim))
    if not dims:  # a 0-d input
        return fn(x.reshape(1), [0], False).reshape(()) if x.ndim == 0 else x
    if any(x.shape[d] == 0 for d in dims):
        shape = [1 if d in dims else s for d, s in enumerate(x.shape)] if keepdim else \
            [s for d, s in enumerate(x.shape) if d not in dims]
        return ember.full(shape, empty, dtype=x.dtype)
    result = fn(x, dims, keepdim)
    return result if result.dtype == x.dtype else result.to(x.dtype)


def _sum(x, dims, keepdim):
    return ember.sum(x, dim=tuple(dims), keepdim=keepdim)


def _prod(x, dims, keepdim):
    for d in reversed(dims):
        x = ember.prod(x, dim=d, keepdim=keepdim)
    return x


def _mean(x, dims, keepdim):
    if x.is_floating_point():
        return ember.mean(x, dim=tuple(dims), keepdim=keepdim)
    return ember.mean(x.to(ember.float64), dim=tuple(dims), keepdim=keepdim)  # cast back truncates


def _floating(fn):
    """fn over x in a float dtype (integer inputs in float64), for the ops whose math is real."""
    def run(x, dims, keepdim):
        return fn(x if x.is_floating_point() else x.to(ember.float64), dims, keepdim)
    return run


_REDUCTIONS = {
    # name: (fn, value over no elements, opset where axes became an input)
    "ReduceSum": (_sum, 0, 13),
    "ReduceMean": (_mean, float("nan"), 18),
    "ReduceProd": (_prod, 1, 18),
    "ReduceMax": (lambda x, d, k: ember.amax(x, dim=tuple(d), keepdim=k), float("-inf"), 18),
    "ReduceMin": (lambda x, d, k: ember.amin(x, dim=tuple(d), keepdim=k), float("inf"), 18),
    "ReduceSumSquare": (lambda x, d, k: _sum(x * x, d, k), 0, 18),
    "ReduceL1": (lambda x, d, k: _sum(ember.abs(x), d, k), 0, 18),
    "ReduceL2": (_floating(lambda x, d, k: ember.sqrt(_sum(x * x, d, k))), 0, 18),
    "ReduceLogSum": (_floating(lambda x, d, k: ember.log(_sum(x, d, k))), float("-inf"), 18),
    "ReduceLogSumExp": (_floating(lambda x, d, k: ember.logsumexp(x, tuple(d), keepdim=k)),
                        float("-inf"), 18),
}


_LIMITS = {ember.uint8: (0, 255), ember.int8: (-2**7, 2**7 - 1), ember.int16: (-2**15, 2**15 - 1),
           ember.int32: (-2**31, 2**31 - 1), ember.int64: (-2**63, 2**63 - 1), ember.bool: (0, 1)}


@imports(*_REDUCTIONS)
def reduce(node, x, axes_input=None):
    fn, empty, since = _REDUCTIONS[node.op_type]
    if x.dtype in _LIMITS and empty in (float("inf"), float("-inf")):  # integers have no infinity
        low, high = _LIMITS[x.dtype]
        empty = high if empty > 0 else low
    return _reduce(node, x, axes_input, fn, empty, since)


@imports("ArgMax", "ArgMin")
def arg_extreme(node, x):
    dim = axis(node.attr("axis", 0), x.ndim)
    keepdim = bool(node.attr("keepdims", 1))
    find = ember.argmax if node.op_type == "ArgMax" else ember.argmin
    if node.attr("select_last_index", 0):  # the last of equal extremes: search the flipped input
        index = find(ember.flip(x, (dim,)), dim=dim, keepdim=keepdim)
        return x.shape[dim] - 1 - index
    return find(x, dim=dim, keepdim=keepdim)


def _scan(node, x, axis_input, fn, identity):
    dim = axis(int(axis_input.item()), x.ndim)
    reverse, exclusive = node.attr("reverse", 0), node.attr("exclusive", 0)
    if reverse:
        x = ember.flip(x, (dim,))
    if exclusive:  # shift by one: the first position gets the identity, the last drops out
        first = ember.full_like(x.narrow(dim, 0, 1), identity)
        x = ember.cat([first, x.narrow(dim, 0, x.shape[dim] - 1)], dim=dim)
    result = fn(x, dim)
    if reverse:
        result = ember.flip(result, (dim,))
    return result if result.dtype == x.dtype else result.to(x.dtype)


@imports("CumSum")
def cumsum(node, x, axis_input):
    return _scan(node, x, axis_input, ember.cumsum, 0)


@imports("CumProd")
def cumprod(node, x, axis_input):
    return _scan(node, x, axis_input, ember.cumprod, 1)
