#pragma once
// float32 GEMM on the CUDA cores (tiling described at the top of gemm.cu): 128x128 block
// tiles, 8 deep, double-buffered through registers, 8x8 outputs per thread.
#include <cuda_runtime.h>

#include <cstdint>

#include "gemm/gemm_common.cuh"

namespace ember::cuda::gemm::sgemm_impl {

constexpr int kBM = 128, kBN = 128, kBK = 8, kThreads = 256;
constexpr int kPitch = kBM + 4;  // the transposing stores of a K-contiguous panel stay conflict-free

// One thread's share of a 128x8 panel: 4 elements, along K (`kAlongK`: 4 consecutive k of
// row tid / 2, for a K-contiguous operand) or along M/N (4 consecutive rows at k = tid / 32).
// `rs` steps along M (A) or N (B), `ks` along K. The state is kept small (a moving pointer and
// what is left of each dim) so the 64 accumulators fit in 128 registers without spills.
template <bool kAlongK> struct PanelLoader {
  const float* ptr;  // this thread's first element of the current panel
  int64_t step;      // the stride between its 4 elements
  int64_t kstep;     // ptr's advance per panel
  int64_t rleft;     // M/N rows left from this thread's first row (<= 0: none)
  int64_t kleft;     // k left from this thread's first k in the current panel

  __device__ __forceinline__ void init(const float* op, int64_t r0, int64_t rows, int64_t depth, int64_t rs,
                                       int64_t ks, int tid) {
    const int64_t r = kAlongK ? r0 + tid / 2 : r0 + (tid % 32) * 4;
    const int kofs = kAlongK ? (tid % 2) * 4 : tid / 32;
    ptr = op + r * rs + kofs * ks;
    step = kAlongK ? ks : rs;
    kstep = kBK * ks;
    rleft = rows - r;
    kleft = depth - kofs;
  }

  __device__ __forceinline__ void load(bool vec, float (&v)[4]) const {
    if constexpr (kAlongK) {
      if (vec && rleft > 0 && kleft >= 4) {
        const float4 q = __ldg(reinterpret_cast<const float4*>(ptr));
        v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
      } else {
#pragma unroll
        for (int j = 0; j < 4; ++j) v[j] = rleft > 0 && j < kleft ? __ldg(ptr + j * step) : 0.f;
      }
    } else {
      if (vec && kleft > 0 && rleft >= 4) {
        const float4 q = __ldg(reinterpret_cast<const float4*>(ptr));
        v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
      } else {
#pragma unroll
        for (int j = 0; j < 4; ++j) v[j] = kleft > 0 && j < rleft ? __ldg(ptr + j * step) : 0.f;
      }
    }
  }

  __device__ __forceinline__ void advance() {
    ptr += kstep;
    kleft -= kBK;
  }

  // Into panel[k][m] (m relative to the tile).
  __device__ __forceinline__ void store(float (*panel)[kPitch], int tid, const float (&v)[4]) const {
    if constexpr (kAlongK) {
#pragma unroll
      for (int j = 0; j < 4; ++j) panel[(tid % 2) * 4 + j][tid / 2] = v[j];
    } else {
      *reinterpret_cast<float4*>(&panel[tid / 32][(tid % 32) * 4]) = make_float4(v[0], v[1], v[2], v[3]);
    }
  }
};

// kAK: A is read along K (its column stride is the small one); kBK_: B is read along K.
template <bool kAK, bool kBKc>
__global__ void __launch_bounds__(kThreads, 2)
    sgemm_kernel(const __grid_constant__ Problem p, int64_t z0, bool a_vec, bool b_vec, bool c_vec) {
  __shared__ __align__(16) float As[2][kBK][kPitch];
  __shared__ __align__(16) float Bs[2][kBK][kPitch];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t tiles_m = (p.m + kBM - 1) / kBM, tiles_n = (p.n + kBN - 1) / kBN;
  int64_t tm, tn;
  tile_coords(blockIdx.x, tiles_m, tiles_n, 8, tm, tn);
  const int64_t m0 = tm * kBM, n0 = tn * kBN;
  const float alpha = static_cast<float>(p.alpha), beta = static_cast<float>(p.beta);
  const int64_t ktiles = (p.k + kBK - 1) / kBK;

  {
    const BatchOffsets off = batch_offsets(p, z0 + blockIdx.z);
    PanelLoader<kAK> la;
    la.init(static_cast<const float*>(p.a) + off.a, m0, p.m, p.k, p.a_rs, p.a_cs, tid);
    PanelLoader<kBKc> lb;
    lb.init(static_cast<const float*>(p.b) + off.b, n0, p.n, p.k, p.b_cs, p.b_rs, tid);

    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; ++i)
#pragma unroll
      for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;

    float ra[4], rb[4];
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
        const float4 a0 = *reinterpret_cast<const float4*>(&As[cur][kk][ty * 4]);
        const float4 a1 = *reinterpret_cast<const float4*>(&As[cur][kk][64 + ty * 4]);
        const float4 b0 = *reinterpret_cast<const float4*>(&Bs[cur][kk][tx * 4]);
        const float4 b1 = *reinterpret_cast<const float4*>(&Bs[cur][kk][64 + tx * 4]);
        const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
        const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
        for (int i = 0; i < 8; ++i)
#pragma unroll
          for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
      }
      if (more) {
        la.store(As[cur ^ 1], tid, ra);
        lb.store(Bs[cur ^ 1], tid, rb);
      }
      __syncthreads();
    }

    // Epilogue: rows ty*4 + i and 64 + ty*4 + i, columns tx*4 + j and 64 + tx*4 + j.
    float* c = static_cast<float*>(p.c) + off.c;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
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
