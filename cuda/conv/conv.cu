// CUDA convolution kernels (1-D, 2-D and 3-D, NC[D]HW, contiguous float32/float64): implicit
// GEMMs (conv/conv_gemm.cuh) for the general case, direct kernels for 2-D depthwise ones
// (conv/conv_depthwise.cu). Forward here; the backward kernels are in conv/conv_backward.cu.
#include "conv/conv.h"
#include "conv/conv_gemm.cuh"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {

using namespace conv;

void cuda_conv2d(const ConvGeometry& g, const Tensor& out, const Tensor& input, const Tensor& weight,
                 const Tensor* bias) {
  const char* op = "conv2d";
  dispatch_conv(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (out.numel() == 0) return;
    if (is_depthwise(g)) return depthwise_forward(g, out, input, weight, bias);
    cudaStream_t s = stream_for(out.device());
    const auto run = [&](auto itag) {
      using Index = typename decltype(itag)::type;
      ForwardProblem<T, Index> p{};
      p.g = make_geom<Index>(g);
      p.x = static_cast<const T*>(input.data_ptr());
      p.w = static_cast<const T*>(weight.data_ptr());
      p.bias = bias ? static_cast<const T*>(bias->data_ptr()) : nullptr;
      p.y = static_cast<T*>(out.data_ptr());
      p.M = p.g.cog;
      p.N = p.g.batch * p.g.out_plane;
      p.K = p.g.cig * p.g.taps;
      p.splits = 1;
      p.k_chunk = p.K;
      launch_igemm<T, Index>(p, g.groups, s, op);
    };
    if (conv_fits_int32(g)) run(TypeTag<int32_t>{});
    else run(TypeTag<int64_t>{});
  });
}

void cuda_conv2d_backward_input(const ConvGeometry& g, const Tensor& grad_input, const Tensor& grad_output,
                                const Tensor& weight) {
  dispatch_conv(grad_input.dtype(), "conv2d_backward_input", [&](auto) {
    if (grad_input.numel() == 0) return;
    if (is_depthwise(g)) depthwise_backward_input(g, grad_input, grad_output, weight);
    else backward_input(g, grad_input, grad_output, weight);
  });
}

void cuda_conv2d_backward_weight(const ConvGeometry& g, const Tensor& grad_weight, const Tensor& grad_output,
                                 const Tensor& input) {
  dispatch_conv(grad_weight.dtype(), "conv2d_backward_weight", [&](auto) {
    if (grad_weight.numel() == 0) return;
    if (is_depthwise(g)) depthwise_backward_weight(g, grad_weight, grad_output, input);
    else backward_weight(g, grad_weight, grad_output, input);
  });
}

}  // namespace

void register_conv_kernels() {
  conv2d_kernel.set(DeviceType::CUDA, cuda_conv2d);
  conv2d_backward_input_kernel.set(DeviceType::CUDA, cuda_conv2d_backward_input);
  conv2d_backward_weight_kernel.set(DeviceType::CUDA, cuda_conv2d_backward_weight);
}

}  // namespace ember::cuda
