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

}  // namespace ember
