#pragma once
// Convolution as an implicit GEMM (no column buffer). One kernel template tiles
// C (M x N) = A (M x K) @ B (K x N) per group; a "problem" struct says where the elements of A
// and B come from and where C goes, so the forward and both backward kernels share the tiling:
//   forward:         M = Cout/g, N = batch * output positions, K = Cin/g * taps;
//                    A = the weights, B = input patches gathered on the fly, C + bias = output.
//   backward-input:  M = Cin/g, N = batch * input positions, K = Cout/g * taps;
//                    A = the weights transposed, B = the output gradient each input element
//                    was read by (zero where no output position reads it through that tap).
//   backward-weight: M = Cout/g, N = Cin/g * taps, K = batch * output positions, split over
//                    blockIdx.z into fixed K ranges whose partial products a second kernel adds
//                    in order (deterministic: no float atomics).
// Tiles are 64 x 64 or 128 x 128 (TileCfg below), 256 threads, 4 x 4 or 8 x 8 outputs per thread
// held in registers; the next K slice's global loads are issued before the current one is
// multiplied.
// A kernel tap's (depth, row, column) offsets come from a per-block table in shared memory.
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "dispatch/kernels.h"
#include "runtime/check.h"

namespace ember::cuda::conv {

constexpr int kThreads = 256;

// Tile shapes (threads form a 16 x 16 grid; each holds R x R groups of 4 x 4 outputs):
//   SmallTile: 64 x 64, a K slice of 16, 4 x 4 per thread (float64, and float32 GEMMs too small
//              to fill the device with big tiles);
//   LargeTile: 128 x 128, a K slice of 8, 8 x 8 per thread (float32).
// MinBlocks: resident blocks per SM the register allocation must allow (the large tile's 8 x 8
// accumulators need more than half the register file's share for two).
template <int BM_, int BK_, int MinBlocks_>
struct TileCfg {
  static constexpr int BM = BM_, BN = BM_, BK = BK_, R = BM_ / 64, MinBlocks = MinBlocks_;
};
using SmallTile = TileCfg<64, 16, 2>;
using LargeTile = TileCfg<128, 8, 1>;
// K ranges of a split are multiples of this (every tile's K slice divides it).
constexpr int kSplitAlign = 16;
constexpr int kMaxTableTaps = 1024;  // 16 KiB of shared memory; bigger kernels compute taps

// The problems' element maps are host code too, so that their index arithmetic can be checked
// against a reference on a machine without a GPU.
#define EMBER_CONV_FN __host__ __device__ __forceinline__

// ConvGeometry in the kernel's index type, with the derived sizes.
template <typename Index>
struct Geom {
  Index batch, cin, cout, groups, cig, cog;
  Index in_d, in_h, in_w, out_d, out_h, out_w;
  Index kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw;
  Index taps, khw, in_hw, in_plane, out_hw, out_plane;
  bool use_table;

