// The fast CPU GEMM for the floating dtypes, BLIS-style: five loops around the register-blocked
// micro-kernel of gemm_kernel.h.
//
//   for jc over n in NC columns          B block (KC x NC) packed once, lives in L2
//     for pc over k in KC                  (beta applies in the first depth block only)
//       pack B[pc:pc+kc, jc:jc+nc] into NR-wide panels
//       for ir over m in MR rows           A micro-panel (MR x KC) packed, lives in L1
//         pack A[ir:ir+MR, pc:pc+kc]
//         for jr over nc in NR columns     micro-kernel on one MR x NR tile of C
//
// Packing reads the operands through their strides, so a transposed or stepped view costs no
// copy beyond the packing itself, and converts float16/bfloat16 to float32: their products
// accumulate in float32 into a float32 workspace that is rounded once at the end. Threads take
// whole output tiles (batch entries, row ranges or column ranges), each with its own packing
// buffers, so they never wait on each other. Matrix-vector shapes (n == 1 or m == 1) take dot
// or axpy loops instead of tiles that would be mostly padding. Integer dtypes stay on the
// reference GEMM (cpu/gemm.cpp).
#include <algorithm>
#include <cstdlib>
#include <new>
#include <type_traits>

#include "cpu/convert.h"
#include "cpu/gemm.h"
#include "cpu/isa/gemm_bf16.h"
#include "cpu/isa/gemm_kernel.h"
#include "cpu/isa/gemm_pack.h"
#include "cpu/parallel.h"

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace gemm {
namespace {

// Products with fewer multiply-adds than this stay on the calling thread: a parallel region
// costs a few microseconds, which is what one core needs for ~64^3 multiply-adds.
constexpr double kParallelWork = 1 << 19;

// tl_work holds gemv's column sums, tl_out the float32 result of a 16-bit product (a band),
// tl_swap the transposed product of gemm_as_transposed.
thread_local Scratch tl_a_pack, tl_b_pack, tl_work, tl_out, tl_swap;

template <typename T, typename S> inline T load(const S* p) { return convert<T>(*p); }

#if defined(__AVX2__) || defined(__AVX512F__)
// dst[q * ld + i] = src[i * cs + q] for an 8 x 8 block of floats: 8 loads, the classic
// unpack / shuffle / lane-permute transpose, 8 stores.
inline void transpose_8x8(const float* src, int64_t cs, float* dst, int64_t ld) {
  __m256 r[8], t[8], u[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * cs);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int q = 0; q < 4; ++q) {
    _mm256_storeu_ps(dst + q * ld, _mm256_permute2f128_ps(u[q], u[q + 4], 0x20));
    _mm256_storeu_ps(dst + (q + 4) * ld, _mm256_permute2f128_ps(u[q], u[q + 4], 0x31));
  }
}
#endif

// A panel of NR columns of a transposed float B (columns contiguous): 8 x 8 blocks transposed
// in registers where the scalar walk stores one element at a time. Returns false where the
// vector form does not apply, for the caller's general loop.
template <typename S, typename T>
inline bool pack_transposed_panel(int64_t kc, const S* s, int64_t cs, T* dst) {
#if defined(__AVX2__) || defined(__AVX512F__)
  if constexpr (std::is_same_v<S, float> && std::is_same_v<T, float>) {
    constexpr int NR = Tile<T>::NR;
    static_assert(NR % 8 == 0, "the panel is a whole number of 8-column blocks");
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8)
      for (int j = 0; j < NR; j += 8) transpose_8x8(s + j * cs + p, cs, dst + p * NR + j, NR);
    for (; p < kc; ++p)
      for (int j = 0; j < NR; ++j) dst[p * NR + j] = s[j * cs + p];
    return true;
  }
#endif
  (void)kc, (void)s, (void)cs, (void)dst;
  return false;
}

// B[0:kc, 0:nc] -> panels of NR columns, each kc rows of NR values, zero-padded on the right.
template <typename S, typename T>
void pack_b(int64_t kc, int64_t nc, const S* b, int64_t rs, int64_t cs, T* dst) {
  constexpr int NR = Tile<T>::NR;
  for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += kc * NR) {
    const int64_t nr = std::min<int64_t>(NR, nc - j0);
    const S* s = b + j0 * cs;
    if (cs == 1 && nr == NR) {  // rows of B contiguous: copy NR at a time
      for (int64_t p = 0; p < kc; ++p)
#pragma omp simd
        for (int j = 0; j < NR; ++j) dst[p * NR + j] = load<T>(s + p * rs + j);
      continue;
    }
    if (rs == 1 && nr == NR && pack_transposed_panel(kc, s, cs, dst)) continue;
    if (rs == 1) {  // columns contiguous (a transposed B): walk each column
      for (int64_t j = 0; j < nr; ++j)
        for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = load<T>(s + j * cs + p);
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t j = 0; j < nr; ++j) dst[p * NR + j] = load<T>(s + p * rs + j * cs);
    }
    if (nr < NR)
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t j = nr; j < NR; ++j) dst[p * NR + j] = T(0);
  }
}

