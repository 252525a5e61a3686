// softmax / log_softmax along one dim and their backward, compiled once per ISA.
//
// Forward: each line along the dim takes its max m, s = sum exp(x - m), then exp(x - m) / s or
// (x - m) - log(s). The shift by m keeps every exponential at most 1; a line that is all -inf
// (m = -inf) gives NaN, as in PyTorch. A contiguous float32/float64 line is a max, one exp pass
// that stores the exponentials in the output, their sum, and one output pass, the reductions in
// vector registers (row_sums.h); lines that are neighbours in memory (the dim is not the
// innermost) are processed together, vectorized across lines.
//
// Backward, from the forward's output y and the gradient g along each line:
//   softmax:     dx = y * (g - sum(g * y))
//   log_softmax: dx = g - exp(y) * sum(g)
// one reduction and one elementwise pass per line, laid out like the forward.
#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_ops.h"
#include "cpu/isa/row_sums.h"
#include "cpu/isa/vec_math.h"
#include "cpu/parallel.h"
#include "dispatch/kernels.h"
#include "iter/tensor_iter.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {
using reduce::fast_exp;
using reduce::opval;

// Lines per task: a task of about 8K elements is worth a thread, so a (64, 64) input stays on
// the calling thread while a (3072, 64) one is split.
int64_t line_grain(int64_t len) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, len)); }

// Contiguous lines go in groups: each line's max and sum first, then the logs (or reciprocals)
// of the whole group's sums in one vector loop, then each line's output pass. A scalar log per
// line of 64 would cost a third of the line. The group spans at most ~4K elements so that the
// lines are still in L1 for their second pass.
constexpr int64_t kGroup = 16;
int64_t group_lines(int64_t len) { return std::clamp<int64_t>(4096 / std::max<int64_t>(1, len), 1, kGroup); }

// Line statistics: the max m and s = sum exp(x - m). float32/float64 store the exponentials in
// y and sum them from there (still in L1), so the sums run in vector registers (rows::) rather
// than as a reduction of the exp loop.
template <typename T>
void line_stats(T* y, const T* x, int64_t n, opmath_t<T>& m_out, opmath_t<T>& s_out) {
  using V = opmath_t<T>;
  if constexpr (std::is_same_v<T, V>) {
    const V m = rows::max(x, n);  // a local: y may not alias it, so the exp loop vectorizes
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = fast_exp<V>(x[i] - m);
    m_out = m;
    s_out = static_cast<V>(rows::sum(y, n));
  } else {
    // float16 / bfloat16, computed in float32: y cannot hold the float32 exponentials, so the
    // output pass takes exp again.
    V m = -std::numeric_limits<V>::infinity();
    for (int64_t i = 0; i < n; ++i) m = opval(x[i]) > m ? opval(x[i]) : m;
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += fast_exp<V>(opval(x[i]) - m);
    m_out = m;
    s_out = static_cast<V>(sum);
  }
}

// The output pass; c is log(s) for log_softmax, 1 / s for softmax.
template <typename T, bool kLog>
void line_output(T* y, const T* x, int64_t n, opmath_t<T> m, opmath_t<T> c) {
  using V = opmath_t<T>;
  if constexpr (kLog) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = convert<T>((opval(x[i]) - m) - c);
  } else if constexpr (std::is_same_v<T, V>) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] *= c;
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = convert<T>(fast_exp<V>(opval(x[i]) - m) * c);
  }
}

template <typename T, bool kLog>
void softmax_contiguous_lines(char** data, const int64_t* strides, int64_t lines, int64_t len) {
  using V = opmath_t<T>;
  const int64_t group = group_lines(len);
  V m[kGroup], c[kGroup];
  auto y_at = [&](int64_t j) { return reinterpret_cast<T*>(data[0] + j * strides[0]); };
  auto x_at = [&](int64_t j) { return reinterpret_cast<const T*>(data[1] + j * strides[1]); };
  for (int64_t j0 = 0; j0 < lines; j0 += group) {
    const int64_t w = std::min(group, lines - j0);
    for (int64_t j = 0; j < w; ++j) line_stats(y_at(j0 + j), x_at(j0 + j), len, m[j], c[j]);
    if constexpr (kLog && std::is_same_v<V, float>) {
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) c[j] = vec::log(c[j]);
    } else {
      for (int64_t j = 0; j < w; ++j) c[j] = kLog ? std::log(c[j]) : V(1) / c[j];
    }
    for (int64_t j = 0; j < w; ++j) line_output<T, kLog>(y_at(j0 + j), x_at(j0 + j), len, m[j], c[j]);
  }
}

