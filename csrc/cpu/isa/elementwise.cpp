// Binary, where and clamp kernels, compiled once per ISA, and the registration of the whole
// elementwise family (the unary kernels live in unary.cpp). The front-ends have already
// converted every input to the compute dtype, so each kernel dispatches on one dtype.
#include <atomic>

#include "cpu/complex_kernels.h"
#include "cpu/isa/functors.h"
#include "cpu/isa/loops.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

void unary_cpu(const TensorIter& iter, UnaryOp op);  // unary.cpp

namespace {
using namespace ew;

// out = F(a, b) with out and inputs of dtype T.
template <template <typename> class F, typename T, typename... Args>
void same_type(const TensorIter& iter, Args... args) {
  run(iter, BinaryLoop<T, T, F<M<T>>>{F<M<T>>{args...}});
}

template <template <typename> class F, unsigned Set>
void arithmetic(const TensorIter& iter, const char* name) {
  dispatch_in<Set>(iter.dtype(1), name, [&](auto tag) { same_type<F, typename decltype(tag)::type>(iter); });
}

// Integer division by zero sets a flag inside the loop (no trap, no throw across threads) and
// becomes an error once the loop is done.
template <template <typename> class F>
void division(const TensorIter& iter, const char* name) {
  std::atomic<bool> hit{false};
  dispatch_numeric(iter.dtype(1), name, [&](auto tag) {
    same_type<F, typename decltype(tag)::type>(iter, ZeroFlag{&hit});
  });
  EMBER_CHECK(!hit.load(), "ZeroDivisionError: integer division by zero in ", name);
}

bool one(const Scalar& s) { return s.is_floating() ? s.to_double() == 1.0 : s.to_int64() == 1; }

void add_kernel(const TensorIter& iter, const Scalar& alpha, bool subtract) {
  dispatch_all(iter.dtype(1), subtract ? "sub" : "add", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = M<T>;
    if constexpr (std::is_same_v<T, bool>) {
      same_type<AddAlpha, T>(iter, alpha.to<bool>());  // sub of bools never gets here
    } else if (one(alpha)) {
      if (subtract) same_type<Sub, T>(iter);
      else same_type<Add, T>(iter);
    } else {
      const C a = alpha.to<C>();
      same_type<AddAlpha, T>(iter, subtract ? wrap_neg(a) : a);
    }
  });
}

// True when input k is one value broadcast over the whole iteration (x ** 2).
bool is_scalar_input(const TensorIter& it, int k) {
  for (int d = 0; d < it.ndim(); ++d)
    if (it.stride(k, d) != 0) return false;
  return true;
}

void pow_kernel(const TensorIter& iter) {
  dispatch_numeric(iter.dtype(1), "pow", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_integral_v<T>) {
      if (is_scalar_input(iter, 2) && get(*reinterpret_cast<const T*>(iter.data(2))) == M<T>(2)) {
        return same_type<SquareBinary, T>(iter);  // exactly std::pow(x, 2), much faster
      }
    }
    same_type<Pow, T>(iter);
  });
}

template <template <typename> class F, bool kSwap>
void compare(const TensorIter& iter, const char* name) {
  dispatch_all(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Loop = BinaryLoop<bool, T, F<M<T>>>;
    if constexpr (kSwap) run(iter, Swapped<Loop>{Loop{}});
    else run(iter, Loop{});
  });
}

template <typename F>
void logical(const TensorIter& iter) {
  run(iter, BinaryLoop<bool, bool, F>{});
}

// Bitwise ops only see bits: one loop per element width (bool is a byte holding 0 or 1).
template <template <typename> class F>
void bitwise(const TensorIter& iter) {
  switch (dtype_size(iter.dtype(1))) {
    case 1: return run(iter, BinaryLoop<uint8_t, uint8_t, F<uint8_t>>{});
    case 2: return run(iter, BinaryLoop<uint16_t, uint16_t, F<uint16_t>>{});
    case 4: return run(iter, BinaryLoop<uint32_t, uint32_t, F<uint32_t>>{});
    default: return run(iter, BinaryLoop<uint64_t, uint64_t, F<uint64_t>>{});
  }
}

