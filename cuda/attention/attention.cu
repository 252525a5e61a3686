// Fused scaled dot-product attention (FlashAttention-2 style). float32 runs on CUDA cores,
// float16/bfloat16 on tensor cores (below); both accumulate in float32.
//
// Forward: a block takes BM queries of one (batch, head) and walks the keys in tiles of BN held
// in shared memory: S = (scale q) k^T, the mask, an online softmax (running max and sum per row,
// earlier partial outputs rescaled when the max grows) and O += P v, all in float32; tiles past
// the diagonal are skipped under is_causal. It writes O / sum and the row's logsumexp.
//
// Backward: P is recomputed from the logsumexp; with D_i = dO_i . O_i,
//   dV_j = sum_i P_ij dO_i,  dS_ij = P_ij (dO_i . v_j - D_i),
//   dK_j = sum_i dS_ij (scale q_i),  dQ_i = scale sum_j dS_ij k_j.
// One kernel owns a key tile and sums over every query (and every query head sharing the
// key/value head) for dK and dV; another owns a query tile and sums over the keys for dQ. Each
// output element is summed by one thread in a fixed order: deterministic, no atomics.
//
// float16/bfloat16 take tensor-core kernels with the same structure (mma.sync m16n8k16, float32
// accumulation, sm_80 and newer): in the forward each warp owns 16 query rows, keeps its Q
// fragments in registers, and the score fragments become the A operand of P v in registers
// (P rounded to the input dtype); the backward is described above its kernels.
//
// The CUDA-core steps use one thread layout: 256 threads as a 16 x 16 grid (ty, tx); a thread
// owns rows ty + 16 a and columns tx + 16 c of a tile, so shared-memory reads are broadcasts along
// one operand and conflict-free along the other (rows padded by one float).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "dispatch/dispatch.h"
#include "dispatch/kernels_attention.h"
#include "ember/half.h"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {

constexpr int kThreads = 256;

// The mask as the kernels read it: element (b, h, i, j) at b sb + h sh + i sl + j ss.
struct MaskDesc {
  const void* data = nullptr;
  int kind = 0;  // 0: none, 1: bool (keeps where true), 2: float32 (added)
  long long sb = 0, sh = 0, sl = 0, ss = 0;
};

struct Params {
  const void* q = nullptr;  // (B, H, L, E)
  const void* k = nullptr;  // (B, Hk, S, E)
  const void* v = nullptr;  // (B, Hk, S, Ev)
  const void* out = nullptr;   // (B, H, L, Ev): forward writes it, backward reads it (via D)
  void* out_w = nullptr;       // forward's output
  float* lse = nullptr;        // (B, H, L)
  const void* dout = nullptr;  // backward: (B, H, L, Ev)
  const float* D = nullptr;    // backward: (B, H, L) rows of dO . O
  void* dq = nullptr;
  void* dk = nullptr;
  void* dv = nullptr;
  int H = 1, Hk = 1, rep = 1;
  int L = 0, S = 0, E = 0, Ev = 0;
  float scale = 1;
  bool causal = false;
  MaskDesc mask;
};

template <typename T> __device__ __forceinline__ float to_f(T x) { return static_cast<float>(x); }
template <typename T> __device__ __forceinline__ T from_f(float x) { return T(x); }

// dst[r][c] (rows padded to DH + 1) <- mul * src[row0 + r][c], zeros past `nrows` rows and `cols`
// columns (src rows hold `cols` contiguous elements).
template <typename T, int DH, int ROWS>
__device__ __forceinline__ void load_tile(float* dst, const T* src, int row0, int nrows, int cols, float mul) {
  for (int idx = threadIdx.x; idx < ROWS * DH; idx += kThreads) {
    const int r = idx / DH, c = idx % DH, gr = row0 + r;
    float x = 0.f;
    if (gr < nrows && c < cols) x = to_f(src[static_cast<long long>(gr) * cols + c]) * mul;
    dst[r * (DH + 1) + c] = x;
  }
}

// The score of query i and key j after the causal rule and the mask: -inf for keys past S (the
// padding of the last tile) and masked-out keys. Rows past L are padding and keep s.
__device__ __forceinline__ float masked_score(const Params& p, long long mbase, int i, int j, float s) {
  if (j >= p.S) return -INFINITY;
  if (i >= p.L) return s;
  if (p.causal && j > i) return -INFINITY;
  if (p.mask.kind != 0) {
    const long long off = mbase + i * p.mask.sl + j * p.mask.ss;
    if (p.mask.kind == 1) return static_cast<const unsigned char*>(p.mask.data)[off] ? s : -INFINITY;
    return s + static_cast<const float*>(p.mask.data)[off];
  }
  return s;
}

template <int DH, int BM, int BN> constexpr int forward_smem_floats() {
  return (BM + 2 * BN) * (DH + 1) + BM * (BN + 1) + 3 * BM;
}

