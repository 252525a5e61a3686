// CUDA reductions: sum, mean, prod, max, min, all, any, the vector norms, var/std, logsumexp,
// and argmax/argmin (with their values). The launch structure is in reduce_driver.cuh; here
// are the reducers, which follow the CPU's (csrc/cpu/isa/reduce.cpp, reduce_stats.cpp):
// floats accumulate in float64, integers in wrapping int64, NaN wins max/min, ties of an
// arg reduction give the first index. Integer and bool inputs share one kernel per op that
// reads the dtype at run time (the branch is uniform), which keeps the instance count low.
#include <cmath>
#include <limits>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "reduce/common.cuh"
#include "reduce/reduce_driver.cuh"
#include "reduce/register.h"

namespace ember::cuda {
namespace {
using red::AnyInt;

// The value of element x as the accumulator type: float64 for floats, int64 for integers.
template <typename T>
__device__ __forceinline__ double fval(const char* x) {
  return static_cast<double>(red::opval(red::load<T>(x)));
}

template <typename T>
constexpr int elem_size() {
  if constexpr (std::is_same_v<T, AnyInt>) return 0;
  else return sizeof(T);
}

// Sum and mean (mean: divide by the count). Integers add in wrapping int64.
template <typename T>
struct SumR {
  static constexpr bool kFloat = !std::is_same_v<T, AnyInt>;
  static constexpr int kElem = elem_size<T>();
  using acc_t = std::conditional_t<kFloat, double, uint64_t>;
  DType dt;
  bool mean;
  __device__ acc_t init(const char*) const { return 0; }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    if constexpr (kFloat) a += fval<T>(x);
    else a += static_cast<uint64_t>(red::load_int(x, dt));
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a += b; }
  __device__ void store(char* out, const acc_t& a, int64_t n) const {
    if constexpr (kFloat) *reinterpret_cast<T*>(out) = static_cast<T>(mean ? a / static_cast<double>(n) : a);
    else *reinterpret_cast<int64_t*>(out) = static_cast<int64_t>(a);
  }
};

// Product: float64 for floats, wrapping int64 for integers (the front-end widens to int64).
template <typename T>
struct ProdR {
  static constexpr bool kFloat = !std::is_same_v<T, AnyInt>;
  static constexpr int kElem = elem_size<T>();
  using acc_t = std::conditional_t<kFloat, double, uint64_t>;
  DType dt;
  __device__ acc_t init(const char*) const { return 1; }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    if constexpr (kFloat) a *= fval<T>(x);
    else a *= static_cast<uint64_t>(red::load_int(x, dt));
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a *= b; }
  __device__ void store(char* out, const acc_t& a, int64_t) const {
    if constexpr (kFloat) *reinterpret_cast<T*>(out) = static_cast<T>(a);
    else *reinterpret_cast<int64_t*>(out) = static_cast<int64_t>(a);
  }
};

// Max and min, NaN winning over every number. The result has the input's dtype.
template <typename T>
struct MinMaxR {
  static constexpr bool kFloat = !std::is_same_v<T, AnyInt>;
  static constexpr int kElem = elem_size<T>();
  using V = std::conditional_t<kFloat, opmath_t<std::conditional_t<kFloat, T, float>>, int64_t>;
  using acc_t = V;
  DType dt;
  bool is_max;
  __device__ V pick(V v, V a) const { return ((is_max ? v > a : v < a) || red::is_nan(v)) ? v : a; }
  __device__ acc_t init(const char*) const {
    if constexpr (kFloat) return is_max ? -INFINITY : INFINITY;
    else return is_max ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    if constexpr (kFloat) a = pick(red::opval(red::load<T>(x)), a);
    else a = pick(red::load_int(x, dt), a);
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a = pick(b, a); }
  __device__ void store(char* out, const acc_t& a, int64_t) const {
    if constexpr (kFloat) *reinterpret_cast<T*>(out) = static_cast<T>(a);
    else red::store_int(out, dt, a);
  }
};

// all / any over the bits: a value is true when any bit but a float's sign bit is set (NaN
// is true), so every dtype reads as an unsigned integer of its width under a mask.
struct AllAnyR {
  using acc_t = int;
  static constexpr int kElem = 0;
  int width;
  uint64_t mask;
  bool all;
  __device__ acc_t init(const char*) const { return all ? 1 : 0; }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    uint64_t v;
    switch (width) {
      case 1: v = *reinterpret_cast<const uint8_t*>(x); break;
      case 2: v = *reinterpret_cast<const uint16_t*>(x); break;
      case 4: v = *reinterpret_cast<const uint32_t*>(x); break;
      default: v = *reinterpret_cast<const uint64_t*>(x); break;
    }
    const int t = (v & mask) != 0;
    a = all ? (a & t) : (a | t);
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a = all ? (a & b) : (a | b); }
  __device__ void store(char* out, const acc_t& a, int64_t) const { *reinterpret_cast<bool*>(out) = a != 0; }
};

