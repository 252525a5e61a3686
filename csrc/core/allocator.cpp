#include "core/allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/error.h"
#include "ember/ops.h"

namespace ember {

namespace {
constexpr size_t kAlignment = 64;               // a cache line; also an AVX-512 vector
constexpr size_t kHugePage = size_t(2) << 20;   // transparent huge pages' size
// Buffers from here up get huge pages. A huge page is resident whole once touched, so a buffer
// rounds up to whole ones: below 8 MiB that could add a quarter or more to the resident size
// (a 3.2 MB activation took 4 MiB), above it at most an eighth.
constexpr size_t kHugeMin = size_t(8) << 20;
constexpr size_t kCachedMin = size_t(64) << 10; // buffers from here up are cached
constexpr size_t kCachedStep = size_t(64) << 10; // the size classes below kHugeMin
constexpr size_t kLargest = size_t(1) << 62;     // larger requests fail at once (no address space)

// Buffers of 64 KiB and more are kept after free and handed out again for the same rounded
// size (64 KiB steps below 8 MiB, 2 MiB steps above). A fresh mapping costs a page fault and
// the zeroing of every page on first touch (about 5 ms for 64 MiB here), more than an
// elementwise kernel that fills it; and malloc maps anew every buffer above its mmap
// threshold, which is not always its adaptive default (with PyTorch loaded first, a 1.6 MB
// elementwise result cost 250 page faults per op, 20x the kernel). The cache is bounded:
// EMBER_CPU_CACHE_MB, by default 1 GiB or an eighth of the memory if less; when a freed
// buffer does not fit, the cache is emptied first.
class CpuAllocator final : public Allocator {
 public:
  CpuAllocator() : limit_(cache_limit()) {}

  void* allocate(size_t nbytes) override {
    const bool huge = nbytes >= kHugeMin;
    if (nbytes >= kCachedMin) {
      const size_t rounded = cached_size(nbytes);
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(rounded);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_ -= rounded;
        return p;
      }
    }
    // Never hand out null, even for zero bytes: numpy and DLPack consumers dislike it.
    const size_t align = huge ? kHugePage : kAlignment;
    if (nbytes > kLargest) fail(nbytes, cached_bytes());  // rounding up would wrap
    size_t rounded = nbytes >= kCachedMin ? cached_size(nbytes) : round_up(nbytes, align);
    if (rounded == 0) rounded = kAlignment;
    void* p = std::aligned_alloc(align, rounded);
    if (p == nullptr) {
      // The cached blocks may be the memory that is missing: release them and try once more.
      size_t held;
      {
        std::lock_guard<std::mutex> lock(mu_);
        held = cached_;
        release_locked();
      }
      p = std::aligned_alloc(align, rounded);
      if (p == nullptr) fail(nbytes, held);
    }
#ifdef MADV_HUGEPAGE
    // Fewer page faults on first touch and fewer TLB misses when streaming big tensors.
    if (huge) madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
  }

  void deallocate(void* ptr, size_t nbytes) override {
    if (nbytes >= kCachedMin) {
      const size_t rounded = cached_size(nbytes);
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_ + rounded > limit_) release_locked();
      if (rounded <= limit_) {
        free_[rounded].push_back(ptr);
        cached_ += rounded;
        return;
      }
    }
    std::free(ptr);
  }

  void empty_cache() override {
    std::lock_guard<std::mutex> lock(mu_);
    release_locked();
  }

 private:
  static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }
  static size_t cached_size(size_t n) { return round_up(n, n >= kHugeMin ? kHugePage : kCachedStep); }

  static size_t cache_limit() {
    if (const char* mb = std::getenv("EMBER_CPU_CACHE_MB")) return static_cast<size_t>(std::atoll(mb)) << 20;
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    const size_t eighth = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 8 : 0;
    return std::min<size_t>(size_t(1) << 30, eighth);
  }

  // torch's OutOfMemoryError, with what was asked and what the cache held (a RuntimeError in
  // Python; nothing was allocated, so the process goes on).
  [[noreturn]] static void fail(size_t nbytes, size_t held) {
    EMBER_FAIL(ErrorKind::OutOfMemory, "CPU out of memory: tried to allocate ", mib(nbytes), " (", nbytes,
               " bytes); the allocator's cache held ", mib(held), ", released before retrying");
  }

  static std::string mib(size_t bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1 << 20));
    return buf;
  }

  size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return cached_;
  }

  void release_locked() {
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    cached_ = 0;
  }

  std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
  const size_t limit_;
};
}  // namespace

Allocator& cpu_allocator() {
  // Never destroyed: tensors held by Python objects may outlive static destruction at exit.
  static CpuAllocator* alloc = new CpuAllocator();
  return *alloc;
}

Allocator& allocator_for(Device device) {
  return device.is_cpu() ? cpu_allocator() : cuda_allocator(device.index);
}

void empty_cpu_cache() { cpu_allocator().empty_cache(); }

}  // namespace ember
