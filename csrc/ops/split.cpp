// Splitting: split, split_with_sizes, chunk, tensor_split and unbind return views (narrow and
// select), so they copy nothing and the pieces share the input's storage.
#include <algorithm>

#include "core/shape.h"
#include "ember/ops.h"

namespace ember {

namespace {
int64_t split_dim(const Tensor& t, int64_t dim, const char* op) {
  EMBER_CHECK_SHAPE(t.dim() > 0, op, ": expects at least a 1-dimensional tensor");
  return wrap_dim(dim, t.dim(), op);
}
}  // namespace

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  dim = split_dim(t, dim, "split");
  const int64_t size = t.shape()[dim];
  EMBER_CHECK_VALUE(split_size >= 0, "split: split_size must be non-negative, got ", split_size);
  EMBER_CHECK_VALUE(split_size > 0 || size == 0, "split: split_size can only be 0 if dimension size is 0, but got ",
                    "dimension size ", size);
  // A zero-size dim still gives one (empty) piece, as PyTorch does.
  const int64_t pieces = split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<Tensor> out;
  out.reserve(pieces);
  for (int64_t i = 0; i < pieces; ++i) {
    const int64_t start = i * split_size;
    out.push_back(t.narrow(dim, start, std::min(split_size, size - start)));
  }
  return out;
}

std::vector<Tensor> split_with_sizes(const Tensor& t, const IntArray& sizes, int64_t dim) {
  dim = split_dim(t, dim, "split_with_sizes");
  const int64_t size = t.shape()[dim];
  int64_t total = 0;
  for (int64_t s : sizes) {
    EMBER_CHECK_VALUE(s >= 0, "split_with_sizes: split sizes must be non-negative, got ", shape_str(sizes));
    total += s;
  }
  EMBER_CHECK_VALUE(total == size, "split_with_sizes: expects split_sizes to sum exactly to ", size,
                    " (input tensor's size at dimension ", dim, "), but got split_sizes=", shape_str(sizes));
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(t.narrow(dim, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  EMBER_CHECK_VALUE(chunks > 0, "chunk: number of chunks must be greater than 0, got ", chunks);
  dim = split_dim(t, dim, "chunk");
  const int64_t size = t.shape()[dim];
  const int64_t split_size = (size + chunks - 1) / chunks;
  // Like PyTorch: a zero split size (empty dim) gives `chunks` empty pieces.
  if (split_size == 0 && size == 0) {
    IntArray sizes(chunks, 0);
    return split_with_sizes(t, sizes, dim);
  }
  return split(t, split_size, dim);
}

std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim) {
  EMBER_CHECK_VALUE(sections > 0, "tensor_split: number of sections must be greater than 0, got ", sections);
  dim = split_dim(t, dim, "tensor_split");
  const int64_t size = t.shape()[dim];
  // numpy.array_split: the first size % sections pieces get one extra element.
  const int64_t base = size / sections, extra = size % sections;
  IntArray sizes(sections);
  for (int64_t i = 0; i < sections; ++i) sizes[i] = base + (i < extra ? 1 : 0);
  return split_with_sizes(t, sizes, dim);
}

std::vector<Tensor> tensor_split_indices(const Tensor& t, const IntArray& indices, int64_t dim) {
  dim = split_dim(t, dim, "tensor_split");
  std::vector<Tensor> out;
  out.reserve(indices.size() + 1);
  // Piece i is t[indices[i-1]:indices[i]] along dim with Python's slice rules (negative indices
  // count from the end, bounds clamp, a decreasing pair gives an empty piece).
  std::optional<int64_t> start;
  for (int64_t idx : indices) {
    out.push_back(t.slice(dim, start, idx));
    start = idx;
  }
  out.push_back(t.slice(dim, start, std::nullopt));
  return out;
}

std::vector<Tensor> unbind(const Tensor& t, int64_t dim) {
  EMBER_CHECK_SHAPE(t.dim() > 0, "unbind: dimension specified as ", dim, " but tensor has no dimensions");
  dim = wrap_dim(dim, t.dim(), "unbind");
  std::vector<Tensor> out;
  out.reserve(t.shape()[dim]);
  for (int64_t i = 0; i < t.shape()[dim]; ++i) out.push_back(t.select(dim, i));
  return out;
}

}  // namespace ember