template <typename T, int DH, int BM, int BN>
__global__ void __launch_bounds__(kThreads) attention_forward_kernel_impl(const Params p) {
  extern __shared__ float smem[];
  constexpr int LD = DH + 1, LP = BN + 1, RA = BM / 16, CB = BN / 16, CD = DH / 16, TPR = kThreads / BM;
  static_assert(BM % 16 == 0 && BN % 16 == 0 && DH % 16 == 0 && 32 % TPR == 0, "tile shape");
  float* sQ = smem;
  float* sK = sQ + BM * LD;
  float* sV = sK + BN * LD;
  float* sP = sV + BN * LD;
  float* sM = sP + BM * LP;  // running max per row
  float* sL = sM + BM;       // running sum per row
  float* sA = sL + BM;       // this tile's rescale factor per row
  const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  const int bh = blockIdx.x, b = bh / p.H, h = bh - b * p.H;
  const long long kvh = static_cast<long long>(b) * p.Hk + h / p.rep;
  const T* q = static_cast<const T*>(p.q) + static_cast<long long>(bh) * p.L * p.E;
  const T* k = static_cast<const T*>(p.k) + kvh * p.S * p.E;
  const T* v = static_cast<const T*>(p.v) + kvh * p.S * p.Ev;
  T* out = static_cast<T*>(p.out_w) + static_cast<long long>(bh) * p.L * p.Ev;
  float* lse = p.lse + static_cast<long long>(bh) * p.L;
  const long long mbase = b * p.mask.sb + h * p.mask.sh;
  const int ntiles = (p.L + BM - 1) / BM;
  for (int tile = blockIdx.y; tile < ntiles; tile += gridDim.y) {
    const int q0 = tile * BM;
    __syncthreads();  // the previous tile is done with shared memory
    load_tile<T, DH, BM>(sQ, q, q0, p.L, p.E, p.scale);
    if (tid < BM) {
      sM[tid] = -INFINITY;
      sL[tid] = 0.f;
    }
    float acc[RA][CD];
#pragma unroll
    for (int a = 0; a < RA; ++a)
#pragma unroll
      for (int d = 0; d < CD; ++d) acc[a][d] = 0.f;
    const int kend = p.causal ? min(p.S, q0 + BM) : p.S;
    for (int k0 = 0; k0 < kend; k0 += BN) {
      __syncthreads();  // the previous key tile is consumed
      load_tile<T, DH, BN>(sK, k, k0, p.S, p.E, 1.f);
      load_tile<T, DH, BN>(sV, v, k0, p.S, p.Ev, 1.f);
      __syncthreads();
      float s[RA][CB];
#pragma unroll
      for (int a = 0; a < RA; ++a)
#pragma unroll
        for (int c = 0; c < CB; ++c) s[a][c] = 0.f;
#pragma unroll 4
      for (int e = 0; e < DH; ++e) {
        float qa[RA], kb[CB];
#pragma unroll
        for (int a = 0; a < RA; ++a) qa[a] = sQ[(ty + 16 * a) * LD + e];
#pragma unroll
        for (int c = 0; c < CB; ++c) kb[c] = sK[(tx + 16 * c) * LD + e];
#pragma unroll
        for (int a = 0; a < RA; ++a)
#pragma unroll
          for (int c = 0; c < CB; ++c) s[a][c] = fmaf(qa[a], kb[c], s[a][c]);
      }
#pragma unroll
      for (int a = 0; a < RA; ++a)
#pragma unroll
        for (int c = 0; c < CB; ++c) {
          const int r = ty + 16 * a, col = tx + 16 * c;
          sP[r * LP + col] = masked_score(p, mbase, q0 + r, k0 + col, s[a][c]);
        }
      __syncthreads();
      {  // online softmax: TPR neighbouring threads (one warp) per row
        const int r = tid / TPR, part = tid % TPR;
        float* row = sP + r * LP;
        float mx = -INFINITY;
        for (int c = part; c < BN; c += TPR) mx = fmaxf(mx, row[c]);
#pragma unroll
        for (int o = TPR / 2; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
        const float m_old = sM[r];
        const float m_new = fmaxf(m_old, mx);
        const float m_use = m_new == -INFINITY ? 0.f : m_new;  // every score so far -inf: weights 0
        float sum = 0.f;
        for (int c = part; c < BN; c += TPR) {
          const float e = expf(row[c] - m_use);
          row[c] = e;
          sum += e;
        }
#pragma unroll
        for (int o = TPR / 2; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
        if (part == 0) {  // the row's other threads read sM[r] before the shuffles above
          const float alpha = expf(m_old - m_use);
          sA[r] = alpha;
          sL[r] = sL[r] * alpha + sum;
          sM[r] = m_new;
        }
      }
      __syncthreads();
#pragma unroll
      for (int a = 0; a < RA; ++a) {
        const float al = sA[ty + 16 * a];
#pragma unroll
        for (int d = 0; d < CD; ++d) acc[a][d] *= al;
      }
#pragma unroll 4
      for (int j = 0; j < BN; ++j) {
        float pa[RA], vb[CD];
#pragma unroll
        for (int a = 0; a < RA; ++a) pa[a] = sP[(ty + 16 * a) * LP + j];
#pragma unroll
        for (int d = 0; d < CD; ++d) vb[d] = sV[j * LD + tx + 16 * d];
#pragma unroll
        for (int a = 0; a < RA; ++a)
#pragma unroll
          for (int d = 0; d < CD; ++d) acc[a][d] = fmaf(pa[a], vb[d], acc[a][d]);
      }
    }
    __syncthreads();  // the final sM, sL
#pragma unroll
    for (int a = 0; a < RA; ++a) {
      const int r = ty + 16 * a, i = q0 + r;
      if (i >= p.L) continue;
      const float m = sM[r], l = sL[r];
      // Every score -inf (l == 0; a NaN score makes l NaN and propagates): zeros with a mask,
      // NaN without one, as the composite's softmax gives.
      const bool dead = m == -INFINITY && l == 0.f;
      const float inv = dead ? (p.mask.kind != 0 ? 0.f : NAN) : 1.f / l;
#pragma unroll
      for (int d = 0; d < CD; ++d) {
        const int col = tx + 16 * d;
        if (col < p.Ev) out[static_cast<long long>(i) * p.Ev + col] = from_f<T>(acc[a][d] * inv);
      }
      if (tx == 0) lse[i] = dead ? -INFINITY : m + logf(l);
    }
  }
}

// D[r] = dO_r . O_r, one warp per row.
template <typename T>
__global__ void attention_backward_dot_kernel(const T* dout, const T* out, float* D, long long rows, int Ev) {
  const int lane = threadIdx.x & 31;
  const long long nwarps = (static_cast<long long>(gridDim.x) * blockDim.x) >> 5;
  for (long long r = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5; r < rows; r += nwarps) {
    float s = 0.f;
    for (int c = lane; c < Ev; c += 32) s += to_f(dout[r * Ev + c]) * to_f(out[r * Ev + c]);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    if (lane == 0) D[r] = s;
  }
}

// P and dS of a BM x BN tile (queries m0.., keys n0..) into sP / sS (either may be null),
// from sQ (scaled), sG (dO), sK, sV, sLse, sD.
template <int DH, int BM, int BN>
__device__ __forceinline__ void backward_tile(const Params& p, long long mbase, int m0, int n0, const float* sQ,
                                              const float* sG, const float* sK, const float* sV, const float* sLse,
                                              const float* sD, float* sP, float* sS) {
  constexpr int LD = DH + 1, LP = BN + 1, RM = BM / 16, CN = BN / 16;
  const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
  float s[RM][CN], dp[RM][CN];
#pragma unroll
  for (int a = 0; a < RM; ++a)
#pragma unroll
    for (int c = 0; c < CN; ++c) s[a][c] = dp[a][c] = 0.f;
#pragma unroll 4
  for (int e = 0; e < DH; ++e) {
    float qa[RM], ga[RM], kb[CN], vb[CN];
#pragma unroll
    for (int a = 0; a < RM; ++a) {
      qa[a] = sQ[(ty + 16 * a) * LD + e];
      ga[a] = sG[(ty + 16 * a) * LD + e];
    }
#pragma unroll
    for (int c = 0; c < CN; ++c) {
      kb[c] = sK[(tx + 16 * c) * LD + e];
      vb[c] = sV[(tx + 16 * c) * LD + e];
    }
#pragma unroll
    for (int a = 0; a < RM; ++a)
#pragma unroll
      for (int c = 0; c < CN; ++c) {
        s[a][c] = fmaf(qa[a], kb[c], s[a][c]);
        dp[a][c] = fmaf(ga[a], vb[c], dp[a][c]);
      }
  }
  const float dead_p = p.mask.kind != 0 ? 0.f : NAN;
#pragma unroll
  for (int a = 0; a < RM; ++a)
#pragma unroll
    for (int c = 0; c < CN; ++c) {
      const int r = ty + 16 * a, col = tx + 16 * c;
      const float sc = masked_score(p, mbase, m0 + r, n0 + col, s[a][c]);
      const float lz = sLse[r];  // +inf on padding rows: P = 0 there
      const float pr = lz == -INFINITY ? dead_p : expf(sc - lz);
      if (sP) sP[r * LP + col] = pr;
      if (sS) sS[r * LP + col] = pr * (dp[a][c] - sD[r]);
    }
}

template <int DH, int BM, int BN> constexpr int dkv_smem_floats() {
  return (2 * BN + 2 * BM) * (DH + 1) + 2 * BM * (BN + 1) + 2 * BM;
}
template <int DH, int BM, int BN> constexpr int dq_smem_floats() {
  return (2 * BN + 2 * BM) * (DH + 1) + BM * (BN + 1) + 2 * BM;
}

// Loads the query-side tile of the backward: sQ (scaled), sG, sLse, sD for queries m0...
template <typename T, int DH, int BM>
__device__ __forceinline__ void load_query_side(const Params& p, long long bh, int m0, float* sQ, float* sG,
                                                float* sLse, float* sD) {
  const T* q = static_cast<const T*>(p.q) + bh * p.L * p.E;
  const T* g = static_cast<const T*>(p.dout) + bh * p.L * p.Ev;
  load_tile<T, DH, BM>(sQ, q, m0, p.L, p.E, p.scale);
  load_tile<T, DH, BM>(sG, g, m0, p.L, p.Ev, 1.f);
  if (threadIdx.x < BM) {
    const int i = m0 + threadIdx.x;
    sLse[threadIdx.x] = i < p.L ? p.lse[bh * p.L + i] : INFINITY;
    sD[threadIdx.x] = i < p.L ? p.D[bh * p.L + i] : 0.f;
  }
}

template <typename T, int DH, int BM, int BN>
__global__ void __launch_bounds__(kThreads) attention_backward_dkv_kernel(const Params p) {
  extern __shared__ float smem[];
  constexpr int LD = DH + 1, LP = BN + 1, RN = BN / 16, CD = DH / 16;
  float* sK = smem;
  float* sV = sK + BN * LD;
  float* sQ = sV + BN * LD;
  float* sG = sQ + BM * LD;
  float* sP = sG + BM * LD;
  float* sS = sP + BM * LP;
  float* sLse = sS + BM * LP;
  float* sD = sLse + BM;
  const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
  const int bkv = blockIdx.x, b = bkv / p.Hk, hk = bkv - b * p.Hk;
  const T* k = static_cast<const T*>(p.k) + static_cast<long long>(bkv) * p.S * p.E;
  const T* v = static_cast<const T*>(p.v) + static_cast<long long>(bkv) * p.S * p.Ev;
  T* dk_out = static_cast<T*>(p.dk) + static_cast<long long>(bkv) * p.S * p.E;
  T* dv_out = static_cast<T*>(p.dv) + static_cast<long long>(bkv) * p.S * p.Ev;
  const int ntiles = (p.S + BN - 1) / BN;
  for (int tile = blockIdx.y; tile < ntiles; tile += gridDim.y) {
    const int n0 = tile * BN;
    __syncthreads();
    load_tile<T, DH, BN>(sK, k, n0, p.S, p.E, 1.f);
    load_tile<T, DH, BN>(sV, v, n0, p.S, p.Ev, 1.f);
    float dk[RN][CD], dv[RN][CD];
#pragma unroll
    for (int c = 0; c < RN; ++c)
#pragma unroll
      for (int d = 0; d < CD; ++d) dk[c][d] = dv[c][d] = 0.f;
    for (int hh = 0; hh < p.rep; ++hh) {
      const int h = hk * p.rep + hh;
      const long long bh = static_cast<long long>(b) * p.H + h;
      const long long mbase = b * p.mask.sb + h * p.mask.sh;
      const int m_start = p.causal ? (n0 / BM) * BM : 0;  // queries before n0 see none of these keys
      for (int m0 = m_start; m0 < p.L; m0 += BM) {
        __syncthreads();  // the previous query tile is consumed
        load_query_side<T, DH, BM>(p, bh, m0, sQ, sG, sLse, sD);
        __syncthreads();
        backward_tile<DH, BM, BN>(p, mbase, m0, n0, sQ, sG, sK, sV, sLse, sD, sP, sS);
        __syncthreads();
#pragma unroll 2
        for (int r = 0; r < BM; ++r) {
          float pj[RN], sj[RN], gr[CD], qr[CD];
#pragma unroll
          for (int c = 0; c < RN; ++c) {
            pj[c] = sP[r * LP + ty + 16 * c];
            sj[c] = sS[r * LP + ty + 16 * c];
          }
#pragma unroll
          for (int d = 0; d < CD; ++d) {
            gr[d] = sG[r * LD + tx + 16 * d];
            qr[d] = sQ[r * LD + tx + 16 * d];
          }
#pragma unroll
          for (int c = 0; c < RN; ++c)
#pragma unroll
            for (int d = 0; d < CD; ++d) {
              dv[c][d] = fmaf(pj[c], gr[d], dv[c][d]);
              dk[c][d] = fmaf(sj[c], qr[d], dk[c][d]);
            }
        }
      }
    }
#pragma unroll
    for (int c = 0; c < RN; ++c) {
      const int j = n0 + ty + 16 * c;
      if (j >= p.S) continue;
#pragma unroll
      for (int d = 0; d < CD; ++d) {
        const int col = tx + 16 * d;
        if (col < p.E) dk_out[static_cast<long long>(j) * p.E + col] = from_f<T>(dk[c][d]);
        if (col < p.Ev) dv_out[static_cast<long long>(j) * p.Ev + col] = from_f<T>(dv[c][d]);
      }
    }
  }
}

template <typename T, int DH, int BM, int BN>
__global__ void __launch_bounds__(kThreads) attention_backward_dq_kernel(const Params p) {
  extern __shared__ float smem[];
  constexpr int LD = DH + 1, LP = BN + 1, RM = BM / 16, CD = DH / 16;
  float* sQ = smem;
  float* sG = sQ + BM * LD;
  float* sK = sG + BM * LD;
  float* sV = sK + BN * LD;
  float* sS = sV + BN * LD;
  float* sLse = sS + BM * LP;
  float* sD = sLse + BM;
  const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
  const int bh = blockIdx.x, b = bh / p.H, h = bh - b * p.H;
  const long long kvh = static_cast<long long>(b) * p.Hk + h / p.rep;
  const T* k = static_cast<const T*>(p.k) + kvh * p.S * p.E;
  const T* v = static_cast<const T*>(p.v) + kvh * p.S * p.Ev;
  T* dq_out = static_cast<T*>(p.dq) + static_cast<long long>(bh) * p.L * p.E;
  const long long mbase = b * p.mask.sb + h * p.mask.sh;
  const int ntiles = (p.L + BM - 1) / BM;
  for (int tile = blockIdx.y; tile < ntiles; tile += gridDim.y) {
    const int m0 = tile * BM;
    __syncthreads();
    load_query_side<T, DH, BM>(p, bh, m0, sQ, sG, sLse, sD);
    float dq[RM][CD];
#pragma unroll
    for (int a = 0; a < RM; ++a)
#pragma unroll
      for (int d = 0; d < CD; ++d) dq[a][d] = 0.f;
    const int kend = p.causal ? min(p.S, m0 + BM) : p.S;
    for (int n0 = 0; n0 < kend; n0 += BN) {
      __syncthreads();  // the previous key tile is consumed (and the query side loaded)
      load_tile<T, DH, BN>(sK, k, n0, p.S, p.E, 1.f);
      load_tile<T, DH, BN>(sV, v, n0, p.S, p.Ev, 1.f);
      __syncthreads();
      backward_tile<DH, BM, BN>(p, mbase, m0, n0, sQ, sG, sK, sV, sLse, sD, nullptr, sS);
      __syncthreads();
#pragma unroll 4
      for (int c = 0; c < BN; ++c) {
        float da[RM], kb[CD];
#pragma unroll
        for (int a = 0; a < RM; ++a) da[a] = sS[(ty + 16 * a) * LP + c];
#pragma unroll
        for (int d = 0; d < CD; ++d) kb[d] = sK[c * LD + tx + 16 * d];
#pragma unroll
        for (int a = 0; a < RM; ++a)
#pragma unroll
          for (int d = 0; d < CD; ++d) dq[a][d] = fmaf(da[a], kb[d], dq[a][d]);
      }
    }
#pragma unroll
    for (int a = 0; a < RM; ++a) {
      const int i = m0 + ty + 16 * a;
      if (i >= p.L) continue;
#pragma unroll
      for (int d = 0; d < CD; ++d) {
        const int col = tx + 16 * d;
        if (col < p.E) dq_out[static_cast<long long>(i) * p.E + col] = from_f<T>(dq[a][d] * p.scale);
      }
    }
  }
}

// ---- tensor-core forward (float16 / bfloat16) --------------------------------------------

constexpr int kMmaThreads = 128;  // 4 warps x 16 query rows
constexpr int kMmaBM = 64, kMmaBN = 64;

template <int DH> constexpr int mma_forward_smem_bytes() { return 3 * kMmaBM * (DH + 8) * 2; }

template <typename T>
__device__ __forceinline__ void mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  if constexpr (std::is_same_v<T, BFloat16>) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
}

// Two floats as a pair of T in one register, `lo` in the low half (the lower k index).
template <typename T> __device__ __forceinline__ uint32_t pack2(float lo, float hi) {
  uint32_t r;
  if constexpr (std::is_same_v<T, BFloat16>) {
    const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    memcpy(&r, &v, 4);
  } else {
    const __half2 v = __floats2half2_rn(lo, hi);
    memcpy(&r, &v, 4);
  }
  return r;
}

__device__ __forceinline__ uint32_t lds32(const uint16_t* p) { return *reinterpret_cast<const uint32_t*>(p); }

// The B operands of two n-blocks (columns col0.. and col0 + 8..) of a product whose k runs over
// rows row0..row0+15 of a row-major shared tile (rows of ldh halves, 16-byte aligned), by one
// ldmatrix .trans: b[0], b[1] for columns col0.., b[2], b[3] for col0 + 8... Lane l gives the
// address of row l % 8 of 8 x 8 matrix l / 8 (matrices: rows +0/+8 x columns +0/+8).
__device__ __forceinline__ void b_from_rows_x4(const uint16_t* tile, int ldh, int row0, int col0, uint32_t (&b)[4]) {
  const int lane = threadIdx.x & 31, m = lane >> 3;
  const uint16_t* ptr = tile + (row0 + (m & 1) * 8 + (lane & 7)) * ldh + col0 + (m >> 1) * 8;
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(ptr));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(b[0]), "=r"(b[1]), "=r"(b[2]), "=r"(b[3])
               : "r"(addr)
               : "memory");
}

