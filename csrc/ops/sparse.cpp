// Sparse COO front-ends: check the parts (int64 indices of the right rank and range, values
// with one row per entry, matching floating dtypes), make the operands contiguous and call the
// kernel tables.
#include <limits>

#include "core/shape.h"
#include "dispatch/dispatch.h"
#include "ember/ops.h"
#include "ops/sparse_kernels.h"

namespace ember {

KernelTable<SparseMmKernel> sparse_mm_kernel;
KernelTable<SparseSampledDotKernel> sparse_sampled_dot_kernel;
KernelTable<SparseCoalesceKernel> sparse_coalesce_kernel;

namespace {

void check_indices_tensor(const Tensor& indices, int64_t sparse_dim, const char* op) {
  EMBER_CHECK_TYPE(indices.dtype() == kInt64, op, ": indices must be an int64 tensor, got ",
                   dtype_name(indices.dtype()));
  EMBER_CHECK_SHAPE(indices.dim() == 2 && indices.size(0) == sparse_dim, op, ": indices must be of shape [",
                    sparse_dim, ", nnz], got ", shape_str(indices.shape()));
  EMBER_CHECK(indices.device().is_cpu(), op, ": indices must be on the CPU here, got ", indices.device().str());
}

// Row d of the indices as a contiguous int64 vector.
Tensor index_row(const Tensor& indices, int64_t d) { return indices.select(0, d).contiguous(); }

}  // namespace

void sparse_check_indices(const Tensor& indices, const IntArray& sparse_sizes) {
  const char* op = "sparse_coo_tensor";
  const int64_t sparse_dim = static_cast<int64_t>(sparse_sizes.size());
  check_indices_tensor(indices, sparse_dim, op);
  const int64_t nnz = indices.size(1);
  for (int64_t d = 0; d < sparse_dim; ++d) {
    const Tensor row = index_row(indices, d);
    const int64_t* ix = static_cast<const int64_t*>(row.data_ptr());
    for (int64_t k = 0; k < nnz; ++k) {
      EMBER_CHECK(ix[k] >= 0, op, ": found negative index ", ix[k], " for dim ", d);
      EMBER_CHECK(ix[k] < sparse_sizes[d], op, ": size is inconsistent with indices: for dim ", d,
                        ", size is ", sparse_sizes[d], " but found index ", ix[k]);
    }
  }
}

std::tuple<Tensor, Tensor, Tensor> sparse_coalesce(const Tensor& indices, const Tensor& values,
                                                   const IntArray& sparse_sizes) {
  const char* op = "coalesce";
  const int64_t sparse_dim = static_cast<int64_t>(sparse_sizes.size());
  EMBER_CHECK_VALUE(sparse_dim >= 1, op, ": expected at least one sparse dim");
  check_indices_tensor(indices, sparse_dim, op);
  const int64_t nnz = indices.size(1);
  EMBER_CHECK_SHAPE(values.dim() >= 1 && values.size(0) == nnz, op, ": values must have nnz = ", nnz,
                    " rows, got ", describe(values));
  sparse_check_indices(indices, sparse_sizes);
  // Each index column becomes one row-major linear key; the sizes' product must fit int64.
  int64_t total = 1;
  for (int64_t s : sparse_sizes) {
    EMBER_CHECK_VALUE(s == 0 || total <= std::numeric_limits<int64_t>::max() / s, op,
                      ": the sparse sizes ", shape_str(sparse_sizes), " have more than 2^63 positions");
    total *= s;
  }
  Tensor keys = zeros({nnz}, kInt64);
  int64_t* key = static_cast<int64_t*>(keys.data_ptr());
  for (int64_t d = 0; d < sparse_dim; ++d) {
    const Tensor row = index_row(indices, d);
    const int64_t* ix = static_cast<const int64_t*>(row.data_ptr());
    for (int64_t k = 0; k < nnz; ++k) key[k] = key[k] * sparse_sizes[d] + ix[k];
  }
  IntArray dense_shape(values.shape().begin() + 1, values.shape().end());
  int64_t row_size = 1;
  for (int64_t s : dense_shape) row_size *= s;
  const Tensor flat_values = values.contiguous().reshape({nnz, row_size});
  Tensor out_keys = empty({nnz}, kInt64);
  Tensor out_values = empty({nnz, row_size}, TensorOptions(values.dtype()).device(values.device()));
  Tensor inverse = empty({nnz}, kInt64);
  const int64_t unique =
      nnz == 0 ? 0 : sparse_coalesce_kernel.get(values.device(), op)(keys, flat_values, out_keys, out_values, inverse);
  // The distinct keys back to index columns, last dim first.
  Tensor out_indices = empty({sparse_dim, unique}, kInt64);
  int64_t* oi = static_cast<int64_t*>(out_indices.data_ptr());
  const int64_t* ok = static_cast<const int64_t*>(out_keys.data_ptr());
  for (int64_t u = 0; u < unique; ++u) {
    int64_t rest = ok[u];
    for (int64_t d = sparse_dim - 1; d >= 0; --d) {
      oi[d * unique + u] = rest % sparse_sizes[d];
      rest /= sparse_sizes[d];
    }
  }
  IntArray value_shape{unique};
  value_shape.insert(value_shape.end(), dense_shape.begin(), dense_shape.end());
  return {out_indices, out_values.narrow(0, 0, unique).contiguous().reshape(value_shape), inverse};
}

Tensor sparse_mm(const Tensor& indices, const Tensor& values, const IntArray& size, const Tensor& dense,
                 bool transpose) {
  const char* op = "sparse.mm";
  EMBER_CHECK_SHAPE(size.size() == 2, op, ": expected a 2-D sparse matrix, got size ", shape_str(size));
  check_indices_tensor(indices, 2, op);
  const int64_t nnz = indices.size(1);
  EMBER_CHECK_SHAPE(values.dim() == 1 && values.size(0) == nnz, op,
                    ": expected 1-D values with one entry per index column (nnz = ", nnz, "), got ", describe(values));
  EMBER_CHECK_SHAPE(dense.dim() == 2, op, ": expected a 2-D dense matrix, got ", describe(dense));
  EMBER_CHECK_TYPE(is_floating(values.dtype()), op, ": expected floating-point values, got ",
                   dtype_name(values.dtype()));
  EMBER_CHECK_TYPE(values.dtype() == dense.dtype(), op, ": the sparse matrix has dtype ", dtype_name(values.dtype()),
                   " but the dense matrix has dtype ", dtype_name(dense.dtype()), "; expected the same dtype");
  EMBER_CHECK(values.device() == dense.device(), op, ": the sparse matrix is on ", values.device().str(),
              " but the dense matrix is on ", dense.device().str());
  const int64_t rows = transpose ? size[1] : size[0], inner = transpose ? size[0] : size[1];
  EMBER_CHECK_SHAPE(dense.size(0) == inner, op, ": sparse matrix of size ", shape_str(size),
                    transpose ? " (transposed)" : "", " cannot be multiplied with a dense matrix of shape ",
                    shape_str(dense.shape()));
  Tensor out = empty({rows, dense.size(1)}, TensorOptions(dense.dtype()).device(dense.device()));
  if (out.numel() == 0) return out;
  const Tensor group = index_row(indices, transpose ? 1 : 0), other = index_row(indices, transpose ? 0 : 1);
  sparse_mm_kernel.get(dense.device(), op)(out, group, other, values.contiguous(), dense.contiguous());
  return out;
}

Tensor sparse_sampled_dot(const Tensor& indices, const Tensor& a, const Tensor& b) {
  const char* op = "sparse_sampled_dot";
  check_indices_tensor(indices, 2, op);
  EMBER_CHECK_SHAPE(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(1), op,
                    ": expected two 2-D matrices with the same number of columns, got ", describe(a), " and ",
                    describe(b));
  EMBER_CHECK_TYPE(is_floating(a.dtype()) && a.dtype() == b.dtype(), op,
                   ": expected two floating-point matrices of one dtype, got ", dtype_name(a.dtype()), " and ",
                   dtype_name(b.dtype()));
  const int64_t nnz = indices.size(1);
  Tensor out = empty({nnz}, TensorOptions(a.dtype()).device(a.device()));
  if (nnz == 0) return out;
  // Bounds: the entries must address rows of a and b (the callers' indices come from a checked
  // sparse tensor, but this is a public function).
  sparse_check_indices(indices, {a.size(0), b.size(0)});
  sparse_sampled_dot_kernel.get(a.device(), op)(out, index_row(indices, 0), index_row(indices, 1), a.contiguous(),
                                                b.contiguous());
  return out;
}

}  // namespace ember
