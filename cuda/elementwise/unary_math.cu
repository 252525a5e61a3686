// CUDA unary kernels of the transcendental functions, on the floating dtypes (as
// cpu/isa/unary.cpp): the CPU's functors, on the device libm (float32 and float64) and the
// shared special functions (cpu/isa/special_math.h).
#include "elementwise/functors.cuh"
#include "elementwise/kernels.h"

namespace ember::cuda::ew {

namespace {
template <template <typename> class F>
void floating(const TensorIter& iter, const char* name) {
  dispatch_floating(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch<T, T, T, 1>(iter, UnaryMath<T, T, F<opmath_t<T>>>{}, name);
  });
}
}  // namespace

bool unary_math_cuda(const TensorIter& iter, UnaryOp op) {
  using namespace fn;
  switch (op) {
    case UnaryOp::Exp: floating<Exp>(iter, "exp"); return true;
    case UnaryOp::Exp2: floating<Exp2>(iter, "exp2"); return true;
    case UnaryOp::Expm1: floating<Expm1>(iter, "expm1"); return true;
    case UnaryOp::Log: floating<Log>(iter, "log"); return true;
    case UnaryOp::Log2: floating<Log2>(iter, "log2"); return true;
    case UnaryOp::Log10: floating<Log10>(iter, "log10"); return true;
    case UnaryOp::Log1p: floating<Log1p>(iter, "log1p"); return true;
    case UnaryOp::Sin: floating<Sin>(iter, "sin"); return true;
    case UnaryOp::Cos: floating<Cos>(iter, "cos"); return true;
    case UnaryOp::Tan: floating<Tan>(iter, "tan"); return true;
    case UnaryOp::Tanh: floating<Tanh>(iter, "tanh"); return true;
    case UnaryOp::Sigmoid: floating<Sigmoid>(iter, "sigmoid"); return true;
    case UnaryOp::Erf: floating<Erf>(iter, "erf"); return true;
    case UnaryOp::Sinh: floating<Sinh>(iter, "sinh"); return true;
    case UnaryOp::Cosh: floating<Cosh>(iter, "cosh"); return true;
    case UnaryOp::Asin: floating<Asin>(iter, "asin"); return true;
    case UnaryOp::Acos: floating<Acos>(iter, "acos"); return true;
    case UnaryOp::Atan: floating<Atan>(iter, "atan"); return true;
    case UnaryOp::Asinh: floating<Asinh>(iter, "asinh"); return true;
    case UnaryOp::Acosh: floating<Acosh>(iter, "acosh"); return true;
    case UnaryOp::Atanh: floating<Atanh>(iter, "atanh"); return true;
    case UnaryOp::Erfc: floating<Erfc>(iter, "erfc"); return true;
    case UnaryOp::Erfinv: floating<Erfinv>(iter, "erfinv"); return true;
    case UnaryOp::Lgamma: floating<Lgamma>(iter, "lgamma"); return true;
    case UnaryOp::Digamma: floating<Digamma>(iter, "digamma"); return true;
    default: return false;
  }
}

}  // namespace ember::cuda::ew
