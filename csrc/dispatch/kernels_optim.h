#pragma once
// The fused optimizer updates: one pass over a parameter and its state instead of one op per
// line of the algorithm. Operands are contiguous, of one floating dtype and one shape (the
// front-end, csrc/ops/optim.cpp, checks).
#include "dispatch/kernel_table.h"
#include "ember/tensor.h"

namespace ember {

// Adam/AdamW's step for one parameter, PyTorch's single-tensor algorithm in the parameter's
// dtype: the hyper-parameters, and the step's bias corrections worked out by the front-end.
struct AdamStepArgs {
  double lr, beta1, beta2, eps, weight_decay;
  double step_size;             // lr / (1 - beta1^step)
  double bias_correction2_sqrt; // sqrt(1 - beta2^step)
  bool decoupled, amsgrad, maximize;
};
// max_exp_avg_sq is undefined unless amsgrad.
using AdamStepKernel = void (*)(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                                const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq, const AdamStepArgs& args);
extern KernelTable<AdamStepKernel> adam_step_kernel;

}  // namespace ember
