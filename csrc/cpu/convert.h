#pragma once
// Value conversion between the storage types, as PyTorch does it: to bool is "!= 0",
// from bool is 0/1, the 16-bit floats go through float. Host and device code (the CUDA copy
// kernel converts with it too). A complex number goes to a real type by its real part (as
// numpy casts, and PyTorch with a warning); a real one becomes (v, 0).
#include <type_traits>

#include "ember/half.h"
#include "ember/scalar.h"

namespace ember {

template <typename To, typename From>
EMBER_HOST_DEVICE To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_complex_v<From>) {
    if constexpr (std::is_same_v<To, bool>) return v.real() != 0 || v.imag() != 0;
    else if constexpr (is_complex_v<To>) return To(static_cast<typename To::value_type>(v.real()),
                                                   static_cast<typename To::value_type>(v.imag()));
    else return convert<To>(v.real());
  } else if constexpr (is_complex_v<To>) {
    return To(convert<typename To::value_type>(v), typename To::value_type(0));
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (std::is_same_v<From, Half> || std::is_same_v<From, BFloat16>) return static_cast<float>(v) != 0.0f;
    else return v != From(0);
  } else if constexpr (std::is_same_v<From, Half> || std::is_same_v<From, BFloat16>) {
    return convert<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(v));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace ember
