#include "ember/dtype.h"

#include <unordered_map>

#include "ember/error.h"

namespace ember {

namespace {
struct DTypeInfo { const char* name; size_t size; DTypeCategory category; };
constexpr DTypeInfo kInfo[] = {
#define EMBER_DTYPE(name, ctype, str, cat) {str, sizeof(ctype), static_cast<DTypeCategory>(cat)},
#include "ember/dtypes.def"
#undef EMBER_DTYPE
};
const DTypeInfo& info(DType t) { return kInfo[static_cast<int>(t)]; }
}  // namespace

const char* dtype_name(DType t) { return info(t).name; }
size_t dtype_size(DType t) { return info(t).size; }
DTypeCategory dtype_category(DType t) { return info(t).category; }

DType complex_value_type(DType complex) {
  EMBER_CHECK_TYPE(is_complex(complex), "expected a complex dtype, got ", dtype_name(complex));
  return complex == kComplex128 ? kFloat64 : kFloat32;
}

DType complex_type_of(DType floating) {
  if (is_complex(floating)) return floating;
  EMBER_CHECK_TYPE(is_floating(floating), "expected a floating dtype, got ", dtype_name(floating));
  return floating == kFloat64 ? kComplex128 : kComplex64;
}

// torch.promote_types: the smallest dtype that holds both, by these rules:
// bool yields to anything; uint8 with int8 needs int16; integers meet floats at the float;
// float16 with bfloat16 meets at float32; a complex meets a float at the complex type of the
// wider parts (complex64 with float64 is complex128); otherwise the wider of the two.
DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == kBool) return b;
  if (b == kBool) return a;
  const auto ca = dtype_category(a), cb = dtype_category(b);
  if (ca == DTypeCategory::Complex || cb == DTypeCategory::Complex) {
    const DType pa = ca == DTypeCategory::Complex ? complex_value_type(a) : a;
    const DType pb = cb == DTypeCategory::Complex ? complex_value_type(b) : b;
    return complex_type_of(promote_types(pa, pb));
  }
  if (ca != cb) return ca == DTypeCategory::Floating ? a : b;
  if (ca == DTypeCategory::Integer) {
    if ((a == kUInt8 && b == kInt8) || (a == kInt8 && b == kUInt8)) return kInt16;
    if (a == kUInt8) return b;  // every other signed integer type holds uint8
    if (b == kUInt8) return a;
    return dtype_size(a) >= dtype_size(b) ? a : b;
  }
  if ((a == kFloat16 && b == kBFloat16) || (a == kBFloat16 && b == kFloat16)) return kFloat32;
  return dtype_size(a) >= dtype_size(b) ? a : b;
}

DType default_dtype_for(DTypeCategory c) {
  switch (c) {
    case DTypeCategory::Bool: return kBool;
    case DTypeCategory::Integer: return kInt64;
    case DTypeCategory::Complex: return kComplex64;
    default: return kFloat32;
  }
}

DType dtype_from_name(const std::string& name) {
  static const std::unordered_map<std::string, DType> names = {
#define EMBER_DTYPE(name, ctype, str, cat) {str, DType::name},
#include "ember/dtypes.def"
#undef EMBER_DTYPE
      {"float", kFloat32}, {"double", kFloat64}, {"half", kFloat16}, {"long", kInt64},
      {"int", kInt32},     {"short", kInt16},    {"byte", kUInt8},    {"char", kInt8},
      {"cfloat", kComplex64}, {"cdouble", kComplex128},
  };
  auto it = names.find(name);
  EMBER_CHECK_TYPE(it != names.end(), "unknown dtype '", name, "'");
  return it->second;
}

}  // namespace ember
