#pragma once
// Scalar special functions that libm lacks, in double (float and the 16-bit floats call them
// through double, which leaves their results correctly rounded in practice). Host and device
// code: the CUDA kernels call the same functions.
#include <cmath>
#include <limits>

#include "cpu/isa/isa.h"
#include "ember/api.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace special {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;

// Inverse error function: a polynomial first guess in w = -log(1 - y^2) (after M. Giles,
// "Approximating the erfinv function", 2010), then refinement on erf(x) = |y|. Below 0.5:
// Halley steps on erf (erf'' = -2x erf'). Above: Newton steps on log(erfc(x)) = log(1 - |y|),
// nearly linear in the tail, where erf(x) rounds to 1 and the first guess is least accurate.
EMBER_HOST_DEVICE double erfinv(double y) {
  if (!(y > -1.0 && y < 1.0)) {  // NaN too
    if (y == 1.0) return std::numeric_limits<double>::infinity();
    if (y == -1.0) return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (y == 0.0) return y;  // keeps -0.0
  const double a = std::fabs(y);
  double w = -std::log((1.0 - a) * (1.0 + a)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  double x = p * a;
  if (a < 0.5) {
    for (int i = 0; i < 2; ++i) {
      const double dx = (std::erf(x) - a) / (kTwoOverSqrtPi * std::exp(-x * x));
      x -= dx / (1.0 + x * dx);
    }
  } else {
    const double log_target = std::log(1.0 - a);  // 1 - a is exact here
    for (int i = 0; i < 6; ++i) {  // 2 or 3 steps but within ~1e-13 of 1
      const double e = std::erfc(x);
      const double dx = (std::log(e) - log_target) * e / (kTwoOverSqrtPi * std::exp(-x * x));
      x += dx;
      if (std::fabs(dx) <= 1e-15 * x) break;
    }
  }
  return std::copysign(x, y);
}

// Digamma (psi): the reflection formula for negative arguments, the recurrence
// psi(x) = psi(x + 1) - 1 / x up to x >= 10, then the asymptotic series in 1 / x^2.
// Like PyTorch: -inf at +0, +inf at -0, NaN at negative integers and -inf.
// (The reflection is written without recursion: device code and always-inline functions
// cannot recurse. 1 - x of a negative non-integer is finite and above 1.)
EMBER_HOST_DEVICE double digamma(double x) {
  if (x == 0.0) return std::copysign(std::numeric_limits<double>::infinity(), -x);
  bool reflected = false;
  double reflection = 0.0;
  if (x < 0.0) {
    if (x == std::trunc(x)) return std::numeric_limits<double>::quiet_NaN();
    // pi / tan(pi x) has period 1: reduce exactly first so that large |x| keep their accuracy.
    const double r = std::fmod(x, 1.0);
    reflection = kPi / std::tan(kPi * r);
    reflected = true;
    x = 1.0 - x;  // digamma(x) = digamma(1 - x) - pi / tan(pi x)
  }
  double result = 0.0;
  while (x < 10.0) {  // false for NaN
    result -= 1.0 / x;
    x += 1.0;
  }
  if (x == std::numeric_limits<double>::infinity()) return reflected ? x - reflection : x;
  const double z = 1.0 / (x * x);
  // Bernoulli terms B_2k / (2k x^2k), k = 1..7
  const double series =
      z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132 - z * (691.0 / 32760 - z / 12))))));
  const double value = result + std::log(x) - 0.5 / x - series;
  return reflected ? value - reflection : value;
}

}  // namespace special
EMBER_ISA_NAMESPACE_END
