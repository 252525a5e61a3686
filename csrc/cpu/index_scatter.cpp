// CPU kernel of gather, scatter and scatter_add: an index value per element, along one dim.
#include <cstdlib>

#include "cpu/index_kernels.h"

namespace ember::cpu_index {

namespace {
template <typename I, typename Op>
void gather_scatter_loop(const TensorIter& iter, const GatherScatterArgs& a, const Op& op) {
  auto positions = [&](int64_t b0, int64_t b1) {
    return [=, &op](char** data, const int64_t* strides, int64_t n) {
      auto one = [&](int64_t k, int64_t b) {
        int64_t v = *reinterpret_cast<const I*>(data[2] + k * strides[2] + b * a.index_stride);
        if (v < 0) v += a.dim_size;  // in range: the front-end checked
        char* dst = data[0] + k * strides[0] + (a.scatter ? v * a.dst_stride : b * a.dst_stride);
        const char* src = data[1] + k * strides[1] + (a.scatter ? b * a.src_stride : v * a.src_stride);
        op(dst, src);
      };
      // Walk the index in its memory order: along dim innermost when dim is the inner one
      // (gather along the last dim). Either order visits one element's writes in dim order.
      if (std::abs(a.index_stride) < std::abs(strides[2])) {
        for (int64_t k = 0; k < n; ++k)
          for (int64_t b = b0; b < b1; ++b) one(k, b);
      } else {
        for (int64_t b = b0; b < b1; ++b)
          for (int64_t k = 0; k < n; ++k) one(k, b);
      }
    };
  };
  const int64_t count = a.count, elements = iter.numel();
  if (!a.scatter && elements < count) {
    // A gather writes each output element once: split the positions along dim when they
    // outnumber the other elements.
    parallel_for(0, count, std::max<int64_t>(1, kGrain / elements),
                 [&](int64_t b0, int64_t b1) { iter.serial_for_each(positions(b0, b1), 0, elements); });
    return;
  }
  // A scatter's writes can meet only along dim: threads split the other dims, and each walks
  // dim in order, so repeated indices resolve the same way every run.
  iter.for_each(positions(0, count), std::max<int64_t>(1, kGrain / std::max<int64_t>(count, 1)));
}
}  // namespace

void gather_scatter(const TensorIter& iter, const GatherScatterArgs& args) {
  if (iter.numel() == 0 || args.count == 0) return;
  dispatch_index_type(iter.dtype(2), "gather", [&](auto itag) {
    using I = typename decltype(itag)::type;
    dispatch_element_op(iter.dtype(0), args.accumulate, args.scatter ? "scatter_add" : "gather",
                        [&](auto op) { gather_scatter_loop<I>(iter, args, op); });
  });
}

}  // namespace ember::cpu_index
