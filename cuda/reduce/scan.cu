// CUDA cumsum / cumprod along one dim. The tensor is a set of lines along the dim; an
// elementwise iterator over the other dims (the dim selected at 0) gives each line's base.
//   columns:  the lines are neighbours in memory (the dim is not the innermost): a thread per
//             line scans it sequentially, so a warp reads neighbouring elements (and the order
//             of the additions is the CPU's).
//   segments: otherwise a warp scans a segment of a line 32 elements at a time (a shuffle scan
//             plus a carry); long lines are split into segments whose totals are computed first
//             (one kernel), and each segment starts from the fold of the earlier totals of its
//             line. Deterministic.
// Floats accumulate in float64 and int64 wraps, as on the CPU. Per-line offsets are computed
// once per line, so 64-bit indexing costs little here and one index type serves every size.
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

template <typename T>
struct ScanOps {
  static constexpr bool kFloat = red::is_float_v<T>;
  using acc_t = std::conditional_t<kFloat, double, uint64_t>;
  __device__ static acc_t value(T x) {
    if constexpr (kFloat) return static_cast<double>(red::opval(x));
    else return static_cast<uint64_t>(x);
  }
  __device__ static acc_t step(acc_t a, acc_t b, bool prod) { return prod ? a * b : a + b; }
  __device__ static T result(acc_t a) {
    if constexpr (kFloat) return static_cast<T>(a);
    else return static_cast<T>(a);
  }
};

struct LineGeom {
  int64_t lines, len, ods, ids;  // strides in bytes
};

template <typename T>
__global__ void scan_columns(const __grid_constant__ IterDesc<2, int64_t> d, const LineGeom g, const bool prod) {
  using S = ScanOps<T>;
  using A = typename S::acc_t;
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < g.lines;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t off[2];
    d.offsets(j, off);
    char* y = d.data[0] + off[0];
    const char* x = d.data[1] + off[1];
    A acc = prod ? A(1) : A(0);
    for (int64_t i = 0; i < g.len; ++i) {
      acc = S::step(acc, S::value(red::load<T>(x + i * g.ids)), prod);
      *reinterpret_cast<T*>(y + i * g.ods) = S::result(acc);
    }
  }
}

// Segment s of a line: [part * seg, min(len, (part + 1) * seg)).
struct SegGeom {
  int64_t seg, per_line, count;
};

template <typename A>
__device__ __forceinline__ A warp_fold(A v, bool prod) {
  for (int m = kWarp / 2; m > 0; m >>= 1) {
    const A o = __shfl_xor_sync(red::kFullMask, v, m);
    v = prod ? v * o : v + o;
  }
  return v;
}

// The total of every segment (only launched when lines have several segments).
template <typename T>
__global__ void scan_totals(const __grid_constant__ IterDesc<2, int64_t> d, const LineGeom g, const SegGeom sg,
                            typename ScanOps<T>::acc_t* totals, const bool prod) {
  using S = ScanOps<T>;
  using A = typename S::acc_t;
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / kWarp);
  for (int64_t s = static_cast<int64_t>(blockIdx.x) * (blockDim.x / kWarp) + threadIdx.x / kWarp; s < sg.count;
       s += warps) {
    const int64_t line = s / sg.per_line, part = s % sg.per_line;
    int64_t off[2];
    d.offsets(line, off);
    const char* x = d.data[1] + off[1];
    const int64_t lo = part * sg.seg, hi = lo + sg.seg < g.len ? lo + sg.seg : g.len;
    A acc = prod ? A(1) : A(0);
    for (int64_t i = lo + lane; i < hi; i += kWarp) acc = S::step(acc, S::value(red::load<T>(x + i * g.ids)), prod);
    acc = warp_fold(acc, prod);
    if (lane == 0) totals[s] = acc;
  }
}

