// A host-side model of the CUDA GEMM kernels, for machines without a GPU: the kernel templates
// of cuda/gemm/*.cuh compiled by the host compiler, one std::thread per CUDA thread, blocks one
// after another, __syncthreads as a barrier, and the warp-wide PTX (ldmatrix, mma.sync) replaced
// by models written from the PTX ISA's fragment layouts (not from the kernels' address math, so
// a mismatch between the two shows up as a wrong product). cp.async is modelled as a plain copy.
// It checks indexing, layouts, edges, strides, batching and alpha/beta against a double-precision
// reference; it says nothing about speed. Not part of the build (.cpp under cuda/ is not globbed):
//
//   g++ -std=c++20 -O1 -pthread -I/usr/local/cuda/include -Icsrc/include -Icsrc -Icuda \
//       cuda/gemm/emulate/gemm_emulate.cpp -o /tmp/gemm_emulate && /tmp/gemm_emulate
#include <cuda_runtime.h>  // vector types for the host compiler

#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

// ---- CUDA's device-side vocabulary on the host ----
#undef __global__
#undef __device__
#undef __host__
#undef __shared__
#undef __grid_constant__
#undef __launch_bounds__
#define __global__
#define __device__
#define __host__
#define __shared__ static  // one block at a time: a static is the block's shared memory
#define __grid_constant__
#define __launch_bounds__(...)

thread_local dim3 emu_thread_idx, emu_block_idx;
#define threadIdx emu_thread_idx
#define blockIdx emu_block_idx

std::barrier<>* emu_block_barrier = nullptr;
inline void __syncthreads() { emu_block_barrier->arrive_and_wait(); }
template <typename T> inline T __ldg(const T* p) { return *p; }

#include "ember/half.h"

// ---- the PTX model (stands in for gemm/ptx.cuh) ----
#define EMBER_CUDA_GEMM_PTX_CUH
namespace emu {
alignas(16) unsigned char smem[256 * 1024];
struct Warp {
  std::barrier<> bar{32};
  uint32_t addr[32];
  uint32_t a[32][4], b[32][2];
  float c[32][4];
};
std::vector<std::unique_ptr<Warp>> warps;
inline Warp& warp() { return *warps[threadIdx.x / 32]; }
inline int lane() { return threadIdx.x % 32; }
inline uint16_t ld16(uint32_t addr) {
  uint16_t v;
  std::memcpy(&v, smem + addr, 2);
  return v;
}
inline float bits_f(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
}  // namespace emu

namespace ember::cuda::gemm::ptx {
inline unsigned char* dynamic_smem() { return emu::smem; }
inline uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(static_cast<const unsigned char*>(p) - emu::smem);
}
inline void cp_async16(uint32_t dst, const void* src) { std::memcpy(emu::smem + dst, src, 16); }
inline void cp_async_commit() {}
template <int kPending> inline void cp_async_wait() {}

// ldmatrix .x4: lanes 8i..8i+7 give the row addresses of matrix i (8 rows of 8 b16); lane l gets
// of matrix i the pair (row l/4, cols 2(l%4), +1), or with .trans (rows 2(l%4), +1, col l/4).
template <bool kTrans> inline void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
  emu::Warp& w = emu::warp();
  const int l = emu::lane();
  w.addr[l] = addr;
  w.bar.arrive_and_wait();
  for (int i = 0; i < 4; ++i) {
    uint16_t lo, hi;
    if (!kTrans) {
      const uint32_t row = w.addr[8 * i + l / 4];
      lo = emu::ld16(row + 2 * (2 * (l % 4)));
      hi = emu::ld16(row + 2 * (2 * (l % 4) + 1));
    } else {
      lo = emu::ld16(w.addr[8 * i + 2 * (l % 4)] + 2 * (l / 4));
      hi = emu::ld16(w.addr[8 * i + 2 * (l % 4) + 1] + 2 * (l / 4));
    }
    r[i] = uint32_t(lo) | (uint32_t(hi) << 16);
  }
  w.bar.arrive_and_wait();
}

inline uint32_t to_tf32(uint32_t bits) {  // cvt.rna: round the 13 low mantissa bits away
  if ((bits & 0x7f800000u) == 0x7f800000u) return bits;
  return (bits + 0x1000u) & 0xffffe000u;
}

