// CUDA batch, layer and group norm (forward and backward) over contiguous float32/float64
// operands, with the CPU's arithmetic (csrc/cpu/normalization.cpp): statistics are float64
// sums of (x - shift) and (x - shift)^2 with the shift the first value of the channel or row,
// the affine step runs in float64 from the float64 statistics.
//   batch norm: per-channel sums over (N, L) (a block per channel, or for short L a thread per
//     column of the (N, C * L) matrix), split over blocks (grid y) when the channels are
//     too few to fill the GPU; a kernel folds each channel's partials in order into its
//     statistics (and the backward's coefficients), and an elementwise kernel applies them.
//   layer/group norm: a fused kernel per row (a warp for rows of up to 1024 values, a block for
//     longer ones): statistics, then the normalized row. The weight/bias gradients are channel
//     sums: a column kernel (a thread per channel, split over rows) when each channel holds one
//     value per row (layer norm), else a block per channel.
// Every sum has a fixed order, so results are deterministic.
#include <cmath>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "reduce/common.cuh"
#include "runtime/check.h"
#include "runtime/runtime.h"

namespace ember::cuda {
namespace {
using red::kWarp;

struct Sums2 {
  double a, b;
};
__device__ __forceinline__ void add2(Sums2& x, const Sums2& y) {
  x.a += y.a;
  x.b += y.b;
}

template <typename T>
__device__ __forceinline__ double ld(const T* p, int64_t i) {
  return static_cast<double>(p[i]);
}

// ---- batch norm -------------------------------------------------------------------------------

struct BnGeom {
  int64_t N, C, L, P;  // P = N * L values per channel
  int64_t chunk;       // values (columns: samples) per split
  int splits;
  bool columns;        // bn_sums_columns's layout
};

// Forward (dy null): sums of d = x - x[c, first] and d^2. Backward: sums of dy and
// dy * (x - mean[c]). One partial per (channel, split).
template <typename T>
__global__ void __launch_bounds__(256)
    bn_sums(const BnGeom g, const T* x, const T* dy, const T* mean, Sums2* partials) {
  __shared__ Sums2 smem[kWarp];
  const int64_t c = blockIdx.x;
  const int split = blockIdx.y;
  const double k = dy ? ld(mean, c) : (g.P > 0 ? ld(x, c * g.L) : 0.0);
  const int64_t lo = split * g.chunk, hi = lo + g.chunk < g.P ? lo + g.chunk : g.P;
  Sums2 s{0.0, 0.0};
  for (int64_t p = lo + threadIdx.x; p < hi; p += blockDim.x) {
    const int64_t n = p / g.L, l = p - n * g.L;
    const int64_t at = (n * g.C + c) * g.L + l;
    const double d = ld(x, at) - k;
    if (dy) {
      const double gv = ld(dy, at);
      s.a += gv;
      s.b += gv * d;
    } else {
      s.a += d;
      s.b += d * d;
    }
  }
  s = red::block_combine(s, smem, [](Sums2& u, const Sums2& v) { add2(u, v); });
  if (threadIdx.x == 0) partials[c * g.splits + split] = s;
}

// The same sums when a channel's values per sample are few (L < 32): the samples' rows of
// C * L values are read as columns, a thread (x) per column j = c * L + l, the y lanes and the
// grid's y splitting the samples. Partials go to partials[(split * C + c) * L + l].
template <typename T>
__global__ void __launch_bounds__(256)
    bn_sums_columns(const BnGeom g, const T* x, const T* dy, const T* mean, Sums2* partials) {
  __shared__ Sums2 smem[256];
  const int64_t width = g.C * g.L;
  const int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int split = blockIdx.y;
  const int64_t lo = split * g.chunk, hi = lo + g.chunk < g.N ? lo + g.chunk : g.N;
  Sums2 s{0.0, 0.0};
  if (j < width) {
    const int64_t c = j / g.L;
    const double k = dy ? ld(mean, c) : (g.N > 0 ? ld(x, c * g.L) : 0.0);
    for (int64_t n = lo + threadIdx.y; n < hi; n += blockDim.y) {
      const int64_t at = n * width + j;
      const double d = ld(x, at) - k;
      if (dy) {
        const double gv = ld(dy, at);
        s.a += gv;
        s.b += gv * d;
      } else {
        s.a += d;
        s.b += d * d;
      }
    }
  }
  smem[threadIdx.y * blockDim.x + threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && j < width) {
    for (unsigned k = 1; k < blockDim.y; ++k) add2(s, smem[k * blockDim.x + threadIdx.x]);
    partials[split * width + j] = s;
  }
}

// Per channel: out = (x - a) * b + c (+ e * dy in the backward).
struct Coef {
  double a, b, c, e;
};

struct BnFinishArgs {
  const void* x;
  void *mean, *var, *invstd;  // forward: written in training (mean, var), invstd always
  const void *weight, *bias;
  void *grad_weight, *grad_bias;
  double eps;
  bool training, backward;
};

template <typename T>
__global__ void bn_finish(const BnGeom g, const BnFinishArgs a, const Sums2* partials, Coef* coef) {
  const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= g.C) return;
  Sums2 s{0.0, 0.0};
  if (partials) {
    if (g.columns) {
      for (int k = 0; k < g.splits; ++k)
        for (int64_t l = 0; l < g.L; ++l) add2(s, partials[(k * g.C + c) * g.L + l]);
    } else {
      for (int k = 0; k < g.splits; ++k) add2(s, partials[c * g.splits + k]);
    }
  }
  const double w = a.weight ? ld(static_cast<const T*>(a.weight), c) : 1.0;
  const double count = static_cast<double>(g.P);
  if (!a.backward) {
    double m, v;
    if (a.training) {
      const double shift = g.P > 0 ? ld(static_cast<const T*>(a.x), c * g.L) : 0.0;
      m = g.P ? shift + s.a / count : NAN;
      v = g.P ? fmax(0.0, (s.b - s.a * s.a / count) / count) : NAN;
      static_cast<T*>(a.mean)[c] = static_cast<T>(m);
      static_cast<T*>(a.var)[c] = static_cast<T>(v);
    } else {
      m = ld(static_cast<const T*>(a.mean), c);
      v = ld(static_cast<const T*>(a.var), c);
    }
    const double is = 1.0 / sqrt(v + a.eps);
    static_cast<T*>(a.invstd)[c] = static_cast<T>(is);
    coef[c] = {m, is * w, a.bias ? ld(static_cast<const T*>(a.bias), c) : 0.0, 0.0};
    return;
  }
  // Backward: s = (sum dy, sum dy * (x - mean)).
  const double m = ld(static_cast<const T*>(a.mean), c), is = ld(static_cast<const T*>(a.invstd), c);
  if (a.grad_weight) static_cast<T*>(a.grad_weight)[c] = static_cast<T>(s.b * is);
  if (a.grad_bias) static_cast<T*>(a.grad_bias)[c] = static_cast<T>(s.a);
  // training: dx = w * is * (dy - mean(dy) - (x - mean) * is^2 * mean(dy * (x - mean)));
  // eval: dx = w * is * dy.
  const double k = a.training && count > 0 ? s.b * is * is / count : 0.0;
  const double mdy = a.training && count > 0 ? s.a / count : 0.0;
  const double scale = w * is;
  coef[c] = {m, -scale * k, -scale * mdy, scale};
}

template <typename T, typename Index>
__global__ void bn_apply(const Index total, const Index L, const Index C, const T* x, const T* dy, T* out,
                         const Coef* coef) {
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<Index>(gridDim.x) * blockDim.x) {
    const Index c = (i / L) % C;
    const Coef k = coef[c];
    double r = (static_cast<double>(x[i]) - k.a) * k.b + k.c;
    if (dy) r += k.e * static_cast<double>(dy[i]);
    out[i] = static_cast<T>(r);
  }
}

