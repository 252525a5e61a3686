#pragma once
// Host entry points of the convolution family, shared by its files (conv/conv.cu registers them).
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

namespace ember::cuda::conv {

// Direct kernels for 2-D depthwise convolutions (conv_depthwise.cu); float32 or float64.
void depthwise_forward(const ConvGeometry& g, const Tensor& out, const Tensor& input, const Tensor& weight,
                       const Tensor* bias);
void depthwise_backward_input(const ConvGeometry& g, const Tensor& grad_input, const Tensor& grad_output,
                              const Tensor& weight);
void depthwise_backward_weight(const ConvGeometry& g, const Tensor& grad_weight, const Tensor& grad_output,
                               const Tensor& input);

// The implicit-GEMM backward kernels (conv_backward.cu).
void backward_input(const ConvGeometry& g, const Tensor& grad_input, const Tensor& grad_output, const Tensor& weight);
void backward_weight(const ConvGeometry& g, const Tensor& grad_weight, const Tensor& grad_output, const Tensor& input);

// float32 / float64, or a TypeError naming the op: the front-end converts the 16-bit dtypes.
template <typename F>
void dispatch_conv(DType t, const char* op, const F& f) {
  if (t == kFloat32) f(TypeTag<float>{});
  else if (t == kFloat64) f(TypeTag<double>{});
  else EMBER_FAIL(ErrorKind::Type, op, ": the CUDA kernel computes in float32 or float64, got ", dtype_name(t));
}

}  // namespace ember::cuda::conv
