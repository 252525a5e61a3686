#pragma once
// The launcher of the CUDA elementwise kernels. A kernel is a device functor on storage types
// (the ops' math comes from the CPU's scalar functors, wrapped by the adapters below) run by
// one of two grid-stride kernels:
//   - flat: every operand a dense array over a 1-D space, or one broadcast value (a CPU number
//     passed by value, or a stride-0 device operand): 16-byte vector loads and stores when
//     every dense pointer is aligned to its vector;
//   - strided: any other iteration, through the iterator's merged dims (sizes and byte
//     strides), dividing the linear index by magic-number multiplication.
// Both index with 32 bits: an iteration whose index or byte offsets would not fit is split on
// the host, along its outermost dim, into pieces that do (as PyTorch's with_32bit_indexing),
// so each op and dtype compiles two kernels, not four.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "dispatch/dispatch.h"
#include "ember/half.h"
#include "iter/tensor_iter.h"
#include "runtime/runtime.h"

namespace ember::cuda::ew {

constexpr int kThreads = 128;
constexpr int kMaxDims = TensorIter::kMaxDims;

// ---- storage <-> compute (the 16-bit floats compute in float) ----
// The 16-bit conversions are the hardware's: round to nearest even with subnormals and
// overflow to inf, bit for bit what ember/half.h (and the CPU loops) compute, but in one
// instruction instead of a dozen; only a NaN's payload may differ (it stays a NaN).
template <typename T> __device__ __forceinline__ opmath_t<T> get(T v) { return v; }
__device__ __forceinline__ float get(Half v) { return __half2float(__ushort_as_half(v.bits)); }
__device__ __forceinline__ float get(BFloat16 v) { return __bfloat162float(__ushort_as_bfloat16(v.bits)); }
template <typename Out, typename V> __device__ __forceinline__ Out put(V v) {
  if constexpr (std::is_same_v<Out, Half>) {
    return Half::from_bits(__half_as_ushort(__float2half_rn(v)));
  } else if constexpr (std::is_same_v<Out, BFloat16>) {
    return BFloat16::from_bits(__bfloat16_as_ushort(__float2bfloat16_rn(v)));
  } else {
    return static_cast<Out>(v);
  }
}

// Adapters from a scalar functor on the compute type to a kernel functor on storage types.
template <typename Out, typename In, typename F> struct UnaryMath {
  F f;
  __device__ __forceinline__ Out operator()(In a) const { return put<Out>(f(get(a))); }
};
template <typename Out, typename In, typename F> struct BinaryMath {
  F f;
  __device__ __forceinline__ Out operator()(In a, In b) const { return put<Out>(f(get(a), get(b))); }
};
template <typename Out, typename In0, typename In, typename F> struct TernaryMath {
  F f;
  __device__ __forceinline__ Out operator()(In0 x, In a, In b) const { return put<Out>(f(get(x), get(a), get(b))); }
};

// ---- unsigned 32-bit division by an invariant divisor: (mulhi(n, m) + n) >> s ----
// Exact for n, d < 2^31 (Granlund and Montgomery, "Division by invariant integers using
// multiplication", 1994), which the 32-bit pieces guarantee.
struct FastDivider {
  uint32_t d = 1, m = 1, s = 0;
  FastDivider() = default;
  explicit FastDivider(uint32_t divisor) : d(divisor) {
    s = 0;
    while (s < 32 && (uint64_t{1} << s) < divisor) ++s;
    m = static_cast<uint32_t>(((uint64_t{1} << 32) * ((uint64_t{1} << s) - divisor)) / divisor + 1);
  }
  __device__ __forceinline__ uint32_t div(uint32_t n) const { return (__umulhi(n, m) + n) >> s; }
};

// ---- the kernel argument: a piece of the iteration with 32-bit sizes and strides ----
template <int N>
struct Desc {
  int ndim = 0;
  FastDivider sizes[kMaxDims];       // innermost first
  int32_t strides[kMaxDims][N];      // bytes
  char* data[N];                     // null: the operand's value is in `scalar`
  alignas(8) unsigned char scalar[N][8];