  // Input offsets of tap t (numbered (kd * KH + i) * KW + j): input = output * stride + offset.
  EMBER_CONV_FN int4 tap(Index t) const {
    const Index a = t / khw, r = t - a * khw, i = r / kw, j = r - i * kw;
    return make_int4(static_cast<int>(a * dd - pd), static_cast<int>(i * dh - ph), static_cast<int>(j * dw - pw), 0);
  }
};

template <typename Index>
Geom<Index> make_geom(const ConvGeometry& c) {
  Geom<Index> g;
  g.batch = static_cast<Index>(c.batch), g.cin = static_cast<Index>(c.in_channels);
  g.cout = static_cast<Index>(c.out_channels), g.groups = static_cast<Index>(c.groups);
  g.cig = static_cast<Index>(c.in_channels / c.groups), g.cog = static_cast<Index>(c.out_channels / c.groups);
  g.in_d = static_cast<Index>(c.in_d), g.in_h = static_cast<Index>(c.in_h), g.in_w = static_cast<Index>(c.in_w);
  g.out_d = static_cast<Index>(c.out_d), g.out_h = static_cast<Index>(c.out_h), g.out_w = static_cast<Index>(c.out_w);
  g.kd = static_cast<Index>(c.kernel_d), g.kh = static_cast<Index>(c.kernel_h), g.kw = static_cast<Index>(c.kernel_w);
  g.sd = static_cast<Index>(c.stride_d), g.sh = static_cast<Index>(c.stride_h), g.sw = static_cast<Index>(c.stride_w);
  g.pd = static_cast<Index>(c.pad_d), g.ph = static_cast<Index>(c.pad_h), g.pw = static_cast<Index>(c.pad_w);
  g.dd = static_cast<Index>(c.dilation_d), g.dh = static_cast<Index>(c.dilation_h), g.dw = static_cast<Index>(c.dilation_w);
  g.khw = g.kh * g.kw;
  g.taps = g.kd * g.khw;
  g.in_hw = g.in_h * g.in_w;
  g.in_plane = g.in_d * g.in_hw;
  g.out_hw = g.out_h * g.out_w;
  g.out_plane = g.out_d * g.out_hw;
  g.use_table = c.kernel_d * c.kernel_h * c.kernel_w <= kMaxTableTaps;
  return g;
}

// True when every element offset of the operands (and of `extra` elements of workspace) fits
// an int32 with room to spare (indices run a tile past the end before being tested).
inline bool conv_fits_int32(const ConvGeometry& c, int64_t extra = 0) {
  constexpr int64_t kMax = INT32_MAX / 2;
  const int64_t in = c.batch * c.in_channels * c.in_d * c.in_h * c.in_w;
  const int64_t out = c.batch * c.out_channels * c.out_d * c.out_h * c.out_w;
  const int64_t w = c.out_channels * (c.groups ? c.in_channels / c.groups : 0) * c.kernel_d * c.kernel_h * c.kernel_w;
  const int64_t pos = c.batch * (c.in_d * c.in_h * c.in_w + c.out_d * c.out_h * c.out_w);
  return in <= kMax && out <= kMax && w <= kMax && extra <= kMax && pos <= kMax;
}

// 0 <= v < n, in one comparison.
template <typename Index> EMBER_CONV_FN bool inside(Index v, Index n) {
  using U = std::make_unsigned_t<Index>;
  return static_cast<U>(v) < static_cast<U>(n);
}

// ---- the input patch of one output position: B of the forward, B of the backward-weight ----------
template <typename T, typename Index>
struct Patch {
  const T* base;  // the image at the group's first channel
  Index id0, ih0, iw0;
};
// q = image * output positions + position.
template <typename T, typename Index>
EMBER_CONV_FN Patch<T, Index> patch_of(const Geom<Index>& g, const T* x, Index group, Index q) {
  const Index b = q / g.out_plane, pos = q - b * g.out_plane;
  const Index od = pos / g.out_hw, r = pos - od * g.out_hw, oh = r / g.out_w, ow = r - oh * g.out_w;
  return {x + (b * g.cin + group * g.cig) * g.in_plane, od * g.sd, oh * g.sh, ow * g.sw};
}
// ct = channel within the group * taps + tap; zero in the padding.
template <typename T, typename Index>
EMBER_CONV_FN T patch_value(const Geom<Index>& g, const Patch<T, Index>& p, Index ct, const int4* table) {
  const Index ch = ct / g.taps, t = ct - ch * g.taps;
  const int4 o = g.use_table ? table[t] : g.tap(t);
  const Index id = p.id0 + o.x, ih = p.ih0 + o.y, iw = p.iw0 + o.z;
  if (!inside(id, g.in_d) || !inside(ih, g.in_h) || !inside(iw, g.in_w)) return T(0);
  return p.base[ch * g.in_plane + (id * g.in_h + ih) * g.in_w + iw];
}

// ---- problems ---------------------------------------------------------------------------------
// Each gives M, N, K, the split of K (splits, k_chunk), and:
//   a_ctx(group, k) / a(ctx, m): element (m, k) of A (the thread's k is fixed per slice);
//   kBKFast: B's loads run along K (b_ctx(group, k), b(ctx, n, table)) or along N
//            (b_ctx(group, n) once per kernel, b(ctx, k, table));
//   c_ctx(group, n) / c(ctx, group, split, m, v): stores C's element (m, n).
template <typename T, typename Index>
struct ForwardProblem {
  static constexpr bool kBKFast = false;
  Geom<Index> g;
  const T* x;
  const T* w;
  const T* bias;  // null when split: the reduction adds it
  T* y;           // the output, or `splits` partial outputs `y_split` elements apart
  Index y_split;
  Index M, N, K, splits, k_chunk;