// mma.sync: the fragments of all 32 lanes rebuilt into A (16 x K), B (K x 8), C (16 x 8).
template <typename T> inline void mma(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  emu::Warp& w = emu::warp();
  const int l = emu::lane();
  for (int i = 0; i < 4; ++i) w.a[l][i] = a[i], w.c[l][i] = d[i];
  for (int i = 0; i < 2; ++i) w.b[l][i] = b[i];
  w.bar.arrive_and_wait();
  constexpr bool k16 = sizeof(T) == 2;
  constexpr int K = k16 ? 16 : 8;
  float A[16][16] = {}, B[16][8] = {}, Cm[16][8] = {};
  const auto half_val = [](uint32_t reg, int hi) {
    const uint16_t bits = static_cast<uint16_t>(hi ? reg >> 16 : reg & 0xffffu);
    return std::is_same_v<T, ember::Half> ? float(ember::Half::from_bits(bits)) : float(ember::BFloat16::from_bits(bits));
  };
  for (int L = 0; L < 32; ++L) {
    const int g = L / 4, t = L % 4;
    if constexpr (k16) {
      for (int h = 0; h < 2; ++h) {
        A[g][2 * t + h] = half_val(w.a[L][0], h);
        A[g + 8][2 * t + h] = half_val(w.a[L][1], h);
        A[g][2 * t + 8 + h] = half_val(w.a[L][2], h);
        A[g + 8][2 * t + 8 + h] = half_val(w.a[L][3], h);
        B[2 * t + h][g] = half_val(w.b[L][0], h);
        B[2 * t + 8 + h][g] = half_val(w.b[L][1], h);
      }
    } else {
      A[g][t] = emu::bits_f(w.a[L][0]);
      A[g + 8][t] = emu::bits_f(w.a[L][1]);
      A[g][t + 4] = emu::bits_f(w.a[L][2]);
      A[g + 8][t + 4] = emu::bits_f(w.a[L][3]);
      B[t][g] = emu::bits_f(w.b[L][0]);
      B[t + 4][g] = emu::bits_f(w.b[L][1]);
    }
    Cm[g][2 * t] = w.c[L][0];
    Cm[g][2 * t + 1] = w.c[L][1];
    Cm[g + 8][2 * t] = w.c[L][2];
    Cm[g + 8][2 * t + 1] = w.c[L][3];
  }
  w.bar.arrive_and_wait();
  const int g = l / 4, t = l % 4;
  const int rows[4] = {g, g, g + 8, g + 8}, cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
  for (int e = 0; e < 4; ++e) {
    double s = Cm[rows[e]][cols[e]];
    for (int k = 0; k < K; ++k) s += double(A[rows[e]][k]) * double(B[k][cols[e]]);
    d[e] = static_cast<float>(s);
  }
}
}  // namespace ember::cuda::gemm::ptx

// __shfl_xor_sync: every lane posts its value, then reads its partner's.
template <typename T> inline T __shfl_xor_sync(unsigned, T v, int mask) {
  static_assert(sizeof(T) <= 8);
  emu::Warp& w = emu::warp();
  const int l = emu::lane();
  static_assert(sizeof(w.c[0]) >= 8);
  std::memcpy(w.c[l], &v, sizeof(T));
  w.bar.arrive_and_wait();
  T r;
  std::memcpy(&r, w.c[l ^ mask], sizeof(T));
  w.bar.arrive_and_wait();
  return r;
}

#include "gemm/gemv_kernel.cuh"
#include "gemm/mma_kernel.cuh"
#include "gemm/sgemm_kernel.cuh"
#include "gemm/simple_kernel.cuh"

using namespace ember;
using namespace ember::cuda::gemm;

// Runs `kernel()` over a grid, one block at a time, one std::thread per CUDA thread.
void run_grid(dim3 grid, int threads, const std::function<void()>& kernel) {
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned x = 0; x < grid.x; ++x) {
      std::barrier<> bar(threads);
      emu_block_barrier = &bar;
      emu::warps.clear();
      for (int w = 0; w < threads / 32; ++w) emu::warps.push_back(std::make_unique<emu::Warp>());
      std::memset(emu::smem, 0xff, sizeof(emu::smem));  // stale shared memory is NaN-ish garbage
      std::vector<std::thread> ts;
      for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
          emu_thread_idx = dim3(t, 0, 0);
          emu_block_idx = dim3(x, 0, z);
          kernel();
        });
      for (auto& th : ts) th.join();
    }
}

enum class Kind { Simple, Sgemm, Mma, Gemv, Sgemm64 };

