// CPU kernels of batch, layer and group norm. Operands are contiguous float32 or float64
// (the front-ends compute 16-bit inputs in float32). Statistics take one pass over the values
// with sums of (x - shift) and (x - shift)^2, the shift being the first value: the shifted sums
// keep the variance accurate when the mean is large against the spread. The sums run in the
// operands' type over blocks whose totals are carried in float64 (fold_two_sums).
// Batch norm runs in parallel over channels, layer/group norm over rows. Compiled once per ISA,
// so that the sums and the affine pass run in the widest vectors the CPU has.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cpu/isa/isa.h"
#include "cpu/isa/row_sums.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {

// Two sums over a row at once in explicit vector registers (cpu/isa/row_sums.h says why not an
// `omp simd` reduction: its lanes meet through memory, as costly as a row of 64): two registers a
// sum, lanes folded in a tree, float32 in blocks of rows::kRowBlock values whose totals are
// carried in float64, which bounds their rounding error whatever the row length.
// f(i, a, b) adds the terms of the register at i into a and b; tail(i, a, b) those of value i.
template <typename T, typename Vec, typename Tail>
inline void fold_two_sums(int64_t n, const Vec& f, const Tail& tail, double& s, double& s2) {
  using S = rows::simd_t<T>;
  constexpr int64_t W = rows::lanes<T>();
  int64_t i = 0;
  while (i + W <= n) {
    const int64_t stop = std::min(n - n % W, i + rows::kRowBlock);
    S a0 = rows::simd_splat<T>(0), a1 = a0, b0 = a0, b1 = a0;
    for (; i + 2 * W <= stop; i += 2 * W) {
      f(i, a0, b0);
      f(i + W, a1, b1);
    }
    for (; i < stop; i += W) f(i, a0, b0);
    s += static_cast<double>(rows::hsum<T>(a0 + a1));
    s2 += static_cast<double>(rows::hsum<T>(b0 + b1));
  }
  T ta = 0, tb = 0;
  for (; i < n; ++i) tail(i, ta, tb);
  s += static_cast<double>(ta);
  s2 += static_cast<double>(tb);
}

// Running sums of (x - shift) and its square over several stretches of values.
struct ShiftedSums {
  double shift = 0, s = 0, s2 = 0;
  int64_t n = 0;
  template <typename T>
  void add(const T* x, int64_t count) {
    if (count <= 0) return;
    if (n == 0) shift = static_cast<double>(x[0]);
    const T k = static_cast<T>(shift);  // exact: a value of x
    using S = rows::simd_t<T>;
    fold_two_sums<T>(
        count,
        [&](int64_t i, S& a, S& b) {
          const S d = rows::simd_load(x + i) - k;
          a += d;
          b += d * d;
        },
        [&](int64_t i, T& a, T& b) {
          const T d = x[i] - k;
          a += d;
          b += d * d;
        },
        s, s2);
    n += count;
  }
  double mean() const { return n ? shift + s / n : std::nan(""); }
  // biased; rounding below 0 is clamped, but a NaN (an infinite value in the set) stays NaN, as
  // torch's statistics give it (std::max would turn it into 0)
  double var() const {
    if (!n) return std::nan("");
    const double v = (s2 - s * s / n) / n;
    return v < 0.0 ? 0.0 : v;
  }
};

template <typename T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}
template <typename T>
T* mut_ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

// y = (x - mean) * scale + shift, in float64: subtracting the mean first keeps the result
// accurate when the mean is large against the spread.
template <typename T>
void apply_affine(const T* x, T* y, int64_t n, double mean, double scale, double shift) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>((static_cast<double>(x[i]) - mean) * scale + shift);
}

// Channels per thread chunk so that a chunk holds about 32K values.
int64_t grain_for(int64_t values_per_item) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, values_per_item)); }

// ---- batch norm ---------------------------------------------------------------------------

