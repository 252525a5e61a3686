#pragma once
// Every op of the library as a free function. Names and semantics follow PyTorch: broadcasting,
// type promotion as torch.result_type, dims that may be negative. Python scalars enter as
// Scalar (or as a wrapped-number tensor from scalar_tensor), which never widens a category.
#include <array>
#include <iosfwd>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

using OptDims = std::optional<IntArray>;  // nullopt: all dims

// ---- creation ------------------------------------------------------------------------------
EMBER_API Tensor empty(const IntArray& shape, TensorOptions options = {});
EMBER_API Tensor empty_strided(const IntArray& shape, const IntArray& strides, TensorOptions options = {});
EMBER_API Tensor zeros(const IntArray& shape, TensorOptions options = {});
EMBER_API Tensor ones(const IntArray& shape, TensorOptions options = {});
EMBER_API Tensor full(const IntArray& shape, const Scalar& value, TensorOptions options = {});
EMBER_API Tensor arange(const Scalar& end, TensorOptions options = {});
EMBER_API Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1,
                        TensorOptions options = {});
EMBER_API Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
EMBER_API Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, TensorOptions options = {});
EMBER_API Tensor empty_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor full_like(const Tensor& t, const Scalar& value, std::optional<DType> dtype = std::nullopt);
// A 0-dim tensor holding a Python number; `wrapped` marks it for scalar-style promotion.
EMBER_API Tensor scalar_tensor(const Scalar& value, std::optional<DType> dtype = std::nullopt,
                               bool wrapped = false);
// Wraps memory without a copy. The caller keeps it alive, or passes a deleter that releases it.
EMBER_API Tensor from_blob(void* data, const IntArray& shape, DType dtype = kFloat32);
EMBER_API Tensor from_blob(void* data, const IntArray& shape, const IntArray& strides, DType dtype,
                           Storage::Deleter deleter = nullptr, Device device = Device());

// ---- type promotion ------------------------------------------------------------------------
// torch.result_type over tensors (0-dim and wrapped-number tensors rank below dimensioned ones).
EMBER_API DType result_type(const std::vector<Tensor>& tensors);
EMBER_API DType result_type(const Tensor& a, const Scalar& b);
EMBER_API bool can_cast(DType from, DType to);  // torch.can_cast: no category downgrade

// ---- elementwise: binary -------------------------------------------------------------------
EMBER_API Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
EMBER_API Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
EMBER_API Tensor mul(const Tensor& a, const Tensor& b);
// rounding_mode: "" (true division, always floating), "trunc" or "floor"
EMBER_API Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode = "");
EMBER_API Tensor remainder(const Tensor& a, const Tensor& b);  // sign of the divisor, like Python
EMBER_API Tensor fmod(const Tensor& a, const Tensor& b);       // sign of the dividend, like C
EMBER_API Tensor floor_divide(const Tensor& a, const Tensor& b);
EMBER_API Tensor pow(const Tensor& a, const Tensor& b);
EMBER_API Tensor maximum(const Tensor& a, const Tensor& b);  // NaN propagates
EMBER_API Tensor minimum(const Tensor& a, const Tensor& b);
EMBER_API Tensor atan2(const Tensor& a, const Tensor& b);
EMBER_API Tensor eq(const Tensor& a, const Tensor& b);
EMBER_API Tensor ne(const Tensor& a, const Tensor& b);
EMBER_API Tensor lt(const Tensor& a, const Tensor& b);
EMBER_API Tensor le(const Tensor& a, const Tensor& b);
EMBER_API Tensor gt(const Tensor& a, const Tensor& b);
EMBER_API Tensor ge(const Tensor& a, const Tensor& b);
EMBER_API Tensor logical_and(const Tensor& a, const Tensor& b);
EMBER_API Tensor logical_or(const Tensor& a, const Tensor& b);
EMBER_API Tensor logical_xor(const Tensor& a, const Tensor& b);
EMBER_API Tensor bitwise_and(const Tensor& a, const Tensor& b);  // integers and bool
EMBER_API Tensor bitwise_or(const Tensor& a, const Tensor& b);
EMBER_API Tensor bitwise_xor(const Tensor& a, const Tensor& b);
EMBER_API Tensor bitwise_left_shift(const Tensor& a, const Tensor& b);
EMBER_API Tensor bitwise_right_shift(const Tensor& a, const Tensor& b);
// Scalar right-hand sides: the scalar is promoted as a Python number.
EMBER_API Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
EMBER_API Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
EMBER_API Tensor mul(const Tensor& a, const Scalar& b);
EMBER_API Tensor div(const Tensor& a, const Scalar& b, const std::string& rounding_mode = "");
EMBER_API Tensor pow(const Tensor& a, const Scalar& b);

// ---- elementwise: unary --------------------------------------------------------------------
// Floating functions of integer or bool tensors return the default float dtype (float32).
EMBER_API Tensor neg(const Tensor& t);
EMBER_API Tensor abs(const Tensor& t);
EMBER_API Tensor sign(const Tensor& t);
EMBER_API Tensor exp(const Tensor& t);
EMBER_API Tensor exp2(const Tensor& t);
EMBER_API Tensor expm1(const Tensor& t);
EMBER_API Tensor log(const Tensor& t);
EMBER_API Tensor log2(const Tensor& t);
EMBER_API Tensor log10(const Tensor& t);
EMBER_API Tensor log1p(const Tensor& t);
EMBER_API Tensor sqrt(const Tensor& t);
EMBER_API Tensor rsqrt(const Tensor& t);
EMBER_API Tensor sin(const Tensor& t);
EMBER_API Tensor cos(const Tensor& t);
EMBER_API Tensor tan(const Tensor& t);
EMBER_API Tensor tanh(const Tensor& t);
EMBER_API Tensor sigmoid(const Tensor& t);
EMBER_API Tensor relu(const Tensor& t);
EMBER_API Tensor erf(const Tensor& t);
EMBER_API Tensor floor(const Tensor& t);
EMBER_API Tensor ceil(const Tensor& t);
EMBER_API Tensor round(const Tensor& t);  // half to even, like PyTorch
EMBER_API Tensor trunc(const Tensor& t);
EMBER_API Tensor reciprocal(const Tensor& t);
EMBER_API Tensor square(const Tensor& t);
EMBER_API Tensor logical_not(const Tensor& t);
EMBER_API Tensor bitwise_not(const Tensor& t);
EMBER_API Tensor isnan(const Tensor& t);
EMBER_API Tensor isinf(const Tensor& t);
EMBER_API Tensor isfinite(const Tensor& t);
EMBER_API Tensor clamp(const Tensor& t, const std::optional<Scalar>& min,
                       const std::optional<Scalar>& max);
