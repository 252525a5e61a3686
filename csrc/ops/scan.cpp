// Front-ends of the ops that run along one dim and keep the shape: cumsum, cumprod, softmax,
// log_softmax and the backward of the last two. The output is a fresh contiguous tensor; a 0-dim
// input is treated as one element.
#include "core/shape.h"
#include "ops/device_check.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {
// The input (converted to `dtype` first) and a fresh output of its dtype and shape.
std::pair<Tensor, Tensor> prepare(const Tensor& t, DType dtype) {
  const Tensor in = t.to(dtype);
  return {in, empty(in.shape(), TensorOptions(dtype).device(in.device()))};
}

// cumsum/cumprod: integer and bool inputs accumulate in int64, as in PyTorch.
Tensor scan(const Tensor& t, int64_t dim, std::optional<DType> dtype, ScanOp op, const char* name) {
  const int64_t d = wrap_dim(dim, t.dim(), name);
  auto [in, out] = prepare(t, dtype ? *dtype : (is_floating(t.dtype()) ? t.dtype() : kInt64));
  if (in.dtype() != kInt64 && !is_floating(in.dtype())) {
    // A narrow integer dtype was asked for: accumulate in int64, then convert, like a cast of
    // the int64 result.
    return scan(in, dim, kInt64, op, name).to(in.dtype());
  }
  if (in.numel() == 0) return out;
  if (in.dim() == 0) scan_kernel.get(in.device(), name)(out.view({1}), in.reshape({1}), 0, op);
  else scan_kernel.get(in.device(), name)(out, in, d, op);
  return out;
}

Tensor softmax_impl(const Tensor& t, int64_t dim, std::optional<DType> dtype, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  const int64_t d = wrap_dim(dim, t.dim(), name);
  const DType target = dtype.value_or(t.dtype());
  EMBER_CHECK_TYPE(is_floating(target), name, ": expected a floating point input, got ", dtype_name(target),
                   " (pass dtype= to compute in a floating dtype)");
  auto [in, out] = prepare(t, target);
  if (in.numel() == 0) return out;
  if (in.dim() == 0) softmax_kernel.get(in.device(), name)(out.view({1}), in.reshape({1}), 0, log);
  else softmax_kernel.get(in.device(), name)(out, in, d, log);
  return out;
}

Tensor softmax_backward_impl(const Tensor& grad_output, const Tensor& output, int64_t dim, bool log) {
  const char* name = log ? "log_softmax_backward" : "softmax_backward";
  check_same_device(name, {&grad_output, &output});
  const int64_t d = wrap_dim(dim, output.dim(), name);
  EMBER_CHECK_TYPE(is_floating(output.dtype()), name, ": expected a floating point output, got ",
                   dtype_name(output.dtype()));
  EMBER_CHECK_SHAPE(grad_output.shape() == output.shape(), name, ": grad_output of shape ",
                    shape_str(grad_output.shape()), " does not match output of shape ", shape_str(output.shape()));
  const Tensor g = grad_output.to(output.dtype());
  if (!softmax_backward_kernel.has(output.device().type)) {
    // Devices without a fused kernel compose it from elementwise ops and a sum.
    const IntArray along{d};
    if (log) return sub(g, mul(exp(output), sum(g, along, true)));
    return mul(output, sub(g, sum(mul(g, output), along, true)));
  }
  const Tensor grad_in = empty(output.shape(), TensorOptions(output.dtype()).device(output.device()));
  if (output.numel() == 0) return grad_in;
  if (output.dim() == 0)
    softmax_backward_kernel.get(output.device(), name)(grad_in.view({1}), g.reshape({1}), output.reshape({1}), 0, log);
  else
    softmax_backward_kernel.get(output.device(), name)(grad_in, g, output, d, log);
  return grad_in;
}
}  // namespace

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return scan(t, dim, dtype, ScanOp::Sum, "cumsum");
}

Tensor cumprod(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return scan(t, dim, dtype, ScanOp::Prod, "cumprod");
}

Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) { return softmax_impl(t, dim, dtype, false); }

Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl(t, dim, dtype, true);
}

Tensor softmax_backward(const Tensor& grad_output, const Tensor& output, int64_t dim) {
  return softmax_backward_impl(grad_output, output, dim, false);
}

Tensor log_softmax_backward(const Tensor& grad_output, const Tensor& output, int64_t dim) {
  return softmax_backward_impl(grad_output, output, dim, true);
}

}  // namespace ember