// One strided 2-D problem: C = alpha * A @ B + beta * C (beta == 0 never reads C).
template <typename T> struct Problem {
  int64_t m, n, k;
  T alpha, beta;
  int64_t a_rs, a_cs, b_rs, b_cs, c_rs, c_cs;
};

template <typename T> void scale_c(const Problem<T>& q, T* c) {
  for (int64_t i = 0; i < q.m; ++i)
    for (int64_t j = 0; j < q.n; ++j) {
      T& out = c[i * q.c_rs + j * q.c_cs];
      out = q.beta == T(0) ? T(0) : q.beta * out;
    }
}

// y[i] = alpha * sum_p A[i, p] x[p] + beta * y[i] for an m x k A: the n == 1 (and, transposed,
// the m == 1) shape.
template <typename S, typename T>
void gemv(int64_t m, int64_t k, T alpha, const S* a, int64_t a_rs, int64_t a_cs, const S* x, int64_t xs, T beta,
          T* y, int64_t ys) {
  const auto store = [&](int64_t i, T sum) {
    T& out = y[i * ys];
    out = beta == T(0) ? alpha * sum : alpha * sum + beta * out;
  };
  if (a_rs == 1 && a_cs != 1) {  // columns of A contiguous: accumulate columns (axpy form)
    T* acc = tl_work.get<T>(m);
    std::fill(acc, acc + m, T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T xp = load<T>(x + p * xs);
      const S* col = a + p * a_cs;
#pragma omp simd
      for (int64_t i = 0; i < m; ++i) acc[i] += load<T>(col + i) * xp;
    }
    for (int64_t i = 0; i < m; ++i) store(i, acc[i]);
    tl_work.shrink(size_t(16) << 20);
    return;
  }
  for (int64_t i = 0; i < m; ++i) {  // one dot product per row
    const S* row = a + i * a_rs;
    if constexpr (std::is_same_v<S, T>) {
      if (a_cs == 1 && xs == 1) {
        store(i, dot(row, x, k));
        continue;
      }
    }
    T sum = 0;
    for (int64_t p = 0; p < k; ++p) sum += load<T>(row + p * a_cs) * load<T>(x + p * xs);
    store(i, sum);
  }
}

// Part `part` of `parts` of the cache lines of rows x cols of a row-major operand: the next A
// micro-panel's lines, fetched a slice per micro-kernel call while the current one computes.
// Its rows lie a row stride apart, short runs that the hardware prefetchers do not pick up, so
// without this a large A's packing waits on memory for every line (13% of a 2048^3 product).
template <typename S>
inline void prefetch_rows(const S* a, int64_t rows, int64_t cols, int64_t rs, int64_t cs, int64_t part, int64_t parts) {
  if (cs != 1) return;
  constexpr int64_t kLine = 64 / sizeof(S);
  const int64_t per_row = (cols + kLine - 1) / kLine, lines = rows * per_row;
  for (int64_t l = part * lines / parts; l < (part + 1) * lines / parts; ++l)
    __builtin_prefetch(a + l / per_row * rs + l % per_row * kLine, 0, 3);
}

