// Resampling kernels (nearest, nearest-exact, linear) over contiguous (planes, H, W) buffers.
// Each axis's source indices and weights are computed once per call with PyTorch's coordinate
// maps and arithmetic types, then every plane (one per thread task) reads them.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {

// For each output coordinate: two source indices and their weights (nearest: i0 == i1, w0 = 1).
template <typename A>
struct AxisMap {
  std::vector<int64_t> i0, i1;
  std::vector<A> w0, w1;
};

// PyTorch's nearest maps compute the scale in float whatever the dtype: 1 / scale_factor when
// one was given, else in / out.
float nearest_scale(int64_t in, int64_t out, double scale) {
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

int64_t plane_grain(int64_t work) { return std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, work)); }

// Nearest modes gather, so they take any dtype (PyTorch's take uint8 besides the floats).
template <typename T>
void nearest_forward(const Tensor& out, const Tensor& in, const UpsampleParams& p) {
  const AxisMap<float> mh = axis_map<float>(p, p.in_h, p.out_h, p.scale_h);
  const AxisMap<float> mw = axis_map<float>(p, p.in_w, p.out_w, p.scale_w);
  const T* x = static_cast<const T*>(in.data_ptr());
  T* y = static_cast<T*>(out.data_ptr());
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  parallel_for(0, p.planes, plane_grain(out_plane), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c)
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        const T* row = x + c * in_plane + mh.i0[oh] * p.in_w;
        T* yr = y + c * out_plane + oh * p.out_w;
        for (int64_t ow = 0; ow < p.out_w; ++ow) yr[ow] = row[mw.i0[ow]];
      }
  });
}

template <typename T>
void linear_forward(const Tensor& out, const Tensor& in, const UpsampleParams& p) {
  using A = opmath_t<T>;
  const AxisMap<A> mh = axis_map<A>(p, p.in_h, p.out_h, p.scale_h);
  const AxisMap<A> mw = axis_map<A>(p, p.in_w, p.out_w, p.scale_w);
  const T* x = static_cast<const T*>(in.data_ptr());
  T* y = static_cast<T*>(out.data_ptr());
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  // 1-D resampling interpolates along W only (no 0-weight terms that would turn inf into NaN).
  const bool one_dim = p.in_h == 1 && p.out_h == 1;
  parallel_for(0, p.planes, plane_grain(out_plane), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const T* xp = x + c * in_plane;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        const T* r0 = xp + mh.i0[oh] * p.in_w;
        const T* r1 = xp + mh.i1[oh] * p.in_w;
        const A h0 = mh.w0[oh], h1 = mh.w1[oh];
        T* yr = y + c * out_plane + oh * p.out_w;
        if (one_dim) {
          for (int64_t ow = 0; ow < p.out_w; ++ow)
            yr[ow] = static_cast<T>(mw.w0[ow] * static_cast<A>(r0[mw.i0[ow]]) +
                                    mw.w1[ow] * static_cast<A>(r0[mw.i1[ow]]));
          continue;
        }
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const int64_t i0 = mw.i0[ow], i1 = mw.i1[ow];
          const A w0 = mw.w0[ow], w1 = mw.w1[ow];
          const A top = w0 * static_cast<A>(r0[i0]) + w1 * static_cast<A>(r0[i1]);
          const A bottom = w0 * static_cast<A>(r1[i0]) + w1 * static_cast<A>(r1[i1]);
          yr[ow] = static_cast<T>(h0 * top + h1 * bottom);
        }
      }
    }
  });
}

void cpu_upsample(const Tensor& out, const Tensor& in, const UpsampleParams& p) {
  if (p.mode == UpsampleMode::Linear) {
    dispatch_floating(in.dtype(), "interpolate", [&](auto tag) {
      linear_forward<typename decltype(tag)::type>(out, in, p);
    });
  } else {
    dispatch_all(in.dtype(), "interpolate", [&](auto tag) {
      nearest_forward<typename decltype(tag)::type>(out, in, p);
    });
  }
}

// The adjoint: each output's gradient goes back to its (up to four) sources with the same
// weights, accumulated per plane in opmath precision.
void cpu_upsample_backward(const Tensor& grad_in, const Tensor& grad_out, const UpsampleParams& p) {
  dispatch_floating(grad_in.dtype(), "interpolate_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const AxisMap<A> mh = axis_map<A>(p, p.in_h, p.out_h, p.scale_h);
    const AxisMap<A> mw = axis_map<A>(p, p.in_w, p.out_w, p.scale_w);
    const T* g = static_cast<const T*>(grad_out.data_ptr());
    T* gi = static_cast<T*>(grad_in.data_ptr());
    const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
    const bool nearest = p.mode != UpsampleMode::Linear;
    parallel_for(0, p.planes, plane_grain(std::max(in_plane, out_plane)), [&](int64_t b, int64_t e) {
      std::vector<A> acc(in_plane);
      for (int64_t c = b; c < e; ++c) {
        std::fill(acc.begin(), acc.end(), A(0));
        const T* gp = g + c * out_plane;
        for (int64_t oh = 0; oh < p.out_h; ++oh) {
          A* a0 = acc.data() + mh.i0[oh] * p.in_w;
          A* a1 = acc.data() + mh.i1[oh] * p.in_w;
          const A h0 = mh.w0[oh], h1 = mh.w1[oh];
          const T* gr = gp + oh * p.out_w;
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            const A v = static_cast<A>(gr[ow]);
            if (nearest) {
              a0[mw.i0[ow]] += v;
              continue;
            }
            const A w0 = mw.w0[ow], w1 = mw.w1[ow];
            a0[mw.i0[ow]] += h0 * w0 * v;
            a0[mw.i1[ow]] += h0 * w1 * v;
            a1[mw.i0[ow]] += h1 * w0 * v;
            a1[mw.i1[ow]] += h1 * w1 * v;
          }
        }
        T* dst = gi + c * in_plane;
        for (int64_t i = 0; i < in_plane; ++i) dst[i] = static_cast<T>(acc[i]);
      }
    });
  });
}

}  // namespace

void register_cpu_interpolate_kernels() {
  upsample_kernel.set(DeviceType::CPU, cpu_upsample);
  upsample_backward_kernel.set(DeviceType::CPU, cpu_upsample_backward);
}

}  // namespace ember
