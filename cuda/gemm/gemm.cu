// The CUDA GEMM: C = alpha * A @ B + beta * C over strided, batched operands (GemmArgs), with
// our own kernels (no cuBLAS). This file holds the host entry point that picks a kernel, and the
// simple tiled kernel every dtype can use; the fast kernels live beside it:
//
//   sgemm.cu     float32 on the CUDA cores. A 256-thread block computes a 128x128 tile of C,
//                each thread an 8x8 sub-tile (two 4-row by two 4-column groups, 64 apart, so
//                that the shared-memory reads are conflict-free float4 broadcasts). K advances
//                8 at a time through two shared-memory buffers: the next 128x8 panels of A and
//                B are loaded into registers while the current ones are multiplied, then stored
//                to the other buffer (one __syncthreads per step). Both panels are kept k-major
//                in shared memory (As[k][m], Bs[k][n]).
//   gemm_mma.cu  float16, bfloat16 (mma.sync m16n8k16) and float32 as TF32 (m16n8k8) when
//                ember::cuda::allow_tf32() is on, all accumulating in float. A 256-thread block
//                (8 warps, 2 along M x 4 along N) computes a 128x128 tile, each warp 64x32 as
//                4x4 mma tiles. K advances 64 bytes of elements at a time (32 halves, 16
//                floats) through a 4-stage cp.async ring in shared memory; the panels keep the
//                operand's own contiguous dim innermost (so cp.async copies 16-byte chunks
//                unchanged), padded by 16 bytes a row so ldmatrix reads are conflict-free, and
//                ldmatrix (.trans for an M- or N-contiguous operand) builds the fragments.
//   gemm.cu      (below) every dtype, float64 and the integers in particular: 64x64 tiles, 16
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
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "dispatch/dispatch.h"
#include "ember/cuda.h"
#include "ember/half.h"
#include "gemm/gemm_common.cuh"
#include "gemm/simple_kernel.cuh"
#include "runtime/runtime.h"

namespace ember::cuda::gemm {

bool vector_ok(const void* base, size_t elem_size, int64_t unit_stride, int64_t other_stride, const int64_t* batch_strides,
               int batch_ndim, int vec_elems) {
  if (unit_stride != 1) return false;
  if (reinterpret_cast<uintptr_t>(base) % (elem_size * vec_elems) != 0) return false;
  if (other_stride % vec_elems != 0) return false;
  for (int d = 0; d < batch_ndim; ++d)
    if (batch_strides[d] % vec_elems != 0) return false;
  return true;
}

using namespace simple_impl;

void launch_simple(DType dtype, const Problem& p, cudaStream_t stream, int device) {
  (void)device;
  dispatch_numeric(dtype, "matmul", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = typename Acc<T>::type;
    const int64_t tiles = ((p.m + kSimpleTile - 1) / kSimpleTile) * ((p.n + kSimpleTile - 1) / kSimpleTile);
    EMBER_CHECK(tiles < (int64_t(1) << 31), "matmul: output of ", p.m, "x", p.n, " is too large for one launch");
    const bool a_along_k = (p.a_cs < 0 ? -p.a_cs : p.a_cs) <= (p.a_rs < 0 ? -p.a_rs : p.a_rs);
    const bool b_along_k = (p.b_rs < 0 ? -p.b_rs : p.b_rs) <= (p.b_cs < 0 ? -p.b_cs : p.b_cs);
    for_each_batch_chunk(p.batch, [&](int64_t z0, unsigned nz) {
      simple_gemm_kernel<T><<<dim3(static_cast<unsigned>(tiles), 1, nz), kSimpleThreads, 0, stream>>>(
          p, z0, scalar_acc<A>(p.alpha), scalar_acc<A>(p.beta), a_along_k, b_along_k);
      EMBER_CUDA_LAUNCH_CHECK("matmul");
    });
  });
}

namespace {

// ---- the host entry point -----------------------------------------------------------------------

// GemmArgs -> Problem with a simpler batch. Returns false when there is nothing to compute.
bool simplify(const GemmArgs& g, Problem& p) {
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

// The device that owns C (the op layer puts all operands on one device).
int device_of(const void* ptr) {
  cudaPointerAttributes attr{};
  EMBER_CUDA_CHECK(cudaPointerGetAttributes(&attr, ptr), "matmul: cudaPointerGetAttributes");
  if (attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged) return attr.device;
  int dev = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&dev), "matmul: cudaGetDevice");
  return dev;
}

void gemm_cuda(const GemmArgs& g) {
  Problem p;
  if (!simplify(g, p)) return;
  const int device = device_of(g.c);
  cudaStream_t stream = stream_for(device);
  const bool tensor_cores = properties(device).major >= 8;
  // Products too small to fill a 128x128 tile's pipeline, and k == 0 (C = alpha * 0 + beta * C),
  // take the simple kernel; so do float64 and the integers.
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
