#pragma once
// Shared by the linalg front-ends: argument checks and the float64 work buffers the kernels
// run on (dispatch/kernels.h, LinalgOp).
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember::linalg_detail {

// float32 and float64 only; other dtypes (integers, float16, bfloat16) raise a DTypeError, and
// so do complex ones, for the functions without a complex path.
inline void check_float(const Tensor& t, const char* op, const char* name = "A") {
  EMBER_CHECK_TYPE(!is_complex(t.dtype()), op, ": complex inputs are not supported (", name, " has dtype ",
                   dtype_name(t.dtype()), "); expected a float32 or float64 tensor");
  EMBER_CHECK_TYPE(t.dtype() == kFloat32 || t.dtype() == kFloat64, op, ": expected ", name,
                   " to be a float32 or float64 tensor, but got dtype ", dtype_name(t.dtype()));
}

// The functions with a complex path: float32, float64, complex64 or complex128.
inline void check_float_or_complex(const Tensor& t, const char* op, const char* name = "A") {
  const DType d = t.dtype();
  EMBER_CHECK_TYPE(d == kFloat32 || d == kFloat64 || d == kComplex64 || d == kComplex128, op, ": expected ", name,
                   " to be a float32, float64, complex64 or complex128 tensor, but got dtype ", dtype_name(d));
}

inline void check_matrix(const Tensor& t, const char* op, const char* name = "A", bool allow_complex = false) {
  if (allow_complex) check_float_or_complex(t, op, name);
  else check_float(t, op, name);
  EMBER_CHECK_SHAPE(t.dim() >= 2, op, ": ", name, " must have at least 2 dimensions, but got shape ",
                    shape_str(t.shape()));
}

inline void check_square(const Tensor& t, const char* op, const char* name = "A", bool allow_complex = false) {
  check_matrix(t, op, name, allow_complex);
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

// The row permutation that LAPACK's 1-based swap sequence `pivots` (*, k) applies: row r of
// P^T A is row perm[r] of A, per batch element (int64 (*, m)); bad pivots raise, naming op.
Tensor pivots_to_permutation(const Tensor& pivots, int64_t m, const char* op);

inline void run(LinalgOp op, const LinalgArgs& args, const char* name) {
  if (args.batch > 0) linalg_kernel.get(Device(), name)(op, args);
}

// The factorizations run on the CPU's kernels. A front-end given GPU tensors calls itself on
// host copies and moves the results back (PyTorch too runs small factorizations through host
// libraries); autograd sees one op on the input's device:
//   if (const auto d = off_host("linalg.inv", {&A})) return to_device(linalg_inv(host(A)), *d);
inline std::optional<Device> off_host(const char* op, std::initializer_list<const Tensor*> tensors) {
  std::optional<Device> device;
  for (const Tensor* t : tensors) {
    if (t == nullptr || !t->defined()) continue;
    if (!device) device = t->device();
    EMBER_CHECK(t->device() == *device, op, ": expected all tensors to be on the same device, but found at least ",
                "two devices, ", device->str(), " and ", t->device().str());
  }
  if (device && !device->is_cpu()) return device;
  return std::nullopt;
}
inline Tensor host(const Tensor& t) { return t.defined() && !t.device().is_cpu() ? t.to(Device(kCPU)) : t; }
inline Tensor to_device(const Tensor& t, Device d) { return t.defined() ? t.to(d) : t; }
template <typename... T> std::tuple<T...> to_device(const std::tuple<T...>& r, Device d) {
  return std::apply([&](const auto&... t) { return std::make_tuple(to_device(t, d)...); }, r);
}

// "3x4": the matrix dims of t (a vector's one dim as "4x1"), as PyTorch's messages write them.
// The first batch element whose info is non-zero, or -1.
inline int64_t first_failure(const Tensor& info) {
  const int64_t* p = info.data_ptr<int64_t>();
  for (int64_t i = 0; i < info.numel(); ++i)
    if (p[i] != 0) return i;
  return -1;
}

// A contiguous batch of n x n identity matrices of `dtype` (the work dtypes: float64, complex128).
inline Tensor identity_batch(const IntArray& batch, int64_t n, DType dtype) {
  return eye(n, n, TensorOptions(dtype)).expand(with_matrix(batch, n, n)).contiguous();
}

inline std::string matrix_str(const Tensor& t) {
  if (t.dim() == 1) return detail::str_cat(t.size(0), "x1");
  return detail::str_cat(t.size(-2), "x", t.size(-1));
}

// "(Batch element i): " for batched inputs, as PyTorch prefixes its linalg errors.
inline std::string batch_prefix(const Tensor& t, int64_t i) {
  return t.dim() > 2 ? detail::str_cat("(Batch element ", i, "): ") : std::string();
}

}  // namespace ember::linalg_detail
