// The bfloat16 GEMM on AVX512-BF16: vdpbf16ps multiplies 16 pairs of bfloat16 values and adds
// both products of each pair into a float32 lane, 32 multiply-adds per instruction where a
// float32 FMA does 16, so a bfloat16 product runs up to twice as fast as a float32 one, and its
// packed panels are half the bytes.
//
// Layout: both operands are packed in k-interleaved pairs. A micro-panel holds, for each pair
// of depth steps (2p, 2p+1), MR 32-bit words (a[i][2p], a[i][2p+1]); a B panel holds NR words
// (b[2p][j], b[2p+1][j]) per pair. An odd depth is padded with a zero half. The micro-kernel
// broadcasts one A word and issues a dot product against two B vectors per row, keeping a
// 12 x 32 float32 tile in 24 zmm registers, as the float32 kernel does.
//
// Sums stay in float32 across depth blocks in a per-thread workspace (a band of rows at a
// time); alpha, beta and the single rounding to bfloat16 apply on the way out, as in the float32
// path for 16-bit types. The instruction treats subnormal inputs as zero and flushes subnormal
// results (it ignores MXCSR), which differs from the float32 path only below 1e-38.
//
// Only the AVX-512 variant has it (the instructions are enabled for this file's functions by a
// target pragma); register_cpu.cpp registers it when the CPU reports avx512bf16. Shapes it does
// not take (matrix-vector, depth 0) and other dtypes go to the GEMM of gemm.cpp.
#include "cpu/isa/gemm_bf16.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cpu/isa/gemm_pack.h"
#include "cpu/parallel.h"
#include "ember/half.h"

#pragma GCC push_options
#pragma GCC target("avx512bf16")
// GCC 12 takes the undefined pass-through vectors inside the zero-extension and shift intrinsics
// for uninitialized reads.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

EMBER_ISA_NAMESPACE_BEGIN
namespace gemm_bf16 {
namespace {

constexpr int MR = 12, NV = 2, NR = 16 * NV;
// Depth block in elements (KC / 2 pairs): the A micro-panel (MR x KC bfloat16, 12 KiB) stays in
// L1 while the kernel walks the B block; KC x NC of B (512 KiB) is sized for L2.
constexpr int64_t KC = 512, NC = 512;
// Below this many multiply-adds a product stays on the calling thread.
constexpr double kParallelWork = 1 << 19;
// Rows of the float32 workspace per band: about 4 MiB whatever the output's width.
constexpr int64_t kWorkspaceBytes = int64_t(4) << 20;

// Per-thread packing buffers and the float32 workspace (gemm_pack.h's grow-only scratch).
thread_local gemm::Scratch tl_a_pack, tl_b_pack, tl_work;

inline uint32_t pair(uint16_t lo, uint16_t hi) { return uint32_t(lo) | (uint32_t(hi) << 16); }
inline uint32_t load_pair(const uint16_t* p) {  // two adjacent values, any alignment
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// B[0:kc, 0:nc] -> panels of NR columns, each ceil(kc / 2) steps of NR pairs, zero-padded.
void pack_b(int64_t kc, int64_t nc, const uint16_t* b, int64_t rs, int64_t cs, uint32_t* dst) {
  const int64_t kc2 = (kc + 1) / 2;
  for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += kc2 * NR) {
    const int64_t nr = std::min<int64_t>(NR, nc - j0);
    const uint16_t* s = b + j0 * cs;
    if (cs == 1 && nr == NR) {  // rows contiguous: interleave two rows, 16 columns at a time
      int64_t p = 0;
      for (; p + 1 < kc; p += 2) {
        const uint16_t* r0 = s + p * rs;
        const uint16_t* r1 = r0 + rs;
        for (int v = 0; v < NV; ++v) {
          const __m512i lo = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + 16 * v)));
          const __m512i hi = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1 + 16 * v)));
          _mm512_storeu_si512(dst + (p / 2) * NR + 16 * v, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
        }
      }
      if (p < kc)
        for (int j = 0; j < NR; ++j) dst[(p / 2) * NR + j] = s[p * rs + j];
      continue;
    }
    for (int64_t p2 = 0; p2 < kc2; ++p2) {
      const int64_t p = 2 * p2;
      uint32_t* d = dst + p2 * NR;
      if (p + 1 < kc) {
        if (rs == 1) {  // columns contiguous (a transposed B): each pair is one word
          for (int64_t j = 0; j < nr; ++j) d[j] = load_pair(s + j * cs + p);
        } else {
          for (int64_t j = 0; j < nr; ++j) d[j] = pair(s[p * rs + j * cs], s[(p + 1) * rs + j * cs]);
        }
      } else {
        for (int64_t j = 0; j < nr; ++j) d[j] = s[p * rs + j * cs];
      }
      for (int64_t j = nr; j < NR; ++j) d[j] = 0;
    }
  }
}

