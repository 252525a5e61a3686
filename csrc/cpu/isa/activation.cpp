// CPU kernels of the activation functions and their backward, compiled once per ISA. Each
// activation is a scalar functor (its parameters captured) run by one loop, flat and
// vectorized over contiguous runs; float32 math goes through vec_math.h (branch-free, so the
// loops vectorize), float64 through libm. The front-ends hand float32 or float64 operands
// (16-bit inputs are computed in float32). Formulas follow PyTorch's, including which side of a
// kink or threshold takes which branch.
#include <algorithm>
#include <cmath>

#include "cpu/isa/vec_math.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {

// The math of one element: vec_math for float32, libm for float64.
inline float m_exp(float x) { return vec::exp(x); }
inline double m_exp(double x) { return std::exp(x); }
inline float m_tanh(float x) { return vec::tanh(x); }
inline double m_tanh(double x) { return std::tanh(x); }
inline float m_erf(float x) { return vec::erf(x); }
inline double m_erf(double x) { return std::erf(x); }
inline float m_sigmoid(float x) { return vec::sigmoid(x); }
inline double m_sigmoid(double x) {
  const double e = std::exp(-std::fabs(x)), s = 1.0 / (1.0 + e);
  return x >= 0 ? s : e * s;
}
// log1p and expm1 from exp/log with the classic correction (the rounding of u = 1 + y, or of
// u = e^x, cancels in the ratio), as selects so that float32 loops vectorize.
inline float m_log1p(float y) {
  const float u = 1.0f + y;
  const float r = vec::log(u) * (y / (u - 1.0f));
  return u == 1.0f ? y : (u == vec::kInf ? u : r);
}
inline double m_log1p(double y) { return std::log1p(y); }
inline float m_expm1(float x) {
  const float u = vec::exp(x);
  const float r = (u - 1.0f) * (x / vec::log(u));
  return u == 1.0f ? x : (u - 1.0f == -1.0f ? -1.0f : (u == vec::kInf ? u : r));
}
inline double m_expm1(double x) { return std::expm1(x); }

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kGeluKappa = 0.044715;

template <typename T>
T sigmoid(T x) {
  return m_sigmoid(x);
}
// tanh(softplus(x)) with one exp: with e = exp(x), (1 + e)^2 = n + 1 for n = e * (e + 2), and
// tanh(log(1 + e)) = ((1 + e)^2 - 1) / ((1 + e)^2 + 1) = n / (n + 2). Above 20 it is 1 to
// double precision (and e * e would overflow float32 near 44).
template <typename T>
T mish_tanh(T x) {
  const T e = m_exp(std::min(x, T(20)));
  const T n = e * (e + T(2));
  return x > T(20) ? T(1) : n / (n + T(2));
}

// out[i] = f(in[i]) over the iterator (operands out, in).
template <typename T, typename F>
void forward_loop(const TensorIter& iter, const F& f) {
  iter.for_each([&](char** data, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
      T* o = reinterpret_cast<T*>(data[0]);
      const T* x = reinterpret_cast<const T*>(data[1]);
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) o[k] = f(x[k]);
    } else {
      for (int64_t k = 0; k < n; ++k)
        *reinterpret_cast<T*>(data[0] + k * s[0]) = f(*reinterpret_cast<const T*>(data[1] + k * s[1]));
    }
  });
}

// grad_in[i] = f(grad_out[i], x[i]) (operands grad_in, grad_out, x).
template <typename T, typename F>
void backward_loop(const TensorIter& iter, const F& f) {
  iter.for_each([&](char** data, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == sizeof(T)) {
      T* o = reinterpret_cast<T*>(data[0]);
      const T* g = reinterpret_cast<const T*>(data[1]);
      const T* x = reinterpret_cast<const T*>(data[2]);
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) o[k] = f(g[k], x[k]);
    } else {
      for (int64_t k = 0; k < n; ++k)
        *reinterpret_cast<T*>(data[0] + k * s[0]) =
            f(*reinterpret_cast<const T*>(data[1] + k * s[1]), *reinterpret_cast<const T*>(data[2] + k * s[2]));
    }
  });
}

template <typename T>
void activation_typed(const TensorIter& iter, ActivationOp op, const ActivationParams& p) {
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b), c = static_cast<T>(p.c);
  switch (op) {
    case ActivationOp::Gelu:
      return forward_loop<T>(iter, [](T x) { return x * T(0.5) * (T(1) + m_erf(x * T(kSqrt1_2))); });
    case ActivationOp::GeluTanh:
      return forward_loop<T>(iter, [](T x) {
        return T(0.5) * x * (T(1) + m_tanh(T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x)));
      });
    case ActivationOp::Silu: return forward_loop<T>(iter, [](T x) { return x * sigmoid(x); });
    case ActivationOp::Softplus:  // linear above threshold / beta
      return forward_loop<T>(iter, [a, b](T x) { return x * a > b ? x : m_log1p(m_exp(x * a)) / a; });
    case ActivationOp::Elu:  // scale * (x > 0 ? x : alpha * (exp(x * input_scale) - 1))
      return forward_loop<T>(iter, [a, b, c](T x) { return x <= T(0) ? b * a * m_expm1(x * c) : x * b; });
    case ActivationOp::LeakyRelu: return forward_loop<T>(iter, [a](T x) { return x > T(0) ? x : x * a; });
    case ActivationOp::Hardtanh:  // NaN passes through
      return forward_loop<T>(iter, [a, b](T x) { return x < a ? a : (x > b ? b : x); });
    case ActivationOp::Mish: return forward_loop<T>(iter, [](T x) { return x * mish_tanh(x); });
    case ActivationOp::Hardswish:
      return forward_loop<T>(iter, [](T x) { return x * std::min(std::max(x + T(3), T(0)), T(6)) / T(6); });
    case ActivationOp::Hardsigmoid:
      return forward_loop<T>(iter, [](T x) { return std::min(std::max(x + T(3), T(0)), T(6)) / T(6); });
    case ActivationOp::LogSigmoid:
      return forward_loop<T>(iter, [](T x) { return std::min(x, T(0)) - m_log1p(m_exp(-std::abs(x))); });
    case ActivationOp::Softsign: return forward_loop<T>(iter, [](T x) { return x / (T(1) + std::abs(x)); });
    case ActivationOp::Tanhshrink: return forward_loop<T>(iter, [](T x) { return x - m_tanh(x); });
    case ActivationOp::Threshold: return forward_loop<T>(iter, [a, b](T x) { return x <= a ? b : x; });
    default: EMBER_CHECK(false, "activation: no forward kernel for this op");
  }
}

