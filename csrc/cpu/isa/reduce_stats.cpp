// Reductions with more arithmetic, compiled once per ISA: vector norms, var/std, logsumexp,
// argmax/argmin (with their values, for max(dim)/min(dim)).
#include <cmath>

#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_driver.h"
#include "cpu/isa/reduce_ops.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {
using reduce::is_nan;
using reduce::kNoBlock;

template <typename T>
double to_double(T x) {
  return static_cast<double>(reduce::opval(x));
}

// The additive vector norms, accumulated in float64: count of non-zeros (p = 0), sum |x| (p = 1),
// sqrt(sum x^2) (p = 2), (sum |x|^p)^(1/p) (any other finite p).
enum class NormKind { Zero, One, Two, P };

template <typename T, NormKind K>
struct NormReducer {
  using in_t = T;
  using acc_t = double;
  static constexpr bool kLanes = true;
  using lane_t = double;
  using wide_t = double;
  static constexpr int64_t kBlock = kNoBlock;
  double p;

  double value(T x) const {
    const double v = to_double(x);
    if constexpr (K == NormKind::Zero) return v != 0.0 ? 1.0 : 0.0;
    else if constexpr (K == NormKind::One) return std::fabs(v);
    else if constexpr (K == NormKind::Two) return v * v;
    else return std::pow(std::fabs(v), p);
  }
  acc_t init(const char*) const { return 0.0; }
  void update(acc_t& a, T x, int64_t) const { a += value(x); }
  void combine(acc_t& a, const acc_t& b) const { a += b; }
  void store(char* out, const acc_t& a, int64_t) const {
    double r = a;
    if constexpr (K == NormKind::Two) r = std::sqrt(a);
    else if constexpr (K == NormKind::P) r = std::pow(a, 1.0 / p);
    *reinterpret_cast<T*>(out) = convert<T>(r);
  }
  lane_t lane_init(const acc_t&) const { return 0.0; }
  void lane_update(lane_t& l, T x, const acc_t&) const { l += value(x); }
  wide_t wide_init(const acc_t&) const { return 0.0; }
  void widen(wide_t& w, const lane_t& l) const { w += l; }
  void fold(acc_t& a, const wide_t& w) const { a += w; }
};

// Variance around a shift c that the output holds on entry (the mean, rounded to the input
// dtype): with d = x - c, the sum of squared deviations from the true mean is
// sum d^2 - (sum d)^2 / n, exact up to float64 rounding because c is close to the mean.
// The output (float64) receives var or std.
template <typename T>
struct VarReducer {
  struct acc_t {
    double c, s, ss;
  };
  using in_t = T;
  static constexpr bool kLanes = false;
  static constexpr bool kRowHook = true;
  double correction;
  bool take_sqrt;

  acc_t init(const char* out) const { return {*reinterpret_cast<const double*>(out), 0.0, 0.0}; }
  void update(acc_t& a, T x, int64_t) const {
    const double d = to_double(x) - a.c;
    a.s += d;
    a.ss += d * d;
  }
  void combine(acc_t& a, const acc_t& b) const {
    a.s += b.s;
    a.ss += b.ss;
  }
  void store(char* out, const acc_t& a, int64_t n) const {
    double m2 = a.ss - a.s * a.s / static_cast<double>(n);
    if (m2 < 0) m2 = 0;  // rounding; NaN passes through
    const double divisor = std::max(0.0, static_cast<double>(n) - correction);
    double v = m2 / divisor;
    if (take_sqrt) v = std::sqrt(v);
    *reinterpret_cast<double*>(out) = v;
  }
  // A contiguous run: two sets of float64 lanes, for the deviations and their squares.
  void row(acc_t& a, const T* x, int64_t n, int64_t) const {
    constexpr int L = reduce::lane_count<double>();
    double s[L] = {}, ss[L] = {};
    const double c = a.c;
    int64_t i = 0;
    for (; i + L <= n; i += L)
      for (int k = 0; k < L; ++k) {
        const double d = to_double(x[i + k]) - c;
        s[k] += d;
        ss[k] += d * d;
      }
    for (int k = 0; k < L; ++k) {
      a.s += s[k];
      a.ss += ss[k];
    }
    for (; i < n; ++i) update(a, x[i], 0);
  }
};

// argmax/argmin over the single reduced dim: the first index of the extreme value, where NaN
// is more extreme than any number. The index tensor is the iterator's output; `values`, when
// set, is a tensor of the same (contiguous) shape that receives the value at that index.
template <typename T, bool kMax>
struct ArgReducer {
  using in_t = T;
  using V = opmath_t<T>;
  struct acc_t {
    V v;
    int64_t i;
  };
  static constexpr bool kLanes = false;
  static constexpr bool kRowHook = true;
  const char* index_base;
  char* values_base;

