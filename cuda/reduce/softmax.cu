// CUDA softmax / log_softmax along one dim. The tensor is a set of lines along the dim (an
// elementwise iterator over the other dims gives each line's base), and each line needs its
// max m and s = sum exp(x - m); then y = exp(x - m) / s or (x - m) - log(s). Three layouts:
//   warp:    lines of up to 1024 elements, a warp each; the line is read once into registers
//            (32 per lane), reduced with shuffles, and written from the registers.
//   block:   longer lines, a block each: one reading pass keeps an online (max, sum) per
//            thread (the sum rescaled when the max grows), the block combines them, and a
//            second pass writes.
//   columns: the dim is not the innermost and there are many lines: a thread per line (a warp
//            reads neighbouring lines' elements), online as well.
// As on the CPU, a line whose max is infinite (all -inf, or holding +inf) or that holds NaN
// gives NaN everywhere. Sums run in the arithmetic type (float32 for float32 and the 16-bit
// floats).
#include "device/iter.cuh"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "reduce/common.cuh"
#include "reduce/register.h"
#include "runtime/check.h"
#include "runtime/runtime.h"

namespace ember::cuda {
namespace {
using red::kWarp;

struct LineGeom {
  int64_t lines, len, ods, ids;  // strides in bytes
};

// exp(a - b), with exp(-inf - -inf) taken as 1 (a == b), so that the state of lanes that saw
// only -inf (or nothing) combines without producing NaN.
template <typename V>
__device__ __forceinline__ V rescale(V a, V b) {
  return a == b ? V(1) : red::dexp(a - b);
}

template <typename V>
struct Online {
  V m, s;
  __device__ void add(V x) {
    if (x > m) {
      s = s * rescale(m, x) + V(1);
      m = x;
    } else if (x != x) {
      m = x;
    } else {
      s += rescale(x, m);
    }
  }
  __device__ void merge(const Online& o) {
    const V nm = (o.m > m || o.m != o.m) ? o.m : m;
    s = s * rescale(m, nm) + o.s * rescale(o.m, nm);
    m = nm;
  }
  // The scale of the output pass: log(s) or 1 / s; NaN when the max is infinite, as the CPU's
  // sum exp(x - m) is then NaN too (inf - inf).
  __device__ V scale(bool log) const {
    const V ss = isinf(m) ? V(NAN) : s;
    return log ? red::dlog(ss) : V(1) / ss;
  }
};

template <typename T, typename V>
__device__ __forceinline__ T finish(V x, V m, V scale, bool log) {
  const V d = x - m;
  return static_cast<T>(log ? d - scale : red::dexp(d) * scale);
}

constexpr int kPerLane = 32;  // warp layout: up to 32 * 32 = 1024 elements per line

template <typename T>
__global__ void __launch_bounds__(256)
    softmax_warp(const __grid_constant__ IterDesc<2, int64_t> d, const LineGeom g, const bool log) {
  using V = opmath_t<T>;
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / kWarp);
  const int len = static_cast<int>(g.len);
  for (int64_t line = static_cast<int64_t>(blockIdx.x) * (blockDim.x / kWarp) + threadIdx.x / kWarp; line < g.lines;
       line += warps) {
    int64_t off[2];
    d.offsets(line, off);
    const char* x = d.data[1] + off[1];
    char* y = d.data[0] + off[0];
    V v[kPerLane];
    V m = -INFINITY;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int i = k * kWarp + lane;
      v[k] = i < len ? red::opval(red::load<T>(x + i * g.ids)) : V(-INFINITY);
      if (i < len) m = (v[k] > m || v[k] != v[k]) ? v[k] : m;
    }
    for (int o = kWarp / 2; o > 0; o >>= 1) {
      const V b = __shfl_xor_sync(red::kFullMask, m, o);
      m = (b > m || b != b) ? b : m;
    }
    V s = 0;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k)
      if (k * kWarp + lane < len) s += red::dexp(v[k] - m);
    for (int o = kWarp / 2; o > 0; o >>= 1) s += __shfl_xor_sync(red::kFullMask, s, o);
    const V scale = log ? red::dlog(s) : V(1) / s;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int i = k * kWarp + lane;
      if (i < len) *reinterpret_cast<T*>(y + i * g.ods) = finish<T>(v[k], m, scale, log);
    }
  }
}