BnGeom bn_geom(const Tensor& in, int dev) {
  BnGeom g;
  g.N = in.size(0);
  g.C = in.size(1);
  g.L = in.size(2);
  g.P = g.N * g.L;
  const int64_t sms = sm_count(dev);
  g.columns = g.L < 32;
  // Blocks of the sums kernel before splitting, and the values one split should at least hold.
  const int64_t blocks = g.columns ? (g.C * g.L + 31) / 32 : g.C;
  const int64_t range = g.columns ? g.N : g.P, least = g.columns ? 64 : 4096;
  int64_t splits = 1;
  if (blocks < 4 * sms)
    splits = std::min<int64_t>((4 * sms + blocks - 1) / std::max<int64_t>(1, blocks), (range + least - 1) / least);
  splits = std::max<int64_t>(1, std::min<int64_t>(splits, 1024));
  g.chunk = std::max<int64_t>(1, (range + splits - 1) / splits);
  g.splits = static_cast<int>(std::max<int64_t>(1, (range + g.chunk - 1) / g.chunk));
  return g;
}

template <typename T>
void bn_run(const Tensor& in, const T* dy, const BnFinishArgs& fa, T* out, const char* name) {
  const int dev = in.device().index;
  cudaStream_t stream = stream_for(in.device());
  const BnGeom g = bn_geom(in, dev);
  if (g.C == 0) return;
  const T* x = static_cast<const T*>(in.data_ptr());
  const bool need_sums = fa.backward || fa.training;
  Workspace coef(static_cast<size_t>(g.C) * sizeof(Coef), dev);
  Workspace parts(need_sums ? static_cast<size_t>(g.C * std::max<int64_t>(1, g.columns ? g.L : 1)) * g.splits * sizeof(Sums2) : 1,
                  dev);
  if (need_sums) {
    const T* g_dy = fa.backward ? dy : nullptr;
    const T* g_mean = static_cast<const T*>(fa.mean);
    if (g.columns) {
      const int64_t col_blocks = (g.C * g.L + 31) / 32;
      EMBER_CHECK(col_blocks <= 0x7fffffff, name, ": too many channels (", g.C, ")");
      if (col_blocks > 0)
        bn_sums_columns<T><<<dim3(static_cast<unsigned>(col_blocks), g.splits), dim3(32, 8), 0, stream>>>(
            g, x, g_dy, g_mean, parts.as<Sums2>());
    } else {
      EMBER_CHECK(g.C <= 0x7fffffff, name, ": too many channels (", g.C, ")");
      bn_sums<T><<<dim3(static_cast<unsigned>(g.C), g.splits), 256, 0, stream>>>(g, x, g_dy, g_mean, parts.as<Sums2>());
    }
    EMBER_CUDA_LAUNCH_CHECK(name);
  }
  bn_finish<T><<<grid_for(g.C, 128, dev), 128, 0, stream>>>(g, fa, need_sums ? parts.as<Sums2>() : nullptr,
                                                              coef.as<Coef>());
  EMBER_CUDA_LAUNCH_CHECK(name);
  const int64_t total = g.N * g.C * g.L;
  if (!out || total == 0) return;
  const unsigned blocks = grid_for(total, 256, dev);
  if (total < INT32_MAX)
    bn_apply<T, int32_t><<<blocks, 256, 0, stream>>>(static_cast<int32_t>(total), static_cast<int32_t>(g.L),
                                                     static_cast<int32_t>(g.C), x, fa.backward ? dy : nullptr, out,
                                                     coef.as<Coef>());
  else
    bn_apply<T, int64_t><<<blocks, 256, 0, stream>>>(total, g.L, g.C, x, fa.backward ? dy : nullptr, out,
                                                     coef.as<Coef>());
  EMBER_CUDA_LAUNCH_CHECK(name);
}

