#pragma once
// What the sorting kernels share: the value order (NaN largest, ties by index) and a threaded
// walk over the rows of a dim.
#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/shape.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "ember/tensor.h"

namespace ember::sort_detail {

// Keys are compared in opmath (float for the 16-bit floats); `bool` compares as false < true.
template <typename T> using key_t = opmath_t<T>;

template <typename K> inline bool is_nan(K v) {
  if constexpr (std::is_floating_point_v<K>) return v != v;
  else return false;
}

// Ascending with NaN after every number, as PyTorch sorts.
struct Ascending {
  template <typename K> bool operator()(K a, K b) const { return a < b || (is_nan(b) && !is_nan(a)); }
};
// Descending with NaN before every number.
struct Descending {
  template <typename K> bool operator()(K a, K b) const { return a > b || (is_nan(a) && !is_nan(b)); }
};

template <typename K> struct Entry {
  K v;
  int64_t i;
};

// A strict total order on entries: the value order, then the original position, so that any
// sorting or selection algorithm gives the result of a stable sort.
template <typename Cmp> struct ByValueThenIndex {
  template <typename K> bool operator()(const Entry<K>& x, const Entry<K>& y) const {
    const Cmp c;
    if (c(x.v, y.v)) return true;
    if (c(y.v, x.v)) return false;
    return x.i < y.i;
  }
};

// Calls worker(offsets) once per row along `dim`, where offsets[t] is the element offset of the
// row's first element in tensor t. All tensors have the same dims; their sizes agree except
// along `dim`, and the first tensor's sizes give the batch. `make_worker()` is called once per
// thread chunk, so a worker can own its scratch buffers. `row_cost` estimates one row's work.
template <size_t N, typename MakeWorker>
void for_each_row(const std::array<const Tensor*, N>& ts, int64_t dim, int64_t row_cost,
                  const MakeWorker& make_worker) {
  IntArray sizes;
  std::array<IntArray, N> strides;
  for (int64_t d = 0; d < ts[0]->dim(); ++d) {
    if (d == dim) continue;
    sizes.push_back(ts[0]->size(d));
    for (size_t t = 0; t < N; ++t) strides[t].push_back(ts[t]->stride(d));
  }
  const int64_t rows = numel_of(sizes);
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(1, row_cost));
  const int64_t nd = static_cast<int64_t>(sizes.size());
  parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    auto worker = make_worker();
    std::array<int64_t, N> off;
    for (int64_t r = begin; r < end; ++r) {
      off.fill(0);
      int64_t rest = r;
      for (int64_t d = nd - 1; d >= 0; --d) {
        const int64_t idx = rest % sizes[d];
        rest /= sizes[d];
        for (size_t t = 0; t < N; ++t) off[t] += idx * strides[t][d];
      }
      worker(off.data());
    }
  });
}

}  // namespace ember::sort_detail
