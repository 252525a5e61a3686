#pragma once
// The batch dims of a few same-shaped tensors as a kernel argument: row r (row-major over the
// batch dims) maps to each tensor's element offset. Used by the kernels that work on rows or
// matrices along chosen dims (sort, tril/triu, pad) with any strides.
#include <cstdint>

#include "ember/error.h"
#include "ember/tensor.h"

namespace ember::cuda::rows {

template <int N>
struct BatchMap {
  static constexpr int kMaxDims = 25;
  int nd = 0;
  int64_t sizes[kMaxDims] = {};       // outermost first
  int64_t strides[kMaxDims][N] = {};  // elements

  __device__ __forceinline__ void offsets(int64_t r, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = nd - 1; d >= 0; --d) {
      const int64_t s = sizes[d];
      const int64_t q = r / s, i = r - q * s;
      r = q;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += i * strides[d][k];
    }
  }
};

// The map over every dim of ts[0] except the last `skip_last` dims (and `skip` when >= 0); the
// other tensors share those dims' sizes.
template <int N>
BatchMap<N> make_batch_map(const Tensor* const (&ts)[N], int64_t skip, int skip_last, const char* op) {
  BatchMap<N> m;
  const int64_t nd = ts[0]->dim();
  for (int64_t d = 0; d < nd - skip_last; ++d) {
    if (d == skip) continue;
    EMBER_CHECK(m.nd < BatchMap<N>::kMaxDims, op, ": tensors of more than ", BatchMap<N>::kMaxDims,
                " dims are not supported on CUDA");
    m.sizes[m.nd] = ts[0]->size(d);
    for (int k = 0; k < N; ++k) m.strides[m.nd][k] = ts[k]->stride(d);
    ++m.nd;
  }
  return m;
}

}  // namespace ember::cuda::rows
