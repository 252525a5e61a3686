#pragma once
// The GEMM micro-kernel: an MR x NR tile of C held in vector registers while it accumulates
// kc rank-1 updates from packed panels of A (MR values per step) and B (NR values per step).
// NR is NV vectors wide; the tile sizes per instruction set fill the register file:
//   AVX-512 (32 zmm): 12 x 2 vectors = 24 accumulators, 2 B vectors, 1 broadcast.
//   AVX2 (16 ymm):     6 x 2 vectors = 12 accumulators, 2 B vectors, 1 broadcast.
//   base (16 xmm, no FMA; GCC vector extensions so any target builds it): 6 x 2 vectors.
// Accumulation is in the compute type (float for float32 and the 16-bit types, double for
// float64), one fused multiply-add per product where the ISA has FMA.
#include <cstdint>
#include <cstring>

#include "cpu/isa/isa.h"

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

EMBER_ISA_NAMESPACE_BEGIN
namespace gemm {

template <typename T> struct Vec;

#if defined(__AVX512F__)
template <> struct Vec<float> {
  using V = __m512;
  static constexpr int W = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
};
template <> struct Vec<double> {
  using V = __m512d;
  static constexpr int W = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static V set1(double x) { return _mm512_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
};
constexpr int kMR = 12;
#elif defined(__AVX2__)
template <> struct Vec<float> {
  using V = __m256;
  static constexpr int W = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
};
template <> struct Vec<double> {
  using V = __m256d;
  static constexpr int W = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V set1(double x) { return _mm256_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
};
constexpr int kMR = 6;
#else
// 16-byte GCC vectors: SSE2 on x86-64, NEON or scalar code elsewhere.
template <typename T> struct GenericVec {
  typedef T V __attribute__((vector_size(16)));
  static constexpr int W = 16 / sizeof(T);
  static V zero() { return V{}; }
  static V load(const T* p) { V v; std::memcpy(&v, p, sizeof v); return v; }
  static void store(T* p, V v) { std::memcpy(p, &v, sizeof v); }
  static V set1(T x) { return V{} + x; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V mul(V a, V b) { return a * b; }
  static V add(V a, V b) { return a + b; }
};
template <> struct Vec<float> : GenericVec<float> {};
template <> struct Vec<double> : GenericVec<double> {};
constexpr int kMR = 6;
#endif

// sum_p a[p] * x[p] over contiguous arrays, in four vector accumulators (a dot product is
// latency-bound in one): the matrix-vector path.
template <typename T> inline T dot(const T* a, const T* x, int64_t k) {
  using VT = Vec<T>;
  using V = typename VT::V;
  constexpr int W = VT::W;
  V s0 = VT::zero(), s1 = VT::zero(), s2 = VT::zero(), s3 = VT::zero();
  int64_t p = 0;
  for (; p + 4 * W <= k; p += 4 * W) {
    s0 = VT::fma(VT::load(a + p), VT::load(x + p), s0);
    s1 = VT::fma(VT::load(a + p + W), VT::load(x + p + W), s1);
    s2 = VT::fma(VT::load(a + p + 2 * W), VT::load(x + p + 2 * W), s2);
    s3 = VT::fma(VT::load(a + p + 3 * W), VT::load(x + p + 3 * W), s3);
  }
  for (; p + W <= k; p += W) s0 = VT::fma(VT::load(a + p), VT::load(x + p), s0);
  alignas(64) T lanes[W];
  VT::store(lanes, VT::add(VT::add(s0, s1), VT::add(s2, s3)));
  T sum = 0;
  for (int i = 0; i < W; ++i) sum += lanes[i];
  for (; p < k; ++p) sum += a[p] * x[p];
  return sum;
}

// The register tile and the cache blocks of one compute type. KC keeps the A micro-panel
// (MR x KC) in L1 while the kernel walks across the packed B block; KC x NC of B is sized for
// L2 (1 MiB per core on the machines this was tuned on, see benchmarks/RESULTS.md).
template <typename T> struct Tile {
  static constexpr int MR = kMR;
  static constexpr int NV = 2;
  static constexpr int NR = NV * Vec<T>::W;
  static constexpr int KC = sizeof(T) == 4 ? 256 : 192;
  static constexpr int NC = sizeof(T) == 4 ? 512 : 320;
};

// C[0:mr, 0:nr] = alpha * sum_p a[p*MR + i] * b[p*NR + j] + beta * C, with R <= MR live rows
// (a partial tile at the bottom edge computes only the rows it has). beta == 0 never reads C.
// PackedA = false reads a full tile's rows of A in place, a_rs apart with unit column stride.
// The fast store needs a full tile with unit column stride; other tiles go through a buffer.
template <typename T, int R, bool PackedA = true>
inline void micro_kernel(int64_t kc, const T* __restrict a, int64_t a_rs, const T* __restrict b, T* c, int64_t c_rs,
                         int64_t c_cs, int mr, int nr, T alpha, T beta) {
  using VT = Vec<T>;
  using V = typename VT::V;
  constexpr int MR = Tile<T>::MR, NV = Tile<T>::NV, W = VT::W, NR = Tile<T>::NR;
  V acc[R][NV];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = VT::zero();
#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = VT::load(b + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const V av = VT::set1(PackedA ? a[i] : a[i * a_rs]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = VT::fma(av, bv[v], acc[i][v]);
    }
    a += PackedA ? MR : 1;
    b += NR;
  }
  const V va = VT::set1(alpha), vb = VT::set1(beta);
  if (mr == R && nr == NR && c_cs == 1) {
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      T* row = c + i * c_rs;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const V out = beta == T(0) ? VT::mul(va, acc[i][v]) : VT::fma(va, acc[i][v], VT::mul(vb, VT::load(row + v * W)));
        VT::store(row + v * W, out);
      }
    }
    return;
  }
  alignas(64) T tile[R * NR];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) VT::store(tile + i * NR + v * W, VT::mul(va, acc[i][v]));
  for (int i = 0; i < mr; ++i) {
    T* row = c + i * c_rs;
    const T* t = tile + i * NR;
    if (beta == T(0)) {
      for (int j = 0; j < nr; ++j) row[j * c_cs] = t[j];
    } else {
      for (int j = 0; j < nr; ++j) row[j * c_cs] = t[j] + beta * row[j * c_cs];
    }
  }
}

}  // namespace gemm
EMBER_ISA_NAMESPACE_END
