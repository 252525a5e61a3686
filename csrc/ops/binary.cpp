// Binary elementwise ops: PyTorch's dtype rules per op, broadcasting, and the in-place and out=
// forms. The kernels see inputs of one compute dtype; this file picks it.
#include <cstring>

#include "core/shape.h"
#include "ops/elementwise.h"

namespace ember {

namespace {
using namespace elementwise;

enum class Kind {
  Arith,    // result_type
  Sub,      // result_type, no bool
  TrueDiv,  // result_type, integers -> float32
  IntDiv,   // result_type, no bool; integer division by zero is an error
  Pow,      // result_type, no bool; no negative integer scalar exponent for integers
  FloatFn,  // result_type, integers -> float32
  Compare,  // compute in result_type, bool result
  Logical,  // compute on truth values, bool result
  Bitwise,  // integers and bool
  Shift,    // integers
  FloatOnly,  // result_type, floating only (hypot, logaddexp)
};

struct Spec {
  const char* name;
  BinaryOp op;
  Kind kind;
};

// Indexed by BinaryOp.
constexpr Spec kSpecs[] = {
    {"add", BinaryOp::Add, Kind::Arith},
    {"sub", BinaryOp::Sub, Kind::Sub},
    {"mul", BinaryOp::Mul, Kind::Arith},
    {"div", BinaryOp::Div, Kind::TrueDiv},
    {"div", BinaryOp::DivTrunc, Kind::IntDiv},
    {"floor_divide", BinaryOp::DivFloor, Kind::IntDiv},
    {"remainder", BinaryOp::Remainder, Kind::IntDiv},
    {"fmod", BinaryOp::Fmod, Kind::IntDiv},
    {"pow", BinaryOp::Pow, Kind::Pow},
    {"maximum", BinaryOp::Maximum, Kind::Arith},
    {"minimum", BinaryOp::Minimum, Kind::Arith},
    {"atan2", BinaryOp::Atan2, Kind::FloatFn},
    {"eq", BinaryOp::Eq, Kind::Compare},
    {"ne", BinaryOp::Ne, Kind::Compare},
    {"lt", BinaryOp::Lt, Kind::Compare},
    {"le", BinaryOp::Le, Kind::Compare},
    {"gt", BinaryOp::Gt, Kind::Compare},
    {"ge", BinaryOp::Ge, Kind::Compare},
    {"logical_and", BinaryOp::LogicalAnd, Kind::Logical},
    {"logical_or", BinaryOp::LogicalOr, Kind::Logical},
    {"logical_xor", BinaryOp::LogicalXor, Kind::Logical},
    {"bitwise_and", BinaryOp::BitAnd, Kind::Bitwise},
    {"bitwise_or", BinaryOp::BitOr, Kind::Bitwise},
    {"bitwise_xor", BinaryOp::BitXor, Kind::Bitwise},
    {"bitwise_left_shift", BinaryOp::Shl, Kind::Shift},
    {"bitwise_right_shift", BinaryOp::Shr, Kind::Shift},
    {"hypot", BinaryOp::Hypot, Kind::FloatOnly},
    {"copysign", BinaryOp::Copysign, Kind::FloatFn},
    {"logaddexp", BinaryOp::Logaddexp, Kind::FloatOnly},
    {"logaddexp2", BinaryOp::Logaddexp2, Kind::FloatOnly},
    {"xlogy", BinaryOp::Xlogy, Kind::FloatFn},
};

const Spec& spec(BinaryOp op) { return kSpecs[static_cast<int>(op)]; }

// The names binary_out accepts: the ops above and PyTorch's aliases.
BinaryOp op_by_name(const std::string& name) {
  struct Alias { const char* name; BinaryOp op; };
  static constexpr Alias kAliases[] = {
      {"subtract", BinaryOp::Sub}, {"multiply", BinaryOp::Mul}, {"divide", BinaryOp::Div},
      {"true_divide", BinaryOp::Div}, {"div_trunc", BinaryOp::DivTrunc}, {"div_floor", BinaryOp::DivFloor},
      {"greater", BinaryOp::Gt}, {"greater_equal", BinaryOp::Ge}, {"less", BinaryOp::Lt},
      {"less_equal", BinaryOp::Le}, {"not_equal", BinaryOp::Ne},
  };
  for (const Spec& s : kSpecs)
    if (name == s.name && s.op != BinaryOp::DivTrunc) return s.op;
  for (const Alias& a : kAliases)
    if (name == a.name) return a.op;
  detail::throw_error(ErrorKind::Value, "binary_out: unknown binary op '" + name + "'");
}

// A Python-number exponent of 0 or 1: PyTorch answers ones or a copy, for bool tensors too.
bool trivial_exponent(const Tensor& b) {
  if (!b.is_wrapped_number()) return false;
  const Scalar s = b.item();
  const double v = s.to_double();
  return s.imag() == 0.0 && (v == 0.0 || v == 1.0);
}

// The ops with a complex meaning: arithmetic, pow, equality and the logical ops. The others
// order numbers or round them, which complex numbers do not allow.
bool complex_allowed(const Spec& s) {
  switch (s.op) {
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Pow:
    case BinaryOp::Eq: case BinaryOp::Ne:
    case BinaryOp::LogicalAnd: case BinaryOp::LogicalOr: case BinaryOp::LogicalXor:
      return true;
    default:
      return false;
  }
}

bool negative_integer(const Tensor& t) { return t.numel() == 1 && t.item().to_int64() < 0; }

// The compute dtype for (a, b) under the op's rules, after its dtype checks.
DType compute_dtype(const Spec& s, const Tensor& a, const Tensor& b) {
  const DType ct = a.dtype() == b.dtype() ? a.dtype() : result_type({a, b});
  EMBER_CHECK_TYPE(!is_complex(ct) || complex_allowed(s), s.name, ": not implemented for complex tensors (",
                   dtype_name(a.dtype()), " and ", dtype_name(b.dtype()), ")");
  switch (s.kind) {
    case Kind::Arith:
    case Kind::Compare:
      return ct;
    case Kind::Logical:
      return kBool;
    case Kind::Sub:
      EMBER_CHECK_TYPE(a.dtype() != kBool || b.dtype() != kBool, "sub: subtraction, the `-` operator, with two bool ",
                       "tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
      EMBER_CHECK_TYPE(a.dtype() != kBool && b.dtype() != kBool, "sub: subtraction, the `-` operator, with a bool ",
                       "tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` ",
                       "operator instead.");
      return ct;
    case Kind::TrueDiv:
    case Kind::FloatFn:
      return is_floating(ct) || is_complex(ct) ? ct : kFloat32;
    case Kind::IntDiv:
    case Kind::Pow:
      if (s.kind == Kind::Pow && trivial_exponent(b)) return ct;
      EMBER_CHECK_TYPE(ct != kBool, s.name, ": not implemented for bool tensors (", dtype_name(a.dtype()), " and ",
                       dtype_name(b.dtype()), ")");
      if (s.kind == Kind::Pow)
        EMBER_CHECK(!(is_integral(ct, false) && b.is_wrapped_number() && is_integral(b.dtype(), false) &&
                      negative_integer(b)),
                    "pow: Integers to negative integer powers are not allowed (", dtype_name(a.dtype()),
                    " tensor to the power ", b.item().to_int64(), ")");
      return ct;
    case Kind::Bitwise:
      EMBER_CHECK_TYPE(is_integral(ct, true), s.name, ": only integer and bool tensors are supported, got ",
                       dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
      return ct;
    case Kind::Shift:
      EMBER_CHECK_TYPE(is_integral(ct, false), s.name, ": only integer tensors are supported, got ",
                       dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
      return ct;
    case Kind::FloatOnly:
      EMBER_CHECK_TYPE(is_floating(ct), s.name, ": only floating point tensors are supported, got ",
                       dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
      return ct;
  }
  return ct;
}

void check_alpha(const char* name, DType ct, const Scalar& alpha) {
  EMBER_CHECK_TYPE(!(!is_complex(ct) && alpha.is_complex()), name, ": complex alpha needs a complex result (got ",
                   dtype_name(ct), ")");
  EMBER_CHECK_TYPE(!(is_integral(ct, true) && alpha.is_floating()), name, ": for integral input tensors, argument ",
                   "alpha must not be a floating point number (got ", alpha.to_double(), " with ", dtype_name(ct), ")");
  EMBER_CHECK_TYPE(!(alpha.is_bool() && ct != kBool), name, ": boolean alpha only supported for boolean results (got ",
                   dtype_name(ct), ")");
}

// a op b, into `out` when given (in-place and out= forms).
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha, const Tensor* out) {
  const Spec& s = spec(op);
  const Device device = a.device() == b.device() ? a.device() : common_device(s.name, {a, b});
  const DType ct = compute_dtype(s, a, b);
  if (op == BinaryOp::Add || op == BinaryOp::Sub) check_alpha(s.name, ct, alpha);
  const DType result = s.kind == Kind::Compare || s.kind == Kind::Logical ? kBool : ct;
  const IntArray shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), s.name);
  const bool may_fail = s.kind == Kind::IntDiv && is_integral(ct, false);
  if (op == BinaryOp::Pow && out == nullptr && b.is_wrapped_number() && is_floating(ct) && ct != kFloat16) {
    // A number exponent of +-0.5 is sqrt or rsqrt, as torch computes it: pow(-inf, 0.5) is NaN
    // and pow(-0.0, 0.5) is -0.0 there, where C's pow gives inf and +0.0 (torch's float16 CPU
    // kernel keeps pow's values, and so does ember's).
    const double e = b.item().to_double();
    if (e == 0.5) return sqrt(convert(a, ct, device));
    if (e == -0.5) return rsqrt(convert(a, ct, device));
  }
  if (op == BinaryOp::Pow && trivial_exponent(b)) {  // a ** 1 is a copy, a ** 0 ones
    const Tensor source = b.item().to_double() == 1.0 ? convert(a, ct, device) : scalar_tensor(1, ct);
    return elementwise::run(s.name, result, shape, device, {source}, out, false,
                            [&](const TensorIter& iter) { copy_kernel.get(device, s.name)(iter); });
  }
  return elementwise::run(s.name, result, shape, device, {convert(a, ct, device), convert(b, ct, device)}, out,
                          may_fail, [&](const TensorIter& iter) { binary_kernel.get(device, s.name)(iter, op, alpha); });
}

Tensor number(const Scalar& s) { return scalar_tensor(s, std::nullopt, /*wrapped=*/true); }

BinaryOp div_op(const std::string& rounding_mode) {
  if (rounding_mode.empty()) return BinaryOp::Div;
  if (rounding_mode == "trunc") return BinaryOp::DivTrunc;
  if (rounding_mode == "floor") return BinaryOp::DivFloor;
  detail::throw_error(ErrorKind::Value, "div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found '" +
                                            rounding_mode + "'");
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) { return binary(BinaryOp::Add, a, b, alpha, nullptr); }
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) { return binary(BinaryOp::Sub, a, b, alpha, nullptr); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b, 1, nullptr); }
Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode) {
  return binary(div_op(rounding_mode), a, b, 1, nullptr);
}
#define EMBER_BINARY(name, Op) \
  Tensor name(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Op, a, b, 1, nullptr); }
