#pragma once
// The coordinate maps of resampling, one axis at a time, as PyTorch computes them: for each
// output coordinate the source indices and weights. Host code, shared by the CPU kernels and
// the CUDA ones (which copy the maps to the device), so both resample identically.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "dispatch/kernels.h"

namespace ember {

// For each output coordinate: two source indices and their weights (nearest: i0 == i1, w0 = 1).
template <typename A>
struct AxisMap {
  std::vector<int64_t> i0, i1;
  std::vector<A> w0, w1;
};

// PyTorch's nearest maps compute the scale in float whatever the dtype: 1 / scale_factor when
// one was given, else in / out.
inline float nearest_scale(int64_t in, int64_t out, double scale) {
  return scale > 0 ? static_cast<float>(1.0 / scale) : static_cast<float>(in) / static_cast<float>(out);
}

template <typename A>
AxisMap<A> axis_map(const UpsampleParams& p, int64_t in, int64_t out, double scale) {
  AxisMap<A> m;
  m.i0.resize(out), m.i1.resize(out), m.w0.resize(out), m.w1.resize(out);
  if (p.mode != UpsampleMode::Linear) {
    const float s = nearest_scale(in, out, scale);
    for (int64_t o = 0; o < out; ++o) {
      int64_t i;
      // Clamped as floats first, so a tiny scale factor cannot overflow the conversion.
      const float last = static_cast<float>(in - 1);
      if (p.mode == UpsampleMode::NearestExact)
        i = static_cast<int64_t>(std::min(std::floor(static_cast<float>((o + 0.5) * s)), last));
      else if (out == in)
        i = o;
      else if (out == 2 * in)
        i = o >> 1;
      else
        i = static_cast<int64_t>(std::min(std::floor(static_cast<float>(o) * s), last));
      m.i0[o] = m.i1[o] = i;
      m.w0[o] = A(1), m.w1[o] = A(0);
    }
    return m;
  }
  // Linear: align_corners maps the corner pixels' centres onto each other; otherwise pixel
  // centres map through the scale and sources left of 0 clamp to 0.
  A s;
  if (p.align_corners)
    s = out > 1 ? static_cast<A>(in - 1) / static_cast<A>(out - 1) : A(0);
  else
    s = scale > 0 ? static_cast<A>(1.0 / scale) : static_cast<A>(in) / static_cast<A>(out);
  for (int64_t o = 0; o < out; ++o) {
    A src = p.align_corners ? s * static_cast<A>(o) : s * (static_cast<A>(o) + A(0.5)) - A(0.5);
    // Sources left of 0 read pixel 0; past the last pixel, the last one (as PyTorch's
    // weights give it, but without converting an out-of-range float).
    src = std::min(std::max(src, A(0)), static_cast<A>(in - 1));
    const int64_t i = static_cast<int64_t>(src);
    const A l1 = std::min(std::max(src - static_cast<A>(i), A(0)), A(1));
    m.i0[o] = i;
    m.i1[o] = i + (i < in - 1 ? 1 : 0);
    m.w0[o] = A(1) - l1;
    m.w1[o] = l1;
  }
  return m;
}

}  // namespace ember