template <typename T>
const void* opt_ptr(const Tensor& t) {
  return t.defined() ? t.data_ptr() : nullptr;
}
template <typename T>
void* opt_mut(const Tensor& t) {
  return t.defined() ? t.data_ptr() : nullptr;
}

template <typename T>
void batch_norm_typed(const BatchNormArgs& a) {
  BnFinishArgs fa{};
  fa.x = a.in.data_ptr();
  fa.mean = a.mean.data_ptr();
  fa.var = a.var.data_ptr();
  fa.invstd = a.invstd.data_ptr();
  fa.weight = opt_ptr<T>(a.weight);
  fa.bias = opt_ptr<T>(a.bias);
  fa.eps = a.eps;
  fa.training = a.training;
  fa.backward = false;
  bn_run<T>(a.in, nullptr, fa, static_cast<T*>(a.out.data_ptr()), "batch_norm");
}

template <typename T>
void batch_norm_backward_typed(const BatchNormBackwardArgs& a) {
  BnFinishArgs fa{};
  fa.x = a.in.data_ptr();
  fa.mean = a.mean.data_ptr();
  fa.invstd = a.invstd.data_ptr();
  fa.weight = opt_ptr<T>(a.weight);
  fa.grad_weight = opt_mut<T>(a.grad_weight);
  fa.grad_bias = opt_mut<T>(a.grad_bias);
  fa.training = a.training;
  fa.backward = true;
  bn_run<T>(a.in, static_cast<const T*>(a.grad_out.data_ptr()), fa, static_cast<T*>(opt_mut<T>(a.grad_in)),
            "batch_norm_backward");
}

