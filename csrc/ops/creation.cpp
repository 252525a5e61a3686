// Creation functions: fresh storage from the device's allocator, filled by the kernels.
#include <cmath>
#include <cstdint>

#include "core/shape.h"
#include "cpu/convert.h"
#include "dispatch/dispatch.h"
#include "ember/ops.h"

namespace ember {

namespace {
void check_shape(const IntArray& shape, const char* op) {
  for (int64_t s : shape)
    EMBER_CHECK_VALUE(s >= 0, op, ": negative dimension ", s, " in shape ", shape_str(shape));
}
}  // namespace

Tensor empty(const IntArray& shape, TensorOptions options) {
  check_shape(shape, "empty");
  const int64_t n = checked_numel(shape, "empty");
  auto storage = Storage::allocate(checked_nbytes(n, dtype_size(options.dtype_or(kFloat32)), "empty"), options.device_);
  return Tensor::make(std::move(storage), 0, shape, contiguous_strides(shape), options.dtype_or(kFloat32));
}

Tensor empty_strided(const IntArray& shape, const IntArray& strides, TensorOptions options) {
  check_shape(shape, "empty_strided");
  EMBER_CHECK_VALUE(shape.size() == strides.size(), "empty_strided: shape ", shape_str(shape), " and strides ",
                    shape_str(strides), " differ in length");
  int64_t extent = checked_numel(shape, "empty_strided") == 0 ? 0 : 1;
  for (size_t i = 0; i < shape.size() && extent; ++i) {
    EMBER_CHECK_VALUE(strides[i] >= 0, "empty_strided: negative stride ", strides[i]);
    extent = checked_add(extent, checked_mul(shape[i] - 1, strides[i], "empty_strided", "extent"), "empty_strided",
                         "extent");
  }
  const DType dtype = options.dtype_or(kFloat32);
  auto storage = Storage::allocate(checked_nbytes(extent, dtype_size(dtype), "empty_strided"), options.device_);
  return Tensor::make(std::move(storage), 0, shape, strides, dtype);
}

Tensor zeros(const IntArray& shape, TensorOptions options) { return full(shape, 0, options); }
Tensor ones(const IntArray& shape, TensorOptions options) { return full(shape, 1, options); }

Tensor full(const IntArray& shape, const Scalar& value, TensorOptions options) {
  Tensor t = empty(shape, options);
  t.fill_(value);
  return t;
}

Tensor empty_like(const Tensor& t, std::optional<DType> dtype) {
  return empty(t.shape(), TensorOptions(dtype.value_or(t.dtype())).device(t.device()));
}
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) { return full_like(t, 0, dtype); }
Tensor ones_like(const Tensor& t, std::optional<DType> dtype) { return full_like(t, 1, dtype); }
Tensor full_like(const Tensor& t, const Scalar& value, std::optional<DType> dtype) {
  return full(t.shape(), value, TensorOptions(dtype.value_or(t.dtype())).device(t.device()));
}

Tensor scalar_tensor(const Scalar& value, std::optional<DType> dtype, bool wrapped) {
  const DType dt = dtype.value_or(value.is_complex()    ? kComplex128
                                  : value.is_floating() ? kFloat64
                                  : value.is_bool()     ? kBool
                                                        : kInt64);
  Tensor t = empty({}, dt);
  t.fill_(value);
  t.impl()->wrapped_number = wrapped;
  return t;
}

Tensor from_blob(void* data, const IntArray& shape, DType dtype) {
  return from_blob(data, shape, contiguous_strides(shape), dtype);
}

