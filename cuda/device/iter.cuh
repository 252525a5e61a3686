#pragma once
// TensorIter's description as a kernel argument. The host builds it once per launch; a kernel
// takes it as `const __grid_constant__ IterDesc<N, Index> desc` (so it is read from the
// parameter bank, never copied to local memory) and maps a linear index of the iteration space
// to each operand's byte offset. Index is int32_t when fits_int32(iter) holds: 32-bit division
// is several times cheaper than 64-bit, and most tensors fit.
#include <cstdint>
#include <cstring>

#include "iter/tensor_iter.h"

namespace ember::cuda {

// True when every linear index and every operand's byte offset fit in an int32_t.
inline bool fits_int32(const TensorIter& iter) {
  constexpr int64_t kMax = INT32_MAX;
  if (iter.numel() > kMax) return false;
  for (int k = 0; k < iter.ntensors(); ++k) {
    int64_t span = 0;
    for (int d = 0; d < iter.ndim(); ++d) {
      const int64_t s = iter.stride(k, d);
      span += (iter.size(d) - 1) * (s < 0 ? -s : s);
    }
    if (span + 16 > kMax) return false;
  }
  return true;
}

template <int N, typename Index>
struct IterDesc {
  int ndim = 0;
  Index sizes[TensorIter::kMaxDims];       // innermost first
  Index strides[TensorIter::kMaxDims][N];  // bytes
  char* data[N];
  // The value of a 0-dim CPU operand (TensorIter::is_cpu_scalar), by value: data[k] is null.
  alignas(8) unsigned char scalar[N][8];

  // Byte offsets of linear index `i` (innermost dim fastest) for every operand.
  __device__ __forceinline__ void offsets(Index i, Index (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = 0; d < ndim; ++d) {
      const Index q = i / sizes[d];
      const Index r = i - q * sizes[d];
      i = q;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * strides[d][k];
    }
  }
  // The element of operand k at byte offset `off`, as T (the operand's own dtype).
  template <typename T> __device__ __forceinline__ T load(int k, Index off) const {
    if (data[k] == nullptr) return *reinterpret_cast<const T*>(scalar[k]);
    return *reinterpret_cast<const T*>(data[k] + off);
  }
  template <typename T> __device__ __forceinline__ void store(int k, Index off, T v) const {
    *reinterpret_cast<T*>(data[k] + off) = v;
  }
};

// Builds the description of `iter` (N == iter.ntensors()).
template <int N, typename Index>
IterDesc<N, Index> make_iter_desc(const TensorIter& iter) {
  IterDesc<N, Index> desc;
  desc.ndim = iter.ndim();
  for (int d = 0; d < iter.ndim(); ++d) {
    desc.sizes[d] = static_cast<Index>(iter.size(d));
    for (int k = 0; k < N; ++k) desc.strides[d][k] = static_cast<Index>(iter.stride(k, d));
  }
  for (int k = 0; k < N; ++k) {
    std::memset(desc.scalar[k], 0, sizeof(desc.scalar[k]));
    if (iter.is_cpu_scalar(k)) {
      desc.data[k] = nullptr;
      std::memcpy(desc.scalar[k], iter.data(k), dtype_size(iter.dtype(k)));
      for (int d = 0; d < iter.ndim(); ++d) desc.strides[d][k] = 0;
    } else {
      desc.data[k] = iter.data(k);
    }
  }
  return desc;
}

// True when every operand is a dense array over the whole space (one merged dim, each operand's
// stride its element size) or a CPU scalar: the kernel then indexes flat arrays and can use
// 16-byte vector loads.
inline bool is_flat(const TensorIter& iter) {
  if (iter.ndim() != 1) return false;
  for (int k = 0; k < iter.ntensors(); ++k) {
    if (iter.is_cpu_scalar(k)) continue;
    if (iter.stride(k, 0) != static_cast<int64_t>(dtype_size(iter.dtype(k)))) return false;
  }
  return true;
}

}  // namespace ember::cuda