template <typename S, typename T> void gemm_2d(const Problem<T>& q, const S* a, const S* b, T* c) {
  if (q.k == 0) return scale_c(q, c);
  if (q.n == 1) return gemv(q.m, q.k, q.alpha, a, q.a_rs, q.a_cs, b, q.b_rs, q.beta, c, q.c_rs);
  if (q.m == 1) return gemv(q.n, q.k, q.alpha, b, q.b_cs, q.b_rs, a, q.a_cs, q.beta, c, q.c_cs);
  using Blk = Tile<T>;
  T* b_pack = tl_b_pack.get<T>(size_t(Blk::KC) * Blk::NC);
  T* a_pack = tl_a_pack.get<T>(size_t(Blk::MR) * Blk::KC);
  const bool direct_a = q.a_cs == 1 && q.n <= 2 * Blk::NR;
  for (int64_t jc = 0; jc < q.n; jc += Blk::NC) {
    const int64_t nc = std::min<int64_t>(Blk::NC, q.n - jc);
    for (int64_t pc = 0; pc < q.k; pc += Blk::KC) {
      const int64_t kc = std::min<int64_t>(Blk::KC, q.k - pc);
      pack_b(kc, nc, b + pc * q.b_rs + jc * q.b_cs, q.b_rs, q.b_cs, b_pack);
      const T beta = pc == 0 ? q.beta : T(1);  // later depth blocks add to the partial sums in C
      for (int64_t ir = 0; ir < q.m; ir += Blk::MR) {
        const int mr = static_cast<int>(std::min<int64_t>(Blk::MR, q.m - ir));
        T* c_row = c + ir * q.c_rs + jc * q.c_cs;
        if constexpr (std::is_same_v<S, T>) {
          // Few columns: packing A would cost as much as using it, so full tiles of a
          // row-major A are read in place.
          if (direct_a && mr == Blk::MR) {
            const T* a_tile = a + ir * q.a_rs + pc;
            for (int64_t jr = 0; jr < nc; jr += Blk::NR)
              micro_kernel<T, Blk::MR, false>(kc, a_tile, q.a_rs, b_pack + (jr / Blk::NR) * kc * Blk::NR,
                                              c_row + jr * q.c_cs, q.c_rs, q.c_cs, mr,
                                              static_cast<int>(std::min<int64_t>(Blk::NR, nc - jr)), q.alpha, beta);
            continue;
          }
        }
        pack_a(mr, kc, a + ir * q.a_rs + pc * q.a_cs, q.a_rs, q.a_cs, a_pack);
        const int64_t next_rows = std::min<int64_t>(Blk::MR, q.m - ir - Blk::MR);
        const S* next_a = a + (ir + Blk::MR) * q.a_rs + pc * q.a_cs;
        for (int64_t jr = 0; jr < nc; jr += Blk::NR) {
          const int nr = static_cast<int>(std::min<int64_t>(Blk::NR, nc - jr));
          if (next_rows > 0) prefetch_rows(next_a, next_rows, kc, q.a_rs, q.a_cs, jr / Blk::NR, (nc + Blk::NR - 1) / Blk::NR);
          run_kernel<T>(kc, a_pack, b_pack + (jr / Blk::NR) * kc * Blk::NR, c_row + jr * q.c_cs, q.c_rs, q.c_cs, mr,
                        nr, q.alpha, beta);
        }
      }
    }
  }
}

// One output tile of storage type S. The 16-bit types accumulate into a float32 workspace,
// then alpha, beta and the single rounding apply on the way out. The workspace covers a band
// of rows at a time (about 4 MiB), so its size stays bounded whatever the output's.
template <typename S, typename T> void gemm_tile(const Problem<T>& q, const S* a, const S* b, S* c) {
  if constexpr (std::is_same_v<S, T>) {
    gemm_2d<S, T>(q, a, b, c);
  } else {
    constexpr int64_t MR = Tile<T>::MR;
    const int64_t band = std::max<int64_t>(MR, (int64_t(4) << 20) / int64_t(sizeof(T)) / q.n / MR * MR);
    T* work = tl_out.get<T>(size_t(std::min(band, q.m)) * q.n);
    for (int64_t i0 = 0; i0 < q.m; i0 += band) {
      Problem<T> w = q;
      w.m = std::min(band, q.m - i0);
      w.alpha = T(1);
      w.beta = T(0);
      w.c_rs = q.n;
      w.c_cs = 1;
      gemm_2d<S, T>(w, a + i0 * q.a_rs, b, work);
      for (int64_t i = 0; i < w.m; ++i)
        for (int64_t j = 0; j < q.n; ++j) {
          S& out = c[(i0 + i) * q.c_rs + j * q.c_cs];
          const T v = q.alpha * work[i * q.n + j];
          out = convert<S>(q.beta == T(0) ? v : v + q.beta * convert<T>(out));
        }
    }
  }
}

// C = A @ B as C^T = B^T @ A^T: the same memory, the operands' roles and strides swapped.
GemmArgs transposed(const GemmArgs& g) {
  GemmArgs t = g;
  t.m = g.n;
  t.n = g.m;
  t.a = g.b;
  t.a_rs = g.b_cs;
  t.a_cs = g.b_rs;
  t.b = g.a;
  t.b_rs = g.a_cs;
  t.b_cs = g.a_rs;
  t.c_rs = g.c_cs;
  t.c_cs = g.c_rs;
  for (int d = 0; d < g.batch_ndim; ++d) {
    t.a_bs[d] = g.b_bs[d];
    t.b_bs[d] = g.a_bs[d];
  }
  return t;
}

