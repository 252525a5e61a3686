// CPU kernels of sort, topk, kthvalue and median. Each row along the dim is gathered into a
// buffer of (key, position) entries and ordered there with a strict total order (value, then
// position), so the fast unstable std algorithms still give a stable sort's answer. Long rows
// are sorted by a stable radix sort instead (cpu/radix_sort.h), which gives the same order in
// linear time. topk and the selections use partial algorithms (partial_sort, nth_element).
#include <algorithm>

#include "cpu/radix_sort.h"
#include "cpu/sort_common.h"
#include "dispatch/kernels.h"

namespace ember {

void register_cpu_unique_kernels();  // cpu/unique.cpp

namespace {
using namespace sort_detail;

// Rough cost of ordering n elements, for the threading grain.
int64_t sort_cost(int64_t n) {
  int64_t log = 1;
  while ((int64_t{1} << log) < n) ++log;
  return n * log;
}

template <typename T>
void gather(std::vector<Entry<key_t<T>>>& buf, const T* src, int64_t stride, int64_t n) {
  for (int64_t j = 0; j < n; ++j) buf[j] = {static_cast<key_t<T>>(src[j * stride]), j};
}

// Rows at least this long are radix sorted: below it std::sort wins (fewer passes, no histograms).
constexpr int64_t kRadixMinRow = 1024;

void cpu_sort(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, bool descending) {
  const int64_t n = in.size(dim);
  if (in.numel() == 0) return;
  dispatch_all(in.dtype(), "sort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using K = key_t<T>;
    using U = typename RadixKey<T>::U;
    const T* src = static_cast<const T*>(in.data_ptr());
    T* vals = static_cast<T*>(values.data_ptr());
    int64_t* idx = static_cast<int64_t*>(indices.data_ptr());
    const int64_t s_in = in.stride(dim), s_v = values.stride(dim), s_i = indices.stride(dim);
    const bool radix = n >= kRadixMinRow;
    for_each_row<3>({&in, &values, &indices}, dim, radix ? 4 * n : sort_cost(n), [&] {
      return [&, buf = std::vector<Entry<K>>(radix ? 0 : n),
              scratch = RadixScratch<U>(n)](const int64_t* off) mutable {
        const T* row = src + off[0];
        int64_t* order = scratch.order;
        if (radix) {
          radix_argsort(row, s_in, n, descending, scratch.a, scratch.b, order);
        } else {
          gather(buf, row, s_in, n);
          if (descending) std::sort(buf.begin(), buf.end(), ByValueThenIndex<Descending>());
          else std::sort(buf.begin(), buf.end(), ByValueThenIndex<Ascending>());
          for (int64_t j = 0; j < n; ++j) order[j] = buf[j].i;
        }
        // Values are copied from the input, not converted back from keys: bits stay as they were.
        for (int64_t j = 0; j < n; ++j) {
          vals[off[1] + j * s_v] = row[order[j] * s_in];
          idx[off[2] + j * s_i] = order[j];
        }
      };
    });
  });
}

template <typename Cmp, typename K>
void select_top(std::vector<Entry<K>>& buf, int64_t k, bool sorted) {
  const ByValueThenIndex<Cmp> cmp;
  const auto first = buf.begin(), kth = buf.begin() + k;
  if (sorted && k * 16 <= static_cast<int64_t>(buf.size())) {
    std::partial_sort(first, kth, buf.end(), cmp);  // O(n log k): best for small k
    return;
  }
  if (kth == buf.end()) {
    if (sorted) std::sort(first, kth, cmp);
    return;
  }
  std::nth_element(first, kth - 1, buf.end(), cmp);
  if (sorted) std::sort(first, kth - 1, cmp);  // the k-th is already in place
}

void cpu_topk(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, int64_t k, bool largest,
              bool sorted) {
  const int64_t n = in.size(dim);
  if (values.numel() == 0) return;
  dispatch_all(in.dtype(), "topk", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using K = key_t<T>;
    const T* src = static_cast<const T*>(in.data_ptr());
    T* vals = static_cast<T*>(values.data_ptr());
    int64_t* idx = static_cast<int64_t*>(indices.data_ptr());
    const int64_t s_in = in.stride(dim), s_v = values.stride(dim), s_i = indices.stride(dim);
    for_each_row<3>({&in, &values, &indices}, dim, n + sort_cost(k), [&] {
      return [&, buf = std::vector<Entry<K>>(n)](const int64_t* off) mutable {
        const T* row = src + off[0];
        gather(buf, row, s_in, n);
        if (largest) select_top<Descending>(buf, k, sorted);
        else select_top<Ascending>(buf, k, sorted);
        for (int64_t j = 0; j < k; ++j) {
          vals[off[1] + j * s_v] = row[buf[j].i * s_in];
          idx[off[2] + j * s_i] = buf[j].i;
        }
      };
    });
  });
}

void cpu_select(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, int64_t k, SelectOp op) {
  const int64_t n = in.size(dim);
  if (values.numel() == 0) return;
  dispatch_all(in.dtype(), "kthvalue", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using K = key_t<T>;
    const T* src = static_cast<const T*>(in.data_ptr());
    T* vals = static_cast<T*>(values.data_ptr());
    int64_t* idx = static_cast<int64_t*>(indices.data_ptr());
    const int64_t s_in = in.stride(dim);
    for_each_row<3>({&in, &values, &indices}, dim, 2 * n, [&] {
      return [&, buf = std::vector<Entry<K>>(n)](const int64_t* off) mutable {
        const T* row = src + off[0];
        int64_t m = 0, first_nan = -1;  // m: the entries that take part
        for (int64_t j = 0; j < n; ++j) {
          const K v = static_cast<K>(row[j * s_in]);
          if (is_nan(v)) {
            if (first_nan < 0) first_nan = j;
            if (op == SelectOp::NanMedian) continue;
          }
          buf[m++] = {v, j};
        }
        int64_t at;  // the position of the answer among the m entries in ascending order
        if (op == SelectOp::Kth) {
          at = k - 1;
        } else if ((op == SelectOp::Median && first_nan >= 0) || m == 0) {
          vals[off[1]] = row[first_nan * s_in];  // NaN propagates (median) or is all there is
          idx[off[2]] = first_nan;
          return;
        } else {
          at = (m - 1) / 2;
        }
        std::nth_element(buf.begin(), buf.begin() + at, buf.begin() + m, ByValueThenIndex<Ascending>());
        vals[off[1]] = row[buf[at].i * s_in];
        idx[off[2]] = buf[at].i;
      };
    });
  });
}

}  // namespace

void register_cpu_sort_kernels() {
  sort_kernel.set(DeviceType::CPU, cpu_sort);
  topk_kernel.set(DeviceType::CPU, cpu_topk);
  select_kernel.set(DeviceType::CPU, cpu_select);
  register_cpu_unique_kernels();
}

}  // namespace ember
