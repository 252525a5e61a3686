// Unary elementwise ops: PyTorch's dtype rules per op and the out= form.
#include "ops/complex_ops.h"
#include "ops/elementwise.h"

namespace ember {

namespace {
using namespace elementwise;

enum class Kind {
  FloatFn,    // integers and bool -> float32
  Numeric,    // keeps the dtype; bool refused
  Neg,        // keeps the dtype; bool refused with PyTorch's hint
  Rounding,   // keeps the dtype; the identity on integers; bool refused
  Sign,       // keeps the dtype, bool too
  Square,     // keeps the dtype; bool -> int64
  Predicate,  // bool result
  BitNot,     // integers and bool
  Floating,   // floating tensors only (frac)
};

struct Spec {
  const char* name;
  UnaryOp op;
  Kind kind;
};

// Indexed by UnaryOp.
constexpr Spec kSpecs[] = {
    {"neg", UnaryOp::Neg, Kind::Neg},
    {"abs", UnaryOp::Abs, Kind::Numeric},
    {"sign", UnaryOp::Sign, Kind::Sign},
    {"exp", UnaryOp::Exp, Kind::FloatFn},
    {"exp2", UnaryOp::Exp2, Kind::FloatFn},
    {"expm1", UnaryOp::Expm1, Kind::FloatFn},
    {"log", UnaryOp::Log, Kind::FloatFn},
    {"log2", UnaryOp::Log2, Kind::FloatFn},
    {"log10", UnaryOp::Log10, Kind::FloatFn},
    {"log1p", UnaryOp::Log1p, Kind::FloatFn},
    {"sqrt", UnaryOp::Sqrt, Kind::FloatFn},
    {"rsqrt", UnaryOp::Rsqrt, Kind::FloatFn},
    {"sin", UnaryOp::Sin, Kind::FloatFn},
    {"cos", UnaryOp::Cos, Kind::FloatFn},
    {"tan", UnaryOp::Tan, Kind::FloatFn},
    {"tanh", UnaryOp::Tanh, Kind::FloatFn},
    {"sigmoid", UnaryOp::Sigmoid, Kind::FloatFn},
    {"relu", UnaryOp::Relu, Kind::Numeric},
    {"erf", UnaryOp::Erf, Kind::FloatFn},
    {"floor", UnaryOp::Floor, Kind::Rounding},
    {"ceil", UnaryOp::Ceil, Kind::Rounding},
    {"round", UnaryOp::Round, Kind::Rounding},
    {"trunc", UnaryOp::Trunc, Kind::Rounding},
    {"reciprocal", UnaryOp::Reciprocal, Kind::FloatFn},
    {"square", UnaryOp::Square, Kind::Square},
    {"logical_not", UnaryOp::LogicalNot, Kind::Predicate},
    {"bitwise_not", UnaryOp::BitNot, Kind::BitNot},
    {"isnan", UnaryOp::IsNan, Kind::Predicate},
    {"isinf", UnaryOp::IsInf, Kind::Predicate},
    {"isfinite", UnaryOp::IsFinite, Kind::Predicate},
    {"sinh", UnaryOp::Sinh, Kind::FloatFn},
    {"cosh", UnaryOp::Cosh, Kind::FloatFn},
    {"asin", UnaryOp::Asin, Kind::FloatFn},
    {"acos", UnaryOp::Acos, Kind::FloatFn},
    {"atan", UnaryOp::Atan, Kind::FloatFn},
    {"asinh", UnaryOp::Asinh, Kind::FloatFn},
    {"acosh", UnaryOp::Acosh, Kind::FloatFn},
    {"atanh", UnaryOp::Atanh, Kind::FloatFn},
    {"erfc", UnaryOp::Erfc, Kind::FloatFn},
    {"erfinv", UnaryOp::Erfinv, Kind::FloatFn},
    {"lgamma", UnaryOp::Lgamma, Kind::FloatFn},
    {"digamma", UnaryOp::Digamma, Kind::FloatFn},
    {"frac", UnaryOp::Frac, Kind::Floating},
    {"signbit", UnaryOp::Signbit, Kind::Predicate},
    {"deg2rad", UnaryOp::Deg2rad, Kind::FloatFn},
    {"rad2deg", UnaryOp::Rad2deg, Kind::FloatFn},
};

UnaryOp op_by_name(const std::string& name) {
  struct Alias { const char* name; UnaryOp op; };
  static constexpr Alias kAliases[] = {
      {"negative", UnaryOp::Neg}, {"absolute", UnaryOp::Abs}, {"fix", UnaryOp::Trunc},
      {"arcsin", UnaryOp::Asin}, {"arccos", UnaryOp::Acos}, {"arctan", UnaryOp::Atan},
      {"arcsinh", UnaryOp::Asinh}, {"arccosh", UnaryOp::Acosh}, {"arctanh", UnaryOp::Atanh},
  };
  for (const Spec& s : kSpecs)
    if (name == s.name) return s.op;
  for (const Alias& a : kAliases)
    if (name == a.name) return a.op;
  detail::throw_error(ErrorKind::Value, "unary_out: unknown unary op '" + name + "'");
}

// The unary ops with a complex meaning; abs is the modulus, whose dtype is real (unary()).
bool complex_allowed(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Exp: case UnaryOp::Exp2: case UnaryOp::Expm1:
    case UnaryOp::Log: case UnaryOp::Log2: case UnaryOp::Log10: case UnaryOp::Log1p: case UnaryOp::Sqrt:
    case UnaryOp::Rsqrt: case UnaryOp::Sin: case UnaryOp::Cos: case UnaryOp::Tan: case UnaryOp::Tanh:
    case UnaryOp::Sigmoid: case UnaryOp::Reciprocal: case UnaryOp::Square: case UnaryOp::LogicalNot:
    case UnaryOp::IsNan: case UnaryOp::IsInf: case UnaryOp::IsFinite: case UnaryOp::Sinh: case UnaryOp::Cosh:
    case UnaryOp::Asin: case UnaryOp::Acos: case UnaryOp::Atan: case UnaryOp::Asinh: case UnaryOp::Acosh:
    case UnaryOp::Atanh:
      return true;
    default:
      return false;
  }
}

DType compute_dtype(const Spec& s, DType dt) {
  if (is_complex(dt)) {
    EMBER_CHECK_TYPE(s.op != UnaryOp::Sign, "sign: not implemented for complex tensors (", dtype_name(dt),
                     "); use sgn() for z / |z|");
    EMBER_CHECK_TYPE(complex_allowed(s.op), s.name, ": not implemented for complex tensors (", dtype_name(dt), ")");
    return dt;
  }
  switch (s.kind) {
    case Kind::FloatFn:
      return is_floating(dt) ? dt : kFloat32;
    case Kind::Neg:
      EMBER_CHECK_TYPE(dt != kBool, "neg: negation, the `-` operator, on a bool tensor is not supported. If you are ",
                       "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
      return dt;
    case Kind::Numeric:
    case Kind::Rounding:
      EMBER_CHECK_TYPE(dt != kBool, s.name, ": not implemented for bool tensors");
      return dt;
    case Kind::Square:
      return dt == kBool ? kInt64 : dt;
    case Kind::BitNot:
      EMBER_CHECK_TYPE(is_integral(dt, true), "bitwise_not: only integer and bool tensors are supported, got ",
                       dtype_name(dt));
      return dt;
    case Kind::Floating:
      EMBER_CHECK_TYPE(is_floating(dt), s.name, ": not implemented for ", dtype_name(dt),
                       " tensors (floating point tensors only)");
      return dt;
    case Kind::Sign:
    case Kind::Predicate:
      return dt;
  }
  return dt;
}

Tensor unary(UnaryOp op, const Tensor& t, const Tensor* out) {
  const Spec& s = kSpecs[static_cast<int>(op)];
  const DType ct = compute_dtype(s, t.dtype());
  const DType result = s.kind == Kind::Predicate ? kBool : ct;
  const Device device = t.device();
  if (op == UnaryOp::Abs && is_complex(ct)) {  // the modulus: a real result
    const Tensor modulus = complex_abs(t);
    if (out == nullptr) return modulus;
    return elementwise::run(s.name, modulus.dtype(), t.shape(), device, {modulus}, out, false,
                            [&](const TensorIter& iter) { copy_kernel.get(device, s.name)(iter); });
  }
  if (s.kind == Kind::Rounding && !is_floating(ct)) {  // floor etc. of integers: a copy
    return elementwise::run(s.name, result, t.shape(), device, {t}, out, false, [&](const TensorIter& iter) {
      copy_kernel.get(device, s.name)(iter);
    });
  }
  return elementwise::run(s.name, result, t.shape(), device, {convert(t, ct, device)}, out, false,
                          [&](const TensorIter& iter) { unary_kernel.get(device, s.name)(iter, op); });
}
}  // namespace

#define EMBER_UNARY(name, Op) \
  Tensor name(const Tensor& t) { return unary(UnaryOp::Op, t, nullptr); }
EMBER_UNARY(neg, Neg)
EMBER_UNARY(abs, Abs)
EMBER_UNARY(sign, Sign)
EMBER_UNARY(exp, Exp)
EMBER_UNARY(exp2, Exp2)
EMBER_UNARY(expm1, Expm1)
EMBER_UNARY(log, Log)
EMBER_UNARY(log2, Log2)
EMBER_UNARY(log10, Log10)
EMBER_UNARY(log1p, Log1p)
EMBER_UNARY(sqrt, Sqrt)
EMBER_UNARY(rsqrt, Rsqrt)
EMBER_UNARY(sin, Sin)
EMBER_UNARY(cos, Cos)
EMBER_UNARY(tan, Tan)
EMBER_UNARY(tanh, Tanh)
EMBER_UNARY(sigmoid, Sigmoid)
EMBER_UNARY(relu, Relu)
EMBER_UNARY(erf, Erf)
EMBER_UNARY(floor, Floor)
EMBER_UNARY(ceil, Ceil)
EMBER_UNARY(round, Round)
EMBER_UNARY(trunc, Trunc)
EMBER_UNARY(reciprocal, Reciprocal)
EMBER_UNARY(square, Square)
EMBER_UNARY(logical_not, LogicalNot)
EMBER_UNARY(bitwise_not, BitNot)
EMBER_UNARY(isnan, IsNan)
EMBER_UNARY(isinf, IsInf)
EMBER_UNARY(isfinite, IsFinite)
EMBER_UNARY(sinh, Sinh)
EMBER_UNARY(cosh, Cosh)
EMBER_UNARY(asin, Asin)
EMBER_UNARY(acos, Acos)
EMBER_UNARY(atan, Atan)
EMBER_UNARY(asinh, Asinh)
EMBER_UNARY(acosh, Acosh)
EMBER_UNARY(atanh, Atanh)
EMBER_UNARY(erfc, Erfc)
EMBER_UNARY(erfinv, Erfinv)
EMBER_UNARY(lgamma, Lgamma)
EMBER_UNARY(digamma, Digamma)
EMBER_UNARY(frac, Frac)
EMBER_UNARY(signbit, Signbit)
EMBER_UNARY(deg2rad, Deg2rad)
EMBER_UNARY(rad2deg, Rad2deg)
#undef EMBER_UNARY

void unary_out(const std::string& op, const Tensor& t, const Tensor& out) { unary(op_by_name(op), t, &out); }

Tensor Tensor::exp() const { return ember::exp(*this); }
Tensor Tensor::abs() const { return ember::abs(*this); }
Tensor Tensor::neg() const { return ember::neg(*this); }
Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace ember
