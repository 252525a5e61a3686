// The innermost dim of reflect/replicate/circular padding: each row is copied from the input and
// its pad elements are then read from the same row, in one pass. Elements move as raw values of their width, so one loop per width serves
// every dtype.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cpu/parallel.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {
template <typename E>
void pad_edge_loop(const Tensor& t, const Tensor& in, int64_t left, int64_t right, PadEdge mode) {
  const int64_t nd = t.dim();
  const int64_t width = t.shape()[nd - 1], n = width - left - right, cs = t.strides()[nd - 1];
  const int64_t in_cs = in.strides()[nd - 1];
  const int64_t rows = t.numel() / width;
  E* const base = static_cast<E*>(t.data_ptr());
  const E* const in_base = static_cast<const E*>(in.data_ptr());
  parallel_for(0, rows, std::max<int64_t>(1, 32768 / width), [&](int64_t begin, int64_t end) {
    // The multi-index of row `begin` over the outer dims, then carried row by row.
    int64_t idx[64] = {};
    int64_t rem = begin, offset = 0, in_offset = 0;
    for (int64_t d = nd - 2; d >= 0; --d) {
      idx[d] = rem % t.shape()[d];
      rem /= t.shape()[d];
      offset += idx[d] * t.strides()[d];
      in_offset += idx[d] * in.strides()[d];
    }
    for (int64_t row = begin; row < end; ++row) {
      E* p = base + offset;
      const E* src_row = in_base + in_offset;
      if (cs == 1 && in_cs == 1) {
        std::memcpy(p + left, src_row, n * sizeof(E));
      } else {
        for (int64_t j = 0; j < n; ++j) p[(left + j) * cs] = src_row[j * in_cs];
      }
      for (int64_t j = 0; j < left; ++j) {
        const int64_t src = mode == PadEdge::Reflect ? 2 * left - j : mode == PadEdge::Replicate ? left : j + n;
        p[j * cs] = p[src * cs];
      }
      for (int64_t j = 0; j < right; ++j) {
        const int64_t src = mode == PadEdge::Reflect     ? left + n - 2 - j
                            : mode == PadEdge::Replicate ? left + n - 1
                                                         : left + j;
        p[(left + n + j) * cs] = p[src * cs];
      }
      for (int64_t d = nd - 2; d >= 0; --d) {  // next row
        offset += t.strides()[d];
        in_offset += in.strides()[d];
        if (++idx[d] < t.shape()[d]) break;
        offset -= idx[d] * t.strides()[d];
        in_offset -= idx[d] * in.strides()[d];
        idx[d] = 0;
      }
    }
  });
}

void cpu_pad_edge(const Tensor& t, const Tensor& in, int64_t left, int64_t right, PadEdge mode) {
  if (t.numel() == 0) return;
  EMBER_CHECK(t.dim() <= 64, "pad: tensors of more than 64 dims are not supported");
  switch (t.element_size()) {
    case 1: return pad_edge_loop<uint8_t>(t, in, left, right, mode);
    case 2: return pad_edge_loop<uint16_t>(t, in, left, right, mode);
    case 4: return pad_edge_loop<uint32_t>(t, in, left, right, mode);
    case 8: return pad_edge_loop<uint64_t>(t, in, left, right, mode);
    case 16: return pad_edge_loop<std::complex<double>>(t, in, left, right, mode);
    default: EMBER_FAIL(ErrorKind::Type, "pad: unsupported element size ", t.element_size());
  }
}
}  // namespace

void register_cpu_pad_kernels() { pad_edge_kernel.set(DeviceType::CPU, cpu_pad_edge); }

}  // namespace ember
