// Host check: the depthwise kernels (conv/conv_depthwise.cuh) run on the host against a direct
// convolution (run.sh).
#include <cuda_runtime.h>
#include <barrier>
#include <thread>
#include <vector>
#include <random>
#include <cstdio>
#include <cmath>
#include <algorithm>
thread_local uint3 threadIdx;
dim3 blockIdx;
dim3 blockDim(1), gridDim(1);
std::barrier<>* g_bar;
inline void __syncthreads() { g_bar->arrive_and_wait(); }
#undef __shared__
#define __shared__ static
#undef __launch_bounds__
#define __launch_bounds__(...)
#undef __grid_constant__
#define __grid_constant__
namespace ember::cuda::conv { template <class T> T min(T a, T b) { return a < b ? a : b; } }
#include "conv/conv_depthwise.cuh"
using namespace ember; using namespace ember::cuda::conv;
std::mt19937 rng(9);
int64_t rnd(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

template <typename T, typename Index>
int one(int it) {
  ConvGeometry g;
  g.batch = rnd(1, 3); g.in_channels = rnd(2, 4); g.groups = g.in_channels; g.out_channels = g.in_channels * rnd(1, 3);
  auto dim = [&](int64_t& in, int64_t& out, int64_t& k, int64_t& s, int64_t& pd, int64_t& dl) {
    k = rnd(1, 4); s = rnd(1, 3); dl = rnd(1, 2); pd = rnd(0, 2); in = rnd(1, 9);
    out = std::max<int64_t>(1, (in + 2 * pd - dl * (k - 1) - 1) / s + 1 + rnd(0, 1));
  };
  dim(g.in_w, g.out_w, g.kernel_w, g.stride_w, g.pad_w, g.dilation_w);
  dim(g.in_h, g.out_h, g.kernel_h, g.stride_h, g.pad_h, g.dilation_h);
  const int64_t mult = g.out_channels / g.in_channels, taps = g.kernel_h * g.kernel_w;
  const int64_t inp = g.in_h * g.in_w, outp = g.out_h * g.out_w;
  std::vector<T> x(g.batch * g.in_channels * inp), w(g.out_channels * taps), bias(g.out_channels), go(g.batch * g.out_channels * outp);
  for (auto* v : {&x, &w, &bias, &go}) for (auto& e : *v) e = T(rnd(-3, 3));
  std::vector<double> y_ref(go.size()), gi_ref(x.size()), gw_ref(w.size());
  for (int64_t b = 0; b < g.batch; ++b) for (int64_t oc = 0; oc < g.out_channels; ++oc)
    for (int64_t oh = 0; oh < g.out_h; ++oh) for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const int64_t o = (b * g.out_channels + oc) * outp + oh * g.out_w + ow;
      double acc = bias[oc];
      for (int64_t i = 0; i < g.kernel_h; ++i) for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t ih = oh * g.stride_h - g.pad_h + i * g.dilation_h, iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
        if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
        const int64_t xi = (b * g.in_channels + oc / mult) * inp + ih * g.in_w + iw, wi = oc * taps + i * g.kernel_w + j;
        acc += x[xi] * w[wi]; gi_ref[xi] += go[o] * w[wi]; gw_ref[wi] += go[o] * x[xi];
      }
      y_ref[o] = acc;
    }
  std::vector<T> y(go.size(), NAN), gi(x.size(), NAN), gw(w.size(), NAN);
  const Geom<Index> geo = make_geom<Index>(g);
  blockDim = dim3(1); gridDim = dim3(1); blockIdx = dim3(0, 0, 0); threadIdx = make_uint3(0, 0, 0);
  dw_forward_kernel<T, Index>(y.data(), x.data(), w.data(), bias.data(), geo);
  dw_backward_input_kernel<T, Index>(gi.data(), go.data(), w.data(), geo);
  blockDim = dim3(kDwThreads);
  for (int64_t blk = 0; blk < g.out_channels * taps; ++blk) {
    blockIdx = dim3(blk, 0, 0);
    std::barrier<> bar(kDwThreads); g_bar = &bar;
    std::vector<std::thread> th;
    for (int t = 0; t < kDwThreads; ++t) th.emplace_back([&, t] { threadIdx = make_uint3(t, 0, 0); dw_backward_weight_kernel<T, Index>(gw.data(), go.data(), x.data(), geo); });
    for (auto& t : th) t.join();
  }
  int fails = 0;
  auto cmp = [&](const char* what, const std::vector<T>& a, const std::vector<double>& b) {
    for (size_t i = 0; i < a.size(); ++i) if (!(a[i] == b[i])) { printf("it %d %s mismatch at %zu: %g vs %g\n", it, what, i, (double)a[i], b[i]); ++fails; return; }
  };
  cmp("dw forward", y, y_ref); cmp("dw bwd_input", gi, gi_ref); cmp("dw bwd_weight", gw, gw_ref);
  return fails;
}
int main() {
  int fails = 0;
  for (int it = 0; it < 60; ++it) fails += (it % 2) ? one<float, int32_t>(it) : one<double, int64_t>(it);
  printf("emulated depthwise fails: %d\n", fails);
}
