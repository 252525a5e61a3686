// conv1d / conv2d / conv3d and their backward kernels. Each call is checked against PyTorch's
// rules (ops/conv_args.cpp), its operands are brought once into the kernels' form (contiguous,
// float32 or float64, 4-D NCHW: a 1-D convolution has H = 1; 5-D NCDHW for 3-D), and the result
// is converted back.
#include <cstring>

#include "ember/ops.h"
#include "ops/conv_args.h"

namespace ember {

using namespace conv_detail;

namespace {

ConvRequest request(const char* op, int nd, const IntArray& stride, Padding padding, const IntArray& dilation,
                    int64_t groups) {
  return ConvRequest{op, nd, false, stride, std::move(padding), dilation, groups, {0}};
}

void check_grad_output(const char* op, const Tensor& grad_output, const ConvSpec& s) {
  EMBER_CHECK_SHAPE(grad_output.shape() == s.output_shape, op, ": expected grad_output of size ",
                    shape_str(s.output_shape), " (the forward result for input of size ", shape_str(s.input_shape),
                    " and weight of size ", shape_str(s.weight_shape), "), but got ", shape_str(grad_output.shape()));
}

void check_floating(const char* op, const char* what, const Tensor& t) {
  EMBER_CHECK_TYPE(is_floating(t.dtype()), op, ": expected a floating ", what,
                   " (float32, float64, float16 or bfloat16), but got ", dtype_name(t.dtype()));
}

Tensor conv_forward(const ConvRequest& r, const Tensor& input, const Tensor& weight,
                    const std::optional<Tensor>& bias) {
  const Tensor* b = bias ? &*bias : nullptr;
  check_dtypes(r.op, input, weight, b, nullptr);
  const ConvSpec s = check_conv(r, input.shape(), weight.shape(), b ? &b->shape() : nullptr);
  // bfloat16 stays bfloat16 on a CPU with the bfloat16 dot-product GEMM, whose kernel packs it
  // for that GEMM; elsewhere one float32 copy up front is faster than converting in every packing.
  const bool bf16 = input.dtype() == kBFloat16 && input.device().type == kCPU &&
                    std::strcmp(cpu_capability(), "avx512_bf16") == 0;
  const auto operand = [&](const Tensor& t, const IntArray& shape) {
    return bf16 ? t.contiguous().view(shape) : kernel_operand(t, shape);
  };
  Tensor b_k;
  if (b) b_k = operand(*b, b->shape());
  const Tensor out = run_forward(s, operand(input, s.conv_input4()), operand(weight, s.weight4()), b ? &b_k : nullptr);
  return out.to(input.dtype()).view(s.output_shape);
}

Tensor conv_backward_input(const ConvRequest& r, const Tensor& grad_output, const IntArray& input_size,
                           const Tensor& weight) {
  check_floating(r.op, "grad_output", grad_output);
  check_dtype_pair(r.op, "grad_output", grad_output, "weight", weight);
  const ConvSpec s = check_conv(r, input_size, weight.shape(), nullptr);
  check_grad_output(r.op, grad_output, s);
  const Tensor grad_input = run_backward_input(s, kernel_operand(grad_output, s.conv_output4()),
                                               kernel_operand(weight, s.weight4()));
  return grad_input.to(weight.dtype()).view(input_size);
}

Tensor conv_backward_weight(const ConvRequest& r, const Tensor& grad_output, const Tensor& input,
                            const IntArray& weight_size) {
  check_floating(r.op, "grad_output", grad_output);
  check_dtype_pair(r.op, "grad_output", grad_output, "input", input);
  const ConvSpec s = check_conv(r, input.shape(), weight_size, nullptr);
  check_grad_output(r.op, grad_output, s);
  const Tensor grad_weight = run_backward_weight(s, kernel_operand(grad_output, s.conv_output4()),
                                                 kernel_operand(input, s.conv_input4()));
  return grad_weight.to(input.dtype()).view(weight_size);
}

std::tuple<Tensor, Tensor, Tensor> conv_backward(const ConvRequest& r, const Tensor& grad_output,
                                                 const Tensor& input, const Tensor& weight,
                                                 std::array<bool, 3> mask) {
  check_dtypes(r.op, input, weight, nullptr, &grad_output);
  const ConvSpec s = check_conv(r, input.shape(), weight.shape(), nullptr);
  check_grad_output(r.op, grad_output, s);
  const Tensor go = kernel_operand(grad_output, s.conv_output4());
  const DType dtype = input.dtype();
  Tensor grad_input, grad_weight, grad_bias;
  if (mask[0]) grad_input = run_backward_input(s, go, kernel_operand(weight, s.weight4())).to(dtype).view(input.shape());
  if (mask[1])
    grad_weight = run_backward_weight(s, go, kernel_operand(input, s.conv_input4())).to(dtype).view(weight.shape());
  if (mask[2]) grad_bias = bias_grad(go).to(dtype);
  return {grad_input, grad_weight, grad_bias};
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, const IntArray& stride,
              const IntArray& padding, const IntArray& dilation, int64_t groups) {
  return conv_forward(request("conv2d", 2, stride, {padding, ""}, dilation, groups), input, weight, bias);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, const IntArray& stride,
              const std::string& padding, const IntArray& dilation, int64_t groups) {
  return conv_forward(request("conv2d", 2, stride, {{}, padding}, dilation, groups), input, weight, bias);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, const IntArray& stride,
              const IntArray& padding, const IntArray& dilation, int64_t groups) {
  return conv_forward(request("conv1d", 1, stride, {padding, ""}, dilation, groups), input, weight, bias);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, const IntArray& stride,
              const std::string& padding, const IntArray& dilation, int64_t groups) {
  return conv_forward(request("conv1d", 1, stride, {{}, padding}, dilation, groups), input, weight, bias);
}

Tensor conv3d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, const IntArray& stride,
              const IntArray& padding, const IntArray& dilation, int64_t groups) {
  return conv_forward(request("conv3d", 3, stride, {padding, ""}, dilation, groups), input, weight, bias);
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, const IntArray& stride,
              const std::string& padding, const IntArray& dilation, int64_t groups) {
  return conv_forward(request("conv3d", 3, stride, {{}, padding}, dilation, groups), input, weight, bias);
}

// The backward kernels, in the padding's two forms, for 3-D, 2-D and 1-D.
#define EMBER_CONV_BACKWARD(ND, PADDING_TYPE, PADDING)                                                           \
  Tensor conv##ND##d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,   \
                                    const IntArray& stride, PADDING_TYPE padding, const IntArray& dilation,       \
                                    int64_t groups) {                                                             \
    return conv_backward_input(request("conv" #ND "d_backward_input", ND, stride, PADDING, dilation, groups),     \
                               grad_output, input_size, weight);                                                  \
  }                                                                                                               \
  Tensor conv##ND##d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size, \
                                     const IntArray& stride, PADDING_TYPE padding, const IntArray& dilation,      \
                                     int64_t groups) {                                                            \
    return conv_backward_weight(request("conv" #ND "d_backward_weight", ND, stride, PADDING, dilation, groups),   \
                                grad_output, input, weight_size);                                                 \
  }                                                                                                               \
  std::tuple<Tensor, Tensor, Tensor> conv##ND##d_backward(                                                        \
      const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,               \
      PADDING_TYPE padding, const IntArray& dilation, int64_t groups, std::array<bool, 3> output_mask) {          \
    return conv_backward(request("conv" #ND "d_backward", ND, stride, PADDING, dilation, groups), grad_output,    \
                         input, weight, output_mask);                                                             \
  }
EMBER_CONV_BACKWARD(2, const IntArray&, (Padding{padding, ""}))
EMBER_CONV_BACKWARD(2, const std::string&, (Padding{{}, padding}))
EMBER_CONV_BACKWARD(1, const IntArray&, (Padding{padding, ""}))
EMBER_CONV_BACKWARD(1, const std::string&, (Padding{{}, padding}))
EMBER_CONV_BACKWARD(3, const IntArray&, (Padding{padding, ""}))
EMBER_CONV_BACKWARD(3, const std::string&, (Padding{{}, padding}))
#undef EMBER_CONV_BACKWARD

}  // namespace ember
