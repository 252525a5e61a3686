// matmul with PyTorch's semantics: 1-D x 1-D is a dot product (0-dim), a 1-D operand is a row
// (left) or a column (right) vector whose dim is dropped from the result, and leading dims
// broadcast as a batch. Operands are read in place through their strides (a transposed view
// costs no copy); the result is a fresh contiguous tensor.
#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"
#include "ops/matmul.h"

namespace ember {

Tensor matmul(const Tensor& a, const Tensor& b) {
  const auto shapes = [&] { return detail::str_cat("shapes ", shape_str(a.shape()), " and ", shape_str(b.shape())); };
  EMBER_CHECK_SHAPE(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need at least 1 dim, but got ", shapes());
  EMBER_CHECK(a.device() == b.device(), "matmul: expected both operands on one device, but got ", a.device().str(),
              " and ", b.device().str());
  EMBER_CHECK_TYPE(a.dtype() == b.dtype(), "matmul: expected both operands to have the same dtype, but got ",
                   dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  EMBER_CHECK_TYPE(a.dtype() != kBool, "matmul: not implemented for dtype bool");

  // A 1-D operand becomes a matrix: a row on the left, a column on the right.
  const Tensor A = a.dim() == 1 ? a.unsqueeze(0) : a;
  const Tensor B = b.dim() == 1 ? b.unsqueeze(1) : b;
  const int64_t m = A.size(-2), k = A.size(-1), n = B.size(-1);
  EMBER_CHECK_SHAPE(B.size(-2) == k, "matmul: ", shapes(), " cannot be multiplied (", k, " != ", B.size(-2), ")");

  // Leading dims broadcast against each other.
  const IntArray a_batch(A.shape().begin(), A.shape().end() - 2), b_batch(B.shape().begin(), B.shape().end() - 2);
  const size_t nb = std::max(a_batch.size(), b_batch.size());
  IntArray batch(nb);
  for (size_t i = 0; i < nb; ++i) {
    const int64_t sa = i < nb - a_batch.size() ? 1 : a_batch[i - (nb - a_batch.size())];
    const int64_t sb = i < nb - b_batch.size() ? 1 : b_batch[i - (nb - b_batch.size())];
    EMBER_CHECK_SHAPE(sa == sb || sa == 1 || sb == 1, "matmul: ", shapes(),
                      " have batch dims that cannot be broadcast together (", sa, " vs ", sb, ")");
    batch[i] = sa == 1 ? sb : sa;
  }
  EMBER_CHECK(static_cast<int>(nb) <= GemmArgs::kMaxBatchDims, "matmul: at most ", GemmArgs::kMaxBatchDims,
              " batch dims are supported, got ", nb);

  IntArray out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = empty(out_shape, TensorOptions(a.dtype()).device(a.device()));

  IntArray a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  gemm_into(A.expand(a_full), B.expand(b_full), out, 1.0, 0.0);  // broadcast dims get stride 0

  // Drop the dims that the 1-D operands stood in for.
  IntArray result_shape = batch;
  if (a.dim() > 1) result_shape.push_back(m);
  if (b.dim() > 1) result_shape.push_back(n);
  return out.view(result_shape);
}

Tensor Tensor::matmul(const Tensor& other) const { return ember::matmul(*this, other); }

}  // namespace ember
