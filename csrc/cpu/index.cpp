// CPU kernels of advanced indexing: index values to byte offsets (with the range check), and
// the gather/put loop over those offsets. Registers every indexing kernel of the CPU.
#include <atomic>
#include <cstdlib>

#include "cpu/index_kernels.h"

namespace ember {

namespace {
using namespace cpu_index;

// Remembers one out-of-range value seen by any thread.
struct BadIndex {
  std::atomic<bool> found{false};
  int64_t value = 0;
  void report(int64_t v) {
    bool expected = false;
    if (found.compare_exchange_strong(expected, true)) value = v;
  }
};

bool cpu_index_offsets(const TensorIter& iter, int64_t size, int64_t stride, int64_t* bad) {
  BadIndex status;
  dispatch_index_type(iter.dtype(1), "index", [&](auto tag) {
    using I = typename decltype(tag)::type;
    iter.for_each([&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t k = 0; k < n; ++k) {
        int64_t v = *reinterpret_cast<const I*>(data[1] + k * strides[1]);
        if (v < -size || v >= size) {
          status.report(v);
          return;
        }
        if (v < 0) v += size;
        *reinterpret_cast<int64_t*>(data[0] + k * strides[0]) += v * stride;
      }
    });
  });
  *bad = status.value;
  return !status.found.load();
}

bool cpu_index_check(const TensorIter& iter, int64_t size, int64_t* bad) {
  BadIndex status;
  dispatch_index_type(iter.dtype(0), "index", [&](auto tag) {
    using I = typename decltype(tag)::type;
    iter.for_each([&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t k = 0; k < n; ++k) {
        const int64_t v = *reinterpret_cast<const I*>(data[0] + k * strides[0]);
        if (v < -size || v >= size) {
          status.report(v);
          return;
        }
      }
    });
  });
  *bad = status.value;
  return !status.found.load();
}

// One index position b of a run of n elements: the indexed operand at offsets[b], the other at b * stride.
template <typename Op>
void index_loop(const TensorIter& iter, const IndexArgs& a, const Op& op) {
  const int64_t* offsets = a.offsets;
  const int64_t stride = a.stride;
  const bool put = a.indexed_is_dst;
  const size_t es = dtype_size(iter.dtype(0));
  auto positions = [&](int64_t b0, int64_t b1) {
    return [=, &op](char** data, const int64_t* strides, int64_t n) {
      // The non-indexed operand steps by `stride` along the positions: when that is its inner
      // direction (x[:, idx] of a wide x), walk the positions innermost.
      const int64_t other = put ? strides[1] : strides[0];
      if (n > 1 && std::abs(stride) < std::abs(other)) {
        for (int64_t k = 0; k < n; ++k) {
          char* dst = data[0] + k * strides[0];
          const char* src = data[1] + k * strides[1];
          for (int64_t b = b0; b < b1; ++b) op(dst + (put ? offsets[b] : b * stride), src + (put ? b * stride : offsets[b]));
        }
        return;
      }
      const bool dense = strides[0] == static_cast<int64_t>(es) && strides[1] == static_cast<int64_t>(es);
      for (int64_t b = b0; b < b1; ++b) {
        char* dst = data[0] + (put ? offsets[b] : b * stride);
        const char* src = data[1] + (put ? b * stride : offsets[b]);
        if (dense && !a.accumulate) {
          std::memcpy(dst, src, n * es);
          continue;
        }
        for (int64_t k = 0; k < n; ++k) op(dst + k * strides[0], src + k * strides[1]);
      }
    };
  };
  const int64_t count = a.count, elements = iter.numel();
  if (!put && elements < count) {
    // Few elements per index position (x[idx] of a 1-D x): split the positions, whose writes
    // never meet.
    parallel_for(0, count, std::max<int64_t>(1, kGrain / elements),
                 [&](int64_t b0, int64_t b1) { iter.serial_for_each(positions(b0, b1), 0, elements); });
    return;
  }
  // Split the elements only: every thread walks all positions in order, so repeated indices
  // of a put land in one thread, in order.
  iter.for_each(positions(0, count), std::max<int64_t>(1, kGrain / std::max<int64_t>(count, 1)));
}

void cpu_index_gather_put(const TensorIter& iter, const IndexArgs& args) {
  if (iter.numel() == 0 || args.count == 0) return;
  dispatch_element_op(iter.dtype(0), args.accumulate, "index_put_", [&](auto op) { index_loop(iter, args, op); });
}
}  // namespace

void register_cpu_index_kernels() {
  index_offsets_kernel.set(DeviceType::CPU, cpu_index_offsets);
  index_check_kernel.set(DeviceType::CPU, cpu_index_check);
  index_kernel.set(DeviceType::CPU, cpu_index_gather_put);
  gather_scatter_kernel.set(DeviceType::CPU, cpu_index::gather_scatter);
  nonzero_kernel.set(DeviceType::CPU, cpu_index::nonzero);
}

}  // namespace ember
