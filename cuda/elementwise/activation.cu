// CUDA kernels of the activation functions and their backward: the CPU's functors
// (cpu/isa/activation_functors.h) on float32 and float64, as cpu/isa/activation.cpp (the
// front-ends compute the 16-bit dtypes in float32). Forward iterators are (out, input),
// backward ones (grad_input, grad_output, input).
#include "elementwise/functors.cuh"
#include "elementwise/kernels.h"

namespace ember::cuda::ew {

namespace {
template <typename F>
void dispatch_activation(DType t, const char* op, const F& f) {
  if (t == kFloat64) return f(TypeTag<double>{});
  EMBER_CHECK_TYPE(t == kFloat32, op, ": kernel expects float32 or float64, got ", dtype_name(t));
  f(TypeTag<float>{});
}

template <typename T, typename F>
void forward(const TensorIter& iter, const F& f) {
  launch<T, T, T, 1>(iter, UnaryMath<T, T, F>{f}, "activation");
}
template <typename T, typename F>
void backward(const TensorIter& iter, const F& f) {
  launch<T, T, T, 2>(iter, BinaryMath<T, T, F>{f}, "activation_backward");
}

template <typename T>
void activation_typed(const TensorIter& iter, ActivationOp op, const ActivationParams& p) {
  using namespace act;
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b), c = static_cast<T>(p.c);
  switch (op) {
    case ActivationOp::Gelu: return forward<T>(iter, Gelu<T>{});
    case ActivationOp::GeluTanh: return forward<T>(iter, GeluTanh<T>{});
    case ActivationOp::Silu: return forward<T>(iter, Silu<T>{});
    case ActivationOp::Softplus: return forward<T>(iter, Softplus<T>{a, b});
    case ActivationOp::Elu: return forward<T>(iter, Elu<T>{a, b, c});
    case ActivationOp::LeakyRelu: return forward<T>(iter, LeakyRelu<T>{a});
    case ActivationOp::Hardtanh: return forward<T>(iter, Hardtanh<T>{a, b});
    case ActivationOp::Mish: return forward<T>(iter, Mish<T>{});
    case ActivationOp::Hardswish: return forward<T>(iter, Hardswish<T>{});
    case ActivationOp::Hardsigmoid: return forward<T>(iter, Hardsigmoid<T>{});
    case ActivationOp::LogSigmoid: return forward<T>(iter, LogSigmoid<T>{});
    case ActivationOp::Softsign: return forward<T>(iter, Softsign<T>{});
    case ActivationOp::Tanhshrink: return forward<T>(iter, Tanhshrink<T>{});
    case ActivationOp::Threshold: return forward<T>(iter, Threshold<T>{a, b});
    default: EMBER_CHECK(false, "activation: no forward kernel for this op");
  }
}

template <typename T>
void activation_backward_typed(const TensorIter& iter, ActivationOp op, const ActivationParams& p) {
  using namespace act;
  const T a = static_cast<T>(p.a), b = static_cast<T>(p.b), c = static_cast<T>(p.c);
  switch (op) {
    case ActivationOp::Gelu: return backward<T>(iter, GeluBackward<T>{});
    case ActivationOp::GeluTanh: return backward<T>(iter, GeluTanhBackward<T>{});
    case ActivationOp::Silu: return backward<T>(iter, SiluBackward<T>{});
    case ActivationOp::Softplus: return backward<T>(iter, SoftplusBackward<T>{a, b});
    case ActivationOp::Elu: return backward<T>(iter, EluBackward<T>{a, b, c});
    case ActivationOp::LeakyRelu: return backward<T>(iter, LeakyReluBackward<T>{a});
    case ActivationOp::Hardtanh: return backward<T>(iter, HardtanhBackward<T>{a, b});
    case ActivationOp::Mish: return backward<T>(iter, MishBackward<T>{});
    case ActivationOp::Hardswish: return backward<T>(iter, HardswishBackward<T>{});
    case ActivationOp::Hardsigmoid: return backward<T>(iter, HardsigmoidBackward<T>{});
    case ActivationOp::LogSigmoid: return backward<T>(iter, LogSigmoidBackward<T>{});
    case ActivationOp::Softsign: return backward<T>(iter, SoftsignBackward<T>{});
    case ActivationOp::Tanhshrink: return backward<T>(iter, TanhshrinkBackward<T>{});
    case ActivationOp::Threshold: return backward<T>(iter, ThresholdBackward<T>{a});
    case ActivationOp::Relu: return backward<T>(iter, ReluBackward<T>{});
    case ActivationOp::Sigmoid: return backward<T>(iter, SigmoidBackward<T>{});
    case ActivationOp::Tanh: return backward<T>(iter, TanhBackward<T>{});
  }
}
}  // namespace

void activation_cuda(const TensorIter& iter, ActivationOp op, const ActivationParams& params) {
  dispatch_activation(iter.dtype(0), "activation",
                      [&](auto tag) { activation_typed<typename decltype(tag)::type>(iter, op, params); });
}
void activation_backward_cuda(const TensorIter& iter, ActivationOp op, const ActivationParams& params) {
  dispatch_activation(iter.dtype(0), "activation_backward",
                      [&](auto tag) { activation_backward_typed<typename decltype(tag)::type>(iter, op, params); });
}

}  // namespace ember::cuda::ew
