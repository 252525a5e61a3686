#pragma once
// The math of every elementwise op, written once as scalar functors on the compute type M
// (opmath_t: float for the 16-bit floats). Semantics follow PyTorch: integer arithmetic wraps
// around, integer division by zero is reported (never a trap), maximum/minimum propagate NaN,
// remainder takes the divisor's sign and fmod the dividend's, round is half to even.
//
// The CUDA kernels (cuda/elementwise/) run these same functors: every operator() is
// EMBER_HOST_DEVICE, and a .cu file includes this header with EMBER_ISA set to its own
// namespace. Under nvcc (__CUDACC__) the float32 functions call the device libm instead of
// vec_math.h (vectorizable CPU code), Sin/Cos have no libm fallback (the device sinf/cosf
// reduce every argument exactly) and ZeroFlag raises nothing (see there).
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cpu/isa/isa.h"
#include "cpu/isa/special_math.h"
#include "ember/api.h"
#if !defined(__CUDACC__)
#include <atomic>

#include "cpu/isa/vec_math.h"
#endif

EMBER_ISA_NAMESPACE_BEGIN
namespace ew {

template <typename T> constexpr bool kSignedInt = std::is_integral_v<T> && std::is_signed_v<T>;
template <typename T> constexpr bool kFloat = std::is_floating_point_v<T>;
// Unsigned arithmetic of at least int's width: wraps instead of overflowing (which is undefined
// for signed types, and for uint16 promoted to int).
template <typename T> using Wide = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;

template <typename T> EMBER_HOST_DEVICE T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) return static_cast<T>(Wide<T>(a) + Wide<T>(b));
  else return a + b;
}
template <typename T> EMBER_HOST_DEVICE T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(Wide<T>(a) - Wide<T>(b));
  else return a - b;
}
template <typename T> EMBER_HOST_DEVICE T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) return static_cast<T>(Wide<T>(a) * Wide<T>(b));
  else return a * b;
}
template <typename T> EMBER_HOST_DEVICE T wrap_neg(T a) {
  if constexpr (std::is_integral_v<T>) return wrap_sub(T(0), a);
  else return -a;  // IEEE negation: -(0.0) is -0.0, where 0 - 0.0 would give +0.0
}

// ---- arithmetic ----
template <typename T> struct Add { EMBER_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(wrap_add(a, b)); } };
template <> struct Add<bool> { EMBER_HOST_DEVICE bool operator()(bool a, bool b) const { return a || b; } };
template <typename T> struct AddAlpha {  // a + alpha * b (sub passes -alpha)
  T alpha;
  EMBER_HOST_DEVICE T operator()(T a, T b) const { return wrap_add(a, wrap_mul(alpha, b)); }
};
template <> struct AddAlpha<bool> {
  bool alpha;
  EMBER_HOST_DEVICE bool operator()(bool a, bool b) const { return a || (alpha && b); }
};
template <typename T> struct Sub { EMBER_HOST_DEVICE T operator()(T a, T b) const { return wrap_sub(a, b); } };
template <typename T> struct Mul { EMBER_HOST_DEVICE T operator()(T a, T b) const { return static_cast<T>(wrap_mul(a, b)); } };
template <> struct Mul<bool> { EMBER_HOST_DEVICE bool operator()(bool a, bool b) const { return a && b; } };
template <typename T> struct Div { EMBER_HOST_DEVICE T operator()(T a, T b) const { return a / b; } };

// Integer division reports b == 0 through a flag that the kernel turns into an error.
#if !defined(__CUDACC__)
struct ZeroFlag {
  std::atomic<bool>* hit;
  void raise() const { hit->store(true, std::memory_order_relaxed); }
};
#else
// CUDA: as in PyTorch's CUDA kernels, integer division by zero raises no error (an error would
// need a device flag read back after every launch, a stream synchronization): the element gets
// what the functor returns, 0, and the GPU never traps.
struct ZeroFlag {
  EMBER_HOST_DEVICE void raise() const {}
};
#endif

