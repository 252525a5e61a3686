// Sparse x dense kernels. spmm groups the entries by output row with a counting sort (CSR
// built on the fly, stable, O(nnz + rows)), then threads split the rows: each row is owned by
// one thread, so no atomics, and its entries are added in input order, so results do not
// depend on the thread count. The inner loop runs over the dense columns, contiguous in both
// the dense row and the output row, so it vectorizes. The transposed product (the dense
// operand's gradient) is the same kernel grouped by column. The sampled product (the values'
// gradient) is one dot product per entry, split over entries.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "ops/sparse_kernels.h"

namespace ember {

namespace {

// CSR of the entries by group: entries of group g are order[ptr[g] .. ptr[g+1]), in input order.
void group_entries(const int64_t* group, int64_t nnz, int64_t groups, std::vector<int64_t>& ptr,
                   std::vector<int64_t>& order) {
  ptr.assign(static_cast<size_t>(groups + 1), 0);
  for (int64_t k = 0; k < nnz; ++k) ++ptr[group[k] + 1];
  for (int64_t g = 0; g < groups; ++g) ptr[g + 1] += ptr[g];
  order.resize(static_cast<size_t>(nnz));
  std::vector<int64_t> next(ptr.begin(), ptr.end() - 1);
  for (int64_t k = 0; k < nnz; ++k) order[next[group[k]]++] = k;
}

void cpu_sparse_mm(const Tensor& out, const Tensor& group_t, const Tensor& other_t, const Tensor& values_t,
                   const Tensor& dense_t) {
  const int64_t groups = out.size(0), n = out.size(1), nnz = group_t.numel();
  const int64_t* group = static_cast<const int64_t*>(group_t.data_ptr());
  const int64_t* other = static_cast<const int64_t*>(other_t.data_ptr());
  std::vector<int64_t> ptr, order;
  group_entries(group, nnz, groups, ptr, order);
  // Rows per task: about 32K multiply-adds each.
  const int64_t per_row = std::max<int64_t>(1, (nnz / std::max<int64_t>(1, groups)) * n + n);
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 15) / per_row);
  dispatch_floating(out.dtype(), "sparse.mm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* values = static_cast<const T*>(values_t.data_ptr());
    const T* dense = static_cast<const T*>(dense_t.data_ptr());
    T* o = static_cast<T*>(out.data_ptr());
    parallel_for(0, groups, grain, [&](int64_t b, int64_t e) {
      // 16-bit floats accumulate in a float row of their own; the others in the output row.
      std::vector<A> buffer(std::is_same_v<A, T> ? 0 : static_cast<size_t>(n));
      for (int64_t g = b; g < e; ++g) {
        A* acc = std::is_same_v<A, T> ? reinterpret_cast<A*>(o + g * n) : buffer.data();
        std::fill(acc, acc + n, A(0));
        for (int64_t p = ptr[g]; p < ptr[g + 1]; ++p) {
          const int64_t k = order[p];
          const A v = static_cast<A>(values[k]);
          const T* d = dense + other[k] * n;
#pragma omp simd
          for (int64_t j = 0; j < n; ++j) acc[j] += v * static_cast<A>(d[j]);
        }
        if constexpr (!std::is_same_v<A, T>)
          for (int64_t j = 0; j < n; ++j) o[g * n + j] = static_cast<T>(acc[j]);
      }
    });
  });
}

void cpu_sparse_sampled_dot(const Tensor& out, const Tensor& rows_t, const Tensor& cols_t, const Tensor& a_t,
                            const Tensor& b_t) {
  const int64_t nnz = out.numel(), n = a_t.size(1);
  const int64_t* rows = static_cast<const int64_t*>(rows_t.data_ptr());
  const int64_t* cols = static_cast<const int64_t*>(cols_t.data_ptr());
  dispatch_floating(out.dtype(), "sparse_sampled_dot", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* a = static_cast<const T*>(a_t.data_ptr());
    const T* b = static_cast<const T*>(b_t.data_ptr());
    T* o = static_cast<T*>(out.data_ptr());
    parallel_for(0, nnz, std::max<int64_t>(1, (int64_t(1) << 15) / std::max<int64_t>(1, n)), [&](int64_t s, int64_t e) {
      for (int64_t k = s; k < e; ++k) {
        const T* x = a + rows[k] * n;
        const T* y = b + cols[k] * n;
        A sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < n; ++j) sum += static_cast<A>(x[j]) * static_cast<A>(y[j]);
        o[k] = static_cast<T>(sum);
      }
    });
  });
}

}  // namespace

int64_t cpu_sparse_coalesce(const Tensor& keys, const Tensor& values, const Tensor& out_keys, const Tensor& out_values,
                            const Tensor& inverse);  // cpu/sparse_coalesce.cpp

void register_cpu_sparse_kernels() {
  sparse_mm_kernel.set(DeviceType::CPU, cpu_sparse_mm);
  sparse_sampled_dot_kernel.set(DeviceType::CPU, cpu_sparse_sampled_dot);
  sparse_coalesce_kernel.set(DeviceType::CPU, cpu_sparse_coalesce);
}

}  // namespace ember
