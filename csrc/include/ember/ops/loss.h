#pragma once
// Loss functions and their backward ops.
// Part of the ops API: include <ember/ops.h>.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- losses --------------------------------------------------------------------------------------
// PyTorch's loss functions. `reduction` is "none", "mean" or "sum" (kl_div also "batchmean").
// Each `*_backward` returns the gradients of its differentiable inputs given the gradient of
// the loss (a 0-dim tensor, or the unreduced shape for "none"), summed back to each input's
// shape where the loss broadcast them.
EMBER_API Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
EMBER_API Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
EMBER_API Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                                double beta = 1.0);
EMBER_API Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                            double delta = 1.0);
// Probabilities in [0, 1]; log terms are clamped at -100 like PyTorch.
EMBER_API Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                                      const std::optional<Tensor>& weight = std::nullopt,
                                      const std::string& reduction = "mean");
// Logits; stable for any magnitude. pos_weight scales the positive term per class (last dim).
EMBER_API Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                                  const std::optional<Tensor>& weight = std::nullopt,
                                                  const std::optional<Tensor>& pos_weight = std::nullopt,
                                                  const std::string& reduction = "mean");
EMBER_API Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                        bool log_target = false);
// input: log-probabilities (N, C), (C) or (N, C, d1, ...); target: class indices of the input's
// shape without C. Targets equal to ignore_index count for nothing.
EMBER_API Tensor nll_loss(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight = std::nullopt,
                          const std::string& reduction = "mean", int64_t ignore_index = -100);
// target: class indices (as nll_loss) or class probabilities (the input's shape, floating).
EMBER_API Tensor cross_entropy(const Tensor& input, const Tensor& target,
                               const std::optional<Tensor>& weight = std::nullopt,
                               const std::string& reduction = "mean", int64_t ignore_index = -100,
                               double label_smoothing = 0.0);

EMBER_API std::tuple<Tensor, Tensor> mse_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                       const std::string& reduction);
EMBER_API std::tuple<Tensor, Tensor> l1_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                      const std::string& reduction);
EMBER_API std::tuple<Tensor, Tensor> smooth_l1_loss_backward(const Tensor& grad, const Tensor& input,
                                                             const Tensor& target, const std::string& reduction,
                                                             double beta);
EMBER_API std::tuple<Tensor, Tensor> huber_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                         const std::string& reduction, double delta);
EMBER_API std::tuple<Tensor, Tensor> binary_cross_entropy_backward(const Tensor& grad, const Tensor& input,
                                                                   const Tensor& target,
                                                                   const std::optional<Tensor>& weight,
                                                                   const std::string& reduction);
EMBER_API std::tuple<Tensor, Tensor> binary_cross_entropy_with_logits_backward(
    const Tensor& grad, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
    const std::optional<Tensor>& pos_weight, const std::string& reduction);
EMBER_API std::tuple<Tensor, Tensor> kl_div_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                     const std::string& reduction, bool log_target);
// The gradient of nll_loss with respect to its input (targets are not differentiable).
EMBER_API Tensor nll_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                   const std::optional<Tensor>& weight, const std::string& reduction,
                                   int64_t ignore_index);
// The gradients of cross_entropy: with respect to the input, and to the target when it holds
// class probabilities (nullopt for class indices).
EMBER_API std::tuple<Tensor, std::optional<Tensor>> cross_entropy_backward(
    const Tensor& grad, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
    const std::string& reduction, int64_t ignore_index, double label_smoothing);

}  // namespace ember
