#pragma once
#include <cstdint>

#include "ember/dtype.h"

namespace ember {

// A Python-style number: bool, integer or floating. It takes part in type promotion as a
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

  DTypeCategory category() const { return cat_; }
  bool is_floating() const { return cat_ == DTypeCategory::Floating; }
  bool is_integral() const { return cat_ != DTypeCategory::Floating; }
  bool is_bool() const { return cat_ == DTypeCategory::Bool; }
  double to_double() const { return is_floating() ? d_ : static_cast<double>(i_); }
  int64_t to_int64() const { return is_floating() ? static_cast<int64_t>(d_) : i_; }
  // The value converted to T (T is any ember storage type).
  template <typename T> T to() const {
    if constexpr (std::is_same_v<T, bool>) return is_floating() ? d_ != 0.0 : i_ != 0;
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(is_floating() ? static_cast<int64_t>(d_) : i_);
    else if constexpr (std::is_same_v<T, double>) return to_double();
    else return T(static_cast<float>(to_double()));
  }

 private:
  DTypeCategory cat_;
  union { int64_t i_; double d_; };
};

}  // namespace ember
