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

// ---- random: fill a fresh contiguous buffer from the Philox stream ---------------------------
// Element i is made from Philox block (offset + i / per_block) keyed by seed, so a result
// depends on (seed, offset, i) only: the same on every device and thread count. A CUDA kernel
// fills its slot with the same scheme (core/philox.h is host/device code).
enum class RandomDist : int8_t {
  Uniform,      // floating: on [a, b)
  Normal,       // floating: mean a, std b (or param_a / param_b per element)
  Exponential,  // floating: rate a
  Bernoulli,    // any dtype: 1 with probability a (or param_a per element), else 0
  Integer,      // any dtype: low + a uniform integer on [0, range); range 0 means 2^64
};
struct RandomFill {
  RandomDist dist = RandomDist::Uniform;
  DType dtype = kFloat32;
  void* out = nullptr;  // numel contiguous elements of dtype on the kernel's device
  int64_t numel = 0;
  uint64_t seed = 0, offset = 0;
  double a = 0, b = 1;
  int64_t low = 0;
  uint64_t range = 0;
  // Optional per-element parameters: contiguous float64 arrays of numel elements on the same
  // device; when set they replace a and b.
  const double* param_a = nullptr;
  const double* param_b = nullptr;
};
// Elements per Philox block: 4 for 32-bit draws, 2 for 64-bit ones (float64, integers).
inline int random_per_block(RandomDist dist, DType dtype) {
  if (dist == RandomDist::Integer) return 2;
  if (dist == RandomDist::Bernoulli) return 4;
  return dtype == kFloat64 ? 2 : 4;
}
using RandomKernel = void (*)(const RandomFill& fill);
extern KernelTable<RandomKernel> random_kernel;

// ---- reductions -------------------------------------------------------------------------------
// The iterator is TensorIter::reduction(out, in): `out` is contiguous, keepdim-shaped, and the
// kernel writes one value per output. Result dtypes per op (the front-end allocates `out` so):
//   Sum, Prod: int64 for bool/integer inputs, the input dtype for floats (Prod takes only int64
//   and floating inputs);
//   Mean: the (floating) input dtype; Norm*: float32 or float64 input, same output;
//   Max, Min: the input dtype; All, Any: bool;
//   Var, LogSumExp: float64, and `out` holds a per-output shift on entry (the mean for Var, the
//   max for LogSumExp), which makes both two-pass and stable.
enum class ReduceOp : uint8_t {
  Sum, Mean, Prod, Max, Min, All, Any,
  Norm0, Norm1, Norm2, NormP, NormInf, NormNegInf,
  Var, LogSumExp,
};
struct ReduceArgs {
  double p = 2;           // NormP
  double correction = 1;  // Var: divisor max(0, n - correction)
  bool sqrt = false;      // Var: write the standard deviation
};
using ReduceKernel = void (*)(const TensorIter& iter, ReduceOp op, const ReduceArgs& args);
extern KernelTable<ReduceKernel> reduce_kernel;

// argmax/argmin over one dim (the only reduced dim of the iterator; its positions are the
// indices). `out` of the iterator is the int64 index tensor; `values`, when given, is a
// contiguous tensor of the same shape and the input's dtype that receives the extreme values.
// NaN counts as the extreme; ties give the first index.
using ArgReduceKernel = void (*)(const TensorIter& iter, const Tensor* values, bool is_max);
extern KernelTable<ArgReduceKernel> arg_reduce_kernel;

// cumsum/cumprod along `dim`: `out` and `in` have the same shape and dtype (int64 or floating).
enum class ScanOp : uint8_t { Sum, Prod };
using ScanKernel = void (*)(const Tensor& out, const Tensor& in, int64_t dim, ScanOp op);
extern KernelTable<ScanKernel> scan_kernel;

// softmax/log_softmax along `dim`: `out` and `in` have the same shape and floating dtype.
using SoftmaxKernel = void (*)(const Tensor& out, const Tensor& in, int64_t dim, bool log);
extern KernelTable<SoftmaxKernel> softmax_kernel;