  __device__ __forceinline__ void offsets(uint32_t i, int32_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    // The outermost dim needs no division: what is left of i is its coordinate.
    for (int d = 0; d + 1 < ndim; ++d) {
      const uint32_t q = sizes[d].div(i);
      const int32_t r = static_cast<int32_t>(i - q * sizes[d].d);
      i = q;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * strides[d][k];
    }
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] += static_cast<int32_t>(i) * strides[ndim - 1][k];
  }
  template <typename T> __device__ __forceinline__ T load(int k, int32_t off) const {
    if (data[k] == nullptr) return *reinterpret_cast<const T*>(scalar[k]);
    return *reinterpret_cast<const T*>(data[k] + off);
  }
  // Element i of a flat operand: dense, or one value broadcast (by value or stride 0).
  template <typename T> __device__ __forceinline__ T load_flat(int k, uint32_t i) const {
    if (data[k] == nullptr) return *reinterpret_cast<const T*>(scalar[k]);
    if (strides[0][k] == 0) return *reinterpret_cast<const T*>(data[k]);
    return reinterpret_cast<const T*>(data[k])[i];
  }
};

template <typename T, int V> struct alignas(sizeof(T) * V) Pack { T v[V]; };

// Elements per thread and step on the flat path: the widest operand moves 16 bytes.
template <typename Out, typename In0, typename In, int NIN>
constexpr int vec_size() {
  size_t m = sizeof(Out) > sizeof(In0) ? sizeof(Out) : sizeof(In0);
  if (NIN > 1 && sizeof(In) > m) m = sizeof(In);
  return static_cast<int>(16 / m);
}

template <int V, typename T, int N>
__device__ __forceinline__ void load_pack(const Desc<N>& d, int k, uint32_t v, T (&out)[V]) {
  if (d.data[k] == nullptr || d.strides[0][k] == 0) {
    const T x = d.template load_flat<T>(k, 0);
#pragma unroll
    for (int j = 0; j < V; ++j) out[j] = x;
  } else {
    const Pack<T, V> p = reinterpret_cast<const Pack<T, V>*>(d.data[k])[v];
#pragma unroll
    for (int j = 0; j < V; ++j) out[j] = p.v[j];
  }
}

template <typename Out, typename In0, typename In, int NIN, typename F>
__global__ void __launch_bounds__(kThreads) flat_kernel(const __grid_constant__ Desc<NIN + 1> d, uint32_t n, F f) {
  constexpr int V = vec_size<Out, In0, In, NIN>();
  const uint32_t step = gridDim.x * kThreads;
  const uint32_t first = blockIdx.x * kThreads + threadIdx.x;
  const uint32_t packs = n / V;
  for (uint32_t v = first; v < packs; v += step) {
    In0 a[V];
    In b[V], c[V];
    load_pack<V>(d, 1, v, a);
    if constexpr (NIN > 1) load_pack<V>(d, 2, v, b);
    if constexpr (NIN > 2) load_pack<V>(d, 3, v, c);
    Pack<Out, V> r;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      if constexpr (NIN == 1) r.v[j] = f(a[j]);
      else if constexpr (NIN == 2) r.v[j] = f(a[j], b[j]);
      else r.v[j] = f(a[j], b[j], c[j]);
    }
    reinterpret_cast<Pack<Out, V>*>(d.data[0])[v] = r;
  }
  for (uint32_t i = packs * V + first; i < n; i += step) {  // the tail, fewer than V elements
    const In0 a = d.template load_flat<In0>(1, i);
    Out r;
    if constexpr (NIN == 1) r = f(a);
    else if constexpr (NIN == 2) r = f(a, d.template load_flat<In>(2, i));
    else r = f(a, d.template load_flat<In>(2, i), d.template load_flat<In>(3, i));
    reinterpret_cast<Out*>(d.data[0])[i] = r;
  }
}

