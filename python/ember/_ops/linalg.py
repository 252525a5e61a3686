"""Matrix products with PyTorch's names and semantics: matmul (and @), mm, bmm, mv, dot, vdot,
outer/ger, addmm, addmv, addbmm, baddbmm. Checks and the GEMM calls are in C++
(csrc/ops/matmul.cpp); `out=` writes straight into the given tensor where the op has an out
form, else copies the result into it."""
from .. import _C
from .._op_layer import install_methods, op, operator
from .._tensor import Tensor, _wrap

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "addmm", "addmv", "addbmm",
           "baddbmm"]


def _check_tensor(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _check_out(out, op):
    if out is not None and not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")


def _finish(impl, out):
    if out is None:
        return _wrap(impl)
    out.copy_(_wrap(impl))
    return out


@op
def matmul(input, other, *, out=None):
    """The matrix product with broadcasting: 1-D x 1-D is a dot product, a 1-D operand is a
    vector, and leading dims broadcast as a batch."""
    _check_tensor(input, "matmul", "input")
    _check_tensor(other, "matmul", "other")
    _check_out(out, "matmul")
    if type(input) is not Tensor or type(other) is not Tensor:
        if _sparse().is_sparse_operand(input, other):
            return _finish_sparse(input @ other, out)
    return _finish(_C.matmul(input._impl, other._impl), out)


def _sparse():
    from .. import sparse
    return sparse


def _finish_sparse(result, out):
    """The result of a product with a sparse COO operand (ember.sparse), into `out` if given."""
    if out is None:
        return result
    out.copy_(result.to_dense())
    return out


def _binary(op, native, native_out, names):
    def fn(input, other, *, out=None):
        _check_tensor(input, op, names[0])
        _check_tensor(other, op, names[1])
        _check_out(out, op)
        if (type(input) is not Tensor or type(other) is not Tensor) and op == "mm" and \
                _sparse().is_sparse_operand(input, other):
            return _finish_sparse(_sparse().product(input, other, "mm"), out)
        if out is not None and native_out is not None:
            native_out(out._impl, input._impl, other._impl)
            return out
        return _finish(native(input._impl, other._impl), out)
    fn.__name__ = fn.__qualname__ = op
    return fn


mm = op("mm", _binary("mm", _C.mm, _C.mm_out, ("input", "mat2")))
bmm = op("bmm", _binary("bmm", _C.bmm, _C.bmm_out, ("input", "mat2")))
mv = op("mv", _binary("mv", _C.mv, _C.mv_out, ("input", "vec")))
dot = op("dot", _binary("dot", _C.dot, None, ("input", "tensor")))
vdot = op("vdot", _binary("vdot", _C.vdot, None, ("input", "other")))
outer = op("outer", _binary("outer", _C.outer, None, ("input", "vec2")))
ger = op("ger", _binary("ger", _C.outer, None, ("input", "vec2")))
mm.__doc__ = "The product of two 2-D matrices."
bmm.__doc__ = "The products of two batches of matrices, (B, n, k) @ (B, k, m)."
mv.__doc__ = "The product of a 2-D matrix and a 1-D vector."
dot.__doc__ = "The dot product of two 1-D tensors (0-dim result)."
vdot.__doc__ = "The dot product of two 1-D tensors (ember's dtypes are real: no conjugate)."
outer.__doc__ = ger.__doc__ = "The outer product of two 1-D tensors, promoting their dtypes."


def _addition(op, native, native_out, names):
    def fn(input, a, b, *, beta=1, alpha=1, out=None):
        _check_tensor(input, op, "input")
        _check_tensor(a, op, names[0])
        _check_tensor(b, op, names[1])
        _check_out(out, op)
        if (type(a) is not Tensor or type(b) is not Tensor) and op == "addmm" and \
                _sparse().is_sparse_operand(a, b):
            return _finish_sparse(_sparse().addmm(input, a, b, beta=beta, alpha=alpha), out)
        if out is not None and native_out is not None:
            native_out(out._impl, input._impl, a._impl, b._impl, beta, alpha)
            return out
        return _finish(native(input._impl, a._impl, b._impl, beta, alpha), out)
    fn.__name__ = fn.__qualname__ = op
    return fn


addmm = op("addmm", _addition("addmm", _C.addmm, _C.addmm_out, ("mat1", "mat2")))
addmv = op("addmv", _addition("addmv", _C.addmv, _C.addmv_out, ("mat", "vec")))
baddbmm = op("baddbmm", _addition("baddbmm", _C.baddbmm, _C.baddbmm_out, ("batch1", "batch2")))
addbmm = op("addbmm", _addition("addbmm", _C.addbmm, None, ("batch1", "batch2")))
addmm.__doc__ = "beta * input + alpha * (mat1 @ mat2), input broadcast; beta=0 ignores input."
addmv.__doc__ = "beta * input + alpha * (mat @ vec), input broadcast; beta=0 ignores input."
baddbmm.__doc__ = "beta * input + alpha * bmm(batch1, batch2), input broadcast; beta=0 ignores input."
addbmm.__doc__ = "beta * input + alpha * sum_i batch1[i] @ batch2[i]; beta=0 ignores input."


def _matmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return _wrap(_C.matmul(self._impl, other._impl))


def _rmatmul_op(self, other):
    """other @ self for a non-tensor left operand (a numpy array or nested lists)."""
    from .creation import tensor
    try:
        left = tensor(other)
    except (TypeError, ValueError):
        return NotImplemented
    return _wrap(_C.matmul(left._impl, self._impl))


def _inplace(native_out, op):
    """self.addmm_(mat1, mat2, beta=, alpha=): the out form writing into self."""
    def method(self, a, b, *, beta=1, alpha=1):
        _check_tensor(a, op, "a")
        _check_tensor(b, op, "b")
        native_out(self._impl, self._impl, a._impl, b._impl, beta, alpha)
        return self
    method.__name__ = method.__qualname__ = op
    return method


# The methods are the functions, with the tensor as `self`.
for _fn in (matmul, mm, bmm, mv, dot, vdot, outer, ger, addmm, addmv, addbmm, baddbmm):
    setattr(Tensor, _fn.__name__, _fn)
install_methods({"addmm_": _inplace(_C.addmm_out, "addmm_"), "addmv_": _inplace(_C.addmv_out, "addmv_"),
                 "baddbmm_": _inplace(_C.baddbmm_out, "baddbmm_")})
Tensor.__matmul__ = operator("__matmul__", _matmul_op)
Tensor.__rmatmul__ = operator("__rmatmul__", _rmatmul_op)