template <typename T> struct DivTrunc {
  ZeroFlag zero;
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      return std::trunc(a / b);
    } else {
      if (b == 0) { zero.raise(); return 0; }
      if constexpr (kSignedInt<T>) if (b == -1) return wrap_neg(a);  // INT_MIN / -1 traps on x86
      return static_cast<T>(a / b);
    }
  }
};

template <typename T> struct DivFloor {
  ZeroFlag zero;
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      // Python's float floor division: exact through fmod, and -1 // inf == -1.
      if (b == 0) return a / b;
      const T mod = std::fmod(a, b);
      T div = (a - mod) / b;
      if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
      if (div == 0) return std::copysign(T(0), a / b);
      T floordiv = std::floor(div);
      if (div - floordiv > T(0.5)) floordiv += 1;
      return floordiv;
    } else {
      if (b == 0) { zero.raise(); return 0; }
      if constexpr (kSignedInt<T>) {
        if (b == -1) return wrap_neg(a);
        const T q = static_cast<T>(a / b);
        return (a % b != 0 && ((a < 0) != (b < 0))) ? static_cast<T>(q - 1) : q;
      } else {
        return static_cast<T>(a / b);
      }
    }
  }
};

template <typename T> struct Remainder {
  ZeroFlag zero;
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      T m = std::fmod(a, b);
      if (m != 0 && ((b < 0) != (m < 0))) m += b;
      return m;
    } else {
      if (b == 0) { zero.raise(); return 0; }
      if constexpr (kSignedInt<T>) {
        if (b == -1) return 0;
        const T m = static_cast<T>(a % b);
        return (m != 0 && ((m < 0) != (b < 0))) ? static_cast<T>(m + b) : m;
      } else {
        return static_cast<T>(a % b);
      }
    }
  }
};

template <typename T> struct Fmod {
  ZeroFlag zero;
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      return std::fmod(a, b);
    } else {
      if (b == 0) { zero.raise(); return 0; }
      if constexpr (kSignedInt<T>) if (b == -1) return 0;
      return static_cast<T>(a % b);
    }
  }
};

template <typename T> struct Pow {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (kFloat<T>) {
      return std::pow(a, b);
    } else {
      // A negative exponent (from a tensor; the front-end refuses negative scalars) truncates
      // 1 / a^|b| toward zero, as PyTorch does.
      if constexpr (kSignedInt<T>) {
        if (b < 0) return a == 1 ? T(1) : a == -1 ? ((b & 1) ? T(-1) : T(1)) : T(0);
      }
      Wide<T> result = 1, base = static_cast<Wide<T>>(a);
      for (Wide<T> e = static_cast<Wide<T>>(b); e != 0; e >>= 1) {
        if (e & 1) result *= base;
        base *= base;
      }
      return static_cast<T>(result);
    }
  }
};
template <typename T> struct Square { EMBER_HOST_DEVICE T operator()(T a) const { return static_cast<T>(wrap_mul(a, a)); } };
template <typename T> struct SquareBinary { EMBER_HOST_DEVICE T operator()(T a, T) const { return a * a; } };

// NaN wins; otherwise the larger (maximum) or smaller (minimum).
template <typename T> struct Maximum {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (kFloat<T>) return a != a ? a : (b != b ? b : (a < b ? b : a));
    else return a < b ? b : a;
  }
};
template <typename T> struct Minimum {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (kFloat<T>) return a != a ? a : (b != b ? b : (b < a ? b : a));
    else return b < a ? b : a;
  }
};
template <typename T> struct Atan2 { EMBER_HOST_DEVICE T operator()(T a, T b) const { return std::atan2(a, b); } };