template <typename Out, typename In0, typename In, int NIN, typename F>
__global__ void __launch_bounds__(kThreads) strided_kernel(const __grid_constant__ Desc<NIN + 1> d, uint32_t n, F f) {
  constexpr int N = NIN + 1;
  const uint32_t step = gridDim.x * kThreads;
  for (uint32_t i = blockIdx.x * kThreads + threadIdx.x; i < n; i += step) {
    int32_t off[N];
    d.offsets(i, off);
    const In0 a = d.template load<In0>(1, off[1]);
    Out r;
    if constexpr (NIN == 1) r = f(a);
    else if constexpr (NIN == 2) r = f(a, d.template load<In>(2, off[2]));
    else r = f(a, d.template load<In>(2, off[2]), d.template load<In>(3, off[3]));
    *reinterpret_cast<Out*>(d.data[0] + off[0]) = r;
  }
}

// ---- host: the iteration with 64-bit sizes, split into 32-bit pieces ----
template <int N>
struct Geometry {
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[kMaxDims][N] = {};
  char* data[N] = {};  // null for operands passed by value
  alignas(8) unsigned char scalar[N][8] = {};
  int elem_size[N] = {};
  int device = 0;

  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < ndim; ++d) n *= sizes[d];
    return n;
  }
  // Swaps inputs a and b (gt(x, y) runs lt on (y, x)).
  void swap_operands(int a, int b) {
    for (int d = 0; d < ndim; ++d) std::swap(strides[d][a], strides[d][b]);
    std::swap(data[a], data[b]);
    for (int j = 0; j < 8; ++j) std::swap(scalar[a][j], scalar[b][j]);
    std::swap(elem_size[a], elem_size[b]);
  }
  // Makes input k the value `bits` (elem_size bytes) passed by value.
  void set_scalar(int k, const void* bits, int size) {
    data[k] = nullptr;
    std::memset(scalar[k], 0, 8);
    std::memcpy(scalar[k], bits, size);
    elem_size[k] = size;
    for (int d = 0; d < ndim; ++d) strides[d][k] = 0;
  }
};

// The iteration of `iter` (N == iter.ntensors()). A 0-dim space becomes one element of a 1-D
// one, so that every piece has at least one dim.
template <int N>
Geometry<N> make_geometry(const TensorIter& iter) {
  Geometry<N> g;
  g.device = iter.device().index;
  g.ndim = iter.ndim();
  for (int d = 0; d < g.ndim; ++d) {
    g.sizes[d] = iter.size(d);
    for (int k = 0; k < N; ++k) g.strides[d][k] = iter.stride(k, d);
  }
  if (g.ndim == 0) {
    g.ndim = 1;
    g.sizes[0] = 1;
    for (int k = 0; k < N; ++k) g.strides[0][k] = 0;
  }
  for (int k = 0; k < N; ++k) {
    g.elem_size[k] = static_cast<int>(dtype_size(iter.dtype(k)));
    if (iter.is_cpu_scalar(k)) {
      g.set_scalar(k, iter.data(k), g.elem_size[k]);
    } else {
      g.data[k] = iter.data(k);
    }
  }
  return g;
}

template <int N>
bool fits_32bit(const Geometry<N>& g) {
  constexpr int64_t kMax = INT32_MAX;
  if (g.numel() > kMax) return false;
  for (int k = 0; k < N; ++k) {
    int64_t span = 0;
    for (int d = 0; d < g.ndim; ++d) {
      const int64_t s = g.strides[d][k];
      span += (g.sizes[d] - 1) * (s < 0 ? -s : s);
    }
    if (span + 16 > kMax) return false;
  }
  return true;
}

