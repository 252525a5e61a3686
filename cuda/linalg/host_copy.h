#pragma once
// Host round trips for the kernels that run on the CPU's code (linalg, CTC, unique): copies of
// contiguous tensors and raw buffers between a CUDA device and the host, queued on the device's
// current stream and waited for, so the host code sees finished data.
#include <cstddef>
#include <cstdint>

#include "ember/ops.h"
#include "ember/tensor.h"
#include "runtime/runtime.h"

namespace ember::cuda::host_io {

// Host <- device, `nbytes` from `src` on `device`; returns after the copy is done.
inline void copy_to_host(void* dst, const void* src, size_t nbytes, int device, const char* op) {
  if (nbytes == 0) return;
  cudaStream_t s = stream_for(device);
  EMBER_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, s), op);
  EMBER_CUDA_CHECK(cudaStreamSynchronize(s), op);
}
// Device <- host; waits too, so the host buffer may be freed right after.
inline void copy_to_device(void* dst, const void* src, size_t nbytes, int device, const char* op) {
  if (nbytes == 0) return;
  cudaStream_t s = stream_for(device);
  EMBER_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, s), op);
  EMBER_CUDA_CHECK(cudaStreamSynchronize(s), op);
}

inline size_t tensor_bytes(const Tensor& t) { return static_cast<size_t>(t.numel()) * t.element_size(); }

// A contiguous CPU copy of `t` (a CUDA tensor, made contiguous on its device first if needed;
// a CPU tensor is returned contiguous as it is).
inline Tensor host_copy(const Tensor& t, const char* op) {
  if (!t.defined()) return t;
  if (t.device().is_cpu()) return t.contiguous();
  const Tensor src = t.contiguous();
  Tensor h = empty(src.shape(), TensorOptions(src.dtype()));
  copy_to_host(h.data_ptr(), src.data_ptr(), tensor_bytes(src), src.device().index, op);
  return h;
}

// The contiguous CUDA tensor `dst` <- the contiguous CPU tensor `h` of the same size and dtype.
inline void copy_back(const Tensor& dst, const Tensor& h, const char* op) {
  EMBER_CHECK(dst.is_contiguous() && h.numel() == dst.numel() && h.dtype() == dst.dtype(), op,
              ": internal error copying a host result back to ", dst.device().str());
  copy_to_device(dst.data_ptr(), h.data_ptr(), tensor_bytes(h), dst.device().index, op);
}

// A new CUDA tensor on `device` holding the CPU tensor `h`.
inline Tensor device_copy(const Tensor& h, Device device, const char* op) {
  Tensor d = empty(h.shape(), TensorOptions(h.dtype()).device(device));
  copy_to_device(d.data_ptr(), h.contiguous().data_ptr(), tensor_bytes(h), device.index, op);
  return d;
}

}  // namespace ember::cuda::host_io
