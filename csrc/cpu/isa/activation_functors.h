#pragma once
// The math of the activation functions and their backward, one scalar functor per op (its
// parameters as members), on float or double. Formulas follow PyTorch's, including which side
// of a kink or threshold takes which branch. The CPU kernels (activation.cpp) and the CUDA ones
// (cuda/elementwise/activation.cu, which includes this header with EMBER_ISA set to its own
// namespace) run the same functors: on the CPU float32 math goes through vec_math.h
// (branch-free, so the loops vectorize) and float64 through libm; under nvcc both go through
// the device libm.
#include <algorithm>
#include <cmath>

#include "cpu/isa/isa.h"
#include "ember/api.h"
#if !defined(__CUDACC__)
#include "cpu/isa/vec_math.h"
#endif

EMBER_ISA_NAMESPACE_BEGIN
namespace act {

// The math of one element: vec_math for float32, libm for float64 (the device libm for both
// under nvcc).
#if !defined(__CUDACC__)
inline float m_exp(float x) { return vec::exp(x); }
inline float m_tanh(float x) { return vec::tanh(x); }
inline float m_sigmoid(float x) { return vec::sigmoid(x); }
// log1p and expm1 from exp/log with the classic correction (the rounding of u = 1 + y, or of
// u = e^x, cancels in the ratio), as selects so that float32 loops vectorize.
inline float m_log1p(float y) {
  const float u = 1.0f + y;
  const float r = vec::log(u) * (y / (u - 1.0f));
  return u == 1.0f ? y : (u == vec::kInf ? u : r);
}
inline float m_expm1(float x) {
  const float u = vec::exp(x);
  const float r = (u - 1.0f) * (x / vec::log(u));
  return u == 1.0f ? x : (u - 1.0f == -1.0f ? -1.0f : (u == vec::kInf ? u : r));
}
// The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2 for the exact GELU, x Phi(x), in
// two polynomials and no exp or division (vec::erf needs both): with t = x / sqrt 2, below
// |t| = 1.2 Phi = 1/2 + t P(t^2); above, h = erfc(|t|) / 2 is one polynomial in |t| - 2.55 up to
// |t| = 3.9, where it falls under float resolution next to 1 (and is taken as 0), and
// Phi = 1 - h for x >= 0, h for x < 0. Coefficients fitted for this file (minimax of the
// absolute error, 1e-8 on Phi). Giving h for x < 0 directly, rather than 1 + erf, avoids
// the cancellation there, so gelu is at least as accurate as through vec::erf: within 2 ulp
// for x >= 0, 3 ulp for x > -1, and 1.3e-7 max(1, |x|) absolute everywhere. (The AVX-512
// kernel runs a faster table form of the same CDF: activation.cpp.)
inline float m_normal_cdf(float x) {
  const float t = x * 0.707106781186547524f;
  const float a = std::fabs(t);
  const float z = t * t;
  float p = 3.147784810e-05f;
  p = p * z - 3.726128489e-04f;
  p = p * z + 2.555583604e-03f;
  p = p * z - 1.340122707e-02f;
  p = p * z + 5.640961230e-02f;
  p = p * z - 1.880619824e-01f;
  p = p * z + 5.641895533e-01f;
  const float near_zero = 0.5f + t * p;
  const float s = a - 2.55f;
  float q = 4.547454409e-06f;
  q = q * s - 7.468167496e-06f;
  q = q * s - 3.592859866e-05f;
  q = q * s + 1.211842391e-04f;
  q = q * s - 8.420230006e-05f;
  q = q * s - 3.279483062e-04f;
  q = q * s + 1.300593256e-03f;
  q = q * s - 2.646548906e-03f;
  q = q * s + 3.596363124e-03f;
  q = q * s - 3.387405071e-03f;
  q = q * s + 2.157745650e-03f;
  q = q * s - 8.460112731e-04f;
  q = q * s + 1.553266629e-04f;
  float h = q > 0.0f ? q : 0.0f;  // the fit's error must not turn a tiny tail negative
  h = a < 3.9f ? h : 0.0f;        // also inf (and NaN, which x * Phi passes through)
  const float tail = x >= 0.0f ? 1.0f - h : h;
  return a < 1.2f ? near_zero : tail;
}
#else
EMBER_HOST_DEVICE float m_exp(float x) { return std::exp(x); }
EMBER_HOST_DEVICE float m_tanh(float x) { return std::tanh(x); }
EMBER_HOST_DEVICE float m_sigmoid(float x) {
  const float e = std::exp(-std::fabs(x)), s = 1.0f / (1.0f + e);
  return x >= 0 ? s : e * s;
}
EMBER_HOST_DEVICE float m_log1p(float y) { return std::log1p(y); }
EMBER_HOST_DEVICE float m_expm1(float x) { return std::expm1(x); }
EMBER_HOST_DEVICE float m_normal_cdf(float x) { return 0.5f * (1.0f + std::erf(x * 0.707106781186547524f)); }
#endif
EMBER_HOST_DEVICE double m_exp(double x) { return std::exp(x); }
EMBER_HOST_DEVICE double m_tanh(double x) { return std::tanh(x); }
EMBER_HOST_DEVICE double m_sigmoid(double x) {
  const double e = std::exp(-std::fabs(x)), s = 1.0 / (1.0 + e);
  return x >= 0 ? s : e * s;
}
EMBER_HOST_DEVICE double m_log1p(double y) { return std::log1p(y); }
EMBER_HOST_DEVICE double m_expm1(double x) { return std::expm1(x); }
EMBER_HOST_DEVICE double m_normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x * 0.70710678118654752440)); }

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluKappa = 0.044715;

