#pragma once
// Direct loops for depthwise convolutions (groups == in_channels): output channel oc reads only
// input channel oc / (out_channels / in_channels), so im2col would feed the GEMM products of
// depth KH*KW, far too thin to pay for the packing. Instantiated for float and double.
#include "dispatch/kernels.h"

namespace ember::cpu_conv {

template <typename T>
void depthwise_forward(const ConvGeometry& g, T* out, const T* in, const T* w, const T* bias);
template <typename T>
void depthwise_backward_input(const ConvGeometry& g, T* grad_in, const T* grad_out, const T* w);
template <typename T>
void depthwise_backward_weight(const ConvGeometry& g, T* grad_w, const T* grad_out, const T* in);

}  // namespace ember::cpu_conv
