// Host side of the float32 SIMT GEMM (kernel in sgemm_kernel.cuh): layout and vector checks and
// one launch per chunk of the batch.
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "gemm/gemm_common.cuh"
#include "gemm/sgemm_kernel.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::gemm {

using namespace sgemm_impl;

void launch_sgemm(const Problem& p, cudaStream_t stream, int device) {
  Plan plan = make_plan(p, sizeof(float), 4, 4, kBM, kBN);
  // Fewer 128x128 tiles than two blocks an SM, or at most 64 rows: 64-row tiles, twice as many
  // blocks or half the padding (their A panels take 2-element vectors).
  const bool small = p.m <= kBMSmall || double(plan.tiles) * double(p.batch) < 2.0 * sm_count(device);
  if (small) {
    const Plan p64 = make_plan(p, sizeof(float), 2, 4, kBMSmall, kBN);
    plan.tiles = p64.tiles;
    plan.a_vec = p64.a_vec;
  }
  EMBER_CHECK(plan.tiles < (int64_t(1) << 31), "matmul: output of ", p.m, "x", p.n, " is too large for one launch");
  auto go = [&](auto kernel) {
    for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
      kernel<<<dim3(static_cast<unsigned>(plan.tiles), 1, nz), kThreads, 0, stream>>>(p, z0, plan.a_vec, plan.b_vec,
                                                                                       plan.c_vec);
      EMBER_CUDA_LAUNCH_CHECK("matmul");
    });
  };
  auto pick = [&](auto tm) {
    constexpr int kTM = decltype(tm)::value;
    if (plan.a_k && plan.b_k) go(sgemm_kernel<kTM, true, true>);
    else if (plan.a_k) go(sgemm_kernel<kTM, true, false>);
    else if (plan.b_k) go(sgemm_kernel<kTM, false, true>);
    else go(sgemm_kernel<kTM, false, false>);
  };
  if (small) pick(std::integral_constant<int, kBMSmall>{});
  else pick(std::integral_constant<int, kBM>{});
}

}  // namespace ember::cuda::gemm
