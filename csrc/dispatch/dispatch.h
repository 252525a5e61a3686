#pragma once
// dtype dispatch: calls a generic lambda with a tag carrying the C++ type of a runtime DType.
//   dispatch_floating(t.dtype(), "exp", [&](auto tag) { using T = typename decltype(tag)::type; ... });
// Restricted variants raise one uniform TypeError naming the op and the dtype.
#include "ember/dtype.h"
#include "ember/error.h"

namespace ember {

template <typename T> struct TypeTag { using type = T; };

// Sets of dtype categories, as bits (1 << category).
enum DTypeSet : unsigned {
  kBoolSet = 1u << 0,
  kIntegerSet = 1u << 1,
  kFloatingSet = 1u << 2,
  kComplexSet = 1u << 3,
  kIntegralSet = kBoolSet | kIntegerSet,
  kNumericSet = kIntegerSet | kFloatingSet,
  // The real dtypes. Complex is opt-in: a kernel written for ordered numbers never sees
  // std::complex, and a complex input gets the "not implemented for dtype" TypeError.
  kAllSet = kBoolSet | kIntegerSet | kFloatingSet,
  kAllAndComplexSet = kAllSet | kComplexSet,
};

template <unsigned Set, typename F>
decltype(auto) dispatch_in(DType t, const char* op, F&& f) {
  switch (t) {
#define EMBER_DTYPE(name, ctype, str, cat)                              \
  case DType::name:                                                     \
    if constexpr ((Set >> (cat)) & 1u) return f(TypeTag<ctype>{});      \
    break;
#include "ember/dtypes.def"
#undef EMBER_DTYPE
  }
  detail::throw_error(ErrorKind::Type, detail::str_cat(op, ": not implemented for dtype ", dtype_name(t)));
}

template <typename F> decltype(auto) dispatch_all(DType t, const char* op, F&& f) {
  return dispatch_in<kAllSet>(t, op, std::forward<F>(f));
}
// Kernels that only move or convert values (copy, fill, item, printing) take complex too.
template <typename F> decltype(auto) dispatch_all_and_complex(DType t, const char* op, F&& f) {
  return dispatch_in<kAllAndComplexSet>(t, op, std::forward<F>(f));
}
template <typename F> decltype(auto) dispatch_complex(DType t, const char* op, F&& f) {
  return dispatch_in<kComplexSet>(t, op, std::forward<F>(f));
}
template <typename F> decltype(auto) dispatch_floating(DType t, const char* op, F&& f) {
  return dispatch_in<kFloatingSet>(t, op, std::forward<F>(f));
}
template <typename F> decltype(auto) dispatch_numeric(DType t, const char* op, F&& f) {
  return dispatch_in<kNumericSet>(t, op, std::forward<F>(f));
}
template <typename F> decltype(auto) dispatch_integral(DType t, const char* op, F&& f) {
  return dispatch_in<kIntegralSet>(t, op, std::forward<F>(f));
}

// The type arithmetic runs in: float for the 16-bit floats, the type itself otherwise.
template <typename T> struct OpMath { using type = T; };
template <> struct OpMath<Half> { using type = float; };
template <> struct OpMath<BFloat16> { using type = float; };
template <typename T> using opmath_t = typename OpMath<T>::type;

}  // namespace ember
