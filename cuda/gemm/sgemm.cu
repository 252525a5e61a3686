// Host side of the float32 SIMT GEMM (kernel in sgemm_kernel.cuh): layout and vector checks and
// one launch per chunk of the batch.
#include <cuda_runtime.h>

#include <cstdint>

#include "gemm/gemm_common.cuh"
#include "gemm/sgemm_kernel.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::gemm {
namespace {

using namespace sgemm_impl;

int64_t iabs(int64_t v) { return v < 0 ? -v : v; }

}  // namespace

void launch_sgemm(const Problem& p, cudaStream_t stream, int device) {
  (void)device;
  const int64_t tiles = ((p.m + kBM - 1) / kBM) * ((p.n + kBN - 1) / kBN);
  EMBER_CHECK(tiles < (int64_t(1) << 31), "matmul: output of ", p.m, "x", p.n, " is too large for one launch");
  // Each operand is read along the dim of its smaller stride; vectors need a unit stride there.
  const bool a_k = iabs(p.a_cs) <= iabs(p.a_rs), b_k = iabs(p.b_rs) <= iabs(p.b_cs);
  const bool a_vec = a_k ? vector_ok(p.a, 4, p.a_cs, p.a_rs, p.a_bs, p.batch_ndim, 4)
                         : vector_ok(p.a, 4, p.a_rs, p.a_cs, p.a_bs, p.batch_ndim, 4);
  const bool b_vec = b_k ? vector_ok(p.b, 4, p.b_rs, p.b_cs, p.b_bs, p.batch_ndim, 4)
                         : vector_ok(p.b, 4, p.b_cs, p.b_rs, p.b_bs, p.batch_ndim, 4);
  const bool c_vec = vector_ok(p.c, 4, p.c_cs, p.c_rs, p.c_bs, p.batch_ndim, 4);
  auto go = [&](auto kernel) {
    for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
      kernel<<<dim3(static_cast<unsigned>(tiles), 1, nz), kThreads, 0, stream>>>(p, z0, a_vec, b_vec, c_vec);
      EMBER_CUDA_LAUNCH_CHECK("matmul");
    });
  };
  if (a_k && b_k) go(sgemm_kernel<true, true>);
  else if (a_k) go(sgemm_kernel<true, false>);
  else if (b_k) go(sgemm_kernel<false, true>);
  else go(sgemm_kernel<false, false>);
}

}  // namespace ember::cuda::gemm
