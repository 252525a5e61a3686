"""Indexing, splitting and scatter ops of torch's surface, as composites of ember ops: take /
put, the *_scatter family, scatter_reduce, fill_diagonal_, hsplit / vsplit / dsplit,
split_with_sizes, sum_to_size, ravel, isin, tril_indices / triu_indices, cartesian_prod,
combinations, logspace, unravel_index; and the in-place metadata methods (squeeze_, t_,
transpose_, resize_, ...), which rebind the tensor to a new geometry.

The differentiable ones record through the indexing and copy ops they call. Index
computations that depend only on integer data run in NumPy on the CPU values.
"""
import itertools
import numbers

import numpy as np

from .. import _C
from .._op_layer import install_methods, op
from .._tensor import Tensor, _size_args, _wrap

__all__ = ["take", "put", "diagonal_scatter", "select_scatter", "slice_scatter", "scatter_reduce", "hsplit", "vsplit",
           "dsplit", "split_with_sizes", "ravel"]


def _ember():
    import ember
    return ember


def _tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _index_tensor(index, op):
    _tensor(index, op, "index")
    if index.dtype.is_floating_point or index.dtype == _C.dtype.bool:
        raise TypeError(f"{op}(): expected an integer index tensor, got {index.dtype}")
    return index


def _from_numpy(a, dtype=np.int64):
    return _wrap(_C.from_numpy(np.array(a, dtype=dtype, order="C")))


# ---- take / put ---------------------------------------------------------------------------------

def _flat_index(input, index, op):
    """`index` as positions into input's flattened values (negatives wrapped, bounds checked)."""
    n = input.numel()
    flat = _index_tensor(index, op).reshape(-1)
    if flat.numel():
        lo, hi = int(flat.min().item()), int(flat.max().item())
        if lo < -n or hi >= n:
            bad = lo if lo < -n else hi
            raise IndexError(f"{op}(): out of range: tried to access index {bad} on a tensor of {n} elements")
    return flat


@op
def take(input, index, *, axis=None):
    """input's values at the positions `index` of its flattened form, shaped like `index`.
    axis= (the array API's take): the values at the 1-D `index` along that axis."""
    _tensor(input, "take")
    if axis is not None:
        _index_tensor(index, "take")
        if index.dim() != 1:
            raise ValueError(f"take(): with axis, index must be 1-D, got shape {list(index.shape)}")
        if not -max(input.dim(), 1) <= axis < max(input.dim(), 1):
            raise IndexError(f"take(): axis {axis} is out of range for shape {list(input.shape)}")
        n = input.shape[axis]
        idx = index.to(_C.dtype.int64)
        return input.index_select(axis, _ember().where(idx < 0, idx + n, idx))
    flat = _flat_index(input, index, "take")
    return input.reshape(-1)[flat].reshape(list(index.shape))


@op
def put(input, index, source, accumulate=False):
    """A copy of input with source's values written (or added, accumulate=True) at the
    positions `index` of its flattened form."""
    _tensor(input, "put")
    _tensor(source, "put", "source")
    flat = _flat_index(input, index, "put")
    if flat.numel() != source.numel():
        raise RuntimeError(f"put(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {flat.numel()}")
    out = input.reshape(-1).index_put((flat,), source.reshape(-1).to(input.dtype), accumulate)
    return out.reshape(list(input.shape))


def _put_(self, index, source, accumulate=False):
    return self.copy_(put(self.clone() if self.requires_grad else self, index, source, accumulate))


# ---- the *_scatter family: input with a view of it replaced -------------------------------------------

def _scatter_into_view(input, src, view_of, op, what):
    _tensor(input, op)
    _tensor(src, op, "src")
    out = input.clone()
    view = view_of(out)
    if tuple(view.shape) != tuple(src.shape):
        raise RuntimeError(f"{op}: expected src to have a size equal to the {what} of self. src size = "
                           f"{list(src.shape)}, {what} size = {list(view.shape)}")
    view.copy_(src)
    return out


@op
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    return _scatter_into_view(input, src, lambda t: t.diagonal(offset, dim1, dim2), "diagonal_scatter", "diagonal")


@op
def select_scatter(input, src, dim, index):
    return _scatter_into_view(input, src, lambda t: t.select(dim, index), "select_scatter", "slice")


@op
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    def view(t):
        key = [slice(None)] * (dim % max(t.dim(), 1)) + [slice(start, end, step)]
        return t[tuple(key)]
    return _scatter_into_view(input, src, view, "slice_scatter", "slice")


