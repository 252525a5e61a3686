// Direct kernels for 2-D depthwise convolutions (groups == in_channels; out_channels is a
// multiple `mult` of it): a GEMM per group would use one row of its 64-row tiles. Each thread
// owns one output (forward) or one input element (backward-input), and adds its taps in the
// CPU kernel's order (cpu/conv_depthwise.cpp); the weight gradient is one block per
// (channel, tap), a fixed-shape tree reduction in float64 (as the CPU accumulates).
#include "conv/conv.h"
#include "conv/conv_depthwise.cuh"
#include "conv/conv_gemm.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::conv {

namespace {

template <typename F>
void with_index(const ConvGeometry& g, const F& f) {
  if (conv_fits_int32(g)) f(TypeTag<int32_t>{});
  else f(TypeTag<int64_t>{});
}

}  // namespace

void depthwise_forward(const ConvGeometry& g, const Tensor& out, const Tensor& input, const Tensor& weight,
                       const Tensor* bias) {
  const char* op = "conv2d";
  const Device device = out.device();
  cudaStream_t s = stream_for(device);
  const int64_t n = g.batch * g.out_channels * g.out_h * g.out_w;
  if (n == 0) return;
  dispatch_conv(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(g, [&](auto itag) {
      using Index = typename decltype(itag)::type;
      dw_forward_kernel<T, Index><<<grid_for(n, kDwThreads, device.index), kDwThreads, 0, s>>>(
          static_cast<T*>(out.data_ptr()), static_cast<const T*>(input.data_ptr()),
          static_cast<const T*>(weight.data_ptr()), bias ? static_cast<const T*>(bias->data_ptr()) : nullptr,
          make_geom<Index>(g));
      EMBER_CUDA_LAUNCH_CHECK(op);
    });
  });
}

void depthwise_backward_input(const ConvGeometry& g, const Tensor& grad_input, const Tensor& grad_output,
                              const Tensor& weight) {
  const char* op = "conv2d_backward_input";
  const Device device = grad_input.device();
  cudaStream_t s = stream_for(device);
  const int64_t n = g.batch * g.in_channels * g.in_h * g.in_w;
  if (n == 0) return;
  dispatch_conv(grad_input.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(g, [&](auto itag) {
      using Index = typename decltype(itag)::type;
      dw_backward_input_kernel<T, Index><<<grid_for(n, kDwThreads, device.index), kDwThreads, 0, s>>>(
          static_cast<T*>(grad_input.data_ptr()), static_cast<const T*>(grad_output.data_ptr()),
          static_cast<const T*>(weight.data_ptr()), make_geom<Index>(g));
      EMBER_CUDA_LAUNCH_CHECK(op);
    });
  });
}

void depthwise_backward_weight(const ConvGeometry& g, const Tensor& grad_weight, const Tensor& grad_output,
                               const Tensor& input) {
  const char* op = "conv2d_backward_weight";
  const Device device = grad_weight.device();
  cudaStream_t s = stream_for(device);
  const int64_t blocks = g.out_channels * g.kernel_h * g.kernel_w;
  if (blocks == 0) return;
  EMBER_CHECK(blocks <= INT32_MAX, op, ": ", blocks, " weights are too many for the CUDA depthwise kernel's grid");
  dispatch_conv(grad_weight.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(g, [&](auto itag) {
      using Index = typename decltype(itag)::type;
      dw_backward_weight_kernel<T, Index><<<static_cast<unsigned>(blocks), kDwThreads, 0, s>>>(
          static_cast<T*>(grad_weight.data_ptr()), static_cast<const T*>(grad_output.data_ptr()),
          static_cast<const T*>(input.data_ptr()), make_geom<Index>(g));
      EMBER_CUDA_LAUNCH_CHECK(op);
    });
  });
}

}  // namespace ember::cuda::conv
