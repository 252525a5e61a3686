// The CUDA elementwise family: where and clamp here, copy, unary, binary and activations in
// the other files of this folder, and the registration of all of them. Every kernel runs the
// CPU kernels' scalar functors (cpu/isa/functors.h, activation_functors.h, compiled for the
// device), through the launcher in loops.cuh.
#include "elementwise/functors.cuh"
#include "elementwise/kernels.h"

namespace ember::cuda::ew {

// out = cond ? a : b on raw bits: only the element size matters.
void where_cuda(const TensorIter& iter) {
  switch (dtype_size(iter.dtype(0))) {
    case 1: return launch<uint8_t, bool, uint8_t, 3>(iter, TernaryMath<uint8_t, bool, uint8_t, fn::Select<uint8_t>>{}, "where");
    case 2: return launch<uint16_t, bool, uint16_t, 3>(iter, TernaryMath<uint16_t, bool, uint16_t, fn::Select<uint16_t>>{}, "where");
    case 4: return launch<uint32_t, bool, uint32_t, 3>(iter, TernaryMath<uint32_t, bool, uint32_t, fn::Select<uint32_t>>{}, "where");
    default: return launch<uint64_t, bool, uint64_t, 3>(iter, TernaryMath<uint64_t, bool, uint64_t, fn::Select<uint64_t>>{}, "where");
  }
}

// One bound is maximum or minimum; both are the ternary clamp (NaN propagates; max wins when
// min > max).
void clamp_cuda(const TensorIter& iter, bool has_min, bool has_max) {
  dispatch_numeric(iter.dtype(1), "clamp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = opmath_t<T>;
    if (has_min && has_max) launch<T, T, T, 3>(iter, TernaryMath<T, T, T, fn::Clamp<C>>{}, "clamp");
    else if (has_min) launch<T, T, T, 2>(iter, BinaryMath<T, T, fn::Maximum<C>>{}, "clamp");
    else launch<T, T, T, 2>(iter, BinaryMath<T, T, fn::Minimum<C>>{}, "clamp");
  });
}

}  // namespace ember::cuda::ew

namespace ember::cuda {
void register_elementwise_kernels() {
  copy_kernel.set(DeviceType::CUDA, ew::copy_cuda);
  unary_kernel.set(DeviceType::CUDA, ew::unary_cuda);
  binary_kernel.set(DeviceType::CUDA, ew::binary_cuda);
  where_kernel.set(DeviceType::CUDA, ew::where_cuda);
  clamp_kernel.set(DeviceType::CUDA, ew::clamp_cuda);
  activation_kernel.set(DeviceType::CUDA, ew::activation_cuda);
  activation_backward_kernel.set(DeviceType::CUDA, ew::activation_backward_cuda);
}
}  // namespace ember::cuda