// dst[r][c] (rows of DH + 8 halves) <- src[row0 + r][c] as raw 16-bit values, zeros past
// `nrows` and `cols`. `vec`: cols % 8 == 0 and src 16-byte aligned (16-byte loads).
template <int DH, int ROWS>
__device__ __forceinline__ void load_tile16(uint16_t* dst, const uint16_t* src, int row0, int nrows, int cols,
                                            bool vec) {
  constexpr int LDH = DH + 8;
  if (vec) {
    constexpr int CH = DH / 8;
    for (int idx = threadIdx.x; idx < ROWS * CH; idx += kMmaThreads) {
      const int r = idx / CH, c = (idx % CH) * 8, gr = row0 + r;
      uint4 x = make_uint4(0u, 0u, 0u, 0u);
      if (gr < nrows && c < cols) x = *reinterpret_cast<const uint4*>(src + static_cast<long long>(gr) * cols + c);
      *reinterpret_cast<uint4*>(dst + r * LDH + c) = x;
    }
  } else {
    for (int idx = threadIdx.x; idx < ROWS * DH; idx += kMmaThreads) {
      const int r = idx / DH, c = idx % DH, gr = row0 + r;
      dst[r * LDH + c] = (gr < nrows && c < cols) ? src[static_cast<long long>(gr) * cols + c] : uint16_t(0);
    }
  }
}