void binary_cpu(const TensorIter& iter, BinaryOp op, const Scalar& alpha) {
  if (is_complex(iter.dtype(1))) return complex_binary_cpu(iter, op, alpha, "binary op");
  switch (op) {
    case BinaryOp::Add: return add_kernel(iter, alpha, false);
    case BinaryOp::Sub: return add_kernel(iter, alpha, true);
    case BinaryOp::Mul: return arithmetic<Mul, kAllSet>(iter, "mul");
    case BinaryOp::Div: return arithmetic<Div, kFloatingSet>(iter, "div");
    case BinaryOp::DivTrunc: return division<DivTrunc>(iter, "div(rounding_mode='trunc')");
    case BinaryOp::DivFloor: return division<DivFloor>(iter, "floor_divide");
    case BinaryOp::Remainder: return division<Remainder>(iter, "remainder");
    case BinaryOp::Fmod: return division<Fmod>(iter, "fmod");
    case BinaryOp::Pow: return pow_kernel(iter);
    case BinaryOp::Maximum: return arithmetic<Maximum, kAllSet>(iter, "maximum");
    case BinaryOp::Minimum: return arithmetic<Minimum, kAllSet>(iter, "minimum");
    case BinaryOp::Atan2: return arithmetic<Atan2, kFloatingSet>(iter, "atan2");
    case BinaryOp::Eq: return compare<Eq, false>(iter, "eq");
    case BinaryOp::Ne: return compare<Ne, false>(iter, "ne");
    case BinaryOp::Lt: return compare<Lt, false>(iter, "lt");
    case BinaryOp::Le: return compare<Le, false>(iter, "le");
    case BinaryOp::Gt: return compare<Lt, true>(iter, "gt");
    case BinaryOp::Ge: return compare<Le, true>(iter, "ge");
    case BinaryOp::LogicalAnd: return logical<LogicalAnd>(iter);
    case BinaryOp::LogicalOr: return logical<LogicalOr>(iter);
    case BinaryOp::LogicalXor: return logical<LogicalXor>(iter);
    case BinaryOp::BitAnd: return bitwise<BitAnd>(iter);
    case BinaryOp::BitOr: return bitwise<BitOr>(iter);
    case BinaryOp::BitXor: return bitwise<BitXor>(iter);
    case BinaryOp::Shl:
      return dispatch_in<kIntegerSet>(iter.dtype(1), "bitwise_left_shift", [&](auto tag) {
        same_type<Shl, typename decltype(tag)::type>(iter);
      });
    case BinaryOp::Shr:
      return dispatch_in<kIntegerSet>(iter.dtype(1), "bitwise_right_shift", [&](auto tag) {
        same_type<Shr, typename decltype(tag)::type>(iter);
      });
    case BinaryOp::Hypot: return arithmetic<Hypot, kFloatingSet>(iter, "hypot");
    case BinaryOp::Copysign: return arithmetic<Copysign, kFloatingSet>(iter, "copysign");
    case BinaryOp::Logaddexp: return arithmetic<Logaddexp, kFloatingSet>(iter, "logaddexp");
    case BinaryOp::Logaddexp2: return arithmetic<Logaddexp2, kFloatingSet>(iter, "logaddexp2");
    case BinaryOp::Xlogy: return arithmetic<Xlogy, kFloatingSet>(iter, "xlogy");
  }
}

void where_cpu(const TensorIter& iter) {
  switch (dtype_size(iter.dtype(0))) {
    case 1: return run(iter, TernaryLoop<uint8_t, bool, uint8_t, Select<uint8_t>>{});
    case 2: return run(iter, TernaryLoop<uint16_t, bool, uint16_t, Select<uint16_t>>{});
    case 4: return run(iter, TernaryLoop<uint32_t, bool, uint32_t, Select<uint32_t>>{});
    case 8: return run(iter, TernaryLoop<uint64_t, bool, uint64_t, Select<uint64_t>>{});
    default: {  // complex128: 16 bytes, moved as they are
      using Z = std::complex<double>;
      iter.for_each([](char** data, const int64_t* s, int64_t n) {
        for (int64_t k = 0; k < n; ++k) {
          const bool c = *reinterpret_cast<const bool*>(data[1] + k * s[1]);
          *reinterpret_cast<Z*>(data[0] + k * s[0]) = *reinterpret_cast<const Z*>(data[c ? 2 : 3] + k * s[c ? 2 : 3]);
        }
      });
    }
  }
}

// One bound is maximum or minimum; both are the ternary clamp.
void clamp_cpu(const TensorIter& iter, bool has_min, bool has_max) {
  dispatch_numeric(iter.dtype(1), "clamp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (has_min && has_max) run(iter, TernaryLoop<T, T, T, Clamp<M<T>>>{});
    else if (has_min) same_type<Maximum, T>(iter);
    else same_type<Minimum, T>(iter);
  });
}
}  // namespace

void register_elementwise_kernels() {
  binary_kernel.set(DeviceType::CPU, binary_cpu);
  unary_kernel.set(DeviceType::CPU, unary_cpu);
  where_kernel.set(DeviceType::CPU, where_cpu);
  clamp_kernel.set(DeviceType::CPU, clamp_cpu);
}

EMBER_ISA_NAMESPACE_END
