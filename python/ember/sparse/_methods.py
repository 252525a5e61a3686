"""The operations torch offers on sparse COO tensors, as methods of SparseCOOTensor: coalesce,
transposes, arithmetic with scalars, sparse and dense operands, sums, products with dense
matrices, conversions. Each is written over the parts (indices, values) with ember ops and the
sparse kernels (._ops), so gradients reach the values."""
import numbers

from .. import _C
from .._tensor import Tensor
from ._coo import SparseCOOTensor, _is_sparse, _make, _wrap_dim, unsupported
from ._ops import _coalesce


def coalesce(self):
    """The same tensor with its index columns sorted (row-major) and repeated ones summed."""
    if self._sp_coalesced:
        return self
    if self.sparse_dim() == 0:
        raise RuntimeError("coalesce: a sparse tensor with sparse_dim 0 cannot be coalesced in ember")
    indices, values, _ = _coalesce(self._sp_indices, self._sp_values, list(self._sp_size[:self.sparse_dim()]))
    return _make(indices, values, self._sp_size, True)


def transpose(self, dim0, dim1):
    n, sd = self.dim(), self.sparse_dim()
    d0, d1 = _wrap_dim(dim0, n, "transpose"), _wrap_dim(dim1, n, "transpose")
    if d0 == d1:
        return self
    size = list(self._sp_size)
    size[d0], size[d1] = size[d1], size[d0]
    if d0 < sd and d1 < sd:
        order = list(range(sd))
        order[d0], order[d1] = order[d1], order[d0]
        indices = self._sp_indices[order]
        return _make(indices, self._sp_values, size, self._nnz() <= 1)
    if d0 >= sd and d1 >= sd:
        return _make(self._sp_indices, self._sp_values.transpose(d0 - sd + 1, d1 - sd + 1), size,
                     self._sp_coalesced)
    raise RuntimeError(f"transpose: cannot swap a sparse dim with a dense dim (dims {d0} and {d1}, sparse_dim {sd})")


def t(self):
    if self.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
    return self if self.dim() < 2 else transpose(self, 0, 1)


def _scalar(x):
    return isinstance(x, (numbers.Number,)) or (isinstance(x, Tensor) and not _is_sparse(x) and x.dim() == 0)


def mul(self, other):
    """sparse * scalar (or 0-dim tensor), and sparse * dense of the same size: sparse results on
    the same pattern."""
    if _scalar(other):
        return _make(self._sp_indices, self._sp_values * other, self._sp_size, self._sp_coalesced)
    if isinstance(other, Tensor) and not _is_sparse(other):
        if list(other.shape) != list(self._sp_size):
            raise RuntimeError(f"mul: a sparse tensor of size {list(self._sp_size)} times a dense tensor of shape "
                               f"{list(other.shape)}: the sizes must match")
        picked = other[tuple(self._sp_indices[d] for d in range(self.sparse_dim()))]
        return _make(self._sp_indices, self._sp_values * picked, self._sp_size, self._sp_coalesced)
    if _is_sparse(other):
        _same_size("mul", self, other)
        dense = self.to_dense() * other.to_dense()
        return dense.to_sparse(self.sparse_dim())
    return NotImplemented


def _rmul(self, other):
    return mul(self, other)


def div(self, other):
    if not _scalar(other):
        raise unsupported("div by a non-scalar")
    return _make(self._sp_indices, self._sp_values / other, self._sp_size, self._sp_coalesced)


def neg(self):
    return _make(self._sp_indices, -self._sp_values, self._sp_size, self._sp_coalesced)


def _same_size(op, a, b):
    if a._sp_size != b._sp_size:
        raise RuntimeError(f"{op}: sparse tensors of sizes {list(a._sp_size)} and {list(b._sp_size)}: the sizes "
                           "must match")
    if a.sparse_dim() != b.sparse_dim():
        raise RuntimeError(f"{op}: sparse tensors with sparse_dim {a.sparse_dim()} and {b.sparse_dim()}: they must "
                           "match")


def add(self, other, *, alpha=1):
    """sparse + sparse (sparse: the entries of both, coalesced when both were) and
    sparse + dense (dense)."""
    if _is_sparse(other):
        _same_size("add", self, other)
        from .._ops.shape import cat
        dtype = _C.promote_types(self.dtype, other.dtype)
        ov = other._sp_values if alpha == 1 else other._sp_values * alpha
        values = cat([self._sp_values.to(dtype), ov.to(dtype)])
        indices = cat([self._sp_indices, other._sp_indices], dim=1)
        out = _make(indices, values, self._sp_size, False)
        return coalesce(out) if self._sp_coalesced and other._sp_coalesced else out
    if isinstance(other, Tensor):
        if list(other.shape) != list(self._sp_size):
            raise RuntimeError(f"add: a sparse tensor of size {list(self._sp_size)} plus a dense tensor of shape "
                               f"{list(other.shape)}: the sizes must match")
        return self.to_dense() + (other if alpha == 1 else other * alpha)
    if isinstance(other, numbers.Number):
        raise unsupported("add of a sparse tensor and a number")
    return NotImplemented