template <typename T>
void batch_norm_typed(const BatchNormArgs& a) {
  const int64_t N = a.in.size(0), C = a.in.size(1), L = a.in.size(2);
  const T* x = a.in.data_ptr<T>();
  T* y = a.out.data_ptr<T>();
  const T* w = ptr_or_null<T>(a.weight);
  const T* b = ptr_or_null<T>(a.bias);
  T* mean = a.mean.data_ptr<T>();
  T* var = a.var.data_ptr<T>();
  T* invstd = a.invstd.data_ptr<T>();
  parallel_for(0, C, grain_for(N * L), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double m, v;
      if (a.training) {
        ShiftedSums sums;
        for (int64_t n = 0; n < N; ++n) sums.add(x + (n * C + c) * L, L);
        m = sums.mean();
        v = sums.var();
        mean[c] = static_cast<T>(m);
        var[c] = static_cast<T>(v);
      } else {
        m = static_cast<double>(mean[c]);
        v = static_cast<double>(var[c]);
      }
      const double is = 1.0 / std::sqrt(v + a.eps);
      invstd[c] = static_cast<T>(is);
      const double scale = is * (w ? static_cast<double>(w[c]) : 1.0);
      const double shift = b ? static_cast<double>(b[c]) : 0.0;
      for (int64_t n = 0; n < N; ++n) apply_affine(x + (n * C + c) * L, y + (n * C + c) * L, L, m, scale, shift);
    }
  });
}

template <typename T>
void batch_norm_backward_typed(const BatchNormBackwardArgs& a) {
  const int64_t N = a.in.size(0), C = a.in.size(1), L = a.in.size(2);
  const double count = static_cast<double>(N * L);
  const T* x = a.in.data_ptr<T>();
  const T* dy = a.grad_out.data_ptr<T>();
  const T* w = ptr_or_null<T>(a.weight);
  const T* mean = a.mean.data_ptr<T>();
  const T* invstd = a.invstd.data_ptr<T>();
  T* dx = mut_ptr_or_null<T>(a.grad_in);
  T* dw = mut_ptr_or_null<T>(a.grad_weight);
  T* db = mut_ptr_or_null<T>(a.grad_bias);
  parallel_for(0, C, grain_for(N * L), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const double m = static_cast<double>(mean[c]), is = static_cast<double>(invstd[c]);
      double sum_dy = 0, sum_dy_xmu = 0;  // sum of dy, and of dy * (x - mean)
      for (int64_t n = 0; n < N; ++n) {
        const T* xi = x + (n * C + c) * L;
        const T* gi = dy + (n * C + c) * L;
        double s = 0, s2 = 0;
#pragma omp simd reduction(+ : s, s2)
        for (int64_t l = 0; l < L; ++l) {
          const double g = static_cast<double>(gi[l]);
          s += g;
          s2 += g * (static_cast<double>(xi[l]) - m);
        }
        sum_dy += s;
        sum_dy_xmu += s2;
      }
      if (dw) dw[c] = static_cast<T>(sum_dy_xmu * is);
      if (db) db[c] = static_cast<T>(sum_dy);
      if (!dx) continue;
      const double wc = w ? static_cast<double>(w[c]) : 1.0;
      // training: dx = w * invstd * (dy - mean(dy) - (x - mean) * invstd^2 * mean(dy * (x - mean)))
      // eval: the statistics are constants, dx = w * invstd * dy.
      const double k = a.training && count > 0 ? sum_dy_xmu * is * is / count : 0.0;
      const double mdy = a.training && count > 0 ? sum_dy / count : 0.0;
      const double scale = wc * is;
      for (int64_t n = 0; n < N; ++n) {
        const T* xi = x + (n * C + c) * L;
        const T* gi = dy + (n * C + c) * L;
        T* di = dx + (n * C + c) * L;
#pragma omp simd
        for (int64_t l = 0; l < L; ++l)
          di[l] = static_cast<T>(scale * (static_cast<double>(gi[l]) - mdy - (static_cast<double>(xi[l]) - m) * k));
      }
    }
  });
}

// ---- layer and group norm -------------------------------------------------------------------

// y = (x - m) * rt * w + b over a layer norm row, one loop per set of parameters present: a
// load under `w ?` in one loop can become a masked load, which on a null pointer stalls on the
// fault it suppresses.
template <bool kW, bool kB, typename T>
void affine_row(const T* x, T* y, const T* w, const T* b, T m, T rt, int64_t n) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    T v;
    if constexpr (kW) v = (x[j] - m) * (rt * w[j]);
    else v = (x[j] - m) * rt;
    if constexpr (kB) v += b[j];
    y[j] = v;
  }
}

