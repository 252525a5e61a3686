// Host side of the tensor-core GEMM (kernel in mma_kernel.cuh): layout and vector checks, the
// shared-memory opt-in, and one launch per chunk of the batch.
#include <cuda_runtime.h>

#include <cstdint>

#include "gemm/gemm_common.cuh"
#include "gemm/mma_kernel.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::gemm {
namespace {

using namespace mma_impl;

template <typename T> void launch_typed(const Problem& p, cudaStream_t stream) {
  using C = MmaConfig<T>;
  const Plan plan = make_plan(p, sizeof(T), C::kVec, 2, kBM, kBN);
  EMBER_CHECK(plan.tiles < (int64_t(1) << 31), "matmul: output of ", p.m, "x", p.n, " is too large for one launch");
  const int64_t tiles = plan.tiles;
  const bool a_k = plan.a_k, b_k = plan.b_k, a_vec = plan.a_vec, b_vec = plan.b_vec, c_vec = plan.c_vec;
  auto go = [&](auto kernel, int a_elems, int b_elems) {
    const int smem = kStages * (a_elems + b_elems) * static_cast<int>(sizeof(T));
    // Above the 48 KiB default: opt in (per kernel; cheap, but done on each call's first use).
    EMBER_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem),
                     "matmul: cudaFuncSetAttribute");
    for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
      kernel<<<dim3(static_cast<unsigned>(tiles), 1, nz), kThreads, smem, stream>>>(p, z0, a_vec, b_vec, c_vec);
      EMBER_CUDA_LAUNCH_CHECK("matmul");
    });
  };
  constexpr int kK = C::template panel_elems<true>(), kMN = C::template panel_elems<false>();
  if (a_k && b_k) go(mma_gemm_kernel<T, true, true>, kK, kK);
  else if (a_k) go(mma_gemm_kernel<T, true, false>, kK, kMN);
  else if (b_k) go(mma_gemm_kernel<T, false, true>, kMN, kK);
  else go(mma_gemm_kernel<T, false, false>, kMN, kMN);
}

}  // namespace

void launch_mma(DType dtype, const Problem& p, cudaStream_t stream, int device) {
  (void)device;
  switch (dtype) {
    case kFloat16: return launch_typed<Half>(p, stream);
    case kBFloat16: return launch_typed<BFloat16>(p, stream);
    case kFloat32: return launch_typed<float>(p, stream);
    default: EMBER_FAIL(ErrorKind::Runtime, "matmul: no tensor-core kernel for dtype ", dtype_name(dtype), " on CUDA");
  }
}

}  // namespace ember::cuda::gemm
