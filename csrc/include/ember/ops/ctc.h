#pragma once
// The CTC loss (Connectionist Temporal Classification) and its gradient.
// Part of the ops API: include <ember/ops.h>.
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// log_probs (T, N, C) floating; targets (N, S) integer, row n's labels in its first
// target_lengths[n] entries; input_lengths[n] <= T frames of sequence n count. Returns the
// negative log likelihood per sequence (N) (inf where no alignment exists) and the forward
// variables log_alpha (N, T, 2 S + 1) that ctc_loss_backward takes.
EMBER_API std::tuple<Tensor, Tensor> ctc_loss_forward(const Tensor& log_probs, const Tensor& targets,
                                                      const std::vector<int64_t>& input_lengths,
                                                      const std::vector<int64_t>& target_lengths, int64_t blank);
// The gradient of sum(grad * nll) with respect to log_probs, as PyTorch's (the gradient for
// log_softmax outputs): exp(lp) - exp(logsumexp of alpha + beta over the label's positions
// + nll - lp) at the frames an input has, 0 elsewhere (and for the infinite losses with
// zero_infinity).
EMBER_API Tensor ctc_loss_backward(const Tensor& grad, const Tensor& log_probs, const Tensor& targets,
                                   const std::vector<int64_t>& input_lengths,
                                   const std::vector<int64_t>& target_lengths, const Tensor& neg_log_likelihood,
                                   const Tensor& log_alpha, int64_t blank, bool zero_infinity);

}  // namespace ember
