// CUDA kernels of sort, topk, kthvalue/median/nanmedian. Every element becomes an unsigned
// 64-bit key with the CPU's order (cpu/sort_common.h: ascending with NaN last and all NaNs
// equal, -0.0 equal to 0.0; descending inverts the key, so NaN comes first), and entries are
// ordered by (key, position): a strict total order, so the result is a stable sort's whatever
// the algorithm, the same as the CPU's.
//   Rows of up to kBlockMax elements: one block per row sorts them in shared memory with a
//   bitonic network and writes the wanted part straight to the outputs.
//   Longer rows: two stable device-wide radix sorts (by key, then by row), then a pass that
//   writes the outputs from the resulting order.
// topk and the selections sort the whole row and take what they need.
#include <climits>
#include <cstdint>
#include <type_traits>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "ember/half.h"
#include "runtime/runtime.h"
#include "sort/radix.h"
#include "sort/rows.cuh"

namespace ember::cuda {

void register_sort_search_kernels();  // sort/search.cu: unique, searchsorted

namespace {
using namespace rows;

constexpr int kBlockMax = 2048;  // the longest row sorted in shared memory

template <typename T> constexpr bool is_half_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
template <typename T> constexpr bool is_float_v = is_half_v<T> || std::is_floating_point_v<T>;

// Significant bits of T's key (the radix passes skip the rest).
template <typename T> constexpr int key_bits() {
  if constexpr (is_half_v<T> || std::is_same_v<T, float>) return 32;
  else if constexpr (std::is_same_v<T, bool>) return 8;
  else return static_cast<int>(sizeof(T)) * 8;
}

template <typename T> __device__ __forceinline__ bool is_nan_value(T v) {
  if constexpr (is_half_v<T>) { const float f = static_cast<float>(v); return f != f; }
  else if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

template <typename T> __device__ __forceinline__ uint64_t sort_key(T v, bool descending) {
  constexpr int bits = key_bits<T>();
  uint64_t k;
  if constexpr (std::is_same_v<T, bool>) {
    k = v ? 1u : 0u;
  } else if constexpr (std::is_same_v<T, double>) {
    if (v != v) {
      k = ~0ull;
    } else {
      const uint64_t u = static_cast<uint64_t>(__double_as_longlong(v == 0.0 ? 0.0 : v));
      k = (u >> 63) ? ~u : (u | (1ull << 63));
    }
  } else if constexpr (is_float_v<T>) {
    float f = static_cast<float>(v);
    if (f != f) {
      k = 0xffffffffull;
    } else {
      if (f == 0.0f) f = 0.0f;
      const uint32_t u = __float_as_uint(f);
      k = (u >> 31) ? static_cast<uint32_t>(~u) : (u | 0x80000000u);
    }
  } else if constexpr (std::is_unsigned_v<T>) {
    k = static_cast<uint64_t>(v);
  } else {  // signed: flip the sign bit of its width
    using U = std::make_unsigned_t<T>;
    k = static_cast<uint64_t>(static_cast<U>(static_cast<U>(v) ^ (U(1) << (bits - 1))));
  }
  if (descending) k ^= bits == 64 ? ~0ull : ((1ull << bits) - 1);
  return k;
}

struct RowArgs {
  int64_t rows, n;
  int64_t s_in, s_v, s_i;  // element strides along dim of in, values, indices
  bool descending;
  // Output: the first `take` sorted entries (sort, topk), or one selected entry (select).
  bool select;
  int64_t take;
  SelectOp op;
  int64_t k;
};

// The position among the n sorted (ascending) entries that a selection takes, when the first m
// of them are not NaN (cpu/sort.cpp's cpu_select).
__device__ __forceinline__ int64_t select_position(const RowArgs& a, int64_t m) {
  if (a.op == SelectOp::Kth) return a.k - 1;
  if (a.op == SelectOp::Median) return m < a.n ? m : (a.n - 1) / 2;  // NaN: its first one
  return m == 0 ? 0 : (m - 1) / 2;                                    // NanMedian
}

// ---- rows that fit a block ---------------------------------------------------------------------------
template <typename T>
__global__ void __launch_bounds__(1024) block_sort_kernel(const T* in, T* vals, int64_t* idx, const __grid_constant__ BatchMap<3> batch,
                                  const RowArgs a, int P) {
  extern __shared__ unsigned long long smem[];
  uint64_t* keys = reinterpret_cast<uint64_t*>(smem);
  int* ids = reinterpret_cast<int*>(keys + P);
  const int n = static_cast<int>(a.n);
  for (int64_t row = blockIdx.x; row < a.rows; row += gridDim.x) {
    int64_t off[3];
    batch.offsets(row, off);
    const T* src = in + off[0];
    for (int j = threadIdx.x; j < P; j += blockDim.x) {
      if (j < n) {
        keys[j] = sort_key(src[j * a.s_in], a.descending);
        ids[j] = j;
      } else {
        keys[j] = ~0ull;  // padding: after every entry (its position is larger)
        ids[j] = INT_MAX;
      }
    }
    __syncthreads();
    for (int size = 2; size <= P; size <<= 1) {
      for (int stride = size >> 1; stride > 0; stride >>= 1) {
        for (int i = threadIdx.x; i < P; i += blockDim.x) {
          const int j = i ^ stride;
          if (j > i) {
            const uint64_t ki = keys[i], kj = keys[j];
            const int ii = ids[i], ij = ids[j];
            const bool greater = ki > kj || (ki == kj && ii > ij);
            if (greater == ((i & size) == 0)) {
              keys[i] = kj, keys[j] = ki;
              ids[i] = ij, ids[j] = ii;
            }
          }
        }
        __syncthreads();
      }
    }
    if (!a.select) {
      for (int j = threadIdx.x; j < a.take; j += blockDim.x) {
        const int id = ids[j];
        vals[off[1] + j * a.s_v] = src[id * a.s_in];
        idx[off[2] + j * a.s_i] = id;
      }
    } else if (threadIdx.x == 0) {
      int64_t m = n;  // NaNs are a suffix of the ascending order: find where it starts
      if constexpr (is_float_v<T>) {
        int lo = 0, hi = n;
        while (lo < hi) {
          const int mid = (lo + hi) >> 1;
          if (is_nan_value(src[ids[mid] * a.s_in])) hi = mid;
          else lo = mid + 1;
        }
        m = lo;
      }
      const int id = ids[select_position(a, m)];
      vals[off[1]] = src[id * a.s_in];
      idx[off[2]] = id;
    }
    __syncthreads();  // the next row reuses the shared arrays
  }
}

// ---- long rows: keys and positions for the radix sorts, then the outputs ---------------------------
template <typename T>
__global__ void make_keys_kernel(const T* in, const __grid_constant__ BatchMap<3> batch, const RowArgs a,
                                 uint64_t* keys, int64_t* pos) {
  const int64_t total = a.rows * a.n;
  for (int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; p < total;
       p += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t row = p / a.n, j = p - row * a.n;
    int64_t off[3];
    batch.offsets(row, off);
    keys[p] = sort_key(in[off[0] + j * a.s_in], a.descending);
    pos[p] = p;
  }
}

__global__ void row_keys_kernel(const int64_t* pos, int64_t total, int64_t n, uint64_t* keys) {
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x)
    keys[q] = static_cast<uint64_t>(pos[q] / n);
}

// order[row * n + j] is the flat position (row * n + original j) of the j-th sorted entry.
template <typename T>
__global__ void emit_range_kernel(const T* in, T* vals, int64_t* idx, const __grid_constant__ BatchMap<3> batch,
                                  const RowArgs a, const int64_t* order) {
  const int64_t total = a.rows * a.take;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t row = e / a.take, j = e - row * a.take;
    int64_t off[3];
    batch.offsets(row, off);
    const int64_t id = order[row * a.n + j] - row * a.n;
    vals[off[1] + j * a.s_v] = in[off[0] + id * a.s_in];
    idx[off[2] + j * a.s_i] = id;
  }
}

template <typename T>
__global__ void emit_select_kernel(const T* in, T* vals, int64_t* idx, const __grid_constant__ BatchMap<3> batch,
                                   const RowArgs a, const int64_t* order) {
  for (int64_t row = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; row < a.rows;
       row += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t off[3];
    batch.offsets(row, off);
    const T* src = in + off[0];
    const int64_t* ord = order + row * a.n;
    const int64_t base = row * a.n;
    int64_t m = a.n;
    if constexpr (is_float_v<T>) {
      int64_t lo = 0, hi = a.n;
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (is_nan_value(src[(ord[mid] - base) * a.s_in])) hi = mid;
        else lo = mid + 1;
      }
      m = lo;
    }
    const int64_t id = ord[select_position(a, m)] - base;
    vals[off[1]] = src[id * a.s_in];
    idx[off[2]] = id;
  }
}

