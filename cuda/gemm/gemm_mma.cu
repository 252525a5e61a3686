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

int64_t iabs(int64_t v) { return v < 0 ? -v : v; }

template <typename T> void launch_typed(const Problem& p, cudaStream_t stream) {
  using C = MmaConfig<T>;
  const int64_t tiles = ((p.m + kBM - 1) / kBM) * ((p.n + kBN - 1) / kBN);
  EMBER_CHECK(tiles < (int64_t(1) << 31), "matmul: output of ", p.m, "x", p.n, " is too large for one launch");
  const bool a_k = iabs(p.a_cs) <= iabs(p.a_rs), b_k = iabs(p.b_rs) <= iabs(p.b_cs);
  const bool a_vec = a_k ? vector_ok(p.a, sizeof(T), p.a_cs, p.a_rs, p.a_bs, p.batch_ndim, C::kVec)
                         : vector_ok(p.a, sizeof(T), p.a_rs, p.a_cs, p.a_bs, p.batch_ndim, C::kVec);
  const bool b_vec = b_k ? vector_ok(p.b, sizeof(T), p.b_rs, p.b_cs, p.b_bs, p.batch_ndim, C::kVec)
                         : vector_ok(p.b, sizeof(T), p.b_cs, p.b_rs, p.b_bs, p.batch_ndim, C::kVec);
  const bool c_vec = vector_ok(p.c, sizeof(T), p.c_cs, p.c_rs, p.c_bs, p.batch_ndim, 2);
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