// ---- comparisons and logic (bool results) ----
template <typename T> struct Eq { EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a == b; } };
template <typename T> struct Ne { EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a != b; } };
template <typename T> struct Lt { EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a < b; } };
template <typename T> struct Le { EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a <= b; } };
struct LogicalAnd { EMBER_HOST_DEVICE bool operator()(bool a, bool b) const { return a && b; } };
struct LogicalOr { EMBER_HOST_DEVICE bool operator()(bool a, bool b) const { return a || b; } };
struct LogicalXor { EMBER_HOST_DEVICE bool operator()(bool a, bool b) const { return a != b; } };

// ---- bits (unsigned types of the operands' width) and shifts ----
template <typename U> struct BitAnd { EMBER_HOST_DEVICE U operator()(U a, U b) const { return a & b; } };
template <typename U> struct BitOr { EMBER_HOST_DEVICE U operator()(U a, U b) const { return a | b; } };
template <typename U> struct BitXor { EMBER_HOST_DEVICE U operator()(U a, U b) const { return a ^ b; } };
// Shifts by a negative amount or by the width or more give 0 (left) or the sign fill (right).
template <typename T> struct Shl {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    constexpr T bits = sizeof(T) * 8;
    bool out_of_range = b >= bits;
    if constexpr (kSignedInt<T>) out_of_range = out_of_range || b < 0;
    return out_of_range ? T(0) : static_cast<T>(Wide<T>(a) << b);
  }
};
template <typename T> struct Shr {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    constexpr T bits = sizeof(T) * 8;
    if constexpr (kSignedInt<T>) return static_cast<T>(a >> ((b < 0 || b >= bits) ? bits - 1 : b));
    else return b >= bits ? T(0) : static_cast<T>(a >> b);
  }
};

// ---- unary ----
template <typename T> struct Neg { EMBER_HOST_DEVICE T operator()(T a) const { return wrap_neg(a); } };
template <typename T> struct Abs {
  EMBER_HOST_DEVICE T operator()(T a) const {
    if constexpr (kFloat<T>) return std::fabs(a);
    else if constexpr (kSignedInt<T>) return a < 0 ? wrap_neg(a) : a;
    else return a;
  }
};
template <typename T> struct Sign {  // 0 for 0 and NaN, like PyTorch
  EMBER_HOST_DEVICE T operator()(T a) const {
    if constexpr (std::is_same_v<T, bool>) return a;
    else if constexpr (std::is_unsigned_v<T>) return static_cast<T>(a != 0);
    else return static_cast<T>((T(0) < a) - (a < T(0)));
  }
};
template <typename T> struct Relu {  // NaN stays NaN
  EMBER_HOST_DEVICE T operator()(T a) const { if constexpr (std::is_unsigned_v<T>) return a; else return a < T(0) ? T(0) : a; }
};
template <typename T> struct Reciprocal { EMBER_HOST_DEVICE T operator()(T a) const { return T(1) / a; } };
template <typename T> struct Sqrt { EMBER_HOST_DEVICE T operator()(T a) const { return std::sqrt(a); } };
template <typename T> struct Rsqrt { EMBER_HOST_DEVICE T operator()(T a) const { return T(1) / std::sqrt(a); } };
// Rounding: the identity on integers.
template <typename T> struct Floor { EMBER_HOST_DEVICE T operator()(T a) const { if constexpr (kFloat<T>) return std::floor(a); else return a; } };
template <typename T> struct Ceil { EMBER_HOST_DEVICE T operator()(T a) const { if constexpr (kFloat<T>) return std::ceil(a); else return a; } };
template <typename T> struct Trunc { EMBER_HOST_DEVICE T operator()(T a) const { if constexpr (kFloat<T>) return std::trunc(a); else return a; } };
template <typename T> struct Round {  // half to even: the default rounding mode
  EMBER_HOST_DEVICE T operator()(T a) const { if constexpr (kFloat<T>) return std::nearbyint(a); else return a; }
};

