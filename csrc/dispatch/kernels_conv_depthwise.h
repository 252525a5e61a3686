#pragma once
// Depthwise convolutions on the CPU (groups == in_channels, out_channels = k * in_channels):
// output channel oc reads only input channel oc / k, so im2col would feed GEMMs of depth
// KH*KW, far too thin to pay for the packing. Direct loops instead, compiled once per ISA
// (cpu/isa/conv_depthwise.cpp) because they are vector code; cpu/conv.cpp calls these for the
// 1-D and 2-D depthwise geometries. Operands are contiguous NC(H)W in `dtype`, float32 or
// float64; outputs are overwritten.
#include "dispatch/kernel_table.h"
#include "dispatch/kernels.h"

namespace ember {

// out (N, Cout, OH, OW) = input (N, Cin, H, W) convolved with weight (Cout, 1, KH, KW), plus
// bias (Cout) unless null.
using DepthwiseConvForwardKernel = void (*)(const ConvGeometry& g, DType dtype, void* out, const void* input,
                                            const void* weight, const void* bias);
// grad_input (N, Cin, H, W) from grad_output (N, Cout, OH, OW) and the weight.
using DepthwiseConvBackwardInputKernel = void (*)(const ConvGeometry& g, DType dtype, void* grad_input,
                                                  const void* grad_output, const void* weight);
// grad_weight (Cout, 1, KH, KW) from grad_output and the input (float32 sums are carried in
// double across rows and images).
using DepthwiseConvBackwardWeightKernel = void (*)(const ConvGeometry& g, DType dtype, void* grad_weight,
                                                   const void* grad_output, const void* input);

extern KernelTable<DepthwiseConvForwardKernel> depthwise_conv_kernel;
extern KernelTable<DepthwiseConvBackwardInputKernel> depthwise_conv_backward_input_kernel;
extern KernelTable<DepthwiseConvBackwardWeightKernel> depthwise_conv_backward_weight_kernel;

}  // namespace ember
