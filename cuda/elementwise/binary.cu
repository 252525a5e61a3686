// CUDA binary kernels of arithmetic: the CPU's functors (cpu/isa/functors.h) on the same
// dtypes as cpu/isa/elementwise.cpp. Every input has the compute dtype, and so has the output.
// Comparisons, logic and bit operations are in binary_logic.cu.
//
// Integer division by zero (div with rounding_mode, floor_divide, remainder, fmod): unlike the
// CPU kernel, which raises ZeroDivisionError, the CUDA kernel raises nothing, as PyTorch's CUDA
// kernels do: raising would need a flag read back from the device after every launch (a
// synchronization of the stream). The element gets what the shared functor returns, 0, and
// the GPU never traps (see fn::ZeroFlag).
#include "elementwise/functors.cuh"
#include "elementwise/kernels.h"

namespace ember::cuda::ew {

namespace {
// out = F(a, b) with out and inputs of dtype T.
template <template <typename> class F, typename T, typename... Args>
void same_type(const TensorIter& iter, const char* name, Args... args) {
  using C = opmath_t<T>;
  launch<T, T, T, 2>(iter, BinaryMath<T, T, F<C>>{F<C>{args...}}, name);
}

template <template <typename> class F, unsigned Set>
void arithmetic(const TensorIter& iter, const char* name) {
  dispatch_in<Set>(iter.dtype(1), name, [&](auto tag) { same_type<F, typename decltype(tag)::type>(iter, name); });
}

bool one(const Scalar& s) { return s.is_floating() ? s.to_double() == 1.0 : s.to_int64() == 1; }

void add_kernel(const TensorIter& iter, const Scalar& alpha, bool subtract) {
  const char* name = subtract ? "sub" : "add";
  dispatch_all(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = opmath_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      same_type<fn::AddAlpha, T>(iter, name, alpha.to<bool>());  // sub of bools never gets here
    } else if (one(alpha)) {
      if (subtract) same_type<fn::Sub, T>(iter, name);
      else same_type<fn::Add, T>(iter, name);
    } else {
      const C a = alpha.to<C>();
      same_type<fn::AddAlpha, T>(iter, name, subtract ? fn::wrap_neg(a) : a);
    }
  });
}

void pow_kernel(const TensorIter& iter) {
  dispatch_numeric(iter.dtype(1), "pow", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_integral_v<T>) {
      // x ** 2 with a number: exactly x * x (what the CPU computes), cheaper than pow
      if (iter.is_cpu_scalar(2) && static_cast<opmath_t<T>>(*reinterpret_cast<const T*>(iter.data(2))) == 2) {
        return same_type<fn::SquareBinary, T>(iter, "pow");
      }
    }
    same_type<fn::Pow, T>(iter, "pow");
  });
}
}  // namespace

void binary_cuda(const TensorIter& iter, BinaryOp op, const Scalar& alpha) {
  using namespace fn;
  switch (op) {
    case BinaryOp::Add: return add_kernel(iter, alpha, false);
    case BinaryOp::Sub: return add_kernel(iter, alpha, true);
    case BinaryOp::Mul: return arithmetic<Mul, kAllSet>(iter, "mul");
    case BinaryOp::Div: return arithmetic<Div, kFloatingSet>(iter, "div");
    case BinaryOp::DivTrunc: return arithmetic<DivTrunc, kNumericSet>(iter, "div(rounding_mode='trunc')");
    case BinaryOp::DivFloor: return arithmetic<DivFloor, kNumericSet>(iter, "floor_divide");
    case BinaryOp::Remainder: return arithmetic<Remainder, kNumericSet>(iter, "remainder");
    case BinaryOp::Fmod: return arithmetic<Fmod, kNumericSet>(iter, "fmod");
    case BinaryOp::Pow: return pow_kernel(iter);
    case BinaryOp::Maximum: return arithmetic<Maximum, kAllSet>(iter, "maximum");
    case BinaryOp::Minimum: return arithmetic<Minimum, kAllSet>(iter, "minimum");
    case BinaryOp::Atan2: return arithmetic<Atan2, kFloatingSet>(iter, "atan2");
    case BinaryOp::Hypot: return arithmetic<Hypot, kFloatingSet>(iter, "hypot");
    case BinaryOp::Copysign: return arithmetic<Copysign, kFloatingSet>(iter, "copysign");
    case BinaryOp::Logaddexp: return arithmetic<Logaddexp, kFloatingSet>(iter, "logaddexp");
    case BinaryOp::Logaddexp2: return arithmetic<Logaddexp2, kFloatingSet>(iter, "logaddexp2");
    case BinaryOp::Xlogy: return arithmetic<Xlogy, kFloatingSet>(iter, "xlogy");
    default:
      EMBER_CHECK(binary_logic_cuda(iter, op), "binary: no CUDA kernel for op ", static_cast<int>(op));
  }
}

}  // namespace ember::cuda::ew