// A few rows times a transposed B (x @ W.T, a Linear layer's forward at a small batch): every
// B element packed is used by only m / MR micro-kernel calls, and a transposed B packs one
// element at a time. As C^T = W @ x^T the big operand is a row-major A that the micro-kernel
// reads in place (gemm_2d's direct A), and only the small x^T is packed (32 x 1024 x 1024 on
// one core: 1.13 -> 0.71 ms).
template <typename T> bool better_transposed(const GemmArgs& g) {
  constexpr int64_t kDirectRows = 2 * Tile<T>::NR;  // gemm_2d reads A in place up to this n
  return g.m > 16 && g.m <= kDirectRows && g.n > kDirectRows && g.b_rs == 1 && g.b_cs != 1;
}

// The batched problem: split into tasks (batch entry x row range x column range) for threads.
template <typename S, typename T> void gemm_batched(const GemmArgs& g);

// C^T = W @ x^T into a contiguous n x m buffer (the micro-kernel's fast store), then C from it.
template <typename T> void gemm_as_transposed(const GemmArgs& g) {
  T* out = tl_swap.get<T>(size_t(g.m) * g.n);
  GemmArgs t = transposed(g);
  t.c = out;
  t.c_rs = g.m;
  t.c_cs = 1;
  t.beta = 0;
  gemm_batched<T, T>(t);
  T* c = static_cast<T*>(g.c);
  const T beta = T(g.beta);
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      T& dst = c[i * g.c_rs + j * g.c_cs];
      dst = beta == T(0) ? out[j * g.m + i] : out[j * g.m + i] + beta * dst;
    }
  tl_swap.shrink(size_t(16) << 20);
}

template <typename S, typename T> void gemm_batched(const GemmArgs& g) {
  if constexpr (std::is_same_v<S, T>)
    if (g.batch_ndim == 0 && better_transposed<T>(g)) return gemm_as_transposed<T>(g);
  int64_t batch = 1;
  for (int d = 0; d < g.batch_ndim; ++d) batch *= g.batch_sizes[d];
  if (batch == 0 || g.m == 0 || g.n == 0) return;
  const Problem<T> base{g.m, g.n, g.k, T(g.alpha), T(g.beta), g.a_rs, g.a_cs, g.b_rs, g.b_cs, g.c_rs, g.c_cs};

  const double work = double(batch) * g.m * g.n * std::max<int64_t>(g.k, 1);
  const int threads = get_num_threads();
  const bool parallel = threads > 1 && work >= kParallelWork;
  // Few batch entries: split each one's output too, along the dim with more tiles, so that
  // every thread gets an equal share; many entries: one task per entry.
  int64_t pm = 1, pn = 1;
  if (parallel && batch < 4 * threads) {
    const int64_t tiles_m = (g.m + Tile<T>::MR - 1) / Tile<T>::MR, tiles_n = (g.n + Tile<T>::NR - 1) / Tile<T>::NR;
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
  const int64_t m_chunk = chunk(g.m, pm, Tile<T>::MR), n_chunk = chunk(g.n, pn, Tile<T>::NR);
  pm = (g.m + m_chunk - 1) / m_chunk;
  pn = (g.n + n_chunk - 1) / n_chunk;
  const int64_t tasks = batch * pm * pn;

  const S* a = static_cast<const S*>(g.a);
  const S* b = static_cast<const S*>(g.b);
  S* c = static_cast<S*>(g.c);
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
      Problem<T> q = base;
      q.m = std::min(m_chunk, g.m - i0);
      q.n = std::min(n_chunk, g.n - j0);
      gemm_tile<S, T>(q, a + a_off, b + b_off, c + c_off);
    }
  });
}

}  // namespace

void gemm_kernel_fast(const GemmArgs& g) {
  switch (g.dtype) {
    case kFloat32: return gemm_batched<float, float>(g);
    case kFloat64: return gemm_batched<double, double>(g);
    case kFloat16: return gemm_batched<Half, float>(g);
    case kBFloat16: return gemm_batched<BFloat16, float>(g);
    default: return gemm_reference(g);  // integers
  }
}

}  // namespace gemm

void register_gemm_kernels() { gemm_kernel.set(DeviceType::CPU, gemm::gemm_kernel_fast); }

EMBER_ISA_NAMESPACE_END
