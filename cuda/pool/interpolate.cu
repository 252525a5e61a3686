// Resampling kernels (nearest, nearest-exact, linear) over contiguous (planes, H, W) buffers.
// Each axis's source indices and weights are computed once per call on the host, with the same
// coordinate maps and arithmetic types as the CPU kernels (cpu/interpolate.cpp), and copied to
// the device; every output then reads them. The backward gathers: each input element walks the
// outputs that read it (a range per axis, also computed on the host) in the CPU's order of
// accumulation, so no atomics are needed and each element is stored once.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "dispatch/dispatch.h"
#include "cpu/interpolate_axis.h"
#include "pool/pool.h"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {

constexpr int kThreads = 256;

// For each output coordinate: the CPU's map (cpu/interpolate_axis.h); for each input
// coordinate: the outputs [lo, hi) that read it through i0 or i1.
template <typename A>
struct HostAxis : AxisMap<A> {
  std::vector<int64_t> lo, hi;
};

template <typename A>
HostAxis<A> host_axis(const UpsampleParams& p, int64_t in, int64_t out, double scale) {
  HostAxis<A> m;
  static_cast<AxisMap<A>&>(m) = axis_map<A>(p, in, out, scale);
  m.lo.assign(in, out);
  m.hi.assign(in, 0);
  for (int64_t o = 0; o < out; ++o)
    for (const int64_t i : {m.i0[o], m.i1[o]}) {
      m.lo[i] = std::min(m.lo[i], o);
      m.hi[i] = std::max(m.hi[i], o + 1);
    }
  for (int64_t i = 0; i < in; ++i) m.hi[i] = std::max(m.hi[i], m.lo[i]);
  return m;
}

// One axis on the device: i0, i1, w0, w1 per output; lo, hi per input.
template <typename A, typename Index>
struct Axis {
  const Index *i0, *i1, *lo, *hi;
  const A *w0, *w1;
};

// Both axes' maps in one workspace (copied from pageable memory: the copy has read the host
// buffers when cudaMemcpyAsync returns).
template <typename A, typename Index>
class DeviceMaps {
 public:
  DeviceMaps(const HostAxis<A>& h, const HostAxis<A>& w, int dev, cudaStream_t s, const char* op) {
    std::vector<char> host;
    size_t offs[2][6];
    const HostAxis<A>* axes[2] = {&h, &w};
    for (int a = 0; a < 2; ++a) {
      const HostAxis<A>& m = *axes[a];
      const std::vector<int64_t>* idx[4] = {&m.i0, &m.i1, &m.lo, &m.hi};
      for (int k = 0; k < 4; ++k) {
        offs[a][k] = align(host);
        for (const int64_t v : *idx[k]) append(host, static_cast<Index>(v));
      }
      const std::vector<A>* wts[2] = {&m.w0, &m.w1};
      for (int k = 0; k < 2; ++k) {
        offs[a][4 + k] = align(host);
        for (const A v : *wts[k]) append(host, v);
      }
    }
    ws_ = std::make_unique<Workspace>(host.size() + 16, dev);
    char* d = ws_->as<char>();
    EMBER_CUDA_CHECK(cudaMemcpyAsync(d, host.data(), host.size(), cudaMemcpyHostToDevice, s), op);
    Axis<A, Index>* out[2] = {&h_, &w_};
    for (int a = 0; a < 2; ++a) {
      out[a]->i0 = reinterpret_cast<const Index*>(d + offs[a][0]);
      out[a]->i1 = reinterpret_cast<const Index*>(d + offs[a][1]);
      out[a]->lo = reinterpret_cast<const Index*>(d + offs[a][2]);
      out[a]->hi = reinterpret_cast<const Index*>(d + offs[a][3]);
      out[a]->w0 = reinterpret_cast<const A*>(d + offs[a][4]);
      out[a]->w1 = reinterpret_cast<const A*>(d + offs[a][5]);
    }
  }
  const Axis<A, Index>& h() const { return h_; }
  const Axis<A, Index>& w() const { return w_; }

 private:
  static size_t align(std::vector<char>& b) {
    b.resize((b.size() + 7) / 8 * 8);
    return b.size();
  }
  template <typename V> static void append(std::vector<char>& b, V v) {
    const size_t at = b.size();
    b.resize(at + sizeof(V));
    std::memcpy(b.data() + at, &v, sizeof(V));
  }
  std::unique_ptr<Workspace> ws_;
  Axis<A, Index> h_{}, w_{};
};

