#pragma once
// The kernel tables of the sparse COO family (front-ends in ops/sparse.cpp, CPU kernels in
// cpu/sparse.cpp and cpu/sparse_coalesce.cpp).
#include "dispatch/kernel_table.h"
#include "ember/tensor.h"

namespace ember {

// out [groups, n] (contiguous): row g is the sum over entries k with group[k] == g of
// values[k] * dense[other[k]]. dense is [*, n] with contiguous rows.
using SparseMmKernel = void (*)(const Tensor& out, const Tensor& group, const Tensor& other, const Tensor& values,
                                const Tensor& dense);
// out [nnz]: out[k] = dot(a[rows[k]], b[cols[k]]); a, b with contiguous rows.
using SparseSampledDotKernel = void (*)(const Tensor& out, const Tensor& rows, const Tensor& cols, const Tensor& a,
                                        const Tensor& b);
// Coalesces entries given by their linear keys [nnz] and values [nnz, d] (contiguous): fills
// out_keys [u] (ascending, distinct), out_values [u, d] (sums) and inverse [nnz]; returns u.
// out_keys and out_values are allocated with nnz rows and narrowed by the caller.
using SparseCoalesceKernel = int64_t (*)(const Tensor& keys, const Tensor& values, const Tensor& out_keys,
                                         const Tensor& out_values, const Tensor& inverse);

extern KernelTable<SparseMmKernel> sparse_mm_kernel;
extern KernelTable<SparseSampledDotKernel> sparse_sampled_dot_kernel;
extern KernelTable<SparseCoalesceKernel> sparse_coalesce_kernel;

}  // namespace ember
