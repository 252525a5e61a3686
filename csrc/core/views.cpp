// Views: new geometry over the same storage, no copy. Each checks its arguments and names the
// op in its errors.
#include <algorithm>

#include "core/shape.h"
#include "ember/ops.h"
#include "ember/tensor.h"

namespace ember {

namespace {
Tensor with_geometry(const Tensor& t, IntArray shape, IntArray strides, int64_t offset) {
  return Tensor::make(t.storage(), offset, std::move(shape), std::move(strides), t.dtype());
}
}  // namespace

Tensor Tensor::alias() const { return with_geometry(*this, shape(), strides(), storage_offset()); }

Tensor Tensor::view(const IntArray& requested) const {
  IntArray shape = infer_shape(requested, numel(), "view");
  auto strides = view_strides(this->shape(), this->strides(), shape);
  EMBER_CHECK_SHAPE(strides.has_value(), "view: a tensor of shape ", shape_str(this->shape()), " and strides ",
                    shape_str(this->strides()), " cannot be viewed as ", shape_str(shape),
                    " because its memory is not laid out that way; use .reshape(...) instead");
  return with_geometry(*this, std::move(shape), std::move(*strides), storage_offset());
}

Tensor Tensor::reshape(const IntArray& requested) const {
  IntArray shape = infer_shape(requested, numel(), "reshape");
  if (auto strides = view_strides(this->shape(), this->strides(), shape))
    return with_geometry(*this, std::move(shape), std::move(*strides), storage_offset());
  return contiguous().view(shape);
}

Tensor Tensor::permute(const IntArray& dims) const {
  const int64_t n = dim();
  EMBER_CHECK_SHAPE(static_cast<int64_t>(dims.size()) == n, "permute: number of dims ", dims.size(),
                    " does not match the tensor's ", n, " dims (shape ", shape_str(shape()), ")");
  IntArray shape(n), strides(n);
  std::vector<bool> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim(dims[i], n, "permute");
    EMBER_CHECK_VALUE(!seen[d], "permute: dim ", d, " repeats in ", shape_str(dims));
    seen[d] = true;
    shape[i] = this->shape()[d];
    strides[i] = this->strides()[d];
  }
  return with_geometry(*this, std::move(shape), std::move(strides), storage_offset());
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  const int64_t n = dim();
  if (n == 0) { wrap_dim(d0, 0, "transpose"); wrap_dim(d1, 0, "transpose"); return alias(); }
  d0 = wrap_dim(d0, n, "transpose");
  d1 = wrap_dim(d1, n, "transpose");
  IntArray shape = this->shape(), strides = this->strides();
  std::swap(shape[d0], shape[d1]);
  std::swap(strides[d0], strides[d1]);
  return with_geometry(*this, std::move(shape), std::move(strides), storage_offset());
}

Tensor Tensor::t() const {
  EMBER_CHECK_SHAPE(dim() <= 2, "t: expects a tensor with <= 2 dimensions, but got ", dim(), " (shape ",
                    shape_str(shape()), "); use .transpose(dim0, dim1) or .mT");
  return dim() < 2 ? alias() : transpose(0, 1);
}

Tensor Tensor::expand(const IntArray& requested) const {
  const int64_t n = static_cast<int64_t>(requested.size()), old = dim();
  EMBER_CHECK_SHAPE(n >= old, "expand: the number of sizes provided (", n, ") must be at least the number of dims (",
                    old, ") of a tensor of shape ", shape_str(shape()));
  IntArray shape(n), strides(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    const int64_t j = i - (n - old);  // the matching dim of this tensor, if any
    const int64_t have = j >= 0 ? this->shape()[j] : 1;
    int64_t want = requested[i];
    if (want == -1) {
      EMBER_CHECK_SHAPE(j >= 0, "expand: -1 is not allowed for a new leading dim (", shape_str(requested), ")");
      want = have;
    }
    EMBER_CHECK_SHAPE(want >= 0, "expand: invalid size ", want, " in ", shape_str(requested));
    EMBER_CHECK_SHAPE(have == want || have == 1, "expand: the expanded size ", want, " must match the existing size ",
                      have, " at non-singleton dim ", i, " (shape ", shape_str(this->shape()), " to ",
                      shape_str(requested), ")");
    shape[i] = want;
    strides[i] = (j >= 0 && have == want) ? this->strides()[j] : 0;
  }
  return with_geometry(*this, std::move(shape), std::move(strides), storage_offset());
}

Tensor Tensor::squeeze() const {
  IntArray shape, strides;
  for (int64_t i = 0; i < dim(); ++i)
    if (this->shape()[i] != 1) { shape.push_back(this->shape()[i]); strides.push_back(this->strides()[i]); }
  return with_geometry(*this, std::move(shape), std::move(strides), storage_offset());
}

Tensor Tensor::squeeze(int64_t d) const {
  if (dim() == 0) { wrap_dim(d, 0, "squeeze"); return alias(); }
  d = wrap_dim(d, dim(), "squeeze");
  if (shape()[d] != 1) return alias();
  IntArray shape = this->shape(), strides = this->strides();
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return with_geometry(*this, std::move(shape), std::move(strides), storage_offset());
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  IntArray shape = this->shape(), strides = this->strides();
  const int64_t s = d < dim() ? shape[d] * strides[d] : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, s);
  return with_geometry(*this, std::move(shape), std::move(strides), storage_offset());
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (dim() == 0) return reshape({1});
  start = wrap_dim(start, dim(), "flatten");
  end = wrap_dim(end, dim(), "flatten");
  EMBER_CHECK_VALUE(start <= end, "flatten: start_dim ", start, " cannot come after end_dim ", end);
  if (start == end) return alias();
  IntArray shape(this->shape().begin(), this->shape().begin() + start);
  int64_t merged = 1;
  for (int64_t i = start; i <= end; ++i) merged *= this->shape()[i];
  shape.push_back(merged);
  shape.insert(shape.end(), this->shape().begin() + end + 1, this->shape().end());
  return reshape(shape);
}