// A[0:mr, 0:kc] -> one micro-panel: ceil(kc / 2) steps of MR pairs, zero-padded below row mr.
void pack_a(int64_t mr, int64_t kc, const uint16_t* a, int64_t rs, int64_t cs, uint32_t* dst) {
  const int64_t kc2 = (kc + 1) / 2, even = kc & ~int64_t(1);
  for (int64_t i = 0; i < mr; ++i) {
    const uint16_t* row = a + i * rs;
    if (cs == 1) {  // a row-major A: the pairs are the row's words
      for (int64_t p = 0; p < even; p += 2) dst[(p / 2) * MR + i] = load_pair(row + p);
    } else {
      for (int64_t p = 0; p < even; p += 2) dst[(p / 2) * MR + i] = pair(row[p * cs], row[(p + 1) * cs]);
    }
    if (even < kc) dst[(kc2 - 1) * MR + i] = row[even * cs];
  }
  for (int64_t p2 = 0; p2 < kc2; ++p2)
    for (int64_t i = mr; i < MR; ++i) dst[p2 * MR + i] = 0;
}

inline __m512bh as_bh(__m512i v) { return (__m512bh)v; }  // the same 64 bytes, read as 32 bfloat16

// work[0:mr, 0:nr] (= or +=) sum over kc2 pairs of a[p*MR + i] . b[p*NR + j], for R >= mr
// rows; work has unit column stride and rows w_rs apart.
template <int R>
inline void micro_kernel(int64_t kc2, const uint32_t* __restrict a, const uint32_t* __restrict b, float* work,
                         int64_t w_rs, int mr, int nr, bool accumulate) {
  __m512 acc[R][NV];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t p = 0; p < kc2; ++p) {
    __m512bh bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = as_bh(_mm512_loadu_si512(b + 16 * v));
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m512bh av = as_bh(_mm512_set1_epi32(static_cast<int>(a[i])));
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_dpbf16_ps(acc[i][v], av, bv[v]);
    }
    a += MR;
    b += NR;
  }
  __mmask16 mask[NV];
  for (int v = 0; v < NV; ++v) {
    const int live = std::clamp(nr - 16 * v, 0, 16);
    mask[v] = static_cast<__mmask16>((1u << live) - 1u);
  }
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    if (i >= mr) break;
    float* row = work + i * w_rs;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      __m512 out = acc[i][v];
      if (accumulate) out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(mask[v], row + 16 * v));
      _mm512_mask_storeu_ps(row + 16 * v, mask[v], out);
    }
  }
}

// The kernel for a tile of mr live rows: the full one, or a shorter one for the bottom edge.
inline void run_kernel(int64_t kc2, const uint32_t* a, const uint32_t* b, float* work, int64_t w_rs, int mr, int nr,
                       bool accumulate) {
  if (mr > 2 * MR / 3) micro_kernel<MR>(kc2, a, b, work, w_rs, mr, nr, accumulate);
  else if (mr > MR / 3) micro_kernel<2 * MR / 3>(kc2, a, b, work, w_rs, mr, nr, accumulate);
  else micro_kernel<MR / 3>(kc2, a, b, work, w_rs, mr, nr, accumulate);
}

// One strided 2-D problem of a thread: C = alpha * A @ B + beta * C, in bfloat16 storage.
struct Problem {
  int64_t m, n, k;
  float alpha, beta;
  int64_t a_rs, a_cs, b_rs, b_cs, c_rs, c_cs;
};

// work (rows x n, float32, row-major) = A[0:rows] @ B.
void product(const Problem& q, int64_t rows, const uint16_t* a, const uint16_t* b, float* work) {
  uint32_t* b_pack = tl_b_pack.get<uint32_t>(size_t(KC / 2) * ((NC + NR - 1) / NR * NR));
  uint32_t* a_pack = tl_a_pack.get<uint32_t>(size_t(MR) * (KC / 2));
  for (int64_t jc = 0; jc < q.n; jc += NC) {
    const int64_t nc = std::min<int64_t>(NC, q.n - jc);
    for (int64_t pc = 0; pc < q.k; pc += KC) {
      const int64_t kc = std::min<int64_t>(KC, q.k - pc), kc2 = (kc + 1) / 2;
      pack_b(kc, nc, b + pc * q.b_rs + jc * q.b_cs, q.b_rs, q.b_cs, b_pack);
      for (int64_t ir = 0; ir < rows; ir += MR) {
        const int mr = static_cast<int>(std::min<int64_t>(MR, rows - ir));
        pack_a(mr, kc, a + ir * q.a_rs + pc * q.a_cs, q.a_rs, q.a_cs, a_pack);
        for (int64_t jr = 0; jr < nc; jr += NR)
          run_kernel(kc2, a_pack, b_pack + (jr / NR) * kc2 * NR, work + ir * q.n + jc + jr, q.n, mr,
                     static_cast<int>(std::min<int64_t>(NR, nc - jr)), pc > 0);
      }
    }
  }
}