// float goes through vec_math (vectorizable); double through libm. Under nvcc both go through
// the device libm.
#if !defined(__CUDACC__)
#define EMBER_FLOAT_FN(Name, vec_fn, std_fn)                                     \
  template <typename T> struct Name {                                            \
    T operator()(T a) const {                                                    \
      if constexpr (std::is_same_v<T, float>) return vec_fn(a);                  \
      else return std_fn(a);                                                     \
    }                                                                            \
  };
#else
#define EMBER_FLOAT_FN(Name, vec_fn, std_fn) \
  template <typename T> struct Name { EMBER_HOST_DEVICE T operator()(T a) const { return std_fn(a); } };
#endif
template <typename T> EMBER_HOST_DEVICE T sigmoid_libm(T x) {
  const T e = std::exp(-std::fabs(x)), s = T(1) / (T(1) + e);
  return x >= T(0) ? s : e * s;
}
EMBER_FLOAT_FN(Exp, vec::exp, std::exp)
EMBER_FLOAT_FN(Log, vec::log, std::log)
EMBER_FLOAT_FN(Tanh, vec::tanh, std::tanh)
EMBER_FLOAT_FN(Sigmoid, vec::sigmoid, sigmoid_libm)
EMBER_FLOAT_FN(Erf, vec::erf, std::erf)
EMBER_FLOAT_FN(Exp2, std::exp2, std::exp2)
EMBER_FLOAT_FN(Expm1, std::expm1, std::expm1)
EMBER_FLOAT_FN(Log2, std::log2, std::log2)
EMBER_FLOAT_FN(Log10, std::log10, std::log10)
EMBER_FLOAT_FN(Log1p, std::log1p, std::log1p)
EMBER_FLOAT_FN(Tan, std::tan, std::tan)
#undef EMBER_FLOAT_FN

// sin/cos of float: vec_math, with libm in double for the arguments it cannot reduce exactly.
#if !defined(__CUDACC__)
template <typename T> struct Sin {
  T operator()(T a) const { if constexpr (std::is_same_v<T, float>) return vec::sin(a); else return std::sin(a); }
  static bool needs_slow(T a) { if constexpr (std::is_same_v<T, float>) return vec::trig_needs_libm(a); else return false; }
  static T slow(T a) { return static_cast<T>(std::sin(static_cast<double>(a))); }
};
template <typename T> struct Cos {
  T operator()(T a) const { if constexpr (std::is_same_v<T, float>) return vec::cos(a); else return std::cos(a); }
  static bool needs_slow(T a) { if constexpr (std::is_same_v<T, float>) return vec::trig_needs_libm(a); else return false; }
  static T slow(T a) { return static_cast<T>(std::cos(static_cast<double>(a))); }
};
#else
template <typename T> struct Sin { EMBER_HOST_DEVICE T operator()(T a) const { return std::sin(a); } };
template <typename T> struct Cos { EMBER_HOST_DEVICE T operator()(T a) const { return std::cos(a); } };
#endif

// ---- special functions: libm on the compute type; erfinv and digamma in double ----
#define EMBER_LIBM_FN(Name, std_fn) \
  template <typename T> struct Name { EMBER_HOST_DEVICE T operator()(T a) const { return std_fn(a); } };
