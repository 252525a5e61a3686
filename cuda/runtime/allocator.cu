// The caching device allocator. cudaMalloc and cudaFree are slow (cudaFree synchronizes the
// device), so memory is taken from the driver in segments and kept: a freed block returns to a
// pool and serves the next request of a fitting size on the same stream.
//
// - Sizes are rounded to 512 bytes. Requests up to 1 MiB come from a small pool of 2 MiB
//   segments; larger ones from a large pool of 20 MiB segments (requests under 10 MiB) or
//   segments of their own size rounded to 2 MiB.
// - A request takes the smallest free block of its pool and stream that fits (best fit) and
//   splits off the rest when what remains is worth keeping (>= 512 bytes small, > 1 MiB large).
// - A freed block merges with its free neighbours of the same segment.
// - Blocks are reused only on the stream they were allocated on: work queued on one stream runs
//   in order, so a block freed by the host is safe to hand to the next kernel on that stream.
// - When cudaMalloc fails, cached segments that hold no live block are returned to the driver
//   and the request is retried once; then an OutOfMemoryError says how much was asked for,
//   allocated and reserved.
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/allocator.h"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {
constexpr size_t kRound = 512;
constexpr size_t kSmallRequest = size_t(1) << 20;
constexpr size_t kSmallSegment = size_t(2) << 20;
constexpr size_t kMidRequest = size_t(10) << 20;
constexpr size_t kLargeSegment = size_t(20) << 20;
constexpr size_t kSegmentRound = size_t(2) << 20;

size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

struct Block {
  cudaStream_t stream = nullptr;
  size_t size = 0;
  char* ptr = nullptr;
  bool allocated = false;
  bool small = false;
  Block* prev = nullptr;  // neighbours in the same segment (address order)
  Block* next = nullptr;
};

struct BlockOrder {
  bool operator()(const Block* a, const Block* b) const {
    return std::make_tuple(reinterpret_cast<uintptr_t>(a->stream), a->size, reinterpret_cast<uintptr_t>(a->ptr)) <
           std::make_tuple(reinterpret_cast<uintptr_t>(b->stream), b->size, reinterpret_cast<uintptr_t>(b->ptr));
  }
};
using Pool = std::set<Block*, BlockOrder>;

std::string mib(int64_t bytes) {
  return detail::str_cat(static_cast<double>(bytes) / double(1 << 20), " MiB");
}

class DeviceCache {
 public:
  explicit DeviceCache(int device) : device_(device) {}

  void* allocate(size_t nbytes) {
    const size_t size = round_up(nbytes == 0 ? 1 : nbytes, kRound);
    cudaStream_t stream = stream_for(device_);
    std::lock_guard<std::mutex> lock(mu_);
    const bool small = size <= kSmallRequest;
    Pool& pool = small ? small_ : large_;
    Block* block = take_free(pool, stream, size);
    if (block == nullptr) block = new_segment(size, small, stream, nbytes);
    split(block, size, pool);
    block->allocated = true;
    live_[block->ptr] = block;
    stats_.allocated += static_cast<int64_t>(block->size);
    stats_.max_allocated = std::max(stats_.max_allocated, stats_.allocated);
    ++stats_.allocation_count;
    return block->ptr;
  }

