#include <atomic>

#include "core/allocator.h"
#include "ember/tensor.h"

namespace ember {

namespace {
std::atomic<uint64_t> g_storage_serial{1};
}  // namespace

Storage::Storage(void* data, size_t nbytes, Device device, Deleter deleter)
    : data_(data), nbytes_(nbytes), device_(device), deleter_(std::move(deleter)),
      serial_(g_storage_serial.fetch_add(1, std::memory_order_relaxed)) {}

uint64_t Storage::next_serial() { return g_storage_serial.load(std::memory_order_relaxed); }

Storage::~Storage() {
  if (deleter_) deleter_(data_);
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  Allocator& alloc = allocator_for(device);
  void* data = alloc.allocate(nbytes);
  return std::make_shared<Storage>(data, nbytes, device,
                                   [&alloc, nbytes](void* p) { alloc.deallocate(p, nbytes); });
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, Device device, Deleter deleter) {
  return std::make_shared<Storage>(data, nbytes, device, std::move(deleter));
}

}  // namespace ember
