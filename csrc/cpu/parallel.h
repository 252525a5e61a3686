#pragma once
// The one threading helper. Work smaller than `grain` stays on the calling thread.
#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "ember/api.h"

namespace ember {

// Also declared in <ember/ops.h>, the public face.
EMBER_API int get_num_threads();
EMBER_API void set_num_threads(int n);
bool in_parallel_region();

// Calls fn(chunk_begin, chunk_end) over [begin, end) split into one contiguous chunk per thread.
template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& fn) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  const int64_t max_chunks = grain > 0 ? (n + grain - 1) / grain : n;
  const int threads = static_cast<int>(std::min<int64_t>(get_num_threads(), max_chunks));
  if (threads <= 1 || in_parallel_region()) {
    fn(begin, end);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t tid = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t chunk = (n + nt - 1) / nt;
    const int64_t b = begin + tid * chunk, e = std::min(end, b + chunk);
    if (b < e) fn(b, e);
  }
}

}  // namespace ember