template <typename T>
void activation_backward_typed(const TensorIter& iter, ActivationOp op, const ActivationParams& p) {
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b), c = static_cast<T>(p.c);
  switch (op) {
    case ActivationOp::Gelu:  // Phi(x) + x * phi(x)
      return backward_loop<T>(iter, [](T g, T x) {
        const T cdf = T(0.5) * (T(1) + m_erf(x * T(kSqrt1_2)));
        const T pdf = T(kInvSqrt2Pi) * m_exp(T(-0.5) * x * x);
        return g * (cdf + x * pdf);
      });
    case ActivationOp::GeluTanh:
      return backward_loop<T>(iter, [](T g, T x) {
        const T inner = T(kSqrt2OverPi) * (x + T(kGeluKappa) * x * x * x);
        const T t = m_tanh(inner);
        const T d_inner = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluKappa) * x * x);
        return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * d_inner);
      });
    case ActivationOp::Silu:
      return backward_loop<T>(iter, [](T g, T x) {
        const T s = sigmoid(x);
        return g * s * (T(1) + x * (T(1) - s));
      });
    case ActivationOp::Softplus:
      return backward_loop<T>(iter, [a, b](T g, T x) { return x * a > b ? g : g * sigmoid(x * a); });
    case ActivationOp::Elu:
      return backward_loop<T>(iter, [a, b, c](T g, T x) { return x <= T(0) ? g * b * a * c * m_exp(x * c) : g * b; });
    case ActivationOp::LeakyRelu: return backward_loop<T>(iter, [a](T g, T x) { return x > T(0) ? g : g * a; });
    case ActivationOp::Hardtanh:  // zero at and beyond the bounds (and for NaN), as PyTorch
      return backward_loop<T>(iter, [a, b](T g, T x) { return x > a && x < b ? g : T(0); });
    case ActivationOp::Mish:
      return backward_loop<T>(iter, [](T g, T x) {
        if (x > T(20)) return g;
        const T t = mish_tanh(x);
        return g * (t + x * sigmoid(x) * (T(1) - t * t));
      });
    case ActivationOp::Hardswish:
      return backward_loop<T>(iter, [](T g, T x) {
        return x <= T(-3) ? T(0) : (x >= T(3) ? g : g * (x / T(3) + T(0.5)));
      });
    case ActivationOp::Hardsigmoid:
      return backward_loop<T>(iter, [](T g, T x) { return x > T(-3) && x < T(3) ? g / T(6) : T(0); });
    case ActivationOp::LogSigmoid:  // d/dx = sigmoid(-x)
      return backward_loop<T>(iter, [](T g, T x) { return g * sigmoid(-x); });
    case ActivationOp::Softsign:
      return backward_loop<T>(iter, [](T g, T x) {
        const T d = T(1) + std::abs(x);
        return g / (d * d);
      });
    case ActivationOp::Tanhshrink:
      return backward_loop<T>(iter, [](T g, T x) {
        const T t = m_tanh(x);
        return g * t * t;
      });
    case ActivationOp::Threshold: return backward_loop<T>(iter, [a](T g, T x) { return x <= a ? T(0) : g; });
    case ActivationOp::Relu: return backward_loop<T>(iter, [](T g, T x) { return x <= T(0) ? T(0) : g; });
    case ActivationOp::Sigmoid:  // x is the output y: y * (1 - y)
      return backward_loop<T>(iter, [](T g, T y) { return g * y * (T(1) - y); });
    case ActivationOp::Tanh:  // x is the output y: 1 - y^2
      return backward_loop<T>(iter, [](T g, T y) { return g * (T(1) - y * y); });
  }
}

template <typename F>
void dispatch_activation(DType t, const char* op, const F& f) {
  if (t == kFloat64) return f(TypeTag<double>{});
  EMBER_CHECK_TYPE(t == kFloat32, op, ": kernel expects float32 or float64, got ", dtype_name(t));
  f(TypeTag<float>{});
}

void cpu_activation(const TensorIter& iter, ActivationOp op, const ActivationParams& p) {
  dispatch_activation(iter.dtype(0), "activation",
                      [&](auto tag) { activation_typed<typename decltype(tag)::type>(iter, op, p); });
}
void cpu_activation_backward(const TensorIter& iter, ActivationOp op, const ActivationParams& p) {
  dispatch_activation(iter.dtype(0), "activation_backward",
                      [&](auto tag) { activation_backward_typed<typename decltype(tag)::type>(iter, op, p); });
}

}  // namespace

void register_activation_kernels() {
  activation_kernel.set(DeviceType::CPU, cpu_activation);
  activation_backward_kernel.set(DeviceType::CPU, cpu_activation_backward);
}

EMBER_ISA_NAMESPACE_END