// ---- layer and group norm ---------------------------------------------------------------------

struct RowGeom {
  int64_t rows, cols, inner, groups, cpr;  // cpr: channels per row
};

// Sums of the row's team (blockDim.x lanes: 32, or the whole block with one row per block).
__device__ __forceinline__ Sums2 team_sum(Sums2 s, Sums2* smem) {
  auto comb = [](Sums2& u, const Sums2& v) { add2(u, v); };
  if (blockDim.x <= kWarp) return red::warp_combine(s, blockDim.x, comb);
  return red::block_combine(s, smem, comb);
}

template <typename T>
__global__ void __launch_bounds__(512)
    row_norm_fwd(const RowGeom g, const T* x, T* y, const T* w, const T* b, T* mean, T* rstd, const double eps) {
  __shared__ Sums2 smem[kWarp];
  const int team = blockDim.x;
  for (int64_t r0 = static_cast<int64_t>(blockIdx.x) * blockDim.y; r0 < g.rows;
       r0 += static_cast<int64_t>(gridDim.x) * blockDim.y) {
    const int64_t r = r0 + threadIdx.y;
    const bool valid = r < g.rows;
    const T* xr = x + (valid ? r : 0) * g.cols;
    const double shift = g.cols > 0 ? static_cast<double>(xr[0]) : 0.0;
    Sums2 s{0.0, 0.0};
    if (valid)
      for (int64_t j = threadIdx.x; j < g.cols; j += team) {
        const double d = static_cast<double>(xr[j]) - shift;
        s.a += d;
        s.b += d * d;
      }
    s = team_sum(s, smem);
    if (!valid) continue;
    const double n = static_cast<double>(g.cols);
    const double m = g.cols ? shift + s.a / n : NAN;
    const double var = g.cols ? fmax(0.0, (s.b - s.a * s.a / n) / n) : NAN;
    const double rs = 1.0 / sqrt(var + eps);
    if (threadIdx.x == 0) {
      mean[r] = static_cast<T>(m);
      rstd[r] = static_cast<T>(rs);
    }
    const int64_t ch0 = (r % g.groups) * g.cpr;
    T* yr = y + r * g.cols;
    for (int64_t j = threadIdx.x; j < g.cols; j += team) {
      const int64_t ch = ch0 + (g.inner == 1 ? j : j / g.inner);
      const double scale = rs * (w ? static_cast<double>(w[ch]) : 1.0);
      const double sh = b ? static_cast<double>(b[ch]) : 0.0;
      yr[j] = static_cast<T>((static_cast<double>(xr[j]) - m) * scale + sh);
    }
  }
}