// Fragment layouts of m16n8k16 (g = lane / 4, t = lane % 4):
//   A (16 x 16, row): reg0 (row g, k 2t..2t+1), reg1 (row g+8, k 2t..), reg2 (row g, k 2t+8..),
//     reg3 (row g+8, k 2t+8..);
//   B (16 x 8, col): reg0 (k 2t..2t+1, col g), reg1 (k 2t+8.., col g);
//   C (16 x 8, f32): c0, c1 (row g, cols 2t, 2t+1), c2, c3 (row g+8, cols 2t, 2t+1).
template <typename T, int DH>
__global__ void __launch_bounds__(kMmaThreads) attention_forward_mma_kernel(const Params p, bool vec_qk, bool vec_v) {
  constexpr int BM = kMmaBM, BN = kMmaBN, LDH = DH + 8, KS = DH / 16, NT = BN / 8, DT = DH / 8;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  uint16_t* sQ = reinterpret_cast<uint16_t*>(smem_raw);
  uint16_t* sK = sQ + BM * LDH;
  uint16_t* sV = sK + BN * LDH;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int bh = blockIdx.x, b = bh / p.H, h = bh - b * p.H;
  const long long kvh = static_cast<long long>(b) * p.Hk + h / p.rep;
  const uint16_t* q = static_cast<const uint16_t*>(p.q) + static_cast<long long>(bh) * p.L * p.E;
  const uint16_t* k = static_cast<const uint16_t*>(p.k) + kvh * p.S * p.E;
  const uint16_t* v = static_cast<const uint16_t*>(p.v) + kvh * p.S * p.Ev;
  T* out = static_cast<T*>(p.out_w) + static_cast<long long>(bh) * p.L * p.Ev;
  float* lse = p.lse + static_cast<long long>(bh) * p.L;
  const long long mbase = b * p.mask.sb + h * p.mask.sh;
  const int ntiles = (p.L + BM - 1) / BM;
  for (int tile = blockIdx.y; tile < ntiles; tile += gridDim.y) {
    const int q0 = tile * BM;
    __syncthreads();
    load_tile16<DH, BM>(sQ, q, q0, p.L, p.E, vec_qk);
    __syncthreads();
    const int r0 = warp * 16 + g;  // this thread's rows in the tile: r0 and r0 + 8
    const int i0 = q0 + r0, i1 = i0 + 8;
    uint32_t qf[KS][4];
#pragma unroll
    for (int ks = 0; ks < KS; ++ks) {
      const int c0 = ks * 16 + 2 * t;
      qf[ks][0] = lds32(sQ + r0 * LDH + c0);
      qf[ks][1] = lds32(sQ + (r0 + 8) * LDH + c0);
      qf[ks][2] = lds32(sQ + r0 * LDH + c0 + 8);
      qf[ks][3] = lds32(sQ + (r0 + 8) * LDH + c0 + 8);
    }
    float o[DT][4];
#pragma unroll
    for (int d = 0; d < DT; ++d) o[d][0] = o[d][1] = o[d][2] = o[d][3] = 0.f;
    float mrow[2] = {-INFINITY, -INFINITY}, lrow[2] = {0.f, 0.f};  // l: this thread's partial sums
    const int kend = p.causal ? min(p.S, q0 + BM) : p.S;
    for (int k0 = 0; k0 < kend; k0 += BN) {
      __syncthreads();
      load_tile16<DH, BN>(sK, k, k0, p.S, p.E, vec_qk);
      load_tile16<DH, BN>(sV, v, k0, p.S, p.Ev, vec_v);
      __syncthreads();
      float s[NT][4];
#pragma unroll
      for (int n = 0; n < NT; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
      for (int ks = 0; ks < KS; ++ks)
#pragma unroll
        for (int n = 0; n < NT; ++n) {
          const uint16_t* kp = sK + (n * 8 + g) * LDH + ks * 16 + 2 * t;
          mma16816<T>(s[n], qf[ks], lds32(kp), lds32(kp + 8));
        }
      float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
      for (int n = 0; n < NT; ++n)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int j = k0 + n * 8 + 2 * t + (e & 1);
          s[n][e] = masked_score(p, mbase, e < 2 ? i0 : i1, j, s[n][e] * p.scale);
          mx[e >> 1] = fmaxf(mx[e >> 1], s[n][e]);
        }
      float use[2], alpha[2];
#pragma unroll
      for (int r = 0; r < 2; ++r) {  // the 4 threads of a quad share rows
        mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
        mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
        const float m_new = fmaxf(mrow[r], mx[r]);
        use[r] = m_new == -INFINITY ? 0.f : m_new;
        alpha[r] = expf(mrow[r] - use[r]);
        mrow[r] = m_new;
      }
      float ps[2] = {0.f, 0.f};
#pragma unroll
      for (int n = 0; n < NT; ++n)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const float x = expf(s[n][e] - use[e >> 1]);
          s[n][e] = x;
          ps[e >> 1] += x;
        }
      lrow[0] = lrow[0] * alpha[0] + ps[0];
      lrow[1] = lrow[1] * alpha[1] + ps[1];
#pragma unroll
      for (int d = 0; d < DT; ++d) {
        o[d][0] *= alpha[0];
        o[d][1] *= alpha[0];
        o[d][2] *= alpha[1];
        o[d][3] *= alpha[1];
      }
#pragma unroll
      for (int kj = 0; kj < BN / 16; ++kj) {
        const uint32_t a[4] = {pack2<T>(s[2 * kj][0], s[2 * kj][1]), pack2<T>(s[2 * kj][2], s[2 * kj][3]),
                               pack2<T>(s[2 * kj + 1][0], s[2 * kj + 1][1]),
                               pack2<T>(s[2 * kj + 1][2], s[2 * kj + 1][3])};
#pragma unroll
        for (int d = 0; d < DT; d += 2) {
          uint32_t bv[4];
          b_from_rows_x4(sV, LDH, kj * 16, d * 8, bv);
          mma16816<T>(o[d], a, bv[0], bv[1]);
          mma16816<T>(o[d + 1], a, bv[2], bv[3]);
        }
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      lrow[r] += __shfl_xor_sync(0xffffffffu, lrow[r], 1);
      lrow[r] += __shfl_xor_sync(0xffffffffu, lrow[r], 2);
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int i = r == 0 ? i0 : i1;
      if (i >= p.L) continue;
      const bool dead = mrow[r] == -INFINITY && lrow[r] == 0.f;
      const float inv = dead ? (p.mask.kind != 0 ? 0.f : NAN) : 1.f / lrow[r];
      T* orow = out + static_cast<long long>(i) * p.Ev;
#pragma unroll
      for (int d = 0; d < DT; ++d) {
        const int col = d * 8 + 2 * t;
        if (col < p.Ev) orow[col] = from_f<T>(o[d][2 * r] * inv);
        if (col + 1 < p.Ev) orow[col + 1] = from_f<T>(o[d][2 * r + 1] * inv);
      }
      if (t == 0) lse[i] = dead ? -INFINITY : mrow[r] + logf(lrow[r]);
    }
  }
}

