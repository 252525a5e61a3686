#include "cpu/parallel.h"

#include <atomic>

namespace ember {

namespace {
std::atomic<int> g_num_threads{0};  // 0: not chosen yet, use OpenMP's default
}

int get_num_threads() {
  int n = g_num_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = std::max(1, omp_get_max_threads());
    g_num_threads.store(n, std::memory_order_relaxed);
  }
  return n;
}

void set_num_threads(int n) { g_num_threads.store(std::max(1, n), std::memory_order_relaxed); }

bool in_parallel_region() { return omp_in_parallel(); }

}  // namespace ember