EMBER_API Tensor clamp(const Tensor& t, const std::optional<Tensor>& min,
                       const std::optional<Tensor>& max);
EMBER_API Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

// ---- in-place (the result is written into `self`, whose dtype must hold it) ---------------------
EMBER_API Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha = 1);
EMBER_API Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha = 1);
EMBER_API Tensor& mul_(Tensor& self, const Tensor& other);
EMBER_API Tensor& div_(Tensor& self, const Tensor& other, const std::string& rounding_mode = "");
EMBER_API Tensor& clamp_(Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
EMBER_API Tensor& clamp_(Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max);
// `out` variants: every elementwise op writes into a given tensor through these.
EMBER_API void binary_out(const std::string& op, const Tensor& a, const Tensor& b, const Tensor& out);
EMBER_API void unary_out(const std::string& op, const Tensor& t, const Tensor& out);

// ---- reductions ----------------------------------------------------------------------------
EMBER_API Tensor sum(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false,
                     std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor mean(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false,
                      std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor prod(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false,
                      std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor var(const Tensor& t, const OptDims& dims = std::nullopt, double correction = 1,
                     bool keepdim = false);
EMBER_API Tensor std(const Tensor& t, const OptDims& dims = std::nullopt, double correction = 1,
                     bool keepdim = false);
EMBER_API Tensor amax(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false);
EMBER_API Tensor amin(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false);
EMBER_API Tensor max(const Tensor& t);  // 0-dim
EMBER_API Tensor min(const Tensor& t);
EMBER_API std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
EMBER_API std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
EMBER_API Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
EMBER_API Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
EMBER_API Tensor all(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false);
EMBER_API Tensor any(const Tensor& t, const OptDims& dims = std::nullopt, bool keepdim = false);
EMBER_API Tensor logsumexp(const Tensor& t, const IntArray& dims, bool keepdim = false);
// p-norm over dims (p = 2 by default; inf, -inf, 0 and any positive p)
EMBER_API Tensor norm(const Tensor& t, double p = 2, const OptDims& dims = std::nullopt,
                      bool keepdim = false);
EMBER_API Tensor cumsum(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor cumprod(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
EMBER_API Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);

// ---- indexing ------------------------------------------------------------------------------
// One entry of an index, as in t[1, 2:8:-1, None, ..., idx, mask]. A Tensor entry is an integer
// index (int64 or int32; values broadcast together, negative ones wrap) or a mask (bool, or
// uint8 as PyTorch still takes it) over as many dims as it has; a 0-dim bool adds a dim of
// size 1 (true) or 0 (false).
struct TensorIndex {
  enum class Kind { Integer, Slice, None, Ellipsis, Tensor };
  Kind kind = Kind::Ellipsis;
  int64_t integer = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  Tensor index_tensor;
  static TensorIndex at(int64_t i) { TensorIndex x; x.kind = Kind::Integer; x.integer = i; return x; }
  static TensorIndex slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) {
    TensorIndex x; x.kind = Kind::Slice; x.start = start; x.stop = stop; x.step = step; return x;
  }
  static TensorIndex none() { TensorIndex x; x.kind = Kind::None; return x; }
  static TensorIndex ellipsis() { return TensorIndex(); }
  static TensorIndex tensor(const Tensor& t) { TensorIndex x; x.kind = Kind::Tensor; x.index_tensor = t; return x; }
};
// t[indices]. Without Tensor entries, a view (integers select, slices slice with any step, None
// inserts a dim). With them, a copy (PyTorch's advanced indexing): the dims the index tensors
// take are replaced by their broadcast shape, in place when those dims are adjacent, else first.
EMBER_API Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices);
// t[indices] = value, broadcasting value (converted to t's dtype); one version bump.
EMBER_API void index_assign(const Tensor& t, const std::vector<TensorIndex>& indices, const Tensor& value);

// ---- threading (OpenMP; small work stays on the calling thread) -----------------------------
EMBER_API int get_num_threads();
EMBER_API void set_num_threads(int n);
// Frees the big CPU buffers the allocator keeps for reuse (see core/allocator.cpp).
EMBER_API void empty_cpu_cache();
// The instruction set the vectorized CPU kernels were chosen for: "base", "avx2" or "avx512".
EMBER_API const char* cpu_capability();

// ---- printing ------------------------------------------------------------------------------
// PyTorch's print format (Tensor::repr); `extra_suffixes` ("requires_grad=True", ...) follow
// the device and dtype suffixes, wrapped at 80 columns as PyTorch wraps them.
EMBER_API std::string tensor_repr(const Tensor& t, const std::vector<std::string>& extra_suffixes = {});
EMBER_API std::ostream& operator<<(std::ostream& os, const Tensor& t);  // writes t.repr()

// ---- linear algebra (issue: the op library grows this) ----------------------------------------
EMBER_API Tensor matmul(const Tensor& a, const Tensor& b);

// ---- pooling, interpolation, embedding, dropout --------------------------------------------------
// torch.nn.functional's semantics over NCHW floating tensors. 2-D ops take (N, C, H, W) or
// unbatched (C, H, W); 1-D ops (N, C, L) or (C, L). Window arguments hold one entry (used for
// every spatial dim) or one per spatial dim; an empty stride means stride = kernel_size.
// Padding is at most half the kernel; with ceil_mode the last window must start inside the
// input or its left padding. Indices are flat positions h * W + w within each plane.
class Generator;
EMBER_API std::tuple<Tensor, Tensor> max_pool2d_with_indices(
    const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
    const IntArray& padding = {0}, const IntArray& dilation = {1}, bool ceil_mode = false);
EMBER_API Tensor max_pool2d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
                            const IntArray& padding = {0}, const IntArray& dilation = {1}, bool ceil_mode = false);
EMBER_API std::tuple<Tensor, Tensor> max_pool1d_with_indices(
    const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
    const IntArray& padding = {0}, const IntArray& dilation = {1}, bool ceil_mode = false);
EMBER_API Tensor max_pool1d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
                            const IntArray& padding = {0}, const IntArray& dilation = {1}, bool ceil_mode = false);
// The gradient of max_pool2d and adaptive_max_pool2d (max_pool1d_backward: of the 1-D ones):
// grad_output scattered through `indices` into zeros of input_size, summed where windows overlap.
EMBER_API Tensor max_pool2d_backward(const Tensor& grad_output, const IntArray& input_size, const Tensor& indices);
EMBER_API Tensor max_pool1d_backward(const Tensor& grad_output, const IntArray& input_size, const Tensor& indices);
EMBER_API Tensor avg_pool2d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
                            const IntArray& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                            std::optional<int64_t> divisor_override = std::nullopt);