EMBER_BINARY(remainder, Remainder)
EMBER_BINARY(fmod, Fmod)
EMBER_BINARY(floor_divide, DivFloor)
EMBER_BINARY(pow, Pow)
EMBER_BINARY(maximum, Maximum)
EMBER_BINARY(minimum, Minimum)
EMBER_BINARY(atan2, Atan2)
EMBER_BINARY(eq, Eq)
EMBER_BINARY(ne, Ne)
EMBER_BINARY(lt, Lt)
EMBER_BINARY(le, Le)
EMBER_BINARY(gt, Gt)
EMBER_BINARY(ge, Ge)
EMBER_BINARY(logical_and, LogicalAnd)
EMBER_BINARY(logical_or, LogicalOr)
EMBER_BINARY(logical_xor, LogicalXor)
EMBER_BINARY(bitwise_and, BitAnd)
EMBER_BINARY(bitwise_or, BitOr)
EMBER_BINARY(bitwise_xor, BitXor)
EMBER_BINARY(bitwise_left_shift, Shl)
EMBER_BINARY(bitwise_right_shift, Shr)
EMBER_BINARY(hypot, Hypot)
EMBER_BINARY(copysign, Copysign)
EMBER_BINARY(logaddexp, Logaddexp)
EMBER_BINARY(logaddexp2, Logaddexp2)
EMBER_BINARY(xlogy, Xlogy)
#undef EMBER_BINARY

Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha) { return add(a, number(b), alpha); }
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha) { return sub(a, number(b), alpha); }
Tensor mul(const Tensor& a, const Scalar& b) { return mul(a, number(b)); }
Tensor div(const Tensor& a, const Scalar& b, const std::string& rounding_mode) { return div(a, number(b), rounding_mode); }
Tensor pow(const Tensor& a, const Scalar& b) { return pow(a, number(b)); }

Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  binary(BinaryOp::Add, self, other, alpha, &self);
  return self;
}
Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha) {
  binary(BinaryOp::Sub, self, other, alpha, &self);
  return self;
}
Tensor& mul_(Tensor& self, const Tensor& other) {
  binary(BinaryOp::Mul, self, other, 1, &self);
  return self;
}
Tensor& div_(Tensor& self, const Tensor& other, const std::string& rounding_mode) {
  binary(div_op(rounding_mode), self, other, 1, &self);
  return self;
}

void binary_out(const std::string& op, const Tensor& a, const Tensor& b, const Tensor& out) {
  binary(op_by_name(op), a, b, 1, &out);
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, number(b)); }
Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, number(b)); }
Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, number(b)); }
Tensor operator/(const Tensor& a, const Scalar& b) { return div(a, number(b)); }
Tensor operator+(const Scalar& a, const Tensor& b) { return add(number(a), b); }
Tensor operator-(const Scalar& a, const Tensor& b) { return sub(number(a), b); }
Tensor operator*(const Scalar& a, const Tensor& b) { return mul(number(a), b); }
Tensor operator/(const Scalar& a, const Tensor& b) { return div(number(a), b); }

}  // namespace ember
