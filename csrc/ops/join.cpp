// Joining: cat, stack, block_diag, and the broadcasting helpers meshgrid, broadcast_tensors and
// broadcast_to. Every join allocates its output once and copies each piece into a narrowed view
// of it (the copy kernel converts dtypes on the way).
#include <algorithm>

#include "core/shape.h"
#include "ember/ops.h"
#include "ops/overlap.h"
#include "ops/strided_copy.h"

namespace ember {

namespace {
// PyTorch keeps accepting 1-D empty tensors in cat whatever the other shapes are (a legacy
// placeholder); they take part in type promotion only.
bool skipped_in_cat(const Tensor& t) { return t.dim() == 1 && t.shape()[0] == 0; }

struct CatPlan {
  IntArray shape;  // the result's shape
  int64_t dim = 0;
  DType dtype = kFloat32;
};

CatPlan plan_cat(const std::vector<Tensor>& tensors, int64_t dim, const char* op) {
  EMBER_CHECK_VALUE(!tensors.empty(), op, ": expected a non-empty list of tensors");
  const Device device = tensors[0].device();
  const Tensor* ref = nullptr;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK(t.defined(), op, ": tensor number ", i, " in the list is undefined");
    EMBER_CHECK_SHAPE(t.dim() > 0, op, ": zero-dimensional tensor (number ", i, " in the list) cannot be concatenated");
    EMBER_CHECK(t.device() == device, op, ": expected all tensors on one device, but tensor number ", i, " is on ",
                t.device().str(), " and tensor number 0 on ", device.str());
    if (!ref && !skipped_in_cat(t)) ref = &t;
  }
  CatPlan plan;
  plan.dtype = result_type(tensors);
  if (!ref) {  // only legacy empty tensors: the result is one as well
    wrap_dim(dim, 1, op);
    plan.shape = {0};
    return plan;
  }
  plan.dim = wrap_dim(dim, ref->dim(), op);
  plan.shape = ref->shape();
  plan.shape[plan.dim] = 0;
  const size_t ref_index = static_cast<size_t>(ref - tensors.data());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped_in_cat(t)) continue;
    EMBER_CHECK_SHAPE(t.dim() == ref->dim(), op, ": tensors must have the same number of dimensions: tensor number ",
                      ref_index, " has shape ", shape_str(ref->shape()), " but tensor number ", i, " has shape ",
                      shape_str(t.shape()));
    for (int64_t d = 0; d < t.dim(); ++d) {
      EMBER_CHECK_SHAPE(d == plan.dim || t.shape()[d] == ref->shape()[d], op,
                        ": sizes of tensors must match except in dimension ", plan.dim, ": expected size ",
                        ref->shape()[d], " but got size ", t.shape()[d], " in dimension ", d, " for tensor number ", i,
                        " in the list (shapes ", shape_str(ref->shape()), " and ", shape_str(t.shape()), ")");
    }
    plan.shape[plan.dim] = checked_add(plan.shape[plan.dim], t.shape()[plan.dim], op, "size along the joined dim");
  }
  return plan;
}

void cat_into(const std::vector<Tensor>& tensors, const CatPlan& plan, const Tensor& out) {
  if (plan.shape.size() == 1 && plan.shape[0] == 0) return;
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    if (skipped_in_cat(t)) continue;
    const int64_t n = t.shape()[plan.dim];
    strided_copy(out.narrow(plan.dim, offset, n), t);
    offset += n;
  }
}
}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  const CatPlan plan = plan_cat(tensors, dim, "cat");
  Tensor out = empty(plan.shape, TensorOptions(plan.dtype).device(tensors[0].device()));
  cat_into(tensors, plan, out);
  return out;
}

