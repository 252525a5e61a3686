// Unary kernels, compiled once per ISA. The input has the compute dtype; the output has it too,
// or bool for the predicates (isnan, logical_not, ...).
#include "cpu/complex_kernels.h"
#include "cpu/isa/functors.h"
#include "cpu/isa/loops.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {
using namespace ew;

template <template <typename> class F, unsigned Set>
void same_type(const TensorIter& iter, const char* name) {
  dispatch_in<Set>(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run(iter, UnaryLoop<T, T, F<M<T>>>{});
  });
}

template <template <typename> class F>
void trig(const TensorIter& iter, const char* name) {
  dispatch_floating(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run(iter, UnaryLoopWithSlowPath<T, T, F<M<T>>>{});
  });
}

template <template <typename> class F>
void predicate(const TensorIter& iter, const char* name) {
  dispatch_all(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    run(iter, UnaryLoop<bool, T, F<M<T>>>{});
  });
}
}  // namespace

void unary_cpu(const TensorIter& iter, UnaryOp op) {
  if (is_complex(iter.dtype(1))) return complex_unary_cpu(iter, op, "unary op");
  switch (op) {
    case UnaryOp::Neg: return same_type<Neg, kNumericSet>(iter, "neg");
    case UnaryOp::Abs: return same_type<Abs, kNumericSet>(iter, "abs");
    case UnaryOp::Sign: return same_type<Sign, kAllSet>(iter, "sign");
    case UnaryOp::Exp: return same_type<Exp, kFloatingSet>(iter, "exp");
    case UnaryOp::Exp2: return same_type<Exp2, kFloatingSet>(iter, "exp2");
    case UnaryOp::Expm1: return same_type<Expm1, kFloatingSet>(iter, "expm1");
    case UnaryOp::Log: return same_type<Log, kFloatingSet>(iter, "log");
    case UnaryOp::Log2: return same_type<Log2, kFloatingSet>(iter, "log2");
    case UnaryOp::Log10: return same_type<Log10, kFloatingSet>(iter, "log10");
    case UnaryOp::Log1p: return same_type<Log1p, kFloatingSet>(iter, "log1p");
    case UnaryOp::Sqrt: return same_type<Sqrt, kFloatingSet>(iter, "sqrt");
    case UnaryOp::Rsqrt: return same_type<Rsqrt, kFloatingSet>(iter, "rsqrt");
    case UnaryOp::Sin: return trig<Sin>(iter, "sin");
    case UnaryOp::Cos: return trig<Cos>(iter, "cos");
    case UnaryOp::Tan: return same_type<Tan, kFloatingSet>(iter, "tan");
    case UnaryOp::Tanh: return same_type<Tanh, kFloatingSet>(iter, "tanh");
    case UnaryOp::Sigmoid: return same_type<Sigmoid, kFloatingSet>(iter, "sigmoid");
    case UnaryOp::Relu: return same_type<Relu, kNumericSet>(iter, "relu");
    case UnaryOp::Erf: return same_type<Erf, kFloatingSet>(iter, "erf");
    case UnaryOp::Floor: return same_type<Floor, kFloatingSet>(iter, "floor");
    case UnaryOp::Ceil: return same_type<Ceil, kFloatingSet>(iter, "ceil");
    case UnaryOp::Round: return same_type<Round, kFloatingSet>(iter, "round");
    case UnaryOp::Trunc: return same_type<Trunc, kFloatingSet>(iter, "trunc");
    case UnaryOp::Reciprocal: return same_type<Reciprocal, kFloatingSet>(iter, "reciprocal");
    case UnaryOp::Square: return same_type<Square, kNumericSet>(iter, "square");
    case UnaryOp::LogicalNot: return predicate<LogicalNot>(iter, "logical_not");
    case UnaryOp::BitNot: return same_type<BitNot, kIntegralSet>(iter, "bitwise_not");
    case UnaryOp::IsNan: return predicate<IsNan>(iter, "isnan");
    case UnaryOp::IsInf: return predicate<IsInf>(iter, "isinf");
    case UnaryOp::IsFinite: return predicate<IsFinite>(iter, "isfinite");
    case UnaryOp::Sinh: return same_type<Sinh, kFloatingSet>(iter, "sinh");
    case UnaryOp::Cosh: return same_type<Cosh, kFloatingSet>(iter, "cosh");
    case UnaryOp::Asin: return same_type<Asin, kFloatingSet>(iter, "asin");
    case UnaryOp::Acos: return same_type<Acos, kFloatingSet>(iter, "acos");
    case UnaryOp::Atan: return same_type<Atan, kFloatingSet>(iter, "atan");
    case UnaryOp::Asinh: return same_type<Asinh, kFloatingSet>(iter, "asinh");
    case UnaryOp::Acosh: return same_type<Acosh, kFloatingSet>(iter, "acosh");
    case UnaryOp::Atanh: return same_type<Atanh, kFloatingSet>(iter, "atanh");
    case UnaryOp::Erfc: return same_type<Erfc, kFloatingSet>(iter, "erfc");
    case UnaryOp::Erfinv: return same_type<Erfinv, kFloatingSet>(iter, "erfinv");
    case UnaryOp::Lgamma: return same_type<Lgamma, kFloatingSet>(iter, "lgamma");
    case UnaryOp::Digamma: return same_type<Digamma, kFloatingSet>(iter, "digamma");
    case UnaryOp::Frac: return same_type<Frac, kFloatingSet>(iter, "frac");
    case UnaryOp::Signbit: return predicate<Signbit>(iter, "signbit");
    case UnaryOp::Deg2rad: return same_type<Deg2rad, kFloatingSet>(iter, "deg2rad");
    case UnaryOp::Rad2deg: return same_type<Rad2deg, kFloatingSet>(iter, "rad2deg");
  }
}

EMBER_ISA_NAMESPACE_END