# ---- scatter_reduce --------------------------------------------------------------------------------

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _scatter_targets(input, dim, index, src):
    """(positions in input's flattened form, positions in src's flattened form) of each element
    `index` names, as torch's scatter pairs them."""
    idx = index.detach().cpu().numpy().astype(np.int64)
    shape = tuple(input.shape)
    if idx.ndim != len(shape) or src.dim() != len(shape):
        raise RuntimeError(f"scatter_reduce: index, src and self must have the same number of dims, got "
                           f"{idx.ndim}, {src.dim()} and {len(shape)}")
    for d in range(idx.ndim):
        if idx.shape[d] > src.shape[d] or (d != dim and idx.shape[d] > shape[d]):
            raise RuntimeError(f"scatter_reduce: index of shape {list(idx.shape)} is larger than src "
                               f"{list(src.shape)} or self {list(shape)} apart from dim {dim}")
    if idx.size and (idx.min() < -shape[dim] or idx.max() >= shape[dim]):
        raise IndexError(f"scatter_reduce: index {int(idx.max() if idx.max() >= shape[dim] else idx.min())} is out "
                         f"of bounds for dim {dim} of size {shape[dim]}")
    grid = list(np.indices(idx.shape))
    source = np.ravel_multi_index(grid, tuple(src.shape)).ravel()
    grid[dim] = idx % shape[dim] if shape[dim] else idx
    target = np.ravel_multi_index(grid, shape).ravel() if idx.size else np.zeros(0, np.int64)
    return target, source


@op
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with src's values reduced into the positions `index` names along `dim`: "sum",
    "prod", "mean", "amax" or "amin", with input's own value taking part unless
    include_self=False. Positions no index names keep input's value."""
    e = _ember()
    _tensor(input, "scatter_reduce")
    _tensor(src, "scatter_reduce", "src")
    _index_tensor(index, "scatter_reduce")
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"scatter_reduce: reduce argument must be one of {', '.join(_REDUCTIONS)}, got {reduce!r}")
    if src.dtype != input.dtype:
        raise TypeError(f"scatter_reduce: expected self and src to have the same dtype, got {input.dtype} and "
                        f"{src.dtype}")
    dim = dim % max(input.dim(), 1)
    if reduce in ("sum", "mean"):
        base = input if include_self else input.scatter(dim, index, value=0)
        total = base.scatter_add(dim, index, src)
        if reduce == "sum":
            return total
        hits = e.zeros_like(input).scatter_add(dim, index, e.ones_like(src))
        count = hits + 1 if include_self else e.where(hits == 0, e.ones_like(hits), hits)
        mean = total / count if input.dtype.is_floating_point else e.floor_divide(total, count)
        return e.where(hits == 0, input, mean)
    target, source = _scatter_targets(input, dim, index, src)
    if reduce == "prod":
        if input.requires_grad or src.requires_grad:
            raise NotImplementedError("scatter_reduce: the gradient of reduce='prod' is not implemented in ember "
                                      "(sum, mean, amax and amin are differentiable)")
        values = input.detach()._numpy_or_float().astype(np.float64 if input.dtype.is_floating_point else np.int64)
        out = values.copy().ravel()
        if not include_self:
            out[target] = 1
        np.multiply.at(out, target, src.detach()._numpy_or_float().astype(out.dtype).ravel()[source])
        return _from_numpy(out.reshape(values.shape), out.dtype).to(input.dtype)
    # amax / amin: for each position named, the src element that wins, then one index_put
    vals = src.detach()._numpy_or_float().astype(np.float64).ravel()[source]
    order = np.lexsort((vals, target))  # grouped by target, values ascending within a group
    t_sorted = target[order]
    if reduce == "amax":
        ends = np.ones(len(order), bool)
        ends[:-1] = t_sorted[1:] != t_sorted[:-1]
    else:
        ends = np.ones(len(order), bool)
        ends[1:] = t_sorted[1:] != t_sorted[:-1]
    positions = _from_numpy(t_sorted[ends])
    winners = src.reshape(-1)[_from_numpy(source[order][ends])]
    flat = input.reshape(-1)
    if include_self:
        pick = e.maximum if reduce == "amax" else e.minimum
        winners = pick(flat[positions], winners)
    return flat.index_put((positions,), winners).reshape(list(input.shape))


def _scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    value = self.clone() if self.requires_grad else self  # what the composite saves stays unchanged
    return self.copy_(scatter_reduce(value, dim, index, src, reduce, include_self=include_self))


# ---- fill_diagonal_ -----------------------------------------------------------------------------------

def _fill_diagonal_(self, fill_value, wrap=False):
    """Fills the main diagonal in place (all dims equal for 3+ dims; a tall matrix's diagonal
    starts again after every cols + 1 rows with wrap=True, as in torch)."""
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got {len(shape)}")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length, got {list(shape)}")
    step = sum(int(np.prod(shape[d + 1:])) for d in range(len(shape)))  # one along every dim
    if wrap and len(shape) == 2:
        flat = np.arange(0, shape[0] * shape[1], step, dtype=np.int64)
    else:
        flat = np.arange(min(shape), dtype=np.int64) * step
    coords = tuple(_from_numpy(c) for c in np.unravel_index(flat, shape))
    value = fill_value if isinstance(fill_value, Tensor) else _ember().tensor(fill_value, dtype=self.dtype)
    return self.index_put_(coords, value.to(self.dtype))


