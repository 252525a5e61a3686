// Host check: the tiled igemm_kernel itself, run with one std::thread per CUDA thread and a
// barrier for __syncthreads, for both tile shapes, against a direct convolution (run.sh).
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
dim3 blockDim(256), gridDim(1);
std::barrier<>* g_bar;
inline void __syncthreads() { g_bar->arrive_and_wait(); }
#undef __shared__
#define __shared__ static
#undef __launch_bounds__
#define __launch_bounds__(...)
#undef __grid_constant__
#define __grid_constant__
namespace ember::cuda::conv { template <class T> T min(T a, T b) { return a < b ? a : b; } }
#include "conv/conv_gemm.cuh"
using namespace ember; using namespace ember::cuda::conv;

template <class C, typename T, typename Index, class P>
void run_cfg(const P& p, int64_t zs) {
  if (p.M == 0 || p.N == 0 || zs == 0) return;
  const int64_t gx = (p.N + C::BN - 1) / C::BN, gy = (p.M + C::BM - 1) / C::BM;
  for (int64_t z = 0; z < zs; ++z) for (int64_t y = 0; y < gy; ++y) for (int64_t x = 0; x < gx; ++x) {
    blockIdx = dim3(x, y, z);
    std::barrier<> bar(kThreads); g_bar = &bar;
    std::vector<std::thread> th;
    for (int t = 0; t < kThreads; ++t) th.emplace_back([&, t] { threadIdx = make_uint3(t, 0, 0); igemm_kernel<C, T, Index, P>(p, Index(0)); });
    for (auto& t : th) t.join();
  }
}
int g_large = 0;
template <typename T, typename Index, class P>
void run(const P& p, int64_t zs) {
  if constexpr (std::is_same_v<T, float>) { if (g_large) return run_cfg<LargeTile, T, Index>(p, zs); }
  run_cfg<SmallTile, T, Index>(p, zs);
}

