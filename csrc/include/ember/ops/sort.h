#pragma once
// Sorting, selection, unique, searchsorted, einsum.
// Part of the ops API: include <ember/ops.h>.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- sorting, selection, unique, einsum ------------------------------------------------------
// NaN sorts as the largest value. Sorting is always stable (equal values keep their order), so
// indices match PyTorch's stable sort; `stable` is accepted for PyTorch's signature.
EMBER_API std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim = -1, bool descending = false,
                                          bool stable = false);
EMBER_API Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false, bool stable = false);
// The k largest (or smallest) values along dim and their indices; ties go to the lower index.
EMBER_API std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true,
                                          bool sorted = true);
// The k-th smallest value along dim (k from 1) and its index.
EMBER_API std::tuple<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim = -1, bool keepdim = false);
// The lower median along dim (NaN when the row has one) and its index; median(t) of all values.
EMBER_API std::tuple<Tensor, Tensor> median(const Tensor& t, int64_t dim, bool keepdim = false);
EMBER_API Tensor median(const Tensor& t);
// As median, ignoring NaN.
EMBER_API std::tuple<Tensor, Tensor> nanmedian(const Tensor& t, int64_t dim, bool keepdim = false);
EMBER_API Tensor nanmedian(const Tensor& t);
// The q-quantiles (q a 0-dim or 1-D floating tensor in [0, 1]) with PyTorch's interpolation
// modes: "linear", "lower", "higher", "nearest", "midpoint". dim nullopt: of all values.
EMBER_API Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                          bool keepdim = false, const std::string& interpolation = "linear");
// Sorted distinct values (or slices along `dim`), the inverse indices (each input element's or
// slice's position among them) and the counts. The inverse and counts are always computed.
struct UniqueResult {
  Tensor values, inverse, counts;
};
EMBER_API UniqueResult unique(const Tensor& t, std::optional<int64_t> dim = std::nullopt);
// As unique, over runs of equal neighbours only, in input order.
EMBER_API UniqueResult unique_consecutive(const Tensor& t, std::optional<int64_t> dim = std::nullopt);
// Insertion points of `values` into the innermost dim of `sorted_sequence` (1-D, or with the
// leading dims of `values`); side "left" (first >=) or "right" (first >). int64, or int32 when
// out_int32. `sorter` (int64, the sequence's shape) orders an unsorted sequence.
EMBER_API Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32 = false,
                              bool right = false, const std::optional<std::string>& side = std::nullopt,
                              const std::optional<Tensor>& sorter = std::nullopt);
// The bucket of each input value among the 1-D sorted `boundaries` (searchsorted's order of args).
EMBER_API Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32 = false,
                           bool right = false);
// The number of non-zero values over dims (all when nullopt), as int64.
EMBER_API Tensor count_nonzero(const Tensor& t, const OptDims& dims = std::nullopt);
// Einstein summation: "ij,jk->ik", implicit outputs ("ij,jk"), repeated subscripts as
// diagonals ("ii->i"), "..." broadcasting, any number of operands (contracted left to right
// through matmul). Operands share one dtype (not bool).
EMBER_API Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);
// Contracts dims_a of a with dims_b of b (pairwise equal sizes) through matmul; the int form
// contracts the last `dims` dims of a with the first `dims` of b.
EMBER_API Tensor tensordot(const Tensor& a, const Tensor& b, const IntArray& dims_a, const IntArray& dims_b);
EMBER_API Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims = 2);
// The Kronecker product (dims aligned from the right).
EMBER_API Tensor kron(const Tensor& a, const Tensor& b);

}  // namespace ember