// ---- tensor-core backward (float16 / bfloat16) -------------------------------------------
// The same two passes as the CUDA-core backward. dK/dV: each warp owns 16 keys of a 64-key tile
// and computes S^T = K Q^T and dP^T = V dO^T for a tile of BQ queries, so P^T and dS^T come out
// as the A operand of dV += P^T dO and dK += dS^T Q. dQ: each warp owns 16 queries and computes
// S = Q K^T, dP = dO V^T over key tiles of BK, then dQ += dS K. P and dS are rounded to the input
// dtype as mma operands; every accumulation is float32.

constexpr int kMmaKeys = 64;  // keys per dK/dV block

template <int DH, int BQ> constexpr int mma_dkv_smem_bytes() {
  return (2 * kMmaKeys + 2 * BQ) * (DH + 8) * 2 + 2 * BQ * 4;
}
template <int DH, int BK> constexpr int mma_dq_smem_bytes() { return (2 * kMmaBM + 2 * BK) * (DH + 8) * 2; }

template <typename T, int DH, int BQ>
__global__ void __launch_bounds__(kMmaThreads) attention_backward_dkv_mma_kernel(const Params p, bool vec_qk,
                                                                                 bool vec_v) {
  constexpr int BN = kMmaKeys, LDH = DH + 8, KS = DH / 16, NQ = BQ / 8, DT = DH / 8;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  uint16_t* sK = reinterpret_cast<uint16_t*>(smem_raw);
  uint16_t* sV = sK + BN * LDH;
  uint16_t* sQ = sV + BN * LDH;
  uint16_t* sG = sQ + BQ * LDH;
  float* sLse = reinterpret_cast<float*>(sG + BQ * LDH);
  float* sD = sLse + BQ;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int bkv = blockIdx.x, b = bkv / p.Hk, hk = bkv - b * p.Hk;
  const uint16_t* k = static_cast<const uint16_t*>(p.k) + static_cast<long long>(bkv) * p.S * p.E;
  const uint16_t* v = static_cast<const uint16_t*>(p.v) + static_cast<long long>(bkv) * p.S * p.Ev;
  T* dk_out = static_cast<T*>(p.dk) + static_cast<long long>(bkv) * p.S * p.E;
  T* dv_out = static_cast<T*>(p.dv) + static_cast<long long>(bkv) * p.S * p.Ev;
  const float dead_p = p.mask.kind != 0 ? 0.f : NAN;
  const int kr = warp * 16 + g;  // this thread's key rows in the tile: kr and kr + 8
  const int ntiles = (p.S + BN - 1) / BN;
  for (int tile = blockIdx.y; tile < ntiles; tile += gridDim.y) {
    const int n0 = tile * BN;
    __syncthreads();
    load_tile16<DH, BN>(sK, k, n0, p.S, p.E, vec_qk);
    load_tile16<DH, BN>(sV, v, n0, p.S, p.Ev, vec_v);
    float dk[DT][4], dv[DT][4];
#pragma unroll
    for (int d = 0; d < DT; ++d)
#pragma unroll
      for (int e = 0; e < 4; ++e) dk[d][e] = dv[d][e] = 0.f;
    for (int hh = 0; hh < p.rep; ++hh) {
      const int h = hk * p.rep + hh;
      const long long bh = static_cast<long long>(b) * p.H + h;
      const long long mbase = b * p.mask.sb + h * p.mask.sh;
      const uint16_t* q = static_cast<const uint16_t*>(p.q) + bh * p.L * p.E;
      const uint16_t* go = static_cast<const uint16_t*>(p.dout) + bh * p.L * p.Ev;
      const int m_start = p.causal ? (n0 / BQ) * BQ : 0;  // queries before n0 see none of these keys
      for (int m0 = m_start; m0 < p.L; m0 += BQ) {
        __syncthreads();  // the previous query tile is consumed
        load_tile16<DH, BQ>(sQ, q, m0, p.L, p.E, vec_qk);
        load_tile16<DH, BQ>(sG, go, m0, p.L, p.Ev, vec_v);
        if (threadIdx.x < BQ) {
          const int i = m0 + threadIdx.x;
          sLse[threadIdx.x] = i < p.L ? p.lse[bh * p.L + i] : INFINITY;  // +inf: P = 0 on padding
          sD[threadIdx.x] = i < p.L ? p.D[bh * p.L + i] : 0.f;
        }
        __syncthreads();
        float st[NQ][4], dpt[NQ][4];
#pragma unroll
        for (int n = 0; n < NQ; ++n)
#pragma unroll
          for (int e = 0; e < 4; ++e) st[n][e] = dpt[n][e] = 0.f;
#pragma unroll
        for (int ks = 0; ks < KS; ++ks) {
          const int c0 = ks * 16 + 2 * t;
          const uint32_t ka[4] = {lds32(sK + kr * LDH + c0), lds32(sK + (kr + 8) * LDH + c0),
                                  lds32(sK + kr * LDH + c0 + 8), lds32(sK + (kr + 8) * LDH + c0 + 8)};
          const uint32_t va[4] = {lds32(sV + kr * LDH + c0), lds32(sV + (kr + 8) * LDH + c0),
                                  lds32(sV + kr * LDH + c0 + 8), lds32(sV + (kr + 8) * LDH + c0 + 8)};
#pragma unroll
          for (int n = 0; n < NQ; ++n) {
            const uint16_t* qp = sQ + (n * 8 + g) * LDH + c0;
            mma16816<T>(st[n], ka, lds32(qp), lds32(qp + 8));
            const uint16_t* gp = sG + (n * 8 + g) * LDH + c0;
            mma16816<T>(dpt[n], va, lds32(gp), lds32(gp + 8));
          }
        }
#pragma unroll
        for (int n = 0; n < NQ; ++n)
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            const int qi = n * 8 + 2 * t + (e & 1);
            const float sc = masked_score(p, mbase, m0 + qi, n0 + kr + (e >> 1) * 8, st[n][e] * p.scale);
            const float lz = sLse[qi];
            const float pr = lz == -INFINITY ? dead_p : expf(sc - lz);
            st[n][e] = pr;
            dpt[n][e] = pr * (dpt[n][e] - sD[qi]);
          }
#pragma unroll
        for (int kq = 0; kq < BQ / 16; ++kq) {
          const uint32_t pa[4] = {pack2<T>(st[2 * kq][0], st[2 * kq][1]), pack2<T>(st[2 * kq][2], st[2 * kq][3]),
                                  pack2<T>(st[2 * kq + 1][0], st[2 * kq + 1][1]),
                                  pack2<T>(st[2 * kq + 1][2], st[2 * kq + 1][3])};
          const uint32_t sa[4] = {pack2<T>(dpt[2 * kq][0], dpt[2 * kq][1]), pack2<T>(dpt[2 * kq][2], dpt[2 * kq][3]),
                                  pack2<T>(dpt[2 * kq + 1][0], dpt[2 * kq + 1][1]),
                                  pack2<T>(dpt[2 * kq + 1][2], dpt[2 * kq + 1][3])};
#pragma unroll
          for (int d = 0; d < DT; d += 2) {
            uint32_t bb[4];
            b_from_rows_x4(sG, LDH, kq * 16, d * 8, bb);
            mma16816<T>(dv[d], pa, bb[0], bb[1]);
            mma16816<T>(dv[d + 1], pa, bb[2], bb[3]);
            b_from_rows_x4(sQ, LDH, kq * 16, d * 8, bb);
            mma16816<T>(dk[d], sa, bb[0], bb[1]);
            mma16816<T>(dk[d + 1], sa, bb[2], bb[3]);
          }
        }
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int j = n0 + kr + 8 * r;
      if (j >= p.S) continue;
#pragma unroll
      for (int d = 0; d < DT; ++d)
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          const int col = d * 8 + 2 * t + c;
          if (col < p.E) dk_out[static_cast<long long>(j) * p.E + col] = from_f<T>(dk[d][2 * r + c] * p.scale);
          if (col < p.Ev) dv_out[static_cast<long long>(j) * p.Ev + col] = from_f<T>(dv[d][2 * r + c]);
        }
    }
  }
}

