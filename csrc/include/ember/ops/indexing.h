#pragma once
// Indexing: basic views, advanced (tensor and mask) indexing, gather/scatter and friends.
// Part of the ops API: include <ember/ops.h>.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

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
