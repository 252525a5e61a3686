// Front-ends of batch, layer and group norm and their backward ops: check shapes against
// PyTorch's rules, compute in float32 (16-bit inputs) or float64, call the kernel tables, and
// return results in the input's dtype. The kernels see contiguous (N, C, L) or (rows, cols)
// tensors; the saved statistics stay in the compute dtype.
#include "ops/device_check.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {

DType compute_dtype(DType t, const char* op) {
  EMBER_CHECK_TYPE(is_floating(t), op, ": expected a floating point input, got ", dtype_name(t));
  return t == kFloat64 ? kFloat64 : kFloat32;
}

Tensor prepared(const Tensor& t, DType dtype) { return t.to(dtype).contiguous(); }

int64_t product(const IntArray& shape, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i) n *= shape[i];
  return n;
}

// An optional per-channel parameter: checked to hold `count` values, flattened, converted.
Tensor channel_param(const std::optional<Tensor>& p, int64_t count, DType dtype, const char* op, const char* name) {
  if (!p || !p->defined()) return Tensor();
  EMBER_CHECK_TYPE(is_floating(p->dtype()), op, ": expected ", name, " to be floating point, got ",
                   dtype_name(p->dtype()));
  EMBER_CHECK_SHAPE(p->numel() == count, op, ": ", name, " should contain ", count, " elements not ", p->numel(),
                    " (", name, " of shape ", shape_str(p->shape()), ")");
  return prepared(p->reshape({count}), dtype);
}

// Result i in the dtype a caller sees: the input's for grad_input, the parameter's (else the
// input's) for the parameter gradients.
Tensor cast_back(const Tensor& t, DType dtype) { return t.defined() ? t.to(dtype) : t; }

}  // namespace

// ---- batch norm ------------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const std::optional<Tensor>& running_mean,
                                                     const std::optional<Tensor>& running_var,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, bool training,
                                                     double momentum, double eps) {
  const char* op = "batch_norm";
  check_same_device(op, {&input, opt_ptr(running_mean), opt_ptr(running_var), opt_ptr(weight), opt_ptr(bias)});
  EMBER_CHECK_SHAPE(input.dim() >= 2, op, ": expected an input of at least 2 dims (N, C, ...), got shape ",
                    shape_str(input.shape()));
  const DType ct = compute_dtype(input.dtype(), op);
  const int64_t N = input.size(0), C = input.size(1), L = product(input.shape(), 2, input.shape().size());
  const bool has_rm = running_mean && running_mean->defined(), has_rv = running_var && running_var->defined();
  for (auto [stat, name] : {std::pair{&running_mean, "running_mean"}, std::pair{&running_var, "running_var"}}) {
    if (!*stat || !(*stat)->defined()) continue;
    EMBER_CHECK_TYPE(is_floating((**stat).dtype()), op, ": expected ", name, " to be floating point, got ",
                     dtype_name((**stat).dtype()));
    EMBER_CHECK_SHAPE((**stat).numel() == C, op, ": ", name, " should contain ", C, " elements not ",
                      (**stat).numel(), " (the channels of input of shape ", shape_str(input.shape()), ")");
  }
  EMBER_CHECK_VALUE(training || (has_rm && has_rv), op, ": running_mean and running_var must be defined in evaluation mode");
  EMBER_CHECK_VALUE(!training || N * L != 1, op, ": expected more than 1 value per channel when training, got input of shape ",
                    shape_str(input.shape()));
  BatchNormArgs args;
  args.weight = channel_param(weight, C, ct, op, "weight");
  args.bias = channel_param(bias, C, ct, op, "bias");
  args.in = prepared(input, ct).reshape({N, C, L});
  args.out = empty({N, C, L}, TensorOptions(ct).device(input.device()));
  auto stat = [&] { return empty({C}, TensorOptions(ct).device(input.device())); };
  args.mean = stat();
  args.var = stat();
  args.invstd = stat();
  if (!training) {
    args.mean.copy_(*running_mean);
    args.var.copy_(*running_var);
  }
  args.training = training;
  args.eps = eps;
  batch_norm_kernel.get(input.device(), op)(args);
  if (training && N * L > 0) {
    // running = (1 - momentum) * running + momentum * batch statistic (unbiased variance).
    const double unbias = static_cast<double>(N * L) / static_cast<double>(N * L - 1);
    Tensor new_mean = has_rm ? add(mul(running_mean->to(ct), 1.0 - momentum), mul(args.mean, momentum)) : Tensor();
    Tensor new_var = has_rv ? add(mul(running_var->to(ct), 1.0 - momentum), mul(args.var, momentum * unbias)) : Tensor();
    if (has_rm) Tensor(*running_mean).copy_(new_mean.view(running_mean->shape()));
    if (has_rv) Tensor(*running_var).copy_(new_var.view(running_var->shape()));
  }
  return {args.out.view(input.shape()).to(input.dtype()), args.mean, args.invstd};
}

Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var,
                  const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, bool training,
                  double momentum, double eps) {
  return std::get<0>(native_batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps));
}

