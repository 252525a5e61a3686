// Transposed convolutions. A transposed convolution is the input gradient of the plain
// convolution whose input has the transposed one's output shape (check_conv builds that
// geometry), so its forward runs the backward-input kernel and its input gradient the forward
// kernel; its weight gradient is the plain one with the two activations' roles swapped.
#include "ember/ops.h"
#include "ops/conv_args.h"

namespace ember {

using namespace conv_detail;

namespace {

ConvRequest request(const char* op, int nd, const IntArray& stride, const IntArray& padding,
                    const IntArray& output_padding, int64_t groups, const IntArray& dilation) {
  return ConvRequest{op, nd, true, stride, Padding{padding, ""}, dilation, groups, output_padding};
}

Tensor transpose_forward(const ConvRequest& r, const Tensor& input, const Tensor& weight,
                         const std::optional<Tensor>& bias) {
  const Tensor* b = bias ? &*bias : nullptr;
  check_dtypes(r.op, input, weight, b, nullptr);
  const ConvSpec s = check_conv(r, input.shape(), weight.shape(), b ? &b->shape() : nullptr);
  Tensor out = run_backward_input(s, kernel_operand(input, s.conv_output4()), kernel_operand(weight, s.weight4()));
  if (b) {
    IntArray bias_view(out.dim(), 1);  // (1, C, 1, 1[, 1])
    bias_view[1] = s.geom.in_channels;
    add_(out, kernel_operand(*b, bias_view));
  }
  return out.to(input.dtype()).view(s.output_shape);
}

std::tuple<Tensor, Tensor, Tensor> transpose_backward(const ConvRequest& r, const Tensor& grad_output,
                                                      const Tensor& input, const Tensor& weight,
                                                      std::array<bool, 3> mask) {
  check_dtypes(r.op, input, weight, nullptr, &grad_output);
  const ConvSpec s = check_conv(r, input.shape(), weight.shape(), nullptr);
  EMBER_CHECK_SHAPE(grad_output.shape() == s.output_shape, r.op, ": expected grad_output of size ",
                    shape_str(s.output_shape), " (the forward result for input of size ", shape_str(s.input_shape),
                    " and weight of size ", shape_str(s.weight_shape), "), but got ", shape_str(grad_output.shape()));
  // Our output is the plain convolution's input, and our input its output.
  const Tensor go = kernel_operand(grad_output, s.conv_input4());
  const DType dtype = input.dtype();
  Tensor grad_input, grad_weight, grad_bias;
  if (mask[0])
    grad_input = run_forward(s, go, kernel_operand(weight, s.weight4()), nullptr).to(dtype).view(input.shape());
  if (mask[1])
    grad_weight = run_backward_weight(s, kernel_operand(input, s.conv_output4()), go).to(dtype).view(weight.shape());
  if (mask[2]) grad_bias = bias_grad(go).to(dtype);
  return {grad_input, grad_weight, grad_bias};
}

}  // namespace

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        const IntArray& stride, const IntArray& padding, const IntArray& output_padding,
                        int64_t groups, const IntArray& dilation) {
  return transpose_forward(request("conv_transpose2d", 2, stride, padding, output_padding, groups, dilation), input,
                           weight, bias);
}

Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        const IntArray& stride, const IntArray& padding, const IntArray& output_padding,
                        int64_t groups, const IntArray& dilation) {
  return transpose_forward(request("conv_transpose3d", 3, stride, padding, output_padding, groups, dilation), input,
                           weight, bias);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        const IntArray& stride, const IntArray& padding, const IntArray& output_padding,
                        int64_t groups, const IntArray& dilation) {
  return transpose_forward(request("conv_transpose1d", 1, stride, padding, output_padding, groups, dilation), input,
                           weight, bias);
}

std::tuple<Tensor, Tensor, Tensor> conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input,
                                                             const Tensor& weight, const IntArray& stride,
                                                             const IntArray& padding, const IntArray& output_padding,
                                                             int64_t groups, const IntArray& dilation,
                                                             std::array<bool, 3> output_mask) {
  return transpose_backward(
      request("conv_transpose2d_backward", 2, stride, padding, output_padding, groups, dilation), grad_output,
      input, weight, output_mask);
}

std::tuple<Tensor, Tensor, Tensor> conv_transpose3d_backward(const Tensor& grad_output, const Tensor& input,
                                                             const Tensor& weight, const IntArray& stride,
                                                             const IntArray& padding, const IntArray& output_padding,
                                                             int64_t groups, const IntArray& dilation,
                                                             std::array<bool, 3> output_mask) {
  return transpose_backward(
      request("conv_transpose3d_backward", 3, stride, padding, output_padding, groups, dilation), grad_output,
      input, weight, output_mask);
}

std::tuple<Tensor, Tensor, Tensor> conv_transpose1d_backward(const Tensor& grad_output, const Tensor& input,
                                                             const Tensor& weight, const IntArray& stride,
                                                             const IntArray& padding, const IntArray& output_padding,
                                                             int64_t groups, const IntArray& dilation,
                                                             std::array<bool, 3> output_mask) {
  return transpose_backward(
      request("conv_transpose1d_backward", 1, stride, padding, output_padding, groups, dilation), grad_output,
      input, weight, output_mask);
}

}  // namespace ember
