// cumsum / cumprod along one dim, compiled once per ISA. The tensor is seen as a set of lines
// along the dim; the iterator over the other dims hands out runs of lines. Neighbouring lines
// (a dim that is not the innermost) are scanned together, vectorized across lines; a line that
// is itself contiguous is scanned on its own.
#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_ops.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {
// Floats accumulate in float64 (like PyTorch's CPU accumulate type); int64 wraps.
template <typename T, bool kProd>
struct Scan {
  static constexpr bool kFloat = reduce::is_float_v<T>;
  using acc_t = std::conditional_t<kFloat, double, uint64_t>;
  static acc_t value(T x) {
    if constexpr (kFloat) return static_cast<double>(reduce::opval(x));
    else return reduce::to_u64(x);
  }
  static acc_t identity() { return kProd ? 1 : 0; }
  static acc_t step(acc_t a, T x) { return kProd ? a * value(x) : a + value(x); }
  static T result(acc_t a) {
    if constexpr (kFloat) return convert<T>(a);
    else return static_cast<T>(a);
  }
};

// lines: number of lines; data/strides: their bases and the byte step between neighbours;
// len: the scanned dim's size; ods/ids: its byte strides in out and in.
template <typename T, bool kProd>
void scan_lines(char** data, const int64_t* strides, int64_t lines, int64_t len, int64_t ods, int64_t ids) {
  using S = Scan<T, kProd>;
  using A = typename S::acc_t;
  constexpr int64_t es = sizeof(T);
  if (lines > 1 && strides[0] == es && strides[1] == es) {
    constexpr int64_t kCols = 256;
    A acc[kCols];
    for (int64_t j0 = 0; j0 < lines; j0 += kCols) {
      const int64_t w = std::min(kCols, lines - j0);
      for (int64_t j = 0; j < w; ++j) acc[j] = S::identity();
      for (int64_t i = 0; i < len; ++i) {
        const T* x = reinterpret_cast<const T*>(data[1] + i * ids) + j0;
        T* y = reinterpret_cast<T*>(data[0] + i * ods) + j0;
        for (int64_t j = 0; j < w; ++j) {
          acc[j] = S::step(acc[j], x[j]);
          y[j] = S::result(acc[j]);
        }
      }
    }
    return;
  }
  for (int64_t j = 0; j < lines; ++j) {
    const char* x = data[1] + j * strides[1];
    char* y = data[0] + j * strides[0];
    A acc = S::identity();
    for (int64_t i = 0; i < len; ++i) {
      acc = S::step(acc, *reinterpret_cast<const T*>(x + i * ids));
      *reinterpret_cast<T*>(y + i * ods) = S::result(acc);
    }
  }
}

template <typename T>
void scan_typed(const Tensor& out, const Tensor& in, int64_t dim, bool prod) {
  const int64_t len = in.size(dim);
  const int64_t ods = out.stride(dim) * static_cast<int64_t>(sizeof(T));
  const int64_t ids = in.stride(dim) * static_cast<int64_t>(sizeof(T));
  const Tensor out0 = out.select(dim, 0), in0 = in.select(dim, 0);
  const TensorIter iter = TensorIter::elementwise(out0, {in0});
  const int64_t grain = std::max<int64_t>(1, 32768 / len);
  iter.for_each(
      [&](char** data, const int64_t* strides, int64_t n) {
        if (prod) scan_lines<T, true>(data, strides, n, len, ods, ids);
        else scan_lines<T, false>(data, strides, n, len, ods, ids);
      },
      grain);
}

void cpu_scan(const Tensor& out, const Tensor& in, int64_t dim, ScanOp op) {
  const bool prod = op == ScanOp::Prod;
  const char* name = prod ? "cumprod" : "cumsum";
  if (in.dtype() == kInt64) return scan_typed<int64_t>(out, in, dim, prod);
  dispatch_floating(in.dtype(), name, [&](auto tag) { scan_typed<typename decltype(tag)::type>(out, in, dim, prod); });
}
}  // namespace

void register_scan_kernels() { scan_kernel.set(DeviceType::CPU, cpu_scan); }

EMBER_ISA_NAMESPACE_END
