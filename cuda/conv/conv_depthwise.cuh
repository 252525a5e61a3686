#pragma once
// Direct kernels for 2-D depthwise convolutions (launched by conv/conv_depthwise.cu). Plain
// C++ apart from the CUDA built-ins, so that they can also be run on the host for checks.
#include "conv/conv_gemm.cuh"

namespace ember::cuda::conv {

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

#undef EMBER_GRID_STRIDE

}  // namespace ember::cuda::conv