// dx = rstd * (g * w - mean(g * w) - xhat * mean(g * w * xhat)) over the row.
template <typename T>
__global__ void __launch_bounds__(512)
    row_norm_bwd(const RowGeom g, const T* x, const T* dy, const T* w, const T* mean, const T* rstd, T* dx) {
  __shared__ Sums2 smem[kWarp];
  const int team = blockDim.x;
  for (int64_t r0 = static_cast<int64_t>(blockIdx.x) * blockDim.y; r0 < g.rows;
       r0 += static_cast<int64_t>(gridDim.x) * blockDim.y) {
    const int64_t r = r0 + threadIdx.y;
    const bool valid = r < g.rows;
    const int64_t rr = valid ? r : 0;
    const T* xr = x + rr * g.cols;
    const T* gr = dy + rr * g.cols;
    const double m = static_cast<double>(mean[rr]), rs = static_cast<double>(rstd[rr]);
    const int64_t ch0 = (rr % g.groups) * g.cpr;
    Sums2 s{0.0, 0.0};
    if (valid)
      for (int64_t j = threadIdx.x; j < g.cols; j += team) {
        const int64_t ch = ch0 + (g.inner == 1 ? j : j / g.inner);
        const double gw = static_cast<double>(gr[j]) * (w ? static_cast<double>(w[ch]) : 1.0);
        s.a += gw;
        s.b += gw * (static_cast<double>(xr[j]) - m) * rs;
      }
    s = team_sum(s, smem);
    if (!valid) continue;
    const double mg = g.cols ? s.a / g.cols : 0.0, mgx = g.cols ? s.b / g.cols : 0.0;
    T* dr = dx + r * g.cols;
    for (int64_t j = threadIdx.x; j < g.cols; j += team) {
      const int64_t ch = ch0 + (g.inner == 1 ? j : j / g.inner);
      const double wc = w ? static_cast<double>(w[ch]) : 1.0;
      const double xhat = (static_cast<double>(xr[j]) - m) * rs;
      dr[j] = static_cast<T>(rs * (static_cast<double>(gr[j]) * wc - mg - xhat * mgx));
    }
  }
}

// Channel ch, batch n, position i inside the channel: the flat index of the value.
__device__ __forceinline__ int64_t chan_at(const RowGeom& g, int64_t ch, int64_t n, int64_t i) {
  const int64_t r = n * g.groups + ch / g.cpr;
  return r * g.cols + (ch % g.cpr) * g.inner + i;
}

// inner == 1: a thread (x) per channel, the y lanes and the grid's y split the batches; sums
// (dy * xhat, dy) go to partials[split][ch].
template <typename T>
__global__ void __launch_bounds__(256)
    chan_sums_columns(const RowGeom g, const int64_t batches, const int64_t chunk, const T* x, const T* dy,
                      const T* mean, const T* rstd, Sums2* partials) {
  __shared__ Sums2 smem[256];
  const int64_t channels = g.groups * g.cpr;
  const int64_t ch = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t lo = blockIdx.y * chunk, hi = lo + chunk < batches ? lo + chunk : batches;
  Sums2 s{0.0, 0.0};
  if (ch < channels)
    for (int64_t n = lo + threadIdx.y; n < hi; n += blockDim.y) {
      const int64_t r = n * g.groups + ch / g.cpr;
      const int64_t at = chan_at(g, ch, n, 0);
      const double gv = static_cast<double>(dy[at]);
      s.a += gv * (static_cast<double>(x[at]) - static_cast<double>(mean[r])) * static_cast<double>(rstd[r]);
      s.b += gv;
    }
  smem[threadIdx.y * blockDim.x + threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && ch < channels) {
    for (unsigned k = 1; k < blockDim.y; ++k) add2(s, smem[k * blockDim.x + threadIdx.x]);
    partials[blockIdx.y * channels + ch] = s;
  }
}

template <typename T>
__global__ void chan_finish(const int64_t channels, const int splits, const Sums2* partials, T* dw, T* db) {
  const int64_t ch = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (ch >= channels) return;
  Sums2 s = partials[ch];
  for (int k = 1; k < splits; ++k) add2(s, partials[k * channels + ch]);
  if (dw) dw[ch] = static_cast<T>(s.a);
  if (db) db[ch] = static_cast<T>(s.b);
}

