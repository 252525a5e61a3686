#pragma once
// The CUDA runtime as ember exposes it: devices, streams, events and the caching allocator's
// statistics. A build without the backend links no_cuda.cpp instead: is_built() is false,
// is_available() is false, and every other call throws a RuntimeError saying so.
//
// Streams and events are opaque handles (a cudaStream_t / cudaEvent_t as an integer), so this
// header needs no CUDA headers. Stream handle 0 is the device's default (legacy) stream.
#include <cstdint>
#include <string>
#include <utility>

#include "ember/api.h"
#include "ember/device.h"

namespace ember::cuda {

EMBER_API int current_device();
EMBER_API void set_device(int device);
// Waits for all work queued on the device.
EMBER_API void synchronize(int device);

struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0;
  int multi_processor_count = 0;
  int64_t total_memory = 0;
  int warp_size = 32;
  int max_threads_per_block = 0;
  int64_t shared_memory_per_block_optin = 0;
  int64_t l2_cache_size = 0;
};
EMBER_API DeviceProperties get_device_properties(int device);
// (free, total) bytes of the device, as the driver counts them (cudaMemGetInfo).
EMBER_API std::pair<int64_t, int64_t> mem_get_info(int device);

// ---- the caching allocator ----
struct MemoryStats {
  int64_t allocated = 0, max_allocated = 0;  // bytes in live tensors
  int64_t reserved = 0, max_reserved = 0;    // bytes held from the driver (live + cached)
  int64_t num_alloc_retries = 0, num_ooms = 0;
  int64_t allocation_count = 0, free_count = 0;
};
EMBER_API MemoryStats memory_stats(int device);
EMBER_API void reset_peak_memory_stats(int device);
// Gives cached blocks that hold no tensor back to the driver.
EMBER_API void empty_cache();

// ---- streams ----
using StreamHandle = uintptr_t;
EMBER_API StreamHandle stream_create(int device, int priority);
EMBER_API void stream_destroy(StreamHandle stream);
EMBER_API void stream_synchronize(StreamHandle stream);
EMBER_API bool stream_query(StreamHandle stream);  // true when all its work is done
// The stream this thread queues work on for `device` (0 until set).
EMBER_API StreamHandle current_stream(int device);
EMBER_API void set_current_stream(int device, StreamHandle stream);

// ---- events ----
using EventHandle = uintptr_t;
EMBER_API EventHandle event_create(bool enable_timing, bool blocking);
EMBER_API void event_destroy(EventHandle event);
EMBER_API void event_record(EventHandle event, StreamHandle stream);
EMBER_API void event_synchronize(EventHandle event);
EMBER_API bool event_query(EventHandle event);
EMBER_API float event_elapsed_ms(EventHandle start, EventHandle end);
EMBER_API void stream_wait_event(StreamHandle stream, EventHandle event);

// ---- page-locked host memory (fast and asynchronous host <-> device copies) ----
// Allocates `nbytes` of pinned host memory from a cache; free_host returns it.
EMBER_API void* alloc_host(size_t nbytes);
EMBER_API void free_host(void* ptr);
EMBER_API bool is_pinned(const void* ptr);

// float32 matmuls and convolutions may use TF32 tensor cores (torch.backends.cuda.matmul.
// allow_tf32; off by default, as in PyTorch). Kept in the core, so both builds have it.
EMBER_API void set_allow_tf32(bool allow);
EMBER_API bool allow_tf32();

}  // namespace ember::cuda
