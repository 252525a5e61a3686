#pragma once
// Tensor-core GEMM (tiling described at the top of gemm.cu): float16 and bfloat16 through
// mma.sync m16n8k16, float32 as TF32 through m16n8k8, accumulating in float, on sm_80+.
//
// Per block: a 128x128 tile of C, 8 warps as 2 (M) x 4 (N), each warp 64x32 = 4x4 mma tiles
// (64 float accumulators a thread). K moves 64 bytes of elements per stage (kBK = 32 halves or
// 16 floats) through a 4-stage ring of shared-memory panels filled by cp.async 16-byte copies:
// tile kt + 3 is in flight while tile kt is multiplied. Each panel keeps the operand's
// contiguous dim innermost, rows padded by 16 bytes:
//   A K-contiguous: [128 m][kBK + pad]    A M-contiguous: [kBK][128 m + 8]
//   B K-contiguous: [128 n][kBK + pad]    B N-contiguous: [kBK][128 n + 8]
// With these pitches the eight 16-byte rows an ldmatrix phase reads fall in distinct banks.
// Fragments: ldmatrix.x4 for 16-bit panels (.trans for the M/N-contiguous ones); for TF32,
// ldmatrix.x4 on K-contiguous panels (a 16-byte row is 4 floats: exactly the m16n8k8 layout)
// and plain 32-bit shared loads on M/N-contiguous ones (a 16-bit transpose cannot move floats).
// A chunk that is not 16-byte aligned, not unit-stride or crosses the matrix edge is loaded
// element by element with zero fill into the same panel slot.
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "ember/half.h"
#include "gemm/gemm_common.cuh"
#include "gemm/ptx.cuh"

namespace ember::cuda::gemm::mma_impl {

using namespace ptx;

constexpr int kBM = 128, kBN = 128, kThreads = 256, kStages = 4;

template <typename T> struct MmaConfig {
  static constexpr int kVec = 16 / static_cast<int>(sizeof(T));      // elements per 16-byte chunk
  static constexpr int kBK = 64 / static_cast<int>(sizeof(T));       // panel depth
  static constexpr int kStep = sizeof(T) == 2 ? 16 : 8;                // mma depth
  static constexpr int kPitchK = kBK + kVec;                           // K-contiguous panel row
  static constexpr int kPitchMN = kBM + 8;                             // M/N-contiguous panel row
  template <bool kAlongK> static constexpr int panel_elems() { return kAlongK ? kBM * kPitchK : kBK * kPitchMN; }
};

// ---- global -> shared panels ---------------------------------------------------------------------

// One thread's two 16-byte chunks of a panel (512 chunks, 256 threads). A panel is `outer` rows
// of `inner` contiguous elements; along K (kAlongK) the rows are the operand's M/N rows and the
// inner dim is k, otherwise the rows are k and the inner dim is M/N. `rs` steps along M/N, `ks`
// along K. The thread's second chunk is kOuterDelta rows below its first (same inner offset), so
// one moving pointer and what is left of both dims from the first chunk describe both: the
// state stays small enough for two blocks an SM.
template <typename T, bool kAlongK> struct PanelLoader {
  using C = MmaConfig<T>;
  static constexpr int kInner = kAlongK ? C::kBK : kBM;
  static constexpr int kPitch = kAlongK ? C::kPitchK : C::kPitchMN;
  static constexpr int kChunksPerRow = kInner / C::kVec;
  static constexpr int kOuterDelta = kThreads / kChunksPerRow;
  const T* ptr;     // the first chunk's first element in the current panel
  int64_t second;   // the second chunk's offset from the first
  int64_t rleft;    // M/N left from the first chunk's first element (<= 0: outside)
  int64_t kleft;    // K left from it in the current panel
  int64_t kstep;    // pointer advance per panel (kBK along K)
  int64_t istep;    // the stride between a chunk's elements (element-wise path)
  int soff;         // the first chunk's element offset in the panel

  __device__ __forceinline__ void init(const T* op, int64_t r0, int64_t rows, int64_t depth, int64_t rs, int64_t ks,
                                       int tid) {
    const int outer = tid / kChunksPerRow, inner = (tid % kChunksPerRow) * C::kVec;
    const int rr = kAlongK ? outer : inner, kk = kAlongK ? inner : outer;
    ptr = op + (r0 + rr) * rs + kk * ks;
    second = int64_t(kOuterDelta) * (kAlongK ? rs : ks);
    rleft = rows - (r0 + rr);
    kleft = depth - kk;
    kstep = int64_t(C::kBK) * ks;
    istep = kAlongK ? ks : rs;
    soff = outer * kPitch + inner;
  }

  // Queues (or does) the copy of the current panel into `panel`, then moves to the next one.
  __device__ __forceinline__ void load(T* panel, bool vec) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      T* dst = panel + soff + h * kOuterDelta * kPitch;
      const T* src = ptr + (h ? second : 0);
      const int64_t r = rleft - (kAlongK ? h * kOuterDelta : 0), k = kleft - (kAlongK ? 0 : h * kOuterDelta);
      const int64_t inner_left = kAlongK ? k : r;
      const bool outer_ok = kAlongK ? r > 0 : k > 0;
      if (vec && outer_ok && inner_left >= C::kVec) {
        cp_async16(smem_addr(dst), src);
      } else {
#pragma unroll
        for (int e = 0; e < C::kVec; ++e) dst[e] = outer_ok && e < inner_left ? src[e * istep] : T(0.f);
      }
    }
    ptr += kstep;
    kleft -= C::kBK;
  }
};