// ---- gemm: C = alpha * A @ B + beta * C over strided operands, batched -------------------------
// Element (i, k) of A is at a[i * a_rs + k * a_cs]: a transposed operand just swaps its two
// strides (BLAS's transA/lda in one form), and any view is taken without a copy. The batch is
// an N-d index space whose strides (0 for broadcast dims) move each operand's base. beta == 0
// never reads C, so C may be uninitialized. All strides are in elements.
struct GemmArgs {
  static constexpr int kMaxBatchDims = 23;
  DType dtype = kFloat32;
  int64_t m = 0, n = 0, k = 0;
  double alpha = 1, beta = 0;
  const void* a = nullptr;
  int64_t a_rs = 0, a_cs = 0;
  const void* b = nullptr;
  int64_t b_rs = 0, b_cs = 0;
  void* c = nullptr;
  int64_t c_rs = 0, c_cs = 0;
  int batch_ndim = 0;  // batch dims, outermost first
  int64_t batch_sizes[kMaxBatchDims] = {};
  int64_t a_bs[kMaxBatchDims] = {}, b_bs[kMaxBatchDims] = {}, c_bs[kMaxBatchDims] = {};
};
using GemmKernel = void (*)(const GemmArgs& args);
extern KernelTable<GemmKernel> gemm_kernel;

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

// ---- indexing ---------------------------------------------------------------------------------
// Index tensors are int32 or int64. Offsets and strides are in bytes.
//
// offsets[i] += wrap(index[i]) * stride for every element, where wrap maps [-size, size) onto
// [0, size). The iterator's operand 0 is the contiguous int64 offsets tensor, operand 1 the
// index broadcast to it. Returns false, with one offending value in *bad, when an index is out
// of range (then the offsets are partly updated and must not be used).
using IndexOffsetsKernel = bool (*)(const TensorIter& iter, int64_t size, int64_t stride, int64_t* bad);
// Checks that every element of the iterator's operand 0 (an index tensor) is in [-size, size).
using IndexCheckKernel = bool (*)(const TensorIter& iter, int64_t size, int64_t* bad);
// Advanced indexing. The iterator walks the dims the indices leave alone (operand 0 the written
// tensor, operand 1 the read one, same dtype); at each of its elements the kernel walks the
// `count` index positions: the indexed operand moves by offsets[b], the other by b * stride.
// Gathers (indexed_is_dst false) write each element once. Puts keep the order of the index
// positions, so the last of repeated indices wins, or they all add up with accumulate; their
// threads split only the iterator's elements, which never share a written element.
struct IndexArgs {
  int64_t count = 0;
  const int64_t* offsets = nullptr;
  int64_t stride = 0;
  bool indexed_is_dst = false;
  bool accumulate = false;
};
using IndexKernel = void (*)(const TensorIter& iter, const IndexArgs& args);
// gather / scatter along one dim. The iterator walks the index's shape without `dim`: operand 0
// the written tensor, 1 the read one (same dtype), 2 the index (checked in range beforehand).
// Along `dim` the kernel walks `count` positions: the index moves by index_stride; the gathered
// (src) or scattered-into (dst) operand moves by wrap(index) * its stride, the other by b * its
// stride. Scatters keep the order along `dim` and split threads over the iterator only.
struct GatherScatterArgs {
  int64_t count = 0;
  int64_t index_stride = 0;
  int64_t dst_stride = 0, src_stride = 0;
  int64_t dim_size = 0;  // of the indexed operand, to wrap negative indices
  bool scatter = false;
  bool accumulate = false;
};
using GatherScatterKernel = void (*)(const TensorIter& iter, const GatherScatterArgs& args);
// The coordinates of the non-zero elements of `t` in row-major order: an int64 tensor of shape
// [n, t.dim()] on t's device.
using NonzeroKernel = Tensor (*)(const Tensor& t);
extern KernelTable<IndexOffsetsKernel> index_offsets_kernel;
extern KernelTable<IndexCheckKernel> index_check_kernel;
extern KernelTable<IndexKernel> index_kernel;
extern KernelTable<GatherScatterKernel> gather_scatter_kernel;
extern KernelTable<NonzeroKernel> nonzero_kernel;

}  // namespace ember
