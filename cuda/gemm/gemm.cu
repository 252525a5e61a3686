// The CUDA GEMM: C = alpha * A @ B + beta * C over strided, batched operands (GemmArgs), with
// our own kernels (no cuBLAS). This file holds the host entry point that picks a kernel; each
// kernel is a template in a header, launched from the .cu file named with it:
//
//   sgemm_kernel.cuh (sgemm.cu)
//                float32 on the CUDA cores. A 256-thread block computes a 128x128 tile of C,
//                each thread an 8x8 sub-tile (two 4-row by two 4-column groups, 64 apart, so
//                that the shared-memory reads are conflict-free float4 broadcasts). K advances
//                8 at a time through two shared-memory buffers: the next 128x8 panels of A and
//                B are loaded into registers while the current ones are multiplied, then stored
//                to the other buffer (one __syncthreads per step). Both panels are kept k-major
//                in shared memory (As[k][m], Bs[k][n]). A 64x128 variant (4x8 per thread)
//                serves products with at most 64 rows or too few 128x128 tiles to fill the SMs.
//   mma_kernel.cuh (gemm_mma.cu; PTX wrappers in ptx.cuh)
//                float16, bfloat16 (mma.sync m16n8k16) and float32 as TF32 (m16n8k8) when
//                ember::cuda::allow_tf32() is on, all accumulating in float. A 256-thread block
//                (8 warps, 2 along M x 4 along N) computes a 128x128 tile, each warp 64x32 as
//                4x4 mma tiles. K advances 64 bytes of elements at a time (32 halves, 16
//                floats) through a 4-stage cp.async ring in shared memory; the panels keep the
//                operand's own contiguous dim innermost (so cp.async copies 16-byte chunks
//                unchanged), padded by 16 bytes a row so ldmatrix reads are conflict-free, and
//                ldmatrix (.trans for an M- or N-contiguous operand) builds the fragments.
//   gemv_kernel.cuh (here)
//                m == 1 or n == 1 (floating dtypes): a warp per output reducing along a
//                K-contiguous operand, or a lane per output with the block's warps splitting K.
//   simple_kernel.cuh (here)
//                every dtype, float64 and the integers in particular: 64x64 tiles, 16
//                deep, 256 threads of 4x4 outputs, accumulating as the CPU does (double for
//                float64, float for the other floats, wrapping uint64 for the integers).
//
// Layouts: each fast kernel is compiled for the two ways an operand can be contiguous (along K,
// or along M for A / N for B). An operand with a unit stride, aligned base and strides that are
// multiples of the vector width is read with 16-byte vector loads (or cp.async); any other view
// (a stepped slice, an unaligned offset, no unit stride at all) takes the same kernel's
// element-wise loader, with the layout whose stride is smaller. Edge tiles (M, N or K not a
// multiple of the tile) are loaded with zero fill and stored under bounds checks.
//
// Batching: the host first drops size-1 batch dims, merges dims that are contiguous across all
// three operands, and folds a broadcast B (or A) into M (or N) when the batch is a plain stack
// of rows. What is left runs over blockIdx.z (one launch per 65535 entries); each block decodes
// its flat batch index into the three operands' offsets. Offsets and strides are 64-bit
// throughout, so operands past 2^31 elements work. k == 0 gives C = alpha * 0 + beta * C (the
// simple kernel), and beta == 0 never reads C.
//
// Choice (gemm_cuda below): m == 1 or n == 1 (floating dtypes, k > 0) -> GEMV; k == 0 or
// under 2^18 multiply-adds -> simple; float32 -> SGEMM, or TF32 mma when allowed;
// float16/bfloat16 -> mma; float64 and the integers -> simple. Devices before sm_80 take the
// simple kernel instead of mma.
//
// Without a GPU, emulate/gemm_emulate.cpp runs these kernels on the CPU (threads for CUDA
// threads, models of ldmatrix/mma.sync from the PTX fragment layouts) against a reference.
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "dispatch/dispatch.h"
#include "ember/cuda.h"
#include "ember/half.h"
#include "gemm/gemm_common.cuh"
#include "gemm/gemv_kernel.cuh"
#include "gemm/simple_kernel.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::gemm {

