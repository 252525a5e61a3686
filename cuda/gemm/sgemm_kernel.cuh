#pragma once
// float32 GEMM on the CUDA cores (tiling described at the top of gemm.cu): 128x128 block
// tiles, 8 deep, double-buffered through registers, 8x8 outputs per thread; a 64x128 variant
// (4x8 a thread) for products whose 128x128 tiles would leave most SMs idle.
#include <cuda_runtime.h>

#include <cstdint>

#include "gemm/gemm_common.cuh"

namespace ember::cuda::gemm::sgemm_impl {

constexpr int kBM = 128, kBN = 128, kBK = 8, kThreads = 256;
constexpr int kBMSmall = 64;  // the variant for products with too few 128x128 tiles to fill the GPU

// One thread's share of a kRows x 8 panel (kRows = 128 or 64): kV = kRows * 8 / 256 elements
// (4 or 2), along K (`kAlongK`: kV consecutive k of one row, for a K-contiguous operand) or
// along M/N (kV consecutive rows at k = tid / 32). `rs` steps along M (A) or N (B), `ks` along
// K. The state is kept small (a moving pointer and what is left of each dim) so the
// accumulators fit in 128 registers without spills.
template <int kRows, bool kAlongK> struct PanelLoader {
  static constexpr int kV = kRows * kBK / kThreads;
  static constexpr int kPerRow = kBK / kV;  // threads sharing a row (along K)
  static constexpr int kPitch = kRows + 4;  // the transposing stores of a K-contiguous panel stay conflict-free
  const float* ptr;  // this thread's first element of the current panel
  int64_t step;      // the stride between its kV elements
  int64_t kstep;     // ptr's advance per panel
  int64_t rleft;     // M/N rows left from this thread's first row (<= 0: none)
  int64_t kleft;     // k left from this thread's first k in the current panel

  __device__ __forceinline__ void init(const float* op, int64_t r0, int64_t rows, int64_t depth, int64_t rs,
                                       int64_t ks, int tid) {
    const int64_t r = kAlongK ? r0 + tid / kPerRow : r0 + (tid % 32) * kV;
    const int kofs = kAlongK ? (tid % kPerRow) * kV : tid / 32;
    ptr = op + r * rs + kofs * ks;
    step = kAlongK ? ks : rs;
    kstep = kBK * ks;
    rleft = rows - r;
    kleft = depth - kofs;
  }

  __device__ __forceinline__ void load(bool vec, float (&v)[kV]) const {
    const int64_t inner_left = kAlongK ? kleft : rleft;
    const bool outer_ok = kAlongK ? rleft > 0 : kleft > 0;
    if (vec && outer_ok && inner_left >= kV) {
      if constexpr (kV == 4) {
        const float4 q = __ldg(reinterpret_cast<const float4*>(ptr));
        v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
      } else {
        const float2 q = __ldg(reinterpret_cast<const float2*>(ptr));
        v[0] = q.x, v[1] = q.y;
      }
    } else {
#pragma unroll
      for (int j = 0; j < kV; ++j) v[j] = outer_ok && j < inner_left ? __ldg(ptr + j * step) : 0.f;
    }
  }

  __device__ __forceinline__ void advance() {
    ptr += kstep;
    kleft -= kBK;
  }

  // Into panel[k][m] (m relative to the tile).
  __device__ __forceinline__ void store(float (*panel)[kPitch], int tid, const float (&v)[kV]) const {
    if constexpr (kAlongK) {
#pragma unroll
      for (int j = 0; j < kV; ++j) panel[(tid % kPerRow) * kV + j][tid / kPerRow] = v[j];
    } else if constexpr (kV == 4) {
      *reinterpret_cast<float4*>(&panel[tid / 32][(tid % 32) * 4]) = make_float4(v[0], v[1], v[2], v[3]);
    } else {
      *reinterpret_cast<float2*>(&panel[tid / 32][(tid % 32) * 2]) = make_float2(v[0], v[1]);
    }
  }
};

// kTM: the tile's rows (128, or 64 for the small variant: each thread then has 4 rows, not 8).
// kAK: A is read along K (its column stride is the small one); kBKc: B is read along K.
template <int kTM, bool kAK, bool kBKc>
__global__ void __launch_bounds__(kThreads, 2)
    sgemm_kernel(const __grid_constant__ Problem p, int64_t z0, bool a_vec, bool b_vec, bool c_vec) {
  using LA = PanelLoader<kTM, kAK>;
  using LB = PanelLoader<kBN, kBKc>;
  constexpr int kRowsPerThread = kTM / 16;
  __shared__ __align__(16) float As[2][kBK][LA::kPitch];
  __shared__ __align__(16) float Bs[2][kBK][LB::kPitch];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t tiles_m = (p.m + kTM - 1) / kTM, tiles_n = (p.n + kBN - 1) / kBN;
  int64_t tm, tn;
  tile_coords(blockIdx.x, tiles_m, tiles_n, 8, tm, tn);
  const int64_t m0 = tm * kTM, n0 = tn * kBN;
  const float alpha = static_cast<float>(p.alpha), beta = static_cast<float>(p.beta);
  const int64_t ktiles = (p.k + kBK - 1) / kBK;

  {
    const BatchOffsets off = batch_offsets(p, z0 + blockIdx.z);
    LA la;
    la.init(static_cast<const float*>(p.a) + off.a, m0, p.m, p.k, p.a_rs, p.a_cs, tid);
    LB lb;
    lb.init(static_cast<const float*>(p.b) + off.b, n0, p.n, p.k, p.b_cs, p.b_rs, tid);

    float acc[kRowsPerThread][8];
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i)
#pragma unroll
      for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;

    float ra[LA::kV], rb[LB::kV];
    la.load(a_vec, ra);
    lb.load(b_vec, rb);
    la.store(As[0], tid, ra);
    lb.store(Bs[0], tid, rb);
    __syncthreads();

    for (int64_t kt = 0; kt < ktiles; ++kt) {
      const int cur = static_cast<int>(kt & 1);
      const bool more = kt + 1 < ktiles;
      if (more) {  // the next panels travel while this one is multiplied
        la.advance();
        lb.advance();
        la.load(a_vec, ra);
        lb.load(b_vec, rb);
      }
#pragma unroll
      for (int kk = 0; kk < kBK; ++kk) {
        float av[kRowsPerThread];
        const float4 a0 = *reinterpret_cast<const float4*>(&As[cur][kk][ty * 4]);
        av[0] = a0.x, av[1] = a0.y, av[2] = a0.z, av[3] = a0.w;
        if constexpr (kRowsPerThread == 8) {
          const float4 a1 = *reinterpret_cast<const float4*>(&As[cur][kk][64 + ty * 4]);
          av[4] = a1.x, av[5] = a1.y, av[6] = a1.z, av[7] = a1.w;
        }
        const float4 b0 = *reinterpret_cast<const float4*>(&Bs[cur][kk][tx * 4]);
        const float4 b1 = *reinterpret_cast<const float4*>(&Bs[cur][kk][64 + tx * 4]);
        const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
        for (int i = 0; i < kRowsPerThread; ++i)
#pragma unroll
          for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
      }
      if (more) {
        la.store(As[cur ^ 1], tid, ra);
        lb.store(Bs[cur ^ 1], tid, rb);
      }
      __syncthreads();
    }

    // Epilogue: rows ty*4 + i (and 64 + ty*4 + i), columns tx*4 + j and 64 + tx*4 + j.
    float* c = static_cast<float*>(p.c) + off.c;
#pragma unroll
    for (int i = 0; i < kRowsPerThread; ++i) {
      const int64_t gi = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
      if (gi >= p.m) continue;
      float* crow = c + gi * p.c_rs;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int64_t gj = n0 + h * 64 + tx * 4;
        if (c_vec && gj + 3 < p.n) {
          float4* q = reinterpret_cast<float4*>(crow + gj);
          float4 v = make_float4(alpha * acc[i][h * 4], alpha * acc[i][h * 4 + 1], alpha * acc[i][h * 4 + 2],
                                 alpha * acc[i][h * 4 + 3]);
          if (beta != 0.f) {  // beta == 0: C is never read
            const float4 old = *q;
            v.x += beta * old.x, v.y += beta * old.y, v.z += beta * old.z, v.w += beta * old.w;
          }
          *q = v;
        } else {
#pragma unroll
          for (int j = 0; j < 4; ++j) {
            if (gj + j >= p.n) break;
            float& out = crow[(gj + j) * p.c_cs];
            float v = alpha * acc[i][h * 4 + j];
            if (beta != 0.f) v += beta * out;
            out = v;
          }
        }
      }
    }
  }
}

}  // namespace ember::cuda::gemm::sgemm_impl