template <typename T>
void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, const RowArgs& a,
               const char* op) {
  const Tensor* ts[3] = {&in, &values, &indices};
  const BatchMap<3> batch = make_batch_map<3>(ts, dim, 0, op);
  const int device = in.device().index;
  cudaStream_t s = stream_for(in.device());
  const T* src = static_cast<const T*>(in.data_ptr());
  T* vals = static_cast<T*>(values.data_ptr());
  int64_t* idx = static_cast<int64_t*>(indices.data_ptr());
  if (a.n <= kBlockMax) {
    int P = 1;
    while (P < a.n) P <<= 1;
    const int threads = P < 32 ? 32 : (P > 1024 ? 1024 : P);
    const size_t shared = static_cast<size_t>(P) * (sizeof(uint64_t) + sizeof(int));
    const int64_t cap = static_cast<int64_t>(sm_count(device)) * 64;
    const unsigned grid = static_cast<unsigned>(a.rows < cap ? a.rows : cap);
    block_sort_kernel<T><<<grid, threads, shared, s>>>(src, vals, idx, batch, a, P);
    EMBER_CUDA_LAUNCH_CHECK(op);
    return;
  }
  const int64_t total = a.rows * a.n;
  constexpr int kThreads = 256;
  Workspace k0(total * sizeof(uint64_t), device), k1(total * sizeof(uint64_t), device);
  Workspace p0(total * sizeof(int64_t), device), p1(total * sizeof(int64_t), device);
  make_keys_kernel<T><<<grid_for(total, kThreads, device), kThreads, 0, s>>>(src, batch, a, k0.as<uint64_t>(),
                                                                           p0.as<int64_t>());
  EMBER_CUDA_LAUNCH_CHECK(op);
  sort_radix_pairs_u64(k0.as<uint64_t>(), k1.as<uint64_t>(), p0.as<int64_t>(), p1.as<int64_t>(), total, key_bits<T>(),
                   device, s);
  const int64_t* order = p1.as<int64_t>();
  if (a.rows > 1) {  // stably by row: each row's entries keep their sorted order
    row_keys_kernel<<<grid_for(total, kThreads, device), kThreads, 0, s>>>(p1.as<int64_t>(), total, a.n,
                                                                          k0.as<uint64_t>());
    EMBER_CUDA_LAUNCH_CHECK(op);
    int row_bits = 1;
    while (row_bits < 64 && (int64_t{1} << row_bits) < a.rows) ++row_bits;
    sort_radix_pairs_u64(k0.as<uint64_t>(), k1.as<uint64_t>(), p1.as<int64_t>(), p0.as<int64_t>(), total, row_bits,
                     device, s);
    order = p0.as<int64_t>();
  }
  if (a.select) {
    emit_select_kernel<T><<<grid_for(a.rows, kThreads, device), kThreads, 0, s>>>(src, vals, idx, batch, a, order);
  } else {
    emit_range_kernel<T><<<grid_for(a.rows * a.take, kThreads, device), kThreads, 0, s>>>(src, vals, idx, batch, a,
                                                                                         order);
  }
  EMBER_CUDA_LAUNCH_CHECK(op);
}

