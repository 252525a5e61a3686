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
  int device = 0;       // that device's index (CUDA kernels launch there)
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
// Their backward from the forward's output: grad_in, grad_out and out share shape and dtype.
using SoftmaxBackwardKernel = void (*)(const Tensor& grad_in, const Tensor& grad_out, const Tensor& out, int64_t dim,
                                       bool log);
extern KernelTable<SoftmaxBackwardKernel> softmax_backward_kernel;

// ---- gemm: C = alpha * A @ B + beta * C over strided operands, batched -------------------------
// Element (i, k) of A is at a[i * a_rs + k * a_cs]: a transposed operand just swaps its two
// strides (BLAS's transA/lda in one form), and any view is taken without a copy. The batch is
// an N-d index space whose strides (0 for broadcast dims) move each operand's base. beta == 0
// never reads C, so C may be uninitialized. All strides are in elements.
struct GemmArgs {
  static constexpr int kMaxBatchDims = 23;
  DType dtype = kFloat32;
  int device = 0;  // the operands' device index (CUDA kernels launch there)
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
  Hypot, Copysign, Logaddexp, Logaddexp2, Xlogy,
};
enum class UnaryOp : uint8_t {
  Neg, Abs, Sign, Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Sin, Cos, Tan, Tanh,
  Sigmoid, Relu, Erf, Floor, Ceil, Round, Trunc, Reciprocal, Square, LogicalNot, BitNot, IsNan,
  IsInf, IsFinite,
  Sinh, Cosh, Asin, Acos, Atan, Asinh, Acosh, Atanh, Erfc, Erfinv, Lgamma, Digamma, Frac, Signbit,
  Deg2rad, Rad2deg,
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

// ---- pooling, interpolation, embedding ----------------------------------------------------------
// Every kernel sees contiguous (planes, H, W) buffers (N*C planes of NCHW; 1-D ops use H = 1)
// and splits the planes over threads. Indices are int64, flat h * W + w within a plane.
struct Pool2dParams {
  int64_t planes = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool count_include_pad = true;  // avg
  int64_t divisor = 0;            // avg: divisor_override, 0 = none
};
// out, indices (may be undefined) <- max over each window; NaN wins like PyTorch.
using MaxPool2dKernel = void (*)(const Tensor& out, const Tensor& indices, const Tensor& in, const Pool2dParams& p);
using AvgPool2dKernel = void (*)(const Tensor& out, const Tensor& in, const Pool2dParams& p);
// grad_in (zeroed by the kernel) <- the backward of the op above.
using AvgPool2dBackwardKernel = void (*)(const Tensor& grad_in, const Tensor& grad_out, const Pool2dParams& p);
// Adaptive windows: [floor(o * in / out), ceil((o + 1) * in / out)).
using AdaptiveMaxPool2dKernel = void (*)(const Tensor& out, const Tensor& indices, const Tensor& in, const Pool2dParams& p);
using AdaptiveAvgPool2dKernel = void (*)(const Tensor& out, const Tensor& in, const Pool2dParams& p);
using AdaptiveAvgPool2dBackwardKernel = void (*)(const Tensor& grad_in, const Tensor& grad_out, const Pool2dParams& p);
// grad_in (zeroed by the kernel) <- grad_out scattered through per-plane indices, summed.
using IndexScatter2dKernel = void (*)(const Tensor& grad_in, const Tensor& grad_out, const Tensor& indices, const Pool2dParams& p);
extern KernelTable<MaxPool2dKernel> max_pool2d_kernel;
extern KernelTable<AvgPool2dKernel> avg_pool2d_kernel;
extern KernelTable<AvgPool2dBackwardKernel> avg_pool2d_backward_kernel;
extern KernelTable<AdaptiveMaxPool2dKernel> adaptive_max_pool2d_kernel;
extern KernelTable<AdaptiveAvgPool2dKernel> adaptive_avg_pool2d_kernel;
extern KernelTable<AdaptiveAvgPool2dBackwardKernel> adaptive_avg_pool2d_backward_kernel;
extern KernelTable<IndexScatter2dKernel> index_scatter2d_kernel;

// Resampling of (planes, H, W): `scale_*` is the user's scale factor (0 = none; then in / out).
enum class UpsampleMode : uint8_t { Nearest, NearestExact, Linear };
struct UpsampleParams {
  UpsampleMode mode = UpsampleMode::Nearest;
  int64_t planes = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  double scale_h = 0, scale_w = 0;
  bool align_corners = false;
};
using UpsampleKernel = void (*)(const Tensor& out, const Tensor& in, const UpsampleParams& p);
// grad_in (zeroed by the kernel) <- the adjoint of the resampling.
using UpsampleBackwardKernel = void (*)(const Tensor& grad_in, const Tensor& grad_out, const UpsampleParams& p);
extern KernelTable<UpsampleKernel> upsample_kernel;
extern KernelTable<UpsampleBackwardKernel> upsample_backward_kernel;

// Embedding: out (n, dim) <- rows of weight (num, dim) picked by n int64 indices (checked).
using EmbeddingKernel = void (*)(const Tensor& out, const Tensor& weight, const Tensor& indices);
// grad_weight (num, dim), zeroed by the kernel, <- sum of grad rows (n, dim) per index; rows of
// padding_idx (< 0: none) stay zero; with scale_by_freq each index's sum is divided by its count.
using EmbeddingBackwardKernel = void (*)(const Tensor& grad_weight, const Tensor& grad, const Tensor& indices,
                                         int64_t padding_idx, bool scale_by_freq);
extern KernelTable<EmbeddingKernel> embedding_kernel;
extern KernelTable<EmbeddingBackwardKernel> embedding_backward_kernel;

}  // namespace ember

