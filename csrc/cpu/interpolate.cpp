// Resampling kernels (nearest, nearest-exact, linear) over contiguous (planes, H, W) buffers.
// Each axis's source indices and weights are computed once per call with PyTorch's coordinate
// maps and arithmetic types, then every plane (one per thread task) reads them.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "cpu/interpolate_axis.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {

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