template <typename T>
void row_norm_typed(const RowNormArgs& a) {
  const int64_t rows = a.rows, cols = a.cols, inner = a.inner, cpr = cols / std::max<int64_t>(1, inner);
  const T* x = a.in.data_ptr<T>();
  T* y = a.out.data_ptr<T>();
  const T* w = ptr_or_null<T>(a.weight);
  const T* b = ptr_or_null<T>(a.bias);
  T* mean = a.mean.data_ptr<T>();
  T* rstd = a.rstd.data_ptr<T>();
  parallel_for(0, rows, grain_for(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * cols;
      T* yr = y + r * cols;
      ShiftedSums sums;
      sums.add(xr, cols);
      const double m = sums.mean(), rs = 1.0 / std::sqrt(sums.var() + a.eps);
      mean[r] = static_cast<T>(m);
      rstd[r] = static_cast<T>(rs);
      const int64_t ch0 = a.groups > 1 ? (r % a.groups) * cpr : 0;
      if (inner == 1) {  // layer norm: a channel per value, one vector pass over the row
        // In T: float32 outputs need no float64 here (the statistics carry their sums in
        // float64), and float32 vectors are twice as wide.
        const T mt = static_cast<T>(m), rt = static_cast<T>(rs);
        if (w && b) affine_row<true, true>(xr, yr, w + ch0, b + ch0, mt, rt, cols);
        else if (w) affine_row<true, false>(xr, yr, w + ch0, b, mt, rt, cols);
        else if (b) affine_row<false, true>(xr, yr, w, b + ch0, mt, rt, cols);
        else affine_row<false, false>(xr, yr, w, b, mt, rt, cols);
        continue;
      }
      // one affine channel at a time, in T as above
      const T mt = static_cast<T>(m);
      for (int64_t c = 0; c < cpr; ++c) {
        const T scale = static_cast<T>(rs * (w ? static_cast<double>(w[ch0 + c]) : 1.0));
        const T shift = b ? b[ch0 + c] : T(0);
        const T* xc = xr + c * inner;
        T* yc = yr + c * inner;
#pragma omp simd
        for (int64_t i = 0; i < inner; ++i) yc[i] = (xc[i] - mt) * scale + shift;
      }
    }
  });
}

// ---- backward of layer and group norm ----------------------------------------------------------
// Both take two passes over a row (a group norm row is one sample's group): the first sums g and
// g * (x - mean) with g = dy * weight, the second writes dx from those sums. In T throughout,
// with the sums in blocks as ShiftedSums has them.

// s += sum of g[j] * w[j], s2 += sum of g[j] * w[j] * (x[j] - m) over n values (w: kWeight).
template <bool kWeight, typename T>
void add_grad_sums(const T* g, const T* w, const T* x, T m, int64_t n, double& s, double& s2) {
  using S = rows::simd_t<T>;
  fold_two_sums<T>(
      n,
      [&](int64_t i, S& a, S& b) {
        const S u = kWeight ? rows::simd_load(g + i) * rows::simd_load(w + i) : rows::simd_load(g + i);
        a += u;
        b += u * (rows::simd_load(x + i) - m);
      },
      [&](int64_t i, T& a, T& b) {
        const T u = kWeight ? g[i] * w[i] : g[i];
        a += u;
        b += u * (x[i] - m);
      },
      s, s2);
}

// dx = rs * (g - mean(g) - xhat * mean(g * xhat)) with xhat = (x - m) * rs, that is
// g * rs - (x - m) * c + k with c = rs^3 * mean(g * (x - m)) and k = -rs * mean(g): c and k of
// one row from its sums sg and sgx (of g and of g * (x - m)).
template <typename T>
struct DxCoefficients {
  T c, k;
  DxCoefficients(double sg, double sgx, double rs, int64_t cols)
      : c(static_cast<T>(cols ? rs * rs * rs * sgx / cols : 0.0)), k(static_cast<T>(cols ? -rs * sg / cols : 0.0)) {}
};

// Layer norm (a channel per value): each row's dx takes the two passes; the second also adds
// the row's dgamma/dbeta terms while it is in L1. Those are summed in T over up to
// kParamFlushRows rows, then added into float64 per-task sums, which are summed in task order
// at the end (so the result depends only on the thread count, never on timing).
constexpr int64_t kParamFlushRows = 32;