  void deallocate(void* ptr) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;  // never ours: nothing to do (cannot throw from a deleter)
    Block* block = it->second;
    live_.erase(it);
    block->allocated = false;
    stats_.allocated -= static_cast<int64_t>(block->size);
    ++stats_.free_count;
    Pool& pool = block->small ? small_ : large_;
    block = merge(block, block->prev, pool);
    block = merge(block, block->next, pool);
    pool.insert(block);
  }

  // Returns every segment that holds no live block to the driver.
  void release_free_segments() {
    for (Pool* pool : {&small_, &large_}) {
      for (auto it = pool->begin(); it != pool->end();) {
        Block* b = *it;
        if (b->prev == nullptr && b->next == nullptr) {
          (void)cudaFree(b->ptr);
          stats_.reserved -= static_cast<int64_t>(b->size);
          delete b;
          it = pool->erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    DeviceGuard guard(device_);
    (void)cudaDeviceSynchronize();  // cudaFree would synchronize anyway
    release_free_segments();
  }

  MemoryStats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  void reset_peaks() {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.max_allocated = stats_.allocated;
    stats_.max_reserved = stats_.reserved;
  }

 private:
  Block* take_free(Pool& pool, cudaStream_t stream, size_t size) {
    Block key;
    key.stream = stream;
    key.size = size;
    auto it = pool.lower_bound(&key);
    if (it == pool.end() || (*it)->stream != stream) return nullptr;
    Block* b = *it;
    pool.erase(it);
    return b;
  }

  Block* new_segment(size_t size, bool small, cudaStream_t stream, size_t asked) {
    const size_t seg = small ? kSmallSegment : (size < kMidRequest ? kLargeSegment : round_up(size, kSegmentRound));
    void* ptr = nullptr;
    DeviceGuard guard(device_);
    cudaError_t err = cudaMalloc(&ptr, seg);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      ++stats_.num_alloc_retries;
      (void)cudaDeviceSynchronize();
      release_free_segments();
      err = cudaMalloc(&ptr, seg);
    }
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      ++stats_.num_ooms;
      size_t free_bytes = 0, total_bytes = 0;
      (void)cudaMemGetInfo(&free_bytes, &total_bytes);
      (void)cudaGetLastError();
      EMBER_FAIL(ErrorKind::OutOfMemory, "CUDA out of memory. Tried to allocate ", mib(static_cast<int64_t>(asked)),
                 " on cuda:", device_, " (the device has ", mib(static_cast<int64_t>(total_bytes)), " in all, ",
                 mib(static_cast<int64_t>(free_bytes)), " free); ember holds ", mib(stats_.allocated),
                 " in tensors and has reserved ", mib(stats_.reserved), " in all");
    }
    EMBER_CUDA_CHECK(err, "cudaMalloc");
    stats_.reserved += static_cast<int64_t>(seg);
    stats_.max_reserved = std::max(stats_.max_reserved, stats_.reserved);
    Block* b = new Block;
    b->stream = stream;
    b->size = seg;
    b->ptr = static_cast<char*>(ptr);
    b->small = small;
    return b;
  }

  // Splits `block` (not in any pool) so it holds `size` bytes; the rest goes to `pool`.
  static void split(Block* block, size_t size, Pool& pool) {
    const size_t rest = block->size - size;
    if (block->small ? rest < kRound : rest <= kSmallRequest) return;
    Block* tail = new Block;
    tail->stream = block->stream;
    tail->size = rest;
    tail->ptr = block->ptr + size;
    tail->small = block->small;
    tail->prev = block;
    tail->next = block->next;
    if (block->next) block->next->prev = tail;
    block->next = tail;
    block->size = size;
    pool.insert(tail);
  }

  // Folds the free neighbour `other` (if it is one) into `block`; returns the merged block.
  static Block* merge(Block* block, Block* other, Pool& pool) {
    if (other == nullptr || other->allocated) return block;
    pool.erase(other);
    if (other == block->prev) std::swap(block, other);  // `block` is now the lower address
    block->size += other->size;
    block->next = other->next;
    if (other->next) other->next->prev = block;
    delete other;
    return block;
  }

  const int device_;
  std::mutex mu_;
  Pool small_, large_;
  std::unordered_map<void*, Block*> live_;
  MemoryStats stats_;
};

DeviceCache& cache(int device) {
  // Never destroyed: tensors held by Python objects may be freed during interpreter exit.
  static std::vector<DeviceCache*>* caches = [] {
    auto* v = new std::vector<DeviceCache*>();
    for (int d = 0; d < device_count(); ++d) v->push_back(new DeviceCache(d));
    return v;
  }();
  EMBER_CHECK(device >= 0 && device < static_cast<int>(caches->size()), "cuda: invalid device index ", device,
              " (", caches->size(), " CUDA devices present)");
  return *(*caches)[device];
}

class CudaAllocator final : public Allocator {
 public:
  explicit CudaAllocator(int device) : device_(device) {}
  void* allocate(size_t nbytes) override { return cache(device_).allocate(nbytes); }
  void deallocate(void* ptr, size_t) override { cache(device_).deallocate(ptr); }
  void empty_cache() override { cache(device_).empty_cache(); }

 private:
  int device_;
};
}  // namespace

MemoryStats memory_stats(int device) { return cache(device).stats(); }
void reset_peak_memory_stats(int device) { cache(device).reset_peaks(); }
void empty_cache() {
  for (int d = 0; d < device_count(); ++d) cache(d).empty_cache();
}

Workspace::Workspace(size_t nbytes, int device) : nbytes_(nbytes), device_(device) {
  ptr_ = cache(device).allocate(nbytes);
}
Workspace::~Workspace() { cache(device_).deallocate(ptr_); }

}  // namespace ember::cuda

namespace ember {
Allocator& cuda_allocator(int device) {
  EMBER_CHECK(cuda::is_available(), "CUDA error: no CUDA-capable device is available (ember.cuda.is_available() ",
              "is False): cannot allocate a tensor on cuda:", device);
  static std::vector<cuda::CudaAllocator*>* allocators = [] {
    auto* v = new std::vector<cuda::CudaAllocator*>();
    for (int d = 0; d < cuda::device_count(); ++d) v->push_back(new cuda::CudaAllocator(d));
    return v;
  }();
  EMBER_CHECK_INDEX(device >= 0 && device < static_cast<int>(allocators->size()), "cuda: invalid device index ",
                    device, " (", allocators->size(), " CUDA device", allocators->size() == 1 ? "" : "s", " present)");
  return *(*allocators)[device];
}
}  // namespace ember
