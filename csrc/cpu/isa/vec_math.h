#pragma once
// float32 exp, log, tanh, sigmoid, sin/cos and erf written so that the compiler vectorizes them
// inside `#pragma omp simd` loops: libm calls do not vectorize. Each is Cephes-style: an exact
// argument reduction, a short polynomial, a reconstruction; special values (inf, NaN, overflow,
// denormal results) come out of selects, not branches. Accuracy: within about 3 ulp of the
// correctly rounded result over the whole float range (tests/test_elementwise_vec_math.py).
// sin/cos reduce exactly only for |x| <= kTrigLimit; callers send larger arguments to libm.
// The selects vectorize only with -fno-trapping-math (set for cpu/isa/ files): otherwise GCC
// keeps them as branches, since a floating-point operation it would hoist might trap.
//
// This header lives inside the per-ISA namespace: the same inline functions compiled for
// different instruction sets must not be merged by the linker.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu/isa/isa.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace vec {

inline float as_float(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
inline uint32_t as_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

constexpr float kInf = __builtin_huge_valf();
constexpr float kNaN = __builtin_nanf("");
// Adding 1.5 * 2^23 to a float of magnitude < 2^22 rounds it to an integer (ties to even), and
// the integer can then be read from the sum's low mantissa bits. Unlike nearbyintf this needs
// no SSE4.1, so the base build vectorizes it too.
constexpr float kRoundMagic = 12582912.0f;

// e^x = 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2) / 2.
inline float exp(float x) {
  // Outside [-104, 89] the result is 0 or inf anyway; clamping keeps n in [-150, 128].
  // (Comparisons with NaN are false, so NaN passes through unchanged.)
  x = x < -104.0f ? -104.0f : x;
  x = x > 89.0f ? 89.0f : x;
  const float t = x * 1.44269504088896341f + kRoundMagic;
  const float n = t - kRoundMagic;
  const int32_t ni = static_cast<int32_t>(as_bits(t) - as_bits(kRoundMagic));
  // ln 2 in two parts: the first has 9 significant bits, so n * part is exact.
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * (r * r) + r + 1.0f;
  // 2^n as two normal factors, so that denormal results (n < -126) and n = 128 stay exact up
  // to the final rounding.
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  return y * as_float(static_cast<uint32_t>(n1 + 127) << 23) * as_float(static_cast<uint32_t>(n2 + 127) << 23);
}

// log x = e ln 2 + log m with x = m 2^e, m in [sqrt(1/2), sqrt(2)).
inline float log(float x) {
  // Denormals are scaled into the normal range first.
  const bool tiny = x < 1.17549435e-38f;
  const uint32_t u = as_bits(tiny ? x * 33554432.0f : x);
  const int32_t e = static_cast<int32_t>((u >> 23) & 0xffu) - 126 - (tiny ? 25 : 0);
  const float m = as_float((u & 0x007fffffu) | 0x3f000000u);  // in [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  const float f = low ? m + m - 1.0f : m - 1.0f;  // exact
  const float ef = static_cast<float>(e - (low ? 1 : 0));
  const float z = f * f;
  float p = 7.0376836292e-2f;
  p = p * f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  float y = p * f * z;
  y += ef * -2.12194440e-4f;
  y += -0.5f * z;
  float r = f + y;
  r += ef * 0.693359375f;
  r = x == kInf ? kInf : r;
  r = x == 0.0f ? -kInf : r;
  r = x < 0.0f ? kNaN : r;
  return x != x ? x : r;
}

inline float tanh(float x) {
  const float a = std::fabs(x);
  // |x| < 0.625: an odd polynomial; above, 1 - 2 / (e^2|x| + 1), which saturates to 1.
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = x + x * z * p;
  const float big = std::copysign(1.0f - 2.0f / (vec::exp(a + a) + 1.0f), x);
  return a < 0.625f ? std::copysign(small, x) : big;  // odd: tanh(-0.0) is -0.0
}

// 1 / (1 + e^-x), written with e^-|x| so that large negative x gives e^x (down to denormals)
// instead of 1 / inf.
inline float sigmoid(float x) {
  const float e = vec::exp(-std::fabs(x));
  const float s = 1.0f / (1.0f + e);
  return x >= 0.0f ? s : e * s;
}

// Up to here the three-part reduction by pi/4 below is exact (y * part needs <= 24 bits).
constexpr float kTrigLimit = 8192.0f;

// sin and cos of |x| <= kTrigLimit: x = q pi/2 + r with |r| <= pi/4, then one polynomial each.
inline void sincos(float x, float& s, float& c) {
  // Larger arguments (and NaN) are zeroed first so the float -> int conversion stays defined;
  // their results are replaced by the caller.
  const float a = std::fabs(x) <= kTrigLimit ? std::fabs(x) : 0.0f;
  int32_t j = static_cast<int32_t>(a * 1.27323954473516f);  // a / (pi/4)
  j = (j + 1) & ~1;
  const float y = static_cast<float>(j);
  const float r = ((a - y * 0.78515625f) - y * 2.4187564849853515625e-4f) - y * 3.77489497744594108e-8f;
  const int32_t q = (j >> 1) & 3;
  const float z = r * r;
  const float ps = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
  const float pc = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z -
                   0.5f * z + 1.0f;
  float sv = (q & 1) ? pc : ps;
  float cv = (q & 1) ? ps : pc;
  sv = (q & 2) ? -sv : sv;
  cv = ((q + 1) & 2) ? -cv : cv;
  s = as_float(as_bits(sv) ^ (as_bits(x) & 0x80000000u));  // sin is odd: sin(-0) = -0
  c = cv;
}
inline float sin(float x) { float s, c; vec::sincos(x, s, c); return s; }
inline float cos(float x) { float s, c; vec::sincos(x, s, c); return c; }
// True where sin/cos above are not exact enough (huge arguments, inf, NaN).
inline bool trig_needs_libm(float x) { return !(std::fabs(x) <= kTrigLimit); }

// erf: x P(x^2) below 1; 1 - e^-x^2 Q(1/x) (Q fits erfcx) up to 3.9, where erf rounds to 1.
// Coefficients fitted for this file (weighted least squares on Chebyshev nodes).
inline float erf(float x) {
  const float a = std::fabs(x);
  const float z = x * x;
  float p = 7.854221621528268e-05f;
  p = p * z - 8.010311285033822e-04f;
  p = p * z + 5.188342649489641e-03f;
  p = p * z - 2.685382030904293e-02f;
  p = p * z + 1.128358542919159e-01f;
  p = p * z - 3.761262595653534e-01f;
  p = p * z + 1.128379106521606e+00f;
  const float small = x * p;
  const float t = 1.0f / (a < 1.0f ? 1.0f : a);
  float q = 2.92191281914711e-02f;
  q = q * t - 1.7119194567203522e-01f;
  q = q * t + 4.171018600463867e-01f;
  q = q * t - 5.070353150367737e-01f;
  q = q * t + 2.117592990398407e-01f;
  q = q * t + 2.4574466049671173e-01f;
  q = q * t - 3.816203474998474e-01f;
  q = q * t + 2.1886585280299187e-02f;
  q = q * t + 5.615882277488708e-01f;
  q = q * t + 1.314062246819958e-04f;
  float big = 1.0f - vec::exp(-z) * q;
  big = a >= 3.9f ? 1.0f : big;
  big = std::copysign(big, x);
  const float r = a < 1.0f ? small : big;
  return x != x ? x : r;
}

}  // namespace vec
EMBER_ISA_NAMESPACE_END
