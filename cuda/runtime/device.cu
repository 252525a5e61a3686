// Devices: discovery (a machine without a GPU or driver answers "none", it does not throw), the
// current device, cached properties, and the per-thread current stream of each device.
#include <mutex>
#include <vector>

#include "runtime/runtime.h"

namespace ember::cuda {

namespace {
constexpr int kMaxDevices = 64;

int query_device_count() {
  int n = 0;
  // No driver, no device, or an insufficient driver all mean "no CUDA device here".
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return n < kMaxDevices ? n : kMaxDevices;
}

// The device each thread last made current through ensure_device (-1: not known yet).
thread_local int t_current_device = -1;
// Each thread's current stream per device (0: the legacy default stream).
thread_local cudaStream_t t_current_stream[kMaxDevices] = {};

void check_index(int device, const char* what) {
  const int n = device_count();
  EMBER_CHECK(n > 0, what, ": no CUDA device is available (ember.cuda.is_available() is False)");
  EMBER_CHECK_INDEX(device >= 0 && device < n, what, ": invalid CUDA device index ", device, " (", n,
                    " device", n == 1 ? "" : "s", " present)");
}
}  // namespace

bool is_built() { return true; }

int device_count() {
  static const int n = query_device_count();
  return n;
}

bool is_available() { return device_count() > 0; }

void ensure_device(int device) {
  if (t_current_device == device) return;
  check_index(device, "cuda");
  EMBER_CUDA_CHECK(cudaSetDevice(device), "cudaSetDevice");
  t_current_device = device;
}

int current_device() {
  if (t_current_device >= 0) return t_current_device;
  EMBER_CHECK(is_available(), "ember.cuda.current_device: no CUDA device is available");
  int d = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&d), "cudaGetDevice");
  t_current_device = d;
  return d;
}

void set_device(int device) { ensure_device(device); }

void synchronize(int device) {
  DeviceGuard guard(device);
  EMBER_CUDA_CHECK(cudaDeviceSynchronize(), "ember.cuda.synchronize");
}

DeviceGuard::DeviceGuard(int device) : previous_(current_device()) { ensure_device(device); }
DeviceGuard::~DeviceGuard() {
  if (previous_ != t_current_device && cudaSetDevice(previous_) == cudaSuccess) t_current_device = previous_;
}

const cudaDeviceProp& properties(int device) {
  static std::once_flag once[kMaxDevices];
  static cudaDeviceProp props[kMaxDevices];
  check_index(device, "cuda properties");
  std::call_once(once[device], [device] {
    EMBER_CUDA_CHECK(cudaGetDeviceProperties(&props[device], device), "cudaGetDeviceProperties");
  });
  return props[device];
}

DeviceProperties get_device_properties(int device) {
  const cudaDeviceProp& p = properties(device);
  DeviceProperties out;
  out.name = p.name;
  out.major = p.major;
  out.minor = p.minor;
  out.multi_processor_count = p.multiProcessorCount;
  out.total_memory = static_cast<int64_t>(p.totalGlobalMem);
  out.warp_size = p.warpSize;
  out.max_threads_per_block = p.maxThreadsPerBlock;
  out.shared_memory_per_block_optin = static_cast<int64_t>(p.sharedMemPerBlockOptin);
  out.l2_cache_size = p.l2CacheSize;
  return out;
}

std::pair<int64_t, int64_t> mem_get_info(int device) {
  DeviceGuard guard(device);
  size_t free_bytes = 0, total_bytes = 0;
  EMBER_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes), "ember.cuda.mem_get_info");
  return {static_cast<int64_t>(free_bytes), static_cast<int64_t>(total_bytes)};
}

cudaStream_t stream_for(int device) {
  ensure_device(device);
  return t_current_stream[device];
}
cudaStream_t stream_for(Device device) { return stream_for(device.index); }

StreamHandle current_stream(int device) {
  check_index(device, "ember.cuda.current_stream");
  return reinterpret_cast<StreamHandle>(t_current_stream[device]);
}

void set_current_stream(int device, StreamHandle stream) {
  check_index(device, "ember.cuda.set_stream");
  t_current_stream[device] = reinterpret_cast<cudaStream_t>(stream);
}

}  // namespace ember::cuda
