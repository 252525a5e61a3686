// CPU kernels of batch, layer and group norm. Operands are contiguous float32 or float64
// (the front-ends compute 16-bit inputs in float32). Statistics take one pass over the values
// with float64 sums of (x - shift) and (x - shift)^2, the shift being the first value: the
// shifted sums keep the variance accurate when the mean is large against the spread.
// Batch norm runs in parallel over channels, layer/group norm over rows. Compiled once per ISA,
// so that the float64 sums and the affine pass run in the widest vectors the CPU has.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/isa/isa.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {

// Running sums of (x - shift) and its square over several stretches of values.
struct ShiftedSums {
  double shift = 0, s = 0, s2 = 0;
  int64_t n = 0;
  template <typename T>
  void add(const T* x, int64_t count) {
    if (count <= 0) return;
    if (n == 0) shift = static_cast<double>(x[0]);
    const double k = shift;
    double a = 0, a2 = 0;
#pragma omp simd reduction(+ : a, a2)
    for (int64_t i = 0; i < count; ++i) {
      const double d = static_cast<double>(x[i]) - k;
      a += d;
      a2 += d * d;
    }
    s += a;
    s2 += a2;
    n += count;
  }
  double mean() const { return n ? shift + s / n : std::nan(""); }
  double var() const { return n ? std::max(0.0, (s2 - s * s / n) / n) : std::nan(""); }  // biased
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
      const int64_t ch0 = (r % a.groups) * cpr;
      if (inner == 1) {  // layer norm: a channel per value, one vector pass over the row
        // In T: float32 outputs need no float64 here (the statistics were summed in float64),
        // and float32 vectors are twice as wide.
        const T* wr = w ? w + ch0 : nullptr;
        const T* br = b ? b + ch0 : nullptr;
        const T mt = static_cast<T>(m), rt = static_cast<T>(rs);
#pragma omp simd
        for (int64_t j = 0; j < cols; ++j)
          yr[j] = (xr[j] - mt) * (wr ? rt * wr[j] : rt) + (br ? br[j] : T(0));
        continue;
      }
      for (int64_t c = 0; c < cpr; ++c) {  // one affine channel at a time
        const double scale = rs * (w ? static_cast<double>(w[ch0 + c]) : 1.0);
        const double shift = b ? static_cast<double>(b[ch0 + c]) : 0.0;
        apply_affine(xr + c * inner, yr + c * inner, inner, m, scale, shift);
      }
    }
  });
}

// Layer norm's backward (a channel per value) in one sweep over the rows: each row's dx takes
// two vector passes, and its dgamma/dbeta terms a third while the row is still in L1, added into
// per-task partial sums that are summed in task order at the end (so the result depends only on
// the thread count, never on timing).
template <typename T>
void layer_norm_backward_rows(const RowNormBackwardArgs& a) {
  const int64_t rows = a.rows, cols = a.cols;
  const T* x = a.in.data_ptr<T>();
  const T* dy = a.grad_out.data_ptr<T>();
  const T* w = ptr_or_null<T>(a.weight);
  const T* mean = a.mean.data_ptr<T>();
  const T* rstd = a.rstd.data_ptr<T>();
  T* dx = mut_ptr_or_null<T>(a.grad_in);
  T* dw = mut_ptr_or_null<T>(a.grad_weight);
  T* db = mut_ptr_or_null<T>(a.grad_bias);
  const bool params = dw || db;
  const int64_t tasks = std::clamp<int64_t>(rows * cols / 32768, 1, std::max(1, get_num_threads()));
  // A task's dgamma and dbeta sums, offset by a cache line so that sw[j] and sb[j] never sit a
  // multiple of 4 KiB apart (their loads would wait on each other's stores).
  const int64_t sb_off = cols + 8, task_len = 2 * sb_off;
  std::vector<double> partial(params ? static_cast<size_t>(tasks * task_len) : 0, 0.0);
  parallel_for(0, tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      double* sw = params ? partial.data() + t * task_len : nullptr;
      double* sb = params ? sw + sb_off : nullptr;
      for (int64_t r = rows * t / tasks; r < rows * (t + 1) / tasks; ++r) {
        const T* xr = x + r * cols;
        const T* gr = dy + r * cols;
        const double m = static_cast<double>(mean[r]), rs = static_cast<double>(rstd[r]);
        if (dx) {
          T* dr = dx + r * cols;
          // (one loop per case: a load under `w ?` keeps the reduction from vectorizing)
          double sg = 0, sgx = 0;
          if (w) {
#pragma omp simd reduction(+ : sg, sgx)
            for (int64_t j = 0; j < cols; ++j) {
              const double g = static_cast<double>(gr[j]) * static_cast<double>(w[j]);
              sg += g;
              sgx += g * (static_cast<double>(xr[j]) - m);
            }
          } else {
#pragma omp simd reduction(+ : sg, sgx)
            for (int64_t j = 0; j < cols; ++j) {
              const double g = static_cast<double>(gr[j]);
              sg += g;
              sgx += g * (static_cast<double>(xr[j]) - m);
            }
          }
          // dx = rs * g - (x - m) * rs^2 * mean(g xhat) / rs - rs * mean(g), in T (x - m first,
          // which stays exact when the mean is large against the spread)
          const double mg = cols ? sg / cols : 0.0, mgx = cols ? sgx * rs / cols : 0.0;
          const T a_t = static_cast<T>(rs), c_t = static_cast<T>(rs * rs * mgx), k_t = static_cast<T>(-rs * mg);
          const T mt = static_cast<T>(m);
#pragma omp simd
          for (int64_t j = 0; j < cols; ++j) dr[j] = (w ? gr[j] * w[j] : gr[j]) * a_t - (xr[j] - mt) * c_t + k_t;
        }
        if (params) {
#pragma omp simd
          for (int64_t j = 0; j < cols; ++j) {
            const double g = static_cast<double>(gr[j]);
            sb[j] += g;
            sw[j] += g * (static_cast<double>(xr[j]) - m) * rs;
          }
        }
      }
    }
  });
  if (!params) return;
  for (int64_t j = 0; j < cols; ++j) {
    double sw = 0, sb = 0;
    for (int64_t t = 0; t < tasks; ++t) {
      sw += partial[t * task_len + j];
      sb += partial[t * task_len + sb_off + j];
    }
    if (dw) dw[j] = static_cast<T>(sw);
    if (db) db[j] = static_cast<T>(sb);
  }
}

