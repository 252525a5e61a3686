// CUDA unary kernels: the CPU's functors (cpu/isa/functors.h) on the same dtypes as
// cpu/isa/unary.cpp. The input has the compute dtype; the output has it too, or bool for the
// predicates. The transcendental functions are in unary_math.cu (they compile slowly).
#include "elementwise/functors.cuh"
#include "elementwise/kernels.h"

namespace ember::cuda::ew {

namespace {
template <template <typename> class F, unsigned Set>
void same_type(const TensorIter& iter, const char* name) {
  dispatch_in<Set>(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch<T, T, T, 1>(iter, UnaryMath<T, T, F<opmath_t<T>>>{}, name);
  });
}

// out = one bool for every element.
void fill_bool(const TensorIter& iter, bool value) {
  Geometry<2> g = make_geometry<2>(iter);
  const unsigned char byte = value ? 1 : 0;
  g.set_scalar(1, &byte, 1);
  copy_bits(g, 1);
}

// A predicate. Constant (0 or 1) answers the integral dtypes without kernels of their own
// (isnan of an integer is false); -1: every dtype runs the functor.
template <template <typename> class F, int Constant = -1>
void predicate(const TensorIter& iter, const char* name) {
  dispatch_all(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (Constant >= 0 && !std::is_floating_point_v<opmath_t<T>>) fill_bool(iter, Constant == 1);
    else launch<bool, T, T, 1>(iter, UnaryMath<bool, T, F<opmath_t<T>>>{}, name);
  });
}

void signbit(const TensorIter& iter) {
  dispatch_all(iter.dtype(1), "signbit", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) fill_bool(iter, false);
    else launch<bool, T, T, 1>(iter, UnaryMath<bool, T, fn::Signbit<opmath_t<T>>>{}, "signbit");
  });
}
}  // namespace

void unary_cuda(const TensorIter& iter, UnaryOp op) {
  using namespace fn;
  switch (op) {
    case UnaryOp::Neg: return same_type<Neg, kNumericSet>(iter, "neg");
    case UnaryOp::Abs: return same_type<Abs, kNumericSet>(iter, "abs");
    case UnaryOp::Sign: return same_type<Sign, kAllSet>(iter, "sign");
    case UnaryOp::Sqrt: return same_type<Sqrt, kFloatingSet>(iter, "sqrt");
    case UnaryOp::Rsqrt: return same_type<Rsqrt, kFloatingSet>(iter, "rsqrt");
    case UnaryOp::Relu: return same_type<Relu, kNumericSet>(iter, "relu");
    case UnaryOp::Floor: return same_type<Floor, kFloatingSet>(iter, "floor");
    case UnaryOp::Ceil: return same_type<Ceil, kFloatingSet>(iter, "ceil");
    case UnaryOp::Round: return same_type<Round, kFloatingSet>(iter, "round");
    case UnaryOp::Trunc: return same_type<Trunc, kFloatingSet>(iter, "trunc");
    case UnaryOp::Reciprocal: return same_type<Reciprocal, kFloatingSet>(iter, "reciprocal");
    case UnaryOp::Square: return same_type<Square, kNumericSet>(iter, "square");
    case UnaryOp::LogicalNot: return predicate<LogicalNot>(iter, "logical_not");
    case UnaryOp::BitNot: return same_type<BitNot, kIntegralSet>(iter, "bitwise_not");
    case UnaryOp::IsNan: return predicate<IsNan, 0>(iter, "isnan");
    case UnaryOp::IsInf: return predicate<IsInf, 0>(iter, "isinf");
    case UnaryOp::IsFinite: return predicate<IsFinite, 1>(iter, "isfinite");
    case UnaryOp::Signbit: return signbit(iter);
    case UnaryOp::Frac: return same_type<Frac, kFloatingSet>(iter, "frac");
    case UnaryOp::Deg2rad: return same_type<Deg2rad, kFloatingSet>(iter, "deg2rad");
    case UnaryOp::Rad2deg: return same_type<Rad2deg, kFloatingSet>(iter, "rad2deg");
    default:
      EMBER_CHECK(unary_math_cuda(iter, op), "unary: no CUDA kernel for op ", static_cast<int>(op));
  }
}

}  // namespace ember::cuda::ew
