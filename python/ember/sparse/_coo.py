"""The sparse COO tensor: `SparseCOOTensor`, `ember.sparse_coo_tensor` and `Tensor.to_sparse`.

A sparse tensor of size (s_0, ..., s_{S-1}, d_0, ...) holds two dense tensors: `indices`, int64
[S, nnz] (one column per stored entry), and `values`, [nnz, d_0, ...]. Entries may repeat (an
uncoalesced tensor; repeated entries add up) until `coalesce()` sorts and sums them.

The class subclasses ember.Tensor, so isinstance(x, ember.Tensor) holds as in torch, but it has
no strided storage: its `_impl` is a property that raises NotImplementedError naming the op,
so every dense op handed a sparse tensor fails clearly instead of computing garbage. The
operations torch offers on sparse tensors are methods of this class, written over the two
parts with ember ops (and the kernels of csrc/ops/sparse.cpp through ember.sparse._ops).

Autograd flows through the values: the sparse tensor itself is never a node of the graph; its
`_node` is its values' edge, so an op that differentiates through a sparse operand records on
its values (a sparse operand requires grad exactly when its values do). A leaf's `.grad` is
the sparse tensor of its values' gradient on the same pattern, which is what torch gives.
"""
import re
import sys

from .. import _C
from .._layout import sparse_coo, strided
from .._op_layer import install_methods, op
from .._tensor import Size, Tensor, _wrap

__all__ = ["SparseCOOTensor", "sparse_coo_tensor"]

_int64 = _C.dtype.int64
_DTYPE_SUFFIX = re.compile(r",\s*dtype=ember\.\w+")
# helpers whose frames are skipped when naming the op that reached for a sparse tensor's storage
_HELPERS = {"wrapper", "fast", "fn", "record", "handle", "handle_known", "_run_plan", "proceed", "__call__",
            "dispatch", "slow", "_unwrap", "_unwrap_tensor", "_check_tensor", "<lambda>", "<genexpr>",
            "<listcomp>", "_finish", "_binary", "_impl"}


def _calling_op():
    """The name of the op that asked for a sparse tensor's strided storage: the op layer's
    wrapper holds its OpDef (`od`); outside the layer, the nearest public function."""
    frame = sys._getframe(2)
    fallback = None
    for _ in range(8):
        if frame is None:
            break
        name = frame.f_code.co_name
        od = frame.f_locals.get("od") if name in ("wrapper", "record", "handle_known", "slow", "_call_python") \
            else None
        if od is not None and hasattr(od, "name"):
            return od.name
        if fallback is None and name not in _HELPERS and not (name.startswith("_") and not name.startswith("__")):
            fallback = name
        frame = frame.f_back
    return fallback or "this op"


def unsupported(name):
    return NotImplementedError(
        f"{name}: not supported for sparse tensors (layout=ember.sparse_coo): the op needs a strided tensor; "
        "convert with .to_dense() first")


def _is_sparse(x):
    return type(x) is SparseCOOTensor


