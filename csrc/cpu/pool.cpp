// Pooling kernels over contiguous (planes, H, W) buffers, one plane per task, threads split the
// planes. 16-bit floats compute in float32; backward kernels accumulate each plane's gradient
// in opmath precision and store it once.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {

// Enough planes per thread for ~64K element visits.
int64_t plane_grain(int64_t work_per_plane) { return std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, work_per_plane)); }

// Runs body(plane, acc) for every plane of grad_in with a zeroed opmath accumulator of one
// plane, then stores acc into grad_in's plane.
template <typename T, typename Body>
void accumulate_planes(const Tensor& grad_in, int64_t planes, int64_t plane_size, int64_t work, const Body& body) {
  using A = opmath_t<T>;
  T* gi = static_cast<T*>(grad_in.data_ptr());
  parallel_for(0, planes, plane_grain(work), [&](int64_t b, int64_t e) {
    std::vector<A> acc(plane_size);
    for (int64_t c = b; c < e; ++c) {
      std::fill(acc.begin(), acc.end(), A(0));
      body(c, acc.data());
      T* dst = gi + c * plane_size;
      for (int64_t i = 0; i < plane_size; ++i) dst[i] = static_cast<T>(acc[i]);
    }
  });
}

// The first valid tap of a dilated window starting at `start` (which may lie in the padding).
inline int64_t first_tap(int64_t start, int64_t dilation) {
  while (start < 0) start += dilation;
  return start;
}

// NaN wins a max (and a later NaN replaces an earlier one), as in PyTorch; integers have none.
template <typename A>
inline bool max_takes(A v, A best) {
  if constexpr (std::is_floating_point_v<A>) return v > best || std::isnan(v);
  else return v > best;
}
template <typename A>
constexpr A max_identity() {
  if constexpr (std::is_floating_point_v<A>) return -std::numeric_limits<A>::infinity();
  else return std::numeric_limits<A>::lowest();
}

void cpu_max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& in, const Pool2dParams& p) {
  dispatch_numeric(in.dtype(), "max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    int64_t* ind = static_cast<int64_t*>(indices.data_ptr());
    const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
    parallel_for(0, p.planes, plane_grain(out_plane * p.kh * p.kw), [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const T* xp = x + c * in_plane;
        for (int64_t oh = 0; oh < p.out_h; ++oh) {
          const int64_t h_start = oh * p.sh - p.ph;
          const int64_t h_end = std::min(h_start + (p.kh - 1) * p.dh + 1, p.in_h);
          const int64_t h0 = first_tap(h_start, p.dh);
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            const int64_t w_start = ow * p.sw - p.pw;
            const int64_t w_end = std::min(w_start + (p.kw - 1) * p.dw + 1, p.in_w);
            const int64_t w0 = first_tap(w_start, p.dw);
            A best = max_identity<A>();
            int64_t best_i = h0 * p.in_w + w0;
            for (int64_t h = h0; h < h_end; h += p.dh)
              for (int64_t w = w0; w < w_end; w += p.dw) {
                const A v = static_cast<A>(xp[h * p.in_w + w]);
                if (max_takes(v, best)) {
                  best = v;
                  best_i = h * p.in_w + w;
                }
              }
            const int64_t o = c * out_plane + oh * p.out_w + ow;
            y[o] = static_cast<T>(best);
            ind[o] = best_i;
          }
        }
      }
    });
  });
}

// grad_in[plane][indices[o]] += grad_out[o]; an index outside the plane raises after the loop.
void cpu_index_scatter2d(const Tensor& grad_in, const Tensor& grad_out, const Tensor& indices, const Pool2dParams& p) {
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  std::atomic<bool> has_bad{false};
  std::atomic<int64_t> bad{0};
  dispatch_floating(grad_in.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* g = static_cast<const T*>(grad_out.data_ptr());
    const int64_t* ind = static_cast<const int64_t*>(indices.data_ptr());
    accumulate_planes<T>(grad_in, p.planes, in_plane, out_plane, [&](int64_t c, A* acc) {
      for (int64_t o = c * out_plane; o < (c + 1) * out_plane; ++o) {
        const int64_t i = ind[o];
        if (i < 0 || i >= in_plane) {
          bad.store(i);
          has_bad.store(true);
          continue;
        }
        acc[i] += static_cast<A>(g[o]);
      }
    });
  });
  EMBER_CHECK_INDEX(!has_bad.load(), "max_pool2d_backward: index ", bad.load(),
                    " is out of bounds for a plane of ", in_plane, " elements");
}

// One avg-pool window: the clipped bounds and the divisor, as PyTorch computes them.
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  int64_t divisor;
};
inline AvgWindow avg_window(const Pool2dParams& p, int64_t oh, int64_t ow) {
  int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
  int64_t h1 = std::min(h0 + p.kh, p.in_h + p.ph), w1 = std::min(w0 + p.kw, p.in_w + p.pw);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0), w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, p.in_h), w1 = std::min(w1, p.in_w);
  const int64_t divisor = p.divisor != 0 ? p.divisor
                          : p.count_include_pad ? padded
                                                : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

void cpu_avg_pool2d(const Tensor& out, const Tensor& in, const Pool2dParams& p) {
  dispatch_floating(in.dtype(), "avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
    parallel_for(0, p.planes, plane_grain(out_plane * p.kh * p.kw), [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const T* xp = x + c * in_plane;
        for (int64_t oh = 0; oh < p.out_h; ++oh)
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            const AvgWindow wnd = avg_window(p, oh, ow);
            A sum = 0;
            for (int64_t h = wnd.h0; h < wnd.h1; ++h)
              for (int64_t w = wnd.w0; w < wnd.w1; ++w) sum += static_cast<A>(xp[h * p.in_w + w]);
            // A window wholly in the padding gives 0, as in PyTorch.
            const bool empty = wnd.h0 >= wnd.h1 || wnd.w0 >= wnd.w1;
            y[c * out_plane + oh * p.out_w + ow] = static_cast<T>(empty ? A(0) : sum / static_cast<A>(wnd.divisor));
          }
      }
    });
  });
}

