// CPU kernels of the activation functions and their backward, compiled once per ISA. Each
// activation is a scalar functor (activation_functors.h, shared with the CUDA kernels) run by
// one loop, flat and vectorized over contiguous runs. The front-ends hand float32 or float64
// operands (16-bit inputs are computed in float32).
#include "cpu/isa/activation_functors.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {
using namespace act;

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
