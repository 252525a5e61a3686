// tril/triu: copy the kept part of each row of the last two dims and zero the rest. Values are
// moved as raw elements of their size (a zero of every dtype is all-zero bits), so one loop per
// element width serves all ten dtypes.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cpu/parallel.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {
template <typename E>  // an unsigned integer of the element's width
void triangular_loop(const Tensor& out, const Tensor& in, int64_t diagonal, bool upper) {
  const int64_t nd = out.dim();
  const int64_t rows = out.shape()[nd - 2], cols = out.shape()[nd - 1];
  if (out.numel() == 0) return;
  const int64_t batch = out.numel() / (rows * cols);
  const int64_t o_rs = out.strides()[nd - 2], o_cs = out.strides()[nd - 1];
  const int64_t i_rs = in.strides()[nd - 2], i_cs = in.strides()[nd - 1];
  E* const o_base = static_cast<E*>(out.data_ptr());
  const E* const i_base = static_cast<const E*>(in.data_ptr());
  // Element offsets of batch b (the leading dims, outermost first).
  auto batch_offset = [&](const Tensor& t, int64_t b) {
    int64_t off = 0;
    for (int64_t d = nd - 3; d >= 0; --d) {
      const int64_t size = t.shape()[d];
      off += (b % size) * t.strides()[d];
      b /= size;
    }
    return off;
  };
  const int64_t total_rows = batch * rows;
  parallel_for(0, total_rows, std::max<int64_t>(1, 32768 / cols), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / rows, i = r % rows;
      E* o = o_base + batch_offset(out, b) + i * o_rs;
      const E* src = i_base + batch_offset(in, b) + i * i_rs;
      // Columns [lo, hi) are kept: j <= i + diagonal (lower) or j >= i + diagonal (upper).
      const int64_t edge = i + diagonal;
      const int64_t lo = upper ? std::clamp<int64_t>(edge, 0, cols) : 0;
      const int64_t hi = upper ? cols : std::clamp<int64_t>(edge + 1, 0, cols);
      if (o_cs == 1 && i_cs == 1) {  // contiguous rows: block moves
        std::memset(o, 0, lo * sizeof(E));
        if (o != src && hi > lo) std::memmove(o + lo, src + lo, (hi - lo) * sizeof(E));
        std::memset(o + hi, 0, (cols - hi) * sizeof(E));
        continue;
      }
      for (int64_t j = 0; j < lo; ++j) o[j * o_cs] = E(0);
      if (o != src || o_cs != i_cs)
        for (int64_t j = lo; j < hi; ++j) o[j * o_cs] = src[j * i_cs];
      for (int64_t j = hi; j < cols; ++j) o[j * o_cs] = E(0);
    }
  });
}

void cpu_triangular(const Tensor& out, const Tensor& in, int64_t diagonal, bool upper) {
  switch (out.element_size()) {
    case 1: return triangular_loop<uint8_t>(out, in, diagonal, upper);
    case 2: return triangular_loop<uint16_t>(out, in, diagonal, upper);
    case 4: return triangular_loop<uint32_t>(out, in, diagonal, upper);
    case 8: return triangular_loop<uint64_t>(out, in, diagonal, upper);
    case 16: return triangular_loop<std::complex<double>>(out, in, diagonal, upper);
    default: EMBER_FAIL(ErrorKind::Type, "tril/triu: unsupported element size ", out.element_size());
  }
}
}  // namespace

void register_cpu_triangular_kernels() { triangular_kernel.set(DeviceType::CPU, cpu_triangular); }

}  // namespace ember
