// Reduction kernels, compiled once per ISA: sum, mean, prod, max, min, all, any here; norms,
// var, logsumexp and arg reductions in reduce_stats.cpp; the loops in reduce_driver.h.
#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_driver.h"
#include "cpu/isa/reduce_ops.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

void reduce_stats(const TensorIter& iter, ReduceOp op, const ReduceArgs& args);  // reduce_stats.cpp
void arg_reduce(const TensorIter& iter, const Tensor* values, bool is_max);       // reduce_stats.cpp
void register_scan_kernels();                                                      // scan.cpp
void register_softmax_kernels();                                                   // softmax.cpp
void register_normalization_kernels();                                             // normalization.cpp

namespace {
using reduce::is_float_v;
using reduce::to_u64;
using reduce::kNoBlock;

// Sum and mean. Floats accumulate in float64; float32 (and the 16-bit floats) add blocks of 16
// values per lane in float32 registers first, which keeps the error of a 10M-element sum far
// below 1e-6 at the speed of float32 adds. Integers add in wrapping int64.
template <typename T, bool kMean>
struct SumReducer {
  static constexpr bool kFloat = is_float_v<T>;
  using in_t = T;
  using acc_t = std::conditional_t<kFloat, double, uint64_t>;
  using out_t = std::conditional_t<kFloat, T, int64_t>;
  static constexpr bool kLanes = true;
  using lane_t = std::conditional_t<kFloat, opmath_t<T>, uint64_t>;
  using wide_t = acc_t;
  static constexpr int64_t kBlock = std::is_same_v<lane_t, float> ? 16 : kNoBlock;

  static lane_t lane_value(T x) {
    if constexpr (kFloat) return reduce::opval(x);
    else return to_u64(x);
  }
  acc_t init(const char*) const { return 0; }
  void update(acc_t& a, T x, int64_t) const { a += static_cast<acc_t>(lane_value(x)); }
  void combine(acc_t& a, const acc_t& b) const { a += b; }
  void store(char* out, const acc_t& a, int64_t n) const {
    if constexpr (!kFloat) *reinterpret_cast<out_t*>(out) = static_cast<int64_t>(a);
    else if constexpr (kMean) *reinterpret_cast<out_t*>(out) = convert<T>(a / static_cast<double>(n));
    else *reinterpret_cast<out_t*>(out) = convert<T>(a);
  }
  lane_t lane_init(const acc_t&) const { return 0; }
  void lane_update(lane_t& l, T x, const acc_t&) const { l += lane_value(x); }
  wide_t wide_init(const acc_t&) const { return 0; }
  void widen(wide_t& w, const lane_t& l) const { w += static_cast<wide_t>(l); }
  void fold(acc_t& a, const wide_t& w) const { a += w; }
};

// Product: float64 for floats (float32 would overflow early), wrapping int64 for integers.
template <typename T>
struct ProdReducer {
  static constexpr bool kFloat = is_float_v<T>;
  using in_t = T;
  using acc_t = std::conditional_t<kFloat, double, uint64_t>;
  using out_t = std::conditional_t<kFloat, T, int64_t>;
  static constexpr bool kLanes = true;
  using lane_t = acc_t;
  using wide_t = acc_t;
  static constexpr int64_t kBlock = kNoBlock;

  static acc_t value(T x) {
    if constexpr (kFloat) return static_cast<double>(reduce::opval(x));
    else return to_u64(x);
  }
  acc_t init(const char*) const { return 1; }
  void update(acc_t& a, T x, int64_t) const { a *= value(x); }
  void combine(acc_t& a, const acc_t& b) const { a *= b; }
  void store(char* out, const acc_t& a, int64_t) const {
    if constexpr (kFloat) *reinterpret_cast<out_t*>(out) = convert<T>(a);
    else *reinterpret_cast<out_t*>(out) = static_cast<int64_t>(a);
  }
  lane_t lane_init(const acc_t&) const { return 1; }
  void lane_update(lane_t& l, T x, const acc_t&) const { l *= value(x); }
  wide_t wide_init(const acc_t&) const { return 1; }
  void widen(wide_t& w, const lane_t& l) const { w *= l; }
  void fold(acc_t& a, const wide_t& w) const { a *= w; }
};

// all / any: bool results; a value counts as true when it is non-zero (NaN is true). Truth
// depends only on the bits: an integer is non-zero when any bit is set, a float when any bit
// but the sign is, so every dtype runs as an unsigned integer of its width under a mask. The
// lanes count the values that decide the answer (zeros for all, non-zeros for any), in
// integers as wide as the input so that the loop vectorizes; blocks end before a lane overflows.
template <typename U, bool kAll>
struct AllAnyReducer {
  using in_t = U;
  using acc_t = bool;
  static constexpr bool kLanes = true;
  using lane_t = U;
  using wide_t = bool;
  static constexpr int64_t kBlock = sizeof(U) >= 8 ? kNoBlock : static_cast<int64_t>(std::numeric_limits<U>::max());
  U mask;