Tensor from_blob(void* data, const IntArray& shape, const IntArray& strides, DType dtype,
                 Storage::Deleter deleter, Device device) {
  check_shape(shape, "from_blob");
  EMBER_CHECK_VALUE(shape.size() == strides.size(), "from_blob: shape ", shape_str(shape), " and strides ",
                    shape_str(strides), " differ in length");
  // The storage spans the elements the view reaches; negative strides reach below `data`.
  // Foreign shapes and strides (DLPack, numpy) are checked: a wrapped reach would map the
  // storage over the wrong memory.
  int64_t lo = 0, hi = 0;
  bool empty_view = false;
  for (int64_t s : shape) empty_view |= s == 0;
  for (size_t i = 0; i < shape.size() && !empty_view; ++i) {
    const int64_t reach = checked_mul(shape[i] - 1, strides[i], "from_blob", "reach of a dim");
    int64_t& end = reach < 0 ? lo : hi;
    end = checked_add(end, reach, "from_blob", "reach of the view");
  }
  const size_t es = dtype_size(dtype);
  const size_t nbytes =
      empty_view ? 0 : checked_nbytes(checked_add(checked_add(hi, -lo, "from_blob", "span"), 1, "from_blob", "span"), es,
                                      "from_blob");
  char* base = static_cast<char*>(data) + lo * static_cast<int64_t>(es);
  Storage::Deleter release = deleter ? Storage::Deleter([deleter, data](void*) { deleter(data); })
                                     : Storage::Deleter(nullptr);
  auto storage = Storage::wrap(base, nbytes, device, std::move(release));
  return Tensor::make(std::move(storage), -lo, shape, strides, dtype);
}

Tensor arange(const Scalar& end, TensorOptions options) { return arange(0, end, 1, options); }

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, TensorOptions options) {
  const bool floating = start.is_floating() || end.is_floating() || step.is_floating();
  const DType dtype = options.dtype_or(floating ? kFloat32 : kInt64);
  const double s = start.to_double(), e = end.to_double(), d = step.to_double();
  EMBER_CHECK_VALUE(d != 0, "arange: step must be nonzero");
  EMBER_CHECK_VALUE(std::isfinite(s) && std::isfinite(e), "arange: unsupported range ", s, " -> ", e);
  EMBER_CHECK_VALUE((d > 0 && e >= s) || (d < 0 && e <= s), "arange: upper bound and larger bound inconsistent with step sign (start ",
                    s, ", end ", e, ", step ", d, ")");
  // Integer ranges count exactly in int64; floating ones like PyTorch, in double.
  // The count is formed wide (128-bit, or long double) and must fit int64: a wrapped or
  // undefined conversion would make a wrong tensor.
  int64_t n;
  if (!floating) {
    const __int128 is = start.to_int64(), ie = end.to_int64(), id = step.to_int64();
    const __int128 count = id > 0 ? (ie - is + id - 1) / id : (is - ie - id - 1) / (-id);
    EMBER_CHECK_SHAPE(count <= INT64_MAX, "arange: the range ", start.to_int64(), " -> ", end.to_int64(), " by ",
                      step.to_int64(), " has more elements than int64 can count");
    n = static_cast<int64_t>(count);
  } else {
    const long double count = std::ceil((static_cast<long double>(e) - s) / d);
    EMBER_CHECK_SHAPE(count < 9.2e18L, "arange: the range ", s, " -> ", e, " by ", d,
                      " has more elements than int64 can count");
    n = static_cast<int64_t>(count);
  }
  Tensor host = empty({n}, TensorOptions(dtype));
  dispatch_numeric(dtype, "arange", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = host.data_ptr<T>();
    if (!floating) {
      const int64_t is = start.to_int64(), id = step.to_int64();
      for (int64_t i = 0; i < n; ++i) p[i] = convert<T>(is + i * id);
    } else {
      for (int64_t i = 0; i < n; ++i) p[i] = convert<T>(s + static_cast<double>(i) * d);
    }
  });
  return host.to(options.device_);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  EMBER_CHECK_VALUE(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  // Computed in double on the host, then converted: exact ends, symmetric rounding like PyTorch.
  Tensor out = empty({steps}, TensorOptions(kFloat64));
  double* p = out.data_ptr<double>();
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  const int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; ++i)
    p[i] = i < half ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i);
  if (steps == 1) p[0] = start;
  return out.to(options.dtype_or(kFloat32)).to(options.device_);
}

Tensor eye(int64_t n, std::optional<int64_t> m, TensorOptions options) {
  const int64_t cols = m.value_or(n);
  EMBER_CHECK_VALUE(n >= 0 && cols >= 0, "eye: n and m must be non-negative, got ", n, " and ", cols);
  Tensor out = zeros({n, cols}, options);
  if (n > 0 && cols > 0) out.diagonal().fill_(1);
  return out;
}

}  // namespace ember