  EMBER_CONV_FN Index a_ctx(Index group, Index k) const { return group * g.cog * K + k; }
  EMBER_CONV_FN T a(Index ctx, Index m) const { return w[ctx + m * K]; }
  EMBER_CONV_FN Patch<T, Index> b_ctx(Index group, Index n) const { return patch_of(g, x, group, n); }
  EMBER_CONV_FN T b(const Patch<T, Index>& p, Index k, const int4* table) const {
    return patch_value(g, p, k, table);
  }
  EMBER_CONV_FN Index c_ctx(Index group, Index n) const {
    const Index b = n / g.out_plane, pos = n - b * g.out_plane;
    return (b * g.cout + group * g.cog) * g.out_plane + pos;
  }
  EMBER_CONV_FN void c(Index ctx, Index group, Index split, Index m, T v) const {
    y[split * y_split + ctx + m * g.out_plane] = bias ? v + bias[group * g.cog + m] : v;
  }
};

// The output-gradient element that input position (id, ih, iw) receives through one tap.
template <typename T, typename Index>
struct Reader {
  const T* base;  // grad_output of the image at the group's first channel
  Index id, ih, iw;
};

// o = i * stride + off solved for o in [0, n); false when no output reads i through that tap.
template <typename Index>
EMBER_CONV_FN bool source(Index i, int off, Index stride, Index n, Index& o) {
  const Index t = i - off;
  if (t < 0) return false;
  if (stride == 1) {
    o = t;
  } else {
    o = t / stride;
    if (o * stride != t) return false;
  }
  return o < n;
}

template <typename T, typename Index>
struct BackwardInputProblem {
  static constexpr bool kBKFast = false;
  Geom<Index> g;
  const T* go;
  const T* w;
  T* gi;
  Index M, N, K, splits, k_chunk;

  // A (c, (oc, tap)) = weight[group * Cout/g + oc][c][tap]
  EMBER_CONV_FN Index a_ctx(Index group, Index k) const {
    const Index oc = k / g.taps, t = k - oc * g.taps;
    return (group * g.cog + oc) * g.cig * g.taps + t;
  }
  EMBER_CONV_FN T a(Index ctx, Index m) const { return w[ctx + m * g.taps]; }
  EMBER_CONV_FN Reader<T, Index> b_ctx(Index group, Index n) const {
    const Index b = n / g.in_plane, pos = n - b * g.in_plane;
    const Index id = pos / g.in_hw, r = pos - id * g.in_hw, ih = r / g.in_w, iw = r - ih * g.in_w;
    return {go + (b * g.cout + group * g.cog) * g.out_plane, id, ih, iw};
  }
  EMBER_CONV_FN T b(const Reader<T, Index>& r, Index k, const int4* table) const {
    const Index oc = k / g.taps, t = k - oc * g.taps;
    const int4 o = g.use_table ? table[t] : g.tap(t);
    Index od, oh, ow;
    if (!source(r.id, o.x, g.sd, g.out_d, od) || !source(r.ih, o.y, g.sh, g.out_h, oh) ||
        !source(r.iw, o.z, g.sw, g.out_w, ow))
      return T(0);
    return r.base[oc * g.out_plane + (od * g.out_h + oh) * g.out_w + ow];
  }
  EMBER_CONV_FN Index c_ctx(Index group, Index n) const {
    const Index b = n / g.in_plane, pos = n - b * g.in_plane;
    return (b * g.cin + group * g.cig) * g.in_plane + pos;
  }
  EMBER_CONV_FN void c(Index ctx, Index, Index, Index m, T v) const { gi[ctx + m * g.in_plane] = v; }
};

template <typename T, typename Index>
struct BackwardWeightProblem {
  static constexpr bool kBKFast = true;
  Geom<Index> g;
  const T* go;
  const T* x;
  T* dst;  // grad_weight, or `splits` partial grad_weights one after another
  Index M, N, K, splits, k_chunk;

