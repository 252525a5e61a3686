"""Matrix ONNX ops: MatMul, Gemm, Einsum, Det, MatMulInteger."""
import ember

from ..registry import imports


@imports("MatMul")
def matmul(node, a, b):
    return ember.matmul(a, b)


@imports("Gemm")
def gemm(node, a, b, c=None):
    if node.attr("transA", 0):
        a = a.t()
    if node.attr("transB", 0):
        b = b.t()
    alpha, beta = node.attr("alpha", 1.0), node.attr("beta", 1.0)
    y = a @ b
    if alpha != 1.0:
        y = y * alpha
    if c is not None and beta != 0.0:
        y = y + (c if beta == 1.0 else c * beta)
    return y


@imports("Einsum")
def einsum(node, *operands):
    return ember.einsum(node.attr("equation").replace(" ", ""), *operands)


@imports("Det")
def det(node, x):
    return ember.linalg.det(x)


@imports("MatMulInteger")
def matmul_integer(node, a, b, a_zero_point=None, b_zero_point=None):
    a = a.to(ember.int32)
    b = b.to(ember.int32)
    if a_zero_point is not None:
        zp = a_zero_point.to(ember.int32)
        a = a - (zp.reshape(-1, 1) if zp.ndim == 1 and zp.numel() > 1 else zp)  # per row of A
    if b_zero_point is not None:
        b = b - b_zero_point.to(ember.int32)  # per column of B
    return ember.matmul(a, b)
