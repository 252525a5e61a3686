// CUDA reductions with more arithmetic: the vector norms, var/std, logsumexp, and
// argmax/argmin (with their values, for max(dim)/min(dim)); as on the CPU
// (csrc/cpu/isa/reduce_stats.cpp), in float64, NaN winning, ties giving the first index.
// Apart from reduce.cu so that the two compile in parallel.
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
using red::elem_size;
using red::fval;

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

template <typename F>
void dispatch_norm_input(DType dt, const char* op, const F& f) {
  if (dt == kFloat64) return f(TypeTag<double>{});
  EMBER_CHECK_TYPE(dt == kFloat32, op, ": the CUDA kernel expects float32 or float64, got ", dtype_name(dt));
  f(TypeTag<float>{});
}

}  // namespace

void reduce_stats_cuda(const TensorIter& iter, ReduceOp op, const ReduceArgs& args) {
  const DType dt = iter.dtype(1);
  switch (op) {
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
    default:
      break;
  }
  EMBER_FAIL(ErrorKind::Runtime, "reduce: op ", static_cast<int>(op), " has no CUDA kernel");
}

void arg_reduce_cuda(const TensorIter& iter, const Tensor* values, bool is_max) {
  const DType dt = iter.dtype(1);
  char* values_base = values ? static_cast<char*>(values->data_ptr()) : nullptr;
  const char* name = is_max ? "argmax" : "argmin";
  red::dispatch_value(dt, [&](auto tag) {
    red::launch(iter, ArgR<typename decltype(tag)::type>{dt, is_max, iter.data(0), values_base,
                                                    static_cast<int64_t>(dtype_size(dt))}, name);
  });
}

}  // namespace ember::cuda