template <typename T>
void layer_norm_backward_rows(const RowNormBackwardArgs& a) {
  const int64_t rows = a.rows, cols = a.cols;
  const T* x = a.in.data_ptr<T>();
  const T* dy = a.grad_out.data_ptr<T>();
  const T* mean = a.mean.data_ptr<T>();
  const T* rstd = a.rstd.data_ptr<T>();
  T* dx = mut_ptr_or_null<T>(a.grad_in);
  T* dw = mut_ptr_or_null<T>(a.grad_weight);
  T* db = mut_ptr_or_null<T>(a.grad_bias);
  // a weight of ones where there is none: one loop for both cases, and the load is from L1
  std::vector<T> ones(a.weight.defined() ? 0 : cols, T(1));
  const T* w = a.weight.defined() ? a.weight.data_ptr<T>() : ones.data();
  const bool params = dw || db;
  const int64_t tasks = std::clamp<int64_t>(rows * cols / 32768, 1, std::max(1, get_num_threads()));
  // A task's float64 dgamma/dbeta sums and its recent ones in T, each array offset by a cache line so that
  // no two of them sit a multiple of 4 KiB apart (their loads would wait on each other's stores).
  const int64_t stride = cols + 16;
  std::vector<double> partial(params ? static_cast<size_t>(tasks * 2 * stride) : 0, 0.0);
  std::vector<T> recent(params ? static_cast<size_t>(tasks * 2 * stride) : 0, T(0));
  parallel_for(0, tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      double* sw = params ? partial.data() + t * 2 * stride : nullptr;
      double* sb = params ? sw + stride : nullptr;
      T* rw = params ? recent.data() + t * 2 * stride : nullptr;
      T* rb = params ? rw + stride : nullptr;
      const int64_t r_begin = rows * t / tasks, r_end = rows * (t + 1) / tasks;
      for (int64_t r = r_begin; r < r_end; ++r) {
        const T* xr = x + r * cols;
        const T* gr = dy + r * cols;
        const T mt = mean[r], rt = rstd[r];
        if (dx) {
          double sg = 0, sgx = 0;
          add_grad_sums<true>(gr, w, xr, mt, cols, sg, sgx);
          const DxCoefficients<T> co(sg, sgx, static_cast<double>(rt), cols);
          T* dr = dx + r * cols;
          if (params) {
#pragma omp simd
            for (int64_t j = 0; j < cols; ++j) {
              const T g = gr[j], xm = xr[j] - mt;
              dr[j] = g * w[j] * rt - xm * co.c + co.k;
              rb[j] += g;
              rw[j] += g * xm * rt;
            }
          } else {
#pragma omp simd
            for (int64_t j = 0; j < cols; ++j) dr[j] = gr[j] * w[j] * rt - (xr[j] - mt) * co.c + co.k;
          }
        } else if (params) {
#pragma omp simd
          for (int64_t j = 0; j < cols; ++j) {
            const T g = gr[j];
            rb[j] += g;
            rw[j] += g * (xr[j] - mt) * rt;
          }
        }
        if (params && ((r - r_begin + 1) % kParamFlushRows == 0 || r + 1 == r_end)) {
#pragma omp simd
          for (int64_t j = 0; j < cols; ++j) {
            sw[j] += static_cast<double>(rw[j]);
            sb[j] += static_cast<double>(rb[j]);
            rw[j] = rb[j] = T(0);
          }
        }
      }
    }
  });
  if (!params) return;
  for (int64_t j = 0; j < cols; ++j) {
    double sw = 0, sb = 0;
    for (int64_t t = 0; t < tasks; ++t) {
      sw += partial[t * 2 * stride + j];
      sb += partial[t * 2 * stride + stride + j];
    }
    if (dw) dw[j] = static_cast<T>(sw);
    if (db) db[j] = static_cast<T>(sb);
  }
}

