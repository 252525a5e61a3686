// Front-ends of the activation functions, their in-place forms and their backward ops.
// Floating inputs are computed in float32 (16-bit inputs too, rounded back) or float64 by the
// activation kernel table. Like PyTorch, hardtanh, relu6 and threshold also take integer
// tensors (computed exactly by clamp/where), and softsign and tanhshrink turn integers into
// float32; the others refuse non-floating inputs.
#include <cmath>

#include "dispatch/kernels.h"
#include "ember/ops.h"
#include "ops/elementwise.h"
#include "ops/overlap.h"

namespace ember {

namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

DType compute_dtype(DType t) { return t == kFloat64 ? kFloat64 : kFloat32; }

// out = op(t) through the kernel; `int_to_float`: integer/bool inputs give float32.
Tensor activate(const char* name, const Tensor& t, ActivationOp op, ActivationParams p = {}, bool int_to_float = false) {
  const bool floating = is_floating(t.dtype());
  EMBER_CHECK_TYPE(floating || int_to_float, name, ": not implemented for dtype ", dtype_name(t.dtype()),
                   " (expected a floating point input)");
  const DType result = floating ? t.dtype() : kFloat32;
  const DType ct = compute_dtype(result);
  Tensor x = t.to(ct);
  // laid out like the input (a transposed input gives a transposed output), so both stream
  Tensor out = elementwise::new_output(t.shape(), ct, t.device(), {x});
  if (out.numel() > 0) {
    TensorIter iter = TensorIter::elementwise(out, {x});
    activation_kernel.get(t.device(), name)(iter, op, p);
  }
  return out.to(result);
}

// grad_input from (grad_output, input) through the backward kernel; the input's dtype.
Tensor activate_backward(const char* name, const Tensor& grad, const Tensor& input, ActivationOp op,
                         ActivationParams p = {}) {
  EMBER_CHECK_TYPE(is_floating(input.dtype()) && is_floating(grad.dtype()), name,
                   ": not implemented for dtypes ", dtype_name(grad.dtype()), " (grad_output) and ",
                   dtype_name(input.dtype()), " (input): expected floating point tensors");
  EMBER_CHECK_SHAPE(grad.shape() == input.shape(), name, ": grad_output of shape ", shape_str(grad.shape()),
                    " does not match input of shape ", shape_str(input.shape()));
  const DType result = promote_types(grad.dtype(), input.dtype());
  const DType ct = compute_dtype(result);
  // The iterator keeps raw pointers: the converted operands must outlive it.
  const Tensor g = grad.to(ct), x = input.to(ct);
  Tensor out = elementwise::new_output(input.shape(), ct, input.device(), {x, g});
  if (out.numel() > 0) {
    TensorIter iter = TensorIter::elementwise(out, {g, x});
    activation_backward_kernel.get(input.device(), name)(iter, op, p);
  }
  return out.to(result);
}

ActivationParams params(double a, double b = 0, double c = 0) {
  ActivationParams p;
  p.a = a;
  p.b = b;
  p.c = c;
  return p;
}

ActivationParams celu_params(double alpha) {
  EMBER_CHECK_VALUE(alpha != 0, "celu: alpha must not be 0 (the input is divided by it)");
  return params(alpha, 1, 1 / alpha);
}

ActivationOp gelu_op(const std::string& approximate) {
  EMBER_CHECK_VALUE(approximate == "none" || approximate == "tanh",
                    "gelu: approximate must be 'none' or 'tanh', got '", approximate, "'");
  return approximate == "tanh" ? ActivationOp::GeluTanh : ActivationOp::Gelu;
}

double param_at(const std::vector<double>& p, size_t i, double fallback) { return i < p.size() ? p[i] : fallback; }

}  // namespace

Tensor gelu(const Tensor& t, const std::string& approximate) { return activate("gelu", t, gelu_op(approximate)); }
Tensor silu(const Tensor& t) { return activate("silu", t, ActivationOp::Silu); }
Tensor softplus(const Tensor& t, double beta, double threshold) {
  return activate("softplus", t, ActivationOp::Softplus, params(beta, threshold));
}
Tensor elu(const Tensor& t, double alpha) { return activate("elu", t, ActivationOp::Elu, params(alpha, 1, 1)); }
Tensor selu(const Tensor& t) { return activate("selu", t, ActivationOp::Elu, params(kSeluAlpha, kSeluScale, 1)); }
Tensor celu(const Tensor& t, double alpha) { return activate("celu", t, ActivationOp::Elu, celu_params(alpha)); }
Tensor leaky_relu(const Tensor& t, double negative_slope) {
  return activate("leaky_relu", t, ActivationOp::LeakyRelu, params(negative_slope));
}
Tensor hardtanh(const Tensor& t, const Scalar& min_val, const Scalar& max_val) {
  EMBER_CHECK_VALUE(min_val.to_double() <= max_val.to_double(), "hardtanh: min_val (", min_val.to_double(),
                    ") cannot be greater than max_val (", max_val.to_double(), ")");
  EMBER_CHECK_TYPE(t.dtype() != kBool, "hardtanh: not implemented for dtype bool");
  if (!is_floating(t.dtype())) return clamp(t, std::optional<Scalar>(min_val), std::optional<Scalar>(max_val));
  return activate("hardtanh", t, ActivationOp::Hardtanh, params(min_val.to_double(), max_val.to_double()));
}
Tensor relu6(const Tensor& t) { return hardtanh(t, 0, 6); }
Tensor mish(const Tensor& t) { return activate("mish", t, ActivationOp::Mish); }
Tensor hardswish(const Tensor& t) { return activate("hardswish", t, ActivationOp::Hardswish); }
Tensor hardsigmoid(const Tensor& t) { return activate("hardsigmoid", t, ActivationOp::Hardsigmoid); }
Tensor logsigmoid(const Tensor& t) { return activate("logsigmoid", t, ActivationOp::LogSigmoid); }
Tensor softsign(const Tensor& t) { return activate("softsign", t, ActivationOp::Softsign, {}, true); }
Tensor tanhshrink(const Tensor& t) { return activate("tanhshrink", t, ActivationOp::Tanhshrink, {}, true); }
Tensor threshold(const Tensor& t, const Scalar& threshold, const Scalar& value) {
  EMBER_CHECK_TYPE(t.dtype() != kBool, "threshold: not implemented for dtype bool");
  if (!is_floating(t.dtype())) {
    // x <= threshold ? value : x, exactly in the integer dtype.
    Tensor keep = gt(t, scalar_tensor(threshold, std::nullopt, true));
    return where(keep, t, full(t.shape(), value, TensorOptions(t.dtype()).device(t.device())));
  }
  return activate("threshold", t, ActivationOp::Threshold, params(threshold.to_double(), value.to_double()));
}

