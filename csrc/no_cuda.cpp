// What a build without the CUDA backend links: CUDA is "not built", device queries say so, and
// asking for a CUDA tensor raises a RuntimeError naming the way to get one.
#include "core/allocator.h"
#include "core/device_copy.h"
#include "ember/cuda.h"
#include "ember/device.h"
#include "ember/error.h"

namespace ember {
namespace cuda {
namespace {
[[noreturn]] void not_built(const char* what) {
  EMBER_FAIL(ErrorKind::Runtime, what, ": ember was not built with CUDA (rebuild with nvcc present, ",
             "-DEMBER_CUDA=ON)");
}
}  // namespace

bool is_built() { return false; }
bool is_available() { return false; }
int device_count() { return 0; }
int current_device() { not_built("ember.cuda.current_device"); }
void set_device(int) { not_built("ember.cuda.set_device"); }
void synchronize(int) { not_built("ember.cuda.synchronize"); }
DeviceProperties get_device_properties(int) { not_built("ember.cuda.get_device_properties"); }
std::pair<int64_t, int64_t> mem_get_info(int) { not_built("ember.cuda.mem_get_info"); }
MemoryStats memory_stats(int) { not_built("ember.cuda.memory_stats"); }
void reset_peak_memory_stats(int) { not_built("ember.cuda.reset_peak_memory_stats"); }
void empty_cache() {}
StreamHandle stream_create(int, int) { not_built("ember.cuda.Stream"); }
void stream_destroy(StreamHandle) {}
void stream_synchronize(StreamHandle) { not_built("ember.cuda.Stream.synchronize"); }
bool stream_query(StreamHandle) { not_built("ember.cuda.Stream.query"); }
StreamHandle current_stream(int) { not_built("ember.cuda.current_stream"); }
void set_current_stream(int, StreamHandle) { not_built("ember.cuda.set_stream"); }
EventHandle event_create(bool, bool) { not_built("ember.cuda.Event"); }
void event_destroy(EventHandle) {}
void event_record(EventHandle, StreamHandle) { not_built("ember.cuda.Event.record"); }
void event_synchronize(EventHandle) { not_built("ember.cuda.Event.synchronize"); }
bool event_query(EventHandle) { not_built("ember.cuda.Event.query"); }
float event_elapsed_ms(EventHandle, EventHandle) { not_built("ember.cuda.Event.elapsed_time"); }
void stream_wait_event(StreamHandle, EventHandle) { not_built("ember.cuda.Stream.wait_event"); }
void* alloc_host(size_t) { not_built("pin_memory"); }
void free_host(void*) {}
bool is_pinned(const void*) { return false; }
}  // namespace cuda

Allocator& cuda_allocator(int) {
  EMBER_FAIL(ErrorKind::Runtime,
             "ember was not built with CUDA: CUDA tensors are not available in this build "
             "(rebuild with nvcc present and -DEMBER_CUDA=ON)");
}

void copy_across_devices(const Tensor&, const Tensor&, bool) { cuda::not_built("copy to cuda"); }
std::shared_ptr<Storage> pinned_storage(size_t) { cuda::not_built("pin_memory"); }
bool is_pinned_pointer(const void*) { return false; }

void register_cuda_kernels() {}  // nothing to register without the backend
}  // namespace ember