RowArgs row_args(const Tensor& in, const Tensor& values, const Tensor& indices, int64_t dim) {
  RowArgs a{};
  a.n = in.size(dim);
  a.rows = a.n == 0 ? 0 : in.numel() / a.n;
  a.s_in = in.stride(dim);
  a.s_v = values.stride(dim);
  a.s_i = indices.stride(dim);
  return a;
}

void cuda_sort(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, bool descending) {
  if (dim < 0) dim += in.dim();
  if (in.numel() == 0) return;
  RowArgs a = row_args(in, values, indices, dim);
  a.descending = descending;
  a.take = a.n;
  dispatch_all(in.dtype(), "sort", [&](auto tag) { sort_rows<typename decltype(tag)::type>(values, indices, in, dim, a, "sort"); });
}

// Sorted either way: the k results come sorted even when the caller does not ask for it.
void cuda_topk(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, int64_t k, bool largest,
               bool sorted) {
  if (dim < 0) dim += in.dim();
  if (values.numel() == 0) return;
  RowArgs a = row_args(in, values, indices, dim);
  a.descending = largest;
  a.take = k;
  dispatch_all(in.dtype(), "topk", [&](auto tag) { sort_rows<typename decltype(tag)::type>(values, indices, in, dim, a, "topk"); });
}

void cuda_select(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, int64_t k, SelectOp op) {
  if (dim < 0) dim += in.dim();
  if (values.numel() == 0) return;
  RowArgs a = row_args(in, values, indices, dim);
  a.select = true;
  a.op = op;
  a.k = k;
  dispatch_all(in.dtype(), "kthvalue", [&](auto tag) { sort_rows<typename decltype(tag)::type>(values, indices, in, dim, a, "kthvalue"); });
}

}  // namespace

void register_sort_kernels() {
  sort_kernel.set(DeviceType::CUDA, cuda_sort);
  topk_kernel.set(DeviceType::CUDA, cuda_topk);
  select_kernel.set(DeviceType::CUDA, cuda_select);
  register_sort_search_kernels();
}

}  // namespace ember::cuda
