#pragma once
// The pieces of the blocked GEMM (cpu/isa/gemm.cpp) that kernels packing their own B operand
// reuse (cpu/isa/conv_shifted.cpp): per-thread packing buffers, the A micro-panel packing and
// the choice of micro-kernel for a tile's live rows.
#include <algorithm>
#include <cstdlib>
#include <new>

#include "cpu/convert.h"
#include "cpu/isa/gemm_kernel.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace gemm {

// Per-thread scratch, 64-byte aligned so that packed panels start on cache lines; it grows to
// the largest size asked for and is reused by later calls on the same thread.
struct Scratch {
  void* p = nullptr;
  size_t bytes = 0;
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(p); }
  template <typename T> T* get(size_t count) {
    const size_t need = (std::max<size_t>(count, 1) * sizeof(T) + 63) & ~size_t(63);
    if (need > bytes) {
      std::free(p);
      p = std::aligned_alloc(64, need);
      bytes = p ? need : 0;
      if (!p) throw std::bad_alloc();
    }
    return static_cast<T*>(p);
  }
  // Frees a buffer grown past `keep` bytes, so that one big matrix-vector product does not pin
  // its workspace.
  void shrink(size_t keep) {
    if (bytes > keep) {
      std::free(p);
      p = nullptr;
      bytes = 0;
    }
  }
};

// A[0:mr, 0:kc] -> one micro-panel: kc steps of MR values, zero-padded below row mr.
template <typename S, typename T>
void pack_a(int64_t mr, int64_t kc, const S* a, int64_t rs, int64_t cs, T* dst) {
  constexpr int MR = Tile<T>::MR;
  if (rs == 1) {  // columns of A contiguous (a transposed A)
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t i = 0; i < mr; ++i) dst[p * MR + i] = convert<T>(a[p * cs + i]);
  } else {
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t p = 0; p < kc; ++p) dst[p * MR + i] = convert<T>(a[i * rs + p * cs]);
  }
  if (mr < MR)
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t i = mr; i < MR; ++i) dst[p * MR + i] = T(0);
}

// The kernel variant for a tile of mr live rows: the full one, or a shorter one (a third or
// two thirds of MR) for the bottom edge, so short tiles do not pay for padding rows.
template <typename T>
inline void run_kernel(int64_t kc, const T* a, const T* b, T* c, int64_t c_rs, int64_t c_cs, int mr, int nr,
                       T alpha, T beta) {
  constexpr int MR = Tile<T>::MR;
  if (mr > 2 * MR / 3) micro_kernel<T, MR>(kc, a, 0, b, c, c_rs, c_cs, mr, nr, alpha, beta);
  else if (mr > MR / 3) micro_kernel<T, 2 * MR / 3>(kc, a, 0, b, c, c_rs, c_cs, mr, nr, alpha, beta);
  else micro_kernel<T, MR / 3>(kc, a, 0, b, c, c_rs, c_cs, mr, nr, alpha, beta);
}

}  // namespace gemm
EMBER_ISA_NAMESPACE_END
