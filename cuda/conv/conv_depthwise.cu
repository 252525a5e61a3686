// Direct kernels for 2-D depthwise convolutions (groups == in_channels; out_channels is a
// multiple `mult` of it): a GEMM per group would use one row of its 64-row tiles. Each thread
// owns one output (forward) or one input element (backward-input), and adds its taps in the
// CPU kernel's order (cpu/conv_depthwise.cpp); the weight gradient is one block per
// (channel, tap), a fixed-shape tree reduction in float64 (as the CPU accumulates).
#include "conv/conv.h"
#include "conv/conv_gemm.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::conv {

namespace {

constexpr int kDwThreads = 256;

#define EMBER_GRID_STRIDE(i, n) \
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += static_cast<Index>(blockDim.x) * gridDim.x)

template <typename T, typename Index>
__global__ void dw_forward_kernel(T* __restrict__ y, const T* __restrict__ x, const T* __restrict__ w,
                                  const T* __restrict__ bias, const Geom<Index> g) {
  const Index mult = g.cout / g.cin, n = g.batch * g.cout * g.out_hw;
  EMBER_GRID_STRIDE(o, n) {
    Index t = o / g.out_w;
    const Index ow = o - t * g.out_w;
    const Index oh = t % g.out_h;
    t /= g.out_h;
    const Index oc = t % g.cout, b = t / g.cout;
    const T* xp = x + (b * g.cin + oc / mult) * g.in_hw;
    const T* k = w + oc * g.khw;
    T acc = bias ? bias[oc] : T(0);
    for (Index i = 0; i < g.kh; ++i) {
      const Index ih = oh * g.sh - g.ph + i * g.dh;
      if (!inside(ih, g.in_h)) continue;
      for (Index j = 0; j < g.kw; ++j) {
        const Index iw = ow * g.sw - g.pw + j * g.dw;
        if (inside(iw, g.in_w)) acc += k[i * g.kw + j] * xp[ih * g.in_w + iw];
      }
    }
    y[o] = acc;
  }
}

template <typename T, typename Index>
__global__ void dw_backward_input_kernel(T* __restrict__ gi, const T* __restrict__ go, const T* __restrict__ w,
                                         const Geom<Index> g) {
  const Index mult = g.cout / g.cin, n = g.batch * g.cin * g.in_hw;
  EMBER_GRID_STRIDE(e, n) {
    Index t = e / g.in_w;
    const Index iw = e - t * g.in_w;
    const Index ih = t % g.in_h;
    t /= g.in_h;
    const Index c = t % g.cin, b = t / g.cin;
    T acc = T(0);
    for (Index oc = c * mult; oc < (c + 1) * mult; ++oc) {
      const T* gp = go + (b * g.cout + oc) * g.out_hw;
      const T* k = w + oc * g.khw;
      for (Index i = 0; i < g.kh; ++i) {
        Index oh;
        if (!source(ih, static_cast<int>(i * g.dh - g.ph), g.sh, g.out_h, oh)) continue;
        for (Index j = 0; j < g.kw; ++j) {
          Index ow;
          if (source(iw, static_cast<int>(j * g.dw - g.pw), g.sw, g.out_w, ow)) acc += k[i * g.kw + j] * gp[oh * g.out_w + ow];
        }
      }
    }
    gi[e] = acc;
  }
}

// Block (oc, tap): the dot product of every image's output-gradient plane of oc with its input
// plane shifted by the tap.
template <typename T, typename Index>
__global__ void __launch_bounds__(kDwThreads) dw_backward_weight_kernel(T* __restrict__ gw, const T* __restrict__ go,
                                                                        const T* __restrict__ x, const Geom<Index> g) {
  __shared__ double partial[kDwThreads];
  const Index mult = g.cout / g.cin;
  const Index oc = static_cast<Index>(blockIdx.x) / g.khw, tap = static_cast<Index>(blockIdx.x) - oc * g.khw;
  const Index i = tap / g.kw, j = tap - i * g.kw;
  const Index h_off = i * g.dh - g.ph, w_off = j * g.dw - g.pw;
  const Index per_image = g.out_hw, n = g.batch * per_image;
  double acc = 0;
  for (Index q = threadIdx.x; q < n; q += kDwThreads) {
    const Index b = q / per_image, pos = q - b * per_image, oh = pos / g.out_w, ow = pos - oh * g.out_w;
    const Index ih = oh * g.sh + h_off, iw = ow * g.sw + w_off;
    if (!inside(ih, g.in_h) || !inside(iw, g.in_w)) continue;
    acc += static_cast<double>(go[(b * g.cout + oc) * per_image + pos]) *
           static_cast<double>(x[(b * g.cin + oc / mult) * g.in_hw + ih * g.in_w + iw]);
  }
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int width = kDwThreads / 2; width > 0; width /= 2) {
    if (static_cast<int>(threadIdx.x) < width) partial[threadIdx.x] += partial[threadIdx.x + width];
    __syncthreads();
  }
  if (threadIdx.x == 0) gw[blockIdx.x] = static_cast<T>(partial[0]);
}

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