EMBER_API Tensor avg_pool2d_backward(const Tensor& grad_output, const IntArray& input_size,
                                     const IntArray& kernel_size, const IntArray& stride = {},
                                     const IntArray& padding = {0}, bool ceil_mode = false,
                                     bool count_include_pad = true,
                                     std::optional<int64_t> divisor_override = std::nullopt);
EMBER_API Tensor avg_pool1d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
                            const IntArray& padding = {0}, bool ceil_mode = false, bool count_include_pad = true);
EMBER_API Tensor avg_pool1d_backward(const Tensor& grad_output, const IntArray& input_size,
                                     const IntArray& kernel_size, const IntArray& stride = {},
                                     const IntArray& padding = {0}, bool ceil_mode = false,
                                     bool count_include_pad = true);
// Adaptive pools: output_size has one entry per spatial dim; -1 keeps that input size.
EMBER_API Tensor adaptive_avg_pool2d(const Tensor& input, const IntArray& output_size);
EMBER_API Tensor adaptive_avg_pool1d(const Tensor& input, const IntArray& output_size);
EMBER_API Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const IntArray& input_size);
EMBER_API Tensor adaptive_avg_pool1d_backward(const Tensor& grad_output, const IntArray& input_size);
EMBER_API std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const IntArray& output_size);
EMBER_API std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const IntArray& output_size);

// Resampling of (N, C, W) or (N, C, H, W): output_size has one entry per spatial dim; `scales`
// is empty or holds the caller's scale factors (0 = none), which replace in / out in the
// coordinate map as in PyTorch. Nearest is PyTorch's legacy floor(dst * scale); `exact` gives
// nearest-exact, floor((dst + 0.5) * scale). Linear is (bi)linear with align_corners.
EMBER_API Tensor upsample_nearest(const Tensor& input, const IntArray& output_size,
                                  const std::vector<double>& scales = {}, bool exact = false);
EMBER_API Tensor upsample_nearest_backward(const Tensor& grad_output, const IntArray& input_size,
                                           const std::vector<double>& scales = {}, bool exact = false);
EMBER_API Tensor upsample_linear(const Tensor& input, const IntArray& output_size, bool align_corners,
                                 const std::vector<double>& scales = {});
EMBER_API Tensor upsample_linear_backward(const Tensor& grad_output, const IntArray& input_size,
                                          bool align_corners, const std::vector<double>& scales = {});

// Rows of weight (num_embeddings, dim) picked by integer indices: shape indices.shape + [dim].
// An index outside [0, num_embeddings) raises IndexError.
EMBER_API Tensor embedding(const Tensor& weight, const Tensor& indices);
// The dense gradient of embedding: (num_weights, dim), repeated indices summed, the row of
// padding_idx (< 0: none) zero; scale_grad_by_freq divides each row by its index's count.
EMBER_API Tensor embedding_backward(const Tensor& grad_output, const Tensor& indices, int64_t num_weights,
                                    int64_t padding_idx = -1, bool scale_grad_by_freq = false);
// Rescales in place each row of weight named by indices whose norm_type-norm exceeds max_norm.
EMBER_API Tensor& embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm, double norm_type = 2);

// Dropout in training mode: (output, mask) with mask a bool tensor of mask_shape (empty: the
// input's shape; else a shape broadcasting to it, as [N, C, 1, 1] for channel dropout) drawn
// from the Philox stream, and output = input * mask / (1 - p); p = 1 gives zeros.
EMBER_API std::tuple<Tensor, Tensor> native_dropout(const Tensor& input, double p, Generator* generator = nullptr,
                                                    const IntArray& mask_shape = {});
// grad_output * mask * scale, scale being 1 / (1 - p) (0 when p = 1).
EMBER_API Tensor dropout_backward(const Tensor& grad_output, const Tensor& mask, double scale);
// torch.dropout: the input itself when not training.
EMBER_API Tensor dropout(const Tensor& input, double p, bool train, Generator* generator = nullptr);

}  // namespace ember