std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(const Tensor& grad_output, const Tensor& input,
                                                       const std::optional<Tensor>& weight, const Tensor& save_mean,
                                                       const Tensor& save_invstd, bool training,
                                                       std::array<bool, 3> output_mask) {
  const char* op = "batch_norm_backward";
  EMBER_CHECK_SHAPE(input.dim() >= 2, op, ": expected an input of at least 2 dims (N, C, ...), got shape ",
                    shape_str(input.shape()));
  EMBER_CHECK_SHAPE(grad_output.shape() == input.shape(), op, ": grad_output of shape ", shape_str(grad_output.shape()),
                    " does not match input of shape ", shape_str(input.shape()));
  const DType ct = compute_dtype(input.dtype(), op);
  const int64_t N = input.size(0), C = input.size(1), L = product(input.shape(), 2, input.shape().size());
  BatchNormBackwardArgs args;
  args.weight = channel_param(weight, C, ct, op, "weight");
  args.mean = channel_param(save_mean, C, ct, op, "save_mean");
  args.invstd = channel_param(save_invstd, C, ct, op, "save_invstd");
  EMBER_CHECK_VALUE(args.mean.defined() && args.invstd.defined(), op, ": save_mean and save_invstd are required");
  args.in = prepared(input, ct).reshape({N, C, L});
  args.grad_out = prepared(grad_output, ct).reshape({N, C, L});
  const TensorOptions opts = TensorOptions(ct).device(input.device());
  if (output_mask[0]) args.grad_in = empty({N, C, L}, opts);
  if (output_mask[1]) args.grad_weight = empty({C}, opts);
  if (output_mask[2]) args.grad_bias = empty({C}, opts);
  args.training = training;
  batch_norm_backward_kernel.get(input.device(), op)(args);
  const DType pd = weight && weight->defined() ? weight->dtype() : input.dtype();
  Tensor gi = args.grad_in.defined() ? args.grad_in.view(input.shape()).to(input.dtype()) : Tensor();
  return {gi, cast_back(args.grad_weight, pd), cast_back(args.grad_bias, pd)};
}

// ---- layer norm ------------------------------------------------------------------------------

