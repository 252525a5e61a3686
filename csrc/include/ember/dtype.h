#pragma once
#include <cstddef>
#include <complex>
#include <cstdint>
#include <string>

#include "ember/api.h"
#include "ember/half.h"

namespace ember {

enum class DType : int8_t {
#define EMBER_DTYPE(name, ctype, str, cat) name,
#include "ember/dtypes.def"
#undef EMBER_DTYPE
};
constexpr int kNumDTypes = 0
#define EMBER_DTYPE(name, ctype, str, cat) +1
#include "ember/dtypes.def"
#undef EMBER_DTYPE
    ;

// PyTorch-style constants: ember::kFloat32, ember::kInt64, ...
#define EMBER_DTYPE(name, ctype, str, cat) constexpr DType k##name = DType::name;
#include "ember/dtypes.def"
#undef EMBER_DTYPE
constexpr DType kFloat = kFloat32;
constexpr DType kDouble = kFloat64;
constexpr DType kHalf = kFloat16;
constexpr DType kLong = kInt64;
constexpr DType kInt = kInt32;
constexpr DType kComplexFloat = kComplex64;
constexpr DType kComplexDouble = kComplex128;

enum class DTypeCategory : int8_t { Bool = 0, Integer = 1, Floating = 2, Complex = 3 };

EMBER_API const char* dtype_name(DType t);         // "float32"
EMBER_API size_t dtype_size(DType t);              // bytes per element
EMBER_API DTypeCategory dtype_category(DType t);
inline bool is_floating(DType t) { return dtype_category(t) == DTypeCategory::Floating; }
inline bool is_complex(DType t) { return dtype_category(t) == DTypeCategory::Complex; }
// complex64 <-> float32, complex128 <-> float64: a complex dtype's parts, and the complex dtype
// whose parts hold a floating dtype (float16 and bfloat16 widen to complex64).
EMBER_API DType complex_value_type(DType complex);
EMBER_API DType complex_type_of(DType floating);
inline bool is_integral(DType t, bool include_bool) {
  auto c = dtype_category(t);
  return c == DTypeCategory::Integer || (include_bool && c == DTypeCategory::Bool);
}
// torch.promote_types
EMBER_API DType promote_types(DType a, DType b);
// The dtype a Python scalar of this category takes: bool, int64, float32 (the default float),
// complex64.
EMBER_API DType default_dtype_for(DTypeCategory c);
// Parses "float32", "float", "long", ...; throws TypeError for an unknown name.
EMBER_API DType dtype_from_name(const std::string& name);

// C++ type -> DType
template <typename T> struct DTypeOf;
#define EMBER_DTYPE(name, ctype, str, cat) \
  template <> struct DTypeOf<ctype> { static constexpr DType value = DType::name; };
#include "ember/dtypes.def"
#undef EMBER_DTYPE
// DType -> C++ type
template <DType D> struct CTypeOf;
#define EMBER_DTYPE(name, ctype, str, cat) \
  template <> struct CTypeOf<DType::name> { using type = ctype; };
#include "ember/dtypes.def"
#undef EMBER_DTYPE

}  // namespace ember
