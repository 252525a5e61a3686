#pragma once
// The simple tiled GEMM every dtype can use (float64 and the integers always do); see gemm.cu.
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "ember/half.h"
#include "gemm/gemm_common.cuh"

namespace ember::cuda::gemm::simple_impl {

// ---- the simple tiled kernel --------------------------------------------------------------------

// Accumulation as in the CPU reference (cpu/gemm.cpp): double, float, or uint64 for integers,
// whose wrapping arithmetic gives the low bits of the exact product without signed overflow.
template <typename T> struct Acc { using type = std::conditional_t<std::is_same_v<T, double>, double, float>; };
template <> struct Acc<uint8_t> { using type = uint64_t; };
template <> struct Acc<int8_t> { using type = uint64_t; };
template <> struct Acc<int16_t> { using type = uint64_t; };
template <> struct Acc<int32_t> { using type = uint64_t; };
template <> struct Acc<int64_t> { using type = uint64_t; };

template <typename A, typename T> __device__ __forceinline__ A to_acc(T v) {
  if constexpr (std::is_same_v<A, uint64_t>) return static_cast<uint64_t>(static_cast<int64_t>(v));
  else return static_cast<A>(v);
}
template <typename T, typename A> __device__ __forceinline__ T from_acc(A v) {
  if constexpr (std::is_same_v<A, uint64_t>) return static_cast<T>(static_cast<int64_t>(v));
  else return static_cast<T>(v);
}
template <typename A> A scalar_acc(double v) {
  if constexpr (std::is_same_v<A, uint64_t>) return static_cast<uint64_t>(static_cast<int64_t>(v));
  else return static_cast<A>(v);
}

constexpr int kSimpleTile = 64, kSimpleDepth = 16, kSimpleThreads = 256;

// One 64x64 tile of C per block and batch entry; thread (tx, ty) owns rows ty + 16 i and
// columns tx + 16 j (i, j < 4). The panels are loaded element by element through the strides,
// along K or along M/N (whichever the operand is contiguous in, `a_along_k` / `b_along_k`).
template <typename T>
__global__ void __launch_bounds__(kSimpleThreads)
    simple_gemm_kernel(const __grid_constant__ Problem p, int64_t z0, typename Acc<T>::type alpha, typename Acc<T>::type beta,
                       bool a_along_k, bool b_along_k) {
  using A = typename Acc<T>::type;
  __shared__ A As[kSimpleDepth][kSimpleTile + 1];
  __shared__ A Bs[kSimpleDepth][kSimpleTile + 1];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t tiles_m = (p.m + kSimpleTile - 1) / kSimpleTile, tiles_n = (p.n + kSimpleTile - 1) / kSimpleTile;
  int64_t tm, tn;
  tile_coords(blockIdx.x, tiles_m, tiles_n, 8, tm, tn);
  const int64_t m0 = tm * kSimpleTile, n0 = tn * kSimpleTile;
  {
    const BatchOffsets off = batch_offsets(p, z0 + blockIdx.z);
    const T* a = static_cast<const T*>(p.a) + off.a;
    const T* b = static_cast<const T*>(p.b) + off.b;
    T* c = static_cast<T*>(p.c) + off.c;
    A acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) acc[i][j] = A(0);
    for (int64_t k0 = 0; k0 < p.k; k0 += kSimpleDepth) {
#pragma unroll
      for (int r = 0; r < kSimpleTile * kSimpleDepth / kSimpleThreads; ++r) {
        const int e = tid + r * kSimpleThreads;
        int kk = a_along_k ? e % kSimpleDepth : e / kSimpleTile;
        int mm = a_along_k ? e / kSimpleDepth : e % kSimpleTile;
        int64_t gi = m0 + mm, gk = k0 + kk;
        As[kk][mm] = gi < p.m && gk < p.k ? to_acc<A>(a[gi * p.a_rs + gk * p.a_cs]) : A(0);
        kk = b_along_k ? e % kSimpleDepth : e / kSimpleTile;
        const int nn = b_along_k ? e / kSimpleDepth : e % kSimpleTile;
        const int64_t gj = n0 + nn;
        gk = k0 + kk;
        Bs[kk][nn] = gj < p.n && gk < p.k ? to_acc<A>(b[gk * p.b_rs + gj * p.b_cs]) : A(0);
      }
      __syncthreads();
#pragma unroll 4
      for (int kk = 0; kk < kSimpleDepth; ++kk) {
        A av[4], bv[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) av[i] = As[kk][ty + 16 * i];
#pragma unroll
        for (int j = 0; j < 4; ++j) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
          for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
      }
      __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int64_t gi = m0 + ty + 16 * i;
      if (gi >= p.m) continue;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int64_t gj = n0 + tx + 16 * j;
        if (gj >= p.n) continue;
        T& out = c[gi * p.c_rs + gj * p.c_cs];
        A v = alpha * acc[i][j];
        if (beta != A(0)) v += beta * to_acc<A>(out);  // beta == 0: C is never read
        out = from_acc<T>(v);
      }
    }
  }
}

}  // namespace ember::cuda::gemm::simple_impl
