// Backward convolution kernels as implicit GEMMs (conv/conv_gemm.cuh). The input gradient
// gathers: each element sums the output gradients that read it, so nothing is zeroed and no
// two threads write one element. The weight gradient reduces over every image and output
// position: K is split into fixed ranges (chosen from the shapes only, never the device), each
// written to its own partial gradient, and a second kernel adds the partials in split order, so
// the result is reproducible run to run.
#include <algorithm>
#include <memory>

#include "conv/conv.h"
#include "conv/conv_gemm.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::conv {

namespace {

constexpr int64_t kTargetBlocks = 1024;  // blocks the split aims for
constexpr int64_t kMinSplitK = 512;      // K per split at least
constexpr int64_t kMaxSplits = 64;

}  // namespace

void backward_input(const ConvGeometry& g, const Tensor& grad_input, const Tensor& grad_output, const Tensor& weight) {
  const char* op = "conv2d_backward_input";
  cudaStream_t s = stream_for(grad_input.device());
  dispatch_conv(grad_input.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto run = [&](auto itag) {
      using Index = typename decltype(itag)::type;
      BackwardInputProblem<T, Index> p{};
      p.g = make_geom<Index>(g);
      p.go = static_cast<const T*>(grad_output.data_ptr());
      p.w = static_cast<const T*>(weight.data_ptr());
      p.gi = static_cast<T*>(grad_input.data_ptr());
      p.M = p.g.cig;
      p.N = p.g.batch * p.g.in_plane;
      p.K = p.g.cog * p.g.taps;
      p.splits = 1;
      p.k_chunk = p.K;
      with_tiles<T>(p.M, p.N, g.groups, [&](auto cfg) { launch_igemm<decltype(cfg), T, Index>(p, g.groups, s, op); });
    };
    if (conv_fits_int32(g)) run(TypeTag<int32_t>{});
    else run(TypeTag<int64_t>{});
  });
}

void backward_weight(const ConvGeometry& g, const Tensor& grad_weight, const Tensor& grad_output, const Tensor& input) {
  const char* op = "conv2d_backward_weight";
  const Device device = grad_weight.device();
  const int dev = device.index;
  cudaStream_t s = stream_for(device);
  const int64_t cog = g.out_channels / g.groups, cig = g.in_channels / g.groups;
  const int64_t M = cog, N = cig * g.kernel_d * g.kernel_h * g.kernel_w;
  const int64_t K = g.batch * g.out_d * g.out_h * g.out_w;
  const int64_t wsize = g.out_channels * N;
  if (wsize == 0) return;
  dispatch_conv(grad_weight.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_tiles<T>(M, N, g.groups, [&](auto cfg) {
      using C = decltype(cfg);
      int64_t splits, k_chunk;
      choose_split(tile_count<C>(M, N, g.groups), K, kTargetBlocks, kMinSplitK, kMaxSplits, splits, k_chunk);
      std::unique_ptr<Workspace> parts;
      if (splits > 1) parts = std::make_unique<Workspace>(static_cast<size_t>(splits * wsize) * sizeof(T), dev);
      T* dst = splits > 1 ? parts->as<T>() : static_cast<T*>(grad_weight.data_ptr());
      const auto run = [&](auto itag) {
        using Index = typename decltype(itag)::type;
        BackwardWeightProblem<T, Index> p{};
        p.g = make_geom<Index>(g);
        p.go = static_cast<const T*>(grad_output.data_ptr());
        p.x = static_cast<const T*>(input.data_ptr());
        p.dst = dst;
        p.M = static_cast<Index>(M);
        p.N = static_cast<Index>(N);
        p.K = static_cast<Index>(K);
        p.splits = static_cast<Index>(splits);
        p.k_chunk = static_cast<Index>(k_chunk);
        launch_igemm<C, T, Index>(p, g.groups * splits, s, op);
      };
      if (conv_fits_int32(g, splits * wsize + k_chunk)) run(TypeTag<int32_t>{});
      else run(TypeTag<int64_t>{});
      if (splits > 1) {
        sum_splits_kernel<T><<<grid_for(wsize, 256, dev), 256, 0, s>>>(static_cast<T*>(grad_weight.data_ptr()), dst,
                                                                        wsize, splits, nullptr, 1, 1);
        EMBER_CUDA_LAUNCH_CHECK(op);
      }
    });
  });
}

}  // namespace ember::cuda::conv
