#pragma once
// The pooling kernels (launched by pool/pool.cu). Plain C++ apart from the CUDA built-ins, so
// that they can also be run on the host for checks.
#include <cstdint>
#include <limits>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

namespace ember::cuda::pool_kernels {

constexpr int kThreads = 256;

// The 16-bit floats compare and sum in float.
template <typename T> using acc_t = opmath_t<T>;

template <typename A> __device__ __forceinline__ bool is_nan(A v) { return v != v; }

// NaN wins a max (a later NaN replaces an earlier one), as on the CPU; integers have none.
template <typename A> __device__ __forceinline__ bool max_takes(A v, A best) { return v > best || is_nan(v); }
template <typename A> __host__ __device__ constexpr A max_identity() {
  if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
  else return std::numeric_limits<A>::lowest();
}

// Index-typed copy of Pool2dParams: 32-bit when every element index fits.
template <typename Index>
struct PoolGeom {
  Index planes, in_h, in_w, out_h, out_w, kh, kw, sh, sw, ph, pw, dh, dw, divisor;
  bool count_include_pad;
};
template <typename Index>
PoolGeom<Index> geom(const Pool2dParams& p) {
  PoolGeom<Index> g;
  g.planes = static_cast<Index>(p.planes);
  g.in_h = static_cast<Index>(p.in_h), g.in_w = static_cast<Index>(p.in_w);
  g.out_h = static_cast<Index>(p.out_h), g.out_w = static_cast<Index>(p.out_w);
  g.kh = static_cast<Index>(p.kh), g.kw = static_cast<Index>(p.kw);
  g.sh = static_cast<Index>(p.sh), g.sw = static_cast<Index>(p.sw);
  g.ph = static_cast<Index>(p.ph), g.pw = static_cast<Index>(p.pw);
  g.dh = static_cast<Index>(p.dh), g.dw = static_cast<Index>(p.dw);
  g.divisor = static_cast<Index>(p.divisor);
  g.count_include_pad = p.count_include_pad;
  return g;
}

#define EMBER_GRID_STRIDE(i, n) \
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += static_cast<Index>(blockDim.x) * gridDim.x)

// The first valid tap of a dilated window starting at `start` (which may lie in the padding).
template <typename Index> __device__ __forceinline__ Index first_tap(Index start, Index dilation) {
  if (start >= 0) return start;
  return start + ((-start + dilation - 1) / dilation) * dilation;
}

// ---- max pool -----------------------------------------------------------------------------------
template <typename T, typename Index>
__global__ void max_pool_kernel(T* __restrict__ y, int64_t* __restrict__ ind, const T* __restrict__ x,
                                const PoolGeom<Index> p) {
  using A = acc_t<T>;
  const Index out_plane = p.out_h * p.out_w, n = p.planes * out_plane;
  EMBER_GRID_STRIDE(o, n) {
    const Index c = o / out_plane, r = o - c * out_plane, oh = r / p.out_w, ow = r - oh * p.out_w;
    const T* xp = x + c * (p.in_h * p.in_w);
    const Index h_start = oh * p.sh - p.ph, w_start = ow * p.sw - p.pw;
    const Index h_end = min(h_start + (p.kh - 1) * p.dh + 1, p.in_h);
    const Index w_end = min(w_start + (p.kw - 1) * p.dw + 1, p.in_w);
    const Index h0 = first_tap(h_start, p.dh), w0 = first_tap(w_start, p.dw);
    A best = max_identity<A>();
    Index best_i = h0 * p.in_w + w0;
    for (Index h = h0; h < h_end; h += p.dh)
      for (Index w = w0; w < w_end; w += p.dw) {
        const A v = static_cast<A>(xp[h * p.in_w + w]);
        if (max_takes(v, best)) {
          best = v;
          best_i = h * p.in_w + w;
        }
      }
    y[o] = static_cast<T>(best);
    if (ind) ind[o] = best_i;
  }
}

// Adaptive windows along one dim: [floor(o * in / out), ceil((o + 1) * in / out)).
template <typename Index> __host__ __device__ __forceinline__ Index adaptive_start(Index o, Index out, Index in) {
  return static_cast<Index>((static_cast<int64_t>(o) * in) / out);
}
template <typename Index> __host__ __device__ __forceinline__ Index adaptive_end(Index o, Index out, Index in) {
  return static_cast<Index>(((static_cast<int64_t>(o) + 1) * in + out - 1) / out);
}