template <typename T>
__global__ void scan_segments(const __grid_constant__ IterDesc<2, int64_t> d, const LineGeom g, const SegGeom sg,
                              const typename ScanOps<T>::acc_t* totals, const bool prod) {
  using S = ScanOps<T>;
  using A = typename S::acc_t;
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / kWarp);
  for (int64_t s = static_cast<int64_t>(blockIdx.x) * (blockDim.x / kWarp) + threadIdx.x / kWarp; s < sg.count;
       s += warps) {
    const int64_t line = s / sg.per_line, part = s % sg.per_line;
    int64_t off[2];
    d.offsets(line, off);
    char* y = d.data[0] + off[0];
    const char* x = d.data[1] + off[1];
    // The carry into this segment: the fold of the totals of the line's earlier segments.
    A carry = prod ? A(1) : A(0);
    if (part > 0) {
      for (int64_t k = lane; k < part; k += kWarp) carry = S::step(carry, totals[line * sg.per_line + k], prod);
      carry = warp_fold(carry, prod);
    }
    const int64_t lo = part * sg.seg, hi = lo + sg.seg < g.len ? lo + sg.seg : g.len;
    for (int64_t i0 = lo; i0 < hi; i0 += kWarp) {
      const int64_t i = i0 + lane;
      A v = prod ? A(1) : A(0);
      if (i < hi) v = S::value(red::load<T>(x + i * g.ids));
      for (int m = 1; m < kWarp; m <<= 1) {  // inclusive scan over the warp
        const A o = __shfl_up_sync(red::kFullMask, v, m);
        if (lane >= m) v = S::step(o, v, prod);
      }
      v = S::step(carry, v, prod);
      if (i < hi) *reinterpret_cast<T*>(y + i * g.ods) = S::result(v);
      carry = __shfl_sync(red::kFullMask, v, kWarp - 1);
    }
  }
}

template <typename T>
void scan_typed(const Tensor& out, const Tensor& in, int64_t dim, bool prod, const char* name) {
  using A = typename ScanOps<T>::acc_t;
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
  const int64_t sms = sm_count(dev);
  const bool neighbours = iter.stride(1, 0) == es && g.ids != es;
  if (neighbours && g.lines >= 4096) {
    scan_columns<T><<<grid_for(g.lines, 256, dev), 256, 0, stream>>>(d, g, prod);
    EMBER_CUDA_LAUNCH_CHECK(name);
    return;
  }
  // Enough segments to give every SM a few dozen warps, each at least 512 elements long.
  const int64_t target = sms * 64;
  const int64_t most = (g.len + 511) / 512;
  const int64_t want = (target + g.lines - 1) / g.lines;
  SegGeom sg;
  sg.per_line = std::max<int64_t>(1, std::min(most, want));
  sg.seg = ((g.len + sg.per_line - 1) / sg.per_line + kWarp - 1) / kWarp * kWarp;
  sg.per_line = (g.len + sg.seg - 1) / sg.seg;
  sg.count = g.lines * sg.per_line;
  const unsigned blocks = grid_for(sg.count, 256 / kWarp, dev);
  if (sg.per_line == 1) {
    scan_segments<T><<<blocks, 256, 0, stream>>>(d, g, sg, nullptr, prod);
    EMBER_CUDA_LAUNCH_CHECK(name);
    return;
  }
  Workspace ws(static_cast<size_t>(sg.count) * sizeof(A), dev);
  scan_totals<T><<<blocks, 256, 0, stream>>>(d, g, sg, ws.as<A>(), prod);
  EMBER_CUDA_LAUNCH_CHECK(name);
  scan_segments<T><<<blocks, 256, 0, stream>>>(d, g, sg, ws.as<A>(), prod);
  EMBER_CUDA_LAUNCH_CHECK(name);
}

void cuda_scan(const Tensor& out, const Tensor& in, int64_t dim, ScanOp op) {
  const bool prod = op == ScanOp::Prod;
  const char* name = prod ? "cumprod" : "cumsum";
  if (in.dtype() == kInt64) return scan_typed<int64_t>(out, in, dim, prod, name);
  dispatch_floating(in.dtype(), name, [&](auto tag) { scan_typed<typename decltype(tag)::type>(out, in, dim, prod, name); });
}
}  // namespace

void register_scan_kernels_cuda() { scan_kernel.set(DeviceType::CUDA, cuda_scan); }

}  // namespace ember::cuda
