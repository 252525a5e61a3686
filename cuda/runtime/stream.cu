// Streams and events as integer handles for the Python layer (ember.cuda.Stream / Event).
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {
cudaStream_t as_stream(StreamHandle h) { return reinterpret_cast<cudaStream_t>(h); }
cudaEvent_t as_event(EventHandle h) {
  EMBER_CHECK(h != 0, "ember.cuda.Event: the event was destroyed");
  return reinterpret_cast<cudaEvent_t>(h);
}
}  // namespace

StreamHandle stream_create(int device, int priority) {
  DeviceGuard guard(device);
  int least = 0, greatest = 0;  // CUDA's priorities: lower numbers run first
  EMBER_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest), "cudaDeviceGetStreamPriorityRange");
  if (priority < greatest) priority = greatest;
  if (priority > least) priority = least;
  cudaStream_t s = nullptr;
  EMBER_CUDA_CHECK(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, priority), "ember.cuda.Stream");
  return reinterpret_cast<StreamHandle>(s);
}

void stream_destroy(StreamHandle stream) {
  if (stream != 0) EMBER_CUDA_CHECK(cudaStreamDestroy(as_stream(stream)), "cudaStreamDestroy");
}

void stream_synchronize(StreamHandle stream) {
  EMBER_CUDA_CHECK(cudaStreamSynchronize(as_stream(stream)), "ember.cuda.Stream.synchronize");
}

bool stream_query(StreamHandle stream) {
  const cudaError_t err = cudaStreamQuery(as_stream(stream));
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  EMBER_CUDA_CHECK(err, "ember.cuda.Stream.query");
  return true;
}

EventHandle event_create(bool enable_timing, bool blocking) {
  unsigned flags = enable_timing ? cudaEventDefault : cudaEventDisableTiming;
  if (blocking) flags |= cudaEventBlockingSync;
  cudaEvent_t e = nullptr;
  EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&e, flags), "ember.cuda.Event");
  return reinterpret_cast<EventHandle>(e);
}

void event_destroy(EventHandle event) {
  if (event != 0) EMBER_CUDA_CHECK(cudaEventDestroy(as_event(event)), "cudaEventDestroy");
}

void event_record(EventHandle event, StreamHandle stream) {
  EMBER_CUDA_CHECK(cudaEventRecord(as_event(event), as_stream(stream)), "ember.cuda.Event.record");
}

void event_synchronize(EventHandle event) {
  EMBER_CUDA_CHECK(cudaEventSynchronize(as_event(event)), "ember.cuda.Event.synchronize");
}

bool event_query(EventHandle event) {
  const cudaError_t err = cudaEventQuery(as_event(event));
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  EMBER_CUDA_CHECK(err, "ember.cuda.Event.query");
  return true;
}

float event_elapsed_ms(EventHandle start, EventHandle end) {
  float ms = 0;
  EMBER_CUDA_CHECK(cudaEventElapsedTime(&ms, as_event(start), as_event(end)), "ember.cuda.Event.elapsed_time");
  return ms;
}

void stream_wait_event(StreamHandle stream, EventHandle event) {
  EMBER_CUDA_CHECK(cudaStreamWaitEvent(as_stream(stream), as_event(event), 0), "ember.cuda.Stream.wait_event");
}

}  // namespace ember::cuda