def _radd(self, other):
    """dense + sparse (dense)."""
    if isinstance(other, Tensor):
        if list(other.shape) != list(self._sp_size):
            raise RuntimeError(f"add: a dense tensor of shape {list(other.shape)} plus a sparse tensor of size "
                               f"{list(self._sp_size)}: the sizes must match")
        return other + self.to_dense()
    if isinstance(other, numbers.Number):
        raise unsupported("add of a number and a sparse tensor")
    return NotImplemented


def sub(self, other, *, alpha=1):
    return add(self, other, alpha=-alpha)


def _rsub(self, other):
    if isinstance(other, Tensor):
        return _radd(neg(self), other)
    return NotImplemented


def sum(self, dim=None, keepdim=False, dtype=None):
    """The sum of all entries (a dense 0-dim tensor), or over `dim`: a sparse tensor over the
    sparse dims left, dense when none is left (torch.sparse.sum)."""
    values = self._sp_values if dtype is None else self._sp_values.to(dtype)
    if dim is None:
        return values.sum()
    if keepdim:
        raise RuntimeError("sum: keepdim=True is not supported for sparse tensors")
    n, sd = self.dim(), self.sparse_dim()
    dims = sorted({_wrap_dim(d, n, "sum") for d in ([dim] if isinstance(dim, numbers.Integral) else dim)})
    dense_dims = [d - sd + 1 for d in dims if d >= sd]
    if dense_dims:
        values = values.sum(dim=dense_dims)
    kept = [d for d in range(sd) if d not in dims]
    if not kept:
        return values.sum(dim=0)
    size = [self._sp_size[d] for d in kept] + [self._sp_size[d] for d in range(sd, n) if d not in dims]
    indices = self._sp_indices[kept]
    out = _make(indices, values, size, False)
    return coalesce(out)


def _matmul(self, other):
    from . import mm
    if not isinstance(other, Tensor):
        return NotImplemented
    if other.dim() == 1:
        return mm(self, other.unsqueeze(1)).squeeze(1)
    return mm(self, other)


def _rmatmul(self, other):
    from . import mm
    if not isinstance(other, Tensor):
        return NotImplemented
    if other.dim() == 1:
        return mm(other.unsqueeze(0), self).squeeze(0)
    return mm(other, self)


def to(self, *args, **kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    copy = kwargs.pop("copy", False)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, _C.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, _C.device)):
            device = a
        else:
            raise TypeError(f"to() received an invalid argument {a!r}")
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"to: sparse tensors live on the CPU in ember, got device={device}")
    if (dtype is None or dtype == self.dtype) and not copy:
        return self
    values = self._sp_values.to(dtype) if dtype is not None else self._sp_values
    if copy:
        values = values.clone()
    return _make(self._sp_indices, values, self._sp_size, self._sp_coalesced)


def _to(dtype):
    def convert(self):
        return to(self, dtype)
    return convert


def type_(self, dtype=None):
    if dtype is None:
        return f"ember.sparse.{self.dtype.name}"
    return to(self, dtype)


def clone(self):
    return _make(self._sp_indices.clone(), self._sp_values.clone(), self._sp_size, self._sp_coalesced)


def detach(self):
    return _make(self._sp_indices, self._sp_values.detach(), self._sp_size, self._sp_coalesced)


def detach_(self):
    self._sp_values = self._sp_values.detach()
    return self


def cpu(self):
    return self


def zero_(self):
    """Drops every entry (torch keeps the size and makes nnz 0)."""
    from .._ops.creation import zeros
    self._sp_indices = zeros(self.sparse_dim(), 0, dtype=_C.dtype.int64)
    self._sp_values = zeros([0] + list(self._sp_size[self.sparse_dim():]), dtype=self.dtype)
    self._sp_coalesced = True
    return self


_METHODS = {
    "coalesce": coalesce, "transpose": transpose, "swapaxes": transpose, "swapdims": transpose, "t": t,
    "mul": mul, "__mul__": mul, "__rmul__": _rmul, "div": div, "__truediv__": div, "neg": neg, "__neg__": neg,
    "add": add, "__add__": add, "__radd__": _radd, "sub": sub, "__sub__": sub, "__rsub__": _rsub, "sum": sum,
    "matmul": _matmul, "mm": _matmul, "__matmul__": _matmul, "__rmatmul__": _rmatmul, "to": to,
    "float": _to(_C.dtype.float32), "double": _to(_C.dtype.float64), "half": _to(_C.dtype.float16),
    "bfloat16": _to(_C.dtype.bfloat16), "type": type_, "clone": clone, "detach": detach,
    "detach_": detach_, "cpu": cpu, "zero_": zero_,
}
for _name, _fn in _METHODS.items():
    setattr(SparseCOOTensor, _name, _fn)