// One line with any strides (bytes).
template <typename T, bool kLog>
void softmax_strided_line(char* y, const char* x, int64_t len, int64_t ods, int64_t ids) {
  using V = opmath_t<T>;
  auto xat = [&](int64_t i) { return opval(*reinterpret_cast<const T*>(x + i * ids)); };
  V m = reduce::MinMaxReducer<T, true, false>::identity();
  for (int64_t i = 0; i < len; ++i) m = reduce::MinMaxReducer<T, true, false>::pick(xat(i), m);
  double s = 0;
  for (int64_t i = 0; i < len; ++i) s += fast_exp<V>(xat(i) - m);
  const V scale = kLog ? static_cast<V>(std::log(s)) : static_cast<V>(1.0 / s);
  for (int64_t i = 0; i < len; ++i) {
    const V d = xat(i) - m;
    *reinterpret_cast<T*>(y + i * ods) = convert<T>(kLog ? d - scale : fast_exp<V>(d) * scale);
  }
}

// `lines` neighbouring lines (element stride 1 across lines), element i of each at i * ids.
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
        const V v = opval(x[j]);
        m[j] = (v > m[j] || v != v) ? v : m[j];
      }
    }
    for (int64_t i = 0; i < len; ++i) {
      const T* x = x_at(i);
      for (int64_t j = 0; j < w; ++j) s[j] += fast_exp<V>(opval(x[j]) - m[j]);
    }
    for (int64_t j = 0; j < w; ++j) s[j] = kLog ? std::log(s[j]) : V(1) / s[j];
    for (int64_t i = 0; i < len; ++i) {
      const T* x = x_at(i);
      T* y = reinterpret_cast<T*>(data[0] + i * ods) + j0;
      for (int64_t j = 0; j < w; ++j) {
        const V d = opval(x[j]) - m[j];
        y[j] = convert<T>(kLog ? d - s[j] : fast_exp<V>(d) * s[j]);
      }
    }
  }
}

template <typename T, bool kLog>
void softmax_lines(char** data, const int64_t* strides, int64_t lines, int64_t len, int64_t ods, int64_t ids) {
  constexpr int64_t es = sizeof(T);
  if (lines > 1 && strides[0] == es && strides[1] == es) return softmax_columns<T, kLog>(data, lines, len, ods, ids);
  if (ods == es && ids == es) return softmax_contiguous_lines<T, kLog>(data, strides, lines, len);
  for (int64_t j = 0; j < lines; ++j)
    softmax_strided_line<T, kLog>(data[0] + j * strides[0], data[1] + j * strides[1], len, ods, ids);
}

// Runs lines(data, strides, count) over the rows of contiguous operands whose last dim is the
// line, split over threads: the common layout, without building an iterator over the lines.
template <typename Lines>
void over_rows(std::initializer_list<const Tensor*> operands, int64_t len, int64_t es, const Lines& lines) {
  const int64_t rows = operands.begin()[0]->numel() / len, row_bytes = len * es;
  char* base[3];
  int64_t strides[3];
  int k = 0;
  for (const Tensor* t : operands) {
    base[k] = static_cast<char*>(t->data_ptr());
    strides[k++] = row_bytes;
  }
  parallel_for(0, rows, line_grain(len), [&](int64_t r0, int64_t r1) {
    char* data[3];
    for (int j = 0; j < k; ++j) data[j] = base[j] + r0 * row_bytes;
    lines(data, strides, r1 - r0);
  });
}

bool rows_layout(std::initializer_list<const Tensor*> operands, int64_t dim) {
  for (const Tensor* t : operands)
    if (dim != t->dim() - 1 || !t->is_contiguous()) return false;
  return true;
}

void cpu_softmax(const Tensor& out, const Tensor& in, int64_t dim, bool log) {
  dispatch_floating(in.dtype(), log ? "log_softmax" : "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t len = in.size(dim);
    if (rows_layout({&out, &in}, dim)) {
      return over_rows({&out, &in}, len, sizeof(T), [&](char** data, const int64_t* strides, int64_t n) {
        if (log) softmax_contiguous_lines<T, true>(data, strides, n, len);
        else softmax_contiguous_lines<T, false>(data, strides, n, len);
      });
    }
    const int64_t ods = out.stride(dim) * static_cast<int64_t>(sizeof(T));
    const int64_t ids = in.stride(dim) * static_cast<int64_t>(sizeof(T));
    const Tensor out0 = out.select(dim, 0), in0 = in.select(dim, 0);
    const TensorIter iter = TensorIter::elementwise(out0, {in0});
    iter.for_each(
        [&](char** data, const int64_t* strides, int64_t n) {
          if (log) softmax_lines<T, true>(data, strides, n, len, ods, ids);
          else softmax_lines<T, false>(data, strides, n, len, ods, ids);
        },
        line_grain(len));
  });
}

// ---- backward ---------------------------------------------------------------------------------

template <typename T, bool kLog>
void softmax_backward_contiguous_line(T* dx, const T* g, const T* y, int64_t n) {
  using V = opmath_t<T>;
  double sd = 0;
  if constexpr (std::is_same_v<T, V>) {
    sd = kLog ? rows::sum(g, n) : rows::dot(g, y, n);
  } else {
    for (int64_t i = 0; i < n; ++i) sd += kLog ? opval(g[i]) : opval(g[i]) * opval(y[i]);
  }
  const V s = static_cast<V>(sd);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (kLog) dx[i] = convert<T>(opval(g[i]) - fast_exp<V>(opval(y[i])) * s);
    else dx[i] = convert<T>(opval(y[i]) * (opval(g[i]) - s));
  }
}

