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
// One entry of a basic index, as in t[1, 2:8:-1, None, ...].
struct TensorIndex {
  enum class Kind { Integer, Slice, None, Ellipsis };
  Kind kind = Kind::Ellipsis;
  int64_t integer = 0;
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  static TensorIndex at(int64_t i) { TensorIndex x; x.kind = Kind::Integer; x.integer = i; return x; }
  static TensorIndex slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) {
    TensorIndex x; x.kind = Kind::Slice; x.start = start; x.stop = stop; x.step = step; return x;
  }
  static TensorIndex none() { TensorIndex x; x.kind = Kind::None; return x; }
  static TensorIndex ellipsis() { return TensorIndex(); }
};
// Basic indexing: a view (integers select, slices slice with any step, None inserts a dim).
EMBER_API Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices);
// t[indices] = value, broadcasting value.
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

}  // namespace ember