# ---- splitting and summing to a size ------------------------------------------------------------------

def _split_along(input, indices_or_sections, dim, op, min_dims):
    e = _ember()
    _tensor(input, op)
    if input.dim() < min_dims:
        raise RuntimeError(f"ember.{op} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {input.dim()} dimensions!")
    if isinstance(indices_or_sections, numbers.Integral):
        size = input.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(f"ember.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {size} is not divisible by the split_size {indices_or_sections}!")
    return e.tensor_split(input, indices_or_sections, dim)


@op
def hsplit(input, indices_or_sections):
    return _split_along(input, indices_or_sections, 1 if _tensor(input, "hsplit").dim() > 1 else 0, "hsplit", 1)


@op
def vsplit(input, indices_or_sections):
    return _split_along(input, indices_or_sections, 0, "vsplit", 2)


@op
def dsplit(input, indices_or_sections):
    return _split_along(input, indices_or_sections, 2, "dsplit", 3)


@op
def split_with_sizes(input, split_sizes, dim=0):
    _tensor(input, "split_with_sizes")
    sizes = [int(s) for s in split_sizes]
    total = input.shape[dim]
    if sum(sizes) != total or any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {total} (input tensor's size "
                           f"at dimension {dim}), but got split_sizes={sizes}")
    return _ember().split(input, sizes, dim)


def _sum_to_size(self, *size):
    """The sum of self down to `size`, which must broadcast to self's shape."""
    target = _size_args(size)
    shape = list(self.shape)
    lead = len(shape) - len(target)
    if lead < 0 or any(t != s and t != 1 for t, s in zip(target, shape[lead:])):
        raise RuntimeError(f"sum_to_size: size {{{target}}} is not expandable to size {{{shape}}}.")
    dims = list(range(lead)) + [lead + i for i, t in enumerate(target) if t == 1 and shape[lead + i] != 1]
    out = self.sum(dims, keepdim=True) if dims else self
    return out.reshape(target) if lead else out


@op
def ravel(input):
    return _tensor(input, "ravel").reshape(-1)


# ---- in-place geometry changes: rebind the tensor to a new view --------------------------------------

def _rebind(self, view, name):
    """self takes the geometry (and, recording, the graph edge) of `view`, a view of itself."""
    node = self._node
    if node is not None and self.is_leaf:
        raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place operation.")
    self._impl = view._impl
    if node is not None:
        self._node = view._node
    return self


def _squeeze_(self, dim=None):
    return _rebind(self, self.squeeze(dim) if dim is not None else self.squeeze(), "squeeze_")


def _unsqueeze_(self, dim):
    return _rebind(self, self.unsqueeze(dim), "unsqueeze_")


def _t_(self):
    return _rebind(self, self.t(), "t_")


def _transpose_(self, dim0, dim1):
    return _rebind(self, self.transpose(dim0, dim1), "transpose_")


def _resize_(self, *sizes, memory_format=None):
    """Reshapes self in place to `sizes`, keeping its leading values in row-major order; new
    elements are uninitialised (zeros). A tensor that requires grad cannot be resized."""
    if self.requires_grad:
        raise RuntimeError("resize_: cannot resize variables that require grad")
    shape = _size_args(sizes)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"resize_: Trying to create tensor with negative dimension: {shape}")
    n_new = int(np.prod(shape)) if shape else 1
    impl = self._impl
    if n_new <= impl.numel() and impl.is_contiguous():
        self._impl = impl.reshape([-1]).narrow(0, 0, n_new).reshape(shape)  # shares the storage, as torch
        return self
    new = _C.zeros([n_new], impl.dtype, impl.device)
    keep = min(n_new, impl.numel())
    if keep:
        new.narrow(0, 0, keep).copy_(impl.reshape([-1]).narrow(0, 0, keep))
    self._impl = new.reshape(shape)
    return self


def _resize_as_(self, other, memory_format=None):
    return _resize_(self, *_tensor(other, "resize_as_", "other").shape)


install_methods({
    "take": take, "put": put, "put_": _put_, "diagonal_scatter": diagonal_scatter, "select_scatter": select_scatter,
    "slice_scatter": slice_scatter, "scatter_reduce": scatter_reduce, "scatter_reduce_": _scatter_reduce_,
    "fill_diagonal_": _fill_diagonal_, "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit,
    "split_with_sizes": split_with_sizes, "sum_to_size": _sum_to_size, "ravel": ravel,
})

# In-place geometry changes are not ops: they rebind the tensor to a view that the view ops
# (which are) produce and record.
for _name, _fn in (("squeeze_", _squeeze_), ("unsqueeze_", _unsqueeze_), ("t_", _t_), ("transpose_", _transpose_),
                   ("swapaxes_", _transpose_), ("swapdims_", _transpose_), ("resize_", _resize_),
                   ("resize_as_", _resize_as_)):
    setattr(Tensor, _name, _fn)
del _name, _fn