using namespace simple_impl;

void launch_simple(DType dtype, const Problem& p, cudaStream_t stream, int device) {
  (void)device;
  dispatch_numeric(dtype, "matmul", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = typename Acc<T>::type;
    const Plan plan = make_plan(p, sizeof(T), 1, 1, kSimpleTile, kSimpleTile);
    EMBER_CHECK(plan.tiles < (int64_t(1) << 31), "matmul: output of ", p.m, "x", p.n, " is too large for one launch");
    for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
      simple_gemm_kernel<T><<<dim3(static_cast<unsigned>(plan.tiles), 1, nz), kSimpleThreads, 0, stream>>>(
          p, z0, scalar_acc<A>(p.alpha), scalar_acc<A>(p.beta), plan.a_k, plan.b_k);
      EMBER_CUDA_LAUNCH_CHECK("matmul");
    });
  });
}

// Matrix-vector shapes (m == 1 or n == 1, k > 0) of the floating dtypes.
void launch_gemv(DType dtype, const Problem& p, cudaStream_t stream) {
  dispatch_floating(dtype, "matmul", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = typename Acc<T>::type;
    using namespace gemv_impl;
    bool rows_are_n = false;
    const GemvView v = gemv_view(p, rows_are_n);
    const bool along_k = gemv_along_k(v);
    const int64_t blocks = (v.rows + (along_k ? kThreads / 32 : 32) - 1) / (along_k ? kThreads / 32 : 32);
    EMBER_CHECK(blocks < (int64_t(1) << 31), "matmul: output of ", p.m, "x", p.n, " is too large for one launch");
    for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
      const dim3 grid(static_cast<unsigned>(blocks), 1, nz);
      if (along_k)
        gemv_k_kernel<T><<<grid, kThreads, 0, stream>>>(p, z0, v, rows_are_n, scalar_acc<A>(p.alpha), scalar_acc<A>(p.beta));
      else
        gemv_r_kernel<T><<<grid, kThreads, 0, stream>>>(p, z0, v, rows_are_n, scalar_acc<A>(p.alpha), scalar_acc<A>(p.beta));
      EMBER_CUDA_LAUNCH_CHECK("matmul");
    });
  });
}

namespace {

// ---- the host entry point -----------------------------------------------------------------------

void gemm_cuda(const GemmArgs& g) {
  Problem p;
  if (!simplify(g, p)) return;
  const int device = g.device;
  cudaStream_t stream = stream_for(device);
  const bool tensor_cores = properties(device).major >= 8;
  // Matrix-vector shapes take the GEMV kernels. Products too small to fill a 128x128 tile's
  // pipeline, and k == 0 (C = alpha * 0 + beta * C), take the simple kernel; so do float64 and
  // the integers.
  if ((p.m == 1 || p.n == 1) && p.k > 0 && is_floating(g.dtype)) return launch_gemv(g.dtype, p, stream);
  const double work = double(p.m) * double(p.n) * double(p.k);
  const bool small = p.k == 0 || work < double(1 << 18);
  if (!small && g.dtype == kFloat32 && !(tensor_cores && allow_tf32())) return launch_sgemm(p, stream, device);
  if (!small && tensor_cores && (g.dtype == kFloat32 || g.dtype == kFloat16 || g.dtype == kBFloat16))
    return launch_mma(g.dtype, p, stream, device);
  launch_simple(g.dtype, p, stream, device);
}

}  // namespace

void register_gemm_kernels_impl() { gemm_kernel.set(DeviceType::CUDA, gemm_cuda); }

}  // namespace ember::cuda::gemm

namespace ember::cuda {
void register_gemm_kernels() { gemm::register_gemm_kernels_impl(); }
}  // namespace ember::cuda