template <typename T>
__global__ void __launch_bounds__(1024)
    softmax_block(const __grid_constant__ IterDesc<2, int64_t> d, const LineGeom g, const bool log) {
  using V = opmath_t<T>;
  __shared__ Online<V> smem[kWarp];
  for (int64_t line = blockIdx.x; line < g.lines; line += gridDim.x) {
    int64_t off[2];
    d.offsets(line, off);
    const char* x = d.data[1] + off[1];
    char* y = d.data[0] + off[0];
    Online<V> st{V(-INFINITY), V(0)};
    for (int64_t i = threadIdx.x; i < g.len; i += blockDim.x) st.add(red::opval(red::load<T>(x + i * g.ids)));
    st = red::block_combine(st, smem, [](Online<V>& a, const Online<V>& b) { a.merge(b); });
    const V scale = st.scale(log);
    for (int64_t i = threadIdx.x; i < g.len; i += blockDim.x)
      *reinterpret_cast<T*>(y + i * g.ods) = finish<T>(red::opval(red::load<T>(x + i * g.ids)), st.m, scale, log);
  }
}

template <typename T>
__global__ void softmax_columns(const __grid_constant__ IterDesc<2, int64_t> d, const LineGeom g, const bool log) {
  using V = opmath_t<T>;
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < g.lines;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t off[2];
    d.offsets(j, off);
    const char* x = d.data[1] + off[1];
    char* y = d.data[0] + off[0];
    Online<V> st{V(-INFINITY), V(0)};
    for (int64_t i = 0; i < g.len; ++i) st.add(red::opval(red::load<T>(x + i * g.ids)));
    const V scale = st.scale(log);
    for (int64_t i = 0; i < g.len; ++i)
      *reinterpret_cast<T*>(y + i * g.ods) = finish<T>(red::opval(red::load<T>(x + i * g.ids)), st.m, scale, log);
  }
}

template <typename T>
void softmax_typed(const Tensor& out, const Tensor& in, int64_t dim, bool log, const char* name) {
  constexpr int64_t es = sizeof(T);
  LineGeom g;
  g.len = in.size(dim);
  g.ods = out.stride(dim) * es;
  g.ids = in.stride(dim) * es;
  const Tensor out0 = out.select(dim, 0), in0 = in.select(dim, 0);
  const TensorIter iter = TensorIter::elementwise(out0, {in0});
  g.lines = iter.numel();
  if (g.lines == 0 || g.len == 0) return;
  const int dev = out.device().index;
  cudaStream_t stream = stream_for(out.device());
  const IterDesc<2, int64_t> d = make_iter_desc<2, int64_t>(iter);
  const bool neighbours = iter.stride(1, 0) == es && g.ids != es;
  if (neighbours && g.lines >= 4096) {
    softmax_columns<T><<<grid_for(g.lines, 256, dev), 256, 0, stream>>>(d, g, log);
  } else if (g.len <= kPerLane * kWarp) {
    softmax_warp<T><<<grid_for(g.lines, 256 / kWarp, dev), 256, 0, stream>>>(d, g, log);
  } else {
    const int threads = std::max(128, red::pow2_at_least((g.len + 7) / 8, 1024));
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(g.lines, sm_count(dev) * 32));
    softmax_block<T><<<blocks, threads, 0, stream>>>(d, g, log);
  }
  EMBER_CUDA_LAUNCH_CHECK(name);
}

void cuda_softmax(const Tensor& out, const Tensor& in, int64_t dim, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  dispatch_floating(in.dtype(), name, [&](auto tag) { softmax_typed<typename decltype(tag)::type>(out, in, dim, log, name); });
}
}  // namespace

void register_softmax_kernels_cuda() { softmax_kernel.set(DeviceType::CUDA, cuda_softmax); }

}  // namespace ember::cuda
