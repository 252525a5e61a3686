#pragma once
// Shape arithmetic shared by views, ops and the iterator.
#include <optional>
#include <string>

#include "ember/tensor.h"

namespace ember {

// Maps a possibly negative dim into [0, ndim); IndexError naming the op when out of range.
// A 0-dim tensor accepts dims -1 and 0, like PyTorch.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
// The set of dims to reduce as a bitmask over ndim dims; nullopt or {} means all dims.
uint64_t reduce_mask(const std::optional<IntArray>& dims, int64_t ndim, const char* op);
// The element count of `shape`; ShapeError when it passes int64 (a shape that large cannot be
// stored, and a wrapped count would make a wrong tensor).
int64_t numel_of(const IntArray& shape);
// The same, with `op` named in the error.
int64_t checked_numel(const IntArray& shape, const char* op);
// a * b and a + b of sizes or strides; ShapeError naming `op` (and `what`) when they pass int64.
int64_t checked_mul(int64_t a, int64_t b, const char* op, const char* what = "size");
int64_t checked_add(int64_t a, int64_t b, const char* op, const char* what = "size");
// The bytes of `numel` elements of `element_size` bytes; OutOfMemoryError naming `op` when
// they pass what a process can address (2^63 bytes).
size_t checked_nbytes(int64_t numel, size_t element_size, const char* op);
IntArray contiguous_strides(const IntArray& shape);
bool is_contiguous_layout(const IntArray& shape, const IntArray& strides);
// numpy/PyTorch broadcasting; ShapeError naming the op and both shapes when incompatible.
IntArray broadcast_shapes(const IntArray& a, const IntArray& b, const char* op);
// The strides a view of `new_shape` needs over (shape, strides), or nullopt when the existing
// layout cannot be viewed that way without a copy (PyTorch's view rule).
std::optional<IntArray> view_strides(const IntArray& shape, const IntArray& strides,
                                     const IntArray& new_shape);
// Resolves a single -1 in a requested shape against numel; ShapeError when impossible.
IntArray infer_shape(const IntArray& requested, int64_t numel, const char* op);
// "float32 tensor of shape [2, 3]" for messages.
std::string describe(const Tensor& t);

}  // namespace ember