// Calls fn(piece) for pieces of g that fit 32-bit indexing: halves of the outermost dim (cut at
// a multiple of 64 elements, which keeps flat pieces aligned), recursively.
template <int N, typename Fn>
void for_each_32bit(const Geometry<N>& g, const Fn& fn) {
  if (g.numel() == 0) return;
  if (fits_32bit(g)) return fn(g);
  const int d = g.ndim - 1;
  if (g.sizes[d] == 1 && g.ndim > 1) {
    Geometry<N> h = g;
    h.ndim -= 1;
    return for_each_32bit(h, fn);
  }
  const int64_t size = g.sizes[d];
  int64_t cut = size / 2;
  if (cut >= 64) cut -= cut % 64;
  Geometry<N> lo = g, hi = g;
  lo.sizes[d] = cut;
  hi.sizes[d] = size - cut;
  for (int k = 0; k < N; ++k)
    if (hi.data[k] != nullptr) hi.data[k] += cut * g.strides[d][k];
  for_each_32bit(lo, fn);
  for_each_32bit(hi, fn);
}

template <int N>
Desc<N> make_desc(const Geometry<N>& g) {
  Desc<N> d;
  d.ndim = g.ndim;
  for (int i = 0; i < g.ndim; ++i) {
    d.sizes[i] = FastDivider(static_cast<uint32_t>(g.sizes[i]));
    for (int k = 0; k < N; ++k) d.strides[i][k] = static_cast<int32_t>(g.strides[i][k]);
  }
  for (int k = 0; k < N; ++k) {
    d.data[k] = g.data[k];
    std::memcpy(d.scalar[k], g.scalar[k], 8);
  }
  return d;
}

// True when the piece can take the flat kernel with `vec` elements per pack: one dim, every
// operand dense or broadcast (inputs only), every dense pointer aligned to its pack.
template <int N>
bool flat_and_aligned(const Geometry<N>& g, int vec) {
  if (g.ndim != 1) return false;
  for (int k = 0; k < N; ++k) {
    if (g.data[k] == nullptr) continue;
    const int64_t s = g.strides[0][k];
    if (s == 0 && k > 0) continue;
    if (s != g.elem_size[k] && g.sizes[0] > 1) return false;
    if (reinterpret_cast<uintptr_t>(g.data[k]) % (static_cast<uintptr_t>(g.elem_size[k]) * vec) != 0) return false;
  }
  return true;
}

// Runs f over the geometry: out (operand 0) = f(inputs...), with storage types Out, In0 (input
// 1) and In (inputs 2 and 3); NIN inputs.
template <typename Out, typename In0, typename In, int NIN, typename F>
void launch(const Geometry<NIN + 1>& geometry, const F& f, const char* name) {
  constexpr int N = NIN + 1;
  constexpr int V = vec_size<Out, In0, In, NIN>();
  cudaStream_t stream = stream_for(geometry.device);
  for_each_32bit(geometry, [&](const Geometry<N>& g) {
    // An output of one element written with stride 0 is still one dense element.
    Geometry<N> p = g;
    if (p.ndim == 1 && p.sizes[0] == 1) p.strides[0][0] = p.elem_size[0];
    const Desc<N> desc = make_desc(p);
    const int64_t n = p.numel();
    if (flat_and_aligned(p, V)) {
      const unsigned grid = grid_for((n + V - 1) / V, kThreads, geometry.device);
      flat_kernel<Out, In0, In, NIN><<<grid, kThreads, 0, stream>>>(desc, static_cast<uint32_t>(n), f);
    } else {
      const unsigned grid = grid_for(n, kThreads, geometry.device);
      strided_kernel<Out, In0, In, NIN><<<grid, kThreads, 0, stream>>>(desc, static_cast<uint32_t>(n), f);
    }
    EMBER_CUDA_LAUNCH_CHECK(name);
  });
}

template <typename Out, typename In0, typename In, int NIN, typename F>
void launch(const TensorIter& iter, const F& f, const char* name) {
  if (iter.numel() == 0) return;
  launch<Out, In0, In, NIN>(make_geometry<NIN + 1>(iter), f, name);
}

}  // namespace ember::cuda::ew