template <typename T>
EMBER_HOST_DEVICE T sigmoid(T x) {
  return m_sigmoid(x);
}
// tanh(softplus(x)) with one exp: with e = exp(x), (1 + e)^2 = n + 1 for n = e * (e + 2), and
// tanh(log(1 + e)) = ((1 + e)^2 - 1) / ((1 + e)^2 + 1) = n / (n + 2). Above 20 it is 1 to
// double precision (and e * e would overflow float32 near 44).
template <typename T>
EMBER_HOST_DEVICE T mish_tanh(T x) {
  const T e = m_exp(std::min(x, T(20)));
  const T n = e * (e + T(2));
  return x > T(20) ? T(1) : n / (n + T(2));
}

// ---- forward: y = f(x). Parameters as in dispatch/kernels.h (ActivationParams) ----
template <typename T> struct Gelu {
  EMBER_HOST_DEVICE T operator()(T x) const { return x * m_normal_cdf(x); }
};
template <typename T> struct GeluTanh {
  EMBER_HOST_DEVICE T operator()(T x) const {
    return T(0.5) * x * (T(1) + m_tanh(T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x)));
  }
};
template <typename T> struct Silu {
  EMBER_HOST_DEVICE T operator()(T x) const { return x * sigmoid(x); }
};
template <typename T> struct Softplus {  // a = beta, b = threshold: linear above threshold / beta
  T a, b;
  EMBER_HOST_DEVICE T operator()(T x) const { return x * a > b ? x : m_log1p(m_exp(x * a)) / a; }
};
template <typename T> struct Elu {  // scale * (x > 0 ? x : alpha * (exp(x * input_scale) - 1))
  T a, b, c;
  EMBER_HOST_DEVICE T operator()(T x) const { return x <= T(0) ? b * a * m_expm1(x * c) : x * b; }
};
template <typename T> struct LeakyRelu {
  T a;
  EMBER_HOST_DEVICE T operator()(T x) const { return x > T(0) ? x : x * a; }
};
template <typename T> struct Hardtanh {  // NaN passes through
  T a, b;
  EMBER_HOST_DEVICE T operator()(T x) const { return x < a ? a : (x > b ? b : x); }
};
template <typename T> struct Mish {
  EMBER_HOST_DEVICE T operator()(T x) const { return x * mish_tanh(x); }
};
template <typename T> struct Hardswish {
  EMBER_HOST_DEVICE T operator()(T x) const { return x * std::min(std::max(x + T(3), T(0)), T(6)) / T(6); }
};
template <typename T> struct Hardsigmoid {
  EMBER_HOST_DEVICE T operator()(T x) const { return std::min(std::max(x + T(3), T(0)), T(6)) / T(6); }
};
template <typename T> struct LogSigmoid {
  EMBER_HOST_DEVICE T operator()(T x) const { return std::min(x, T(0)) - m_log1p(m_exp(-std::abs(x))); }
};
template <typename T> struct Softsign {
  EMBER_HOST_DEVICE T operator()(T x) const { return x / (T(1) + std::abs(x)); }
};
template <typename T> struct Tanhshrink {
  EMBER_HOST_DEVICE T operator()(T x) const { return x - m_tanh(x); }
};
template <typename T> struct Threshold {  // a = threshold, b = value
  T a, b;
  EMBER_HOST_DEVICE T operator()(T x) const { return x <= a ? b : x; }
};