// inner > 1: a block per channel over its (batch, position) values.
template <typename T>
__global__ void __launch_bounds__(256)
    chan_sums_blocks(const RowGeom g, const int64_t batches, const T* x, const T* dy, const T* mean, const T* rstd,
                     T* dw, T* db) {
  __shared__ Sums2 smem[kWarp];
  const int64_t ch = blockIdx.x;
  const int64_t count = batches * g.inner;
  Sums2 s{0.0, 0.0};
  for (int64_t q = threadIdx.x; q < count; q += blockDim.x) {
    const int64_t n = q / g.inner, i = q - n * g.inner;
    const int64_t r = n * g.groups + ch / g.cpr;
    const int64_t at = chan_at(g, ch, n, i);
    const double gv = static_cast<double>(dy[at]);
    s.a += gv * (static_cast<double>(x[at]) - static_cast<double>(mean[r])) * static_cast<double>(rstd[r]);
    s.b += gv;
  }
  s = red::block_combine(s, smem, [](Sums2& u, const Sums2& v) { add2(u, v); });
  if (threadIdx.x == 0) {
    if (dw) dw[ch] = static_cast<T>(s.a);
    if (db) db[ch] = static_cast<T>(s.b);
  }
}

RowGeom row_geom(int64_t rows, int64_t cols, int64_t inner, int64_t groups) {
  RowGeom g;
  g.rows = rows;
  g.cols = cols;
  g.inner = std::max<int64_t>(1, inner);
  g.groups = std::max<int64_t>(1, groups);
  g.cpr = cols / g.inner;
  return g;
}

// A warp per row for rows up to 1024 values (8 rows per block), else a block of 512 per row.
void row_launch_shape(const RowGeom& g, int dev, dim3& block, unsigned& blocks) {
  if (g.cols <= 1024) {
    block = dim3(kWarp, 8);
    blocks = grid_for(g.rows, 8, dev);
  } else {
    block = dim3(512, 1);
    blocks = static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(g.rows, sm_count(dev) * 32)));
  }
}

template <typename T>
void row_norm_typed(const RowNormArgs& a) {
  const RowGeom g = row_geom(a.rows, a.cols, a.inner, a.groups);
  if (g.rows == 0) return;
  const int dev = a.in.device().index;
  cudaStream_t stream = stream_for(a.in.device());
  dim3 block;
  unsigned blocks;
  row_launch_shape(g, dev, block, blocks);
  row_norm_fwd<T><<<blocks, block, 0, stream>>>(g, static_cast<const T*>(a.in.data_ptr()), static_cast<T*>(a.out.data_ptr()),
                                                static_cast<const T*>(opt_ptr<T>(a.weight)),
                                                static_cast<const T*>(opt_ptr<T>(a.bias)), static_cast<T*>(a.mean.data_ptr()),
                                                static_cast<T*>(a.rstd.data_ptr()), a.eps);
  EMBER_CUDA_LAUNCH_CHECK("layer_norm");
}

