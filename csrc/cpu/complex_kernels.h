#pragma once
// The complex64 / complex128 kernels of the CPU elementwise and product families
// (cpu/complex_elementwise.cpp). The real kernels hand complex iterations to them.
#include "dispatch/kernels.h"

namespace ember {

// Add, Sub (with alpha), Mul, Div, Pow, Eq, Ne and the logical ops; others raise TypeError.
void complex_binary_cpu(const TensorIter& iter, BinaryOp op, const Scalar& alpha, const char* name);
// The unary ops with a complex meaning (exp, log, sqrt, the trigonometric and hyperbolic
// functions and their inverses, reciprocal, square, sigmoid, the predicates); others raise.
void complex_unary_cpu(const TensorIter& iter, UnaryOp op, const char* name);
// out (keepdim-shaped, contiguous) <- the product of `in` over the dims where out has size 1.
void complex_prod_cpu(const Tensor& out, const Tensor& in);
// For a contiguous complex b (..., k, n): out (contiguous real, (..., 2k, 2n)) <- the matrix of
// 2x2 blocks [[re, im], [-im, re]] of b's entries, so that A's interleaved parts (m, 2k) times
// out is A @ b's interleaved parts (m, 2n): the complex GEMM as one real GEMM.
void complex_gemm_blocks_cpu(const Tensor& b, const Tensor& out);

}  // namespace ember
