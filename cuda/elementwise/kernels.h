#pragma once
// The CUDA elementwise family's kernels, one file each; elementwise.cu registers them.
#include "dispatch/kernels.h"
#include "elementwise/loops.cuh"

namespace ember::cuda::ew {
void copy_cuda(const TensorIter& iter);
// out <- in as raw elements of `size` bytes (a fill when the input is passed by value).
void copy_bits(const Geometry<2>& g, int size);
void unary_cuda(const TensorIter& iter, UnaryOp op);
bool unary_math_cuda(const TensorIter& iter, UnaryOp op);  // false: not one of unary_math.cu's
void binary_cuda(const TensorIter& iter, BinaryOp op, const Scalar& alpha);
bool binary_logic_cuda(const TensorIter& iter, BinaryOp op);  // false: not a comparison/bit op
void where_cuda(const TensorIter& iter);
void clamp_cuda(const TensorIter& iter, bool has_min, bool has_max);
void activation_cuda(const TensorIter& iter, ActivationOp op, const ActivationParams& params);
void activation_backward_cuda(const TensorIter& iter, ActivationOp op, const ActivationParams& params);
}  // namespace ember::cuda::ew
