// Front-ends of unique, unique_consecutive, searchsorted, bucketize and count_nonzero.
// unique over a dim moves that dim first and flattens the rest, so the kernel compares whole
// rows of a contiguous 2-D tensor; the distinct rows are then shaped back.
#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {

UniqueResult unique_impl(const Tensor& t, std::optional<int64_t> dim, bool consecutive, const char* name) {
  UniqueResult r;
  if (!dim) {
    const Tensor rows = t.reshape({-1, 1}).contiguous();
    unique_kernel.get(t.device(), name)(rows, consecutive, r.values, r.inverse, r.counts);
    r.values = r.values.view({-1});
    r.inverse = r.inverse.view(t.shape());
    return r;
  }
  const int64_t d = wrap_dim(*dim, t.dim(), name);
  EMBER_CHECK_INDEX(t.dim() > 0, name, "(): a dim was given for a 0-dim tensor");
  // Move `dim` first: each slice along it becomes one row.
  IntArray perm{d};
  for (int64_t i = 0; i < t.dim(); ++i)
    if (i != d) perm.push_back(i);
  const Tensor moved = t.permute(perm).contiguous();
  const int64_t n = moved.size(0);
  IntArray slice_shape(moved.shape().begin() + 1, moved.shape().end());
  const int64_t width = numel_of(slice_shape);
  if (n > 0 && width == 0) {
    // Empty slices are all equal to each other: one group (PyTorch agrees).
    IntArray shape = t.shape();
    shape[d] = 1;
    r.values = empty(shape, TensorOptions(t.dtype()).device(t.device()));
    r.inverse = zeros({n}, TensorOptions(kInt64).device(t.device()));
    r.counts = full({1}, n, TensorOptions(kInt64).device(t.device()));
    return r;
  }
  unique_kernel.get(t.device(), name)(moved.view({n, width}), consecutive, r.values, r.inverse, r.counts);
  IntArray grouped = slice_shape;
  grouped.insert(grouped.begin(), r.values.size(0));
  // Back to the input's dim order: the moved dim returns to position d.
  IntArray back(t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) back[perm[i]] = i;
  r.values = r.values.view(grouped).permute(back).contiguous();
  return r;
}

}  // namespace

UniqueResult unique(const Tensor& t, std::optional<int64_t> dim) { return unique_impl(t, dim, false, "unique"); }

UniqueResult unique_consecutive(const Tensor& t, std::optional<int64_t> dim) {
  return unique_impl(t, dim, true, "unique_consecutive");
}

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32, bool right,
                    const std::optional<std::string>& side, const std::optional<Tensor>& sorter) {
  const Tensor& seq = sorted_sequence;
  EMBER_CHECK(seq.device() == values.device(), "searchsorted(): expected the sequence and the values on one device, got ",
              seq.device().str(), " and ", values.device().str());
  if (side) {
    EMBER_CHECK_VALUE(*side == "left" || *side == "right", "searchsorted(): side must be 'left' or 'right', got '",
                      *side, "'");
    EMBER_CHECK_VALUE(!(right && *side == "left"),
                      "searchsorted(): side='left' and right=True contradict each other");
    right = *side == "right";
  }
  EMBER_CHECK_SHAPE(seq.dim() >= 1, "searchsorted(): the sorted sequence must have at least 1 dim, got shape ",
                    shape_str(seq.shape()));
  if (seq.dim() > 1) {
    const IntArray lead_s(seq.shape().begin(), seq.shape().end() - 1);
    const IntArray lead_v = values.dim() >= 1 ? IntArray(values.shape().begin(), values.shape().end() - 1) : IntArray{};
    EMBER_CHECK_SHAPE(values.dim() == seq.dim() && lead_s == lead_v,
                      "searchsorted(): the sorted sequence of shape ", shape_str(seq.shape()),
                      " needs values with the same leading dims ", shape_str(lead_s), ", but got values of shape ",
                      shape_str(values.shape()));
  }
  if (sorter) {
    EMBER_CHECK_TYPE(sorter->dtype() == kInt64, "searchsorted(): sorter must be an int64 tensor, got ",
                     dtype_name(sorter->dtype()));
    EMBER_CHECK_SHAPE(sorter->shape() == seq.shape(), "searchsorted(): sorter of shape ", shape_str(sorter->shape()),
                      " must have the sorted sequence's shape ", shape_str(seq.shape()));
    if (sorter->numel() > 0) {
      const int64_t lo = amin(*sorter).item<int64_t>(), hi = amax(*sorter).item<int64_t>();
      EMBER_CHECK_INDEX(lo >= 0 && hi < seq.size(-1), "searchsorted(): sorter holds index ", lo < 0 ? lo : hi,
                        ", out of range for a sequence of ", seq.size(-1), " values");
    }
  }
  const DType dtype = result_type({seq, values});
  EMBER_CHECK_TYPE(dtype != kBool, "searchsorted(): not implemented for dtype bool");
  const int64_t n = seq.size(-1);
  const int64_t rows = seq.dim() == 1 ? 1 : numel_of(IntArray(seq.shape().begin(), seq.shape().end() - 1));
  // Everything as [rows, n] and [rows, m]; a 1-D sequence serves every value as one row.
  const Tensor s2 = seq.to(dtype).reshape({rows, n});
  // m spelled out rather than -1, which reshape cannot infer when there are no rows
  const int64_t m = seq.dim() == 1 ? values.numel() : values.size(-1);
  const Tensor v2 = values.to(dtype).reshape({seq.dim() == 1 ? 1 : rows, m});
  Tensor out = empty(v2.shape(), TensorOptions(out_int32 ? kInt32 : kInt64).device(values.device()));
  std::optional<Tensor> sorter2;
  if (sorter) sorter2 = sorter->reshape({rows, n});
  searchsorted_kernel.get(values.device(), "searchsorted")(out, s2, v2, sorter2 ? &*sorter2 : nullptr, right);
  return out.view(values.shape());
}

Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32, bool right) {
  EMBER_CHECK_SHAPE(boundaries.dim() == 1, "bucketize(): boundaries must be a 1-D tensor, got shape ",
                    shape_str(boundaries.shape()));
  return searchsorted(boundaries, input, out_int32, right);
}

Tensor count_nonzero(const Tensor& t, const OptDims& dims) {
  return sum(ne(t, scalar_tensor(0, std::nullopt, true)), dims);
}

}  // namespace ember
