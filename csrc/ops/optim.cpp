// Fused optimizer front-ends: check that every operand can take the fused pass (else change
// nothing and say so), advance the step counters, work out the step's scalars and call the
// kernel table per parameter.
#include <cmath>

#include "dispatch/kernels_optim.h"
#include "ember/ops.h"
#include "ember/ops/optim.h"

namespace ember {

namespace {

bool fits(const Tensor& t, const Tensor& param) {
  return t.defined() && t.is_contiguous() && t.dtype() == param.dtype() && t.device() == param.device() &&
         t.shape() == param.shape();
}

}  // namespace

bool adam_step_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                const std::vector<Tensor>& max_exp_avg_sqs, const std::vector<Tensor>& steps, double lr, double beta1,
                double beta2, double eps, double weight_decay, bool decoupled, bool amsgrad, bool maximize) {
  const size_t n = params.size();
  EMBER_CHECK_VALUE(grads.size() == n && exp_avgs.size() == n && exp_avg_sqs.size() == n && steps.size() == n &&
                        max_exp_avg_sqs.size() == (amsgrad ? n : 0),
                    "adam_step_: expected ", n, " gradients, states and steps, got ", grads.size(), ", ",
                    exp_avgs.size(), ", ", exp_avg_sqs.size(), ", ", steps.size());
  for (size_t i = 0; i < n; ++i) {
    const Tensor& p = params[i];
    if (!p.defined() || (p.dtype() != kFloat32 && p.dtype() != kFloat64) || !p.is_contiguous() ||
        !adam_step_kernel.has(p.device().type))
      return false;
    if (!fits(grads[i], p) || !fits(exp_avgs[i], p) || !fits(exp_avg_sqs[i], p)) return false;
    if (amsgrad && !fits(max_exp_avg_sqs[i], p)) return false;
    if (!steps[i].defined() || steps[i].numel() != 1 || !steps[i].device().is_cpu()) return false;
  }
  for (size_t i = 0; i < n; ++i) {
    const double step = steps[i].item<double>() + 1;
    Tensor counter = steps[i];
    counter.fill_(Scalar(step));
    AdamStepArgs a{lr, beta1, beta2, eps, weight_decay, 0, 0, decoupled, amsgrad, maximize};
    a.step_size = lr / (1 - std::pow(beta1, step));
    a.bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, step));
    adam_step_kernel.get(params[i].device(), "adam_step_")(params[i], grads[i], exp_avgs[i], exp_avg_sqs[i],
                                                          amsgrad ? max_exp_avg_sqs[i] : Tensor(), a);
  }
  return true;
}

}  // namespace ember
