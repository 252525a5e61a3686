// CUDA nll_loss and its backward (the contract is in dispatch/kernels.h). Targets are checked
// first: a kernel records the first flat position holding a target outside [0, c) that is not
// ignore_index (an atomicMin on an integer, so the answer does not depend on scheduling), the
// host reads it back and raises IndexError as the CPU does, before anything is written. Then a
// thread per (n, s) gathers (forward) or scatters (backward) its one element; no two (n, s)
// write the same element.
#include <type_traits>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "runtime/check.h"
#include "runtime/runtime.h"

namespace ember::cuda {
namespace {

__global__ void nll_check(const int64_t* target, const int64_t count, const int64_t c, const int64_t ignore_index,
                          unsigned long long* first_bad) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t t = target[i];
    if (t != ignore_index && (t < 0 || t >= c)) atomicMin(first_bad, static_cast<unsigned long long>(i));
  }
}

// Raises IndexError for the first out-of-range target, if any (synchronizes with the stream).
void check_targets(const NllLossArgs& a, int dev, cudaStream_t stream, const char* op) {
  const int64_t count = a.n * a.s;
  if (count == 0) return;
  Workspace flag(sizeof(unsigned long long), dev);
  EMBER_CUDA_CHECK(cudaMemsetAsync(flag.get(), 0xff, sizeof(unsigned long long), stream), op);
  nll_check<<<grid_for(count, 256, dev), 256, 0, stream>>>(a.target, count, a.c, a.ignore_index,
                                                           flag.as<unsigned long long>());
  EMBER_CUDA_LAUNCH_CHECK(op);
  unsigned long long bad = 0;
  EMBER_CUDA_CHECK(cudaMemcpyAsync(&bad, flag.get(), sizeof(bad), cudaMemcpyDeviceToHost, stream), op);
  EMBER_CUDA_CHECK(cudaStreamSynchronize(stream), op);
  if (bad == ~0ull) return;
  int64_t t = 0;
  EMBER_CUDA_CHECK(cudaMemcpy(&t, a.target + bad, sizeof(t), cudaMemcpyDeviceToHost), op);
  EMBER_CHECK_INDEX(false, "nll_loss: target ", t, " is out of bounds for ", a.c, " classes (at flat position ",
                    static_cast<int64_t>(bad), " of the target)");
}

template <typename T>
using acc_of = std::conditional_t<std::is_same_v<T, double>, double, float>;

template <typename T>
__global__ void nll_forward(const NllLossArgs a, const T* input, T* loss, T* counted) {
  using Acc = acc_of<T>;
  const T* weight = static_cast<const T*>(a.weight);
  const int64_t count = a.n * a.s;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t t = a.target[i];
    if (t == a.ignore_index) {
      loss[i] = T(0.0f);
      counted[i] = T(0.0f);
      continue;
    }
    const int64_t n = i / a.s, s = i - n * a.s;
    const Acc w = weight ? static_cast<Acc>(weight[t]) : Acc(1);
    loss[i] = static_cast<T>(-w * static_cast<Acc>(input[(n * a.c + t) * a.s + s]));
    counted[i] = static_cast<T>(w);
  }
}

template <typename T>
__global__ void nll_backward(const NllLossArgs a, const T* grad, T* grad_input) {
  using Acc = acc_of<T>;
  const T* weight = static_cast<const T*>(a.weight);
  const int64_t count = a.n * a.s;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t t = a.target[i];
    if (t == a.ignore_index) continue;
    const int64_t n = i / a.s, s = i - n * a.s;
    const Acc w = weight ? static_cast<Acc>(weight[t]) : Acc(1);
    grad_input[(n * a.c + t) * a.s + s] = static_cast<T>(-w * static_cast<Acc>(grad[i]));
  }
}

// The device of the target buffer (the arguments carry raw pointers only).
int device_of(const void* p, const char* op) {
  cudaPointerAttributes attr{};
  EMBER_CUDA_CHECK(cudaPointerGetAttributes(&attr, p), op);
  EMBER_CHECK(attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged, op,
              ": the CUDA kernel expects the target in device memory");
  return attr.device;
}

void cuda_nll_loss(const NllLossArgs& a, const void* input, void* loss, void* counted) {
  const int64_t count = a.n * a.s;
  if (count == 0) return;
  const int dev = device_of(a.target, "nll_loss");
  cudaStream_t stream = stream_for(dev);
  check_targets(a, dev, stream, "nll_loss");
  dispatch_floating(a.dtype, "nll_loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    nll_forward<T><<<grid_for(count, 256, dev), 256, 0, stream>>>(a, static_cast<const T*>(input), static_cast<T*>(loss),
                                                                 static_cast<T*>(counted));
    EMBER_CUDA_LAUNCH_CHECK("nll_loss");
  });
}

void cuda_nll_loss_backward(const NllLossArgs& a, const void* grad, void* grad_input) {
  const int64_t count = a.n * a.s;
  if (count == 0) return;
  const int dev = device_of(a.target, "nll_loss_backward");
  cudaStream_t stream = stream_for(dev);
  check_targets(a, dev, stream, "nll_loss_backward");
  dispatch_floating(a.dtype, "nll_loss_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    nll_backward<T><<<grid_for(count, 256, dev), 256, 0, stream>>>(a, static_cast<const T*>(grad),
                                                                  static_cast<T*>(grad_input));
    EMBER_CUDA_LAUNCH_CHECK("nll_loss_backward");
  });
}
}  // namespace

void register_loss_kernels() {
  nll_loss_kernel.set(DeviceType::CUDA, cuda_nll_loss);
  nll_loss_backward_kernel.set(DeviceType::CUDA, cuda_nll_loss_backward);
}

}  // namespace ember::cuda