template <typename T, int DH, int BK>
__global__ void __launch_bounds__(kMmaThreads) attention_backward_dq_mma_kernel(const Params p, bool vec_qk,
                                                                                bool vec_v) {
  constexpr int BM = kMmaBM, LDH = DH + 8, KS = DH / 16, NK = BK / 8, DT = DH / 8;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  uint16_t* sQ = reinterpret_cast<uint16_t*>(smem_raw);
  uint16_t* sG = sQ + BM * LDH;
  uint16_t* sK = sG + BM * LDH;
  uint16_t* sV = sK + BK * LDH;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int bh = blockIdx.x, b = bh / p.H, h = bh - b * p.H;
  const long long kvh = static_cast<long long>(b) * p.Hk + h / p.rep;
  const uint16_t* q = static_cast<const uint16_t*>(p.q) + static_cast<long long>(bh) * p.L * p.E;
  const uint16_t* go = static_cast<const uint16_t*>(p.dout) + static_cast<long long>(bh) * p.L * p.Ev;
  const uint16_t* k = static_cast<const uint16_t*>(p.k) + kvh * p.S * p.E;
  const uint16_t* v = static_cast<const uint16_t*>(p.v) + kvh * p.S * p.Ev;
  T* dq_out = static_cast<T*>(p.dq) + static_cast<long long>(bh) * p.L * p.E;
  const long long mbase = b * p.mask.sb + h * p.mask.sh;
  const float dead_p = p.mask.kind != 0 ? 0.f : NAN;
  const int ntiles = (p.L + BM - 1) / BM;
  for (int tile = blockIdx.y; tile < ntiles; tile += gridDim.y) {
    const int m0 = tile * BM;
    __syncthreads();
    load_tile16<DH, BM>(sQ, q, m0, p.L, p.E, vec_qk);
    load_tile16<DH, BM>(sG, go, m0, p.L, p.Ev, vec_v);
    __syncthreads();
    const int r0 = warp * 16 + g;
    const int i0 = m0 + r0, i1 = i0 + 8;
    const float lse_r[2] = {i0 < p.L ? p.lse[bh * p.L + i0] : INFINITY, i1 < p.L ? p.lse[bh * p.L + i1] : INFINITY};
    const float d_r[2] = {i0 < p.L ? p.D[bh * p.L + i0] : 0.f, i1 < p.L ? p.D[bh * p.L + i1] : 0.f};
    uint32_t qf[KS][4], gf[KS][4];
#pragma unroll
    for (int ks = 0; ks < KS; ++ks) {
      const int c0 = ks * 16 + 2 * t;
      qf[ks][0] = lds32(sQ + r0 * LDH + c0);
      qf[ks][1] = lds32(sQ + (r0 + 8) * LDH + c0);
      qf[ks][2] = lds32(sQ + r0 * LDH + c0 + 8);
      qf[ks][3] = lds32(sQ + (r0 + 8) * LDH + c0 + 8);
      gf[ks][0] = lds32(sG + r0 * LDH + c0);
      gf[ks][1] = lds32(sG + (r0 + 8) * LDH + c0);
      gf[ks][2] = lds32(sG + r0 * LDH + c0 + 8);
      gf[ks][3] = lds32(sG + (r0 + 8) * LDH + c0 + 8);
    }
    float dq[DT][4];
#pragma unroll
    for (int d = 0; d < DT; ++d) dq[d][0] = dq[d][1] = dq[d][2] = dq[d][3] = 0.f;
    const int kend = p.causal ? min(p.S, m0 + BM) : p.S;
    for (int n0 = 0; n0 < kend; n0 += BK) {
      __syncthreads();  // the previous key tile is consumed
      load_tile16<DH, BK>(sK, k, n0, p.S, p.E, vec_qk);
      load_tile16<DH, BK>(sV, v, n0, p.S, p.Ev, vec_v);
      __syncthreads();
      float s[NK][4], dp[NK][4];
#pragma unroll
      for (int n = 0; n < NK; ++n)
#pragma unroll
        for (int e = 0; e < 4; ++e) s[n][e] = dp[n][e] = 0.f;
#pragma unroll
      for (int ks = 0; ks < KS; ++ks)
#pragma unroll
        for (int n = 0; n < NK; ++n) {
          const uint16_t* kp = sK + (n * 8 + g) * LDH + ks * 16 + 2 * t;
          mma16816<T>(s[n], qf[ks], lds32(kp), lds32(kp + 8));
          const uint16_t* vp = sV + (n * 8 + g) * LDH + ks * 16 + 2 * t;
          mma16816<T>(dp[n], gf[ks], lds32(vp), lds32(vp + 8));
        }
#pragma unroll
      for (int n = 0; n < NK; ++n)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int r = e >> 1;
          const float sc = masked_score(p, mbase, r == 0 ? i0 : i1, n0 + n * 8 + 2 * t + (e & 1), s[n][e] * p.scale);
          const float pr = lse_r[r] == -INFINITY ? dead_p : expf(sc - lse_r[r]);
          s[n][e] = pr * (dp[n][e] - d_r[r]);
        }
#pragma unroll
      for (int kj = 0; kj < BK / 16; ++kj) {
        const uint32_t a[4] = {pack2<T>(s[2 * kj][0], s[2 * kj][1]), pack2<T>(s[2 * kj][2], s[2 * kj][3]),
                               pack2<T>(s[2 * kj + 1][0], s[2 * kj + 1][1]),
                               pack2<T>(s[2 * kj + 1][2], s[2 * kj + 1][3])};
#pragma unroll
        for (int d = 0; d < DT; d += 2) {
          uint32_t bb[4];
          b_from_rows_x4(sK, LDH, kj * 16, d * 8, bb);
          mma16816<T>(dq[d], a, bb[0], bb[1]);
          mma16816<T>(dq[d + 1], a, bb[2], bb[3]);
        }
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int i = r == 0 ? i0 : i1;
      if (i >= p.L) continue;
#pragma unroll
      for (int d = 0; d < DT; ++d)
#pragma unroll
        for (int c = 0; c < 2; ++c) {
          const int col = d * 8 + 2 * t + c;
          if (col < p.E) dq_out[static_cast<long long>(i) * p.E + col] = from_f<T>(dq[d][2 * r + c] * p.scale);
        }
    }
  }
}

