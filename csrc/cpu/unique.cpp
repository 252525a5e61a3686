// CPU kernels of unique/unique_consecutive (rows of a contiguous 2-D tensor, stable-sorted and
// grouped) and of searchsorted/bucketize (a binary search per value, threaded over values).
#include <algorithm>
#include <numeric>

#include "cpu/radix_sort.h"
#include "cpu/sort_common.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

namespace {
using namespace sort_detail;

// Orders the n rows of width m (ascending, lexicographic, NaN last, ties by position) and
// returns the row positions in that order.
template <typename T>
std::vector<int64_t> sorted_rows(const T* p, int64_t n, int64_t m) {
  using K = key_t<T>;
  std::vector<int64_t> order(n);
  if (m == 1 && n >= 1024) {  // many single elements: the stable radix sort
    RadixScratch<typename RadixKey<T>::U> scratch(n);
    radix_argsort(p, 1, n, false, scratch.a, scratch.b, order.data());
    return order;
  }
  if (m == 1) {  // few single elements: sort (key, position) entries
    std::vector<Entry<K>> buf(n);
    for (int64_t j = 0; j < n; ++j) buf[j] = {static_cast<K>(p[j]), j};
    std::sort(buf.begin(), buf.end(), ByValueThenIndex<Ascending>());
    for (int64_t j = 0; j < n; ++j) order[j] = buf[j].i;
    return order;
  }
  std::iota(order.begin(), order.end(), int64_t{0});
  const Ascending less;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const T *ra = p + a * m, *rb = p + b * m;
    for (int64_t j = 0; j < m; ++j) {
      const K x = static_cast<K>(ra[j]), y = static_cast<K>(rb[j]);
      if (less(x, y)) return true;
      if (less(y, x)) return false;
    }
    return a < b;
  });
  return order;
}

void cpu_unique(const Tensor& in, bool consecutive, Tensor& values, Tensor& inverse, Tensor& counts) {
  const int64_t n = in.size(0), m = in.size(1);
  inverse = empty({n}, TensorOptions(kInt64).device(in.device()));
  dispatch_all(in.dtype(), "unique", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using K = key_t<T>;
    const T* p = static_cast<const T*>(in.data_ptr());
    std::vector<int64_t> order;
    if (consecutive) {
      order.resize(n);
      std::iota(order.begin(), order.end(), int64_t{0});
    } else {
      order = sorted_rows(p, n, m);
    }
    // Rows are equal when every element is (so a row holding NaN equals nothing).
    const auto equal_rows = [&](int64_t a, int64_t b) {
      for (int64_t j = 0; j < m; ++j)
        if (!(static_cast<K>(p[a * m + j]) == static_cast<K>(p[b * m + j]))) return false;
      return true;
    };
    std::vector<int64_t> starts;  // the position in `order` where each group starts
    int64_t* inv = inverse.data_ptr<int64_t>();
    for (int64_t r = 0; r < n; ++r) {
      if (r == 0 || !equal_rows(order[r - 1], order[r])) starts.push_back(r);
      inv[order[r]] = static_cast<int64_t>(starts.size()) - 1;
    }
    const int64_t groups = static_cast<int64_t>(starts.size());
    values = empty({groups, m}, TensorOptions(in.dtype()).device(in.device()));
    counts = empty({groups}, TensorOptions(kInt64).device(in.device()));
    T* v = static_cast<T*>(values.data_ptr());
    int64_t* c = counts.data_ptr<int64_t>();
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t first = order[starts[g]];
      std::copy(p + first * m, p + (first + 1) * m, v + g * m);
      c[g] = (g + 1 < groups ? starts[g + 1] : n) - starts[g];
    }
  });
}

// The first position in [0, n) whose value is not below `v` (right: not at or below it). The
// tests are written as !(x >= v) and !(x > v), as PyTorch's are, so NaN searches end at n.
template <typename K, typename Get>
int64_t search(const Get& get, int64_t n, K v, bool right) {
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    const K x = get(mid);
    const bool go_right = right ? !(x > v) : !(x >= v);
    if (go_right) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

void cpu_searchsorted(const Tensor& out, const Tensor& boundaries, const Tensor& values, const Tensor* sorter,
                      bool right) {
  const int64_t rows = values.size(0), m = values.size(1), n = boundaries.size(1);
  if (out.numel() == 0) return;
  dispatch_all(values.dtype(), "searchsorted", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using K = key_t<T>;
    const T* bd = static_cast<const T*>(boundaries.data_ptr());
    const T* vd = static_cast<const T*>(values.data_ptr());
    const int64_t* sd = sorter ? static_cast<const int64_t*>(sorter->data_ptr()) : nullptr;
    const int64_t b_rs = boundaries.stride(0), b_cs = boundaries.stride(1);
    const int64_t v_rs = values.stride(0), v_cs = values.stride(1);
    const int64_t s_rs = sorter ? sorter->stride(0) : 0, s_cs = sorter ? sorter->stride(1) : 0;
    const int64_t o_rs = out.stride(0), o_cs = out.stride(1);
    const bool out64 = out.dtype() == kInt64;
    int64_t log_n = 1;
    while ((int64_t{1} << log_n) < n) ++log_n;
    parallel_for(0, rows * m, std::max<int64_t>(1, 16384 / log_n), [&](int64_t begin, int64_t end) {
      for (int64_t e = begin; e < end; ++e) {
        const int64_t r = e / m, j = e % m;
        const T* row = bd + r * b_rs;
        const int64_t* srow = sd ? sd + r * s_rs : nullptr;
        const auto get = [&](int64_t i) {
          return static_cast<K>(row[(srow ? srow[i * s_cs] : i) * b_cs]);
        };
        const int64_t pos = search(get, n, static_cast<K>(vd[r * v_rs + j * v_cs]), right);
        if (out64) static_cast<int64_t*>(out.data_ptr())[r * o_rs + j * o_cs] = pos;
        else static_cast<int32_t*>(out.data_ptr())[r * o_rs + j * o_cs] = static_cast<int32_t>(pos);
      }
    });
  });
}

}  // namespace

void register_cpu_unique_kernels() {
  unique_kernel.set(DeviceType::CPU, cpu_unique);
  searchsorted_kernel.set(DeviceType::CPU, cpu_searchsorted);
}

}  // namespace ember