void cpu_avg_pool2d_backward(const Tensor& grad_in, const Tensor& grad_out, const Pool2dParams& p) {
  dispatch_floating(grad_in.dtype(), "avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* g = static_cast<const T*>(grad_out.data_ptr());
    const int64_t out_plane = p.out_h * p.out_w;
    accumulate_planes<T>(grad_in, p.planes, p.in_h * p.in_w, out_plane * p.kh * p.kw, [&](int64_t c, A* acc) {
      const T* gp = g + c * out_plane;
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const AvgWindow wnd = avg_window(p, oh, ow);
          const A share = static_cast<A>(gp[oh * p.out_w + ow]) / static_cast<A>(wnd.divisor);
          for (int64_t h = wnd.h0; h < wnd.h1; ++h)
            for (int64_t w = wnd.w0; w < wnd.w1; ++w) acc[h * p.in_w + w] += share;
        }
    });
  });
}

// Adaptive windows along one dim: [floor(o * in / out), ceil((o + 1) * in / out)).
inline int64_t adaptive_start(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
inline int64_t adaptive_end(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

void cpu_adaptive_avg_pool2d(const Tensor& out, const Tensor& in, const Pool2dParams& p) {
  dispatch_floating(in.dtype(), "adaptive_avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
    parallel_for(0, p.planes, plane_grain(std::max(in_plane, out_plane)), [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const T* xp = x + c * in_plane;
        for (int64_t oh = 0; oh < p.out_h; ++oh) {
          const int64_t h0 = adaptive_start(oh, p.out_h, p.in_h), h1 = adaptive_end(oh, p.out_h, p.in_h);
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            const int64_t w0 = adaptive_start(ow, p.out_w, p.in_w), w1 = adaptive_end(ow, p.out_w, p.in_w);
            A sum = 0;
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w) sum += static_cast<A>(xp[h * p.in_w + w]);
            y[c * out_plane + oh * p.out_w + ow] = static_cast<T>(sum / static_cast<A>((h1 - h0) * (w1 - w0)));
          }
        }
      }
    });
  });
}

void cpu_adaptive_avg_pool2d_backward(const Tensor& grad_in, const Tensor& grad_out, const Pool2dParams& p) {
  dispatch_floating(grad_in.dtype(), "adaptive_avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* g = static_cast<const T*>(grad_out.data_ptr());
    const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
    accumulate_planes<T>(grad_in, p.planes, in_plane, std::max(in_plane, out_plane), [&](int64_t c, A* acc) {
      const T* gp = g + c * out_plane;
      for (int64_t oh = 0; oh < p.out_h; ++oh) {
        const int64_t h0 = adaptive_start(oh, p.out_h, p.in_h), h1 = adaptive_end(oh, p.out_h, p.in_h);
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const int64_t w0 = adaptive_start(ow, p.out_w, p.in_w), w1 = adaptive_end(ow, p.out_w, p.in_w);
          const A share = static_cast<A>(gp[oh * p.out_w + ow]) / static_cast<A>((h1 - h0) * (w1 - w0));
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) acc[h * p.in_w + w] += share;
        }
      }
    });
  });
}

void cpu_adaptive_max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& in, const Pool2dParams& p) {
  dispatch_floating(in.dtype(), "adaptive_max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    int64_t* ind = static_cast<int64_t*>(indices.data_ptr());
    const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
    parallel_for(0, p.planes, plane_grain(std::max(in_plane, out_plane)), [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const T* xp = x + c * in_plane;
        for (int64_t oh = 0; oh < p.out_h; ++oh) {
          const int64_t h0 = adaptive_start(oh, p.out_h, p.in_h), h1 = adaptive_end(oh, p.out_h, p.in_h);
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            const int64_t w0 = adaptive_start(ow, p.out_w, p.in_w), w1 = adaptive_end(ow, p.out_w, p.in_w);
            A best = -std::numeric_limits<A>::infinity();
            int64_t best_i = h0 * p.in_w + w0;
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w) {
                const A v = static_cast<A>(xp[h * p.in_w + w]);
                if (v > best || std::isnan(v)) {
                  best = v;
                  best_i = h * p.in_w + w;
                }
              }
            const int64_t o = c * out_plane + oh * p.out_w + ow;
            y[o] = static_cast<T>(best);
            ind[o] = best_i;
          }
        }
      }
    });
  });
}

}  // namespace

void register_cpu_pool_kernels() {
  max_pool2d_kernel.set(DeviceType::CPU, cpu_max_pool2d);
  avg_pool2d_kernel.set(DeviceType::CPU, cpu_avg_pool2d);
  avg_pool2d_backward_kernel.set(DeviceType::CPU, cpu_avg_pool2d_backward);
  adaptive_max_pool2d_kernel.set(DeviceType::CPU, cpu_adaptive_max_pool2d);
  adaptive_avg_pool2d_kernel.set(DeviceType::CPU, cpu_adaptive_avg_pool2d);
  adaptive_avg_pool2d_backward_kernel.set(DeviceType::CPU, cpu_adaptive_avg_pool2d_backward);
  index_scatter2d_kernel.set(DeviceType::CPU, cpu_index_scatter2d);
}

}  // namespace ember
