// The casting copy kernel: contiguous same-dtype runs are memcpy, everything else converts
// element by element over the iterator's strided runs.
#include <cstring>

#include "cpu/convert.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {
template <typename To, typename From>
void convert_loop(char** data, const int64_t* strides, int64_t n) {
  char* out = data[0];
  const char* in = data[1];
  if (strides[0] == sizeof(To) && strides[1] == sizeof(From)) {
    To* o = reinterpret_cast<To*>(out);
    const From* i = reinterpret_cast<const From*>(in);
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) o[k] = convert<To>(i[k]);
  } else if (strides[0] == sizeof(To) && strides[1] == 0) {
    const To v = convert<To>(*reinterpret_cast<const From*>(in));
    To* o = reinterpret_cast<To*>(out);
    for (int64_t k = 0; k < n; ++k) o[k] = v;
  } else {
    for (int64_t k = 0; k < n; ++k)
      *reinterpret_cast<To*>(out + k * strides[0]) = convert<To>(*reinterpret_cast<const From*>(in + k * strides[1]));
  }
}

void cpu_copy(const TensorIter& iter) {
  const DType to = iter.dtype(0), from = iter.dtype(1);
  if (to == from && iter.inner_contiguous()) {
    const int64_t es = static_cast<int64_t>(dtype_size(to));
    iter.for_each([es](char** data, const int64_t*, int64_t n) { std::memcpy(data[0], data[1], n * es); }, 1 << 18);
    return;
  }
  dispatch_all_and_complex(to, "copy", [&](auto to_tag) {
    using To = typename decltype(to_tag)::type;
    dispatch_all_and_complex(from, "copy", [&](auto from_tag) {
      using From = typename decltype(from_tag)::type;
      iter.for_each(convert_loop<To, From>);
    });
  });
}
}  // namespace

void register_cpu_copy_kernels() { copy_kernel.set(DeviceType::CPU, cpu_copy); }

}  // namespace ember
