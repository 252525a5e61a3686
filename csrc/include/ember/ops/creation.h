#pragma once
// Creation of tensors and the type-promotion rules.
// Part of the ops API: include <ember/ops.h>.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- creation ------------------------------------------------------------------------------
EMBER_API Tensor empty(const IntArray& shape, TensorOptions options = {});
EMBER_API Tensor empty_strided(const IntArray& shape, const IntArray& strides, TensorOptions options = {});
EMBER_API Tensor zeros(const IntArray& shape, TensorOptions options = {});
EMBER_API Tensor ones(const IntArray& shape, TensorOptions options = {});
EMBER_API Tensor full(const IntArray& shape, const Scalar& value, TensorOptions options = {});
EMBER_API Tensor arange(const Scalar& end, TensorOptions options = {});
EMBER_API Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1,
                        TensorOptions options = {});
EMBER_API Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
EMBER_API Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, TensorOptions options = {});
EMBER_API Tensor empty_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor full_like(const Tensor& t, const Scalar& value, std::optional<DType> dtype = std::nullopt);
// A 0-dim tensor holding a Python number; `wrapped` marks it for scalar-style promotion.
EMBER_API Tensor scalar_tensor(const Scalar& value, std::optional<DType> dtype = std::nullopt,
                               bool wrapped = false);
// Wraps memory without a copy. The caller keeps it alive, or passes a deleter that releases it.
EMBER_API Tensor from_blob(void* data, const IntArray& shape, DType dtype = kFloat32);
EMBER_API Tensor from_blob(void* data, const IntArray& shape, const IntArray& strides, DType dtype,
                           Storage::Deleter deleter = nullptr, Device device = Device());

// ---- type promotion ------------------------------------------------------------------------
// torch.result_type over tensors (0-dim and wrapped-number tensors rank below dimensioned ones).
EMBER_API DType result_type(const std::vector<Tensor>& tensors);
EMBER_API DType result_type(const Tensor& a, const Scalar& b);
EMBER_API bool can_cast(DType from, DType to);  // torch.can_cast: no category downgrade

}  // namespace ember
