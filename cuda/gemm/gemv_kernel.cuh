#pragma once
// Matrix-vector products (m == 1 or n == 1) for the floating dtypes, where a 128x128 tile would
// be almost all padding. Either way the product is out[r] = sum_k mat[r, k] * vec[k]:
//   n == 1: r over M, mat = A, vec = B's column, out = C's column;
//   m == 1: r over N, mat = B transposed, vec = A's row, out = C's row.
// Two kernels, by which of mat's dims is contiguous:
//   along K:  one warp per output, lanes striding K (coalesced), a shuffle reduction;
//   along R:  32 outputs per block (one per lane, coalesced along R), the 8 warps splitting K
//             by residue and their partial sums added in a fixed order through shared memory.
// Both are deterministic. Accumulation as the other kernels: float (double for float64).
#include <cuda_runtime.h>

#include <cstdint>

#include "gemm/gemm_common.cuh"
#include "gemm/simple_kernel.cuh"

namespace ember::cuda::gemm::gemv_impl {

constexpr int kThreads = 256;

struct GemvView {
  int64_t rows;        // outputs
  int64_t mat_rs, mat_ks, vec_ks, out_s;
};

// The operands of batch entry `bi` as (mat, vec, out).
template <typename T>
__device__ __forceinline__ void gemv_operands(const Problem& p, bool rows_are_n, int64_t bi, const T*& mat,
                                              const T*& vec, T*& out) {
  const BatchOffsets off = batch_offsets(p, bi);
  const T* a = static_cast<const T*>(p.a) + off.a;
  const T* b = static_cast<const T*>(p.b) + off.b;
  out = static_cast<T*>(p.c) + off.c;
  mat = rows_are_n ? b : a;
  vec = rows_are_n ? a : b;
}

template <typename T>
__device__ __forceinline__ void gemv_store(T* out, typename simple_impl::Acc<T>::type acc,
                                           typename simple_impl::Acc<T>::type alpha,
                                           typename simple_impl::Acc<T>::type beta) {
  using A = typename simple_impl::Acc<T>::type;
  A v = alpha * acc;
  if (beta != A(0)) v += beta * static_cast<A>(*out);  // beta == 0: C is never read
  *out = static_cast<T>(v);
}

// One warp per output; mat is contiguous (or at least denser) along K.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    gemv_k_kernel(const __grid_constant__ Problem p, int64_t z0, GemvView v, bool rows_are_n,
                  typename simple_impl::Acc<T>::type alpha, typename simple_impl::Acc<T>::type beta) {
  using A = typename simple_impl::Acc<T>::type;
  const int lane = threadIdx.x % 32;
  const int64_t r = int64_t(blockIdx.x) * (kThreads / 32) + threadIdx.x / 32;
  if (r >= v.rows) return;
  const T *mat, *vec;
  T* out;
  gemv_operands<T>(p, rows_are_n, z0 + blockIdx.z, mat, vec, out);
  const T* row = mat + r * v.mat_rs;
  A acc = A(0);
  for (int64_t k = lane; k < p.k; k += 32) acc += static_cast<A>(row[k * v.mat_ks]) * static_cast<A>(vec[k * v.vec_ks]);
#pragma unroll
  for (int s = 16; s > 0; s /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, s);
  if (lane == 0) gemv_store<T>(out + r * v.out_s, acc, alpha, beta);
}

// 32 outputs per block, one per lane; warp w sums k = w, w + 8, ...; then warp 0 adds the 8
// partial sums in order.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    gemv_r_kernel(const __grid_constant__ Problem p, int64_t z0, GemvView v, bool rows_are_n,
                  typename simple_impl::Acc<T>::type alpha, typename simple_impl::Acc<T>::type beta) {
  using A = typename simple_impl::Acc<T>::type;
  constexpr int kSlices = kThreads / 32;
  __shared__ A partial[kSlices][32];
  const int lane = threadIdx.x % 32, w = threadIdx.x / 32;
  const int64_t r = int64_t(blockIdx.x) * 32 + lane;
  const T *mat, *vec;
  T* out;
  gemv_operands<T>(p, rows_are_n, z0 + blockIdx.z, mat, vec, out);
  A acc = A(0);
  if (r < v.rows) {
    const T* col = mat + r * v.mat_rs;
    for (int64_t k = w; k < p.k; k += kSlices)
      acc += static_cast<A>(col[k * v.mat_ks]) * static_cast<A>(vec[k * v.vec_ks]);
  }
  partial[w][lane] = acc;
  __syncthreads();
  if (w == 0 && r < v.rows) {
    A s = partial[0][lane];
#pragma unroll
    for (int i = 1; i < kSlices; ++i) s += partial[i][lane];
    gemv_store<T>(out + r * v.out_s, s, alpha, beta);
  }
}

// The view of a problem with m == 1 or n == 1 (rows_are_n: m == 1 and n > 1).
inline GemvView gemv_view(const Problem& p, bool& rows_are_n) {
  rows_are_n = p.n != 1;
  GemvView v;
  if (rows_are_n) v = GemvView{p.n, p.b_cs, p.b_rs, p.a_cs, p.c_cs};
  else v = GemvView{p.m, p.a_rs, p.a_cs, p.b_rs, p.c_rs};
  return v;
}
// Whether the K-contiguous (warp per output) kernel fits the view better.
inline bool gemv_along_k(const GemvView& v) {
  const auto iabs = [](int64_t x) { return x < 0 ? -x : x; };
  return v.rows == 1 || iabs(v.mat_ks) <= iabs(v.mat_rs);
}

}  // namespace ember::cuda::gemm::gemv_impl