// ---- backward: grad_in = f(grad_out, x) ----
template <typename T> struct GeluBackward {  // Phi(x) + x * phi(x)
  EMBER_HOST_DEVICE T operator()(T g, T x) const {
    const T cdf = m_normal_cdf(x);
    const T pdf = T(kInvSqrt2Pi) * m_exp(T(-0.5) * x * x);
    return g * (cdf + x * pdf);
  }
};
template <typename T> struct GeluTanhBackward {
  EMBER_HOST_DEVICE T operator()(T g, T x) const {
    const T inner = T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x);
    const T t = m_tanh(inner);
    const T d_inner = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluKappa) * x * x);
    return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * d_inner);
  }
};
template <typename T> struct SiluBackward {
  EMBER_HOST_DEVICE T operator()(T g, T x) const {
    const T s = sigmoid(x);
    return g * s * (T(1) + x * (T(1) - s));
  }
};
template <typename T> struct SoftplusBackward {
  T a, b;
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x * a > b ? g : g * sigmoid(x * a); }
};
template <typename T> struct EluBackward {
  T a, b, c;
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x <= T(0) ? g * b * a * c * m_exp(x * c) : g * b; }
};
template <typename T> struct LeakyReluBackward {
  T a;
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x > T(0) ? g : g * a; }
};
template <typename T> struct HardtanhBackward {  // zero at and beyond the bounds (and for NaN), as PyTorch
  T a, b;
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x > a && x < b ? g : T(0); }
};
template <typename T> struct MishBackward {
  EMBER_HOST_DEVICE T operator()(T g, T x) const {
    if (x > T(20)) return g;
    const T t = mish_tanh(x);
    return g * (t + x * sigmoid(x) * (T(1) - t * t));
  }
};
template <typename T> struct HardswishBackward {
  EMBER_HOST_DEVICE T operator()(T g, T x) const {
    return x <= T(-3) ? T(0) : (x >= T(3) ? g : g * (x / T(3) + T(0.5)));
  }
};
template <typename T> struct HardsigmoidBackward {
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x > T(-3) && x < T(3) ? g / T(6) : T(0); }
};
template <typename T> struct LogSigmoidBackward {  // d/dx = sigmoid(-x)
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return g * sigmoid(-x); }
};
template <typename T> struct SoftsignBackward {
  EMBER_HOST_DEVICE T operator()(T g, T x) const {
    const T d = T(1) + std::abs(x);
    return g / (d * d);
  }
};
template <typename T> struct TanhshrinkBackward {
  EMBER_HOST_DEVICE T operator()(T g, T x) const {
    const T t = m_tanh(x);
    return g * t * t;
  }
};
template <typename T> struct ThresholdBackward {
  T a;
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x <= a ? T(0) : g; }
};
template <typename T> struct ReluBackward {
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x <= T(0) ? T(0) : g; }
};
template <typename T> struct SigmoidBackward {  // x is the output y: y * (1 - y)
  EMBER_HOST_DEVICE T operator()(T g, T y) const { return g * y * (T(1) - y); }
};
template <typename T> struct TanhBackward {  // x is the output y: 1 - y^2
  EMBER_HOST_DEVICE T operator()(T g, T y) const { return g * (T(1) - y * y); }
};

}  // namespace act
EMBER_ISA_NAMESPACE_END
