#pragma once
// What the CUDA GEMM kernels share: the problem as a kernel argument (one batch entry's
// operands, plus the batch index space that moves their bases), the per-block batch decode,
// and the host-side launchers each kernel file defines (gemm.cu picks one of them).
#include <cuda_runtime.h>

#include <cstdint>

#include "dispatch/kernels.h"

namespace ember::cuda::gemm {

// The problem after the host has simplified the batch (size-1 dims dropped, mergeable dims
// merged, a broadcast operand folded into M or N where possible). Strides are in elements; the
// pointers are typed by the kernel that reads them.
struct Problem {
  int64_t m = 0, n = 0, k = 0;
  double alpha = 1, beta = 0;
  const void* a = nullptr;
  int64_t a_rs = 0, a_cs = 0;
  const void* b = nullptr;
  int64_t b_rs = 0, b_cs = 0;
  void* c = nullptr;
  int64_t c_rs = 0, c_cs = 0;
  int batch_ndim = 0;      // dims of the batch, outermost first
  int64_t batch = 1;       // their product (>= 1)
  int64_t batch_sizes[GemmArgs::kMaxBatchDims] = {};
  int64_t a_bs[GemmArgs::kMaxBatchDims] = {}, b_bs[GemmArgs::kMaxBatchDims] = {}, c_bs[GemmArgs::kMaxBatchDims] = {};
};

struct BatchOffsets {
  int64_t a, b, c;
};

// Operand offsets (in elements) of flat batch entry `bi`, innermost dim fastest.
__device__ __forceinline__ BatchOffsets batch_offsets(const Problem& p, int64_t bi) {
  BatchOffsets o{0, 0, 0};
  for (int d = p.batch_ndim - 1; d >= 0; --d) {
    const int64_t size = p.batch_sizes[d];
    const int64_t idx = bi % size;
    bi /= size;
    o.a += idx * p.a_bs[d];
    o.b += idx * p.b_bs[d];
    o.c += idx * p.c_bs[d];
  }
  return o;
}

// Block tile of linear block id `id` in a grid of tiles_m x tiles_n tiles, grouped along M by
// `group` tiles so that consecutive blocks share panels of A and B in L2.
__device__ __forceinline__ void tile_coords(int64_t id, int64_t tiles_m, int64_t tiles_n, int group, int64_t& tm,
                                            int64_t& tn) {
  const int64_t per_group = int64_t(group) * tiles_n;
  const int64_t g = id / per_group;
  const int64_t first_m = g * group;
  const int64_t rows = tiles_m - first_m < group ? tiles_m - first_m : group;
  const int64_t r = id % per_group;
  tm = first_m + r % rows;
  tn = r / rows;
}

// Host side: whether an operand can be read as aligned `vec_elems`-wide vectors along its unit
// stride dim: the unit stride itself, the other stride and every batch stride multiples of the
// vector, and the base aligned.
bool vector_ok(const void* base, size_t elem_size, int64_t unit_stride, int64_t other_stride, const int64_t* batch_strides,
               int batch_ndim, int vec_elems);

// The launchers (all on `stream`; each checks its launch).
void launch_sgemm(const Problem& p, cudaStream_t stream, int device);                 // float32, SIMT
void launch_mma(DType dtype, const Problem& p, cudaStream_t stream, int device);      // f16, bf16, tf32
void launch_simple(DType dtype, const Problem& p, cudaStream_t stream, int device);   // every dtype

// Grid z covers the batch, at most 65535 entries a launch: f(first entry, entries) per launch.
// (A loop over the batch inside the kernels would cost the SIMT kernel its register budget.)
template <typename F> void for_each_batch_chunk(int64_t batch, F&& f) {
  constexpr int64_t kMaxZ = 65535;
  for (int64_t z0 = 0; z0 < batch; z0 += kMaxZ) f(z0, static_cast<unsigned>(batch - z0 < kMaxZ ? batch - z0 : kMaxZ));
}

}  // namespace ember::cuda::gemm