namespace ember {

// ---- losses --------------------------------------------------------------------------------------
// PyTorch's loss functions. `reduction` is "none", "mean" or "sum" (kl_div also "batchmean").
// Each `*_backward` returns the gradients of its differentiable inputs given the gradient of
// the loss (a 0-dim tensor, or the unreduced shape for "none"), summed back to each input's
// shape where the loss broadcast them.
EMBER_API Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
EMBER_API Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
EMBER_API Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                                double beta = 1.0);
EMBER_API Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                            double delta = 1.0);
// Probabilities in [0, 1]; log terms are clamped at -100 like PyTorch.
EMBER_API Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                                      const std::optional<Tensor>& weight = std::nullopt,
                                      const std::string& reduction = "mean");
// Logits; stable for any magnitude. pos_weight scales the positive term per class (last dim).
EMBER_API Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                                  const std::optional<Tensor>& weight = std::nullopt,
                                                  const std::optional<Tensor>& pos_weight = std::nullopt,
                                                  const std::string& reduction = "mean");
EMBER_API Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                        bool log_target = false);
// input: log-probabilities (N, C), (C) or (N, C, d1, ...); target: class indices of the input's
// shape without C. Targets equal to ignore_index count for nothing.
EMBER_API Tensor nll_loss(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight = std::nullopt,
                          const std::string& reduction = "mean", int64_t ignore_index = -100);
// target: class indices (as nll_loss) or class probabilities (the input's shape, floating).
EMBER_API Tensor cross_entropy(const Tensor& input, const Tensor& target,
                               const std::optional<Tensor>& weight = std::nullopt,
                               const std::string& reduction = "mean", int64_t ignore_index = -100,
                               double label_smoothing = 0.0);

EMBER_API std::tuple<Tensor, Tensor> mse_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                       const std::string& reduction);
EMBER_API std::tuple<Tensor, Tensor> l1_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                      const std::string& reduction);
EMBER_API std::tuple<Tensor, Tensor> smooth_l1_loss_backward(const Tensor& grad, const Tensor& input,
                                                             const Tensor& target, const std::string& reduction,
                                                             double beta);
EMBER_API std::tuple<Tensor, Tensor> huber_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                         const std::string& reduction, double delta);
EMBER_API std::tuple<Tensor, Tensor> binary_cross_entropy_backward(const Tensor& grad, const Tensor& input,
                                                                   const Tensor& target,
                                                                   const std::optional<Tensor>& weight,
                                                                   const std::string& reduction);
EMBER_API std::tuple<Tensor, Tensor> binary_cross_entropy_with_logits_backward(
    const Tensor& grad, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
    const std::optional<Tensor>& pos_weight, const std::string& reduction);
EMBER_API std::tuple<Tensor, Tensor> kl_div_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                                     const std::string& reduction, bool log_target);
// The gradient of nll_loss with respect to its input (targets are not differentiable).
EMBER_API Tensor nll_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target,
                                   const std::optional<Tensor>& weight, const std::string& reduction,
                                   int64_t ignore_index);
// The gradients of cross_entropy: with respect to the input, and to the target when it holds
// class probabilities (nullopt for class indices).
EMBER_API std::tuple<Tensor, std::optional<Tensor>> cross_entropy_backward(
    const Tensor& grad, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
    const std::string& reduction, int64_t ignore_index, double label_smoothing);
// ---- sorting, selection, unique, einsum ------------------------------------------------------
// NaN sorts as the largest value. Sorting is always stable (equal values keep their order), so
// indices match PyTorch's stable sort; `stable` is accepted for PyTorch's signature.
EMBER_API std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim = -1, bool descending = false,
                                          bool stable = false);
EMBER_API Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false, bool stable = false);
// The k largest (or smallest) values along dim and their indices; ties go to the lower index.
EMBER_API std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true,
                                          bool sorted = true);
// The k-th smallest value along dim (k from 1) and its index.
EMBER_API std::tuple<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim = -1, bool keepdim = false);
// The lower median along dim (NaN when the row has one) and its index; median(t) of all values.
EMBER_API std::tuple<Tensor, Tensor> median(const Tensor& t, int64_t dim, bool keepdim = false);
EMBER_API Tensor median(const Tensor& t);
// As median, ignoring NaN.
EMBER_API std::tuple<Tensor, Tensor> nanmedian(const Tensor& t, int64_t dim, bool keepdim = false);
EMBER_API Tensor nanmedian(const Tensor& t);
// The q-quantiles (q a 0-dim or 1-D floating tensor in [0, 1]) with PyTorch's interpolation
// modes: "linear", "lower", "higher", "nearest", "midpoint". dim nullopt: of all values.
EMBER_API Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                          bool keepdim = false, const std::string& interpolation = "linear");
// Sorted distinct values (or slices along `dim`), the inverse indices (each input element's or
// slice's position among them) and the counts. The inverse and counts are always computed.
struct UniqueResult {
  Tensor values, inverse, counts;
};
EMBER_API UniqueResult unique(const Tensor& t, std::optional<int64_t> dim = std::nullopt);
// As unique, over runs of equal neighbours only, in input order.
EMBER_API UniqueResult unique_consecutive(const Tensor& t, std::optional<int64_t> dim = std::nullopt);
// Insertion points of `values` into the innermost dim of `sorted_sequence` (1-D, or with the
// leading dims of `values`); side "left" (first >=) or "right" (first >). int64, or int32 when
// out_int32. `sorter` (int64, the sequence's shape) orders an unsorted sequence.
EMBER_API Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32 = false,
                              bool right = false, const std::optional<std::string>& side = std::nullopt,
                              const std::optional<Tensor>& sorter = std::nullopt);
// The bucket of each input value among the 1-D sorted `boundaries` (searchsorted's order of args).
EMBER_API Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32 = false,
                           bool right = false);