namespace ember {
// ---- losses: nll_loss over the input viewed as a contiguous (n, c, s) block -------------------
// target is a contiguous (n, s) int64 block, weight (when not null) c values of the input's
// dtype. The forward kernel writes, per (n, s), the loss -weight[t] * input[n, t, s] and the
// weight[t] it counted (both 0 where t == ignore_index); the front-end reduces them. The
// backward kernel adds -weight[t] * grad[n, s] into a zeroed (n, c, s) grad_input. Both raise
// IndexError for a target outside [0, c) that is not ignore_index, before writing anything.
struct NllLossArgs {
  DType dtype = kFloat32;
  int64_t n = 0, c = 0, s = 0;
  const int64_t* target = nullptr;
  const void* weight = nullptr;
  int64_t ignore_index = -100;
};
using NllLossKernel = void (*)(const NllLossArgs& args, const void* input, void* loss, void* counted);
using NllLossBackwardKernel = void (*)(const NllLossArgs& args, const void* grad, void* grad_input);
extern KernelTable<NllLossKernel> nll_loss_kernel;
extern KernelTable<NllLossBackwardKernel> nll_loss_backward_kernel;
// ---- sorting, selection, unique, searchsorted (cpu/sort.cpp) ------------------------------------
// Along `dim`, every other dim is a batch of independent rows; operands may have any strides.
// The order is ascending with NaN last (descending: NaN first), and equal values keep their
// original order, so indices are those of a stable sort (and ties in topk/kthvalue are decided
// the same way). `values` has the input's dtype, `indices` is int64.
// sort: values/indices have `in`'s shape (at least 1 dim).
using SortKernel = void (*)(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim,
                            bool descending);
// topk: values/indices have `in`'s shape with `dim` of size k (1 <= k <= size). Selects without a
// full sort; unsorted, the k results come in no particular order.
using TopkKernel = void (*)(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim,
                            int64_t k, bool largest, bool sorted);
// kthvalue (the k-th smallest, 1 <= k <= size), median (the lower of the two middle values; a
// row holding NaN gives its first NaN) and nanmedian (NaN ignored; an all-NaN row gives its first
// NaN). values/indices have `in`'s shape with `dim` of size 1; rows are not empty.
enum class SelectOp : uint8_t { Kth, Median, NanMedian };
using SelectKernel = void (*)(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim,
                              int64_t k, SelectOp op);
// unique over the rows of a contiguous 2-D tensor `in` [n, m] (m == 1: single elements), each
// row compared as a whole: equal when every element is equal, so NaN is never equal to anything.
// Allocates `values` [groups, m] (ascending lexicographically, or one per run of equal
// neighbours in input order when `consecutive`), `inverse` [n] and `counts` [groups] (int64).
using UniqueKernel = void (*)(const Tensor& in, bool consecutive, Tensor& values, Tensor& inverse,
                              Tensor& counts);
// searchsorted: for each row r, out[r, j] = the insertion point of values[r, j] into the sorted
// row boundaries[r, :] (read through `sorter[r, :]` when given): the first position whose value
// is >= the value (> when `right`). All operands are 2-D with R rows (boundaries and sorter may
// have row stride 0); boundaries and values share a dtype; out is int64 or int32.
using SearchsortedKernel = void (*)(const Tensor& out, const Tensor& boundaries, const Tensor& values,
                                    const Tensor* sorter, bool right);
extern KernelTable<SortKernel> sort_kernel;
extern KernelTable<TopkKernel> topk_kernel;
extern KernelTable<SelectKernel> select_kernel;
extern KernelTable<UniqueKernel> unique_kernel;
extern KernelTable<SearchsortedKernel> searchsorted_kernel;
// ---- convolution: NCHW, 2-D (conv1d runs with H = 1; transposed convolutions swap forward
// and backward-input) -----------------------------------------------------------------------
// Every tensor is contiguous and of one dtype, float32 or float64 (the front-end converts the
// 16-bit ones). Input and output sizes are both given: a kernel computes exactly out_h x out_w
// positions, reading input positions outside [0, in_h) x [0, in_w) as zero, so the sizes need
// not satisfy the forward size formula (output_padding and 'same' padding rely on that).
// Output position (oh, ow) with kernel tap (i, j) reads input
//   (oh * stride_h - pad_h + i * dilation_h, ow * stride_w - pad_w + j * dilation_w).
struct ConvGeometry {
  int64_t batch = 0, in_channels = 0, in_h = 0, in_w = 0;
  int64_t out_channels = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  // The depth dim of a 3-D convolution (NCDHW): 1 and no padding for 1-D and 2-D ones.
  int64_t in_d = 1, out_d = 1, kernel_d = 1, stride_d = 1, pad_d = 0, dilation_d = 1;
};
// out (N, Cout, [OD,] OH, OW) = input (N, Cin, [D,] H, W) convolved with weight
// (Cout, Cin/groups, [KD,] KH, KW), plus bias (Cout) when given.
using ConvForwardKernel = void (*)(const ConvGeometry& g, const Tensor& out, const Tensor& input,
                                   const Tensor& weight, const Tensor* bias);
// grad_input (N, Cin, H, W), overwritten, from grad_output (N, Cout, OH, OW) and the weight.
using ConvBackwardInputKernel = void (*)(const ConvGeometry& g, const Tensor& grad_input,
                                         const Tensor& grad_output, const Tensor& weight);
// grad_weight (Cout, Cin/groups, KH, KW), overwritten, from grad_output and the input.
using ConvBackwardWeightKernel = void (*)(const ConvGeometry& g, const Tensor& grad_weight,
                                          const Tensor& grad_output, const Tensor& input);
extern KernelTable<ConvForwardKernel> conv2d_kernel;
extern KernelTable<ConvBackwardInputKernel> conv2d_backward_input_kernel;
extern KernelTable<ConvBackwardWeightKernel> conv2d_backward_weight_kernel;
// ---- linalg: dense factorizations over a batch of contiguous row-major float64 matrices -------
// The front-ends (ops/linalg_decomp.cpp) convert to float64 and lay out the operands; each
// kernel walks `batch` independent problems (in parallel). Per op (matrices are row-major):
//   LuFactor:        a (m x n) <- L\U with unit L (partial pivoting); pivots (min(m, n), int64):
//                    the row swapped with row i at step i; info: 0, or the 1-based first zero pivot.
//   LuSolve:         a, pivots from LuFactor; b (n x k) <- A^-1 b.
//   Cholesky:        a (n x n) <- L (lower, upper part zeroed); info: 0, or the order of the
//                    first leading minor that is not positive-definite.
//   TriangularSolve: b (n x k) <- A^-1 b, A = the `upper` or lower triangle of a (n x n), with
//                    a unit diagonal when `unitriangular`.
//   Qr:              a (m x n) <- R (zeros below the diagonal); c (m x k) <- the first k
//                    columns of Q when c is set (k = m or min(m, n)).
//   Eigh:            a (n x n, symmetric) is destroyed; b (n) <- eigenvalues ascending; c (n x n)
//                    <- eigenvectors as columns when c is set.
//   Svd:             a (m x n) is destroyed; b (min(m, n)) <- singular values descending; when c
//                    is set, c (m x k) <- U and d (k x n) <- Vh, with k = min(m, n), or U m x m
//                    and Vh n x n when `full`.
//   Eig:             complex only. a (n x n, general) is destroyed; b (n) <- eigenvalues; c (n x n)
//                    <- unit-norm eigenvectors as columns when c is set; info: 0, or 1 + the
//                    index of the eigenvalue the QR iteration failed to converge on.
// With `complex`, a, b and c hold std::complex<double> values (re, im interleaved; the counts
// above are complex elements): LuFactor, LuSolve and TriangularSolve then run on complex
// matrices; Cholesky, Qr, Eigh and Svd are real only, and Eig is complex only.
enum class LinalgOp : uint8_t { LuFactor, LuSolve, Cholesky, TriangularSolve, Qr, Eigh, Svd, Eig };
struct LinalgArgs {
  int64_t batch = 0;
  int64_t m = 0, n = 0, k = 0;
  double* a = nullptr;
  double* b = nullptr;
  double* c = nullptr;
  double* d = nullptr;
  int64_t* pivots = nullptr;
  int64_t* info = nullptr;  // one per batch element
  bool upper = false, unitriangular = false, full = false;
  bool complex = false;
};
using LinalgKernel = void (*)(LinalgOp op, const LinalgArgs& args);
extern KernelTable<LinalgKernel> linalg_kernel;

}  // namespace ember