Tensor& cat_out(const std::vector<Tensor>& tensors, int64_t dim, Tensor& out) {
  const CatPlan plan = plan_cat(tensors, dim, "cat");
  EMBER_CHECK_SHAPE(out.shape() == plan.shape, "cat: out has shape ", shape_str(out.shape()),
                    " but the result has shape ", shape_str(plan.shape));
  EMBER_CHECK_TYPE(can_cast(plan.dtype, out.dtype()), "cat: result type ", dtype_name(plan.dtype),
                   " can't be cast to the desired output type ", dtype_name(out.dtype()));
  EMBER_CHECK(out.device() == tensors[0].device(), "cat: out is on ", out.device().str(), " but the inputs on ",
              tensors[0].device().str());
  check_writable(out, "cat");
  const bool overlaps = std::any_of(tensors.begin(), tensors.end(), [&](const Tensor& t) { return may_overlap(out, t); });
  if (overlaps) {
    const Tensor tmp = cat(tensors, dim);
    strided_copy(out, tmp);
  } else {
    cat_into(tensors, plan, out);
  }
  out.bump_version();
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK_VALUE(!tensors.empty(), "stack: expected a non-empty list of tensors");
  const IntArray& shape = tensors[0].shape();
  for (size_t i = 1; i < tensors.size(); ++i)
    EMBER_CHECK_SHAPE(tensors[i].shape() == shape, "stack: expects each tensor to be equal size, but got ",
                      shape_str(shape), " at entry 0 and ", shape_str(tensors[i].shape()), " at entry ", i);
  dim = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> pieces;
  pieces.reserve(tensors.size());
  for (const Tensor& t : tensors) pieces.push_back(t.unsqueeze(dim));
  return cat(pieces, dim);
}

Tensor block_diag(const std::vector<Tensor>& tensors) {
  int64_t rows = 0, cols = 0;
  std::vector<Tensor> blocks;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK_SHAPE(t.dim() <= 2, "block_diag: input ", i, " has ", t.dim(),
                      " dims (shape ", shape_str(t.shape()), "), expected at most 2");
    const Tensor b = t.dim() == 2 ? t : t.reshape({1, t.numel()});
    rows += b.shape()[0];
    cols += b.shape()[1];
    blocks.push_back(b);
  }
  const DType dtype = tensors.empty() ? kFloat32 : result_type(tensors);
  const Device device = tensors.empty() ? Device() : tensors[0].device();
  Tensor out = zeros({rows, cols}, TensorOptions(dtype).device(device));
  int64_t r = 0, c = 0;
  for (const Tensor& b : blocks) {
    strided_copy(out.narrow(0, r, b.shape()[0]).narrow(1, c, b.shape()[1]), b);
    r += b.shape()[0];
    c += b.shape()[1];
  }
  return out;
}

std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors) {
  IntArray shape;
  for (const Tensor& t : tensors) shape = broadcast_shapes(shape, t.shape(), "broadcast_tensors");
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) out.push_back(t.expand(shape));
  return out;
}

Tensor broadcast_to(const Tensor& t, const IntArray& shape) {
  EMBER_CHECK_SHAPE(static_cast<int64_t>(shape.size()) >= t.dim(), "broadcast_to: the shape ", shape_str(shape),
                    " has fewer dims than the tensor's shape ", shape_str(t.shape()));
  return t.expand(shape);
}

std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, const std::string& indexing) {
  EMBER_CHECK_VALUE(indexing == "ij" || indexing == "xy", "meshgrid: indexing must be 'ij' or 'xy', got '",
                    indexing, "'");
  EMBER_CHECK_VALUE(!tensors.empty(), "meshgrid: expects a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK_SHAPE(tensors[i].dim() <= 1, "meshgrid: expects 0-D or 1-D tensors, but tensor ", i, " has shape ",
                      shape_str(tensors[i].shape()));
    EMBER_CHECK_TYPE(tensors[i].dtype() == tensors[0].dtype(), "meshgrid: expects all tensors to have the same dtype, ",
                     "but tensor 0 is ", dtype_name(tensors[0].dtype()), " and tensor ", i, " is ",
                     dtype_name(tensors[i].dtype()));
  }
  // 'xy' is 'ij' with the first two inputs swapped, and the first two outputs swapped back.
  const bool swap = indexing == "xy" && tensors.size() >= 2;
  std::vector<Tensor> in = tensors;
  if (swap) std::swap(in[0], in[1]);
  const size_t n = in.size();
  IntArray shape(n);
  for (size_t i = 0; i < n; ++i) shape[i] = in[i].numel();
  std::vector<Tensor> out;
  for (size_t i = 0; i < n; ++i) {
    IntArray view_shape(n, 1);
    view_shape[i] = shape[i];
    out.push_back(in[i].reshape(view_shape).expand(shape));
  }
  if (swap) std::swap(out[0], out[1]);
  return out;
}

}  // namespace ember