template <typename Index>
struct Planes {
  Index planes, in_h, in_w, out_h, out_w;
};
template <typename Index>
Planes<Index> planes_of(const UpsampleParams& p) {
  return {static_cast<Index>(p.planes), static_cast<Index>(p.in_h), static_cast<Index>(p.in_w),
          static_cast<Index>(p.out_h), static_cast<Index>(p.out_w)};
}

#define EMBER_GRID_STRIDE(i, n) \
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += static_cast<Index>(blockDim.x) * gridDim.x)

// Nearest modes gather, so only the element size matters (any dtype).
template <typename T, typename Index>
__global__ void nearest_kernel(T* __restrict__ y, const T* __restrict__ x, const Planes<Index> g,
                               const Axis<float, Index> mh, const Axis<float, Index> mw) {
  const Index out_plane = g.out_h * g.out_w, n = g.planes * out_plane;
  EMBER_GRID_STRIDE(o, n) {
    const Index c = o / out_plane, r = o - c * out_plane, oh = r / g.out_w, ow = r - oh * g.out_w;
    y[o] = x[c * (g.in_h * g.in_w) + mh.i0[oh] * g.in_w + mw.i0[ow]];
  }
}

template <typename T, typename Index>
__global__ void linear_kernel(T* __restrict__ y, const T* __restrict__ x, const Planes<Index> g,
                              const Axis<opmath_t<T>, Index> mh, const Axis<opmath_t<T>, Index> mw) {
  using A = opmath_t<T>;
  const Index out_plane = g.out_h * g.out_w, n = g.planes * out_plane;
  // 1-D resampling interpolates along W only (no 0-weight terms that would turn inf into NaN).
  const bool one_dim = g.in_h == 1 && g.out_h == 1;
  EMBER_GRID_STRIDE(o, n) {
    const Index c = o / out_plane, r = o - c * out_plane, oh = r / g.out_w, ow = r - oh * g.out_w;
    const T* xp = x + c * (g.in_h * g.in_w);
    const T* r0 = xp + mh.i0[oh] * g.in_w;
    const Index i0 = mw.i0[ow], i1 = mw.i1[ow];
    const A w0 = mw.w0[ow], w1 = mw.w1[ow];
    const A top = w0 * static_cast<A>(r0[i0]) + w1 * static_cast<A>(r0[i1]);
    if (one_dim) {
      y[o] = static_cast<T>(top);
      continue;
    }
    const T* r1 = xp + mh.i1[oh] * g.in_w;
    const A bottom = w0 * static_cast<A>(r1[i0]) + w1 * static_cast<A>(r1[i1]);
    y[o] = static_cast<T>(mh.w0[oh] * top + mh.w1[oh] * bottom);
  }
}

// The adjoint, gathered: input (h, w) receives, for every output (oh, ow) in row-major order,
// each of its (up to four) terms h_a * w_b * g that lands on (h, w), in the CPU's term order
// (a0[i0], a0[i1], a1[i0], a1[i1]); zero-weight terms included, as the CPU adds them too.
template <typename T, typename Index>
__host__ __device__ T upsample_backward_at(const T* __restrict__ go, const Planes<Index>& g,
                                           const Axis<opmath_t<T>, Index>& mh, const Axis<opmath_t<T>, Index>& mw,
                                           bool nearest, Index e) {
  using A = opmath_t<T>;
  const Index in_plane = g.in_h * g.in_w;
  const Index c = e / in_plane, r = e - c * in_plane, h = r / g.in_w, w = r - h * g.in_w;
  const T* gp = go + c * (g.out_h * g.out_w);
  const Index oh0 = mh.lo[h], oh1 = mh.hi[h], ow0 = mw.lo[w], ow1 = mw.hi[w];
  A acc = 0;
  for (Index oh = oh0; oh < oh1; ++oh) {
    const bool top = mh.i0[oh] == h, bottom = mh.i1[oh] == h;
    if (!top && !bottom) continue;
    const A h0 = mh.w0[oh], h1 = mh.w1[oh];
    const T* gr = gp + oh * g.out_w;
    for (Index ow = ow0; ow < ow1; ++ow) {
      const bool left = mw.i0[ow] == w, right = mw.i1[ow] == w;
      if (!left && !right) continue;
      const A v = static_cast<A>(gr[ow]);
      if (nearest) {  // one term, at (i0, i0)
        if (top && left) acc += v;
        continue;
      }
      const A w0 = mw.w0[ow], w1 = mw.w1[ow];
      if (top && left) acc += h0 * w0 * v;
      if (top && right) acc += h0 * w1 * v;
      if (bottom && left) acc += h1 * w0 * v;
      if (bottom && right) acc += h1 * w1 * v;
    }
  }
  return static_cast<T>(acc);
}

