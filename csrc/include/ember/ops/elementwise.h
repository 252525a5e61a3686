#pragma once
// Elementwise ops: binary, unary, in-place and `out` forms.
// Part of the ops API: include <ember/ops.h>.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- elementwise: binary -------------------------------------------------------------------
EMBER_API Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
EMBER_API Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
EMBER_API Tensor mul(const Tensor& a, const Tensor& b);
// rounding_mode: "" (true division, always floating), "trunc" or "floor"
EMBER_API Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode = "");
EMBER_API Tensor remainder(const Tensor& a, const Tensor& b);  // sign of the divisor, like Python
EMBER_API Tensor fmod(const Tensor& a, const Tensor& b);       // sign of the dividend, like C
EMBER_API Tensor floor_divide(const Tensor& a, const Tensor& b);
EMBER_API Tensor pow(const Tensor& a, const Tensor& b);
EMBER_API Tensor maximum(const Tensor& a, const Tensor& b);  // NaN propagates
EMBER_API Tensor minimum(const Tensor& a, const Tensor& b);
EMBER_API Tensor atan2(const Tensor& a, const Tensor& b);
EMBER_API Tensor eq(const Tensor& a, const Tensor& b);
EMBER_API Tensor ne(const Tensor& a, const Tensor& b);
EMBER_API Tensor lt(const Tensor& a, const Tensor& b);
EMBER_API Tensor le(const Tensor& a, const Tensor& b);
EMBER_API Tensor gt(const Tensor& a, const Tensor& b);
EMBER_API Tensor ge(const Tensor& a, const Tensor& b);
EMBER_API Tensor logical_and(const Tensor& a, const Tensor& b);
EMBER_API Tensor logical_or(const Tensor& a, const Tensor& b);
EMBER_API Tensor logical_xor(const Tensor& a, const Tensor& b);
EMBER_API Tensor bitwise_and(const Tensor& a, const Tensor& b);  // integers and bool
EMBER_API Tensor bitwise_or(const Tensor& a, const Tensor& b);
EMBER_API Tensor bitwise_xor(const Tensor& a, const Tensor& b);
EMBER_API Tensor bitwise_left_shift(const Tensor& a, const Tensor& b);
EMBER_API Tensor bitwise_right_shift(const Tensor& a, const Tensor& b);
// Scalar right-hand sides: the scalar is promoted as a Python number.
EMBER_API Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
EMBER_API Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
EMBER_API Tensor mul(const Tensor& a, const Scalar& b);
EMBER_API Tensor div(const Tensor& a, const Scalar& b, const std::string& rounding_mode = "");
EMBER_API Tensor pow(const Tensor& a, const Scalar& b);

// ---- elementwise: unary --------------------------------------------------------------------
// Floating functions of integer or bool tensors return the default float dtype (float32).
EMBER_API Tensor neg(const Tensor& t);
EMBER_API Tensor abs(const Tensor& t);
EMBER_API Tensor sign(const Tensor& t);
EMBER_API Tensor exp(const Tensor& t);
EMBER_API Tensor exp2(const Tensor& t);
EMBER_API Tensor expm1(const Tensor& t);
EMBER_API Tensor log(const Tensor& t);
EMBER_API Tensor log2(const Tensor& t);
EMBER_API Tensor log10(const Tensor& t);
EMBER_API Tensor log1p(const Tensor& t);
EMBER_API Tensor sqrt(const Tensor& t);
EMBER_API Tensor rsqrt(const Tensor& t);
EMBER_API Tensor sin(const Tensor& t);
EMBER_API Tensor cos(const Tensor& t);
EMBER_API Tensor tan(const Tensor& t);
EMBER_API Tensor tanh(const Tensor& t);
EMBER_API Tensor sigmoid(const Tensor& t);
EMBER_API Tensor relu(const Tensor& t);
EMBER_API Tensor erf(const Tensor& t);
EMBER_API Tensor floor(const Tensor& t);
EMBER_API Tensor ceil(const Tensor& t);
EMBER_API Tensor round(const Tensor& t);  // half to even, like PyTorch
EMBER_API Tensor trunc(const Tensor& t);
EMBER_API Tensor reciprocal(const Tensor& t);
EMBER_API Tensor square(const Tensor& t);
EMBER_API Tensor logical_not(const Tensor& t);
EMBER_API Tensor bitwise_not(const Tensor& t);
EMBER_API Tensor isnan(const Tensor& t);
EMBER_API Tensor isinf(const Tensor& t);
EMBER_API Tensor isfinite(const Tensor& t);
EMBER_API Tensor clamp(const Tensor& t, const std::optional<Scalar>& min,
                       const std::optional<Scalar>& max);
EMBER_API Tensor clamp(const Tensor& t, const std::optional<Tensor>& min,
                       const std::optional<Tensor>& max);
EMBER_API Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

// ---- in-place (the result is written into `self`, whose dtype must hold it) ---------------------
EMBER_API Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha = 1);
EMBER_API Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha = 1);
EMBER_API Tensor& mul_(Tensor& self, const Tensor& other);
EMBER_API Tensor& div_(Tensor& self, const Tensor& other, const std::string& rounding_mode = "");
EMBER_API Tensor& clamp_(Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
EMBER_API Tensor& clamp_(Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max);
// `out` variants: every elementwise op writes into a given tensor through these.
EMBER_API void binary_out(const std::string& op, const Tensor& a, const Tensor& b, const Tensor& out);
EMBER_API void unary_out(const std::string& op, const Tensor& t, const Tensor& out);


// ---- elementwise: special functions ------------------------------------------------------------
// Floating functions of integer or bool tensors return float32, as in PyTorch.
EMBER_API Tensor sinh(const Tensor& t);
EMBER_API Tensor cosh(const Tensor& t);
EMBER_API Tensor asin(const Tensor& t);
EMBER_API Tensor acos(const Tensor& t);
EMBER_API Tensor atan(const Tensor& t);
EMBER_API Tensor asinh(const Tensor& t);
EMBER_API Tensor acosh(const Tensor& t);
EMBER_API Tensor atanh(const Tensor& t);
EMBER_API Tensor erfc(const Tensor& t);
EMBER_API Tensor erfinv(const Tensor& t);   // +-inf at +-1, NaN outside [-1, 1]
EMBER_API Tensor lgamma(const Tensor& t);
EMBER_API Tensor digamma(const Tensor& t);  // -inf at +0, NaN at negative integers
EMBER_API Tensor frac(const Tensor& t);     // t - trunc(t); floating tensors only
EMBER_API Tensor signbit(const Tensor& t);  // bool: the sign bit (-0.0 included)
EMBER_API Tensor deg2rad(const Tensor& t);
EMBER_API Tensor rad2deg(const Tensor& t);
EMBER_API Tensor hypot(const Tensor& a, const Tensor& b);      // floating tensors only
EMBER_API Tensor copysign(const Tensor& a, const Tensor& b);
EMBER_API Tensor logaddexp(const Tensor& a, const Tensor& b);  // floating tensors only
EMBER_API Tensor logaddexp2(const Tensor& a, const Tensor& b); // floating tensors only
EMBER_API Tensor xlogy(const Tensor& a, const Tensor& b);      // 0 where a == 0 (unless b is NaN)

}  // namespace ember
