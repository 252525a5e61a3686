#pragma once
// Shared by the loss front-ends (ops/loss.cpp, ops/nll_loss.cpp): the reduction argument, the
// gradient of a reduction, and summing a broadcast gradient back to an input's shape.
#include <string>

#include "ember/ops.h"

namespace ember::loss {

// ValueError unless `reduction` is "none", "mean", "sum" (or "batchmean" where allowed).
void check_reduction(const std::string& reduction, const char* op, bool allow_batchmean = false);
// Reduces an elementwise loss: "none" keeps it, "sum" sums it, "mean" averages it, "batchmean"
// sums and divides by the size of dim 0.
Tensor reduce(const Tensor& loss, const std::string& reduction);
// The gradient of each element of an unreduced loss of `shape`, given the gradient of the
// reduced loss; ShapeError when `grad` does not have the reduced loss's shape.
Tensor expand_grad(const Tensor& grad, const IntArray& shape, const std::string& reduction, const char* op);
// Sums `grad` over the dims a broadcast from `shape` added or stretched.
Tensor sum_to_shape(const Tensor& grad, const IntArray& shape);
// The floating dtype input and target promote to; DTypeError naming the op otherwise.
DType floating_result(const Tensor& input, const Tensor& target, const char* op);
// A wrapped-number tensor holding v, which promotes like a Python float.
inline Tensor number(double v) { return scalar_tensor(v, std::nullopt, /*wrapped=*/true); }

}  // namespace ember::loss
