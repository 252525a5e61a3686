// Page-locked (pinned) host memory. The GPU's copy engines read and write it directly, so copies
// from and to it run at full bus speed and can be asynchronous (non_blocking=True). Allocating
// it is slow (the pages are locked by the driver), so freed blocks are cached by rounded size.
// A block handed to an asynchronous copy records an event on the copy's stream; the cache hands
// it out again only once that event has completed, so a pending copy never sees its memory
// reused.
#include <map>
#include <mutex>
#include <vector>

#include "core/device_copy.h"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {
size_t round_pow2(size_t n) {
  size_t r = 4096;
  while (r < n) r <<= 1;
  return r;
}

struct HostBlock {
  size_t size = 0;
  bool in_use = false;
  std::vector<cudaEvent_t> pending;  // events of asynchronous copies that may still read/write it
};

class HostCache {
 public:
  void* allocate(size_t nbytes) {
    const size_t size = round_pow2(nbytes == 0 ? 1 : nbytes);
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [ptr, block] : blocks_) {
      if (block.in_use || block.size != size || !drain(block)) continue;
      block.in_use = true;
      return ptr;
    }
    void* ptr = nullptr;
    EMBER_CUDA_CHECK(cudaHostAlloc(&ptr, size, cudaHostAllocDefault), "pin_memory (cudaHostAlloc)");
    HostBlock& b = blocks_[static_cast<char*>(ptr)];
    b.size = size;
    b.in_use = true;
    return ptr;
  }

  void free(void* ptr) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blocks_.find(static_cast<char*>(ptr));
    if (it != blocks_.end()) it->second.in_use = false;
  }

  // The block holding `ptr`, or null.
  HostBlock* find_locked(const void* ptr) {
    auto it = blocks_.upper_bound(static_cast<char*>(const_cast<void*>(ptr)));
    if (it == blocks_.begin()) return nullptr;
    --it;
    const char* p = static_cast<const char*>(ptr);
    return p < it->first + it->second.size ? &it->second : nullptr;
  }

  bool contains(const void* ptr) {
    std::lock_guard<std::mutex> lock(mu_);
    return find_locked(ptr) != nullptr;
  }

  void record_use(const void* ptr, cudaStream_t stream) {
    std::lock_guard<std::mutex> lock(mu_);
    HostBlock* b = find_locked(ptr);
    if (b == nullptr) return;
    cudaEvent_t e = nullptr;
    EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
    EMBER_CUDA_CHECK(cudaEventRecord(e, stream), "cudaEventRecord");
    b->pending.push_back(e);
  }

 private:
  // Drops the completed events of `b`; true when none is left pending.
  static bool drain(HostBlock& b) {
    std::vector<cudaEvent_t> left;
    for (cudaEvent_t e : b.pending) {
      if (cudaEventQuery(e) == cudaSuccess) {
        (void)cudaEventDestroy(e);
      } else {
        (void)cudaGetLastError();
        left.push_back(e);
      }
    }
    b.pending.swap(left);
    return b.pending.empty();
  }

  std::mutex mu_;
  std::map<char*, HostBlock> blocks_;
};

HostCache& host_cache() {
  static HostCache* cache = new HostCache();  // never destroyed: see allocator.cu
  return *cache;
}
}  // namespace

void* alloc_host(size_t nbytes) {
  EMBER_CHECK(is_available(), "pin_memory: no CUDA device is available to pin host memory for");
  return host_cache().allocate(nbytes);
}
void free_host(void* ptr) { host_cache().free(ptr); }
bool is_pinned(const void* ptr) { return is_available() && host_cache().contains(ptr); }
void record_host_use(const void* ptr, cudaStream_t stream) { host_cache().record_use(ptr, stream); }

}  // namespace ember::cuda