  static bool better(V v, V a) {
    if constexpr (kMax) return v > a || (is_nan(v) && !is_nan(a));
    else return v < a || (is_nan(v) && !is_nan(a));
  }
  acc_t init(const char*) const { return {V(0), -1}; }
  void update(acc_t& a, T x, int64_t index) const {
    const V v = reduce::opval(x);
    if (a.i < 0 || better(v, a.v)) a = {v, index};
  }
  void combine(acc_t& a, const acc_t& b) const {
    if (b.i >= 0 && (a.i < 0 || better(b.v, a.v))) a = b;
  }
  // A contiguous run: the extreme value through the vectorized max/min lanes, then the first
  // position holding it, searched a block at a time.
  void row(acc_t& a, const T* x, int64_t n, int64_t index) const {
    if (n < 256) {
      for (int64_t i = 0; i < n; ++i) update(a, x[i], index + i);
      return;
    }
    reduce::MinMaxReducer<T, kMax, false> extreme;
    V m = extreme.init(nullptr);
    reduce::reduce_row(extreme, m, reinterpret_cast<const char*>(x), n, sizeof(T), 0);
    const bool nan = is_nan(m);
    auto match = [&](T v) { return nan ? is_nan(reduce::opval(v)) : reduce::opval(v) == m; };
    constexpr int64_t kBlock = 64;
    int64_t i = 0;
    for (; i + kBlock <= n; i += kBlock) {
      int hits = 0;
      for (int64_t k = 0; k < kBlock; ++k) hits += match(x[i + k]);
      if (hits) break;
    }
    while (!match(x[i])) ++i;
    update(a, x[i], index + i);
  }
  void store(char* out, const acc_t& a, int64_t) const {
    *reinterpret_cast<int64_t*>(out) = a.i;
    if (values_base) {
      const int64_t k = (out - index_base) / static_cast<int64_t>(sizeof(int64_t));
      reinterpret_cast<T*>(values_base)[k] = convert<T>(a.v);
    }
  }
};

// Norms take float32 and float64 (the front-end converts the 16-bit floats to float32).
template <NormKind K>
void run_norm(const TensorIter& iter, double p) {
  if (iter.dtype(1) == kFloat64) return reduce::run(iter, NormReducer<double, K>{p});
  return reduce::run(iter, NormReducer<float, K>{p});
}

template <bool kMax>
void run_inf_norm(const TensorIter& iter) {
  if (iter.dtype(1) == kFloat64) return reduce::run(iter, reduce::MinMaxReducer<double, kMax, true>{});
  return reduce::run(iter, reduce::MinMaxReducer<float, kMax, true>{});
}
}  // namespace

void reduce_stats(const TensorIter& iter, ReduceOp op, const ReduceArgs& args) {
  const DType dt = iter.dtype(1);
  switch (op) {
    case ReduceOp::Norm0: return run_norm<NormKind::Zero>(iter, args.p);
    case ReduceOp::Norm1: return run_norm<NormKind::One>(iter, args.p);
    case ReduceOp::Norm2: return run_norm<NormKind::Two>(iter, args.p);
    case ReduceOp::NormP: return run_norm<NormKind::P>(iter, args.p);
    case ReduceOp::NormInf: return run_inf_norm<true>(iter);
    case ReduceOp::NormNegInf: return run_inf_norm<false>(iter);
    case ReduceOp::Var:
      return dispatch_floating(dt, "var", [&](auto tag) {
        reduce::run(iter, VarReducer<typename decltype(tag)::type>{args.correction, args.sqrt});
      });
    case ReduceOp::LogSumExp:
      return dispatch_floating(dt, "logsumexp", [&](auto tag) {
        reduce::run(iter, reduce::LogSumExpReducer<typename decltype(tag)::type>{});
      });
    default:
      EMBER_FAIL(ErrorKind::Runtime, "reduce: op ", static_cast<int>(op), " has no CPU kernel");
  }
}

void arg_reduce(const TensorIter& iter, const Tensor* values, bool is_max) {
  char* values_base = values ? static_cast<char*>(values->data_ptr()) : nullptr;
  dispatch_all(iter.dtype(1), is_max ? "argmax" : "argmin", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (is_max) reduce::run(iter, ArgReducer<T, true>{iter.data(0), values_base});
    else reduce::run(iter, ArgReducer<T, false>{iter.data(0), values_base});
  });
}

EMBER_ISA_NAMESPACE_END