// C = round(alpha * work + beta * C) for rows of the band; beta == 0 never reads C.
void store(const Problem& q, int64_t rows, const float* work, uint16_t* c) {
  const float alpha = q.alpha, beta = q.beta;
  for (int64_t i = 0; i < rows; ++i) {
    const float* w = work + i * q.n;
    uint16_t* out = c + i * q.c_rs;
    if (q.c_cs == 1) {
      if (beta == 0.0f) {
#pragma omp simd
        for (int64_t j = 0; j < q.n; ++j) out[j] = detail::float_to_bfloat16_bits(alpha * w[j]);
      } else {
#pragma omp simd
        for (int64_t j = 0; j < q.n; ++j)
          out[j] = detail::float_to_bfloat16_bits(alpha * w[j] + beta * detail::bfloat16_bits_to_float(out[j]));
      }
      continue;
    }
    for (int64_t j = 0; j < q.n; ++j) {
      uint16_t& o = out[j * q.c_cs];
      const float v = alpha * w[j];
      o = detail::float_to_bfloat16_bits(beta == 0.0f ? v : v + beta * detail::bfloat16_bits_to_float(o));
    }
  }
}

void gemm_tile(const Problem& q, const uint16_t* a, const uint16_t* b, uint16_t* c) {
  const int64_t band = std::max<int64_t>(MR, kWorkspaceBytes / int64_t(sizeof(float)) / q.n / MR * MR);
  float* work = tl_work.get<float>(size_t(std::min(band, q.m)) * q.n);
  for (int64_t i0 = 0; i0 < q.m; i0 += band) {
    const int64_t rows = std::min(band, q.m - i0);
    product(q, rows, a + i0 * q.a_rs, b, work);
    store(q, rows, work, c + i0 * q.c_rs);
  }
}

// The batched problem split into tasks (batch entry x row range x column range) for threads.
void gemm_batched(const GemmArgs& g) {
  int64_t batch = 1;
  for (int d = 0; d < g.batch_ndim; ++d) batch *= g.batch_sizes[d];
  if (batch == 0 || g.m == 0 || g.n == 0) return;
  const Problem base{g.m, g.n, g.k, float(g.alpha), float(g.beta), g.a_rs, g.a_cs, g.b_rs, g.b_cs, g.c_rs, g.c_cs};
  const double work = double(batch) * g.m * g.n * g.k;
  const int threads = get_num_threads();
  const bool parallel = threads > 1 && work >= kParallelWork;
  // Few batch entries: split each output along the dim with more tiles so every thread gets a
  // share; many entries: one task per entry.
  int64_t pm = 1, pn = 1;
  if (parallel && batch < 4 * threads) {
    const int64_t tiles_m = (g.m + MR - 1) / MR, tiles_n = (g.n + NR - 1) / NR;
    if (tiles_m >= tiles_n) {
      pm = std::min<int64_t>(threads, tiles_m);
      pn = std::min<int64_t>((threads + pm - 1) / pm, tiles_n);
    } else {
      pn = std::min<int64_t>(threads, tiles_n);
      pm = std::min<int64_t>((threads + pn - 1) / pn, tiles_m);
    }
  }
  const auto chunk = [](int64_t size, int64_t parts, int64_t unit) {
    const int64_t per = (size + parts - 1) / parts;
    return std::max<int64_t>(unit, (per + unit - 1) / unit * unit);
  };
  const int64_t m_chunk = chunk(g.m, pm, MR), n_chunk = chunk(g.n, pn, NR);
  pm = (g.m + m_chunk - 1) / m_chunk;
  pn = (g.n + n_chunk - 1) / n_chunk;
  const int64_t tasks = batch * pm * pn;
  const uint16_t* a = static_cast<const uint16_t*>(g.a);
  const uint16_t* b = static_cast<const uint16_t*>(g.b);
  uint16_t* c = static_cast<uint16_t*>(g.c);
  parallel_for(0, tasks, parallel ? 1 : tasks, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      int64_t bi = t / (pm * pn);
      const int64_t i0 = (t % (pm * pn)) / pn * m_chunk, j0 = t % pn * n_chunk;
      int64_t a_off = i0 * g.a_rs, b_off = j0 * g.b_cs, c_off = i0 * g.c_rs + j0 * g.c_cs;
      for (int d = g.batch_ndim - 1; d >= 0; --d) {  // batch index -> operand offsets
        const int64_t idx = bi % g.batch_sizes[d];
        bi /= g.batch_sizes[d];
        a_off += idx * g.a_bs[d];
        b_off += idx * g.b_bs[d];
        c_off += idx * g.c_bs[d];
      }
      Problem q = base;
      q.m = std::min(m_chunk, g.m - i0);
      q.n = std::min(n_chunk, g.n - j0);
      gemm_tile(q, a + a_off, b + b_off, c + c_off);
    }
  });
}

void gemm_kernel_bf16(const GemmArgs& g) {
  // Matrix-vector shapes and depth 0 keep the dot/axpy and scaling paths of gemm.cpp.
  if (g.dtype != kBFloat16 || g.k == 0 || g.m == 1 || g.n == 1) return gemm::gemm_kernel_fast(g);
  gemm_batched(g);
}

}  // namespace
}  // namespace gemm_bf16

void register_gemm_bf16_kernels() { gemm_kernel.set(DeviceType::CPU, gemm_bf16::gemm_kernel_bf16); }

EMBER_ISA_NAMESPACE_END

#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif  // __AVX512F__
