// CUDA binary kernels with bool results or on bits: comparisons (all dtypes), logical ops
// (bool inputs), bitwise ops (one kernel per element width) and shifts (integers), as
// cpu/isa/elementwise.cpp, with the CPU's functors.
#include "elementwise/functors.cuh"
#include "elementwise/kernels.h"

namespace ember::cuda::ew {

namespace {
// gt and ge run lt and le on the swapped inputs.
template <template <typename> class F>
void compare(const TensorIter& iter, const char* name, bool swap) {
  Geometry<3> g = make_geometry<3>(iter);
  if (swap) g.swap_operands(1, 2);
  dispatch_all(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch<bool, T, T, 2>(g, BinaryMath<bool, T, F<opmath_t<T>>>{}, name);
  });
}

template <typename F>
void logical(const TensorIter& iter, const char* name) {
  launch<bool, bool, bool, 2>(iter, BinaryMath<bool, bool, F>{}, name);
}

template <template <typename> class F>
void bitwise(const TensorIter& iter, const char* name) {
  switch (dtype_size(iter.dtype(1))) {
    case 1: return launch<uint8_t, uint8_t, uint8_t, 2>(iter, BinaryMath<uint8_t, uint8_t, F<uint8_t>>{}, name);
    case 2: return launch<uint16_t, uint16_t, uint16_t, 2>(iter, BinaryMath<uint16_t, uint16_t, F<uint16_t>>{}, name);
    case 4: return launch<uint32_t, uint32_t, uint32_t, 2>(iter, BinaryMath<uint32_t, uint32_t, F<uint32_t>>{}, name);
    default: return launch<uint64_t, uint64_t, uint64_t, 2>(iter, BinaryMath<uint64_t, uint64_t, F<uint64_t>>{}, name);
  }
}

template <template <typename> class F>
void shift(const TensorIter& iter, const char* name) {
  dispatch_in<kIntegerSet>(iter.dtype(1), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch<T, T, T, 2>(iter, BinaryMath<T, T, F<T>>{}, name);
  });
}
}  // namespace

bool binary_logic_cuda(const TensorIter& iter, BinaryOp op) {
  using namespace fn;
  switch (op) {
    case BinaryOp::Eq: compare<Eq>(iter, "eq", false); return true;
    case BinaryOp::Ne: compare<Ne>(iter, "ne", false); return true;
    case BinaryOp::Lt: compare<Lt>(iter, "lt", false); return true;
    case BinaryOp::Le: compare<Le>(iter, "le", false); return true;
    case BinaryOp::Gt: compare<Lt>(iter, "gt", true); return true;
    case BinaryOp::Ge: compare<Le>(iter, "ge", true); return true;
    case BinaryOp::LogicalAnd: logical<LogicalAnd>(iter, "logical_and"); return true;
    case BinaryOp::LogicalOr: logical<LogicalOr>(iter, "logical_or"); return true;
    case BinaryOp::LogicalXor: logical<LogicalXor>(iter, "logical_xor"); return true;
    case BinaryOp::BitAnd: bitwise<BitAnd>(iter, "bitwise_and"); return true;
    case BinaryOp::BitOr: bitwise<BitOr>(iter, "bitwise_or"); return true;
    case BinaryOp::BitXor: bitwise<BitXor>(iter, "bitwise_xor"); return true;
    case BinaryOp::Shl: shift<Shl>(iter, "bitwise_left_shift"); return true;
    case BinaryOp::Shr: shift<Shr>(iter, "bitwise_right_shift"); return true;
    default: return false;
  }
}

}  // namespace ember::cuda::ew