namespace {
// Checks normalized_shape against the input's trailing dims; returns (rows, cols).
std::pair<int64_t, int64_t> layer_norm_geometry(const Tensor& input, const IntArray& normalized_shape, const char* op) {
  const size_t k = normalized_shape.size(), d = input.shape().size();
  EMBER_CHECK_SHAPE(k >= 1, op, ": expected normalized_shape to contain at least one dim, got []");
  bool match = d >= k;
  for (size_t i = 0; match && i < k; ++i) match = input.shape()[d - k + i] == normalized_shape[i];
  EMBER_CHECK_SHAPE(match, op, ": given normalized_shape=", shape_str(normalized_shape), ", expected input with shape [*, ",
                    shape_str(normalized_shape).substr(1), " but got input of shape ", shape_str(input.shape()));
  return {product(input.shape(), 0, d - k), product(input.shape(), d - k, d)};
}

Tensor layer_norm_param(const std::optional<Tensor>& p, const IntArray& normalized_shape, int64_t cols, DType ct,
                        const char* op, const char* name) {
  if (!p || !p->defined()) return Tensor();
  EMBER_CHECK_SHAPE(p->shape() == normalized_shape, op, ": expected ", name, " to be of the same shape as normalized_shape ",
                    shape_str(normalized_shape), ", but got ", name, " of shape ", shape_str(p->shape()));
  return channel_param(p, cols, ct, op, name);
}

// mean/rstd keep the input's leading dims and have size 1 on the normalized ones.
IntArray stat_shape(const Tensor& input, size_t k) {
  IntArray s = input.shape();
  for (size_t i = s.size() - k; i < s.size(); ++i) s[i] = 1;
  return s;
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, const IntArray& normalized_shape,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, double eps) {
  const char* op = "layer_norm";
  check_same_device(op, {&input, opt_ptr(weight), opt_ptr(bias)});
  const DType ct = compute_dtype(input.dtype(), op);
  auto [rows, cols] = layer_norm_geometry(input, normalized_shape, op);
  RowNormArgs args;
  args.weight = layer_norm_param(weight, normalized_shape, cols, ct, op, "weight");
  args.bias = layer_norm_param(bias, normalized_shape, cols, ct, op, "bias");
  const TensorOptions opts = TensorOptions(ct).device(input.device());
  args.in = prepared(input, ct).reshape({rows, cols});
  args.out = empty({rows, cols}, opts);
  args.mean = empty({rows}, opts);
  args.rstd = empty({rows}, opts);
  args.rows = rows;
  args.cols = cols;
  args.eps = eps;
  row_norm_kernel.get(input.device(), op)(args);
  const IntArray ss = stat_shape(input, normalized_shape.size());
  return {args.out.view(input.shape()).to(input.dtype()), args.mean.view(ss), args.rstd.view(ss)};
}

Tensor layer_norm(const Tensor& input, const IntArray& normalized_shape, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  return std::get<0>(native_layer_norm(input, normalized_shape, weight, bias, eps));
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(const Tensor& grad_output, const Tensor& input,
                                                       const IntArray& normalized_shape, const Tensor& mean,
                                                       const Tensor& rstd, const std::optional<Tensor>& weight,
                                                       std::array<bool, 3> output_mask) {
  const char* op = "layer_norm_backward";
  check_same_device(op, {&grad_output, &input, &mean, &rstd, opt_ptr(weight)});
  const DType ct = compute_dtype(input.dtype(), op);
  auto [rows, cols] = layer_norm_geometry(input, normalized_shape, op);
  EMBER_CHECK_SHAPE(grad_output.shape() == input.shape(), op, ": grad_output of shape ", shape_str(grad_output.shape()),
                    " does not match input of shape ", shape_str(input.shape()));
  EMBER_CHECK_SHAPE(mean.numel() == rows && rstd.numel() == rows, op, ": expected mean and rstd of ", rows,
                    " values, got shapes ", shape_str(mean.shape()), " and ", shape_str(rstd.shape()));
  RowNormBackwardArgs args;
  args.weight = layer_norm_param(weight, normalized_shape, cols, ct, op, "weight");
  args.in = prepared(input, ct).reshape({rows, cols});
  args.grad_out = prepared(grad_output, ct).reshape({rows, cols});
  args.mean = prepared(mean.reshape({rows}), ct);
  args.rstd = prepared(rstd.reshape({rows}), ct);
  const TensorOptions opts = TensorOptions(ct).device(input.device());
  if (output_mask[0]) args.grad_in = empty({rows, cols}, opts);
  if (output_mask[1]) args.grad_weight = empty({cols}, opts);
  if (output_mask[2]) args.grad_bias = empty({cols}, opts);
  args.rows = rows;
  args.cols = cols;
  row_norm_backward_kernel.get(input.device(), op)(args);
  const DType pd = weight && weight->defined() ? weight->dtype() : input.dtype();
  Tensor gi = args.grad_in.defined() ? args.grad_in.view(input.shape()).to(input.dtype()) : Tensor();
  Tensor gw = args.grad_weight.defined() ? args.grad_weight.view(normalized_shape).to(pd) : Tensor();
  Tensor gb = args.grad_bias.defined() ? args.grad_bias.view(normalized_shape).to(pd) : Tensor();
  return {gi, gw, gb};
}

// ---- group norm ------------------------------------------------------------------------------

namespace {
struct GroupGeometry {
  int64_t N, C, HW, G;
};
GroupGeometry group_norm_geometry(const Tensor& input, int64_t num_groups, const char* op) {
  EMBER_CHECK_SHAPE(input.dim() >= 2, op, ": expected an input of at least 2 dims (N, C, ...), got shape ",
                    shape_str(input.shape()));
  const int64_t C = input.size(1);
  EMBER_CHECK_VALUE(num_groups > 0, op, ": num_groups must be positive, got ", num_groups);
  EMBER_CHECK_SHAPE(C % num_groups == 0, op, ": expected the number of channels of input to be divisible by num_groups, got input of shape ",
                    shape_str(input.shape()), " and num_groups=", num_groups);
  return {input.size(0), C, product(input.shape(), 2, input.shape().size()), num_groups};
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, int64_t num_groups,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, double eps) {
  const char* op = "group_norm";
  check_same_device(op, {&input, opt_ptr(weight), opt_ptr(bias)});
  const GroupGeometry g = group_norm_geometry(input, num_groups, op);
  const DType ct = compute_dtype(input.dtype(), op);
  RowNormArgs args;
  args.weight = channel_param(weight, g.C, ct, op, "weight");
  args.bias = channel_param(bias, g.C, ct, op, "bias");
  args.rows = g.N * g.G;
  args.cols = (g.C / g.G) * g.HW;
  args.inner = g.HW;
  args.groups = g.G;
  args.eps = eps;
  const TensorOptions opts = TensorOptions(ct).device(input.device());
  args.in = prepared(input, ct).reshape({args.rows, args.cols});
  args.out = empty({args.rows, args.cols}, opts);
  args.mean = empty({g.N, g.G}, opts);
  args.rstd = empty({g.N, g.G}, opts);
  row_norm_kernel.get(input.device(), op)(args);
  return {args.out.view(input.shape()).to(input.dtype()), args.mean, args.rstd};
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  return std::get<0>(native_group_norm(input, num_groups, weight, bias, eps));
}

std::tuple<Tensor, Tensor, Tensor> group_norm_backward(const Tensor& grad_output, const Tensor& input, int64_t num_groups,
                                                       const Tensor& mean, const Tensor& rstd,
                                                       const std::optional<Tensor>& weight,
                                                       std::array<bool, 3> output_mask) {
  const char* op = "group_norm_backward";
  check_same_device(op, {&grad_output, &input, &mean, &rstd, opt_ptr(weight)});
  const GroupGeometry g = group_norm_geometry(input, num_groups, op);
  const DType ct = compute_dtype(input.dtype(), op);
  EMBER_CHECK_SHAPE(grad_output.shape() == input.shape(), op, ": grad_output of shape ", shape_str(grad_output.shape()),
                    " does not match input of shape ", shape_str(input.shape()));
  EMBER_CHECK_SHAPE(mean.numel() == g.N * g.G && rstd.numel() == g.N * g.G, op, ": expected mean and rstd of ", g.N * g.G,
                    " values, got shapes ", shape_str(mean.shape()), " and ", shape_str(rstd.shape()));
  RowNormBackwardArgs args;
  args.weight = channel_param(weight, g.C, ct, op, "weight");
  args.rows = g.N * g.G;
  args.cols = (g.C / g.G) * g.HW;
  args.inner = g.HW;
  args.groups = g.G;
  args.in = prepared(input, ct).reshape({args.rows, args.cols});
  args.grad_out = prepared(grad_output, ct).reshape({args.rows, args.cols});
  args.mean = prepared(mean.reshape({args.rows}), ct);
  args.rstd = prepared(rstd.reshape({args.rows}), ct);
  const TensorOptions opts = TensorOptions(ct).device(input.device());
  if (output_mask[0]) args.grad_in = empty({args.rows, args.cols}, opts);
  if (output_mask[1]) args.grad_weight = empty({g.C}, opts);
  if (output_mask[2]) args.grad_bias = empty({g.C}, opts);
  row_norm_backward_kernel.get(input.device(), op)(args);
  const DType pd = weight && weight->defined() ? weight->dtype() : input.dtype();
  Tensor gi = args.grad_in.defined() ? args.grad_in.view(input.shape()).to(input.dtype()) : Tensor();
  return {gi, cast_back(args.grad_weight, pd), cast_back(args.grad_bias, pd)};
}

}  // namespace ember
