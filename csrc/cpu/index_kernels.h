#pragma once
// Pieces shared by the CPU indexing kernels (cpu/index*.cpp).
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "ember/half.h"

namespace ember::cpu_index {

// The work (elements moved) below which a kernel stays on one thread.
constexpr int64_t kGrain = 32768;

// Moves whole elements by their size only: copies need no dtype dispatch.
template <int Size> struct Bits;
template <> struct Bits<1> { using type = uint8_t; };
template <> struct Bits<2> { using type = uint16_t; };
template <> struct Bits<4> { using type = uint32_t; };
template <> struct Bits<8> { using type = uint64_t; };
template <> struct Bits<16> { struct type { uint64_t lo, hi; }; };  // complex128

template <typename F> void dispatch_size(size_t size, const F& f) {
  switch (size) {
    case 1: f(TypeTag<Bits<1>::type>{}); break;
    case 2: f(TypeTag<Bits<2>::type>{}); break;
    case 4: f(TypeTag<Bits<4>::type>{}); break;
    case 8: f(TypeTag<Bits<8>::type>{}); break;
    default: f(TypeTag<Bits<16>::type>{}); break;
  }
}

// *dst += src in T's arithmetic: bool ors, 16-bit floats add in float, integers wrap.
template <typename T> struct AddInto {
  void operator()(char* dst, const char* src) const {
    T a, b;
    std::memcpy(&a, dst, sizeof(T));
    std::memcpy(&b, src, sizeof(T));
    T r;
    if constexpr (std::is_same_v<T, bool>) r = a || b;
    else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) r = T(static_cast<float>(a) + static_cast<float>(b));
    else if constexpr (std::is_integral_v<T>)
      r = static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) + static_cast<std::make_unsigned_t<T>>(b));
    else r = a + b;
    std::memcpy(dst, &r, sizeof(T));
  }
};

template <typename T> struct CopyInto {
  void operator()(char* dst, const char* src) const { std::memcpy(dst, src, sizeof(T)); }
};

// Calls f with an element operation `op(char* dst, const char* src)`: a copy by element size,
// or an add in the dtype's arithmetic.
template <typename F> void dispatch_element_op(DType dtype, bool accumulate, const char* op, const F& f) {
  if (accumulate) {
    dispatch_all_and_complex(dtype, op, [&](auto tag) { f(AddInto<typename decltype(tag)::type>{}); });
  } else {
    dispatch_size(dtype_size(dtype), [&](auto tag) { f(CopyInto<typename decltype(tag)::type>{}); });
  }
}

template <typename F> void dispatch_index_type(DType dtype, const char* op, const F& f) {
  if (dtype == kInt64) f(TypeTag<int64_t>{});
  else if (dtype == kInt32) f(TypeTag<int32_t>{});
  else EMBER_FAIL(ErrorKind::Type, op, ": expected an int64 or int32 index, got ", dtype_name(dtype));
}

Tensor nonzero(const Tensor& t);  // cpu/index_nonzero.cpp
void gather_scatter(const TensorIter& iter, const GatherScatterArgs& args);  // cpu/index_scatter.cpp

}  // namespace ember::cpu_index
