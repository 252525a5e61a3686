// softmax / log_softmax along one dim, compiled once per ISA. Each line along the dim takes
// three passes: its max m, s = sum exp(x - m), then exp(x - m) / s or (x - m) - log(s). The
// shift by m keeps every exponential at most 1; a line that is all -inf (m = -inf) gives NaN, as
// in PyTorch. Lines that are neighbours in memory (the dim is not the innermost) are processed
// together, vectorized across lines; a contiguous line uses the reduction lanes.
#include <cmath>

#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_driver.h"
#include "cpu/isa/reduce_ops.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {
using reduce::fast_exp;

template <typename T, bool kLog>
void softmax_columns(char** data, int64_t lines, int64_t len, int64_t ods, int64_t ids) {
  using V = opmath_t<T>;
  constexpr int64_t kCols = 128;
  V m[kCols], s[kCols];
  for (int64_t j0 = 0; j0 < lines; j0 += kCols) {
    const int64_t w = std::min(kCols, lines - j0);
    auto x_at = [&](int64_t i) { return reinterpret_cast<const T*>(data[1] + i * ids) + j0; };
    for (int64_t j = 0; j < w; ++j) {
      m[j] = -std::numeric_limits<V>::infinity();
      s[j] = 0;
    }
    for (int64_t i = 0; i < len; ++i) {
      const T* x = x_at(i);
      for (int64_t j = 0; j < w; ++j) {
        const V v = reduce::opval(x[j]);
        m[j] = (v > m[j] || v != v) ? v : m[j];
      }
    }
    for (int64_t i = 0; i < len; ++i) {
      const T* x = x_at(i);
      for (int64_t j = 0; j < w; ++j) s[j] += fast_exp<V>(reduce::opval(x[j]) - m[j]);
    }
    for (int64_t j = 0; j < w; ++j) s[j] = kLog ? std::log(s[j]) : V(1) / s[j];
    for (int64_t i = 0; i < len; ++i) {
      const T* x = x_at(i);
      T* y = reinterpret_cast<T*>(data[0] + i * ods) + j0;
      for (int64_t j = 0; j < w; ++j) {
        const V d = reduce::opval(x[j]) - m[j];
        y[j] = convert<T>(kLog ? d - s[j] : fast_exp<V>(d) * s[j]);
      }
    }
  }
}

template <typename T, bool kLog>
void softmax_line(char* y, const char* x, int64_t len, int64_t ods, int64_t ids) {
  using V = opmath_t<T>;
  reduce::MinMaxReducer<T, true, false> max_r;
  V m = max_r.init(nullptr);
  reduce::reduce_row(max_r, m, x, len, ids, 0);
  reduce::LogSumExpReducer<T> sum_r;
  typename reduce::LogSumExpReducer<T>::acc_t acc{m, 0.0};
  reduce::reduce_row(sum_r, acc, x, len, ids, 0);
  const V scale = kLog ? static_cast<V>(std::log(acc.s)) : static_cast<V>(1.0 / acc.s);
  constexpr int64_t es = sizeof(T);
  if (ods == es && ids == es) {
    const T* xs = reinterpret_cast<const T*>(x);
    T* ys = reinterpret_cast<T*>(y);
    for (int64_t i = 0; i < len; ++i) {
      const V d = reduce::opval(xs[i]) - m;
      ys[i] = convert<T>(kLog ? d - scale : fast_exp<V>(d) * scale);
    }
    return;
  }
  for (int64_t i = 0; i < len; ++i) {
    const V d = reduce::opval(*reinterpret_cast<const T*>(x + i * ids)) - m;
    *reinterpret_cast<T*>(y + i * ods) = convert<T>(kLog ? d - scale : fast_exp<V>(d) * scale);
  }
}

template <typename T, bool kLog>
void softmax_lines(char** data, const int64_t* strides, int64_t lines, int64_t len, int64_t ods, int64_t ids) {
  constexpr int64_t es = sizeof(T);
  if (lines > 1 && strides[0] == es && strides[1] == es) return softmax_columns<T, kLog>(data, lines, len, ods, ids);
  for (int64_t j = 0; j < lines; ++j)
    softmax_line<T, kLog>(data[0] + j * strides[0], data[1] + j * strides[1], len, ods, ids);
}

void cpu_softmax(const Tensor& out, const Tensor& in, int64_t dim, bool log) {
  dispatch_floating(in.dtype(), log ? "log_softmax" : "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t len = in.size(dim);
    const int64_t ods = out.stride(dim) * static_cast<int64_t>(sizeof(T));
    const int64_t ids = in.stride(dim) * static_cast<int64_t>(sizeof(T));
    const Tensor out0 = out.select(dim, 0), in0 = in.select(dim, 0);
    const TensorIter iter = TensorIter::elementwise(out0, {in0});
    iter.for_each(
        [&](char** data, const int64_t* strides, int64_t n) {
          if (log) softmax_lines<T, true>(data, strides, n, len, ods, ids);
          else softmax_lines<T, false>(data, strides, n, len, ods, ids);
        },
        std::max<int64_t>(1, 8192 / len));
  });
}
}  // namespace

void register_softmax_kernels() { softmax_kernel.set(DeviceType::CPU, cpu_softmax); }

EMBER_ISA_NAMESPACE_END