  // A (oc, (image, position)) = grad_output
  EMBER_CONV_FN Index a_ctx(Index group, Index k) const {
    const Index b = k / g.out_plane, pos = k - b * g.out_plane;
    return (b * g.cout + group * g.cog) * g.out_plane + pos;
  }
  EMBER_CONV_FN T a(Index ctx, Index m) const { return go[ctx + m * g.out_plane]; }
  EMBER_CONV_FN Patch<T, Index> b_ctx(Index group, Index k) const { return patch_of(g, x, group, k); }
  EMBER_CONV_FN T b(const Patch<T, Index>& p, Index n, const int4* table) const {
    return patch_value(g, p, n, table);
  }
  EMBER_CONV_FN Index c_ctx(Index, Index n) const { return n; }
  EMBER_CONV_FN void c(Index ctx, Index group, Index split, Index m, T v) const {
    dst[(split * g.cout + group * g.cog + m) * N + ctx] = v;
  }
};

// ---- the tiled kernel ---------------------------------------------------------------------------
template <typename T> __device__ __forceinline__ void load4(const T* p, T* r) {
  if constexpr (std::is_same_v<T, float>) {
    const float4 v = *reinterpret_cast<const float4*>(p);
    r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
  } else {
    const double2 u = reinterpret_cast<const double2*>(p)[0], v = reinterpret_cast<const double2*>(p)[1];
    r[0] = u.x, r[1] = u.y, r[2] = v.x, r[3] = v.y;
  }
}

// The block's tap table: dynamic shared memory (a static buffer when the header is compiled as
// plain C++ for host checks).
__device__ __forceinline__ int4* tap_table() {
#ifdef __CUDACC__
  extern __shared__ int4 conv_tap_table[];
  return conv_tap_table;
#else
  static int4 host_table[kMaxTableTaps];
  return host_table;
#endif
}

// Grid: x over N tiles, y over M tiles, z over (group, split) pairs starting at z0. Thread
// (ty, tx) owns rows ri * 64 + ty * 4 + [0, 4) and columns rj * 64 + tx * 4 + [0, 4) of the tile,
// so that a quarter warp's 16-byte shared-memory reads are contiguous.
template <class C, typename T, typename Index, class P>
__global__ void __launch_bounds__(kThreads, C::MinBlocks) igemm_kernel(const __grid_constant__ P p, Index z0) {
  constexpr int BM = C::BM, BN = C::BN, BK = C::BK, R = C::R;
  constexpr int kRowsA = kThreads / BK;  // A rows (and k-fast B columns) loaded per pass
  constexpr int kRowsB = kThreads / BN;  // n-fast B rows loaded per pass
  static_assert(BM * BK == 4 * kThreads && BN * BK == 4 * kThreads, "4 loads per thread per operand");
  static_assert(kSplitAlign % BK == 0, "split ranges are whole K slices");
  __shared__ __align__(16) T As[BK][BM + 4];
  __shared__ __align__(16) T Bs[BK][BN + 4];
  int4* const table = tap_table();

  const int tid = threadIdx.x;
  const Index z = z0 + static_cast<Index>(blockIdx.z);
  const Index group = z / p.splits, split = z - group * p.splits;
  const Index m0 = static_cast<Index>(blockIdx.y) * BM, n0 = static_cast<Index>(blockIdx.x) * BN;
  const Index k_begin = split * p.k_chunk;
  const Index k_end = min(p.K, k_begin + p.k_chunk);

  if (p.g.use_table) {
    for (Index t = tid; t < p.g.taps; t += kThreads) table[t] = p.g.tap(t);
    __syncthreads();
  }

  // The n-fast B operand: this thread's column is fixed for the whole kernel.
  const Index n_fixed = n0 + tid % BN;
  const bool n_fixed_ok = n_fixed < p.N;
  decltype(p.b_ctx(group, Index(0))) b_fixed{};
  if constexpr (!P::kBKFast) b_fixed = p.b_ctx(group, n_fixed_ok ? n_fixed : Index(0));

  T ra[4], rb[4];
  const auto load = [&](Index k0) {
    const Index k = k0 + tid % BK;
    const bool k_ok = k < k_end;
    const Index a_ctx = p.a_ctx(group, k_ok ? k : k_begin);
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const Index m = m0 + tid / BK + r * kRowsA;
      ra[r] = k_ok && m < p.M ? p.a(a_ctx, m) : T(0);
    }
    if constexpr (P::kBKFast) {
      const auto bc = p.b_ctx(group, k_ok ? k : k_begin);
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const Index n = n0 + tid / BK + r * kRowsA;
        rb[r] = k_ok && n < p.N ? p.b(bc, n, table) : T(0);
      }
    } else {
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const Index kb = k0 + tid / BN + r * kRowsB;
        rb[r] = n_fixed_ok && kb < k_end ? p.b(b_fixed, kb, table) : T(0);
      }
    }
  };

  T acc[4 * R][4 * R];
