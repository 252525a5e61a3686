#pragma once
// Copies between devices (host <-> CUDA, CUDA <-> CUDA). Tensor::copy_ calls it when the
// source and destination live on different devices; cuda/runtime/copy.cu implements it, and a
// build without CUDA links no_cuda.cpp's, which says CUDA is not built.
#include "ember/tensor.h"

namespace ember {

// dst <- src converted to dst's dtype and broadcast to its shape (Tensor::copy_'s checks done).
// non_blocking: a copy from or to pinned host memory returns before it completes.
void copy_across_devices(const Tensor& dst, const Tensor& src, bool non_blocking);

// Pinned host memory for Tensor::pin_memory (a storage whose deleter returns it to the cache).
std::shared_ptr<Storage> pinned_storage(size_t nbytes);
bool is_pinned_pointer(const void* ptr);

}  // namespace ember

#if defined(__CUDACC__)
#include <cuda_runtime.h>
namespace ember::cuda {
// Marks pinned memory at `ptr` as in use by an asynchronous copy on `stream`.
void record_host_use(const void* ptr, cudaStream_t stream);
}  // namespace ember::cuda
#endif
