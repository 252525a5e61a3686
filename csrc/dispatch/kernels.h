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

}  // namespace ember
