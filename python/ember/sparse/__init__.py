"""ember.sparse: sparse COO tensors and torch.sparse's functions (mm, addmm, sum, softmax,
log_softmax), plus the top-level sparse_coo_tensor, spmm and smm.

The tensor class is in _coo.py, its methods in _methods.py, the kernels as ops with their
backward rules in _ops.py. The products run on the hand-written kernels of csrc/ops/sparse.cpp;
their gradients reach both the dense operand (S^T @ G) and the sparse operand's values (the
sampled product G D^T at the stored entries), as torch.sparse.mm's do.
"""
from .. import _C
from .._op_layer import namespace, op as _top_level_op
from .._tensor import Tensor
from ._coo import SparseCOOTensor, _is_sparse, _make, sparse_coo_tensor  # noqa: F401
from . import _methods  # noqa: F401  (installs the methods of SparseCOOTensor)
from ._ops import _spmm, linear_index

op = namespace("sparse")

__all__ = ["mm", "addmm", "sum", "softmax", "log_softmax"]


def _dense_operand(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _matrix(s, op):
    if s.dim() != 2 or s.sparse_dim() != 2:
        raise RuntimeError(f"{op}: expected a 2-D sparse matrix with 2 sparse dims, got size {list(s.shape)} with "
                           f"sparse_dim {s.sparse_dim()} and dense_dim {s.dense_dim()}")


def product(a, b, op="sparse.mm"):
    """a @ b for 2-D operands of which at least one is sparse: sparse @ dense and dense @ sparse
    give dense results, sparse @ sparse a sparse one (torch's layouts)."""
    _dense_operand(a, op, "mat1")
    _dense_operand(b, op, "mat2")
    if _is_sparse(a):
        _matrix(a, op)
        if _is_sparse(b):
            return product(a, b.to_dense(), op).to_sparse()
        if b.dim() != 2:
            raise RuntimeError(f"{op}: expected a 2-D dense matrix, got shape {list(b.shape)}")
        return _spmm(a._sp_indices, a._sp_values, b, list(a.shape))
    if _is_sparse(b):
        _matrix(b, op)
        if a.dim() != 2:
            raise RuntimeError(f"{op}: expected a 2-D dense matrix, got shape {list(a.shape)}")
        # a @ S = (S^T @ a^T)^T: the transposed kernel, no transposed copy of S
        return _spmm(b._sp_indices, b._sp_values, a.t(), list(b.shape), True).t()
    raise TypeError(f"{op}: expected a sparse operand")


@op
def mm(mat1, mat2, reduce="sum"):
    """mat1 @ mat2 with a sparse COO mat1 (or mat2): dense for a dense other operand, sparse for a
    sparse one. Differentiable with respect to the dense operand and the sparse one's values."""
    if reduce != "sum":
        raise NotImplementedError(f"sparse.mm: reduce={reduce!r} is not supported (only 'sum')")
    return product(mat1, mat2)


@op
def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """beta * mat + alpha * (mat1 @ mat2), mat1 sparse, mat and mat2 dense."""
    out = product(mat1, mat2, "sparse.addmm")
    if alpha != 1:
        out = out * alpha
    return out + (mat if beta == 1 else mat * beta) if beta != 0 else out


@op
def sum(input, dim=None, dtype=None):
    """The sum of a sparse tensor's entries: a dense 0-dim tensor without dim, else a sparse
    tensor over the sparse dims left (dense when none is left)."""
    if not _is_sparse(input):
        raise TypeError(f"sparse.sum: expected a sparse tensor, got layout {input.layout!r}")
    return input.sum(dim=dim, dtype=dtype)


def _softmax(input, dim, dtype, log, op):
    """Softmax over the stored entries along `dim`: positions not stored count as -inf (they get
    no output), as torch.sparse.softmax."""
    if not _is_sparse(input):
        raise TypeError(f"{op}: expected a sparse tensor, got layout {input.layout!r}")
    from .._ops.creation import zeros
    x = input.coalesce()
    if dtype is not None:
        x = x.to(dtype)
    sd = x.sparse_dim()
    n = x.dim()
    d = dim % max(n, 1) if -n <= dim < n else None
    if d is None:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    values = x._sp_values
    if d >= sd:  # a dense dim: an ordinary softmax within each stored slice
        import ember.nn.functional as F
        f = F.log_softmax if log else F.softmax
        return _make(x._sp_indices, f(values, d - sd + 1), x._sp_size, True)
    if x._nnz() == 0:
        return x.clone()
    others = [k for k in range(sd) if k != d]
    sizes = [x._sp_size[k] for k in others]
    group = linear_index(x._sp_indices[others], sizes) if others else x._sp_indices[0] * 0
    groups = 1
    for s in sizes:
        groups *= s
    shape = [groups] + list(values.shape[1:])
    # The largest entry of each group, subtracted for stability: a constant shift, which the
    # gradient of a softmax does not see, so it is computed off the graph.
    import numpy as np
    from .._ops.creation import from_numpy
    peak = np.full(shape, -np.inf, dtype=np.float64)
    np.maximum.at(peak, group.numpy(), values.detach().to(_C.dtype.float64).numpy())
    peak = from_numpy(np.where(np.isfinite(peak), peak, 0.0)).to(values.dtype)
    shifted = values - peak.index_select(0, group)
    total = zeros(shape, dtype=values.dtype).index_add(0, group, shifted.exp())
    out = shifted - total.log().index_select(0, group) if log else shifted.exp() / total.index_select(0, group)
    return _make(x._sp_indices, out, x._sp_size, True)


@op
def softmax(input, dim, dtype=None):
    return _softmax(input, dim, dtype, False, "sparse.softmax")


@op
def log_softmax(input, dim, dtype=None):
    return _softmax(input, dim, dtype, True, "sparse.log_softmax")


@_top_level_op("spmm")
def spmm(input, mat2):
    """torch.spmm: sparse @ dense, a dense result."""
    return product(input, mat2, "spmm")


@_top_level_op("smm")
def smm(input, mat):
    """torch.smm: sparse @ dense, returned as a sparse tensor."""
    return product(input, mat, "smm").to_sparse()


def is_sparse_operand(*xs):
    """Whether a sparse COO tensor is among `xs` (ember.mm/matmul/addmm hand such calls here)."""
    for x in xs:
        if type(x) is SparseCOOTensor:
            return True
    return False


def add_sparse_(dense, sparse, alpha=1):
    """dense += alpha * sparse, in place, touching only the stored positions (optimizers'
    updates with sparse gradients)."""
    if list(dense.shape) != list(sparse.shape):
        raise RuntimeError(f"add_: a sparse tensor of size {list(sparse.shape)} into a dense tensor of shape "
                           f"{list(dense.shape)}: the sizes must match")
    sd = sparse.sparse_dim()
    rows = linear_index(sparse._indices(), list(sparse.shape[:sd]))
    dense.view([-1] + list(dense.shape[sd:])).index_add_(0, rows, sparse._values(), alpha=alpha)
    return dense