// The number of non-zero values over dims (all when nullopt), as int64.
EMBER_API Tensor count_nonzero(const Tensor& t, const OptDims& dims = std::nullopt);
// Einstein summation: "ij,jk->ik", implicit outputs ("ij,jk"), repeated subscripts as
// diagonals ("ii->i"), "..." broadcasting, any number of operands (contracted left to right
// through matmul). Operands share one dtype (not bool).
EMBER_API Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);
// Contracts dims_a of a with dims_b of b (pairwise equal sizes) through matmul; the int form
// contracts the last `dims` dims of a with the first `dims` of b.
EMBER_API Tensor tensordot(const Tensor& a, const Tensor& b, const IntArray& dims_a, const IntArray& dims_b);
EMBER_API Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims = 2);
// The Kronecker product (dims aligned from the right).
EMBER_API Tensor kron(const Tensor& a, const Tensor& b);
// ---- convolution ---------------------------------------------------------------------------
// NCHW (NCL for 1-D) with PyTorch's semantics. stride, padding, dilation and output_padding take
// one value per spatial dim or one value for all; padding may also be "valid" or "same" (stride
// 1 only; an odd total goes on the bottom/right, as PyTorch pads). An unbatched input ((C, H, W)
// or (C, L)) gives an unbatched result. Floating dtypes, one for input, weight and bias;
// float16/bfloat16 compute in float32. Weights: (out_channels, in_channels / groups, kH, kW).
EMBER_API Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
                        const IntArray& stride = {1}, const IntArray& padding = {0},
                        const IntArray& dilation = {1}, int64_t groups = 1);
EMBER_API Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        const IntArray& stride, const std::string& padding, const IntArray& dilation = {1},
                        int64_t groups = 1);
EMBER_API Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
                        const IntArray& stride = {1}, const IntArray& padding = {0},
                        const IntArray& dilation = {1}, int64_t groups = 1);
EMBER_API Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        const IntArray& stride, const std::string& padding, const IntArray& dilation = {1},
                        int64_t groups = 1);
// Transposed convolutions (the input gradient of a convolution): weight is (in_channels,
// out_channels / groups, kH, kW); output_padding (each below the stride or the dilation) adds
// rows and columns at the bottom and right of the result.
EMBER_API Tensor conv_transpose2d(const Tensor& input, const Tensor& weight,
                                  const std::optional<Tensor>& bias = std::nullopt, const IntArray& stride = {1},
                                  const IntArray& padding = {0}, const IntArray& output_padding = {0},
                                  int64_t groups = 1, const IntArray& dilation = {1});
EMBER_API Tensor conv_transpose1d(const Tensor& input, const Tensor& weight,
                                  const std::optional<Tensor>& bias = std::nullopt, const IntArray& stride = {1},
                                  const IntArray& padding = {0}, const IntArray& output_padding = {0},
                                  int64_t groups = 1, const IntArray& dilation = {1});
// Backward kernels, for autograd. grad_output has the forward result's shape; each gradient
// comes back in the shape and dtype of what it differentiates. The combined forms return
// (grad_input, grad_weight, grad_bias), computing only those output_mask selects (the others
// are undefined tensors).
EMBER_API Tensor conv2d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                       int64_t groups);
EMBER_API Tensor conv2d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const std::string& padding,
                                       const IntArray& dilation, int64_t groups);
EMBER_API Tensor conv2d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                        int64_t groups);
EMBER_API Tensor conv2d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const std::string& padding,
                                        const IntArray& dilation, int64_t groups);
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv2d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv2d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const std::string& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API Tensor conv1d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                       int64_t groups);
EMBER_API Tensor conv1d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const std::string& padding,
                                       const IntArray& dilation, int64_t groups);
EMBER_API Tensor conv1d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                        int64_t groups);
EMBER_API Tensor conv1d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const std::string& padding,
                                        const IntArray& dilation, int64_t groups);
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv1d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv1d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const std::string& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv_transpose2d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& output_padding, int64_t groups, const IntArray& dilation,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv_transpose1d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& output_padding, int64_t groups, const IntArray& dilation,
    std::array<bool, 3> output_mask = {true, true, true});
// ---- linalg ----------------------------------------------------------------------------------
// torch.linalg's factorizations on float32/float64 CPU tensors, batched over leading dims
// (computed in float64, returned in the input's dtype). Other dtypes raise a TypeError.
// inv / inv_ex: singular inputs raise (inv) or are reported in info (int32, the first zero pivot).
EMBER_API Tensor linalg_inv(const Tensor& A);
EMBER_API std::tuple<Tensor, Tensor> linalg_inv_ex(const Tensor& A, bool check_errors = false);
EMBER_API Tensor linalg_det(const Tensor& A);
EMBER_API std::tuple<Tensor, Tensor> linalg_slogdet(const Tensor& A);  // (sign, logabsdet)
// LU with partial pivoting of (*, m, n): LU packed, pivots 1-based int32, info int32 (the first
// zero pivot). lu_factor raises on a zero pivot; pivot=false is refused, as PyTorch on the CPU.
EMBER_API std::tuple<Tensor, Tensor, Tensor> linalg_lu_factor_ex(const Tensor& A, bool pivot = true,
                                                                 bool check_errors = false);
EMBER_API std::tuple<Tensor, Tensor> linalg_lu_factor(const Tensor& A, bool pivot = true);
// Solves A X = B (or X A = B; adjoint: with A^T) from lu_factor's result; batch dims broadcast.
EMBER_API Tensor linalg_lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left = true,
                                 bool adjoint = false);
// (P, L, U) with A = P L U; lu_unpack unpacks lu_factor's result (empty tensors for the parts
// not asked for).
EMBER_API std::tuple<Tensor, Tensor, Tensor> lu_unpack(const Tensor& LU, const Tensor& pivots,
                                                       bool unpack_data = true, bool unpack_pivots = true);