Tensor& activation_(Tensor& self, const std::string& op, const std::vector<double>& p) {
  check_writable(self, op.c_str());
  Tensor r;
  if (op == "elu") r = elu(self, param_at(p, 0, 1));
  else if (op == "selu") r = selu(self);
  else if (op == "celu") r = celu(self, param_at(p, 0, 1));
  else if (op == "leaky_relu") r = leaky_relu(self, param_at(p, 0, 0.01));
  else if (op == "hardtanh") r = hardtanh(self, param_at(p, 0, -1), param_at(p, 1, 1));
  else if (op == "relu6") r = relu6(self);
  else if (op == "threshold") r = threshold(self, param_at(p, 0, 0), param_at(p, 1, 0));
  else if (op == "silu") r = silu(self);
  else if (op == "mish") r = mish(self);
  else if (op == "hardswish") r = hardswish(self);
  else if (op == "hardsigmoid") r = hardsigmoid(self);
  else if (op == "relu") r = relu(self);
  else EMBER_CHECK_VALUE(false, "activation_: no in-place form of '", op, "'");
  if (!is_floating(self.dtype()) && (op == "hardtanh" || op == "relu6" || op == "threshold")) {
    // Integer clamps keep integer values; a float bound is cut like PyTorch's cast.
    r = r.to(self.dtype());
  }
  EMBER_CHECK_TYPE(r.dtype() == self.dtype(), op, "_: result type ", dtype_name(r.dtype()),
                   " can't be cast to the desired output type ", dtype_name(self.dtype()));
  self.copy_(r);
  return self;
}

Tensor gelu_backward(const Tensor& grad, const Tensor& input, const std::string& approximate) {
  return activate_backward("gelu_backward", grad, input, gelu_op(approximate));
}
Tensor silu_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("silu_backward", grad, input, ActivationOp::Silu);
}
Tensor softplus_backward(const Tensor& grad, const Tensor& input, double beta, double threshold) {
  return activate_backward("softplus_backward", grad, input, ActivationOp::Softplus, params(beta, threshold));
}
Tensor elu_backward(const Tensor& grad, const Tensor& input, double alpha) {
  return activate_backward("elu_backward", grad, input, ActivationOp::Elu, params(alpha, 1, 1));
}
Tensor selu_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("selu_backward", grad, input, ActivationOp::Elu, params(kSeluAlpha, kSeluScale, 1));
}
Tensor celu_backward(const Tensor& grad, const Tensor& input, double alpha) {
  return activate_backward("celu_backward", grad, input, ActivationOp::Elu, celu_params(alpha));
}
Tensor leaky_relu_backward(const Tensor& grad, const Tensor& input, double negative_slope) {
  return activate_backward("leaky_relu_backward", grad, input, ActivationOp::LeakyRelu, params(negative_slope));
}
Tensor hardtanh_backward(const Tensor& grad, const Tensor& input, const Scalar& min_val, const Scalar& max_val) {
  return activate_backward("hardtanh_backward", grad, input, ActivationOp::Hardtanh,
                           params(min_val.to_double(), max_val.to_double()));
}
Tensor relu6_backward(const Tensor& grad, const Tensor& input) { return hardtanh_backward(grad, input, 0, 6); }
Tensor mish_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("mish_backward", grad, input, ActivationOp::Mish);
}
Tensor hardswish_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("hardswish_backward", grad, input, ActivationOp::Hardswish);
}
Tensor hardsigmoid_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("hardsigmoid_backward", grad, input, ActivationOp::Hardsigmoid);
}
Tensor logsigmoid_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("logsigmoid_backward", grad, input, ActivationOp::LogSigmoid);
}
Tensor softsign_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("softsign_backward", grad, input, ActivationOp::Softsign);
}
Tensor tanhshrink_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("tanhshrink_backward", grad, input, ActivationOp::Tanhshrink);
}
Tensor threshold_backward(const Tensor& grad, const Tensor& input, const Scalar& threshold) {
  return activate_backward("threshold_backward", grad, input, ActivationOp::Threshold, params(threshold.to_double()));
}
Tensor relu_backward(const Tensor& grad, const Tensor& input) {
  return activate_backward("relu_backward", grad, input, ActivationOp::Relu);
}
Tensor sigmoid_backward(const Tensor& grad, const Tensor& output) {
  return activate_backward("sigmoid_backward", grad, output, ActivationOp::Sigmoid);
}
Tensor tanh_backward(const Tensor& grad, const Tensor& output) {
  return activate_backward("tanh_backward", grad, output, ActivationOp::Tanh);
}

}  // namespace ember
