// CTC loss front-ends: check shapes, dtypes and lengths (errors name the op and the values),
// make the operands contiguous int64 / floating blocks, allocate the results and call the
// kernel tables.
#include <algorithm>

#include "core/shape.h"
#include "dispatch/kernels_ctc.h"
#include "ember/ops.h"

namespace ember {

namespace {

// The targets as a contiguous (N, S) int64 block, after checking the lengths against T and S.
Tensor checked_targets(const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& input_lengths,
                       const std::vector<int64_t>& target_lengths, int64_t blank, const char* op) {
  EMBER_CHECK_SHAPE(log_probs.dim() == 3, op, ": expected log_probs of shape (T, N, C), got ", describe(log_probs));
  EMBER_CHECK_TYPE(is_floating(log_probs.dtype()), op, ": expected floating log_probs, got ",
                   dtype_name(log_probs.dtype()));
  const int64_t T = log_probs.size(0), N = log_probs.size(1), C = log_probs.size(2);
  EMBER_CHECK_SHAPE(targets.dim() == 2 && targets.size(0) == N, op, ": expected targets of shape (N, S) with N = ",
                    N, ", got ", describe(targets));
  EMBER_CHECK_TYPE(targets.dtype() == kInt64 || targets.dtype() == kInt32, op,
                   ": expected targets of dtype int64 or int32, got ", dtype_name(targets.dtype()));
  EMBER_CHECK_VALUE(static_cast<int64_t>(input_lengths.size()) == N &&
                        static_cast<int64_t>(target_lengths.size()) == N,
                    op, ": expected ", N, " input and target lengths, got ", input_lengths.size(), " and ",
                    target_lengths.size());
  EMBER_CHECK_VALUE(blank >= 0 && blank < C, op, ": blank must be in label range [0, ", C, "), got ", blank);
  for (int64_t n = 0; n < N; ++n) {
    EMBER_CHECK_VALUE(input_lengths[n] >= 0 && input_lengths[n] <= T, op, ": input length ", input_lengths[n],
                      " of sequence ", n, " must be in [0, ", T, "]");
    EMBER_CHECK_VALUE(target_lengths[n] >= 0 && target_lengths[n] <= targets.size(1), op, ": target length ",
                      target_lengths[n], " of sequence ", n, " must be in [0, ", targets.size(1), "]");
  }
  const Tensor flat = targets.to(kInt64).contiguous();
  const Tensor host = flat.to(Device(kCPU));  // the check reads the labels on the host
  const int64_t* t = static_cast<const int64_t*>(host.data_ptr());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < target_lengths[n]; ++s)
      EMBER_CHECK_INDEX(t[n * targets.size(1) + s] >= 0 && t[n * targets.size(1) + s] < C, op, ": target ",
                        t[n * targets.size(1) + s], " of sequence ", n, " is not a class index in [0, ", C, ")");
  return flat;
}

}  // namespace

std::tuple<Tensor, Tensor> ctc_loss_forward(const Tensor& log_probs, const Tensor& targets,
                                            const std::vector<int64_t>& input_lengths,
                                            const std::vector<int64_t>& target_lengths, int64_t blank) {
  const char* op = "ctc_loss";
  const Tensor flat = checked_targets(log_probs, targets, input_lengths, target_lengths, blank, op);
  const int64_t T = log_probs.size(0), N = log_probs.size(1);
  const TensorOptions options = TensorOptions(log_probs.dtype()).device(log_probs.device());
  Tensor nll = empty({N}, options);
  Tensor log_alpha = empty({N, T, 2 * targets.size(1) + 1}, options);
  if (N > 0) ctc_loss_kernel.get(log_probs.device(), op)(nll, log_alpha, log_probs.contiguous(), flat, input_lengths,
                                                         target_lengths, blank);
  return {nll, log_alpha};
}

Tensor ctc_loss_backward(const Tensor& grad, const Tensor& log_probs, const Tensor& targets,
                         const std::vector<int64_t>& input_lengths, const std::vector<int64_t>& target_lengths,
                         const Tensor& neg_log_likelihood, const Tensor& log_alpha, int64_t blank, bool zero_infinity) {
  const char* op = "ctc_loss_backward";
  const Tensor flat = checked_targets(log_probs, targets, input_lengths, target_lengths, blank, op);
  const int64_t T = log_probs.size(0), N = log_probs.size(1);
  EMBER_CHECK_SHAPE(grad.numel() == N && neg_log_likelihood.numel() == N, op, ": expected ", N,
                    " gradients and losses, got ", describe(grad), " and ", describe(neg_log_likelihood));
  EMBER_CHECK_SHAPE(log_alpha.dim() == 3 && log_alpha.size(0) == N && log_alpha.size(1) == T &&
                        log_alpha.size(2) == 2 * targets.size(1) + 1,
                    op, ": log_alpha of shape ", shape_str(log_alpha.shape()), " does not match log_probs ",
                    shape_str(log_probs.shape()), " and targets ", shape_str(targets.shape()));
  Tensor grad_log_probs = zeros(log_probs.shape(), TensorOptions(log_probs.dtype()).device(log_probs.device()));
  if (grad_log_probs.numel() > 0)
    ctc_loss_backward_kernel.get(log_probs.device(), op)(
        grad_log_probs, grad.to(log_probs.dtype()).contiguous(), log_probs.contiguous(), flat, input_lengths,
        target_lengths, neg_log_likelihood.to(log_probs.dtype()).contiguous(),
        log_alpha.to(log_probs.dtype()).contiguous(), blank, zero_infinity);
  return grad_log_probs;
}

}  // namespace ember