class SparseCOOTensor(Tensor):
    __slots__ = ("_sp_indices", "_sp_values", "_sp_size", "_sp_coalesced")

    is_sparse = True
    layout = sparse_coo

    # ---- no strided storage: dense ops refuse, naming themselves ---------------------------------
    @property
    def _impl(self):
        raise unsupported(_calling_op())

    # ---- autograd: through the values --------------------------------------------------------------
    @property
    def _node(self):
        return self._sp_values._node

    @_node.setter
    def _node(self, edge):
        self._sp_values._node = edge

    @property
    def grad_fn(self):
        return self._sp_values.grad_fn

    @property
    def is_leaf(self):
        return self._sp_values.is_leaf

    @property
    def grad(self):
        g = self._sp_values.grad
        if g is None:
            return None
        if self._sp_coalesced or self._nnz() <= 1:
            return _make(self._sp_indices, g, self._sp_size, self._sp_coalesced)
        # Repeated entries each hold the gradient of their position (the tensor means their sum):
        # torch's gradient is that value once per position, on the coalesced pattern.
        import numpy as np
        from .._ops.creation import from_numpy
        sd = self.sparse_dim()
        indices, summed, inverse = _C.sparse_coalesce(self._sp_indices._impl, g._impl, list(self._sp_size[:sd]))
        counts = np.bincount(_wrap(inverse).numpy(), minlength=indices.shape[1])
        per = from_numpy(counts.astype(np.float64)).to(g.dtype).reshape([-1] + [1] * (g.dim() - 1))
        return _make(_wrap(indices), _wrap(summed) / per, self._sp_size, False)  # torch leaves it unflagged

    @grad.setter
    def grad(self, value):
        if value is None:
            self._sp_values.grad = None
            return
        if not _is_sparse(value) or value._sp_size != self._sp_size or \
                not _same_pattern(value._sp_indices, self._sp_indices):
            raise RuntimeError("assigned grad of a sparse tensor must be a sparse tensor of its size and pattern")
        self._sp_values.grad = value._sp_values

    def requires_grad_(self, requires_grad=True):
        self._sp_values.requires_grad_(requires_grad)
        return self

    # ---- metadata -----------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._sp_size)

    def size(self, dim=None):
        if dim is None:
            return Size(self._sp_size)
        return self._sp_size[_wrap_dim(dim, len(self._sp_size), "size")]

    @property
    def dtype(self):
        return self._sp_values.dtype

    @property
    def device(self):
        return self._sp_values.device

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return len(self._sp_size)

    def dim(self):
        return len(self._sp_size)

    ndimension = dim

    def numel(self):
        n = 1
        for s in self._sp_size:
            n *= s
        return n

    nelement = numel

    def element_size(self):
        return self._sp_values.element_size()

    def is_floating_point(self):
        return self._sp_values.is_floating_point()

    def sparse_dim(self):
        return self._sp_indices.shape[0]

    def dense_dim(self):
        return self._sp_values.dim() - 1

    def _nnz(self):
        return self._sp_indices.shape[1]

    nnz = _nnz

    def is_coalesced(self):
        return self._sp_coalesced

    def _indices(self):
        return self._sp_indices

    def _values(self):
        """The values, detached (torch's _values() is not differentiable): what optimizers read."""
        return self._sp_values.detach()

    def indices(self):
        if not self._sp_coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._sp_indices

    def values(self):
        if not self._sp_coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        v = self._sp_values
        return v.view(list(v.shape)) if v.requires_grad else v.detach()

    def __len__(self):
        if not self._sp_size:
            raise TypeError("len() of a 0-d tensor")
        return self._sp_size[0]

    def __repr__(self):
        pad = " " * len("tensor(indices=")
        indices = _part_repr(self._sp_indices).replace("\n", "\n" + pad)
        values = _part_repr(self._sp_values.detach()).replace("\n", "\n" + " " * 14)
        tail = f"size={tuple(self._sp_size)}, nnz={self._nnz()}"
        dtype = self.dtype
        if dtype not in (_C.dtype.float32, _C.dtype.int64, _C.dtype.bool):
            tail += f", dtype=ember.{dtype.name}"
        tail += f", layout={sparse_coo!r}"
        node = self._sp_values._node
        if node is not None:
            if node[0]._backward is None:
                tail += ", requires_grad=True"
            else:
                tail += f",\n       grad_fn=<{node[0]._name}>"
        return f"tensor(indices={indices},\n       values={values},\n       {tail})"

    __str__ = __repr__

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} elements is ambiguous")
        return bool(self.to_dense())

    def __reduce_ex__(self, protocol):
        return (sparse_coo_tensor, (self._sp_indices.detach(), self._sp_values.detach(), list(self._sp_size)),
                None)

    def __deepcopy__(self, memo):
        return _make(self._sp_indices.clone(), self._sp_values.detach().clone(), self._sp_size, self._sp_coalesced)


def _part_repr(t):
    """A part as torch prints it inside a sparse tensor: no dtype (the tail names it), and an
    empty part with its size."""
    if t.numel() == 0:
        return f"tensor([], size={tuple(t.shape)})"
    return _DTYPE_SUFFIX.sub("", repr(t))


def _wrap_dim(dim, ndim, op):
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                         f"but got {dim})")
    return dim % max(ndim, 1)


def _same_pattern(a, b):
    return a is b or (a.shape == b.shape and bool((a == b).all()))


def _make(indices, values, size, coalesced):
    """A sparse tensor over the given parts, which the caller has checked."""
    t = object.__new__(SparseCOOTensor)
    t._sp_indices = indices
    t._sp_values = values
    t._sp_size = tuple(int(s) for s in size)
    t._sp_coalesced = bool(coalesced)
    return t


def _as_tensor(x, dtype=None):
    if isinstance(x, Tensor):
        return x
    from .._ops.creation import tensor
    return tensor(x, dtype=dtype)


def _check_device(device):
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"sparse_coo_tensor: sparse tensors live on the CPU in ember, got device={device}")