template <typename T>
void row_norm_backward_typed(const RowNormBackwardArgs& a) {
  if (a.inner == 1 && a.groups == 1) return layer_norm_backward_rows<T>(a);
  const int64_t rows = a.rows, cols = a.cols, inner = a.inner, cpr = cols / std::max<int64_t>(1, inner);
  const T* x = a.in.data_ptr<T>();
  const T* dy = a.grad_out.data_ptr<T>();
  const T* w = ptr_or_null<T>(a.weight);
  const T* mean = a.mean.data_ptr<T>();
  const T* rstd = a.rstd.data_ptr<T>();
  T* dx = mut_ptr_or_null<T>(a.grad_in);
  T* dw = mut_ptr_or_null<T>(a.grad_weight);
  T* db = mut_ptr_or_null<T>(a.grad_bias);
  if (dx) {
    // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * w over the row.
    parallel_for(0, rows, grain_for(cols), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = x + r * cols;
        const T* gr = dy + r * cols;
        T* dr = dx + r * cols;
        const double m = static_cast<double>(mean[r]), rs = static_cast<double>(rstd[r]);
        const int64_t ch0 = (r % a.groups) * cpr;
        double sg = 0, sgx = 0;
        for (int64_t c = 0; c < cpr; ++c) {
          const double wc = w ? static_cast<double>(w[ch0 + c]) : 1.0;
          double s = 0, s2 = 0;
#pragma omp simd reduction(+ : s, s2)
          for (int64_t i = 0; i < inner; ++i) {
            const double g = static_cast<double>(gr[c * inner + i]);
            s += g;
            s2 += g * (static_cast<double>(xr[c * inner + i]) - m);
          }
          sg += wc * s;
          sgx += wc * s2 * rs;
        }
        const double mg = cols ? sg / cols : 0.0, mgx = cols ? sgx / cols : 0.0;
        for (int64_t c = 0; c < cpr; ++c) {
          const double wc = w ? static_cast<double>(w[ch0 + c]) : 1.0;
#pragma omp simd
          for (int64_t i = 0; i < inner; ++i) {
            const int64_t j = c * inner + i;
            const double xhat = (static_cast<double>(xr[j]) - m) * rs;
            dr[j] = static_cast<T>(rs * (static_cast<double>(gr[j]) * wc - mg - xhat * mgx));
          }
        }
      }
    });
  }
  if (!dw && !db) return;
  // Channel sums over n and the positions inside the channel; threads own blocks of channels.
  const int64_t channels = a.groups * cpr, batches = a.groups ? rows / a.groups : 0;
  parallel_for(0, channels, grain_for(batches * inner), [&](int64_t c0, int64_t c1) {
    std::vector<double> sw(c1 - c0, 0.0), sb(c1 - c0, 0.0);
    for (int64_t n = 0; n < batches; ++n) {
      for (int64_t ch = c0; ch < c1; ++ch) {
        const int64_t r = n * a.groups + ch / cpr;
        const int64_t off = r * cols + (ch % cpr) * inner;
        const double m = static_cast<double>(mean[r]), rs = static_cast<double>(rstd[r]);
        double s = 0, s2 = 0;
        for (int64_t i = 0; i < inner; ++i) {
          const double g = static_cast<double>(dy[off + i]);
          s += g;
          s2 += g * (static_cast<double>(x[off + i]) - m) * rs;
        }
        sb[ch - c0] += s;
        sw[ch - c0] += s2;
      }
    }
    for (int64_t ch = c0; ch < c1; ++ch) {
      if (dw) dw[ch] = static_cast<T>(sw[ch - c0]);
      if (db) db[ch] = static_cast<T>(sb[ch - c0]);
    }
  });
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
