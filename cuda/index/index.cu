// CUDA kernels of advanced indexing: index values to byte offsets (with the range check), the
// gather/put loop over those offsets, gather/scatter along a dim, and nonzero.
//
// Determinism: gathers give every (element, index position) pair its own thread, since each
// writes its own element. Puts and scatters give a thread one element of the iterator, and it
// walks the index positions in order, so the last of repeated indices wins and accumulations add
// in index order, as on the CPU; no two threads ever write one element (the contract's
// guarantee), so no atomics are needed.
#include <climits>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "device/iter.cuh"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "ember/half.h"
#include "ember/ops.h"
#include "runtime/runtime.h"
#include "sort/radix.h"

namespace ember::cuda {

namespace {

constexpr int kThreads = 256;

// ---- the out-of-range flag: one offending value, copied back after the kernel ----------------------
struct BadFlag {
  int found;
  int pad;
  long long value;
};

__device__ __forceinline__ void report_bad(BadFlag* flag, int64_t v) {
  if (atomicCAS(&flag->found, 0, 1) == 0) flag->value = static_cast<long long>(v);
}

// Reads the flag back (a sync: the caller needs the answer on the host).
bool read_flag(const Workspace& ws, cudaStream_t s, int64_t* bad, const char* op) {
  BadFlag h{};
  EMBER_CUDA_CHECK(cudaMemcpyAsync(&h, ws.get(), sizeof(BadFlag), cudaMemcpyDeviceToHost, s), op);
  EMBER_CUDA_CHECK(cudaStreamSynchronize(s), op);
  if (h.found) *bad = h.value;
  return h.found == 0;
}

template <typename F> void dispatch_index_dtype(DType dtype, const char* op, const F& f) {
  if (dtype == kInt64) f(int64_t{});
  else if (dtype == kInt32) f(int32_t{});
  else EMBER_FAIL(ErrorKind::Type, op, ": expected an int64 or int32 index, got ", dtype_name(dtype));
}

// Launches kernel<Index> with the iterator's description, 32-bit when it fits.
template <int N, typename Launch> void with_desc(const TensorIter& iter, const Launch& launch) {
  if (fits_int32(iter)) launch(make_iter_desc<N, int32_t>(iter));
  else launch(make_iter_desc<N, int64_t>(iter));
}

// ---- offsets and range checks ---------------------------------------------------------------------
template <typename I, typename Index>
__global__ void index_offsets_kernel_(const __grid_constant__ IterDesc<2, Index> desc, Index numel, int64_t size,
                                      int64_t stride, BadFlag* flag) {
  for (Index i = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; i < numel;
       i += static_cast<Index>(gridDim.x) * blockDim.x) {
    Index off[2];
    desc.offsets(i, off);
    int64_t v = static_cast<int64_t>(desc.template load<I>(1, off[1]));
    if (v < -size || v >= size) {
      report_bad(flag, v);
      continue;
    }
    if (v < 0) v += size;
    int64_t* o = reinterpret_cast<int64_t*>(desc.data[0] + off[0]);
    *o += v * stride;
  }
}

template <typename I, typename Index>
__global__ void index_check_kernel_(const __grid_constant__ IterDesc<1, Index> desc, Index numel, int64_t size,
                                    BadFlag* flag) {
  for (Index i = blockIdx.x * static_cast<Index>(blockDim.x) + threadIdx.x; i < numel;
       i += static_cast<Index>(gridDim.x) * blockDim.x) {
    Index off[1];
    desc.offsets(i, off);
    const int64_t v = static_cast<int64_t>(desc.template load<I>(0, off[0]));
    if (v < -size || v >= size) report_bad(flag, v);
  }
}

bool cuda_index_offsets(const TensorIter& iter, int64_t size, int64_t stride, int64_t* bad) {
  const char* op = "index";
  if (iter.numel() == 0) return true;
  const int device = iter.device().index;
  cudaStream_t s = stream_for(iter.device());
  Workspace ws(sizeof(BadFlag), device);
  EMBER_CUDA_CHECK(cudaMemsetAsync(ws.get(), 0, sizeof(BadFlag), s), op);
  const unsigned grid = grid_for(iter.numel(), kThreads, device);
  dispatch_index_dtype(iter.dtype(1), op, [&](auto itag) {
    using I = decltype(itag);
    with_desc<2>(iter, [&](const auto& desc) {
      using Index = std::decay_t<decltype(desc.sizes[0])>;
      index_offsets_kernel_<I, Index><<<grid, kThreads, 0, s>>>(desc, static_cast<Index>(iter.numel()), size, stride,
                                                                ws.as<BadFlag>());
    });
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
  return read_flag(ws, s, bad, op);
}

bool cuda_index_check(const TensorIter& iter, int64_t size, int64_t* bad) {
  const char* op = "index";
  if (iter.numel() == 0) return true;
  const int device = iter.device().index;
  cudaStream_t s = stream_for(iter.device());
  Workspace ws(sizeof(BadFlag), device);
  EMBER_CUDA_CHECK(cudaMemsetAsync(ws.get(), 0, sizeof(BadFlag), s), op);
  const unsigned grid = grid_for(iter.numel(), kThreads, device);
  dispatch_index_dtype(iter.dtype(0), op, [&](auto itag) {
    using I = decltype(itag);
    with_desc<1>(iter, [&](const auto& desc) {
      using Index = std::decay_t<decltype(desc.sizes[0])>;
      index_check_kernel_<I, Index><<<grid, kThreads, 0, s>>>(desc, static_cast<Index>(iter.numel()), size,
                                                              ws.as<BadFlag>());
    });
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
  return read_flag(ws, s, bad, op);
}

// ---- element operations: copy by size, or add in the dtype's arithmetic -------------------------------
template <typename E> struct CopyOp {
  __device__ __forceinline__ void operator()(char* dst, const char* src) const {
    *reinterpret_cast<E*>(dst) = *reinterpret_cast<const E*>(src);
  }
};
template <typename T> struct AddOp {
  __device__ __forceinline__ void operator()(char* dst, const char* src) const {
    T* d = reinterpret_cast<T*>(dst);
    const T a = *d, b = *reinterpret_cast<const T*>(src);
    if constexpr (std::is_same_v<T, bool>) *d = a || b;
    else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
      *d = T(__fadd_rn(static_cast<float>(a), static_cast<float>(b)));
    else if constexpr (std::is_integral_v<T>)
      *d = static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) + static_cast<std::make_unsigned_t<T>>(b));
    else *d = a + b;
  }
};

template <int Size> struct Bits;
template <> struct Bits<1> { using type = uint8_t; };
template <> struct Bits<2> { using type = uint16_t; };
template <> struct Bits<4> { using type = uint32_t; };
template <> struct Bits<8> { using type = uint64_t; };

template <typename F> void dispatch_element_op(DType dtype, bool accumulate, const char* op, const F& f) {
  if (accumulate) {
    dispatch_all(dtype, op, [&](auto tag) { f(AddOp<typename decltype(tag)::type>{}); });
    return;
  }
  switch (dtype_size(dtype)) {
    case 1: return f(CopyOp<Bits<1>::type>{});
    case 2: return f(CopyOp<Bits<2>::type>{});
    case 4: return f(CopyOp<Bits<4>::type>{});
    default: return f(CopyOp<Bits<8>::type>{});
  }
}

// ---- advanced indexing: gathers and puts --------------------------------------------------------------
// Work item w: a put owns element w and walks every position; a gather owns one (element,
// position) pair, the position innermost when `pos_inner` (the non-indexed operand then moves
// along consecutive addresses).
template <typename Op, typename Index>
__global__ void index_kernel_(const __grid_constant__ IterDesc<2, Index> desc, const IndexArgs a, int64_t numel,
                              int64_t items, bool pos_inner, Op op) {
  const bool put = a.indexed_is_dst;
  for (int64_t w = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; w < items;
       w += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t e, b0, b1;
    if (put) {
      e = w, b0 = 0, b1 = a.count;
    } else if (pos_inner) {
      e = w / a.count, b0 = w - e * a.count, b1 = b0 + 1;
    } else {
      b0 = w / numel, e = w - b0 * numel, b1 = b0 + 1;
    }
    Index off[2];
    desc.offsets(static_cast<Index>(e), off);
    char* dst = desc.data[0] + off[0];
    // A 0-dim CPU value arrives by value (IterDesc::scalar): the same element for every position.
    const bool by_value = desc.data[1] == nullptr;
    const char* src = by_value ? reinterpret_cast<const char*>(desc.scalar[1]) : desc.data[1] + off[1];
    const int64_t src_step = by_value ? 0 : a.stride;
    for (int64_t b = b0; b < b1; ++b) {
      if (put) op(dst + a.offsets[b], src + b * src_step);
      else op(dst + b * a.stride, src + a.offsets[b]);
    }
  }
}

int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

// ---- puts and scatters with few elements and many positions ---------------------------------------
// One thread per element would walk every position serially (x[idx] += v on a 1-D x has a single
// element). Instead the positions are stably sorted by their destination, and the first entry
// of each run of equal destinations walks its run in order: the same additions in the same
// order as the serial walk (or the same last write), so the results do not change, while
// different destinations proceed in parallel.
constexpr int64_t kGroupedMaxElements = 4096;  // elements of the iterator at most
constexpr int64_t kGroupedMinPositions = 2048;  // positions at least

__device__ __forceinline__ uint64_t signed_key(int64_t v) { return static_cast<uint64_t>(v) ^ (1ull << 63); }

__global__ void put_keys_kernel(const int64_t* offsets, int64_t count, uint64_t* keys, int64_t* pos) {
  for (int64_t b = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; b < count;
       b += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    keys[b] = signed_key(offsets[b]);
    pos[b] = b;
  }
}

// Work item (e, q): q a position of the sorted order; only the first of a run does the work.
template <typename Op, typename Index>
__global__ void grouped_put_kernel_(const __grid_constant__ IterDesc<2, Index> desc, const IndexArgs a, int64_t numel,
                                    const uint64_t* keys, const int64_t* pos, bool accumulate, Op op) {
  const int64_t items = numel * a.count;
  for (int64_t w = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; w < items;
       w += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t e = w / a.count, q = w - e * a.count;
    const uint64_t key = keys[q];
    if (q > 0 && keys[q - 1] == key) continue;
    Index off[2];
    desc.offsets(static_cast<Index>(e), off);
    char* dst = desc.data[0] + off[0] + a.offsets[pos[q]];
    const bool by_value = desc.data[1] == nullptr;
    const char* src = by_value ? reinterpret_cast<const char*>(desc.scalar[1]) : desc.data[1] + off[1];
    const int64_t src_step = by_value ? 0 : a.stride;
    int64_t end = q + 1;
    while (end < a.count && keys[end] == key) ++end;
    if (accumulate) {
      for (int64_t r = q; r < end; ++r) op(dst, src + pos[r] * src_step);
    } else {
      op(dst, src + pos[end - 1] * src_step);  // the last write of the run wins
    }
  }
}

void grouped_put(const TensorIter& iter, const IndexArgs& args, cudaStream_t s, int device, const char* op) {
  const int64_t count = args.count, numel = iter.numel();
  Workspace k0(count * sizeof(uint64_t), device), k1(count * sizeof(uint64_t), device);
  Workspace p0(count * sizeof(int64_t), device), p1(count * sizeof(int64_t), device);
  put_keys_kernel<<<grid_for(count, kThreads, device), kThreads, 0, s>>>(args.offsets, count, k0.as<uint64_t>(),
                                                                        p0.as<int64_t>());
  EMBER_CUDA_LAUNCH_CHECK(op);
  sort_radix_pairs_u64(k0.as<uint64_t>(), k1.as<uint64_t>(), p0.as<int64_t>(), p1.as<int64_t>(), count, 64, device, s);
  const unsigned grid = grid_for(numel * count, kThreads, device);
  dispatch_element_op(iter.dtype(0), args.accumulate, op, [&](auto eop) {
    with_desc<2>(iter, [&](const auto& desc) {
      using Index = std::decay_t<decltype(desc.sizes[0])>;
      grouped_put_kernel_<decltype(eop), Index><<<grid, kThreads, 0, s>>>(desc, args, numel, k1.as<uint64_t>(),
                                                                         p1.as<int64_t>(), args.accumulate, eop);
    });
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void cuda_index_gather_put(const TensorIter& iter, const IndexArgs& args) {
  const char* op = args.indexed_is_dst ? "index_put_" : "index";
  const int64_t numel = iter.numel();
  if (numel == 0 || args.count == 0) return;
  const int device = iter.device().index;
  cudaStream_t s = stream_for(iter.device());
  if (args.indexed_is_dst && numel <= kGroupedMaxElements && args.count >= kGroupedMinPositions)
    return grouped_put(iter, args, s, device, op);
  const int64_t items = args.indexed_is_dst ? numel : numel * args.count;
  // The non-indexed operand of a gather is the destination: walk positions innermost when they
  // step through it more finely than the iterator's inner dim does.
  const bool pos_inner = iter.ndim() == 0 || abs64(args.stride) < abs64(iter.stride(0, 0));
  const unsigned grid = grid_for(items, kThreads, device);
  dispatch_element_op(iter.dtype(0), args.accumulate, op, [&](auto eop) {
    with_desc<2>(iter, [&](const auto& desc) {
      using Index = std::decay_t<decltype(desc.sizes[0])>;
      index_kernel_<decltype(eop), Index><<<grid, kThreads, 0, s>>>(desc, args, numel, items, pos_inner, eop);
    });
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

// ---- gather / scatter along a dim ---------------------------------------------------------------------
template <typename I, typename Op, typename Index>
__global__ void gather_scatter_kernel_(const __grid_constant__ IterDesc<3, Index> desc, const GatherScatterArgs a,
                                       int64_t numel, int64_t items, bool pos_inner, Op op) {
  for (int64_t w = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; w < items;
       w += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t e, b0, b1;
    if (a.scatter) {
      e = w, b0 = 0, b1 = a.count;
    } else if (pos_inner) {
      e = w / a.count, b0 = w - e * a.count, b1 = b0 + 1;
    } else {
      b0 = w / numel, e = w - b0 * numel, b1 = b0 + 1;
    }
    Index off[3];
    desc.offsets(static_cast<Index>(e), off);
    char* dst = desc.data[0] + off[0];
    const bool by_value = desc.data[1] == nullptr;  // a 0-dim CPU source (scatter of a number)
    const char* src = by_value ? reinterpret_cast<const char*>(desc.scalar[1]) : desc.data[1] + off[1];
    const int64_t src_step = by_value ? 0 : a.src_stride;
    const char* idx = desc.data[2] + off[2];
    for (int64_t b = b0; b < b1; ++b) {
      int64_t v = static_cast<int64_t>(*reinterpret_cast<const I*>(idx + b * a.index_stride));
      if (v < 0) v += a.dim_size;  // in range: the front-end checked
      if (a.scatter) op(dst + v * a.dst_stride, src + b * src_step);
      else op(dst + b * a.dst_stride, src + v * a.src_stride);
    }
  }
}

// Scatters with few elements: the pairs (element e, position b) sorted stably by the key
// e * dim_size + wrap(index), so each run is one destination element, in position order.
template <typename I, typename Index>
__global__ void scatter_keys_kernel(const __grid_constant__ IterDesc<3, Index> desc, const GatherScatterArgs a,
                                    int64_t numel, uint64_t* keys, int64_t* pos) {
  const int64_t items = numel * a.count;
  for (int64_t w = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; w < items;
       w += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t e = w / a.count, b = w - e * a.count;
    Index off[3];
    desc.offsets(static_cast<Index>(e), off);
    int64_t v = static_cast<int64_t>(*reinterpret_cast<const I*>(desc.data[2] + off[2] + b * a.index_stride));
    if (v < 0) v += a.dim_size;
    keys[w] = static_cast<uint64_t>(e * a.dim_size + v);
    pos[w] = w;
  }
}

template <typename Op, typename Index>
__global__ void grouped_scatter_kernel_(const __grid_constant__ IterDesc<3, Index> desc, const GatherScatterArgs a,
                                        int64_t items, const uint64_t* keys, const int64_t* pos, Op op) {
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < items;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const uint64_t key = keys[q];
    if (q > 0 && keys[q - 1] == key) continue;
    const int64_t e = static_cast<int64_t>(key) / a.dim_size, v = static_cast<int64_t>(key) - e * a.dim_size;
    Index off[3];
    desc.offsets(static_cast<Index>(e), off);
    char* dst = desc.data[0] + off[0] + v * a.dst_stride;
    const bool by_value = desc.data[1] == nullptr;
    const char* src = by_value ? reinterpret_cast<const char*>(desc.scalar[1]) : desc.data[1] + off[1];
    const int64_t src_step = by_value ? 0 : a.src_stride;
    int64_t end = q + 1;
    while (end < items && keys[end] == key) ++end;
    if (a.accumulate) {
      for (int64_t r = q; r < end; ++r) op(dst, src + (pos[r] - e * a.count) * src_step);
    } else {
      op(dst, src + (pos[end - 1] - e * a.count) * src_step);
    }
  }
}

template <typename I>
void grouped_scatter(const TensorIter& iter, const GatherScatterArgs& args, cudaStream_t s, int device, const char* op) {
  const int64_t numel = iter.numel(), items = numel * args.count;
  int bits = 1;
  while (bits < 63 && (int64_t{1} << bits) < numel * args.dim_size) ++bits;
  Workspace k0(items * sizeof(uint64_t), device), k1(items * sizeof(uint64_t), device);
  Workspace p0(items * sizeof(int64_t), device), p1(items * sizeof(int64_t), device);
  const unsigned grid = grid_for(items, kThreads, device);
  with_desc<3>(iter, [&](const auto& desc) {
    using Index = std::decay_t<decltype(desc.sizes[0])>;
    scatter_keys_kernel<I, Index><<<grid, kThreads, 0, s>>>(desc, args, numel, k0.as<uint64_t>(), p0.as<int64_t>());
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
  sort_radix_pairs_u64(k0.as<uint64_t>(), k1.as<uint64_t>(), p0.as<int64_t>(), p1.as<int64_t>(), items, bits, device, s);
  dispatch_element_op(iter.dtype(0), args.accumulate, op, [&](auto eop) {
    with_desc<3>(iter, [&](const auto& desc) {
      using Index = std::decay_t<decltype(desc.sizes[0])>;
      grouped_scatter_kernel_<decltype(eop), Index><<<grid, kThreads, 0, s>>>(desc, args, items, k1.as<uint64_t>(),
                                                                             p1.as<int64_t>(), eop);
    });
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void cuda_gather_scatter(const TensorIter& iter, const GatherScatterArgs& args) {
  const char* op = args.scatter ? (args.accumulate ? "scatter_add" : "scatter") : "gather";
  const int64_t numel = iter.numel();
  if (numel == 0 || args.count == 0) return;
  EMBER_CHECK(!iter.is_cpu_scalar(2), op, ": the index must be on ", iter.device().str());
  const int device = iter.device().index;
  cudaStream_t s = stream_for(iter.device());
  if (args.scatter && numel <= kGroupedMaxElements && args.count >= kGroupedMinPositions &&
      args.dim_size > 0 && numel <= (INT64_MAX >> 1) / args.dim_size) {
    dispatch_index_dtype(iter.dtype(2), op, [&](auto itag) { grouped_scatter<decltype(itag)>(iter, args, s, device, op); });
    return;
  }
  const int64_t items = args.scatter ? numel : numel * args.count;
  // A gather's threads write dst: positions innermost when they are its finer direction.
  const bool pos_inner = iter.ndim() == 0 || abs64(args.dst_stride) < abs64(iter.stride(0, 0));
  const unsigned grid = grid_for(items, kThreads, device);
  dispatch_index_dtype(iter.dtype(2), op, [&](auto itag) {
    using I = decltype(itag);
    dispatch_element_op(iter.dtype(0), args.accumulate, op, [&](auto eop) {
      with_desc<3>(iter, [&](const auto& desc) {
        using Index = std::decay_t<decltype(desc.sizes[0])>;
        gather_scatter_kernel_<I, decltype(eop), Index><<<grid, kThreads, 0, s>>>(desc, args, numel, items, pos_inner,
                                                                                 eop);
      });
    });
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

// ---- nonzero: per-block counts, a scan on the host, then ordered writes --------------------------------
struct Shape {
  static constexpr int kMaxDims = 25;
  int ndim = 0;
  bool contiguous = true;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};  // elements
};

template <typename T> __device__ __forceinline__ bool nonzero_value(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return static_cast<float>(v) != 0.0f;
  else if constexpr (std::is_same_v<T, bool>) return v;
  else return v != T(0);
}

// The element offset of row-major linear index i.
__device__ __forceinline__ int64_t element_offset(const Shape& sh, int64_t i) {
  if (sh.contiguous) return i;
  int64_t off = 0;
  for (int d = sh.ndim - 1; d >= 0; --d) {
    const int64_t q = i / sh.sizes[d];
    off += (i - q * sh.sizes[d]) * sh.strides[d];
    i = q;
  }
  return off;
}

constexpr int kNzThreads = 256;

template <typename T>
__global__ void nonzero_count_kernel(const T* data, const __grid_constant__ Shape sh, int64_t numel, int64_t chunk,
                                     int64_t* counts) {
  const int64_t begin = blockIdx.x * chunk;
  const int64_t end = begin + chunk < numel ? begin + chunk : numel;
  int64_t n = 0;
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) n += nonzero_value(data[element_offset(sh, i)]) ? 1 : 0;
  for (int o = 16; o > 0; o >>= 1) n += __shfl_down_sync(0xffffffffu, n, o);
  __shared__ int64_t warp_sums[kNzThreads / 32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) warp_sums[warp] = n;
  __syncthreads();
  if (threadIdx.x == 0) {
    int64_t total = 0;
    for (int w = 0; w < kNzThreads / 32; ++w) total += warp_sums[w];
    counts[blockIdx.x] = total;
  }
}

template <typename T>
__global__ void nonzero_write_kernel(const T* data, const __grid_constant__ Shape sh, int64_t numel, int64_t chunk,
                                     const int64_t* starts, int64_t* out) {
  const int64_t begin = blockIdx.x * chunk;
  const int64_t end = begin + chunk < numel ? begin + chunk : numel;
  __shared__ int warp_prefix[kNzThreads / 32 + 1];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  int64_t base = starts[blockIdx.x];
  for (int64_t tile = begin; tile < end; tile += kNzThreads) {
    const int64_t i = tile + threadIdx.x;
    const bool hit = i < end && nonzero_value(data[element_offset(sh, i)]);
    const unsigned ballot = __ballot_sync(0xffffffffu, hit);
    if (lane == 0) warp_prefix[warp + 1] = __popc(ballot);
    __syncthreads();
    if (threadIdx.x == 0) {
      warp_prefix[0] = 0;
      for (int w = 1; w <= kNzThreads / 32; ++w) warp_prefix[w] += warp_prefix[w - 1];
    }
    __syncthreads();
    if (hit) {
      const int64_t pos = base + warp_prefix[warp] + __popc(ballot & ((1u << lane) - 1u));
      int64_t* row = out + pos * sh.ndim;
      int64_t rem = i;
      for (int d = sh.ndim - 1; d >= 0; --d) {
        const int64_t q = rem / sh.sizes[d];
        row[d] = rem - q * sh.sizes[d];
        rem = q;
      }
    }
    base += warp_prefix[kNzThreads / 32];
    __syncthreads();  // warp_prefix is rewritten by the next tile
  }
}

Tensor cuda_nonzero(const Tensor& t) {
  const char* op = "nonzero";
  const int64_t numel = t.numel(), ndim = t.dim();
  const TensorOptions options = TensorOptions(kInt64).device(t.device());
  if (numel == 0) return empty({0, ndim}, options);
  Shape sh;
  EMBER_CHECK(ndim <= Shape::kMaxDims, op, ": tensors of more than ", Shape::kMaxDims, " dims are not supported on CUDA");
  sh.ndim = static_cast<int>(ndim);
  sh.contiguous = t.is_contiguous();
  for (int64_t d = 0; d < ndim; ++d) {
    sh.sizes[d] = t.size(d);
    sh.strides[d] = t.stride(d);
  }
  const int device = t.device().index;
  cudaStream_t s = stream_for(t.device());
  // Blocks of a few thousand elements each, at most 4096 blocks (their counts come to the host).
  const int64_t blocks = std::min<int64_t>(4096, (numel + 4 * kNzThreads - 1) / (4 * kNzThreads));
  const int64_t chunk = (numel + blocks - 1) / blocks;
  Workspace counts(static_cast<size_t>(blocks) * sizeof(int64_t), device);
  Tensor out;
  dispatch_all(t.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* data = static_cast<const T*>(t.data_ptr());
    nonzero_count_kernel<T><<<static_cast<unsigned>(blocks), kNzThreads, 0, s>>>(data, sh, numel, chunk, counts.as<int64_t>());
    EMBER_CUDA_LAUNCH_CHECK(op);
    std::vector<int64_t> starts(static_cast<size_t>(blocks));
    EMBER_CUDA_CHECK(cudaMemcpyAsync(starts.data(), counts.get(), blocks * sizeof(int64_t), cudaMemcpyDeviceToHost, s), op);
    EMBER_CUDA_CHECK(cudaStreamSynchronize(s), op);
    int64_t total = 0;
    for (auto& c : starts) {
      const int64_t n = c;
      c = total;
      total += n;
    }
    out = empty({total, ndim}, options);
    if (total == 0 || ndim == 0) return;
    EMBER_CUDA_CHECK(cudaMemcpyAsync(counts.get(), starts.data(), blocks * sizeof(int64_t), cudaMemcpyHostToDevice, s), op);
    nonzero_write_kernel<T><<<static_cast<unsigned>(blocks), kNzThreads, 0, s>>>(data, sh, numel, chunk, counts.as<int64_t>(),
                                                                                static_cast<int64_t*>(out.data_ptr()));
    EMBER_CUDA_LAUNCH_CHECK(op);
    // `starts` is pageable host memory: the copy has taken it before returning, but wait anyway
    // so its lifetime cannot matter.
    EMBER_CUDA_CHECK(cudaStreamSynchronize(s), op);
  });
  return out;
}

}  // namespace

void register_index_kernels() {
  index_offsets_kernel.set(DeviceType::CUDA, cuda_index_offsets);
  index_check_kernel.set(DeviceType::CUDA, cuda_index_check);
  index_kernel.set(DeviceType::CUDA, cuda_index_gather_put);
  gather_scatter_kernel.set(DeviceType::CUDA, cuda_gather_scatter);
  nonzero_kernel.set(DeviceType::CUDA, cuda_nonzero);
}

}  // namespace ember::cuda