EMBER_LIBM_FN(Sinh, std::sinh)
EMBER_LIBM_FN(Cosh, std::cosh)
EMBER_LIBM_FN(Asin, std::asin)
EMBER_LIBM_FN(Acos, std::acos)
EMBER_LIBM_FN(Atan, std::atan)
EMBER_LIBM_FN(Asinh, std::asinh)
EMBER_LIBM_FN(Acosh, std::acosh)
EMBER_LIBM_FN(Atanh, std::atanh)
EMBER_LIBM_FN(Erfc, std::erfc)
EMBER_LIBM_FN(Lgamma, std::lgamma)
#undef EMBER_LIBM_FN
template <typename T> struct Erfinv { EMBER_HOST_DEVICE T operator()(T a) const { return static_cast<T>(special::erfinv(a)); } };
template <typename T> struct Digamma { EMBER_HOST_DEVICE T operator()(T a) const { return static_cast<T>(special::digamma(a)); } };
template <typename T> struct Frac { EMBER_HOST_DEVICE T operator()(T a) const { return a - std::trunc(a); } };
// Multiplication by the constant rounded to T, as PyTorch does.
template <typename T> struct Deg2rad { EMBER_HOST_DEVICE T operator()(T a) const { return a * static_cast<T>(special::kPi / 180.0); } };
template <typename T> struct Rad2deg { EMBER_HOST_DEVICE T operator()(T a) const { return a * static_cast<T>(180.0 / special::kPi); } };
template <typename T> struct Signbit {
  EMBER_HOST_DEVICE bool operator()(T a) const {
    // copysign rather than std::signbit: GCC 12 fails to compile the vectorized signbit of float.
    if constexpr (kFloat<T>) return std::copysign(T(1), a) < T(0);
    else if constexpr (kSignedInt<T>) return a < 0;
    else return false;
  }
};

// Binary floating functions. logaddexp: log(e^a + e^b) without overflow; equal infinities
// give themselves (inf - inf would be NaN).
template <typename T> struct Hypot { EMBER_HOST_DEVICE T operator()(T a, T b) const { return std::hypot(a, b); } };
template <typename T> struct Copysign { EMBER_HOST_DEVICE T operator()(T a, T b) const { return std::copysign(a, b); } };
template <typename T> struct Logaddexp {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if (std::isinf(a) && a == b) return a;
    if (a != a || b != b) return a + b;
    const T m = a < b ? b : a;
    return m + std::log1p(std::exp(-std::fabs(a - b)));
  }
};
template <typename T> struct Logaddexp2 {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if (std::isinf(a) && a == b) return a;
    if (a != a || b != b) return a + b;
    const T m = a < b ? b : a;
    return m + std::log1p(std::exp2(-std::fabs(a - b))) * static_cast<T>(1.0 / 0.69314718055994530942);
  }
};
// x * log(y), with 0 * log(y) = 0 for every y but NaN.
template <typename T> struct Xlogy {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if (b != b) return b;
    if (a == T(0)) return T(0);
    return a * std::log(b);
  }
};

// predicates
template <typename T> struct LogicalNot { EMBER_HOST_DEVICE bool operator()(T a) const { return a == T(0); } };
template <typename T> struct IsNan { EMBER_HOST_DEVICE bool operator()(T a) const { if constexpr (kFloat<T>) return a != a; else return false; } };
template <typename T> struct IsInf {
  EMBER_HOST_DEVICE bool operator()(T a) const { if constexpr (kFloat<T>) return std::fabs(a) == std::numeric_limits<T>::infinity(); else return false; }
};
template <typename T> struct IsFinite {
  EMBER_HOST_DEVICE bool operator()(T a) const { if constexpr (kFloat<T>) return std::fabs(a) < std::numeric_limits<T>::infinity(); else return true; }
};
template <typename T> struct BitNot {
  EMBER_HOST_DEVICE T operator()(T a) const { if constexpr (std::is_same_v<T, bool>) return !a; else return static_cast<T>(~a); }
};

// out = cond ? a : b on raw bits, as a mask: GCC keeps `c ? a : b` of two loads as a branch.
template <typename U> struct Select {
  EMBER_HOST_DEVICE U operator()(bool c, U a, U b) const {
    const U mask = static_cast<U>(U(0) - static_cast<U>(c));
    return static_cast<U>((a & mask) | (b & static_cast<U>(~mask)));
  }
};
// clamp(x, lo, hi) = minimum(maximum(x, lo), hi): NaN anywhere gives NaN, hi wins when lo > hi.
template <typename T> struct Clamp {
  EMBER_HOST_DEVICE T operator()(T x, T lo, T hi) const { return Minimum<T>()(Maximum<T>()(x, lo), hi); }
};

}  // namespace ew
EMBER_ISA_NAMESPACE_END
