#pragma once
// What kernel files need from the runtime: the device to run on, its stream, its properties,
// and temporary device memory. Kernels run on the current stream of the operands' device:
//   cudaStream_t s = ember::cuda::stream_for(out.device());   // also makes it the current device
//   my_kernel<<<grid, block, 0, s>>>(...);
//   EMBER_CUDA_LAUNCH_CHECK("my_op");
#include <cuda_runtime.h>

#include <cstddef>

#include "ember/cuda.h"
#include "ember/device.h"
#include "runtime/check.h"

namespace ember::cuda {

// Makes `device` the calling thread's current device (a no-op when it already is).
void ensure_device(int device);
// The calling thread's current stream on `device` (the legacy default stream unless a Stream
// context set another), after making `device` current.
cudaStream_t stream_for(Device device);
cudaStream_t stream_for(int device);

// Cached device properties (queried once per device).
const cudaDeviceProp& properties(int device);
inline int sm_count(int device) { return properties(device).multiProcessorCount; }

// Sets the current device for a scope and restores the previous one.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_;
};

// Temporary device memory from the caching allocator, returned when it goes out of scope. The
// allocator is stream-ordered, so a kernel queued on the same stream may still be using it when
// the scope ends: the next user of the block is queued after it.
class Workspace {
 public:
  Workspace(size_t nbytes, int device);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  void* get() const { return ptr_; }
  template <typename T> T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_ = nullptr;
  size_t nbytes_ = 0;
  int device_ = 0;
};

// Blocks per grid for `n` items at `per_block` items per block, capped at what keeps every SM
// busy several times over (grid-stride loops cover the rest).
inline unsigned grid_for(long long n, int per_block, int device) {
  const long long blocks = (n + per_block - 1) / per_block;
  const long long cap = static_cast<long long>(sm_count(device)) * 32;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks < cap ? blocks : cap));
}

}  // namespace ember::cuda