// dx_i from g_i, y_i and the line's sum s.
template <typename T, bool kLog>
opmath_t<T> backward_term(opmath_t<T> g, opmath_t<T> y, opmath_t<T> s) {
  if constexpr (kLog) return g - fast_exp<opmath_t<T>>(y) * s;
  else return y * (g - s);
}

// Operands dx, g, y; ls[k]: the byte stride of operand k along the line.
template <typename T, bool kLog>
void softmax_backward_strided_line(char* const* p, int64_t len, const int64_t* ls) {
  using V = opmath_t<T>;
  auto at = [&](int k, int64_t i) { return opval(*reinterpret_cast<const T*>(p[k] + i * ls[k])); };
  double s = 0;
  for (int64_t i = 0; i < len; ++i) s += kLog ? at(1, i) : at(1, i) * at(2, i);
  const V sv = static_cast<V>(s);
  for (int64_t i = 0; i < len; ++i)
    *reinterpret_cast<T*>(p[0] + i * ls[0]) = convert<T>(backward_term<T, kLog>(at(1, i), at(2, i), sv));
}

// Neighbouring lines (element stride 1 across lines for every operand).
template <typename T, bool kLog>
void softmax_backward_columns(char** data, int64_t lines, int64_t len, const int64_t* ls) {
  using V = opmath_t<T>;
  constexpr int64_t kCols = 128;
  V s[kCols];
  for (int64_t j0 = 0; j0 < lines; j0 += kCols) {
    const int64_t w = std::min(kCols, lines - j0);
    auto row = [&](int k, int64_t i) { return reinterpret_cast<T*>(data[k] + i * ls[k]) + j0; };
    for (int64_t j = 0; j < w; ++j) s[j] = 0;
    for (int64_t i = 0; i < len; ++i) {
      const T* g = row(1, i);
      const T* y = row(2, i);
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) s[j] += kLog ? opval(g[j]) : opval(g[j]) * opval(y[j]);
    }
    for (int64_t i = 0; i < len; ++i) {
      T* dx = row(0, i);
      const T* g = row(1, i);
      const T* y = row(2, i);
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) dx[j] = convert<T>(backward_term<T, kLog>(opval(g[j]), opval(y[j]), s[j]));
    }
  }
}

template <typename T, bool kLog>
void softmax_backward_lines(char** data, const int64_t* strides, int64_t lines, int64_t len, const int64_t* ls) {
  constexpr int64_t es = sizeof(T);
  if (lines > 1 && strides[0] == es && strides[1] == es && strides[2] == es)
    return softmax_backward_columns<T, kLog>(data, lines, len, ls);
  const bool contiguous = ls[0] == es && ls[1] == es && ls[2] == es;
  for (int64_t j = 0; j < lines; ++j) {
    char* p[3] = {data[0] + j * strides[0], data[1] + j * strides[1], data[2] + j * strides[2]};
    if (contiguous)
      softmax_backward_contiguous_line<T, kLog>(reinterpret_cast<T*>(p[0]), reinterpret_cast<const T*>(p[1]),
                                                reinterpret_cast<const T*>(p[2]), len);
    else
      softmax_backward_strided_line<T, kLog>(p, len, ls);
  }
}

void cpu_softmax_backward(const Tensor& grad_in, const Tensor& grad_out, const Tensor& out, int64_t dim, bool log) {
  dispatch_floating(out.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int64_t es = sizeof(T);
    const int64_t len = out.size(dim);
    if (rows_layout({&grad_in, &grad_out, &out}, dim)) {
      return over_rows({&grad_in, &grad_out, &out}, len, es, [&](char** data, const int64_t* strides, int64_t n) {
        for (int64_t j = 0; j < n; ++j) {
          T* dx = reinterpret_cast<T*>(data[0] + j * strides[0]);
          const T* g = reinterpret_cast<const T*>(data[1] + j * strides[1]);
          const T* y = reinterpret_cast<const T*>(data[2] + j * strides[2]);
          if (log) softmax_backward_contiguous_line<T, true>(dx, g, y, len);
          else softmax_backward_contiguous_line<T, false>(dx, g, y, len);
        }
      });
    }
    const int64_t ls[3] = {grad_in.stride(dim) * es, grad_out.stride(dim) * es, out.stride(dim) * es};
    const TensorIter iter = TensorIter::elementwise(grad_in.select(dim, 0), {grad_out.select(dim, 0), out.select(dim, 0)});
    iter.for_each(
        [&](char** data, const int64_t* strides, int64_t n) {
          if (log) softmax_backward_lines<T, true>(data, strides, n, len, ls);
          else softmax_backward_lines<T, false>(data, strides, n, len, ls);
        },
        line_grain(len));
  });
}
}  // namespace

void register_softmax_kernels() {
  softmax_kernel.set(DeviceType::CPU, cpu_softmax);
  softmax_backward_kernel.set(DeviceType::CPU, cpu_softmax_backward);
}

EMBER_ISA_NAMESPACE_END
