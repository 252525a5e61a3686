#pragma once
// The complex forms of real front-ends (ops/complex.cpp): abs, sum and mean, var and std,
// prod and the GEMM, which those front-ends hand complex tensors to.
#include "ember/tensor.h"

namespace ember {

Tensor complex_abs(const Tensor& t);  // |z|, in the parts' dtype
Tensor complex_reduce_parts(const Tensor& t, const OptDims& dims, bool keepdim, bool mean_of);
Tensor complex_var(const Tensor& t, const OptDims& dims, double correction, bool keepdim, bool take_sqrt);
// The product over the dims where keep_shape has size 1, shaped as out_shape.
Tensor complex_prod(const Tensor& t, const IntArray& keep_shape, const IntArray& out_shape);
// gemm_into for complex operands (alpha and beta real).
void complex_gemm_into(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta);

}  // namespace ember