EMBER_API std::tuple<Tensor, Tensor, Tensor> linalg_lu(const Tensor& A, bool pivot = true);
// A X = B (left) or X A = B; B is a vector batch when 1-D or shaped like A without its last dim;
// batch dims broadcast.
EMBER_API Tensor linalg_solve(const Tensor& A, const Tensor& B, bool left = true);
// Reads only the `upper` or lower triangle of A; unitriangular assumes a unit diagonal.
EMBER_API Tensor linalg_solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left = true,
                                         bool unitriangular = false);
// torch.triangular_solve(b, A): (solution, A broadcast to the batch); `transpose` solves A^T X = b.
EMBER_API std::tuple<Tensor, Tensor> triangular_solve(const Tensor& b, const Tensor& A, bool upper = true,
                                                      bool transpose = false, bool unitriangular = false);
// Reads the lower triangle; not positive-definite raises (cholesky) or sets info (int32).
EMBER_API Tensor linalg_cholesky(const Tensor& A, bool upper = false);
EMBER_API std::tuple<Tensor, Tensor> linalg_cholesky_ex(const Tensor& A, bool upper = false,
                                                        bool check_errors = false);
// mode: "reduced", "complete" or "r" (Q is then empty).
EMBER_API std::tuple<Tensor, Tensor> linalg_qr(const Tensor& A, const std::string& mode = "reduced");
// Symmetric eigen-decomposition from the UPLO ("L" or "U") triangle: eigenvalues ascending,
// eigenvectors as columns.
EMBER_API std::tuple<Tensor, Tensor> linalg_eigh(const Tensor& A, const std::string& UPLO = "L");
EMBER_API Tensor linalg_eigvalsh(const Tensor& A, const std::string& UPLO = "L");
// (U, S, Vh) with S descending; full_matrices gives square U and Vh.
EMBER_API std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& A, bool full_matrices = true);
EMBER_API Tensor linalg_svdvals(const Tensor& A);

}  // namespace ember

// ---- shape: joining, splitting and rearranging (copies are strided copies into views) --------
namespace ember {
// Joins along an existing dim; inputs promote like torch.cat, 1-D empty tensors are skipped.
EMBER_API Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// cat into `out` (of the result's shape; its dtype must hold the promoted one).
EMBER_API Tensor& cat_out(const std::vector<Tensor>& tensors, int64_t dim, Tensor& out);
// Joins along a new dim; every input has the same shape.
EMBER_API Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Views of consecutive pieces of `split_size` (the last may be smaller) or of the given sizes.
EMBER_API std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
EMBER_API std::vector<Tensor> split_with_sizes(const Tensor& t, const IntArray& sizes, int64_t dim = 0);
EMBER_API std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
// numpy.array_split: `sections` near-equal views, or views cut at the given indices.
EMBER_API std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim = 0);
EMBER_API std::vector<Tensor> tensor_split_indices(const Tensor& t, const IntArray& indices, int64_t dim = 0);
EMBER_API std::vector<Tensor> unbind(const Tensor& t, int64_t dim = 0);
EMBER_API Tensor flip(const Tensor& t, const IntArray& dims);
// Rolls along dims by shifts (one shift per dim); no dims: rolls the flattened tensor.
EMBER_API Tensor roll(const Tensor& t, const IntArray& shifts, const IntArray& dims = {});
EMBER_API Tensor repeat(const Tensor& t, const IntArray& repeats);  // Tensor.repeat
EMBER_API Tensor tile(const Tensor& t, const IntArray& reps);
// Each element repeated `repeats` times along dim (nullopt: the flattened tensor).
EMBER_API Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim = std::nullopt,
                                   std::optional<int64_t> output_size = std::nullopt);
// Per-element repeats (an integer tensor of 1 element or one per position along dim).
EMBER_API Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim = std::nullopt,
                                   std::optional<int64_t> output_size = std::nullopt);
// repeat_interleave(repeats): the indices 0..n-1, index i repeated repeats[i] times.
EMBER_API Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size = std::nullopt);
// Lower / upper triangle of the last two dims (batched); `diagonal` shifts the boundary.
EMBER_API Tensor tril(const Tensor& t, int64_t diagonal = 0);
EMBER_API Tensor triu(const Tensor& t, int64_t diagonal = 0);
EMBER_API Tensor& tril_(Tensor& t, int64_t diagonal = 0);
EMBER_API Tensor& triu_(Tensor& t, int64_t diagonal = 0);
// torch.nn.functional.pad: `pad` runs from the last dim backwards (left, right, ...); mode
// "constant" (negative pads crop), "reflect", "replicate" or "circular".
EMBER_API Tensor pad(const Tensor& t, const IntArray& pad, const std::string& mode = "constant",
                     const Scalar& value = 0);
// The gradient of pad with respect to its input: pad regions are summed into the positions
// they were copied from.
EMBER_API Tensor pad_backward(const Tensor& grad_output, const IntArray& input_shape, const IntArray& pad,
                              const std::string& mode = "constant");