Tensor Tensor::unflatten(int64_t d, const IntArray& sizes) const {
  d = wrap_dim(d, dim(), "unflatten");
  EMBER_CHECK_VALUE(!sizes.empty(), "unflatten: sizes must be non-empty");
  IntArray inner = infer_shape(sizes, shape()[d], "unflatten");
  IntArray shape(this->shape().begin(), this->shape().begin() + d);
  shape.insert(shape.end(), inner.begin(), inner.end());
  shape.insert(shape.end(), this->shape().begin() + d + 1, this->shape().end());
  return view(shape);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  EMBER_CHECK_INDEX(dim() > 0, "narrow: cannot be applied to a 0-dim tensor");
  d = wrap_dim(d, dim(), "narrow");
  const int64_t size = shape()[d];
  if (start < 0) start += size;
  EMBER_CHECK_INDEX(start >= 0 && length >= 0 && start + length <= size, "narrow: start ", start, " + length ", length,
                    " exceeds dimension size ", size, " of dim ", d);
  IntArray shape = this->shape();
  shape[d] = length;
  return with_geometry(*this, std::move(shape), strides(), storage_offset() + start * strides()[d]);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  EMBER_CHECK_INDEX(dim() > 0, "select: invalid index of a 0-dim tensor");
  d = wrap_dim(d, dim(), "select");
  const int64_t size = shape()[d];
  EMBER_CHECK_INDEX(index >= -size && index < size, "index ", index, " is out of bounds for dimension ", d,
                    " with size ", size);
  if (index < 0) index += size;
  IntArray shape = this->shape(), strides = this->strides();
  const int64_t offset = storage_offset() + index * strides[d];
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return with_geometry(*this, std::move(shape), std::move(strides), offset);
}

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) const {
  EMBER_CHECK_INDEX(dim() > 0, "slice: cannot slice a 0-dim tensor");
  d = wrap_dim(d, dim(), "slice");
  EMBER_CHECK_VALUE(step != 0, "slice: step cannot be zero");
  const int64_t size = shape()[d];
  // Python's slice.indices(): clamp the bounds, defaults depend on the step's sign.
  auto clamp_bound = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v < 0 ? *v + size : *v;
    if (step > 0) return std::clamp<int64_t>(x, 0, size);
    return std::clamp<int64_t>(x, -1, size - 1);
  };
  const int64_t lo = clamp_bound(start, step > 0 ? 0 : size - 1);
  const int64_t hi = clamp_bound(end, step > 0 ? size : -1);
  int64_t length = 0;
  if (step > 0 && hi > lo) length = (hi - lo + step - 1) / step;
  if (step < 0 && lo > hi) length = (lo - hi - step - 1) / (-step);
  IntArray shape = this->shape(), strides = this->strides();
  const int64_t offset = length > 0 ? storage_offset() + lo * strides[d] : storage_offset();
  shape[d] = length;
  strides[d] *= step;
  return with_geometry(*this, std::move(shape), std::move(strides), offset);
}

Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  EMBER_CHECK_SHAPE(dim() >= 2, "diagonal: expects a tensor of at least 2 dims, got shape ", shape_str(shape()));
  dim1 = wrap_dim(dim1, dim(), "diagonal");
  dim2 = wrap_dim(dim2, dim(), "diagonal");
  EMBER_CHECK_VALUE(dim1 != dim2, "diagonal: dim1 and dim2 cannot be the same (", dim1, ")");
  int64_t start = storage_offset(), length;
  if (offset >= 0) {
    length = std::max<int64_t>(std::min(shape()[dim1], shape()[dim2] - offset), 0);
    if (length > 0) start += offset * strides()[dim2];
  } else {
    length = std::max<int64_t>(std::min(shape()[dim1] + offset, shape()[dim2]), 0);
    if (length > 0) start -= offset * strides()[dim1];
  }
  IntArray shape, strides;
  for (int64_t i = 0; i < dim(); ++i)
    if (i != dim1 && i != dim2) { shape.push_back(this->shape()[i]); strides.push_back(this->strides()[i]); }
  shape.push_back(length);
  strides.push_back(this->strides()[dim1] + this->strides()[dim2]);
  return with_geometry(*this, std::move(shape), std::move(strides), start);
}

Tensor Tensor::as_strided(const IntArray& shape, const IntArray& strides, std::optional<int64_t> offset) const {
  EMBER_CHECK_VALUE(shape.size() == strides.size(), "as_strided: shape ", shape_str(shape), " and strides ",
                    shape_str(strides), " must have the same length");
  return with_geometry(*this, shape, strides, offset.value_or(storage_offset()));
}

Tensor Tensor::unfold(int64_t d, int64_t size, int64_t step) const {
  const int64_t n = dim();
  d = wrap_dim(d, n, "unfold");
  const int64_t dim_size = n == 0 ? 1 : shape()[d];
  EMBER_CHECK_VALUE(size >= 0 && size <= dim_size, "unfold: size ", size, " exceeds the size ", dim_size, " of dim ", d);
  EMBER_CHECK_VALUE(step > 0, "unfold: step must be positive, got ", step);
  if (n == 0) return reshape({size});
  IntArray shape = this->shape(), strides = this->strides();
  shape[d] = (dim_size - size) / step + 1;
  strides[d] = this->strides()[d] * step;
  shape.push_back(size);
  strides.push_back(this->strides()[d]);
  return with_geometry(*this, std::move(shape), std::move(strides), storage_offset());
}

}  // namespace ember
