// Host check: the resampling backward gather against the CPU's scatter loop, bit for bit
// (run.sh; built as CUDA: it includes the .cu file).
#include "pool/interpolate.cu"
#include <random>
#include <vector>
#include <cstdio>
using namespace ember; using namespace ember::cuda;
std::mt19937 rng(5);
int64_t rnd(int64_t a, int64_t b) { return std::uniform_int_distribution<int64_t>(a, b)(rng); }
struct AxisStore { std::vector<int32_t> i0, i1, lo, hi; std::vector<float> w0, w1; Axis<float, int32_t> ax; };
void store(const HostAxis<float>& m, AxisStore& s) {
  s.i0.assign(m.i0.begin(), m.i0.end()); s.i1.assign(m.i1.begin(), m.i1.end());
  s.lo.assign(m.lo.begin(), m.lo.end()); s.hi.assign(m.hi.begin(), m.hi.end()); s.w0 = m.w0; s.w1 = m.w1;
  s.ax = {s.i0.data(), s.i1.data(), s.lo.data(), s.hi.data(), s.w0.data(), s.w1.data()};
}
int main() {
  int fails = 0, cases = 0;
  for (int it = 0; it < 4000; ++it) {
    UpsampleParams p; p.mode = static_cast<UpsampleMode>(rnd(0, 2)); p.planes = rnd(1, 2);
    const bool one = rnd(0, 3) == 0;
    p.in_h = one ? 1 : rnd(1, 9); p.out_h = one ? 1 : rnd(1, 20); p.in_w = rnd(1, 9); p.out_w = rnd(1, 20);
    p.align_corners = p.mode == UpsampleMode::Linear && rnd(0, 1);
    if (rnd(0, 1)) { p.scale_h = one ? 0 : double(p.out_h) / p.in_h * (rnd(0,1) ? 1.0 : 1.1); p.scale_w = double(p.out_w) / p.in_w; }
    const HostAxis<float> mh = host_axis<float>(p, p.in_h, p.out_h, p.scale_h), mw = host_axis<float>(p, p.in_w, p.out_w, p.scale_w);
    AxisStore sh, sw; store(mh, sh); store(mw, sw);
    const int64_t ip = p.in_h * p.in_w, op = p.out_h * p.out_w;
    std::vector<float> go(p.planes * op), ref(p.planes * ip, 0.f), got(p.planes * ip);
    for (auto& v : go) v = std::uniform_real_distribution<float>(-1, 1)(rng);
    if (rnd(0, 5) == 0) go[rnd(0, go.size() - 1)] = INFINITY;
    const bool nearest = p.mode != UpsampleMode::Linear;
    for (int64_t c = 0; c < p.planes; ++c) {
      float* acc = ref.data() + c * ip; const float* gp = go.data() + c * op;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        float* a0 = acc + mh.i0[oh] * p.in_w; float* a1 = acc + mh.i1[oh] * p.in_w;
        const float h0 = mh.w0[oh], h1 = mh.w1[oh];
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const float v = gp[oh * p.out_w + ow];
          if (nearest) { a0[mw.i0[ow]] += v; continue; }
          const float w0 = mw.w0[ow], w1 = mw.w1[ow];
          a0[mw.i0[ow]] += h0 * w0 * v; a0[mw.i1[ow]] += h0 * w1 * v; a1[mw.i0[ow]] += h1 * w0 * v; a1[mw.i1[ow]] += h1 * w1 * v;
        }
      }
    }
    const Planes<int32_t> g = planes_of<int32_t>(p);
    for (int32_t e = 0; e < p.planes * ip; ++e) got[e] = upsample_backward_at(go.data(), g, sh.ax, sw.ax, nearest, e);
    ++cases;
    for (size_t i = 0; i < ref.size(); ++i) if (!(ref[i] == got[i] || (std::isnan(ref[i]) && std::isnan(got[i])))) { printf("it %d mode %d mismatch %zu: %g vs %g\n", it, int(p.mode), i, ref[i], got[i]); ++fails; break; }
  }
  printf("cases %d fails %d\n", cases, fails);
}