@op
def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with the entries `values` (nnz, *dense_dims) at `indices`
    (sparse_dim, nnz). Without `size` each sparse size is one past the largest index. Indices are
    always checked against the size (torch checks only with check_invariants=True): kernels
    trust them."""
    _check_device(device)
    indices = _as_tensor(indices)
    values = _as_tensor(values)
    if _is_sparse(indices) or _is_sparse(values):
        raise TypeError("sparse_coo_tensor: indices and values must be dense tensors")
    if indices.dtype != _int64:
        if indices.dtype == _C.dtype.bool:
            raise TypeError("sparse_coo_tensor: indices must be an int64 tensor, got ember.bool")
        indices = indices.to(_int64)
    if indices.dim() != 2:
        raise RuntimeError(f"sparse_coo_tensor: indices must be sparse_dim x nnz, but got: {list(indices.shape)}")
    if values.dim() == 0:
        raise RuntimeError("sparse_coo_tensor: values must have at least one dim (nnz), got a 0-dim tensor")
    sparse_dim, nnz = indices.shape
    if values.shape[0] != nnz:
        raise RuntimeError(f"sparse_coo_tensor: indices and values must have same nnz, but got nnz from indices: "
                           f"{nnz}, nnz from values: {values.shape[0]}")
    dense_shape = list(values.shape[1:])
    if size is None:
        if nnz:
            size = [int(m) + 1 for m in indices.detach().max(dim=1).values.tolist()] + dense_shape
        else:
            size = [0] * sparse_dim + dense_shape
    size = [int(s) for s in size]
    if len(size) != sparse_dim + len(dense_shape):
        raise RuntimeError(f"sparse_coo_tensor: 'len(size) == sparse_dim + dense_dim' is not satisfied: "
                           f"len(size) = {len(size)}, sparse_dim = {sparse_dim}, dense_dim = {len(dense_shape)}")
    if size[sparse_dim:] != dense_shape:
        raise RuntimeError(f"sparse_coo_tensor: values has dense sizes {dense_shape} but size {size} asks for "
                           f"{size[sparse_dim:]}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"sparse_coo_tensor: sizes must be non-negative, got {size}")
    indices = indices.detach().contiguous()
    _C.sparse_check_indices(indices._impl, size[:sparse_dim])
    if dtype is not None and values.dtype != dtype:
        values = values.to(dtype)
    if requires_grad:
        values = values.detach().requires_grad_()
    coalesced = bool(is_coalesced) if is_coalesced is not None else nnz <= 1
    return _make(indices, values, size, coalesced)


# ---- dense -> sparse ------------------------------------------------------------------------------

def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """The sparse COO form of a dense tensor: its nonzero entries (with `sparse_dim`, the
    positions of the first `sparse_dim` dims whose slice has a nonzero), coalesced. Differentiable:
    the gradient is the dense tensor's at those positions."""
    if layout is not None and layout is not sparse_coo:
        raise NotImplementedError(f"to_sparse: layout {layout!r} is not supported; ember has sparse_coo only")
    if blocksize is not None:
        raise NotImplementedError("to_sparse: blocksize is for the sparse BSR/BSC layouts, which ember lacks")
    if _is_sparse(self):
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError(f"to_sparse: conversion from sparse_dim {self.sparse_dim()} to {sparse_dim} is not "
                               "supported")
        return self
    n = self.dim()
    if sparse_dim is None:
        sparse_dim = n - (dense_dim or 0)
    if not 0 < sparse_dim <= n if n else sparse_dim != 0:
        raise RuntimeError(f"to_sparse: sparse_dim must be in [1, {n}] for a {n}-D tensor, got {sparse_dim}")
    if n == 0:
        raise RuntimeError("to_sparse: a 0-dim tensor has no sparse form in ember")
    data = self.detach()
    mask = data != 0
    if sparse_dim < n:  # a position is stored when its dense slice has a nonzero
        mask = mask.sum(dim=list(range(sparse_dim, n))) > 0
    indices = mask.nonzero().t().contiguous()
    values = self[tuple(indices[d] for d in range(sparse_dim))]
    return _make(indices, values, list(self.shape), True)


def to_sparse_coo(self):
    return to_sparse(self)


def to_dense(self, dtype=None, *, masked_grad=None):
    """A dense tensor: self for a strided one; the stored values, summed where repeated, for a
    sparse one (differentiable through the values)."""
    if not _is_sparse(self):
        return self if dtype is None else self.to(dtype)
    from ._ops import scatter_to_dense
    out = scatter_to_dense(self._sp_indices, self._sp_values, self._sp_size)
    return out if dtype is None else out.to(dtype)


install_methods({"to_sparse": to_sparse, "to_sparse_coo": to_sparse_coo, "to_dense": to_dense})

# Tensor.is_sparse / Tensor.layout for strided tensors, unless they are defined already.
if "is_sparse" not in vars(Tensor):
    Tensor.is_sparse = False
if "layout" not in vars(Tensor):
    Tensor.layout = strided