template <typename T, typename Index>
__global__ void upsample_backward_kernel(T* __restrict__ gi, const T* __restrict__ go, const Planes<Index> g,
                                         const Axis<opmath_t<T>, Index> mh, const Axis<opmath_t<T>, Index> mw,
                                         bool nearest) {
  const Index n = g.planes * g.in_h * g.in_w;
  EMBER_GRID_STRIDE(e, n) gi[e] = upsample_backward_at(go, g, mh, mw, nearest, e);
}

// A storage type of each element size, for the nearest gather.
template <typename F>
void dispatch_size(size_t size, const F& f) {
  switch (size) {
    case 1: return f(TypeTag<uint8_t>{});
    case 2: return f(TypeTag<uint16_t>{});
    case 4: return f(TypeTag<uint32_t>{});
    case 8: return f(TypeTag<uint64_t>{});
    default: EMBER_FAIL(ErrorKind::Type, "interpolate: unsupported element size ", size, " on CUDA");
  }
}

}  // namespace

void upsample(const Tensor& out, const Tensor& in, const UpsampleParams& p) {
  const int64_t n = p.planes * p.out_h * p.out_w;
  if (n == 0) return;
  const Device device = out.device();
  const int dev = device.index;
  cudaStream_t s = stream_for(device);
  const bool fits = pool_fits_int32(p.planes, p.in_h * p.in_w, p.out_h * p.out_w);
  const auto with_index = [&](auto&& f) {
    if (fits) f(TypeTag<int32_t>{});
    else f(TypeTag<int64_t>{});
  };
  if (p.mode == UpsampleMode::Linear) {
    dispatch_floating(in.dtype(), "interpolate", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using A = opmath_t<T>;
      const HostAxis<A> hh = host_axis<A>(p, p.in_h, p.out_h, p.scale_h);
      const HostAxis<A> hw = host_axis<A>(p, p.in_w, p.out_w, p.scale_w);
      with_index([&](auto itag) {
        using Index = typename decltype(itag)::type;
        const DeviceMaps<A, Index> maps(hh, hw, dev, s, "interpolate");
        linear_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
            static_cast<T*>(out.data_ptr()), static_cast<const T*>(in.data_ptr()), planes_of<Index>(p), maps.h(),
            maps.w());
        EMBER_CUDA_LAUNCH_CHECK("interpolate");
      });
    });
    return;
  }
  dispatch_all(in.dtype(), "interpolate", [](auto) {});
  const HostAxis<float> hh = host_axis<float>(p, p.in_h, p.out_h, p.scale_h);
  const HostAxis<float> hw = host_axis<float>(p, p.in_w, p.out_w, p.scale_w);
  dispatch_size(dtype_size(in.dtype()), [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index([&](auto itag) {
      using Index = typename decltype(itag)::type;
      const DeviceMaps<float, Index> maps(hh, hw, dev, s, "interpolate");
      nearest_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
          static_cast<T*>(out.data_ptr()), static_cast<const T*>(in.data_ptr()), planes_of<Index>(p), maps.h(),
          maps.w());
      EMBER_CUDA_LAUNCH_CHECK("interpolate");
    });
  });
}

void upsample_backward(const Tensor& grad_in, const Tensor& grad_out, const UpsampleParams& p) {
  const int64_t n = p.planes * p.in_h * p.in_w;
  if (n == 0) return;
  const Device device = grad_in.device();
  const int dev = device.index;
  cudaStream_t s = stream_for(device);
  const bool fits = pool_fits_int32(p.planes, p.in_h * p.in_w, p.out_h * p.out_w);
  dispatch_floating(grad_in.dtype(), "interpolate_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const HostAxis<A> hh = host_axis<A>(p, p.in_h, p.out_h, p.scale_h);
    const HostAxis<A> hw = host_axis<A>(p, p.in_w, p.out_w, p.scale_w);
    const auto launch = [&](auto itag) {
      using Index = typename decltype(itag)::type;
      const DeviceMaps<A, Index> maps(hh, hw, dev, s, "interpolate_backward");
      upsample_backward_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
          static_cast<T*>(grad_in.data_ptr()), static_cast<const T*>(grad_out.data_ptr()), planes_of<Index>(p),
          maps.h(), maps.w(), p.mode != UpsampleMode::Linear);
      EMBER_CUDA_LAUNCH_CHECK("interpolate_backward");
    };
    if (fits) launch(TypeTag<int32_t>{});
    else launch(TypeTag<int64_t>{});
  });
}

}  // namespace ember::cuda