#pragma unroll
  for (int i = 0; i < 4 * R; ++i)
#pragma unroll
    for (int j = 0; j < 4 * R; ++j) acc[i][j] = T(0);

  const int tx = tid % 16, ty = tid / 16;
  if (k_begin < k_end) load(k_begin);
  for (Index k0 = k_begin; k0 < k_end; k0 += BK) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      As[tid % BK][tid / BK + r * kRowsA] = ra[r];
      if constexpr (P::kBKFast) Bs[tid % BK][tid / BK + r * kRowsA] = rb[r];
      else Bs[tid / BN + r * kRowsB][tid % BN] = rb[r];
    }
    __syncthreads();
    if (k0 + BK < k_end) load(k0 + BK);
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      T a[4 * R], b[4 * R];
#pragma unroll
      for (int q = 0; q < R; ++q) {
        load4(&As[kk][q * 64 + ty * 4], a + 4 * q);
        load4(&Bs[kk][q * 64 + tx * 4], b + 4 * q);
      }
#pragma unroll
      for (int i = 0; i < 4 * R; ++i)
#pragma unroll
        for (int j = 0; j < 4 * R; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }

#pragma unroll
  for (int j = 0; j < 4 * R; ++j) {
    const Index n = n0 + (j / 4) * 64 + tx * 4 + j % 4;
    if (n >= p.N) continue;
    const Index c_ctx = p.c_ctx(group, n);
#pragma unroll
    for (int i = 0; i < 4 * R; ++i) {
      const Index m = m0 + (i / 4) * 64 + ty * 4 + i % 4;
      if (m < p.M) p.c(c_ctx, group, split, m, acc[i][j]);
    }
  }
}

// Output tiles of an M x N GEMM per group.
template <class C> inline int64_t tile_count(int64_t M, int64_t N, int64_t groups) {
  return ((M + C::BM - 1) / C::BM) * ((N + C::BN - 1) / C::BN) * groups;
}

