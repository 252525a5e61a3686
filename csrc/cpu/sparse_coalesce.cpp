// Coalescing COO entries: a stable sort of their linear keys (the radix sort of cpu/sort.cpp;
// skipped when the keys are already in order, as they are for a tensor built coalesced), then
// one pass that sums the value rows of each run of equal keys. Sums are taken in input order
// within a run, so the result does not depend on threads.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "cpu/parallel.h"
#include "cpu/radix_sort.h"
#include "dispatch/dispatch.h"
#include "ops/sparse_kernels.h"

namespace ember {

int64_t cpu_sparse_coalesce(const Tensor& keys_t, const Tensor& values_t, const Tensor& out_keys_t,
                            const Tensor& out_values_t, const Tensor& inverse_t) {
  const int64_t nnz = keys_t.numel(), d = values_t.size(1);
  const int64_t* keys = static_cast<const int64_t*>(keys_t.data_ptr());
  int64_t* out_keys = static_cast<int64_t*>(out_keys_t.data_ptr());
  int64_t* inverse = static_cast<int64_t*>(inverse_t.data_ptr());

  std::vector<int64_t> identity;
  const int64_t* order = nullptr;
  sort_detail::RadixScratch<uint64_t> scratch(std::is_sorted(keys, keys + nnz) ? 0 : nnz);
  if (scratch.order != nullptr) {
    sort_detail::radix_argsort(keys, 1, nnz, false, scratch.a, scratch.b, scratch.order);
    order = scratch.order;
  } else {
    identity.resize(static_cast<size_t>(nnz));
    for (int64_t k = 0; k < nnz; ++k) identity[k] = k;
    order = identity.data();
  }
  // Runs of equal keys: run u starts at sorted position start[u].
  std::vector<int64_t> start;
  start.reserve(static_cast<size_t>(nnz) + 1);
  for (int64_t p = 0; p < nnz; ++p) {
    if (p == 0 || keys[order[p]] != keys[order[p - 1]]) {
      out_keys[start.size()] = keys[order[p]];
      start.push_back(p);
    }
    inverse[order[p]] = static_cast<int64_t>(start.size()) - 1;
  }
  const int64_t unique = static_cast<int64_t>(start.size());
  start.push_back(nnz);
  dispatch_all(values_t.dtype(), "coalesce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = std::conditional_t<std::is_same_v<T, bool>, bool, opmath_t<T>>;
    const T* values = static_cast<const T*>(values_t.data_ptr());
    T* out = static_cast<T*>(out_values_t.data_ptr());
    parallel_for(0, unique, std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(1, d)), [&](int64_t b, int64_t e) {
      std::vector<A> acc(static_cast<size_t>(d));
      for (int64_t u = b; u < e; ++u) {
        std::fill(acc.begin(), acc.end(), A(0));
        for (int64_t p = start[u]; p < start[u + 1]; ++p) {
          const T* row = values + order[p] * d;
          for (int64_t j = 0; j < d; ++j) {
            if constexpr (std::is_same_v<T, bool>) acc[j] = acc[j] || row[j];
            else acc[j] += static_cast<A>(row[j]);
          }
        }
        for (int64_t j = 0; j < d; ++j) out[u * d + j] = static_cast<T>(acc[j]);
      }
    });
  });
  return unique;
}

}  // namespace ember