// The vector norms of float32/float64 inputs, in float64: additive ones (count of non-zeros,
// sum |x|, sqrt(sum x^2), (sum |x|^p)^(1/p)) and the max/min of |x| (NaN wins).
enum class NormKind : int { Zero, One, Two, P, Inf, NegInf };
template <typename T>
struct NormR {
  using acc_t = double;
  static constexpr int kElem = sizeof(T);
  NormKind kind;
  double p;
  __device__ double pick(double v, double a) const {
    return ((kind == NormKind::Inf ? v > a : v < a) || v != v) ? v : a;
  }
  __device__ acc_t init(const char*) const { return kind == NormKind::NegInf ? INFINITY : 0.0; }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    const double v = fval<T>(x);
    switch (kind) {
      case NormKind::Zero: a += v != 0.0 ? 1.0 : 0.0; break;
      case NormKind::One: a += fabs(v); break;
      case NormKind::Two: a += v * v; break;
      case NormKind::P: a += pow(fabs(v), p); break;
      default: a = pick(fabs(v), a); break;
    }
  }
  __device__ void combine(acc_t& a, const acc_t& b) const {
    if (kind == NormKind::Inf || kind == NormKind::NegInf) a = pick(b, a);
    else a += b;
  }
  __device__ void store(char* out, const acc_t& a, int64_t) const {
    double r = a;
    if (kind == NormKind::Two) r = sqrt(a);
    else if (kind == NormKind::P) r = pow(a, 1.0 / p);
    *reinterpret_cast<T*>(out) = static_cast<T>(r);
  }
};

// Variance around the shift c (the mean) that the float64 output holds on entry:
// m2 = sum d^2 - (sum d)^2 / n with d = x - c.
struct VarAcc {
  double c, s, ss;
};
template <typename T>
struct VarR {
  using acc_t = VarAcc;
  static constexpr int kElem = sizeof(T);
  double correction;
  bool take_sqrt;
  __device__ acc_t init(const char* out) const { return {*reinterpret_cast<const double*>(out), 0.0, 0.0}; }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    const double d = fval<T>(x) - a.c;
    a.s += d;
    a.ss += d * d;
  }
  __device__ void combine(acc_t& a, const acc_t& b) const {
    a.s += b.s;
    a.ss += b.ss;
  }
  __device__ void store(char* out, const acc_t& a, int64_t n) const {
    double m2 = a.ss - a.s * a.s / static_cast<double>(n);
    if (m2 < 0) m2 = 0;  // rounding; NaN passes through
    const double divisor = fmax(0.0, static_cast<double>(n) - correction);
    double v = m2 / divisor;
    if (take_sqrt) v = sqrt(v);
    *reinterpret_cast<double*>(out) = v;
  }
};

// log(sum exp(x - m)) + m around the max m the float64 output holds on entry (an infinite max
// shifts by 0: -inf for an all -inf input, inf when an element is inf). The exponentials run
// in the arithmetic type, the sum in float64, as on the CPU.
template <typename T>
struct LseR {
  static constexpr int kElem = sizeof(T);
  using V = opmath_t<T>;
  struct acc_t {
    V shift;
    double s;
  };
  __device__ acc_t init(const char* out) const {
    const double m = *reinterpret_cast<const double*>(out);
    return {static_cast<V>(isinf(m) ? 0.0 : m), 0.0};
  }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    a.s += static_cast<double>(red::dexp(static_cast<V>(red::opval(red::load<T>(x)) - a.shift)));
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a.s += b.s; }
  __device__ void store(char* out, const acc_t& a, int64_t) const {
    *reinterpret_cast<double*>(out) = log(a.s) + static_cast<double>(a.shift);
  }
};

// argmax/argmin: the first index of the extreme value, NaN more extreme than any number. The
// combine is symmetric (equal values keep the smaller index), so any combining order gives the
// CPU's answer.
template <typename T>
struct ArgR {
  static constexpr bool kFloat = !std::is_same_v<T, AnyInt>;
  static constexpr int kElem = elem_size<T>();
  using V = std::conditional_t<kFloat, opmath_t<std::conditional_t<kFloat, T, float>>, int64_t>;
  struct acc_t {
    V v;
    int64_t i;
  };
  DType dt;
  bool is_max;
  const char* index_base;
  char* values_base;
  int64_t value_size;  // bytes per element of values
  __device__ bool better(V v, V a) const {
    return (is_max ? v > a : v < a) || (red::is_nan(v) && !red::is_nan(a));
  }
  __device__ acc_t init(const char*) const { return {V(0), -1}; }
  __device__ void update(acc_t& a, const char* x, int64_t index) const {
    V v;
    if constexpr (kFloat) v = red::opval(red::load<T>(x));
    else v = red::load_int(x, dt);
    if (a.i < 0 || better(v, a.v)) a = {v, index};
  }
  __device__ void combine(acc_t& a, const acc_t& b) const {
    if (b.i < 0) return;
    if (a.i < 0 || better(b.v, a.v) || (!better(a.v, b.v) && b.i < a.i)) a = b;
  }
  __device__ void store(char* out, const acc_t& a, int64_t) const {
    *reinterpret_cast<int64_t*>(out) = a.i;
    if (values_base) {
      const int64_t k = (out - index_base) / static_cast<int64_t>(sizeof(int64_t));
      char* vp = values_base + k * value_size;
      if constexpr (kFloat) *reinterpret_cast<T*>(vp) = static_cast<T>(a.v);
      else red::store_int(vp, dt, a.v);
    }
  }
};