template <typename T> void launch(Kind kind, const Problem& p) {
  if (kind == Kind::Gemv) {
    if constexpr (!std::is_integral_v<T>) {
      using namespace gemv_impl;
      using A = typename simple_impl::Acc<T>::type;
      bool rows_are_n = false;
      const GemvView v = gemv_view(p, rows_are_n);
      const bool along_k = gemv_along_k(v);
      const int64_t per = along_k ? kThreads / 32 : 32;
      for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
        run_grid(dim3((v.rows + per - 1) / per, 1, nz), kThreads, [&] {
          const A alpha = simple_impl::scalar_acc<A>(p.alpha), beta = simple_impl::scalar_acc<A>(p.beta);
          if (along_k) gemv_k_kernel<T>(p, z0, v, rows_are_n, alpha, beta);
          else gemv_r_kernel<T>(p, z0, v, rows_are_n, alpha, beta);
        });
      });
    }
  } else if (kind == Kind::Simple) {
    using A = typename simple_impl::Acc<T>::type;
    const Plan plan = make_plan(p, sizeof(T), 1, 1, simple_impl::kSimpleTile, simple_impl::kSimpleTile);
    for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
      run_grid(dim3(plan.tiles, 1, nz), simple_impl::kSimpleThreads, [&] {
        simple_impl::simple_gemm_kernel<T>(p, z0, simple_impl::scalar_acc<A>(p.alpha), simple_impl::scalar_acc<A>(p.beta),
                                           plan.a_k, plan.b_k);
      });
    });
  } else if (kind == Kind::Sgemm || kind == Kind::Sgemm64) {
    if constexpr (std::is_same_v<T, float>) {
      using namespace sgemm_impl;
      const auto go = [&](auto tm) {
        constexpr int kTM = decltype(tm)::value;
        Plan pl = make_plan(p, 4, 4, 4, kTM, kBN);
        pl.a_vec = make_plan(p, 4, kTM == 128 ? 4 : 2, 4, kTM, kBN).a_vec;
        for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
          run_grid(dim3(pl.tiles, 1, nz), kThreads, [&] {
            if (pl.a_k && pl.b_k) sgemm_kernel<kTM, true, true>(p, z0, pl.a_vec, pl.b_vec, pl.c_vec);
            else if (pl.a_k) sgemm_kernel<kTM, true, false>(p, z0, pl.a_vec, pl.b_vec, pl.c_vec);
            else if (pl.b_k) sgemm_kernel<kTM, false, true>(p, z0, pl.a_vec, pl.b_vec, pl.c_vec);
            else sgemm_kernel<kTM, false, false>(p, z0, pl.a_vec, pl.b_vec, pl.c_vec);
          });
        });
      };
      if (kind == Kind::Sgemm) go(std::integral_constant<int, kBM>{});
      else go(std::integral_constant<int, kBMSmall>{});
    }
  } else {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      using namespace mma_impl;
      const Plan pl = make_plan(p, sizeof(T), MmaConfig<T>::kVec, 2, kBM, kBN);
      for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
        run_grid(dim3(pl.tiles, 1, nz), kThreads, [&] {
          if (pl.a_k && pl.b_k) mma_gemm_kernel<T, true, true>(p, z0, pl.a_vec, pl.b_vec, pl.c_vec);
          else if (pl.a_k) mma_gemm_kernel<T, true, false>(p, z0, pl.a_vec, pl.b_vec, pl.c_vec);
          else if (pl.b_k) mma_gemm_kernel<T, false, true>(p, z0, pl.a_vec, pl.b_vec, pl.c_vec);
          else mma_gemm_kernel<T, false, false>(p, z0, pl.a_vec, pl.b_vec, pl.c_vec);
        });
      });
    }
  }
}

// ---- test cases ----

// An operand layout: how an r x c matrix (per batch entry) sits in its buffer.
enum class Layout { RowMajor, ColMajor, Strided, Offset };
const char* name(Layout l) {
  switch (l) {
    case Layout::RowMajor: return "row";
    case Layout::ColMajor: return "col";
    case Layout::Strided: return "strided";
    default: return "offset";
  }
}

struct Mat {
  int64_t rs, cs, bs, off, size;  // strides, batch stride, base offset, buffer elements
};
Mat make_mat(Layout l, int64_t r, int64_t c, int64_t batch, bool broadcast) {
  Mat m{};
  int64_t per = 0;
  switch (l) {
    case Layout::RowMajor: m.rs = c, m.cs = 1, per = r * c; break;
    case Layout::ColMajor: m.rs = 1, m.cs = r, per = r * c; break;
    case Layout::Strided: m.rs = 2 * c + 3, m.cs = 2, per = r * (2 * c + 3); break;
    case Layout::Offset: m.rs = c + 1, m.cs = 1, m.off = 1, per = r * (c + 1); break;  // unaligned, odd pitch
  }
  m.bs = broadcast ? 0 : per + 5;
  m.size = m.off + (broadcast ? 1 : batch) * (per + 5) + 8;
  return m;
}

