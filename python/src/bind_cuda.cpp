// ember._C.cuda: the CUDA runtime (ember/cuda.h) for ember.cuda. Streams and events travel as
// integer handles; ember.cuda wraps them in Stream and Event objects. Calls that wait on the GPU
// release the GIL.
#include "common.h"
#include "ember/cuda.h"

namespace ember_py {

void bind_cuda(py::module_ cuda) {
  namespace ec = ember::cuda;
  using py::arg;
  const auto nogil = py::call_guard<py::gil_scoped_release>();
  cuda.def("is_built", &ec::is_built);
  cuda.def("is_available", &ec::is_available);
  cuda.def("device_count", &ec::device_count);
  cuda.def("current_device", &ec::current_device);
  cuda.def("set_device", &ec::set_device, arg("device"));
  cuda.def("synchronize", &ec::synchronize, arg("device"), nogil);
  cuda.def("get_device_properties", [](int device) {
    const ec::DeviceProperties p = ec::get_device_properties(device);
    py::dict d;
    d["name"] = p.name;
    d["major"] = p.major;
    d["minor"] = p.minor;
    d["multi_processor_count"] = p.multi_processor_count;
    d["total_memory"] = p.total_memory;
    d["warp_size"] = p.warp_size;
    d["max_threads_per_block"] = p.max_threads_per_block;
    d["shared_memory_per_block_optin"] = p.shared_memory_per_block_optin;
    d["l2_cache_size"] = p.l2_cache_size;
    return d;
  }, arg("device"));
  cuda.def("mem_get_info", &ec::mem_get_info, arg("device"));
  cuda.def("memory_stats", [](int device) {
    const ec::MemoryStats s = ec::memory_stats(device);
    py::dict d;
    d["allocated"] = s.allocated;
    d["max_allocated"] = s.max_allocated;
    d["reserved"] = s.reserved;
    d["max_reserved"] = s.max_reserved;
    d["num_alloc_retries"] = s.num_alloc_retries;
    d["num_ooms"] = s.num_ooms;
    d["allocation_count"] = s.allocation_count;
    d["free_count"] = s.free_count;
    return d;
  }, arg("device"));
  cuda.def("reset_peak_memory_stats", &ec::reset_peak_memory_stats, arg("device"));
  cuda.def("empty_cache", &ec::empty_cache, nogil);
  cuda.def("stream_create", &ec::stream_create, arg("device"), arg("priority") = 0);
  cuda.def("stream_destroy", &ec::stream_destroy, arg("stream"));
  cuda.def("stream_synchronize", &ec::stream_synchronize, arg("stream"), nogil);
  cuda.def("stream_query", &ec::stream_query, arg("stream"));
  cuda.def("current_stream", &ec::current_stream, arg("device"));
  cuda.def("set_current_stream", &ec::set_current_stream, arg("device"), arg("stream"));
  cuda.def("event_create", &ec::event_create, arg("enable_timing") = false, arg("blocking") = false);
  cuda.def("event_destroy", &ec::event_destroy, arg("event"));
  cuda.def("event_record", &ec::event_record, arg("event"), arg("stream"));
  cuda.def("event_synchronize", &ec::event_synchronize, arg("event"), nogil);
  cuda.def("event_query", &ec::event_query, arg("event"));
  cuda.def("event_elapsed_ms", &ec::event_elapsed_ms, arg("start"), arg("end"));
  cuda.def("stream_wait_event", &ec::stream_wait_event, arg("stream"), arg("event"));
  cuda.def("set_allow_tf32", &ec::set_allow_tf32, arg("allow"));
  cuda.def("allow_tf32", &ec::allow_tf32);
}

}  // namespace ember_py
