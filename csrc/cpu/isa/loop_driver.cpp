// The driver of the elementwise loops: parallel chunks of the iteration space, or 2D tiles when
// an input is transposed against the output.
#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "cpu/isa/loops.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace ew {

namespace {
constexpr int64_t kGrain = 32768;  // elements per thread at least
constexpr int64_t kTile = 64;

// fn(begin, end) over [0, n) in pieces of at least `grain` that threads take one after another
// (about eight per thread), so that a thread slowed down by other work on the machine does not
// hold the whole op back, as one equal share per thread would.
template <typename F>
void balanced_for(int64_t n, int64_t grain, const F& fn) {
  const int threads = static_cast<int>(std::min<int64_t>(get_num_threads(), (n + grain - 1) / grain));
  if (threads <= 1 || in_parallel_region()) return fn(0, n);
  const int64_t piece = std::max(grain, (n + 8 * threads - 1) / (8 * threads));
  const int64_t pieces = (n + piece - 1) / piece;
  std::atomic<int64_t> next{0};
  parallel_for(0, threads, 1, [&](int64_t, int64_t) {
    for (int64_t p = next.fetch_add(1, std::memory_order_relaxed); p < pieces;
         p = next.fetch_add(1, std::memory_order_relaxed))
      fn(p * piece, std::min(n, (p + 1) * piece));
  });
}

// True when an input runs along dim 1 while the output runs along dim 0 (a.t() + b): a long
// strided inner loop would touch a new cache line per element and reuse none of them.
bool wants_tiles(const TensorIter& it) {
  if (it.ndim() < 2 || it.size(0) < kTile || it.size(1) < kTile) return false;
  for (int k = 1; k < it.ntensors(); ++k) {
    const int64_t s0 = std::llabs(it.stride(k, 0)), s1 = std::llabs(it.stride(k, 1));
    if (s0 != 0 && s1 != 0 && s1 < s0) return true;
  }
  return false;
}

// Walks dims 0 and 1 in kTile x kTile tiles, so that the cache lines of every operand that a
// tile touches are all used before they are evicted; dims above are a batch. Threads split the
// (batch, row of tiles) pairs.
void tiled(const TensorIter& it, LoopFn fn, const void* ctx) {
  const int nt = it.ntensors(), nd = it.ndim();
  const int64_t n0 = it.size(0), n1 = it.size(1);
  const int64_t rows = (n1 + kTile - 1) / kTile;
  const int64_t batch = it.numel() / (n0 * n1);
  int64_t s0[TensorIter::kMaxOperands], s1[TensorIter::kMaxOperands];
  for (int k = 0; k < nt; ++k) {
    s0[k] = it.stride(k, 0);
    s1[k] = it.stride(k, 1);
  }
  const int64_t grain = std::max<int64_t>(1, kGrain / (n0 * kTile));
  balanced_for(batch * rows, grain, [&](int64_t begin, int64_t end) {
    char* base[TensorIter::kMaxOperands];
    char* ptrs[TensorIter::kMaxOperands];
    for (int64_t w = begin; w < end; ++w) {
      int64_t b = w / rows;
      for (int k = 0; k < nt; ++k) base[k] = it.data(k);
      for (int d = 2; d < nd; ++d) {  // the batch index, innermost first
        const int64_t i = b % it.size(d);
        b /= it.size(d);
        for (int k = 0; k < nt; ++k) base[k] += i * it.stride(k, d);
      }
      const int64_t j0 = (w % rows) * kTile, j1 = std::min(n1, j0 + kTile);
      for (int64_t i0 = 0; i0 < n0; i0 += kTile) {
        const int64_t m = std::min(kTile, n0 - i0);
        for (int64_t j = j0; j < j1; ++j) {
          for (int k = 0; k < nt; ++k) ptrs[k] = base[k] + i0 * s0[k] + j * s1[k];
          fn(ctx, ptrs, s0, m);
        }
      }
    }
  });
}
}  // namespace

void run_loop(const TensorIter& it, LoopFn fn, const void* ctx) {
  if (it.numel() == 0) return;
  if (wants_tiles(it)) return tiled(it, fn, ctx);
  auto loop = [fn, ctx](char** data, const int64_t* strides, int64_t n) { fn(ctx, data, strides, n); };
  balanced_for(it.numel(), kGrain, [&](int64_t begin, int64_t end) { it.serial_for_each(loop, begin, end); });
}

}  // namespace ew
EMBER_ISA_NAMESPACE_END
