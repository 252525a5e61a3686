"""Exporters of the matrix products (MatMul follows numpy's rules for 1-D and batched operands,
as ember's matmul does) and einsum."""
import numpy as np

from ... import _C
from ..._tensor import Tensor
from ..registry import exports
from ._common import cast_back, compute_dtype

# ONNX's MatMul takes no 8- and 16-bit integers (nor onnxruntime's Einsum): products in int64
# wrap to the same bits as ember's after the cast back
_NARROW = ("int8", "uint8", "int16")


def _matmul(g, result, input, other, *, out=None):
    if out is not None:
        raise g.unsupported("matmul with out=")
    computed = compute_dtype(result.dtype, _NARROW, _C.dtype.int64)
    a, b = g.operands(input, other, dtype=computed)
    return cast_back(g, g.op("MatMul", a, b), computed, result.dtype)


exports("matmul", "Tensor.__matmul__", "mm", "bmm", "mv", "dot", "vdot", "linalg.matmul")(_matmul)


@exports("Tensor.__rmatmul__")
def _rmatmul(g, result, self, other):
    if not isinstance(other, Tensor):  # `[[1., 2.]] @ x`: the op made a tensor of the left operand
        other = g.constant(np.asarray(other), result.dtype)
        return g.op("MatMul", other, g.value(self, result.dtype))
    return _matmul(g, result, other, self)


@exports("outer", "ger")
def _outer(g, result, input, other, *, out=None):
    computed = compute_dtype(result.dtype, _NARROW + ("bool",), _C.dtype.int64)
    a, b = g.operands(input, other, dtype=computed)
    return cast_back(g, g.op("MatMul", g.unsqueeze(a, [1]), g.unsqueeze(b, [0])), computed, result.dtype)


def _scaled_sum(g, dtype, input, product, beta, alpha):
    if alpha != 1:
        product = g.op("Mul", product, g.value(alpha, dtype))
    if beta == 0:
        return product
    base = g.value(input, dtype)
    if beta != 1:
        base = g.op("Mul", base, g.value(beta, dtype))
    return g.op("Add", base, product)


@exports("addmm")
def _addmm(g, result, input, a, b, *, beta=1, alpha=1, out=None):
    dtype = result.dtype
    if not dtype.is_floating_point:  # onnxruntime's Gemm takes floats only: a MatMul of the integers
        computed = compute_dtype(dtype, _NARROW, _C.dtype.int64)
        x, y = g.operands(a, b, dtype=computed)
        return cast_back(g, _scaled_sum(g, computed, input, g.op("MatMul", x, y), beta, alpha), computed, dtype)
    x, y = g.operands(a, b, dtype=dtype)
    if beta != 0:
        return g.op("Gemm", x, y, g.value(input, dtype), alpha=float(alpha), beta=float(beta))
    return g.op("Gemm", x, y, alpha=float(alpha))


def _add_product(reduce_batch):
    def export(g, result, input, a, b, *, beta=1, alpha=1, out=None):
        dtype = compute_dtype(result.dtype, _NARROW, _C.dtype.int64)
        x, y = g.operands(a, b, dtype=dtype)
        product = g.op("MatMul", x, y)
        if reduce_batch:
            product = g.reduce("ReduceSum", product, [0], False)
        return cast_back(g, _scaled_sum(g, dtype, input, product, beta, alpha), dtype, result.dtype)
    return export


exports("addmv", "baddbmm")(_add_product(False))
exports("addbmm")(_add_product(True))


@exports("einsum")
def _einsum(g, result, equation, *operands):
    if not isinstance(equation, str):
        raise g.unsupported("einsum in the sublist format")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    computed = compute_dtype(result.dtype, _NARROW, _C.dtype.int64)
    names = [g.value(t, computed) for t in operands]
    return cast_back(g, g.op("Einsum", *names, equation=equation.replace(" ", "")), computed, result.dtype)