// Calls f with a tag of the float type of dt, or of AnyInt for bool and integer dtypes.
template <typename F>
void dispatch_value(DType dt, const char* op, const F& f) {
  switch (dt) {
    case kFloat32: return f(TypeTag<float>{});
    case kFloat64: return f(TypeTag<double>{});
    case kFloat16: return f(TypeTag<Half>{});
    case kBFloat16: return f(TypeTag<BFloat16>{});
    default: return f(TypeTag<AnyInt>{});
  }
}

template <typename F>
void dispatch_norm_input(DType dt, const char* op, const F& f) {
  if (dt == kFloat64) return f(TypeTag<double>{});
  EMBER_CHECK_TYPE(dt == kFloat32, op, ": the CUDA kernel expects float32 or float64, got ", dtype_name(dt));
  f(TypeTag<float>{});
}

void cuda_reduce(const TensorIter& iter, ReduceOp op, const ReduceArgs& args) {
  const DType dt = iter.dtype(1);
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: {
      const bool mean = op == ReduceOp::Mean;
      const char* name = mean ? "mean" : "sum";
      if (mean) EMBER_CHECK_TYPE(is_floating(dt), "mean: not implemented for dtype ", dtype_name(dt));
      return dispatch_value(dt, name, [&](auto tag) {
        red::launch(iter, SumR<typename decltype(tag)::type>{dt, mean}, name);
      });
    }
    case ReduceOp::Prod:
      return dispatch_value(dt, "prod", [&](auto tag) {
        red::launch(iter, ProdR<typename decltype(tag)::type>{dt}, "prod");
      });
    case ReduceOp::Max:
    case ReduceOp::Min: {
      const bool is_max = op == ReduceOp::Max;
      const char* name = is_max ? "max" : "min";
      return dispatch_value(dt, name, [&](auto tag) {
        red::launch(iter, MinMaxR<typename decltype(tag)::type>{dt, is_max}, name);
      });
    }
    case ReduceOp::All:
    case ReduceOp::Any: {
      const bool fl = is_floating(dt);
      const int width = static_cast<int>(dtype_size(dt));
      const uint64_t mask = width >= 8 ? (fl ? 0x7fffffffffffffffull : ~0ull)
                                       : ((1ull << (8 * width)) - 1) >> (fl ? 1 : 0);
      return red::launch(iter, AllAnyR{width, mask, op == ReduceOp::All}, op == ReduceOp::All ? "all" : "any");
    }
    case ReduceOp::Norm0:
    case ReduceOp::Norm1:
    case ReduceOp::Norm2:
    case ReduceOp::NormP:
    case ReduceOp::NormInf:
    case ReduceOp::NormNegInf: {
      const NormKind kind = static_cast<NormKind>(static_cast<int>(op) - static_cast<int>(ReduceOp::Norm0));
      return dispatch_norm_input(dt, "linalg.vector_norm", [&](auto tag) {
        red::launch(iter, NormR<typename decltype(tag)::type>{kind, args.p}, "linalg.vector_norm");
      });
    }
    case ReduceOp::Var:
      return dispatch_floating(dt, "var", [&](auto tag) {
        red::launch(iter, VarR<typename decltype(tag)::type>{args.correction, args.sqrt}, "var");
      });
    case ReduceOp::LogSumExp:
      return dispatch_floating(dt, "logsumexp", [&](auto tag) {
        red::launch(iter, LseR<typename decltype(tag)::type>{}, "logsumexp");
      });
  }
  EMBER_FAIL(ErrorKind::Runtime, "reduce: op ", static_cast<int>(op), " has no CUDA kernel");
}

void cuda_arg_reduce(const TensorIter& iter, const Tensor* values, bool is_max) {
  const DType dt = iter.dtype(1);
  char* values_base = values ? static_cast<char*>(values->data_ptr()) : nullptr;
  const char* name = is_max ? "argmax" : "argmin";
  dispatch_value(dt, name, [&](auto tag) {
    red::launch(iter, ArgR<typename decltype(tag)::type>{dt, is_max, iter.data(0), values_base,
                                                    static_cast<int64_t>(dtype_size(dt))}, name);
  });
}
}  // namespace

void register_reduce_kernels() {
  reduce_kernel.set(DeviceType::CUDA, cuda_reduce);
  arg_reduce_kernel.set(DeviceType::CUDA, cuda_arg_reduce);
  register_scan_kernels_cuda();
  register_softmax_kernels_cuda();
}

}  // namespace ember::cuda
