// Copies between devices. Each side's dtype conversion, broadcast and strided gather or scatter
// run on the device that holds the data (the CPU's or the GPU's copy kernel); only dense bytes
// cross the bus, in one cudaMemcpyAsync on the current stream of the CUDA side.
#include "core/device_copy.h"
#include "ember/ops.h"
#include "runtime/runtime.h"

namespace ember {

namespace {
bool dense_same_shape(const Tensor& dst, const Tensor& src) {
  return dst.is_contiguous() && src.is_contiguous() && dst.shape() == src.shape() && dst.dtype() == src.dtype();
}

void host_to_device(const Tensor& dst, const Tensor& src, bool non_blocking) {
  // On the host: convert, broadcast and pack into dst's dtype and shape.
  Tensor s = src.to(dst.dtype());
  if (s.shape() != dst.shape()) s = s.expand(dst.shape());
  s = s.contiguous();
  const size_t nbytes = static_cast<size_t>(s.numel()) * s.element_size();
  cudaStream_t stream = cuda::stream_for(dst.device());
  Tensor target = dst.is_contiguous() ? dst : empty(dst.shape(), TensorOptions(dst.dtype()).device(dst.device()));
  // From pageable memory the call returns once the bytes are staged, so `s` may die right after.
  EMBER_CUDA_CHECK(cudaMemcpyAsync(target.data_ptr(), s.data_ptr(), nbytes, cudaMemcpyHostToDevice, stream),
                   "copy to cuda (cudaMemcpyAsync)");
  if (cuda::is_pinned(s.data_ptr())) {
    cuda::record_host_use(s.data_ptr(), stream);
    if (!non_blocking) EMBER_CUDA_CHECK(cudaStreamSynchronize(stream), "copy to cuda");
  }
  if (target.impl() != dst.impl()) Tensor(dst).copy_(target);
}

void device_to_host(const Tensor& dst, const Tensor& src, bool non_blocking) {
  // On the device: convert and pack; the host side broadcasts and scatters into dst's strides.
  const Tensor s = src.to(dst.dtype()).contiguous();
  const size_t nbytes = static_cast<size_t>(s.numel()) * s.element_size();
  cudaStream_t stream = cuda::stream_for(src.device());
  const bool direct = dense_same_shape(dst, s);
  Tensor target = direct ? dst : empty(s.shape(), TensorOptions(s.dtype()));
  EMBER_CUDA_CHECK(cudaMemcpyAsync(target.data_ptr(), s.data_ptr(), nbytes, cudaMemcpyDeviceToHost, stream),
                   "copy to cpu (cudaMemcpyAsync)");
  const bool pinned = cuda::is_pinned(target.data_ptr());
  if (pinned) cuda::record_host_use(target.data_ptr(), stream);
  if (!(direct && pinned && non_blocking)) EMBER_CUDA_CHECK(cudaStreamSynchronize(stream), "copy to cpu");
  if (!direct) Tensor(dst).copy_(target);
}

void device_to_device(const Tensor& dst, const Tensor& src) {
  Tensor s = src.to(dst.dtype());
  if (s.shape() != dst.shape()) s = s.expand(dst.shape());
  s = s.contiguous();
  // The source device's queued work (which produced `s`) must finish before the peer copy reads it.
  EMBER_CUDA_CHECK(cudaStreamSynchronize(cuda::stream_for(src.device())), "copy between cuda devices");
  Tensor target = dst.is_contiguous() ? dst : empty(dst.shape(), TensorOptions(dst.dtype()).device(dst.device()));
  cudaStream_t stream = cuda::stream_for(dst.device());
  const size_t nbytes = static_cast<size_t>(s.numel()) * s.element_size();
  EMBER_CUDA_CHECK(cudaMemcpyPeerAsync(target.data_ptr(), dst.device().index, s.data_ptr(), src.device().index, nbytes,
                                       stream),
                   "copy between cuda devices (cudaMemcpyPeerAsync)");
  if (target.impl() != dst.impl()) Tensor(dst).copy_(target);
}
}  // namespace

void copy_across_devices(const Tensor& dst, const Tensor& src, bool non_blocking) {
  if (dst.numel() == 0) return;
  if (dst.device().is_cuda() && src.device().is_cpu()) return host_to_device(dst, src, non_blocking);
  if (dst.device().is_cpu() && src.device().is_cuda()) return device_to_host(dst, src, non_blocking);
  return device_to_device(dst, src);
}

std::shared_ptr<Storage> pinned_storage(size_t nbytes) {
  void* p = cuda::alloc_host(nbytes);
  return Storage::wrap(p, nbytes, Device(kCPU), [](void* q) { cuda::free_host(q); });
}

bool is_pinned_pointer(const void* ptr) { return cuda::is_pinned(ptr); }

}  // namespace ember
