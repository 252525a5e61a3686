#pragma once
// Reductions, scans and softmax.
// Part of the ops API: include <ember/ops.h>.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- reductions ----------------------------------------------------------------------------
EMBER_API Tensor sum(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false,
                     std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor mean(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false,
                      std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor prod(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false,
                      std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor var(const Tensor& t, const OptDims& dims = std::nullopt, double correction = 1,
                     bool keepdim = false);
EMBER_API Tensor std(const Tensor& t, const OptDims& dims = std::nullopt, double correction = 1,
                     bool keepdim = false);
EMBER_API Tensor amax(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false);
EMBER_API Tensor amin(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false);
EMBER_API Tensor max(const Tensor& t);  // 0-dim
EMBER_API Tensor min(const Tensor& t);
EMBER_API std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
EMBER_API std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
EMBER_API Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
EMBER_API Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
EMBER_API Tensor all(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false);
EMBER_API Tensor any(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false);
EMBER_API Tensor logsumexp(const Tensor& t, const IntArray& dims, bool keepdim = false);
// p-norm over dims (p = 2 by default; inf, -inf, 0 and any positive p)
EMBER_API Tensor norm(const Tensor& t, double p = 2, const OptDims& dims = std::nullopt,
                      bool keepdim = false);
EMBER_API Tensor cumsum(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor cumprod(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
// The gradients of softmax / log_softmax along dim from the forward's output and the output's
// gradient (converted to the output's dtype); the result has the output's shape and dtype.
EMBER_API Tensor softmax_backward(const Tensor& grad_output, const Tensor& output, int64_t dim);
EMBER_API Tensor log_softmax_backward(const Tensor& grad_output, const Tensor& output, int64_t dim);

}  // namespace ember