// ---- host side ------------------------------------------------------------------------------

const char* kOp = "scaled_dot_product_attention";

Params make_params(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionArgs& args) {
  EMBER_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4 && q.is_contiguous() && k.is_contiguous() &&
                  v.is_contiguous(),
              kOp, ": the fused CUDA kernel takes contiguous 4-dim query, key and value");
  Params p;
  p.q = q.data_ptr();
  p.k = k.data_ptr();
  p.v = v.data_ptr();
  const int64_t B = q.size(0), H = q.size(1), Hk = k.size(1), L = q.size(2), S = k.size(2);
  const int64_t E = q.size(3), Ev = v.size(3);
  EMBER_CHECK(Hk > 0 && H % Hk == 0 && k.size(0) == B && v.size(0) == B && v.size(1) == Hk && v.size(2) == S &&
                  k.size(3) == E,
              kOp, ": inconsistent fused attention operands");
  EMBER_CHECK(E <= kAttentionMaxHeadDim && Ev <= kAttentionMaxHeadDim, kOp,
              ": the fused CUDA kernel takes head dims up to ", kAttentionMaxHeadDim, ", got ", E, " and ", Ev);
  EMBER_CHECK(L <= INT_MAX && S <= INT_MAX && B * H <= INT_MAX, kOp,
              ": sequence or batch too long for the fused CUDA kernel (L ", L, ", S ", S, ", batch ", B * H, ")");
  p.H = static_cast<int>(H);
  p.Hk = static_cast<int>(Hk);
  p.rep = static_cast<int>(H / Hk);
  p.L = static_cast<int>(L);
  p.S = static_cast<int>(S);
  p.E = static_cast<int>(E);
  p.Ev = static_cast<int>(Ev);
  p.scale = static_cast<float>(args.scale);
  p.causal = args.is_causal;
  if (args.mask.defined()) {
    const Tensor& m = args.mask;
    EMBER_CHECK(m.dim() == 4 && m.size(0) == B && m.size(1) == H && m.size(2) == L && m.size(3) == S &&
                    (m.dtype() == kBool || m.dtype() == kFloat32),
                kOp, ": the fused CUDA kernel takes a (B, H, L, S) bool or float32 mask");
    p.mask.data = m.data_ptr();
    p.mask.kind = m.dtype() == kBool ? 1 : 2;
    p.mask.sb = m.stride(0);
    p.mask.sh = m.stride(1);
    p.mask.sl = m.stride(2);
    p.mask.ss = m.stride(3);
  }
  return p;
}

// The padded head dim a call's kernels are instantiated for.
int head_bucket(const Params& p) {
  const int d = std::max(p.E, p.Ev);
  return d <= 32 ? 32 : d <= 64 ? 64 : 128;
}

template <typename Kernel>
void launch(Kernel kernel, int smem_floats, unsigned gx, int ntiles, const Params& p, cudaStream_t s, int dev,
            const char* what) {
  const size_t bytes = static_cast<size_t>(smem_floats) * sizeof(float);
  EMBER_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)),
                   what);
  const dim3 grid(gx, static_cast<unsigned>(std::min(ntiles, 65535)));
  kernel<<<grid, kThreads, bytes, s>>>(p);
  EMBER_CUDA_LAUNCH_CHECK(what);
  (void)dev;
}

template <typename F> void dispatch_attention_dtype(DType t, F&& f) {
  switch (t) {
    case kFloat32: f(TypeTag<float>{}); break;
    case kFloat16: f(TypeTag<Half>{}); break;
    case kBFloat16: f(TypeTag<BFloat16>{}); break;
    default:
      EMBER_FAIL(ErrorKind::Type, kOp, ": the fused CUDA kernel is not implemented for dtype ", dtype_name(t));
  }
}

template <typename T, int DH, int BM, int BN>
void forward_for(const Params& p, int64_t B, cudaStream_t s, int dev) {
  launch(attention_forward_kernel_impl<T, DH, BM, BN>, forward_smem_floats<DH, BM, BN>(),
         static_cast<unsigned>(B * p.H), (p.L + BM - 1) / BM, p, s, dev, "scaled_dot_product_attention forward");
}