EMBER_API std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, const std::string& indexing = "ij");
EMBER_API std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors);
EMBER_API Tensor broadcast_to(const Tensor& t, const IntArray& shape);
EMBER_API Tensor block_diag(const std::vector<Tensor>& tensors);
// 1-D: a matrix with t on diagonal `offset`; 2-D: that diagonal as a vector.
EMBER_API Tensor diag(const Tensor& t, int64_t offset = 0);
EMBER_API Tensor diag_embed(const Tensor& t, int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1);
EMBER_API Tensor diagflat(const Tensor& t, int64_t offset = 0);
EMBER_API Tensor trace(const Tensor& t);  // sum of the main diagonal of a matrix
// ---- matrix products (PyTorch semantics; every operand of one dtype, bool refused) -----------
EMBER_API Tensor mm(const Tensor& a, const Tensor& b);                 // (n, k) @ (k, m)
EMBER_API Tensor bmm(const Tensor& a, const Tensor& b);                // (B, n, k) @ (B, k, m)
EMBER_API Tensor mv(const Tensor& a, const Tensor& v);                 // (n, k) @ (k,)
EMBER_API Tensor dot(const Tensor& a, const Tensor& b);                // (k,) . (k,), 0-dim
EMBER_API Tensor vdot(const Tensor& a, const Tensor& b);               // dot (real dtypes: no conjugate)
EMBER_API Tensor outer(const Tensor& a, const Tensor& b);              // a[:, None] * b, promoting
// beta * input + alpha * product, input broadcast to the product's shape; beta == 0 ignores
// input (NaN included). Integer operands take integer beta/alpha only.
EMBER_API Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta = 1,
                       const Scalar& alpha = 1);
EMBER_API Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
                       const Scalar& alpha = 1);
EMBER_API Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta = 1,
                         const Scalar& alpha = 1);
// beta * input + alpha * sum over the batch of b1[i] @ b2[i].
EMBER_API Tensor addbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta = 1,
                        const Scalar& alpha = 1);
// input @ weight.T + bias over any leading dims of input (weight: (out_features, in_features)).
EMBER_API Tensor linear(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt);
// out= forms: `out` must already have the result's shape and dtype; it may be `input` itself.
EMBER_API Tensor& mm_out(Tensor& out, const Tensor& a, const Tensor& b);
EMBER_API Tensor& bmm_out(Tensor& out, const Tensor& a, const Tensor& b);
EMBER_API Tensor& mv_out(Tensor& out, const Tensor& a, const Tensor& v);
EMBER_API Tensor& addmm_out(Tensor& out, const Tensor& input, const Tensor& m1, const Tensor& m2,
                            const Scalar& beta = 1, const Scalar& alpha = 1);
EMBER_API Tensor& addmv_out(Tensor& out, const Tensor& input, const Tensor& mat, const Tensor& vec,
                            const Scalar& beta = 1, const Scalar& alpha = 1);
EMBER_API Tensor& baddbmm_out(Tensor& out, const Tensor& input, const Tensor& b1, const Tensor& b2,
                              const Scalar& beta = 1, const Scalar& alpha = 1);
// ---- normalization, activations, attention ----------------------------------------------------
class Generator;  // ember/random.h

// Batch norm over (N, C), (N, C, L), (N, C, H, W): statistics per channel (dim 1). Training uses
// the batch's mean and biased variance, and updates running_mean/running_var in place (when
// given) with momentum and the unbiased variance; eval normalizes with the running statistics.
EMBER_API Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& running_mean,
                            const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight,
                            const std::optional<Tensor>& bias, bool training, double momentum = 0.1,
                            double eps = 1e-5);
// batch_norm that also returns what its backward needs: the mean and 1/sqrt(var + eps) per
// channel used to normalize (the batch's in training, the running ones in eval), float32 for
// 16-bit inputs.
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_batch_norm(
    const Tensor& input, const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var,
    const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, bool training, double momentum,
    double eps);
// Gradients of (input, weight, bias); an undefined Tensor where output_mask is false or the
// parameter has no gradient (weight/bias absent: still computed if asked, shape (C,)).
EMBER_API std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(
    const Tensor& grad_output, const Tensor& input, const std::optional<Tensor>& weight, const Tensor& save_mean,
    const Tensor& save_invstd, bool training, std::array<bool, 3> output_mask = {true, true, true});
// Layer norm over the trailing dims given by normalized_shape.
EMBER_API Tensor layer_norm(const Tensor& input, const IntArray& normalized_shape,
                            const std::optional<Tensor>& weight = std::nullopt,
                            const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
// (output, mean, rstd); mean/rstd have the input's leading dims and size 1 on the normalized ones.
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, const IntArray& normalized_shape,
                                                               const std::optional<Tensor>& weight,
                                                               const std::optional<Tensor>& bias, double eps);
EMBER_API std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(
    const Tensor& grad_output, const Tensor& input, const IntArray& normalized_shape, const Tensor& mean,
    const Tensor& rstd, const std::optional<Tensor>& weight, std::array<bool, 3> output_mask = {true, true, true});
// Group norm of (N, C, *) with C split into num_groups groups; weight/bias are per channel.
EMBER_API Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight = std::nullopt,
                            const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
// (output, mean, rstd) with mean/rstd of shape (N, num_groups).
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, int64_t num_groups,
                                                               const std::optional<Tensor>& weight,
                                                               const std::optional<Tensor>& bias, double eps);
EMBER_API std::tuple<Tensor, Tensor, Tensor> group_norm_backward(
    const Tensor& grad_output, const Tensor& input, int64_t num_groups, const Tensor& mean, const Tensor& rstd,
    const std::optional<Tensor>& weight, std::array<bool, 3> output_mask = {true, true, true});

