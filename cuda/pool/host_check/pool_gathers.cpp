// Host check: the avg / adaptive-avg backward gathers against the CPU's scatter loops, bit for
// bit (same order of accumulation) (run.sh; built as CUDA: it includes the .cu file).
#include "pool/pool.cu"
#include <random>
#include <vector>
#include <cstdio>
using namespace ember; using namespace ember::cuda;
std::mt19937 rng(3);
int64_t rnd(int64_t a, int64_t b) { return std::uniform_int_distribution<int64_t>(a, b)(rng); }
int main() {
  int fails = 0, cases = 0;
  for (int it = 0; it < 3000; ++it) {
    Pool2dParams p; p.planes = rnd(1, 3); p.in_h = rnd(1, 9); p.in_w = rnd(1, 9);
    bool adaptive = rnd(0, 1);
    if (adaptive) { p.out_h = rnd(0, 11); p.out_w = rnd(0, 11); }
    else {
      p.kh = rnd(1, 4); p.kw = rnd(1, 4); p.sh = rnd(1, 3); p.sw = rnd(1, 3); p.ph = rnd(0, p.kh / 2); p.pw = rnd(0, p.kw / 2);
      bool ceil_mode = rnd(0, 1);
      auto po = [&](int64_t in, int64_t k, int64_t pad, int64_t s) { int64_t num = in + 2 * pad - k; int64_t o = (ceil_mode ? (num + s - 1) / s : num / s) + 1; if (ceil_mode && (o - 1) * s >= in + pad) --o; return o; };
      p.out_h = po(p.in_h, p.kh, p.ph, p.sh); p.out_w = po(p.in_w, p.kw, p.pw, p.sw);
      if (p.out_h <= 0 || p.out_w <= 0) continue;
      p.count_include_pad = rnd(0, 1); p.divisor = rnd(0, 1) ? rnd(1, 5) : 0;
    }
    const int64_t ip = p.in_h * p.in_w, op = p.out_h * p.out_w;
    std::vector<float> go(p.planes * op), ref(p.planes * ip, 0.f), got(p.planes * ip);
    for (auto& v : go) v = std::uniform_real_distribution<float>(-1, 1)(rng);
    // CPU order reference
    for (int64_t c = 0; c < p.planes; ++c) {
      float* acc = ref.data() + c * ip; const float* gp = go.data() + c * op;
      for (int64_t oh = 0; oh < p.out_h; ++oh) for (int64_t ow = 0; ow < p.out_w; ++ow) {
        int64_t h0, h1, w0, w1; float div;
        if (adaptive) { h0 = oh * p.in_h / p.out_h; h1 = ((oh + 1) * p.in_h + p.out_h - 1) / p.out_h; w0 = ow * p.in_w / p.out_w; w1 = ((ow + 1) * p.in_w + p.out_w - 1) / p.out_w; div = (h1 - h0) * (w1 - w0); }
        else {
          h0 = oh * p.sh - p.ph; w0 = ow * p.sw - p.pw; h1 = std::min(h0 + p.kh, p.in_h + p.ph); w1 = std::min(w0 + p.kw, p.in_w + p.pw);
          int64_t padded = (h1 - h0) * (w1 - w0); h0 = std::max<int64_t>(h0, 0); w0 = std::max<int64_t>(w0, 0); h1 = std::min(h1, p.in_h); w1 = std::min(w1, p.in_w);
          div = p.divisor ? p.divisor : p.count_include_pad ? padded : (h1 - h0) * (w1 - w0);
        }
        const float share = gp[oh * p.out_w + ow] / div;
        for (int64_t h = h0; h < h1; ++h) for (int64_t w = w0; w < w1; ++w) acc[h * p.in_w + w] += share;
      }
    }
    const PoolGeom<int32_t> g = geom<int32_t>(p);
    for (int32_t e = 0; e < p.planes * ip; ++e) got[e] = adaptive ? adaptive_avg_backward_at(go.data(), g, e) : avg_pool_backward_at(go.data(), g, e);
    ++cases;
    for (size_t i = 0; i < ref.size(); ++i) if (ref[i] != got[i]) { printf("it %d adaptive %d mismatch %zu: %g vs %g\n", it, adaptive, i, ref[i], got[i]); ++fails; break; }
  }
  printf("cases %d fails %d\n", cases, fails);
}
