#pragma once
// The one place the op front-ends fill GemmArgs (ops/matmul.cpp, ops/linalg.cpp).
#include "ember/tensor.h"

namespace ember {

// c <- alpha * a @ b + beta * c over the last two dims; every dim before them is a batch dim of
// c, and a and b have the same leading sizes (0 strides for broadcast). Checks nothing but the
// number of batch dims: the callers check shapes and dtypes. beta == 0 never reads c.
void gemm_into(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta);

}  // namespace ember