template <typename T> double to_d(T v) {
  if constexpr (std::is_integral_v<T>) return double(v);
  else return double(float(v));
}

int failures = 0, cases = 0;

template <typename T>
void run_case(Kind kind, const char* tname, int64_t m, int64_t n, int64_t k, Layout la, Layout lb, Layout lc,
              int64_t batch, bool bcast_b, double alpha, double beta, double tol) {
  std::mt19937 rng(static_cast<unsigned>(m * 131 + n * 17 + k * 7 + int(la) * 3 + int(lb) * 5 + batch));
  std::uniform_int_distribution<int> dist(-4, 4);
  const Mat A = make_mat(la, m, k, batch, false), B = make_mat(lb, k, n, batch, bcast_b), Cm = make_mat(lc, m, n, batch, false);
  // 16-byte aligned buffers (the offset layout then makes them unaligned on purpose).
  std::vector<T, std::allocator<T>> a(A.size + 16), b(B.size + 16), c(Cm.size + 16), c0;
  const auto fill = [&](std::vector<T>& v) {
    for (auto& x : v) {
      if constexpr (std::is_integral_v<T>) x = static_cast<T>(dist(rng) * (sizeof(T) >= 4 ? 1000003 : 1));
      else x = T(float(dist(rng)) * 0.25f);
    }
  };
  fill(a);
  fill(b);
  fill(c);
  if (beta == 0 && !std::is_integral_v<T>)
    for (auto& x : c) x = T(NAN);  // beta == 0 must never read C
  c0 = c;
  GemmArgs g;
  g.m = m, g.n = n, g.k = k, g.alpha = alpha, g.beta = beta;
  g.a = a.data() + A.off, g.a_rs = A.rs, g.a_cs = A.cs;
  g.b = b.data() + B.off, g.b_rs = B.rs, g.b_cs = B.cs;
  g.c = c.data() + Cm.off, g.c_rs = Cm.rs, g.c_cs = Cm.cs;
  if (batch > 1) {  // as a 2-d batch (batch/2, 2) when even, to exercise the decode and merges
    if (batch % 2 == 0) {
      g.batch_ndim = 2;
      g.batch_sizes[0] = batch / 2, g.batch_sizes[1] = 2;
      g.a_bs[0] = 2 * A.bs, g.a_bs[1] = A.bs;
      g.b_bs[0] = 2 * B.bs, g.b_bs[1] = B.bs;
      g.c_bs[0] = 2 * Cm.bs, g.c_bs[1] = Cm.bs;
    } else {
      g.batch_ndim = 1;
      g.batch_sizes[0] = batch, g.a_bs[0] = A.bs, g.b_bs[0] = B.bs, g.c_bs[0] = Cm.bs;
    }
  }
  Problem p;
  if (simplify(g, p)) {
    g.dtype = kFloat32;
    launch<T>(kind, p);
  }
  // Reference (double; integers through wrapping uint64 as the CPU does).
  double worst = 0;
  bool bad = false;
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const T* ab = a.data() + A.off + bi * A.bs;
        const T* bb = b.data() + B.off + bi * B.bs;
        const int64_t ci = Cm.off + bi * Cm.bs + i * Cm.rs + j * Cm.cs;
        double got = to_d(c[ci]), want;
        if constexpr (std::is_integral_v<T>) {
          uint64_t s = 0;
          for (int64_t q = 0; q < k; ++q)
            s += uint64_t(int64_t(ab[i * A.rs + q * A.cs])) * uint64_t(int64_t(bb[q * B.rs + j * B.cs]));
          uint64_t v = uint64_t(int64_t(alpha)) * s;
          if (beta != 0) v += uint64_t(int64_t(beta)) * uint64_t(int64_t(c0[ci]));
          const T w = static_cast<T>(int64_t(v));
          if (w != c[ci]) bad = true, worst = 1;
          continue;
        } else {
          double s = 0;
          for (int64_t q = 0; q < k; ++q) s += to_d(ab[i * A.rs + q * A.cs]) * to_d(bb[q * B.rs + j * B.cs]);
          want = alpha * s + (beta != 0 ? beta * to_d(c0[ci]) : 0.0);
        }
        const double err = std::fabs(got - want) / (1.0 + std::fabs(want));
        if (!(err <= tol)) bad = true;
        if (!(err <= worst)) worst = err;
      }
  // Nothing outside C may change.
  std::vector<char> inside(c.size(), 0);
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) inside[Cm.off + bi * Cm.bs + i * Cm.rs + j * Cm.cs] = 1;
  for (size_t e = 0; e < c.size(); ++e)
    if (!inside[e] && std::memcmp(&c[e], &c0[e], sizeof(T)) != 0) bad = true;
  ++cases;
  if (bad) {
    ++failures;
    std::printf("FAIL %s kind=%d m=%lld n=%lld k=%lld A=%s B=%s C=%s batch=%lld bcast=%d alpha=%g beta=%g worst=%g\n",
                tname, int(kind), (long long)m, (long long)n, (long long)k, name(la), name(lb), name(lc),
                (long long)batch, int(bcast_b), alpha, beta, worst);
  }
}

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "quick";
  const Layout layouts[] = {Layout::RowMajor, Layout::ColMajor, Layout::Strided, Layout::Offset};
  struct Shape {
    int64_t m, n, k;
  };
  const Shape shapes[] = {{130, 67, 41}, {128, 128, 64}, {1, 9, 70}, {37, 1, 5}};
  for (const Shape& s : shapes) {
    for (Layout la : layouts)
      for (Layout lb : layouts) {
        const Layout lc = la == Layout::ColMajor ? Layout::ColMajor : (lb == Layout::Strided ? Layout::Strided : Layout::RowMajor);
        run_case<float>(Kind::Sgemm, "f32", s.m, s.n, s.k, la, lb, lc, 1, false, 1.0, 0.0, 1e-5);
        run_case<float>(Kind::Sgemm64, "f32/64", s.m, s.n, s.k, la, lb, lc, 1, false, 1.0, 0.0, 1e-5);
        run_case<Half>(Kind::Mma, "f16", s.m, s.n, s.k, la, lb, lc, 1, false, 1.0, 0.0, 2e-3);
        run_case<float>(Kind::Mma, "tf32", s.m, s.n, s.k, la, lb, lc, 1, false, 1.0, 0.0, 1e-5);
        if (quick) continue;
        run_case<BFloat16>(Kind::Mma, "bf16", s.m, s.n, s.k, la, lb, lc, 1, false, 1.5, 0.5, 1e-2);
        run_case<double>(Kind::Simple, "f64", s.m, s.n, s.k, la, lb, lc, 1, false, 1.5, 0.5, 1e-12);
        run_case<int32_t>(Kind::Simple, "i32", s.m, s.n, s.k, la, lb, lc, 1, false, 3, 2, 0);
      }
    if (quick) break;
  }
  // alpha/beta, batches (merged, decoded, broadcast folded into M), k == 0, tiny types.
  run_case<float>(Kind::Sgemm, "f32", 70, 33, 19, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 3, false, 0.5, 2.0, 1e-5);
  run_case<float>(Kind::Sgemm, "f32", 70, 33, 19, Layout::RowMajor, Layout::ColMajor, Layout::RowMajor, 4, true, 1.0, 0.0, 1e-5);
  run_case<float>(Kind::Sgemm64, "f32/64", 70, 33, 19, Layout::ColMajor, Layout::RowMajor, Layout::RowMajor, 3, false, 0.5, 2.0, 1e-5);
  run_case<Half>(Kind::Mma, "f16", 70, 40, 50, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 4, false, 2.0, -1.0, 2e-3);
  run_case<BFloat16>(Kind::Mma, "bf16", 60, 72, 33, Layout::ColMajor, Layout::RowMajor, Layout::RowMajor, 3, true, 1.0, 0.0, 1e-2);
  run_case<float>(Kind::Mma, "tf32", 20, 140, 17, Layout::RowMajor, Layout::ColMajor, Layout::ColMajor, 2, false, 1.0, 1.0, 1e-5);
  run_case<float>(Kind::Simple, "f32", 20, 30, 0, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 2, false, 1.0, 0.5, 0);
  run_case<float>(Kind::Simple, "f32", 20, 30, 0, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 1, false, 1.0, 0.0, 0);
  run_case<Half>(Kind::Simple, "f16", 20, 30, 9, Layout::Strided, Layout::RowMajor, Layout::RowMajor, 2, true, 1.0, 0.0, 2e-3);
  run_case<uint8_t>(Kind::Simple, "u8", 33, 17, 40, Layout::RowMajor, Layout::ColMajor, Layout::RowMajor, 2, false, 1, 1, 0);
  run_case<int8_t>(Kind::Simple, "i8", 33, 17, 40, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 1, false, 1, 0, 0);
  run_case<int16_t>(Kind::Simple, "i16", 33, 17, 40, Layout::ColMajor, Layout::RowMajor, Layout::RowMajor, 1, false, 2, 0, 0);
  run_case<int64_t>(Kind::Simple, "i64", 65, 66, 17, Layout::RowMajor, Layout::Strided, Layout::RowMajor, 2, true, 1, 3, 0);
  // Depth 1 and exactly one panel; a column of tiles past 128; a shared A folded into N.
  run_case<float>(Kind::Sgemm, "f32", 129, 129, 1, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 1, false, 1.0, 0.0, 1e-5);
  run_case<Half>(Kind::Mma, "f16", 129, 129, 1, Layout::RowMajor, Layout::ColMajor, Layout::RowMajor, 1, false, 1.0, 0.0, 2e-3);
  run_case<float>(Kind::Sgemm, "f32", 64, 200, 8, Layout::ColMajor, Layout::RowMajor, Layout::RowMajor, 1, false, 1.0, 0.0, 1e-5);
  run_case<BFloat16>(Kind::Mma, "bf16", 64, 200, 32, Layout::RowMajor, Layout::RowMajor, Layout::RowMajor, 1, false, 1.0, 0.0, 1e-2);
  run_case<float>(Kind::Mma, "tf32", 64, 200, 16, Layout::ColMajor, Layout::ColMajor, Layout::RowMajor, 1, false, 1.0, 0.0, 1e-5);
  {  // A shared by a batch of column blocks of B and C: folded into one wider product
    const int64_t m = 9, n = 16, k = 12, batch = 3;
    std::vector<float> a(m * k), b(batch * k * n), c(m * batch * n, NAN);
    for (size_t i = 0; i < a.size(); ++i) a[i] = float(int(i % 7) - 3);
    for (size_t i = 0; i < b.size(); ++i) b[i] = float(int(i % 5) - 2);
    // B is (batch, k, n) stored as k x (batch * n) column blocks; C likewise m x (batch * n).
    GemmArgs g;
    g.m = m, g.n = n, g.k = k, g.a = a.data(), g.a_rs = k, g.a_cs = 1;
    g.b = b.data(), g.b_rs = batch * n, g.b_cs = 1, g.c = c.data(), g.c_rs = batch * n, g.c_cs = 1;
    g.batch_ndim = 1, g.batch_sizes[0] = batch, g.a_bs[0] = 0, g.b_bs[0] = n, g.c_bs[0] = n;
    Problem p;
    simplify(g, p);
    bool ok = p.batch_ndim == 0 && p.n == batch * n;
    launch<float>(Kind::Sgemm, p);
    for (int64_t bi = 0; bi < batch; ++bi)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double s = 0;
          for (int64_t q = 0; q < k; ++q) s += a[i * k + q] * b[q * batch * n + bi * n + j];
          if (c[i * batch * n + bi * n + j] != float(s)) ok = false;
        }
    ++cases;
    if (!ok) ++failures, std::printf("FAIL fold into N\n");
  }
  // Matrix-vector shapes, both kernels (A along K or along M; B along K or along N).
  for (Layout la : layouts)
    for (Layout lb : layouts) {
      run_case<float>(Kind::Gemv, "f32", 77, 1, 45, la, lb, Layout::RowMajor, 1, false, 1.5, 0.0, 1e-5);
      run_case<float>(Kind::Gemv, "f32", 1, 77, 45, la, lb, Layout::RowMajor, 2, false, 1.0, 0.5, 1e-5);
      if (quick) continue;
      run_case<Half>(Kind::Gemv, "f16", 1, 40, 70, la, lb, Layout::ColMajor, 3, true, 1.0, 0.0, 2e-3);
      run_case<double>(Kind::Gemv, "f64", 50, 1, 33, la, lb, Layout::Strided, 2, false, 2.0, 1.0, 1e-12);
      run_case<BFloat16>(Kind::Gemv, "bf16", 1, 1, 100, la, lb, Layout::RowMajor, 1, false, 1.0, 0.0, 1e-2);
    }
  std::printf("%d cases, %d failures\n", cases, failures);
  return failures ? 1 : 0;
}