// ---- fragments -----------------------------------------------------------------------------------

// A fragments of the warp's 4 m-tiles at depth kk of the panel (m relative to the warp's rows).
template <typename T, bool kAlongK>
__device__ __forceinline__ void load_a(uint32_t (&a)[4][4], const T* panel, int wm0, int kk, int lane) {
  using C = MmaConfig<T>;
  const int q = lane / 8, r = lane % 8, g = lane / 4, t = lane % 4;
#pragma unroll
  for (int mt = 0; mt < 4; ++mt) {
    const int m = wm0 + mt * 16;
    if constexpr (sizeof(T) == 2) {
      if constexpr (kAlongK)
        ldmatrix_x4<false>(a[mt], smem_addr(panel + (m + r + 8 * (q % 2)) * C::kPitchK + kk + 8 * (q / 2)));
      else
        ldmatrix_x4<true>(a[mt], smem_addr(panel + (kk + r + 8 * (q / 2)) * C::kPitchMN + m + 8 * (q % 2)));
    } else {
      if constexpr (kAlongK) {
        ldmatrix_x4<false>(a[mt], smem_addr(panel + (m + r + 8 * (q % 2)) * C::kPitchK + kk + 4 * (q / 2)));
      } else {
        const uint32_t* p = reinterpret_cast<const uint32_t*>(panel);
        a[mt][0] = p[(kk + t) * C::kPitchMN + m + g];
        a[mt][1] = p[(kk + t) * C::kPitchMN + m + g + 8];
        a[mt][2] = p[(kk + t + 4) * C::kPitchMN + m + g];
        a[mt][3] = p[(kk + t + 4) * C::kPitchMN + m + g + 8];
      }
#pragma unroll
      for (int i = 0; i < 4; ++i) a[mt][i] = to_tf32(a[mt][i]);
    }
  }
}

// B fragments of the warp's 4 n-tiles at depth kk (n relative to the warp's columns).
template <typename T, bool kAlongK>
__device__ __forceinline__ void load_b(uint32_t (&b)[4][2], const T* panel, int wn0, int kk, int lane) {
  using C = MmaConfig<T>;
  const int q = lane / 8, r = lane % 8, g = lane / 4, t = lane % 4;
#pragma unroll
  for (int np = 0; np < 2; ++np) {
    const int n = wn0 + np * 16;
    uint32_t x[4];
    if constexpr (sizeof(T) == 2) {
      if constexpr (kAlongK)
        ldmatrix_x4<false>(x, smem_addr(panel + (n + r + 8 * (q / 2)) * C::kPitchK + kk + 8 * (q % 2)));
      else
        ldmatrix_x4<true>(x, smem_addr(panel + (kk + r + 8 * (q % 2)) * C::kPitchMN + n + 8 * (q / 2)));
    } else {
      if constexpr (kAlongK) {
        ldmatrix_x4<false>(x, smem_addr(panel + (n + r + 8 * (q / 2)) * C::kPitchK + kk + 4 * (q % 2)));
      } else {
        const uint32_t* p = reinterpret_cast<const uint32_t*>(panel);
        x[0] = p[(kk + t) * C::kPitchMN + n + g];
        x[1] = p[(kk + t + 4) * C::kPitchMN + n + g];
        x[2] = p[(kk + t) * C::kPitchMN + n + 8 + g];
        x[3] = p[(kk + t + 4) * C::kPitchMN + n + 8 + g];
      }
#pragma unroll
      for (int i = 0; i < 4; ++i) x[i] = to_tf32(x[i]);
    }
    b[2 * np][0] = x[0];
    b[2 * np][1] = x[1];
    b[2 * np + 1][0] = x[2];
    b[2 * np + 1][1] = x[3];
  }
}

// ---- the kernel ------------------------------------------------------------------------------------

