#pragma once
// Sums and maxima of contiguous float32/float64 rows in explicit vector registers, for the
// kernels that reduce many short rows (softmax, layer and group norm). An `omp simd` reduction
// ends every row with a sequential add of its lanes through memory, which costs as much as the
// row itself at 64 elements; here four registers accumulate and their lanes meet in a tree.
// float32 rows are summed in blocks of kRowBlock elements whose totals are carried in float64,
// so that each lane adds at most kRowBlock / 64 terms in float32 whatever the row's length.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_ops.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace rows {

using reduce::simd_load;
using reduce::simd_splat;
using reduce::simd_t;

constexpr int64_t kRowBlock = 2048;

template <typename V>
constexpr int64_t lanes() {
  return static_cast<int64_t>(sizeof(simd_t<V>) / sizeof(V));
}

// Registers of B bytes of V, for folding a register's halves onto each other.
template <typename V, int B>
struct Part {
  typedef V type __attribute__((vector_size(B)));
};

// Combines the lanes of a register of B bytes with op, folding its high half onto its low half
// until two lanes remain (shuffles in registers, not a sequential pass through memory).
template <typename V, int B, typename Op, size_t... I>
inline V fold_lanes(typename Part<V, B>::type v, const Op& op, std::index_sequence<I...>) {
  if constexpr (B == 2 * static_cast<int>(sizeof(V))) {
    return op(v[0], v[1]);
  } else {
    constexpr size_t kHalf = sizeof...(I);
    const auto lo = __builtin_shufflevector(v, v, I...);
    const auto hi = __builtin_shufflevector(v, v, (I + kHalf)...);
    return fold_lanes<V, B / 2>(op(lo, hi), op, std::make_index_sequence<kHalf / 2>());
  }
}
template <typename V, int B, typename Op>
inline V fold_lanes(typename Part<V, B>::type v, const Op& op) {
  return fold_lanes<V, B>(v, op, std::make_index_sequence<B / sizeof(V) / 2>());
}

template <typename V>
inline V hsum(simd_t<V> v) {
  return fold_lanes<V, sizeof(simd_t<V>)>(v, [](auto a, auto b) { return a + b; });
}

template <typename V>
inline V hmax(simd_t<V> v) {
  return fold_lanes<V, sizeof(simd_t<V>)>(v, [](auto a, auto b) { return b > a ? b : a; });
}

// sum over i < n of f(i) for f returning a register of lanes<V>() values from position i
// (a multiple of the width) and tail(i) for the scalar positions past the last full register.
template <typename V, typename Vec, typename Tail>
inline double fold_sum(int64_t n, const Vec& f, const Tail& tail) {
  using S = simd_t<V>;
  constexpr int64_t W = lanes<V>();
  double total = 0;
  int64_t i = 0;
  while (i + W <= n) {
    const int64_t stop = std::min(n - n % W, i + kRowBlock);
    S a0 = simd_splat<V>(0), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 4 * W <= stop; i += 4 * W) {
      a0 += f(i);
      a1 += f(i + W);
      a2 += f(i + 2 * W);
      a3 += f(i + 3 * W);
    }
    for (; i < stop; i += W) a0 += f(i);
    total += static_cast<double>(hsum<V>((a0 + a1) + (a2 + a3)));
  }
  for (; i < n; ++i) total += static_cast<double>(tail(i));
  return total;
}

template <typename V>
inline double sum(const V* x, int64_t n) {
  return fold_sum<V>(n, [&](int64_t i) { return simd_load(x + i); }, [&](int64_t i) { return x[i]; });
}

template <typename V>
inline double dot(const V* x, const V* y, int64_t n) {
  return fold_sum<V>(
      n, [&](int64_t i) { return simd_load(x + i) * simd_load(y + i); }, [&](int64_t i) { return x[i] * y[i]; });
}

// The largest value of x (a NaN may or may not win: callers let NaN through other terms).
template <typename V>
inline V max(const V* x, int64_t n) {
  using S = simd_t<V>;
  constexpr int64_t W = lanes<V>();
  V m = -std::numeric_limits<V>::infinity();
  int64_t i = 0;
  if (n >= W) {
    S a0 = simd_splat<V>(m), a1 = a0;
    for (; i + 2 * W <= n; i += 2 * W) {
      const S v0 = simd_load(x + i), v1 = simd_load(x + i + W);
      a0 = v0 > a0 ? v0 : a0;
      a1 = v1 > a1 ? v1 : a1;
    }
    for (; i + W <= n; i += W) {
      const S v = simd_load(x + i);
      a0 = v > a0 ? v : a0;
    }
    m = hmax<V>(a1 > a0 ? a1 : a0);
  }
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

}  // namespace rows
EMBER_ISA_NAMESPACE_END