template <typename T, typename Index>
__global__ void adaptive_max_kernel(T* __restrict__ y, int64_t* __restrict__ ind, const T* __restrict__ x,
                                    const PoolGeom<Index> p) {
  using A = acc_t<T>;
  const Index out_plane = p.out_h * p.out_w, n = p.planes * out_plane;
  EMBER_GRID_STRIDE(o, n) {
    const Index c = o / out_plane, r = o - c * out_plane, oh = r / p.out_w, ow = r - oh * p.out_w;
    const T* xp = x + c * (p.in_h * p.in_w);
    const Index h0 = adaptive_start(oh, p.out_h, p.in_h), h1 = adaptive_end(oh, p.out_h, p.in_h);
    const Index w0 = adaptive_start(ow, p.out_w, p.in_w), w1 = adaptive_end(ow, p.out_w, p.in_w);
    A best = max_identity<A>();
    Index best_i = h0 * p.in_w + w0;
    for (Index h = h0; h < h1; ++h)
      for (Index w = w0; w < w1; ++w) {
        const A v = static_cast<A>(xp[h * p.in_w + w]);
        if (max_takes(v, best)) {
          best = v;
          best_i = h * p.in_w + w;
        }
      }
    y[o] = static_cast<T>(best);
    if (ind) ind[o] = best_i;
  }
}

