// Embedding front-ends: check indices against the table (IndexError naming the index and
// num_embeddings), flatten them to contiguous int64, and call the kernel tables.
#include <cmath>

#include "ops/device_check.h"
#include "core/shape.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {

// The indices as a contiguous int64 vector, each checked to lie in [0, num).
Tensor checked_indices(const Tensor& indices, int64_t num, const char* op) {
  EMBER_CHECK_TYPE(indices.dtype() == kInt64 || indices.dtype() == kInt32, op,
                   ": expected indices of dtype int64 or int32, got ", dtype_name(indices.dtype()));
  const Tensor flat = indices.to(kInt64).contiguous().reshape({indices.numel()});
  // On a GPU the kernel checks the range (an IndexError all the same), without a copy back.
  if (!flat.device().is_cpu()) return flat;
  const int64_t* ix = static_cast<const int64_t*>(flat.data_ptr());
  for (int64_t i = 0; i < flat.numel(); ++i)
    EMBER_CHECK_INDEX(ix[i] >= 0 && ix[i] < num, op, ": index ", ix[i], " is out of range for num_embeddings ",
                      num, " (valid indices are 0 to ", num - 1, ")");
  return flat;
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices) {
  const char* op = "embedding";
  EMBER_CHECK_SHAPE(weight.dim() == 2, op, ": expected a 2-D weight (num_embeddings, embedding_dim), got ",
                    describe(weight));
  check_same_device(op, {&weight, &indices});
  const Tensor flat = checked_indices(indices, weight.size(0), op);
  IntArray shape = indices.shape();
  shape.push_back(weight.size(1));
  Tensor out = empty({flat.numel(), weight.size(1)}, TensorOptions(weight.dtype()).device(weight.device()));
  if (out.numel() > 0) embedding_kernel.get(weight.device(), op)(out, weight.contiguous(), flat);
  return out.view(shape);
}

Tensor embedding_backward(const Tensor& grad_output, const Tensor& indices, int64_t num_weights, int64_t padding_idx,
                          bool scale_grad_by_freq) {
  const char* op = "embedding_backward";
  EMBER_CHECK_TYPE(is_floating(grad_output.dtype()), op, ": expected a floating-point grad_output, got ",
                   dtype_name(grad_output.dtype()));
  EMBER_CHECK_VALUE(num_weights >= 0, op, ": num_weights must be non-negative, got ", num_weights);
  const int64_t r = indices.dim();
  EMBER_CHECK_SHAPE(grad_output.dim() == r + 1 &&
                        IntArray(grad_output.shape().begin(), grad_output.shape().end() - 1) == indices.shape(),
                    op, ": grad_output of shape ", shape_str(grad_output.shape()),
                    " must be the indices' shape ", shape_str(indices.shape()), " plus the embedding dim");
  EMBER_CHECK_VALUE(padding_idx < num_weights, op, ": padding_idx ", padding_idx,
                    " must be within num_embeddings ", num_weights);
  check_same_device(op, {&grad_output, &indices});
  const Tensor flat = checked_indices(indices, num_weights, op);
  const int64_t dim = grad_output.size(-1);
  Tensor grad_weight = empty({num_weights, dim}, TensorOptions(grad_output.dtype()).device(grad_output.device()));
  if (grad_weight.numel() > 0)
    embedding_backward_kernel.get(grad_weight.device(), op)(grad_weight, grad_output.contiguous().reshape({flat.numel(), dim}),
                                                            flat, padding_idx, scale_grad_by_freq);
  return grad_weight;
}

Tensor& embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
  const char* op = "embedding_renorm_";
  EMBER_CHECK_SHAPE(weight.dim() == 2, op, ": expected a 2-D weight, got ", describe(weight));
  EMBER_CHECK_TYPE(is_floating(weight.dtype()), op, ": expected a floating-point weight, got ",
                   dtype_name(weight.dtype()));
  EMBER_CHECK_VALUE(max_norm >= 0, op, ": max_norm must be non-negative, got ", max_norm);
  check_same_device(op, {&weight, &indices});
  // The rows to renormalize are picked on the host (a GPU's indices are copied back once).
  const Tensor flat = checked_indices(indices, weight.size(0), op).to(Device(kCPU));
  // Each distinct row once, in index order: rows are few, so plain ember ops on row views do.
  std::vector<bool> seen(static_cast<size_t>(weight.size(0)), false);
  const int64_t* ix = static_cast<const int64_t*>(flat.data_ptr());
  for (int64_t i = 0; i < flat.numel(); ++i) {
    if (seen[ix[i]]) continue;
    seen[ix[i]] = true;
    Tensor row = weight.select(0, ix[i]);
    const double n = norm(row.to(kFloat64), norm_type).item<double>();
    if (n > max_norm) row.copy_(mul(row, Scalar(max_norm / (n + 1e-7))));
  }
  return weight;
}

}  // namespace ember