  bool decides(U x) const { return kAll ? (x & mask) == 0 : (x & mask) != 0; }
  acc_t init(const char*) const { return kAll; }
  void update(acc_t& a, U x, int64_t) const { a = kAll ? (a && !decides(x)) : (a || decides(x)); }
  void combine(acc_t& a, const acc_t& b) const { a = kAll ? (a && b) : (a || b); }
  void store(char* out, const acc_t& a, int64_t) const { *reinterpret_cast<bool*>(out) = a; }
  lane_t lane_init(const acc_t&) const { return 0; }
  void lane_update(lane_t& l, U x, const acc_t&) const { l += decides(x); }
  wide_t wide_init(const acc_t&) const { return false; }
  void widen(wide_t& w, const lane_t& l) const { w = w || l != 0; }
  void fold(acc_t& a, const wide_t& w) const {
    if (w) a = !kAll;
  }
};

template <bool kAll>
void run_all_any(const TensorIter& iter) {
  const DType dt = iter.dtype(1);
  const bool fl = is_floating(dt);
  switch (dtype_size(dt)) {
    case 1: return reduce::run(iter, AllAnyReducer<uint8_t, kAll>{0xffu});
    case 2: return reduce::run(iter, AllAnyReducer<uint16_t, kAll>{static_cast<uint16_t>(fl ? 0x7fffu : 0xffffu)});
    case 4: return reduce::run(iter, AllAnyReducer<uint32_t, kAll>{fl ? 0x7fffffffu : 0xffffffffu});
    default:
      return reduce::run(iter, AllAnyReducer<uint64_t, kAll>{fl ? 0x7fffffffffffffffull : ~0ull});
  }
}

void cpu_reduce(const TensorIter& iter, ReduceOp op, const ReduceArgs& args) {
  const DType dt = iter.dtype(1);
  switch (op) {
    case ReduceOp::Sum:
      return dispatch_all(dt, "sum", [&](auto tag) {
        reduce::run(iter, SumReducer<typename decltype(tag)::type, false>{});
      });
    case ReduceOp::Mean:
      return dispatch_floating(dt, "mean", [&](auto tag) {
        reduce::run(iter, SumReducer<typename decltype(tag)::type, true>{});
      });
    case ReduceOp::Prod:  // the front-end widens bool and small integers to int64
      if (dt == kInt64) return reduce::run(iter, ProdReducer<int64_t>{});
      return dispatch_floating(dt, "prod", [&](auto tag) {
        reduce::run(iter, ProdReducer<typename decltype(tag)::type>{});
      });
    case ReduceOp::Max:
      return dispatch_all(dt, "max", [&](auto tag) {
        reduce::run(iter, reduce::MinMaxReducer<typename decltype(tag)::type, true, false>{});
      });
    case ReduceOp::Min:
      return dispatch_all(dt, "min", [&](auto tag) {
        reduce::run(iter, reduce::MinMaxReducer<typename decltype(tag)::type, false, false>{});
      });
    case ReduceOp::All: return run_all_any<true>(iter);
    case ReduceOp::Any: return run_all_any<false>(iter);
    default:
      return reduce_stats(iter, op, args);
  }
}
}  // namespace

void register_reduce_kernels() {
  reduce_kernel.set(DeviceType::CPU, cpu_reduce);
  arg_reduce_kernel.set(DeviceType::CPU, arg_reduce);
  register_scan_kernels();
  register_softmax_kernels();
  register_normalization_kernels();
}

EMBER_ISA_NAMESPACE_END
