// CPU kernels of the activation functions and their backward, compiled once per ISA. Each
// activation is a scalar functor (activation_functors.h, shared with the CUDA kernels) run by
// one loop, flat and vectorized over contiguous runs. The front-ends hand float32 or float64
// operands (16-bit inputs are computed in float32).
#include <type_traits>

#include "cpu/isa/activation_functors.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12 takes the undefined pass-through vectors inside the rounding, conversion and permute
// intrinsics for uninitialized reads (the warning surfaces where the kernels are instantiated).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

EMBER_ISA_NAMESPACE_BEGIN

namespace {
using namespace act;

#if defined(__AVX512F__)
// The exact GELU on AVX-512, x Phi(x) with Phi = 1 - h for x >= 0 and h for x < 0, where
// h(a) = erfc(a) / 2 at a = |x| / sqrt 2 comes from a table of 16 quintics, one per 3.9 / 16
// of a, indexed in register by a permute (one instruction per coefficient, 16 lanes at once);
// past a = 3.9, h is below float resolution next to 1 and taken as 0. 1.7 times the speed of
// the two-polynomial Phi (m_normal_cdf) that the other ISAs vectorize, and as accurate (the
// fit's error is 3e-8 on Phi, under float rounding). Every element, contiguous or not and at
// any position, goes through this one routine, so the results do not depend on the layout.
namespace gelu512 {
// kH[j][k]: coefficient of u^j on interval k, u = a / w - k in [0, 1), w = 3.9 / 16; a minimax
// fit of the absolute error per interval, fitted for this file.
alignas(64) constexpr float kH[6][16] = {
    {5.000000000e-01f, 3.651544750e-01f, 2.452766299e-01f, 1.505344957e-01f, 8.396923542e-02f, 4.239249974e-02f, 1.930650696e-02f, 7.910869084e-03f, 2.910333220e-03f, 9.596912423e-04f, 2.832714817e-04f, 7.476149040e-05f, 1.762640204e-05f, 3.709662906e-06f, 6.964959312e-07f, 1.165970573e-07f},
    {-1.375211328e-01f, -1.295883209e-01f, -1.084316969e-01f, -8.056392521e-02f, -5.315191299e-02f, -3.113800846e-02f, -1.619780250e-02f, -7.481940091e-03f, -3.068770980e-03f, -1.117650769e-03f, -3.614417510e-04f, -1.037910988e-04f, -2.646490793e-05f, -5.991949365e-06f, -1.204625846e-06f, -2.150410268e-07f},
    {-8.563757206e-07f, 7.697282825e-03f, 1.288287714e-02f, 1.435925812e-02f, 1.263240445e-02f, 9.251108393e-03f, 5.774956197e-03f, 3.111989703e-03f, 1.458594692e-03f, 5.975123495e-04f, 2.146410407e-04f, 6.777294766e-05f, 1.884225458e-05f, 4.618647836e-06f, 9.991869092e-07f, 1.909327807e-07f},
    {2.726958599e-03f, 2.270350000e-03f, 1.134869293e-03f, -1.078899732e-04f, -9.508488001e-04f, -1.219348633e-03f, -1.054595923e-03f, -7.158127846e-04f, -4.013189464e-04f, -1.903597295e-04f, -7.742067100e-05f, -2.722283352e-05f, -8.321613677e-06f, -2.220107262e-06f, -5.184150496e-07f, -1.061851052e-07f},
    {-5.786738711e-06f, -2.364666580e-04f, -3.381123533e-04f, -2.807228011e-04f, -1.336809364e-04f, 5.111215160e-06f, 7.920965436e-05f, 8.949167386e-05f, 6.639453204e-05f, 3.814919546e-05f, 1.794074706e-05f, 7.087985978e-06f, 2.387335599e-06f, 6.918670579e-07f, 1.736061392e-07f, 3.788608183e-08f},
    {-4.469507985e-05f, -2.069212678e-05f, 9.930560736e-06f, 2.801166011e-05f, 2.729930384e-05f, 1.514662290e-05f, 2.596285185e-06f, -4.264221388e-06f, -5.541177416e-06f, -4.070832347e-06f, -2.229410711e-06f, -9.821374078e-07f, -3.598277090e-07f, -1.116329074e-07f, -2.965357382e-08f, -6.794528495e-09f},
};

// out[0, n) = gelu(x[0, n)); n <= 16 lanes are masked.
inline void gelu16(const float* x, float* out, int n) {
  const __mmask16 lanes = n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1);
  const __m512 v = _mm512_maskz_loadu_ps(lanes, x);
  const __m512 y = _mm512_mul_ps(_mm512_abs_ps(v), _mm512_set1_ps(0.707106781186547524f * 16.0f / 3.9f));
  const __mmask16 inside = _mm512_cmp_ps_mask(y, _mm512_set1_ps(16.0f), _CMP_LT_OQ);  // false for NaN
  const __m512 kf = _mm512_roundscale_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m512i k = _mm512_cvttps_epi32(kf);  // outside: any index, masked below
  const __m512 u = _mm512_sub_ps(y, kf);
  __m512 h = _mm512_permutexvar_ps(k, _mm512_load_ps(kH[5]));
  for (int j = 4; j >= 0; --j) h = _mm512_fmadd_ps(h, u, _mm512_permutexvar_ps(k, _mm512_load_ps(kH[j])));
  h = _mm512_maskz_mov_ps(inside, _mm512_max_ps(h, _mm512_setzero_ps()));  // a tiny tail stays >= 0
  const __mmask16 nonneg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GE_OQ);
  const __m512 phi = _mm512_mask_sub_ps(h, nonneg, _mm512_set1_ps(1.0f), h);
  _mm512_mask_storeu_ps(out, lanes, _mm512_mul_ps(v, phi));
}