template <typename T>
void row_norm_backward_typed(const RowNormBackwardArgs& a) {
  const RowGeom g = row_geom(a.rows, a.cols, a.inner, a.groups);
  const int dev = a.in.device().index;
  cudaStream_t stream = stream_for(a.in.device());
  const T* x = static_cast<const T*>(a.in.data_ptr());
  const T* dy = static_cast<const T*>(a.grad_out.data_ptr());
  const T* mean = static_cast<const T*>(a.mean.data_ptr());
  const T* rstd = static_cast<const T*>(a.rstd.data_ptr());
  T* dw = static_cast<T*>(opt_mut<T>(a.grad_weight));
  T* db = static_cast<T*>(opt_mut<T>(a.grad_bias));
  if (a.grad_in.defined() && g.rows > 0) {
    dim3 block;
    unsigned blocks;
    row_launch_shape(g, dev, block, blocks);
    row_norm_bwd<T><<<blocks, block, 0, stream>>>(g, x, dy, static_cast<const T*>(opt_ptr<T>(a.weight)), mean, rstd,
                                                  static_cast<T*>(a.grad_in.data_ptr()));
    EMBER_CUDA_LAUNCH_CHECK("layer_norm_backward");
  }
  if (!dw && !db) return;
  const int64_t channels = g.groups * g.cpr, batches = g.rows / g.groups;
  if (channels == 0) return;
  if (g.inner > 1) {
    EMBER_CHECK(channels <= 0x7fffffff, "layer_norm_backward: too many channels (", channels, ")");
    chan_sums_blocks<T><<<static_cast<unsigned>(channels), 256, 0, stream>>>(g, batches, x, dy, mean, rstd, dw, db);
    EMBER_CUDA_LAUNCH_CHECK("layer_norm_backward");
    return;
  }
  const int64_t col_blocks = (channels + kWarp - 1) / kWarp;
  const int64_t sms = sm_count(dev);
  int64_t splits = 1;
  if (col_blocks < 4 * sms) splits = std::min<int64_t>((4 * sms + col_blocks - 1) / col_blocks, (batches + 63) / 64);
  splits = std::max<int64_t>(1, std::min<int64_t>(splits, 1024));
  const int64_t chunk = std::max<int64_t>(1, (batches + splits - 1) / splits);
  splits = std::max<int64_t>(1, (batches + chunk - 1) / chunk);
  Workspace parts(static_cast<size_t>(splits * channels) * sizeof(Sums2), dev);
  EMBER_CHECK(col_blocks <= 0x7fffffff, "layer_norm_backward: too many channels (", channels, ")");
  chan_sums_columns<T><<<dim3(static_cast<unsigned>(col_blocks), static_cast<unsigned>(splits)), dim3(kWarp, 8), 0, stream>>>(
      g, batches, chunk, x, dy, mean, rstd, parts.as<Sums2>());
  EMBER_CUDA_LAUNCH_CHECK("layer_norm_backward");
  chan_finish<T><<<grid_for(channels, 256, dev), 256, 0, stream>>>(channels, static_cast<int>(splits), parts.as<Sums2>(), dw, db);
  EMBER_CUDA_LAUNCH_CHECK("layer_norm_backward");
}

template <typename F>
void dispatch_norm(DType t, const char* op, const F& f) {
  if (t == kFloat64) return f(TypeTag<double>{});
  EMBER_CHECK_TYPE(t == kFloat32, op, ": the CUDA kernel expects float32 or float64, got ", dtype_name(t));
  f(TypeTag<float>{});
}

void cuda_batch_norm(const BatchNormArgs& a) {
  dispatch_norm(a.in.dtype(), "batch_norm", [&](auto tag) { batch_norm_typed<typename decltype(tag)::type>(a); });
}
void cuda_batch_norm_backward(const BatchNormBackwardArgs& a) {
  dispatch_norm(a.in.dtype(), "batch_norm_backward",
                [&](auto tag) { batch_norm_backward_typed<typename decltype(tag)::type>(a); });
}
void cuda_row_norm(const RowNormArgs& a) {
  dispatch_norm(a.in.dtype(), "layer_norm", [&](auto tag) { row_norm_typed<typename decltype(tag)::type>(a); });
}
void cuda_row_norm_backward(const RowNormBackwardArgs& a) {
  dispatch_norm(a.in.dtype(), "layer_norm_backward",
                [&](auto tag) { row_norm_backward_typed<typename decltype(tag)::type>(a); });
}
}  // namespace

void register_norm_kernels() {
  batch_norm_kernel.set(DeviceType::CUDA, cuda_batch_norm);
  batch_norm_backward_kernel.set(DeviceType::CUDA, cuda_batch_norm_backward);
  row_norm_kernel.set(DeviceType::CUDA, cuda_row_norm);
  row_norm_backward_kernel.set(DeviceType::CUDA, cuda_row_norm_backward);
}

}  // namespace ember::cuda