template <typename T, bool kAK, bool kBKc>
__global__ void __launch_bounds__(kThreads, 2)
    mma_gemm_kernel(const __grid_constant__ Problem p, int64_t z0, bool a_vec, bool b_vec, bool c_vec) {
  using C = MmaConfig<T>;
  T* smem = reinterpret_cast<T*>(dynamic_smem());
  constexpr int kAElems = C::template panel_elems<kAK>(), kBElems = C::template panel_elems<kBKc>();
  constexpr int kStageElems = kAElems + kBElems;

  const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
  const int wm0 = (warp / 4) * 64, wn0 = (warp % 4) * 32;
  const int64_t tiles_m = (p.m + kBM - 1) / kBM, tiles_n = (p.n + kBN - 1) / kBN;
  int64_t tm, tn;
  tile_coords(blockIdx.x, tiles_m, tiles_n, 8, tm, tn);
  const int64_t m0 = tm * kBM, n0 = tn * kBN;
  const BatchOffsets off = batch_offsets(p, z0 + blockIdx.z);

  PanelLoader<T, kAK> la;
  la.init(static_cast<const T*>(p.a) + off.a, m0, p.m, p.k, p.a_rs, p.a_cs, tid);
  PanelLoader<T, kBKc> lb;
  lb.init(static_cast<const T*>(p.b) + off.b, n0, p.n, p.k, p.b_cs, p.b_rs, tid);

  float acc[4][4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.f;

  const int64_t ktiles = (p.k + C::kBK - 1) / C::kBK;
  // Prologue: the first kStages - 1 panels in flight (one commit group each, empty or not, so
  // that the wait below always counts groups the same way).
#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < ktiles) {
      la.load(smem + s * kStageElems, a_vec);
      lb.load(smem + s * kStageElems + kAElems, b_vec);
    }
    cp_async_commit();
  }

  for (int64_t kt = 0; kt < ktiles; ++kt) {
    cp_async_wait<kStages - 2>();  // panel kt has landed (this thread's copies) ...
    __syncthreads();               // ... everyone's, and everyone is done with panel kt - 1
    const int64_t next = kt + kStages - 1;
    if (next < ktiles) {  // refill the slot panel kt - 1 used
      T* st = smem + static_cast<int>(next % kStages) * kStageElems;
      la.load(st, a_vec);
      lb.load(st + kAElems, b_vec);
    }
    cp_async_commit();

    const T* sa = smem + static_cast<int>(kt % kStages) * kStageElems;
    const T* sb = sa + kAElems;
#pragma unroll
    for (int kk = 0; kk < C::kBK; kk += C::kStep) {
      uint32_t a[4][4], b[4][2];
      load_a<T, kAK>(a, sa, wm0, kk, lane);
      load_b<T, kBKc>(b, sb, wn0, kk, lane);
#pragma unroll
      for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int nt = 0; nt < 4; ++nt) mma<T>(acc[mt][nt], a[mt], b[nt]);
    }
  }
  cp_async_wait<0>();

  // Epilogue: accumulator e of tile (mt, nt) is C[row + 8 (e / 2)][col + e % 2].
  T* c = static_cast<T*>(p.c) + off.c;
  const float alpha = static_cast<float>(p.alpha), beta = static_cast<float>(p.beta);
  const int g = lane / 4, t = lane % 4;
#pragma unroll
  for (int mt = 0; mt < 4; ++mt) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int64_t gi = m0 + wm0 + mt * 16 + g + 8 * half;
      if (gi >= p.m) continue;
      T* crow = c + gi * p.c_rs;
#pragma unroll
      for (int nt = 0; nt < 4; ++nt) {
        const int64_t gj = n0 + wn0 + nt * 8 + 2 * t;
        float v0 = alpha * acc[mt][nt][2 * half], v1 = alpha * acc[mt][nt][2 * half + 1];
        if (c_vec && gj + 1 < p.n) {  // a pair of adjacent elements
          if constexpr (sizeof(T) == 2) {
            uint32_t* q = reinterpret_cast<uint32_t*>(crow + gj);
            if (beta != 0.f) {  // beta == 0: C is never read
              const uint32_t old = *q;
              v0 += beta * static_cast<float>(T::from_bits(static_cast<uint16_t>(old & 0xffffu)));
              v1 += beta * static_cast<float>(T::from_bits(static_cast<uint16_t>(old >> 16)));
            }
            *q = uint32_t(T(v0).bits) | (uint32_t(T(v1).bits) << 16);
          } else {
            float2* q = reinterpret_cast<float2*>(crow + gj);
            if (beta != 0.f) {
              const float2 old = *q;
              v0 += beta * old.x;
              v1 += beta * old.y;
            }
            *q = make_float2(v0, v1);
          }
        } else {
          if (gj < p.n) {
            T& out = crow[gj * p.c_cs];
            if (beta != 0.f) v0 += beta * static_cast<float>(out);
            out = T(v0);
          }
          if (gj + 1 < p.n) {
            T& out = crow[(gj + 1) * p.c_cs];
            if (beta != 0.f) v1 += beta * static_cast<float>(out);
            out = T(v1);
          }
        }
      }
    }
  }
}

}  // namespace ember::cuda::gemm::mma_impl
