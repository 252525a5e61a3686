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

// ---- host side ----

// Whether an operand can be read as aligned `vec_elems`-wide vectors along its unit stride dim:
// the unit stride itself, the other stride and every batch stride multiples of the vector, and
// the base aligned.
inline bool vector_ok(const void* base, size_t elem_size, int64_t unit_stride, int64_t other_stride,
                      const int64_t* batch_strides, int batch_ndim, int vec_elems) {
  if (unit_stride != 1) return false;
  if (reinterpret_cast<uintptr_t>(base) % (elem_size * vec_elems) != 0) return false;
  if (other_stride % vec_elems != 0) return false;
  for (int d = 0; d < batch_ndim; ++d)
    if (batch_strides[d] % vec_elems != 0) return false;
  return true;
}

// How a tiled kernel reads the operands: each along the dim of its smaller stride (a_k: A along
// K, b_k: B along K), with vectors where vector_ok allows; C in pairs/quads where it allows.
struct Plan {
  bool a_k, b_k, a_vec, b_vec, c_vec;
  int64_t tiles;  // block tiles of one batch entry
};
inline Plan make_plan(const Problem& p, size_t elem_size, int vec, int c_vec, int tile_m, int tile_n) {
  const auto iabs = [](int64_t v) { return v < 0 ? -v : v; };
  Plan r;
  r.a_k = iabs(p.a_cs) <= iabs(p.a_rs);
  r.b_k = iabs(p.b_rs) <= iabs(p.b_cs);
  r.a_vec = r.a_k ? vector_ok(p.a, elem_size, p.a_cs, p.a_rs, p.a_bs, p.batch_ndim, vec)
                  : vector_ok(p.a, elem_size, p.a_rs, p.a_cs, p.a_bs, p.batch_ndim, vec);
  r.b_vec = r.b_k ? vector_ok(p.b, elem_size, p.b_rs, p.b_cs, p.b_bs, p.batch_ndim, vec)
                  : vector_ok(p.b, elem_size, p.b_cs, p.b_rs, p.b_bs, p.batch_ndim, vec);
  r.c_vec = vector_ok(p.c, elem_size, p.c_cs, p.c_rs, p.c_bs, p.batch_ndim, c_vec);
  r.tiles = ((p.m + tile_m - 1) / tile_m) * ((p.n + tile_n - 1) / tile_n);
  return r;
}

// GemmArgs -> Problem with a simpler batch. Returns false when there is nothing to compute.
inline bool simplify(const GemmArgs& g, Problem& p) {
  p.m = g.m;
  p.n = g.n;
  p.k = g.k;
  p.alpha = g.alpha;
  p.beta = g.beta;
  p.a = g.a;
  p.a_rs = g.a_rs;
  p.a_cs = g.a_cs;
  p.b = g.b;
  p.b_rs = g.b_rs;
  p.b_cs = g.b_cs;
  p.c = g.c;
  p.c_rs = g.c_rs;
  p.c_cs = g.c_cs;
  if (g.m == 0 || g.n == 0) return false;
  int nd = 0;
  for (int d = 0; d < g.batch_ndim; ++d) {
    const int64_t size = g.batch_sizes[d];
    if (size == 0) return false;
    if (size == 1) continue;
    // Merge into the previous (outer) dim when the pair walks memory as one dim for all three.
    if (nd > 0 && p.a_bs[nd - 1] == g.a_bs[d] * size && p.b_bs[nd - 1] == g.b_bs[d] * size &&
        p.c_bs[nd - 1] == g.c_bs[d] * size) {
      p.batch_sizes[nd - 1] *= size;
      p.a_bs[nd - 1] = g.a_bs[d];
      p.b_bs[nd - 1] = g.b_bs[d];
      p.c_bs[nd - 1] = g.c_bs[d];
      continue;
    }
    p.batch_sizes[nd] = size;
    p.a_bs[nd] = g.a_bs[d];
    p.b_bs[nd] = g.b_bs[d];
    p.c_bs[nd] = g.c_bs[d];
    ++nd;
  }
  p.batch_ndim = nd;
  // One batch dim over a shared B whose A and C entries are consecutive row blocks: one taller
  // product (and likewise a shared A with consecutive column blocks of B and C: a wider one).
  if (nd == 1 && p.b_bs[0] == 0 && p.a_bs[0] == p.m * p.a_rs && p.c_bs[0] == p.m * p.c_rs) {
    p.m *= p.batch_sizes[0];
    p.batch_ndim = 0;
  } else if (nd == 1 && p.a_bs[0] == 0 && p.b_bs[0] == p.n * p.b_cs && p.c_bs[0] == p.n * p.c_cs) {
    p.n *= p.batch_sizes[0];
    p.batch_ndim = 0;
  }
  p.batch = 1;
  for (int d = 0; d < p.batch_ndim; ++d) p.batch *= p.batch_sizes[d];
  return true;
}

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
