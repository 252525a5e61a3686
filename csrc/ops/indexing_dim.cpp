// The indexing ops along one dim: index_select / index_add / index_copy / index_fill (one index
// vector for the whole dim, through the advanced-indexing plan) and gather / scatter /
// scatter_add / take_along_dim (an index per element, through the gather-scatter kernel).
#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ops/indexing.h"
#include "ops/overlap.h"

namespace ember {

namespace {
// PyTorch takes a 0-dim tensor as a 1-D tensor of one element in these ops.
Tensor at_least_1d(const Tensor& t) { return t.dim() == 0 ? t.unsqueeze(0) : t; }

std::vector<int64_t> dims_except(int64_t ndim, int64_t dim) {
  std::vector<int64_t> out;
  for (int64_t d = 0; d < ndim; ++d)
    if (d != dim) out.push_back(d);
  return out;
}

// A view of t over `dims` only, with the given sizes (a block at the start of each dim).
Tensor block(const Tensor& t, const std::vector<int64_t>& dims, const IntArray& sizes) {
  IntArray strides;
  for (int64_t d : dims) strides.push_back(t.strides()[d]);
  return Tensor::make(t.storage(), t.storage_offset(), sizes, strides, t.dtype());
}

// ---- one index vector per dim -----------------------------------------------------------------

// The plan of self[:, ..., index] with index at `dim` (self at least 1-D, index 1-D).
AdvancedIndex plan_dim(const Tensor& self, int64_t dim, const Tensor& index, const char* op) {
  check_index_dtype(index, op);
  EMBER_CHECK_SHAPE(index.dim() <= 1, op, ": index must be a vector (0 or 1 dims), got shape ", shape_str(index.shape()));
  AdvancedIndex ai;
  ai.op = op;
  ai.view = at_least_1d(self);
  ai.indexed.push_back({dim, dim, at_least_1d(index.device() == self.device() ? index : index.to(self.device()))});
  prepare_index(ai);
  return ai;
}

// The values written by index_add / index_copy: source of self's shape with index.numel() at dim.
Tensor dim_source(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const char* op) {
  EMBER_CHECK_TYPE(source.dtype() == self.dtype(), op, ": self (", dtype_name(self.dtype()), ") and source (",
                   dtype_name(source.dtype()), ") must have the same dtype");
  IntArray expected = self.shape();
  if (self.dim() > 0) expected[dim] = index.numel();
  const bool ok = source.shape() == expected || (self.dim() <= 1 && source.dim() <= 1 && source.numel() == index.numel());
  EMBER_CHECK_SHAPE(ok, op, ": source of shape ", shape_str(source.shape()), " does not match self of shape ",
                    shape_str(self.shape()), " with ", index.numel(), " indices along dim ", dim, " (expected shape ",
                    shape_str(expected), ")");
  return source;
}

void put_dim(Tensor& self, int64_t dim, const Tensor& index, const Tensor& values, bool accumulate, const char* op) {
  dim = wrap_dim(dim, self.dim(), op);
  AdvancedIndex ai = plan_dim(self, dim, index, op);
  put_index(ai, values.dim() == 0 ? values : values.reshape(ai.result_shape), accumulate);
}

// ---- an index per element ---------------------------------------------------------------------

// Runs the gather-scatter kernel over index's shape (all three at least 1-D, same rank).
void run_gather_scatter(const Tensor& dst, const Tensor& src, const Tensor& index, int64_t dim, bool scatter,
                        bool accumulate, const char* op) {
  if (index.numel() == 0) return;
  const auto rest = dims_except(index.dim(), dim);
  IntArray sizes;
  for (int64_t d : rest) sizes.push_back(index.shape()[d]);
  const int64_t es = static_cast<int64_t>(dst.element_size());
  GatherScatterArgs args;
  args.count = index.shape()[dim];
  args.index_stride = index.strides()[dim] * static_cast<int64_t>(index.element_size());
  args.dst_stride = dst.strides()[dim] * es;
  args.src_stride = src.strides()[dim] * es;
  args.dim_size = (scatter ? dst : src).shape()[dim];
  args.scatter = scatter;
  args.accumulate = accumulate;
  const Tensor dst_rest = block(dst, rest, sizes), src_rest = block(src, rest, sizes), index_rest = block(index, rest, sizes);
  TensorIter iter = TensorIter::elementwise(dst_rest, {src_rest, index_rest});
  gather_scatter_kernel.get(dst.device(), op)(iter, args);
}

// index fits in `other` (dims other than `dim` at most as large; all dims when dim < 0).
void check_fits(const Tensor& index, const Tensor& other, int64_t dim, const char* what, const char* op) {
  EMBER_CHECK_SHAPE(index.dim() == other.dim(), op, ": index (shape ", shape_str(index.shape()), ") and ", what,
                    " (shape ", shape_str(other.shape()), ") must have the same number of dims");
  for (int64_t d = 0; d < index.dim(); ++d) {
    EMBER_CHECK_SHAPE(d == dim || index.shape()[d] <= other.shape()[d], op, ": index of shape ",
                      shape_str(index.shape()), " must be no larger than ", what, " of shape ",
                      shape_str(other.shape()), dim >= 0 ? " apart from dim " : "", dim >= 0 ? std::to_string(dim) : "",
                      " (dim ", d, " differs)");
  }
}

Tensor& scatter_impl(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate, const char* op) {
  check_index_dtype(index, op);
  dim = wrap_dim(dim, self.dim(), op);
  Tensor value = src.device() == self.device() ? src : src.to(self.device());
  if (value.is_wrapped_number() || (value.dim() == 0 && index.dim() > 0)) {
    value = value.to(self.dtype()).expand(index.shape());  // a value for every position
  } else {
    EMBER_CHECK_TYPE(value.dtype() == self.dtype(), op, ": self (", dtype_name(self.dtype()), ") and src (",
                     dtype_name(value.dtype()), ") must have the same dtype");
  }
  const Tensor s = at_least_1d(self), v = at_least_1d(value);
  Tensor idx = at_least_1d(index.device() == self.device() ? index : index.to(self.device()));
  check_fits(idx, s, dim, "self", op);
  check_fits(idx, v, -1, "src", op);
  check_writable(self, op);
  check_index_range(idx, s.shape()[dim], dim, op);
  const Tensor source = may_overlap(self, v) ? v.clone() : v;
  if (may_overlap(self, idx)) idx = idx.clone();
  self.bump_version();
  run_gather_scatter(s, source, idx, dim, true, accumulate, op);
  return self;
}
}  // namespace

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  dim = wrap_dim(dim, self.dim(), "index_select");
  EMBER_CHECK_INDEX(self.dim() > 0 || index.numel() == 1, "index_select: index of a 0-dim tensor must have one element, got ",
                    index.numel());
  AdvancedIndex ai = plan_dim(self, dim, index, "index_select");
  Tensor out = gather_index(ai);
  return self.dim() == 0 ? out.reshape({}) : out;
}

Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  const int64_t d = wrap_dim(dim, self.dim(), "index_add_");
  Tensor values = dim_source(self, d, index, source, "index_add_");
  const bool one = alpha.is_floating() ? alpha.to_double() == 1.0 : alpha.to_int64() == 1;
  if (!one) values = mul(values, scalar_tensor(alpha, std::nullopt, true));
  put_dim(self, d, index, values, true, "index_add_");
  return self;
}

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  Tensor out = self.clone();
  return index_add_(out, dim, index, source, alpha);
}

Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  const int64_t d = wrap_dim(dim, self.dim(), "index_copy_");
  put_dim(self, d, index, dim_source(self, d, index, source, "index_copy_"), false, "index_copy_");
  return self;
}

Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  Tensor out = self.clone();
  return index_copy_(out, dim, index, source);
}

Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  EMBER_CHECK_VALUE(value.dim() == 0, "index_fill_: only supports a 0-dim value tensor, got one of shape ",
                    shape_str(value.shape()));
  put_dim(self, dim, index, value, false, "index_fill_");
  return self;
}

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  Tensor out = self.clone();
  return index_fill_(out, dim, index, value);
}

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  const char* op = "gather";
  check_index_dtype(index, op);
  dim = wrap_dim(dim, self.dim(), op);
  const Tensor s = at_least_1d(self);
  const Tensor idx = at_least_1d(index.device() == self.device() ? index : index.to(self.device()));
  check_fits(idx, s, dim, "self", op);
  check_index_range(idx, s.shape()[dim], dim, op);
  Tensor out = empty(index.shape(), TensorOptions(self.dtype()).device(self.device()));
  run_gather_scatter(at_least_1d(out), s, idx, dim, false, false, op);
  return out;
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(self, dim, index, src, false, "scatter_");
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor out = self.clone();
  return scatter_impl(out, dim, index, src, false, "scatter");
}

Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(self, dim, index, src, true, "scatter_add_");
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor out = self.clone();
  return scatter_impl(out, dim, index, src, true, "scatter_add");
}

Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim) {
  const char* op = "take_along_dim";
  check_index_dtype(indices, op);
  if (!dim) return gather(self.reshape({-1}), 0, indices.reshape({-1}));
  const int64_t d = wrap_dim(*dim, self.dim(), op);
  EMBER_CHECK_SHAPE(self.dim() == indices.dim(), op, ": input (shape ", shape_str(self.shape()), ") and indices (shape ",
                    shape_str(indices.shape()), ") should have the same number of dims");
  if (self.dim() == 0) return gather(self, d, indices);
  // Every dim but `d` broadcasts.
  IntArray a = self.shape(), b = indices.shape();
  a[d] = b[d] = 1;
  const IntArray common = broadcast_shapes(a, b, op);
  IntArray self_shape = common, index_shape = common;
  self_shape[d] = self.shape()[d];
  index_shape[d] = indices.shape()[d];
  return gather(self.expand(self_shape), d, indices.expand(index_shape));
}

}  // namespace ember
