// CUDA convolution kernels (1-D, 2-D and 3-D, NC[D]HW, contiguous float32/float64): implicit
// GEMMs (conv/conv_gemm.cuh) for the general case, direct kernels for 2-D depthwise ones
// (conv/conv_depthwise.cu). Forward here; the backward kernels are in conv/conv_backward.cu.
#include <memory>

#include "conv/conv.h"
#include "conv/conv_gemm.cuh"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {

using namespace conv;

// The forward splits K only when the output has fewer tiles than this (the partial outputs
// cost a pass over memory each).
constexpr int64_t kFewTiles = 128;
constexpr int64_t kSplitTargetBlocks = 512;
constexpr int64_t kMinSplitK = 256;
constexpr int64_t kMaxSplits = 32;

void cuda_conv2d(const ConvGeometry& g, const Tensor& out, const Tensor& input, const Tensor& weight,
                 const Tensor* bias) {
  const char* op = "conv2d";
  dispatch_conv(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (out.numel() == 0) return;
    if (is_depthwise(g)) return depthwise_forward(g, out, input, weight, bias);
    const Device device = out.device();
    cudaStream_t s = stream_for(device);
    const int64_t cog = g.out_channels / g.groups, cig = g.in_channels / g.groups;
    const int64_t M = cog, N = g.batch * g.out_d * g.out_h * g.out_w;
    const int64_t K = cig * g.kernel_d * g.kernel_h * g.kernel_w;
    const T* b = bias ? static_cast<const T*>(bias->data_ptr()) : nullptr;
    const int64_t numel = out.numel();
    with_tiles<T>(M, N, g.groups, [&](auto cfg) {
      using C = decltype(cfg);
      // Few output tiles (small images, a small batch) and a deep K: split K over more blocks.
      const int64_t tiles = tile_count<C>(M, N, g.groups);
      int64_t splits = 1, k_chunk = K;
      if (tiles < kFewTiles) choose_split(tiles, K, kSplitTargetBlocks, kMinSplitK, kMaxSplits, splits, k_chunk);
      std::unique_ptr<Workspace> parts;
      if (splits > 1) parts = std::make_unique<Workspace>(static_cast<size_t>(splits * numel) * sizeof(T), device.index);
      const auto run = [&](auto itag) {
        using Index = typename decltype(itag)::type;
        ForwardProblem<T, Index> p{};
        p.g = make_geom<Index>(g);
        p.x = static_cast<const T*>(input.data_ptr());
        p.w = static_cast<const T*>(weight.data_ptr());
        p.bias = splits > 1 ? nullptr : b;
        p.y = splits > 1 ? parts->as<T>() : static_cast<T*>(out.data_ptr());
        p.y_split = static_cast<Index>(splits > 1 ? numel : 0);
        p.M = static_cast<Index>(M);
        p.N = static_cast<Index>(N);
        p.K = static_cast<Index>(K);
        p.splits = static_cast<Index>(splits);
        p.k_chunk = static_cast<Index>(k_chunk);
        launch_igemm<C, T, Index>(p, g.groups * splits, s, op);
      };
      if (conv_fits_int32(g, splits * numel + k_chunk)) run(TypeTag<int32_t>{});
      else run(TypeTag<int64_t>{});
      if (splits > 1) {
        sum_splits_kernel<T><<<grid_for(numel, 256, device.index), 256, 0, s>>>(
            static_cast<T*>(out.data_ptr()), parts->as<T>(), numel, splits, b, g.out_d * g.out_h * g.out_w,
            g.out_channels);
        EMBER_CUDA_LAUNCH_CHECK(op);
      }
    });
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