std::mt19937 rng(7);
int64_t rnd(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

template <typename T, typename Index>
int one(int it) {
  ConvGeometry g;
  const int nd = rnd(1, 3);
  g.batch = rnd(1, 3); g.groups = rnd(1, 2);
  g.in_channels = g.groups * rnd(1, it % 3 == 0 ? 40 : 5); g.out_channels = g.groups * rnd(1, it % 4 == 0 ? 70 : 5);
  auto dim = [&](int64_t& in, int64_t& out, int64_t& k, int64_t& s, int64_t& pd, int64_t& dl) {
    k = rnd(1, 3); s = rnd(1, 2); dl = rnd(1, 2); pd = rnd(0, 1); in = rnd(1, nd == 1 ? 70 : 9);
    out = std::max<int64_t>(1, (in + 2 * pd - dl * (k - 1) - 1) / s + 1);
  };
  dim(g.in_w, g.out_w, g.kernel_w, g.stride_w, g.pad_w, g.dilation_w);
  if (nd >= 2) dim(g.in_h, g.out_h, g.kernel_h, g.stride_h, g.pad_h, g.dilation_h);
  if (nd >= 3) dim(g.in_d, g.out_d, g.kernel_d, g.stride_d, g.pad_d, g.dilation_d);
  const int64_t cig = g.in_channels / g.groups, cog = g.out_channels / g.groups;
  const int64_t taps = g.kernel_d * g.kernel_h * g.kernel_w;
  const int64_t inp = g.in_d * g.in_h * g.in_w, outp = g.out_d * g.out_h * g.out_w;
  std::vector<T> x(g.batch * g.in_channels * inp), w(g.out_channels * cig * taps), bias(g.out_channels), go(g.batch * g.out_channels * outp);
  for (auto* v : {&x, &w, &bias, &go}) for (auto& e : *v) e = T(rnd(-3, 3));
  std::vector<double> y_ref(go.size()), gi_ref(x.size()), gw_ref(w.size());
  for (int64_t b = 0; b < g.batch; ++b) for (int64_t oc = 0; oc < g.out_channels; ++oc)
    for (int64_t od = 0; od < g.out_d; ++od) for (int64_t oh = 0; oh < g.out_h; ++oh) for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const int64_t o = (b * g.out_channels + oc) * outp + (od * g.out_h + oh) * g.out_w + ow;
      double acc = bias[oc]; const int64_t grp = oc / cog;
      for (int64_t c = 0; c < cig; ++c) for (int64_t a = 0; a < g.kernel_d; ++a) for (int64_t i = 0; i < g.kernel_h; ++i) for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t id = od * g.stride_d - g.pad_d + a * g.dilation_d, ih = oh * g.stride_h - g.pad_h + i * g.dilation_h, iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
        if (id < 0 || id >= g.in_d || ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
        const int64_t xi = (b * g.in_channels + grp * cig + c) * inp + (id * g.in_h + ih) * g.in_w + iw;
        const int64_t wi = (oc * cig + c) * taps + (a * g.kernel_h + i) * g.kernel_w + j;
        acc += x[xi] * w[wi]; gi_ref[xi] += go[o] * w[wi]; gw_ref[wi] += go[o] * x[xi];
      }
      y_ref[o] = acc;
    }
  std::vector<T> y(go.size(), NAN), gi(x.size(), NAN), gw(w.size(), NAN);
  {
    ForwardProblem<T, Index> p{}; p.g = make_geom<Index>(g); if (it % 5 == 0) p.g.use_table = false; p.x = x.data(); p.w = w.data();
    p.M = cog; p.N = g.batch * outp; p.K = cig * taps;
    int64_t splits, k_chunk; choose_split(1, p.K, rnd(1, 3), 16, 8, splits, k_chunk);
    p.splits = splits; p.k_chunk = k_chunk; const int64_t numel = y.size();
    std::vector<T> parts(splits * numel, NAN);
    p.bias = splits > 1 ? nullptr : bias.data(); p.y = splits > 1 ? parts.data() : y.data(); p.y_split = splits > 1 ? numel : 0;
    run<T, Index>(p, g.groups * splits);
    if (splits > 1) { blockIdx = dim3(0, 0, 0); threadIdx = make_uint3(0, 0, 0); blockDim = dim3(1); gridDim = dim3(1);
      sum_splits_kernel<T>(y.data(), parts.data(), numel, splits, bias.data(), outp, g.out_channels); blockDim = dim3(256); }
  }
  {
    BackwardInputProblem<T, Index> p{}; p.g = make_geom<Index>(g); if (it % 5 == 0) p.g.use_table = false; p.go = go.data(); p.w = w.data(); p.gi = gi.data();
    p.M = cig; p.N = g.batch * inp; p.K = cog * taps; p.splits = 1; p.k_chunk = p.K;
    run<T, Index>(p, g.groups);
  }
  {
    const int64_t N = cig * taps, K = g.batch * outp, wsize = g.out_channels * N;
    int64_t splits, k_chunk; choose_split(1, K, rnd(1, 4), 16, 8, splits, k_chunk);
    std::vector<T> parts(splits * wsize, NAN);
    BackwardWeightProblem<T, Index> p{}; p.g = make_geom<Index>(g); if (it % 5 == 0) p.g.use_table = false; p.go = go.data(); p.x = x.data(); p.dst = splits > 1 ? parts.data() : gw.data();
    p.M = cog; p.N = N; p.K = K; p.splits = splits; p.k_chunk = k_chunk;
    run<T, Index>(p, g.groups * splits);
    if (splits > 1) { blockDim = dim3(1); threadIdx = make_uint3(0, 0, 0); blockIdx = dim3(0,0,0);
      sum_splits_kernel<T>(gw.data(), parts.data(), wsize, splits, nullptr, 1, 1); blockDim = dim3(256); }
  }
  int fails = 0;
  auto cmp = [&](const char* what, const std::vector<T>& a, const std::vector<double>& b) {
    for (size_t i = 0; i < a.size(); ++i) if (!(a[i] == b[i])) { printf("it %d %s mismatch at %zu: %g vs %g\n", it, what, i, (double)a[i], b[i]); ++fails; return; }
  };
  cmp("forward", y, y_ref); cmp("bwd_input", gi, gi_ref); cmp("bwd_weight", gw, gw_ref);
  return fails;
}

int main() {
  int fails = 0;
  for (int it = 0; it < 160; ++it) {
    g_large = (it % 4 == 1); fails += (it % 2) ? one<float, int32_t>(it) : one<double, int64_t>(it);
  }
  printf("emulated fails: %d\n", fails);
}
