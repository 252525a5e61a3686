#pragma once
// Every op of the library as a free function. Names and semantics follow PyTorch: broadcasting,
// type promotion as torch.result_type, dims that may be negative. Python scalars enter as
// Scalar (or as a wrapped-number tensor from scalar_tensor), which never widens a category.
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
