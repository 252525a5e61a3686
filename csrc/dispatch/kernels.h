#pragma once
// The kernel families and their per-device tables. Front-ends in ops/ call these; kernel files
// in cpu/ (and cuda/) fill them. One section per family.
#include "dispatch/kernel_table.h"
#include "ember/scalar.h"
#include "iter/tensor_iter.h"

namespace ember {

// ---- copy: out <- in, converting between any two dtypes (broadcast inputs allowed) ------------
using CopyKernel = void (*)(const TensorIter& iter);
extern KernelTable<CopyKernel> copy_kernel;

// ---- elementwise: the iterator's operand 0 is the output; every input has one dtype (the
// compute dtype, converted by the front-end); the output has that dtype, or bool for
// predicates (comparisons, logical ops, isnan, ...).
enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, DivTrunc, DivFloor, Remainder, Fmod, Pow, Maximum, Minimum, Atan2,
  Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor, BitAnd, BitOr, BitXor, Shl, Shr,
};
enum class UnaryOp : uint8_t {
  Neg, Abs, Sign, Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Sin, Cos, Tan, Tanh,
  Sigmoid, Relu, Erf, Floor, Ceil, Round, Trunc, Reciprocal, Square, LogicalNot, BitNot, IsNan,
  IsInf, IsFinite,
};
// out = a op b; `alpha` scales b for Add/Sub (a + alpha * b). Integer division by zero throws
// "ZeroDivisionError" after the loop (the output may then hold partial results).
using BinaryKernel = void (*)(const TensorIter& iter, BinaryOp op, const Scalar& alpha);
using UnaryKernel = void (*)(const TensorIter& iter, UnaryOp op);
// Operands: out, condition (bool), a, b. Copies bits, so only the element size matters.
using WhereKernel = void (*)(const TensorIter& iter);
// Operands: out, x, then min if has_min, then max if has_max (as torch.clamp: NaN propagates,
// and max wins when min > max).
using ClampKernel = void (*)(const TensorIter& iter, bool has_min, bool has_max);
extern KernelTable<BinaryKernel> binary_kernel;
extern KernelTable<UnaryKernel> unary_kernel;
extern KernelTable<WhereKernel> where_kernel;
extern KernelTable<ClampKernel> clamp_kernel;

}  // namespace ember
