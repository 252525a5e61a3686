#pragma once
// Sparse COO kernels. A COO matrix is given by its parts: `indices` (int64, [sparse_dim, nnz],
// one column per stored entry) and `values` ([nnz, *dense_dims]); entries may repeat (an
// uncoalesced tensor), and repeated entries add up. The Python layer (ember.sparse) holds the
// parts in its sparse tensor class; these functions are its kernels.
#include <tuple>

#include "ember/api.h"
#include "ember/tensor.h"

namespace ember {

// Raises RuntimeError (as torch's invariant check does) unless every column of `indices` (int64, [len(sparse_sizes), nnz]) lies
// inside `sparse_sizes`.
EMBER_API void sparse_check_indices(const Tensor& indices, const IntArray& sparse_sizes);

// The coalesced form of (indices, values): the distinct index columns in row-major order with
// the values of repeated columns summed. Returns (indices [sparse_dim, u], values [u, *dense],
// inverse [nnz]), where inverse[k] is the output entry that input entry k was added into.
EMBER_API std::tuple<Tensor, Tensor, Tensor> sparse_coalesce(const Tensor& indices, const Tensor& values,
                                                          const IntArray& sparse_sizes);

// The product of the 2-D sparse matrix (indices, values) of shape `size` (rows, cols) with the
// dense matrix `dense`: [rows, n] = S @ dense, or with `transpose` [cols, n] = S^T @ dense
// (the gradient of S @ dense with respect to dense). values and dense share a floating dtype.
EMBER_API Tensor sparse_mm(const Tensor& indices, const Tensor& values, const IntArray& size, const Tensor& dense,
                           bool transpose = false);

// out[k] = dot(a[indices[0, k]], b[indices[1, k]]): the product a @ b^T sampled at the stored
// entries (the gradient of S @ dense with respect to S's values, given a = grad_out and
// b = dense).
EMBER_API Tensor sparse_sampled_dot(const Tensor& indices, const Tensor& a, const Tensor& b);

}  // namespace ember
