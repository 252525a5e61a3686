// Host check: the implicit-GEMM problems' element maps (conv/conv_gemm.cuh), multiplied out
// naively, against a direct convolution, for random 1-D/2-D/3-D geometries (run.sh).
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include <cmath>
#include <cuda_runtime.h>
// The kernels in the header need CUDA's built-ins to compile as C++ (they are not run here).
thread_local uint3 threadIdx;
dim3 blockIdx, blockDim(1), gridDim(1);
inline void __syncthreads() {}
#undef __shared__
#define __shared__ static
#undef __launch_bounds__
#define __launch_bounds__(...)
#undef __grid_constant__
#define __grid_constant__
namespace ember::cuda::conv { template <class T> T min(T a, T b) { return a < b ? a : b; } }
#include "conv/conv_gemm.cuh"
using namespace ember;
using namespace ember::cuda::conv;

std::mt19937 rng(1);
int64_t rnd(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

template <class P, typename T>
void sim(const P& p, int64_t zs, bool table_on) {
  std::vector<int4> table(p.g.taps);
  for (int t = 0; t < p.g.taps; ++t) table[t] = p.g.tap(t);
  for (int64_t z = 0; z < zs; ++z) {
    int64_t group = z / p.splits, split = z % p.splits;
    int64_t kb = split * p.k_chunk, ke = std::min<int64_t>(p.K, kb + p.k_chunk);
    for (int64_t n = 0; n < p.N; ++n) {
      auto cc = p.c_ctx(group, n);
      for (int64_t m = 0; m < p.M; ++m) {
        T acc = 0;
        for (int64_t k = kb; k < ke; ++k) {
          T a = p.a(p.a_ctx(group, k), m);
          T b;
          if constexpr (P::kBKFast) b = p.b(p.b_ctx(group, k), n, table.data());
          else b = p.b(p.b_ctx(group, n), k, table.data());
          acc += a * b;
        }
        p.c(cc, group, split, m, acc);
      }
    }
  }
}

int main() {
  int fails = 0, split_cases = 0;
  for (int it = 0; it < 3000; ++it) {
    ConvGeometry g;
    const int nd = rnd(1, 3);
    g.batch = rnd(0, 3); g.groups = rnd(1, 3);
    g.in_channels = g.groups * rnd(0, 3); g.out_channels = g.groups * rnd(0, 3);
    auto dim = [&](int64_t& in, int64_t& out, int64_t& k, int64_t& s, int64_t& pd, int64_t& dl) {
      k = rnd(1, 3); s = rnd(1, 3); dl = rnd(1, 2); pd = rnd(0, 2); in = rnd(1, 7);
      out = (in + 2 * pd - dl * (k - 1) - 1) / s + 1 + rnd(0, 1);  // output_padding-like extra
      if (out < 1) out = rnd(0,1);
    };
    dim(g.in_w, g.out_w, g.kernel_w, g.stride_w, g.pad_w, g.dilation_w);
    if (nd >= 2) dim(g.in_h, g.out_h, g.kernel_h, g.stride_h, g.pad_h, g.dilation_h);
    if (nd >= 3) dim(g.in_d, g.out_d, g.kernel_d, g.stride_d, g.pad_d, g.dilation_d);
    const int64_t cig = g.in_channels / g.groups, cog = g.out_channels / g.groups;
    const int64_t taps = g.kernel_d * g.kernel_h * g.kernel_w;
    const int64_t inp = g.in_d * g.in_h * g.in_w, outp = g.out_d * g.out_h * g.out_w;
    std::vector<double> x(g.batch * g.in_channels * inp), w(g.out_channels * cig * taps), bias(g.out_channels),
        go(g.batch * g.out_channels * outp);
    for (auto* v : {&x, &w, &bias, &go}) for (auto& e : *v) e = rnd(-3, 3);
    // reference
    std::vector<double> y_ref(go.size()), gi_ref(x.size()), gw_ref(w.size());
    for (int64_t b = 0; b < g.batch; ++b)
      for (int64_t oc = 0; oc < g.out_channels; ++oc)
        for (int64_t od = 0; od < g.out_d; ++od) for (int64_t oh = 0; oh < g.out_h; ++oh) for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const int64_t o = (b * g.out_channels + oc) * outp + (od * g.out_h + oh) * g.out_w + ow;
          double acc = bias[oc];
          const int64_t grp = oc / cog;
          for (int64_t c = 0; c < cig; ++c) for (int64_t a = 0; a < g.kernel_d; ++a) for (int64_t i = 0; i < g.kernel_h; ++i) for (int64_t j = 0; j < g.kernel_w; ++j) {
            const int64_t id = od * g.stride_d - g.pad_d + a * g.dilation_d, ih = oh * g.stride_h - g.pad_h + i * g.dilation_h, iw = ow * g.stride_w - g.pad_w + j * g.dilation_w;
            if (id < 0 || id >= g.in_d || ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
            const int64_t xi = (b * g.in_channels + grp * cig + c) * inp + (id * g.in_h + ih) * g.in_w + iw;
            const int64_t wi = (oc * cig + c) * taps + (a * g.kernel_h + i) * g.kernel_w + j;
            acc += x[xi] * w[wi];
            gi_ref[xi] += go[o] * w[wi];
            gw_ref[wi] += go[o] * x[xi];
          }
          y_ref[o] = acc;
        }
    const bool table_on = rnd(0, 1);
    std::vector<double> y(go.size(), NAN), gi(x.size(), NAN), gw(w.size(), NAN);
    {
      ForwardProblem<double, int64_t> p{};
      p.g = make_geom<int64_t>(g); p.g.use_table = table_on;
      p.x = x.data(); p.w = w.data();
      p.M = p.g.cog; p.N = p.g.batch * p.g.out_plane; p.K = p.g.cig * p.g.taps;
      int64_t splits, k_chunk;
      choose_split(1, p.K, rnd(1, 4), 16, 8, splits, k_chunk);
      p.splits = splits; p.k_chunk = k_chunk;
      const int64_t numel = y.size();
      std::vector<double> parts(splits * numel, NAN);
      p.bias = splits > 1 ? nullptr : bias.data(); p.y = splits > 1 ? parts.data() : y.data(); p.y_split = splits > 1 ? numel : 0;
      if (p.M && p.N) sim<decltype(p), double>(p, g.groups * splits, table_on);
      if (splits > 1) for (int64_t i = 0; i < numel; ++i) { double a = parts[i]; for (int64_t s = 1; s < splits; ++s) a += parts[s * numel + i]; y[i] = a + bias[i / outp % g.out_channels]; }
      if (splits > 1) ++split_cases;
    }
    {
      BackwardInputProblem<double, int32_t> p{};
      p.g = make_geom<int32_t>(g); p.g.use_table = table_on;
      p.go = go.data(); p.w = w.data(); p.gi = gi.data();
      p.M = p.g.cig; p.N = p.g.batch * p.g.in_plane; p.K = p.g.cog * p.g.taps; p.splits = 1; p.k_chunk = p.K;
      if (p.M && p.N) sim<decltype(p), double>(p, g.groups, table_on);
    }
    {
      const int64_t M = cog, N = cig * taps, K = g.batch * outp, wsize = g.out_channels * N;
      int64_t splits = rnd(1, 4), k_chunk = K;
      if (K > 0) { k_chunk = ((K + splits - 1) / splits + 15) / 16 * 16; splits = (K + k_chunk - 1) / k_chunk; } else splits = 1;
      std::vector<double> parts(splits * wsize, NAN);
      BackwardWeightProblem<double, int32_t> p{};
      p.g = make_geom<int32_t>(g); p.g.use_table = table_on;
      p.go = go.data(); p.x = x.data(); p.dst = parts.data();
      p.M = M; p.N = N; p.K = K; p.splits = splits; p.k_chunk = k_chunk;
      if (wsize) sim<decltype(p), double>(p, g.groups * splits, table_on);
      for (int64_t i = 0; i < wsize; ++i) { double a = 0; for (int64_t s = 0; s < splits; ++s) a += parts[s * wsize + i]; gw[i] = a; }
    }
    auto cmp = [&](const char* what, const std::vector<double>& a, const std::vector<double>& b) {
      for (size_t i = 0; i < a.size(); ++i) if (!(a[i] == b[i])) { printf("it %d %s mismatch at %zu: %g vs %g (nd %d groups %ld)\n", it, what, i, a[i], b[i], nd, (long)g.groups); ++fails; return; }
    };
    cmp("forward", y, y_ref); cmp("bwd_input", gi, gi_ref); cmp("bwd_weight", gw, gw_ref);
  }
  printf("fails: %d (forward split cases %d)\n", fails, split_cases);
}
