#pragma once
// Fused optimizer updates over a list of parameters (what torch.optim's fused/foreach paths
// do): each parameter's update is one pass over its values.
#include <vector>

#include "ember/api.h"
#include "ember/tensor.h"

namespace ember {

// Adam/AdamW (decoupled) over params[i] with gradients grads[i] and state exp_avgs[i],
// exp_avg_sqs[i], max_exp_avg_sqs[i] (empty unless amsgrad) and steps[i] (0-dim float
// tensors, incremented here). Returns false, having changed nothing, when the operands are not
// all contiguous dense tensors of one device, each with its parameter's dtype and shape: the
// caller then runs the update op by op.
EMBER_API bool adam_step_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                          const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                          const std::vector<Tensor>& max_exp_avg_sqs, const std::vector<Tensor>& steps, double lr,
                          double beta1, double beta2, double eps, double weight_decay, bool decoupled, bool amsgrad,
                          bool maximize);

}  // namespace ember