// Calls f(SmallTile{}) or f(LargeTile{}): large tiles for float32 GEMMs with enough rows and
// enough of them to fill a device (shapes decide, never the device).
template <typename T, typename F>
void with_tiles(int64_t M, int64_t N, int64_t groups, const F& f) {
  if constexpr (std::is_same_v<T, float>) {
    if (M >= 96 && tile_count<LargeTile>(M, N, groups) >= 96) return f(LargeTile{});
  }
  f(SmallTile{});
}

#ifdef __CUDACC__  // the launch is CUDA syntax; the rest of this header also compiles as C++
// Launches problem p over `zs` (group, split) pairs (grid.z is at most 65535: chunks of it).
template <class C, typename T, typename Index, class P>
void launch_igemm(const P& p, int64_t zs, cudaStream_t stream, const char* op) {
  if (p.M == 0 || p.N == 0 || zs == 0) return;
  const int64_t gx = (static_cast<int64_t>(p.N) + C::BN - 1) / C::BN, gy = (static_cast<int64_t>(p.M) + C::BM - 1) / C::BM;
  EMBER_CHECK(gx <= INT32_MAX && gy <= 65535, op, ": a GEMM of ", p.M, " x ", p.N, " is too large for the CUDA kernel's grid");
  const size_t smem = p.g.use_table ? static_cast<size_t>(p.g.taps) * sizeof(int4) : 0;
  for (int64_t z0 = 0; z0 < zs; z0 += 65535) {
    const dim3 grid(static_cast<unsigned>(gx), static_cast<unsigned>(gy),
                    static_cast<unsigned>(zs - z0 < 65535 ? zs - z0 : 65535));
    igemm_kernel<C, T, Index, P><<<grid, kThreads, smem, stream>>>(p, static_cast<Index>(z0));
    EMBER_CUDA_LAUNCH_CHECK(op);
  }
}
#endif

// The split of K for `tiles` output tiles: about `target` blocks in all, each split at least
// `min_k` deep (a multiple of kSplitAlign), at most `max_splits`. Shapes alone decide it, never the
// device, so a result is the same on every GPU.
inline void choose_split(int64_t tiles, int64_t K, int64_t target, int64_t min_k, int64_t max_splits, int64_t& splits,
                         int64_t& k_chunk) {
  splits = 1;
  k_chunk = K;
  if (K <= 0) return;
  const int64_t want = target / (tiles > 0 ? tiles : 1), deep = K / min_k;
  splits = want < deep ? want : deep;
  splits = splits < max_splits ? splits : max_splits;
  if (splits <= 1) {
    splits = 1;
    return;
  }
  k_chunk = ((K + splits - 1) / splits + kSplitAlign - 1) / kSplitAlign * kSplitAlign;
  splits = (K + k_chunk - 1) / k_chunk;
}

// out[i] = the sum of the partials parts[s * n + i] in order of s (plus the bias of i's
// channel when given: element i is in channel i / plane % channels).
template <typename T>
__global__ void sum_splits_kernel(T* __restrict__ out, const T* __restrict__ parts, int64_t n, int64_t splits,
                                  const T* __restrict__ bias, int64_t plane, int64_t channels) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    T acc = parts[i];
    for (int64_t s = 1; s < splits; ++s) acc += parts[s * n + i];
    out[i] = bias ? acc + bias[i / plane % channels] : acc;
  }
}

// Depthwise convolutions (2-D, one group per input channel) take the direct kernels
// (conv/conv_depthwise.cu); the same test as the CPU's.
inline bool is_depthwise(const ConvGeometry& g) {
  return g.groups > 1 && g.groups == g.in_channels && g.in_d == 1 && g.out_d == 1 && g.kernel_d == 1 && g.pad_d == 0;
}

}  // namespace ember::cuda::conv