// Group norm: a row holds cpr channels of `inner` values. The first pass sums dy and
// dy * (x - mean) per channel; the row's sums for dx weigh those by the channels' weights, and
// the per-(sample, channel) sums are kept, from which dgamma/dbeta are summed over the samples
// at the end, in sample order (no second pass over the data, and no dependence on threads).
template <typename T>
void group_norm_backward_rows(const RowNormBackwardArgs& a) {
  const int64_t rows = a.rows, cols = a.cols, inner = a.inner, groups = a.groups;
  T* dx = mut_ptr_or_null<T>(a.grad_in);
  T* dw = mut_ptr_or_null<T>(a.grad_weight);
  T* db = mut_ptr_or_null<T>(a.grad_bias);
  if (inner == 0 || cols == 0) {  // empty channels: dx is empty, the parameter sums are zero
    if (dw) std::fill_n(dw, a.grad_weight.numel(), T(0));
    if (db) std::fill_n(db, a.grad_bias.numel(), T(0));
    return;
  }
  const int64_t cpr = cols / inner, channels = groups * cpr, samples = rows / groups;
  const T* x = a.in.data_ptr<T>();
  const T* dy = a.grad_out.data_ptr<T>();
  const T* w = ptr_or_null<T>(a.weight);
  const T* mean = a.mean.data_ptr<T>();
  const T* rstd = a.rstd.data_ptr<T>();
  const bool params = dw || db;
  // sums of dy and of dy * (x - mean) per (sample, channel): row r's channel c is n * C + ch
  std::vector<double> ch_dy(params ? rows * cpr : 0), ch_dyx(params ? rows * cpr : 0);
  parallel_for(0, rows, grain_for(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * cols;
      const T* gr = dy + r * cols;
      const T mt = mean[r], rt = rstd[r];
      const int64_t ch0 = (r % groups) * cpr;
      double sg = 0, sgx = 0;
      for (int64_t c = 0; c < cpr; ++c) {
        double s = 0, s2 = 0;
        add_grad_sums<false>(gr + c * inner, static_cast<const T*>(nullptr), xr + c * inner, mt, inner, s, s2);
        if (params) {
          ch_dy[r * cpr + c] = s;
          ch_dyx[r * cpr + c] = s2;
        }
        const double wc = w ? static_cast<double>(w[ch0 + c]) : 1.0;
        sg += wc * s;
        sgx += wc * s2;
      }
      if (!dx) continue;
      const DxCoefficients<T> co(sg, sgx, static_cast<double>(rt), cols);
      T* dr = dx + r * cols;
      for (int64_t c = 0; c < cpr; ++c) {
        const T ac = w ? w[ch0 + c] * rt : rt;
        const T* gc = gr + c * inner;
        const T* xc = xr + c * inner;
        T* dc = dr + c * inner;
#pragma omp simd
        for (int64_t i = 0; i < inner; ++i) dc[i] = gc[i] * ac - (xc[i] - mt) * co.c + co.k;
      }
    }
  });
  if (!params) return;
  std::vector<double> sw(channels, 0.0), sb(channels, 0.0);
  for (int64_t n = 0; n < samples; ++n) {
    const double* cd = ch_dy.data() + n * channels;
    const double* cx = ch_dyx.data() + n * channels;
    const T* rs = rstd + n * groups;
    for (int64_t ch = 0; ch < channels; ++ch) {
      sb[ch] += cd[ch];
      sw[ch] += cx[ch] * static_cast<double>(rs[ch / cpr]);
    }
  }
  for (int64_t ch = 0; ch < channels; ++ch) {
    if (dw) dw[ch] = static_cast<T>(sw[ch]);
    if (db) db[ch] = static_cast<T>(sb[ch]);
  }
}

template <typename T>
void row_norm_backward_typed(const RowNormBackwardArgs& a) {
  if (a.inner == 1 && a.groups == 1) return layer_norm_backward_rows<T>(a);
  group_norm_backward_rows<T>(a);
}

// Only float32 and float64 reach the kernels.
template <typename F>
void dispatch_norm(DType t, const char* op, const F& f) {
  if (t == kFloat64) return f(TypeTag<double>{});
  EMBER_CHECK_TYPE(t == kFloat32, op, ": kernel expects float32 or float64, got ", dtype_name(t));
  f(TypeTag<float>{});
}

void cpu_batch_norm(const BatchNormArgs& a) {
  dispatch_norm(a.in.dtype(), "batch_norm", [&](auto tag) { batch_norm_typed<typename decltype(tag)::type>(a); });
}
void cpu_batch_norm_backward(const BatchNormBackwardArgs& a) {
  dispatch_norm(a.in.dtype(), "batch_norm_backward",
                [&](auto tag) { batch_norm_backward_typed<typename decltype(tag)::type>(a); });
}
void cpu_row_norm(const RowNormArgs& a) {
  dispatch_norm(a.in.dtype(), "layer_norm", [&](auto tag) { row_norm_typed<typename decltype(tag)::type>(a); });
}
void cpu_row_norm_backward(const RowNormBackwardArgs& a) {
  dispatch_norm(a.in.dtype(), "layer_norm_backward",
                [&](auto tag) { row_norm_backward_typed<typename decltype(tag)::type>(a); });
}

}  // namespace

void register_normalization_kernels() {
  batch_norm_kernel.set(DeviceType::CPU, cpu_batch_norm);
  batch_norm_backward_kernel.set(DeviceType::CPU, cpu_batch_norm_backward);
  row_norm_kernel.set(DeviceType::CPU, cpu_row_norm);
  row_norm_backward_kernel.set(DeviceType::CPU, cpu_row_norm_backward);
}

EMBER_ISA_NAMESPACE_END
