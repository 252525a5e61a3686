// Embedding kernels: a row gather, and its dense gradient (rows summed per index). Threads
// split the gathered rows; the gradient's threads split the embedding columns, so each thread
// owns a column band of every row and needs no atomics.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {

void cpu_embedding(const Tensor& out, const Tensor& weight, const Tensor& indices) {
  const int64_t n = indices.numel(), dim = weight.size(1);
  const size_t row_bytes = static_cast<size_t>(dim) * weight.element_size();
  const char* w = static_cast<const char*>(weight.data_ptr());
  char* o = static_cast<char*>(out.data_ptr());
  const int64_t* ix = static_cast<const int64_t*>(indices.data_ptr());
  parallel_for(0, n, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, dim)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(o + i * row_bytes, w + ix[i] * row_bytes, row_bytes);
  });
}

void cpu_embedding_backward(const Tensor& grad_weight, const Tensor& grad, const Tensor& indices, int64_t padding_idx,
                            bool scale_by_freq) {
  const int64_t n = indices.numel(), num = grad_weight.size(0), dim = grad_weight.size(1);
  const int64_t* ix = static_cast<const int64_t*>(indices.data_ptr());
  std::vector<int64_t> counts;
  if (scale_by_freq) {
    counts.assign(static_cast<size_t>(num), 0);
    for (int64_t i = 0; i < n; ++i) ++counts[ix[i]];
  }
  dispatch_floating(grad_weight.dtype(), "embedding_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = opmath_t<T>;
    const T* g = static_cast<const T*>(grad.data_ptr());
    T* gw = static_cast<T*>(grad_weight.data_ptr());
    // Columns per task: enough that a band is a few cache lines wide.
    const int64_t band = 16;
    const int64_t bands = (dim + band - 1) / band;
    parallel_for(0, bands, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
      // One band of columns at a time, summed in opmath precision: straight into grad_weight
      // when that is the type already, else in a band-sized buffer.
      std::vector<A> buffer(std::is_same_v<A, T> ? 0 : static_cast<size_t>(num * band));
      for (int64_t bi = b; bi < e; ++bi) {
        const int64_t c0 = bi * band, width = std::min(dim, c0 + band) - c0;
        A* acc = std::is_same_v<A, T> ? reinterpret_cast<A*>(gw) + c0 : buffer.data();
        const int64_t stride = std::is_same_v<A, T> ? dim : width;
        for (int64_t r = 0; r < num; ++r) std::fill(acc + r * stride, acc + r * stride + width, A(0));
        for (int64_t i = 0; i < n; ++i) {
          if (ix[i] == padding_idx) continue;
          A* dst = acc + ix[i] * stride;
          const T* src = g + i * dim + c0;
          for (int64_t k = 0; k < width; ++k) dst[k] += static_cast<A>(src[k]);
        }
        for (int64_t r = 0; r < num; ++r) {
          const A scale = scale_by_freq && counts[r] > 0 ? A(1) / static_cast<A>(counts[r]) : A(1);
          for (int64_t k = 0; k < width; ++k) gw[r * dim + c0 + k] = static_cast<T>(acc[r * stride + k] * scale);
        }
      }
    });
  });
}

}  // namespace

void register_cpu_embedding_kernels() {
  embedding_kernel.set(DeviceType::CPU, cpu_embedding);
  embedding_backward_kernel.set(DeviceType::CPU, cpu_embedding_backward);
}

}  // namespace ember
