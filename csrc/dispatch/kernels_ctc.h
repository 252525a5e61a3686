#pragma once
// The CTC loss kernels. log_probs is a contiguous (T, N, C) block, targets a contiguous (N, S)
// int64 block; the lengths are checked by the front-end (input <= T, target <= S).
#include <vector>

#include "dispatch/kernel_table.h"
#include "ember/tensor.h"

namespace ember {

// nll (N) and log_alpha (N, T, 2 S + 1) <- the forward recursion in log space.
using CtcLossKernel = void (*)(const Tensor& nll, const Tensor& log_alpha, const Tensor& log_probs,
                               const Tensor& targets, const std::vector<int64_t>& input_lengths,
                               const std::vector<int64_t>& target_lengths, int64_t blank);
// grad_log_probs (T, N, C), zeroed by the front-end, <- grad (N) times the gradient of nll.
using CtcLossBackwardKernel = void (*)(const Tensor& grad_log_probs, const Tensor& grad, const Tensor& log_probs,
                                       const Tensor& targets, const std::vector<int64_t>& input_lengths,
                                       const std::vector<int64_t>& target_lengths, const Tensor& nll,
                                       const Tensor& log_alpha, int64_t blank, bool zero_infinity);
extern KernelTable<CtcLossKernel> ctc_loss_kernel;
extern KernelTable<CtcLossBackwardKernel> ctc_loss_backward_kernel;

}  // namespace ember
