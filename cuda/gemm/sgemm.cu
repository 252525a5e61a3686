// Host side of the float32 SIMT GEMM (kernel in sgemm_kernel.cuh): layout and vector checks and
// one launch per chunk of the batch.
#include <cuda_runtime.h>

#include <cstdint>

#include "gemm/gemm_common.cuh"
#include "gemm/sgemm_kernel.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::gemm {

using namespace sgemm_impl;

void launch_sgemm(const Problem& p, cudaStream_t stream, int device) {
  (void)device;
  const Plan plan = make_plan(p, sizeof(float), 4, 4, kBM, kBN);
  EMBER_CHECK(plan.tiles < (int64_t(1) << 31), "matmul: output of ", p.m, "x", p.n, " is too large for one launch");
  const int64_t tiles = plan.tiles;
  const bool a_k = plan.a_k, b_k = plan.b_k, a_vec = plan.a_vec, b_vec = plan.b_vec, c_vec = plan.c_vec;
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
