#pragma once
// Device allocators. Storage gets its memory here and returns it through the deleter.
#include <cstddef>

#include "ember/device.h"

namespace ember {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
  virtual void empty_cache() {}
};

Allocator& cpu_allocator();
Allocator& cuda_allocator(int device);  // cuda/runtime, or no_cuda.cpp, which throws
Allocator& allocator_for(Device device);

}  // namespace ember
