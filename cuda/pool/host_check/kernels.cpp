// Host check: max-pool kernels (NaN wins, indices) and the index-scatter keys/gather (with
// std::stable_sort standing in for the radix sort) against the CPU kernels' loops (run.sh).
#include <cuda_runtime.h>
#include <vector>
#include <random>
#include <cstdio>
#include <cmath>
#include <algorithm>
thread_local uint3 threadIdx;
dim3 blockIdx(0, 0, 0), blockDim(1), gridDim(1);
namespace ember::cuda::pool_kernels { template <class T> T min(T a, T b) { return a < b ? a : b; } template <class T> T max(T a, T b) { return a < b ? b : a; } }
#include "pool/pool_kernels.cuh"
using namespace ember; using namespace ember::cuda::pool_kernels;
std::mt19937 rng(11);
int64_t rnd(int64_t a, int64_t b) { return std::uniform_int_distribution<int64_t>(a, b)(rng); }
int bits_for(uint64_t v) { int b = 0; while (b < 64 && (v >> b) != 0) ++b; return b; }
int main() {
  int fails = 0, cases = 0;
  for (int it = 0; it < 3000; ++it) {
    Pool2dParams p; p.planes = rnd(1, 3); p.in_h = rnd(1, 9); p.in_w = rnd(1, 9);
    const bool adaptive = rnd(0, 1);
    if (adaptive) { p.out_h = rnd(1, 11); p.out_w = rnd(1, 11); }
    else {
      p.kh = rnd(1, 4); p.kw = rnd(1, 4); p.sh = rnd(1, 3); p.sw = rnd(1, 3); p.ph = rnd(0, p.kh / 2); p.pw = rnd(0, p.kw / 2);
      p.dh = rnd(1, 2); p.dw = rnd(1, 2);
      auto po = [&](int64_t in, int64_t k, int64_t pad, int64_t s, int64_t d) { return (in + 2 * pad - d * (k - 1) - 1) / s + 1; };
      p.out_h = po(p.in_h, p.kh, p.ph, p.sh, p.dh); p.out_w = po(p.in_w, p.kw, p.pw, p.sw, p.dw);
      if (p.out_h <= 0 || p.out_w <= 0) continue;
    }
    const int64_t ip = p.in_h * p.in_w, op = p.out_h * p.out_w;
    std::vector<float> x(p.planes * ip), y(p.planes * op), yr(p.planes * op);
    std::vector<int64_t> ind(p.planes * op), indr(p.planes * op);
    for (auto& v : x) { v = float(rnd(-3, 3)); if (rnd(0, 15) == 0) v = NAN; if (rnd(0, 20) == 0) v = -INFINITY; }
    // CPU reference (cpu/pool.cpp's loops)
    for (int64_t c = 0; c < p.planes; ++c) for (int64_t oh = 0; oh < p.out_h; ++oh) for (int64_t ow = 0; ow < p.out_w; ++ow) {
      int64_t h0, h1, w0, w1, dh = 1, dw = 1;
      if (adaptive) { h0 = oh * p.in_h / p.out_h; h1 = ((oh + 1) * p.in_h + p.out_h - 1) / p.out_h; w0 = ow * p.in_w / p.out_w; w1 = ((ow + 1) * p.in_w + p.out_w - 1) / p.out_w; }
      else { int64_t hs = oh * p.sh - p.ph, ws = ow * p.sw - p.pw; h1 = std::min(hs + (p.kh - 1) * p.dh + 1, p.in_h); w1 = std::min(ws + (p.kw - 1) * p.dw + 1, p.in_w);
        while (hs < 0) hs += p.dh; while (ws < 0) ws += p.dw; h0 = hs; w0 = ws; dh = p.dh; dw = p.dw; }
      float best = -INFINITY; int64_t bi = h0 * p.in_w + w0;
      for (int64_t h = h0; h < h1; h += dh) for (int64_t w = w0; w < w1; w += dw) { float v = x[c * ip + h * p.in_w + w]; if (v > best || std::isnan(v)) { best = v; bi = h * p.in_w + w; } }
      yr[c * op + oh * p.out_w + ow] = best; indr[c * op + oh * p.out_w + ow] = bi;
    }
    if (adaptive) adaptive_max_kernel<float, int32_t>(y.data(), ind.data(), x.data(), geom<int32_t>(p));
    else max_pool_kernel<float, int32_t>(y.data(), ind.data(), x.data(), geom<int32_t>(p));
    ++cases;
    for (size_t i = 0; i < y.size(); ++i) if (!((y[i] == yr[i] || (std::isnan(y[i]) && std::isnan(yr[i]))) && ind[i] == indr[i])) { printf("it %d max mismatch %zu: %g/%ld vs %g/%ld\n", it, i, y[i], (long)ind[i], yr[i], (long)indr[i]); ++fails; break; }
    // scatter: random indices (some repeated), reference in output order
    std::vector<float> go(p.planes * op), gr(p.planes * ip, 0.f), gg(p.planes * ip, NAN);
    for (auto& v : go) v = std::uniform_real_distribution<float>(-1, 1)(rng);
    for (auto& v : ind) v = rnd(0, ip - 1);
    for (int64_t o = 0; o < p.planes * op; ++o) gr[o / op * ip + ind[o]] += go[o];
    const int64_t n_out = p.planes * op, n_in = p.planes * ip;
    std::vector<uint64_t> keys(n_out); std::vector<int64_t> vals(n_out); unsigned long long bad[2] = {0, 0};
    scatter_keys_kernel(keys.data(), vals.data(), ind.data(), n_out, op, ip, bad);
    std::vector<std::pair<uint64_t, int64_t>> kv(n_out);
    for (int64_t o = 0; o < n_out; ++o) kv[o] = {keys[o], vals[o]};
    std::stable_sort(kv.begin(), kv.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (int64_t o = 0; o < n_out; ++o) keys[o] = kv[o].first, vals[o] = kv[o].second;
    scatter_gather_kernel<float>(gg.data(), go.data(), keys.data(), vals.data(), n_out, n_in);
    for (size_t i = 0; i < gg.size(); ++i) if (gg[i] != gr[i] || bad[0]) { printf("it %d scatter mismatch %zu: %g vs %g\n", it, i, gg[i], gr[i]); ++fails; break; }
    // a bad index is reported
    ind[0] = ip; bad[0] = 0; scatter_keys_kernel(keys.data(), vals.data(), ind.data(), n_out, op, ip, bad);
    if (bad[0] != 1 || bad[1] != (unsigned long long)ip) { printf("it %d bad index not reported\n", it); ++fails; }
  }
  printf("cases %d fails %d\n", cases, fails);
}
