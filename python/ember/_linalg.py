"""Linear algebra: ember.matmul / mm / bmm / mv / dot and the @ operator (PyTorch semantics)."""
from . import _C
from ._tensor import Tensor, _wrap

__all__ = ["matmul", "mm", "bmm", "mv", "dot"]


def _check_tensor(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _check_dims(op, input, other, want_input, want_other, what):
    if input.dim() != want_input or other.dim() != want_other:
        raise _C.ShapeError(f"{op}: expected {what}, but got shapes {list(input.shape)} and {list(other.shape)}")


def matmul(input, other):
    """The matrix product with broadcasting: 1-D x 1-D is a dot product, a 1-D operand is a
    vector, and leading dims broadcast as a batch."""
    _check_tensor(input, "matmul", "input")
    _check_tensor(other, "matmul", "other")
    return _wrap(_C.matmul(input._impl, other._impl))


def mm(input, mat2):
    _check_tensor(input, "mm", "input")
    _check_tensor(mat2, "mm", "mat2")
    _check_dims("mm", input, mat2, 2, 2, "two 2-D matrices")
    return _wrap(_C.matmul(input._impl, mat2._impl))


def bmm(input, mat2):
    _check_tensor(input, "bmm", "input")
    _check_tensor(mat2, "bmm", "mat2")
    _check_dims("bmm", input, mat2, 3, 3, "two 3-D batches of matrices")
    if input.shape[0] != mat2.shape[0]:
        raise _C.ShapeError(f"bmm: batch sizes differ: shapes {list(input.shape)} and {list(mat2.shape)}")
    return _wrap(_C.matmul(input._impl, mat2._impl))


def mv(input, vec):
    _check_tensor(input, "mv", "input")
    _check_tensor(vec, "mv", "vec")
    _check_dims("mv", input, vec, 2, 1, "a 2-D matrix and a 1-D vector")
    return _wrap(_C.matmul(input._impl, vec._impl))


def dot(input, tensor):
    _check_tensor(input, "dot", "input")
    _check_tensor(tensor, "dot", "tensor")
    _check_dims("dot", input, tensor, 1, 1, "two 1-D tensors")
    return _wrap(_C.matmul(input._impl, tensor._impl))


def _matmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return _wrap(_C.matmul(self._impl, other._impl))


def _rmatmul_op(self, other):
    """other @ self for a non-tensor left operand (a numpy array or nested lists)."""
    from ._creation import tensor
    try:
        left = tensor(other)
    except (TypeError, ValueError):
        return NotImplemented
    return _wrap(_C.matmul(left._impl, self._impl))


Tensor.matmul = matmul
Tensor.mm = mm
Tensor.bmm = bmm
Tensor.mv = mv
Tensor.dot = dot
Tensor.__matmul__ = _matmul_op
Tensor.__rmatmul__ = _rmatmul_op