// ---- shape: triangular masks ------------------------------------------------------------------
namespace ember {
// out = tril/triu(in) over the last two dims (batched): element (i, j) is kept when j - i <=
// diagonal (lower) or j - i >= diagonal (upper), else zero. `out` and `in` have the same shape
// and dtype; they may be the same tensor (in place). Only the element size matters.
using TriangularKernel = void (*)(const Tensor& out, const Tensor& in, int64_t diagonal, bool upper);
extern KernelTable<TriangularKernel> triangular_kernel;
}  // namespace ember

// ---- shape: pad regions of the innermost dim ---------------------------------------------------
namespace ember {
// Pads the innermost dim: every row of `in` (n elements) is copied into the middle of the same
// row of `out` (left + n + right elements), and the row's first `left` and last `right` elements
// are filled from that middle: mirrored without the edge (Reflect), the edge repeated
// (Replicate), or the other end (Circular). n is at least each pad (Reflect: more). `out` and
// `in` share every other dim's size. Strided copies would walk the pads as runs of a few
// elements; one pass per row is several times faster.
enum class PadEdge : uint8_t { Reflect, Replicate, Circular };
using PadEdgeKernel = void (*)(const Tensor& out, const Tensor& in, int64_t left, int64_t right, PadEdge mode);
extern KernelTable<PadEdgeKernel> pad_edge_kernel;
// ---- normalization: contiguous float32/float64 operands (16-bit inputs are computed in
// float32 by the front-ends); statistics accumulate in float64. Undefined tensors are absent
// parameters (weight, bias) or unwanted gradients.
// Batch norm over input (N, C, L): in training the kernel writes the batch mean and biased
// variance into `mean`/`var`; in eval it reads them (the running statistics). Either way it
// writes invstd = 1/sqrt(var + eps) and the output.
struct BatchNormArgs {
  Tensor out, in, weight, bias, mean, var, invstd;
  bool training = true;
  double eps = 1e-5;
};
using BatchNormKernel = void (*)(const BatchNormArgs& args);
// grad_in = the training formula (through the batch statistics) or the eval one (constants).
struct BatchNormBackwardArgs {
  Tensor grad_in, grad_weight, grad_bias, grad_out, in, weight, mean, invstd;
  bool training = true;
};
using BatchNormBackwardKernel = void (*)(const BatchNormBackwardArgs& args);
// Layer and group norm share one form: `rows` rows of `cols` values, each row normalized with
// its own mean/rstd. Rows are (n, g) for g < groups; a row holds cols / inner channels of
// `inner` values each, so value j of row r has the affine channel
// (r % groups) * (cols / inner) + j / inner. Layer norm: groups = 1, inner = 1 (a channel per
// value); group norm: inner = the spatial size.
struct RowNormArgs {
  Tensor out, in, weight, bias, mean, rstd;  // mean/rstd: `rows` values
  int64_t rows = 0, cols = 0, inner = 1, groups = 1;
  double eps = 1e-5;
};
using RowNormKernel = void (*)(const RowNormArgs& args);
// grad_weight/grad_bias: one value per channel (groups * cols / inner), summed over n and the
// positions inside the channel.
struct RowNormBackwardArgs {
  Tensor grad_in, grad_weight, grad_bias, grad_out, in, weight, mean, rstd;
  int64_t rows = 0, cols = 0, inner = 1, groups = 1;
};
using RowNormBackwardKernel = void (*)(const RowNormBackwardArgs& args);
extern KernelTable<BatchNormKernel> batch_norm_kernel;
extern KernelTable<BatchNormBackwardKernel> batch_norm_backward_kernel;
extern KernelTable<RowNormKernel> row_norm_kernel;
extern KernelTable<RowNormBackwardKernel> row_norm_backward_kernel;

// ---- activations: forward iterators are (out, input), backward ones (grad_input, grad_output,
// input); one floating dtype throughout. Parameters by op:
//   Gelu/GeluTanh: -; Softplus: a = beta, b = threshold; Elu: a = alpha, b = scale,
//   c = input_scale (selu and celu are Elus); LeakyRelu: a = slope; Hardtanh: a = min, b = max;
//   Threshold: a = threshold, b = value; Relu, Sigmoid and Tanh are backward-only here, and
//   their backward reads the output for Sigmoid/Tanh.
enum class ActivationOp : uint8_t {
  Gelu, GeluTanh, Silu, Softplus, Elu, LeakyRelu, Hardtanh, Mish, Hardswish, Hardsigmoid,
  LogSigmoid, Softsign, Tanhshrink, Threshold, Relu, Sigmoid, Tanh,
};
struct ActivationParams {
  double a = 0, b = 0, c = 0;
};
using ActivationKernel = void (*)(const TensorIter& iter, ActivationOp op, const ActivationParams& params);
extern KernelTable<ActivationKernel> activation_kernel;
extern KernelTable<ActivationKernel> activation_backward_kernel;
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