// Activations (floating inputs; hardtanh, relu6 and threshold also take integers, like PyTorch).
// Each has a backward taking (grad_output, input, <same parameters>) and giving grad_input.
EMBER_API Tensor gelu(const Tensor& t, const std::string& approximate = "none");  // or "tanh"
EMBER_API Tensor silu(const Tensor& t);
EMBER_API Tensor softplus(const Tensor& t, double beta = 1, double threshold = 20);
EMBER_API Tensor elu(const Tensor& t, double alpha = 1);
EMBER_API Tensor selu(const Tensor& t);
EMBER_API Tensor celu(const Tensor& t, double alpha = 1);
EMBER_API Tensor leaky_relu(const Tensor& t, double negative_slope = 0.01);
EMBER_API Tensor hardtanh(const Tensor& t, const Scalar& min_val = -1, const Scalar& max_val = 1);
EMBER_API Tensor relu6(const Tensor& t);
EMBER_API Tensor mish(const Tensor& t);
EMBER_API Tensor hardswish(const Tensor& t);
EMBER_API Tensor hardsigmoid(const Tensor& t);
EMBER_API Tensor logsigmoid(const Tensor& t);
EMBER_API Tensor softsign(const Tensor& t);
EMBER_API Tensor tanhshrink(const Tensor& t);
EMBER_API Tensor threshold(const Tensor& t, const Scalar& threshold, const Scalar& value);
// The activation named `op` applied in place ("elu", "hardtanh", ...; the parameters as above,
// in order: params[0], params[1]); returns self.
EMBER_API Tensor& activation_(Tensor& self, const std::string& op, const std::vector<double>& params = {});
EMBER_API Tensor gelu_backward(const Tensor& grad, const Tensor& input, const std::string& approximate = "none");
EMBER_API Tensor silu_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor softplus_backward(const Tensor& grad, const Tensor& input, double beta = 1, double threshold = 20);
EMBER_API Tensor elu_backward(const Tensor& grad, const Tensor& input, double alpha = 1);
EMBER_API Tensor selu_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor celu_backward(const Tensor& grad, const Tensor& input, double alpha = 1);
EMBER_API Tensor leaky_relu_backward(const Tensor& grad, const Tensor& input, double negative_slope = 0.01);
EMBER_API Tensor hardtanh_backward(const Tensor& grad, const Tensor& input, const Scalar& min_val = -1,
                                   const Scalar& max_val = 1);
EMBER_API Tensor relu6_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor mish_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor hardswish_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor hardsigmoid_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor logsigmoid_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor softsign_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor tanhshrink_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor threshold_backward(const Tensor& grad, const Tensor& input, const Scalar& threshold);
// Backward of the existing relu, sigmoid and tanh: from the input (relu) or the output.
EMBER_API Tensor relu_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor sigmoid_backward(const Tensor& grad, const Tensor& output);
EMBER_API Tensor tanh_backward(const Tensor& grad, const Tensor& output);

// softmax(q @ k^T * scale + mask) @ v over (..., L, E), (..., S, E), (..., S, Ev) with batch dims
// broadcast. A bool mask keeps where true, a float mask is added; is_causal keeps j <= i (the
// top-left aligned lower triangle). A row with every key masked gives zeros, as PyTorch's CPU
// kernels do. scale defaults to 1/sqrt(E); enable_gqa lets k/v have fewer heads (dim -3) than q.
EMBER_API Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                              const std::optional<Tensor>& attn_mask = std::nullopt,
                                              double dropout_p = 0, bool is_causal = false,
                                              std::optional<double> scale = std::nullopt, bool enable_gqa = false,
                                              Generator* generator = nullptr);
// (output, attention probabilities before dropout, the dropout keep-mask (undefined without
// dropout)). `dropout_mask`, when given, replaces the random one (1 keeps, 0 drops).
EMBER_API std::tuple<Tensor, Tensor, Tensor> scaled_dot_product_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, const std::optional<Tensor>& attn_mask,
    double dropout_p, bool is_causal, std::optional<double> scale, bool enable_gqa,
    const std::optional<Tensor>& dropout_mask = std::nullopt, Generator* generator = nullptr);
// (dq, dk, dv) from the probabilities and keep-mask the forward returned.
EMBER_API std::tuple<Tensor, Tensor, Tensor> scaled_dot_product_attention_backward(
    const Tensor& grad_output, const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& attn,
    const std::optional<Tensor>& dropout_mask, double dropout_p, std::optional<double> scale, bool enable_gqa);
// ---- indexing (advanced) -------------------------------------------------------------------
// Index tensors are int64 or int32; negative values wrap; an out-of-range one raises IndexError
// naming it, the dim and its size, before anything is written.
// t[indices] = values, or with accumulate t[indices] += values where repeated indices add up.
EMBER_API Tensor& index_put_(Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& values,
                             bool accumulate = false);
EMBER_API Tensor index_put(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& values,
                           bool accumulate = false);
// The slices of `self` at the positions of a 1-D (or 0-dim) `index` along `dim`.
EMBER_API Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
// self.index_select(dim, index) += alpha * source (repeated indices add up); index_copy assigns.
EMBER_API Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                             const Scalar& alpha = 1);
EMBER_API Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                           const Scalar& alpha = 1);
EMBER_API Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
EMBER_API Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
// Fills the slices at `index` along `dim` with a number or a 0-dim tensor.
EMBER_API Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& value);
EMBER_API Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value);
// out[i][j] = self[index[i][j]][j] (dim 0); out has index's shape.
EMBER_API Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
// self[index[i][j]][j] = src[i][j] (dim 0); `src` may be a 0-dim tensor (a value). The _add forms
// sum repeated indices; the last of repeated indices wins otherwise.
EMBER_API Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
EMBER_API Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
EMBER_API Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
EMBER_API Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
// gather after broadcasting self and indices in every dim but `dim`; no dim: over the flattened self.
EMBER_API Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim = std::nullopt);
// Where the bool mask (broadcast) is true: value (a number or 0-dim tensor, cast to self's dtype).
EMBER_API Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);
EMBER_API Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
// The elements where the bool mask (broadcast with self) is true, as a 1-D tensor in row-major order.
EMBER_API Tensor masked_select(const Tensor& self, const Tensor& mask);
// Writes the first elements of `source` (row-major) where the mask is true: masked_select's inverse.
EMBER_API Tensor& masked_scatter_(Tensor& self, const Tensor& mask, const Tensor& source);
EMBER_API Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source);
// The coordinates of the non-zero elements, int64 of shape [n, self.dim()], row-major order.
EMBER_API Tensor nonzero(const Tensor& self);
EMBER_API Tensor argwhere(const Tensor& self);

}  // namespace ember