template <typename T, int DH, int BM, int BN>
void backward_for(const Params& p, int64_t B, cudaStream_t s, int dev) {
  launch(attention_backward_dkv_kernel<T, DH, BM, BN>, dkv_smem_floats<DH, BM, BN>(),
         static_cast<unsigned>(B * p.Hk), (p.S + BN - 1) / BN, p, s, dev, "scaled_dot_product_attention backward");
  launch(attention_backward_dq_kernel<T, DH, BM, BN>, dq_smem_floats<DH, BM, BN>(), static_cast<unsigned>(B * p.H),
         (p.L + BM - 1) / BM, p, s, dev, "scaled_dot_product_attention backward");
}

void cuda_attention_forward(const Tensor& out, const Tensor& logsumexp, const Tensor& q, const Tensor& k,
                            const Tensor& v, const AttentionArgs& args) {
  Params p = make_params(q, k, v, args);
  EMBER_CHECK(out.is_contiguous() && logsumexp.is_contiguous() && logsumexp.dtype() == kFloat32 &&
                  out.dtype() == q.dtype(),
              kOp, ": the fused CUDA kernel writes a contiguous output and float32 logsumexp");
  p.out_w = out.data_ptr();
  p.lse = logsumexp.data_ptr<float>();
  const int64_t B = q.size(0);
  if (B * p.H == 0 || p.L == 0 || p.S == 0) return;
  const int dev = q.device().index;
  cudaStream_t s = stream_for(q.device());
  const int bucket = head_bucket(p);
  dispatch_attention_dtype(q.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, float>) {  // the builds target sm_80 and newer: mma.sync exists
      {
        const auto aligned = [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()) % 16 == 0; };
        const bool vec_qk = p.E % 8 == 0 && aligned(q) && aligned(k);
        const bool vec_v = p.Ev % 8 == 0 && aligned(v);
        const auto go = [&](auto kernel, int bytes) {
          EMBER_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes),
                           "scaled_dot_product_attention forward");
          const dim3 grid(static_cast<unsigned>(B * p.H),
                          static_cast<unsigned>(std::min((p.L + kMmaBM - 1) / kMmaBM, 65535)));
          kernel<<<grid, kMmaThreads, bytes, s>>>(p, vec_qk, vec_v);
          EMBER_CUDA_LAUNCH_CHECK("scaled_dot_product_attention forward");
        };
        if (bucket == 32) go(attention_forward_mma_kernel<T, 32>, mma_forward_smem_bytes<32>());
        else if (bucket == 64) go(attention_forward_mma_kernel<T, 64>, mma_forward_smem_bytes<64>());
        else go(attention_forward_mma_kernel<T, 128>, mma_forward_smem_bytes<128>());
      }
    } else {
      if (bucket == 32) forward_for<T, 32, 64, 64>(p, B, s, dev);
      else if (bucket == 64) forward_for<T, 64, 64, 64>(p, B, s, dev);
      else forward_for<T, 128, 64, 32>(p, B, s, dev);
    }
  });
}

void cuda_attention_backward(const Tensor& grad_q, const Tensor& grad_k, const Tensor& grad_v, const Tensor& grad_out,
                             const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                             const Tensor& logsumexp, const AttentionArgs& args) {
  Params p = make_params(q, k, v, args);
  EMBER_CHECK(grad_q.is_contiguous() && grad_k.is_contiguous() && grad_v.is_contiguous() &&
                  grad_out.is_contiguous() && out.is_contiguous() && logsumexp.is_contiguous() &&
                  logsumexp.dtype() == kFloat32 && grad_out.dtype() == q.dtype() && out.dtype() == q.dtype(),
              kOp, ": the fused CUDA backward takes contiguous operands and a float32 logsumexp");
  const int64_t B = q.size(0);
  const int64_t rows = B * p.H * p.L;
  if (B * p.H == 0 || p.L == 0 || p.S == 0) return;  // the front-end zero-fills those
  p.out = out.data_ptr();
  p.dout = grad_out.data_ptr();
  p.lse = logsumexp.data_ptr<float>();
  p.dq = grad_q.data_ptr();
  p.dk = grad_k.data_ptr();
  p.dv = grad_v.data_ptr();
  const int dev = q.device().index;
  cudaStream_t s = stream_for(q.device());
  Workspace dbuf(static_cast<size_t>(rows) * sizeof(float), dev);
  p.D = dbuf.as<float>();
  const int bucket = head_bucket(p);
  dispatch_attention_dtype(q.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const unsigned blocks = grid_for(rows, kThreads / 32, dev);
    attention_backward_dot_kernel<T><<<blocks, kThreads, 0, s>>>(static_cast<const T*>(p.dout),
                                                                 static_cast<const T*>(p.out), dbuf.as<float>(), rows,
                                                                 p.Ev);
    EMBER_CUDA_LAUNCH_CHECK("scaled_dot_product_attention backward");
    if constexpr (!std::is_same_v<T, float>) {
      {
        const auto aligned = [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()) % 16 == 0; };
        const bool vec_qk = p.E % 8 == 0 && aligned(q) && aligned(k);
        const bool vec_v = p.Ev % 8 == 0 && aligned(v) && aligned(grad_out);
        const auto go = [&](auto kernel, int bytes, long long gx, int ntiles) {
          EMBER_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes),
                           "scaled_dot_product_attention backward");
          const dim3 grid(static_cast<unsigned>(gx), static_cast<unsigned>(std::min(ntiles, 65535)));
          kernel<<<grid, kMmaThreads, bytes, s>>>(p, vec_qk, vec_v);
          EMBER_CUDA_LAUNCH_CHECK("scaled_dot_product_attention backward");
        };
        const long long bkv = B * p.Hk, bq = B * p.H;
        const int kt = (p.S + kMmaKeys - 1) / kMmaKeys, qt = (p.L + kMmaBM - 1) / kMmaBM;
        if (bucket == 32) {
          go(attention_backward_dkv_mma_kernel<T, 32, 64>, mma_dkv_smem_bytes<32, 64>(), bkv, kt);
          go(attention_backward_dq_mma_kernel<T, 32, 64>, mma_dq_smem_bytes<32, 64>(), bq, qt);
        } else if (bucket == 64) {
          go(attention_backward_dkv_mma_kernel<T, 64, 64>, mma_dkv_smem_bytes<64, 64>(), bkv, kt);
          go(attention_backward_dq_mma_kernel<T, 64, 64>, mma_dq_smem_bytes<64, 64>(), bq, qt);
        } else {
          go(attention_backward_dkv_mma_kernel<T, 128, 32>, mma_dkv_smem_bytes<128, 32>(), bkv, kt);
          go(attention_backward_dq_mma_kernel<T, 128, 32>, mma_dq_smem_bytes<128, 32>(), bq, qt);
        }
      }
    } else {
      if (bucket == 32) backward_for<T, 32, 64, 64>(p, B, s, dev);
      else if (bucket == 64) backward_for<T, 64, 64, 64>(p, B, s, dev);
      else backward_for<T, 128, 32, 32>(p, B, s, dev);
    }
  });
}

}  // namespace

void register_attention_kernels() {
  attention_forward_kernel.set(DeviceType::CUDA, cuda_attention_forward);
  attention_backward_kernel.set(DeviceType::CUDA, cuda_attention_backward);
}

}  // namespace ember::cuda