// ---- average pool -------------------------------------------------------------------------------
// One window: the clipped bounds and the divisor, as the CPU (and PyTorch) computes them.
template <typename Index>
struct AvgWindow {
  Index h0, h1, w0, w1, divisor;
};
template <typename Index>
__host__ __device__ __forceinline__ AvgWindow<Index> avg_window(const PoolGeom<Index>& p, Index oh, Index ow) {
  Index h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
  Index h1 = min(h0 + p.kh, p.in_h + p.ph), w1 = min(w0 + p.kw, p.in_w + p.pw);
  const Index padded = (h1 - h0) * (w1 - w0);
  h0 = max(h0, Index(0)), w0 = max(w0, Index(0));
  h1 = min(h1, p.in_h), w1 = min(w1, p.in_w);
  const Index divisor = p.divisor != 0 ? p.divisor : p.count_include_pad ? padded : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

template <typename T, typename Index>
__global__ void avg_pool_kernel(T* __restrict__ y, const T* __restrict__ x, const PoolGeom<Index> p) {
  using A = acc_t<T>;
  const Index out_plane = p.out_h * p.out_w, n = p.planes * out_plane;
  EMBER_GRID_STRIDE(o, n) {
    const Index c = o / out_plane, r = o - c * out_plane, oh = r / p.out_w, ow = r - oh * p.out_w;
    const T* xp = x + c * (p.in_h * p.in_w);
    const AvgWindow<Index> wnd = avg_window(p, oh, ow);
    A sum = 0;
    for (Index h = wnd.h0; h < wnd.h1; ++h)
      for (Index w = wnd.w0; w < wnd.w1; ++w) sum += static_cast<A>(xp[h * p.in_w + w]);
    // A window wholly in the padding gives 0, as in PyTorch.
    const bool empty = wnd.h0 >= wnd.h1 || wnd.w0 >= wnd.w1;
    y[o] = static_cast<T>(empty ? A(0) : sum / static_cast<A>(wnd.divisor));
  }
}

// The outputs [lo, hi) along one dim whose (unclipped) window [o * s - pad, o * s - pad + k)
// can hold input coordinate i; each is checked against its exact window by the caller.
template <typename Index>
__host__ __device__ __forceinline__ void window_outputs(Index i, Index s, Index pad, Index k, Index out, Index& lo, Index& hi) {
  const Index t = i + pad;
  lo = t < k ? Index(0) : (t - k) / s + 1;
  hi = min(out, t / s + 1);
}

// Input element e's gradient (host code too, so that it can be checked without a GPU).
template <typename T, typename Index>
__host__ __device__ T avg_pool_backward_at(const T* __restrict__ go, const PoolGeom<Index>& p, Index e) {
  using A = acc_t<T>;
  const Index in_plane = p.in_h * p.in_w;
  const Index c = e / in_plane, r = e - c * in_plane, h = r / p.in_w, w = r - h * p.in_w;
  const T* gp = go + c * (p.out_h * p.out_w);
  Index oh0, oh1, ow0, ow1;
  window_outputs(h, p.sh, p.ph, p.kh, p.out_h, oh0, oh1);
  window_outputs(w, p.sw, p.pw, p.kw, p.out_w, ow0, ow1);
  A acc = 0;
  for (Index oh = oh0; oh < oh1; ++oh)
    for (Index ow = ow0; ow < ow1; ++ow) {
      const AvgWindow<Index> wnd = avg_window(p, oh, ow);
      if (h < wnd.h0 || h >= wnd.h1 || w < wnd.w0 || w >= wnd.w1) continue;
      acc += static_cast<A>(gp[oh * p.out_w + ow]) / static_cast<A>(wnd.divisor);
    }
  return static_cast<T>(acc);
}

template <typename T, typename Index>
__global__ void avg_pool_backward_kernel(T* __restrict__ gi, const T* __restrict__ go, const PoolGeom<Index> p) {
  const Index n = p.planes * p.in_h * p.in_w;
  EMBER_GRID_STRIDE(e, n) gi[e] = avg_pool_backward_at(go, p, e);
}

template <typename T, typename Index>
__global__ void adaptive_avg_kernel(T* __restrict__ y, const T* __restrict__ x, const PoolGeom<Index> p) {
  using A = acc_t<T>;
  const Index out_plane = p.out_h * p.out_w, n = p.planes * out_plane;
  EMBER_GRID_STRIDE(o, n) {
    const Index c = o / out_plane, r = o - c * out_plane, oh = r / p.out_w, ow = r - oh * p.out_w;
    const T* xp = x + c * (p.in_h * p.in_w);
    const Index h0 = adaptive_start(oh, p.out_h, p.in_h), h1 = adaptive_end(oh, p.out_h, p.in_h);
    const Index w0 = adaptive_start(ow, p.out_w, p.in_w), w1 = adaptive_end(ow, p.out_w, p.in_w);
    A sum = 0;
    for (Index h = h0; h < h1; ++h)
      for (Index w = w0; w < w1; ++w) sum += static_cast<A>(xp[h * p.in_w + w]);
    y[o] = static_cast<T>(sum / static_cast<A>((h1 - h0) * (w1 - w0)));
  }
}

// The adaptive outputs along one dim whose window holds input i:
// [floor(i * out / in), ceil((i + 1) * out / in)), clipped to [0, out).
template <typename Index>
__host__ __device__ __forceinline__ void adaptive_outputs(Index i, Index in, Index out, Index& lo, Index& hi) {
  lo = static_cast<Index>((static_cast<int64_t>(i) * out) / in);
  const int64_t end = ((static_cast<int64_t>(i) + 1) * out + in - 1) / in;
  hi = static_cast<Index>(end < out ? end : static_cast<int64_t>(out));
}

template <typename T, typename Index>
__host__ __device__ T adaptive_avg_backward_at(const T* __restrict__ go, const PoolGeom<Index>& p, Index e) {
  using A = acc_t<T>;
  const Index in_plane = p.in_h * p.in_w;
  const Index c = e / in_plane, r = e - c * in_plane, h = r / p.in_w, w = r - h * p.in_w;
  const T* gp = go + c * (p.out_h * p.out_w);
  Index oh0, oh1, ow0, ow1;
  adaptive_outputs(h, p.in_h, p.out_h, oh0, oh1);
  adaptive_outputs(w, p.in_w, p.out_w, ow0, ow1);
  A acc = 0;
  for (Index oh = oh0; oh < oh1; ++oh) {
    const Index h0 = adaptive_start(oh, p.out_h, p.in_h), h1 = adaptive_end(oh, p.out_h, p.in_h);
    if (h < h0 || h >= h1) continue;
    for (Index ow = ow0; ow < ow1; ++ow) {
      const Index w0 = adaptive_start(ow, p.out_w, p.in_w), w1 = adaptive_end(ow, p.out_w, p.in_w);
      if (w < w0 || w >= w1) continue;
      acc += static_cast<A>(gp[oh * p.out_w + ow]) / static_cast<A>((h1 - h0) * (w1 - w0));
    }
  }
  return static_cast<T>(acc);
}

template <typename T, typename Index>
__global__ void adaptive_avg_backward_kernel(T* __restrict__ gi, const T* __restrict__ go, const PoolGeom<Index> p) {
  const Index n = p.planes * p.in_h * p.in_w;
  EMBER_GRID_STRIDE(e, n) gi[e] = adaptive_avg_backward_at(go, p, e);
}

// ---- max-pool backward: grad_in[plane][indices[o]] += grad_out[o] --------------------------------
// Keys plane * in_plane + index, values o: after a stable sort by key, each input element's run
// holds its outputs in increasing order, the order the CPU adds them in. An index outside the
// plane gets the key `total_in` (past every real one) and is reported.
static __global__ void scatter_keys_kernel(uint64_t* __restrict__ keys, int64_t* __restrict__ vals,
                                           const int64_t* __restrict__ ind, int64_t n, int64_t out_plane,
                                           int64_t in_plane, unsigned long long* __restrict__ bad) {
  for (int64_t o = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; o < n;
       o += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t i = ind[o], c = o / out_plane;
    if (i < 0 || i >= in_plane) {
      bad[0] = 1;
      bad[1] = static_cast<unsigned long long>(i);
      keys[o] = static_cast<uint64_t>(n / out_plane * in_plane);
    } else {
      keys[o] = static_cast<uint64_t>(c * in_plane + i);
    }
    vals[o] = o;
  }
}

template <typename T>
__global__ void scatter_gather_kernel(T* __restrict__ gi, const T* __restrict__ go, const uint64_t* __restrict__ keys,
                                      const int64_t* __restrict__ vals, int64_t n_keys, int64_t n_in) {
  using A = acc_t<T>;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < n_in;
       e += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const uint64_t want = static_cast<uint64_t>(e);
    int64_t lo = 0, hi = n_keys;  // the first key >= want
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (keys[mid] < want) lo = mid + 1;
      else hi = mid;
    }
    A acc = 0;
    for (int64_t j = lo; j < n_keys && keys[j] == want; ++j) acc += static_cast<A>(go[vals[j]]);
    gi[e] = static_cast<T>(acc);
  }
}

#undef EMBER_GRID_STRIDE

}  // namespace ember::cuda::pool_kernels
