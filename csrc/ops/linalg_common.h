#pragma once
// Shared by the linalg front-ends: argument checks and the float64 work buffers the kernels
// run on (dispatch/kernels.h, LinalgOp).
#include <string>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember::linalg_detail {

// float32 and float64 only; other dtypes (integers, float16, bfloat16) raise a DTypeError.
inline void check_float(const Tensor& t, const char* op, const char* name = "A") {
  EMBER_CHECK_TYPE(t.dtype() == kFloat32 || t.dtype() == kFloat64, op, ": expected ", name,
                   " to be a float32 or float64 tensor, but got dtype ", dtype_name(t.dtype()));
  EMBER_CHECK(t.device().type == DeviceType::CPU, op, ": only CPU tensors are supported, but ", name,
              " is on ", t.device().str());
}

inline void check_matrix(const Tensor& t, const char* op, const char* name = "A") {
  check_float(t, op, name);
  EMBER_CHECK_SHAPE(t.dim() >= 2, op, ": ", name, " must have at least 2 dimensions, but got shape ",
                    shape_str(t.shape()));
}

inline void check_square(const Tensor& t, const char* op, const char* name = "A") {
  check_matrix(t, op, name);
  EMBER_CHECK_SHAPE(t.size(-1) == t.size(-2), op, ": ", name,
                    " must be batches of square matrices, but they are ", t.size(-2), " by ", t.size(-1),
                    " matrices (shape ", shape_str(t.shape()), ")");
}

inline IntArray batch_shape(const Tensor& t) { return IntArray(t.shape().begin(), t.shape().end() - 2); }

inline IntArray with_matrix(IntArray batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

// A fresh contiguous float64 copy of t (the kernels work in place on it).
inline Tensor work_copy(const Tensor& t) {
  Tensor w = empty(t.shape(), TensorOptions(kFloat64));
  if (w.numel() > 0) w.copy_(t);
  return w;
}

inline Tensor f64_empty(const IntArray& shape) { return empty(shape, TensorOptions(kFloat64)); }

inline void run(LinalgOp op, const LinalgArgs& args, const char* name) {
  if (args.batch > 0) linalg_kernel.get(Device(), name)(op, args);
}

// "3x4": the matrix dims of t (a vector's one dim as "4x1"), as PyTorch's messages write them.
inline std::string matrix_str(const Tensor& t) {
  if (t.dim() == 1) return detail::str_cat(t.size(0), "x1");
  return detail::str_cat(t.size(-2), "x", t.size(-1));
}

// "(Batch element i): " for batched inputs, as PyTorch prefixes its linalg errors.
inline std::string batch_prefix(const Tensor& t, int64_t i) {
  return t.dim() > 2 ? detail::str_cat("(Batch element ", i, "): ") : std::string();
}

}  // namespace ember::linalg_detail