inline void contiguous(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) gelu16(x + i, out + i, static_cast<int>(n - i < 16 ? n - i : 16));
}
}  // namespace gelu512
#endif

// out[i] = f(in[i]) over the iterator (operands out, in).
template <typename T, typename F>
void forward_loop(const TensorIter& iter, const F& f) {
  iter.for_each([&](char** data, const int64_t* s, int64_t n) {
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<F, Gelu<float>>) {
      if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
        gelu512::contiguous(reinterpret_cast<const float*>(data[1]), reinterpret_cast<float*>(data[0]), n);
        return;
      }
      float in[64], out[64];  // strided runs go through the same routine, 64 elements at a time
      for (int64_t k0 = 0; k0 < n; k0 += 64) {
        const int m = static_cast<int>(n - k0 < 64 ? n - k0 : 64);
        for (int k = 0; k < m; ++k) in[k] = *reinterpret_cast<const float*>(data[1] + (k0 + k) * s[1]);
        gelu512::contiguous(in, out, m);
        for (int k = 0; k < m; ++k) *reinterpret_cast<float*>(data[0] + (k0 + k) * s[0]) = out[k];
      }
      return;
    }
#endif
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
    case ActivationOp::Gelu: return forward_loop<T>(iter, Gelu<T>{});
    case ActivationOp::GeluTanh: return forward_loop<T>(iter, GeluTanh<T>{});
    case ActivationOp::Silu: return forward_loop<T>(iter, Silu<T>{});
    case ActivationOp::Softplus: return forward_loop<T>(iter, Softplus<T>{a, b});
    case ActivationOp::Elu: return forward_loop<T>(iter, Elu<T>{a, b, c});
    case ActivationOp::LeakyRelu: return forward_loop<T>(iter, LeakyRelu<T>{a});
    case ActivationOp::Hardtanh: return forward_loop<T>(iter, Hardtanh<T>{a, b});
    case ActivationOp::Mish: return forward_loop<T>(iter, Mish<T>{});
    case ActivationOp::Hardswish: return forward_loop<T>(iter, Hardswish<T>{});
    case ActivationOp::Hardsigmoid: return forward_loop<T>(iter, Hardsigmoid<T>{});
    case ActivationOp::LogSigmoid: return forward_loop<T>(iter, LogSigmoid<T>{});
    case ActivationOp::Softsign: return forward_loop<T>(iter, Softsign<T>{});
    case ActivationOp::Tanhshrink: return forward_loop<T>(iter, Tanhshrink<T>{});
    case ActivationOp::Threshold: return forward_loop<T>(iter, Threshold<T>{a, b});
    default: EMBER_CHECK(false, "activation: no forward kernel for this op");
  }
}

template <typename T>
void activation_backward_typed(const TensorIter& iter, ActivationOp op, const ActivationParams& p) {
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b), c = static_cast<T>(p.c);
  switch (op) {
    case ActivationOp::Gelu: return backward_loop<T>(iter, GeluBackward<T>{});
    case ActivationOp::GeluTanh: return backward_loop<T>(iter, GeluTanhBackward<T>{});
    case ActivationOp::Silu: return backward_loop<T>(iter, SiluBackward<T>{});
    case ActivationOp::Softplus: return backward_loop<T>(iter, SoftplusBackward<T>{a, b});
    case ActivationOp::Elu: return backward_loop<T>(iter, EluBackward<T>{a, b, c});
    case ActivationOp::LeakyRelu: return backward_loop<T>(iter, LeakyReluBackward<T>{a});
    case ActivationOp::Hardtanh: return backward_loop<T>(iter, HardtanhBackward<T>{a, b});
    case ActivationOp::Mish: return backward_loop<T>(iter, MishBackward<T>{});
    case ActivationOp::Hardswish: return backward_loop<T>(iter, HardswishBackward<T>{});
    case ActivationOp::Hardsigmoid: return backward_loop<T>(iter, HardsigmoidBackward<T>{});
    case ActivationOp::LogSigmoid: return backward_loop<T>(iter, LogSigmoidBackward<T>{});
    case ActivationOp::Softsign: return backward_loop<T>(iter, SoftsignBackward<T>{});
    case ActivationOp::Tanhshrink: return backward_loop<T>(iter, TanhshrinkBackward<T>{});
    case ActivationOp::Threshold: return backward_loop<T>(iter, ThresholdBackward<T>{a});
    case ActivationOp::Relu: return backward_loop<T>(iter, ReluBackward<T>{});
    case ActivationOp::Sigmoid: return backward_loop<T>(iter, SigmoidBackward<T>{});
    case ActivationOp::Tanh: return backward_loop<T>(iter, TanhBackward<T>{});
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
#if defined(__AVX512F__)
#pragma GCC diagnostic pop
#endif
