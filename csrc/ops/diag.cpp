// Triangles and diagonals: tril/triu (a masking kernel), diag, diag_embed, diagflat (a zero
// matrix whose diagonal view receives a strided copy) and trace (a sum over the diagonal view).
#include <cstdlib>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"
#include "ops/overlap.h"
#include "ops/strided_copy.h"

namespace ember {

namespace {
void check_matrix_batch(const Tensor& t, const char* op) {
  EMBER_CHECK_SHAPE(t.dim() >= 2, op, ": input tensor must have at least 2 dimensions, got shape ",
                    shape_str(t.shape()));
}

Tensor triangle(const Tensor& t, int64_t diagonal, bool upper) {
  const char* op = upper ? "triu" : "tril";
  check_matrix_batch(t, op);
  Tensor out = empty(t.shape(), TensorOptions(t.dtype()).device(t.device()));
  triangular_kernel.get(t.device(), op)(out, t, diagonal, upper);
  return out;
}

Tensor& triangle_(Tensor& t, int64_t diagonal, bool upper) {
  const char* op = upper ? "triu_" : "tril_";
  check_matrix_batch(t, op);
  check_writable(t, op);
  triangular_kernel.get(t.device(), op)(t, t, diagonal, upper);
  t.bump_version();
  return t;
}
}  // namespace

Tensor tril(const Tensor& t, int64_t diagonal) { return triangle(t, diagonal, false); }
Tensor triu(const Tensor& t, int64_t diagonal) { return triangle(t, diagonal, true); }
Tensor& tril_(Tensor& t, int64_t diagonal) { return triangle_(t, diagonal, false); }
Tensor& triu_(Tensor& t, int64_t diagonal) { return triangle_(t, diagonal, true); }

Tensor diag(const Tensor& t, int64_t offset) {
  EMBER_CHECK_SHAPE(t.dim() == 1 || t.dim() == 2, "diag: supports 1-D or 2-D tensors, got shape ",
                    shape_str(t.shape()));
  const TensorOptions options = TensorOptions(t.dtype()).device(t.device());
  if (t.dim() == 2) {
    const Tensor d = t.diagonal(offset);
    Tensor out = empty(d.shape(), options);
    strided_copy(out, d);
    return out;
  }
  const int64_t n = t.shape()[0] + std::abs(offset);
  Tensor out = zeros({n, n}, options);
  strided_copy(out.diagonal(offset), t);
  return out;
}

Tensor diag_embed(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  EMBER_CHECK_SHAPE(t.dim() >= 1, "diag_embed: expects a tensor of at least 1 dim, got shape ", shape_str(t.shape()));
  const int64_t nd = t.dim() + 1;
  dim1 = wrap_dim(dim1, nd, "diag_embed");
  dim2 = wrap_dim(dim2, nd, "diag_embed");
  EMBER_CHECK_VALUE(dim1 != dim2, "diag_embed: diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  const int64_t n = t.shape().back() + std::abs(offset);
  IntArray shape;
  int64_t next = 0;
  for (int64_t p = 0; p < nd; ++p) shape.push_back(p == dim1 || p == dim2 ? n : t.shape()[next++]);
  Tensor out = zeros(shape, TensorOptions(t.dtype()).device(t.device()));
  // diagonal() puts the diagonal last, where the input's last dim is.
  strided_copy(out.diagonal(offset, dim1, dim2), t);
  return out;
}

Tensor diagflat(const Tensor& t, int64_t offset) { return diag(t.reshape({-1}), offset); }

Tensor trace(const Tensor& t) {
  EMBER_CHECK_SHAPE(t.dim() == 2, "trace: expected a matrix, but got tensor with shape ", shape_str(t.shape()));
  EMBER_CHECK_TYPE(t.dtype() != kBool, "trace: not implemented for dtype bool");
  return sum(t.diagonal());
}

}  // namespace ember
