#pragma once
#include <complex>
#include <cstdint>
#include <type_traits>

#include "ember/dtype.h"

namespace ember {

template <typename T> struct IsComplex : std::false_type {};
template <typename T> struct IsComplex<std::complex<T>> : std::true_type {};
template <typename T> inline constexpr bool is_complex_v = IsComplex<T>::value;

// A Python-style number: bool, integer, floating or complex. It takes part in type promotion as a
// "wrapped number" (it never widens a tensor's category width: int32 + 2 stays int32).
class Scalar {
 public:
  Scalar() : cat_(DTypeCategory::Integer), i_(0) {}
  Scalar(bool b) : cat_(DTypeCategory::Bool), i_(b) {}  // NOLINT: implicit like a number
  Scalar(int v) : cat_(DTypeCategory::Integer), i_(v) {}  // NOLINT
  Scalar(long v) : cat_(DTypeCategory::Integer), i_(v) {}  // NOLINT
  Scalar(long long v) : cat_(DTypeCategory::Integer), i_(static_cast<int64_t>(v)) {}  // NOLINT
  Scalar(unsigned v) : cat_(DTypeCategory::Integer), i_(v) {}  // NOLINT
  Scalar(float v) : cat_(DTypeCategory::Floating), d_(v) {}  // NOLINT
  Scalar(double v) : cat_(DTypeCategory::Floating), d_(v) {}  // NOLINT
  Scalar(Half v) : Scalar(static_cast<float>(v)) {}  // NOLINT
  Scalar(BFloat16 v) : Scalar(static_cast<float>(v)) {}  // NOLINT
  Scalar(std::complex<double> v) : cat_(DTypeCategory::Complex), d_(v.real()), imag_(v.imag()) {}  // NOLINT
  Scalar(std::complex<float> v) : Scalar(std::complex<double>(v)) {}  // NOLINT

  DTypeCategory category() const { return cat_; }
  bool is_floating() const { return cat_ == DTypeCategory::Floating; }
  bool is_complex() const { return cat_ == DTypeCategory::Complex; }
  bool is_integral() const { return cat_ == DTypeCategory::Bool || cat_ == DTypeCategory::Integer; }
  bool is_bool() const { return cat_ == DTypeCategory::Bool; }
  // A complex number converts to a real one by its real part, as numpy and PyTorch cast.
  double to_double() const { return is_integral() ? static_cast<double>(i_) : d_; }
  int64_t to_int64() const { return is_integral() ? i_ : static_cast<int64_t>(d_); }
  double imag() const { return is_complex() ? imag_ : 0.0; }
  std::complex<double> to_complex() const { return {to_double(), imag()}; }
  // The value converted to T (T is any ember storage type).
  template <typename T> T to() const {
    if constexpr (std::is_same_v<T, bool>) return is_integral() ? i_ != 0 : (d_ != 0.0 || imag() != 0.0);
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(to_int64());
    else if constexpr (std::is_same_v<T, double>) return to_double();
    else if constexpr (is_complex_v<T>) return T(static_cast<typename T::value_type>(to_double()),
                                                 static_cast<typename T::value_type>(imag()));
    else return T(static_cast<float>(to_double()));
  }

 private:
  DTypeCategory cat_;
  union { int64_t i_; double d_; };
  double imag_ = 0.0;
};

}  // namespace ember
