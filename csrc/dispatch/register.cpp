// Fills every kernel table exactly once, on first use (thread-safe through a function-local
// static), so both the Python module and C++ programs find the kernels without static
// initialisers.
#include "dispatch/kernels.h"

namespace ember {

KernelTable<CopyKernel> copy_kernel;
KernelTable<RandomKernel> random_kernel;
KernelTable<GemmKernel> gemm_kernel;

KernelTable<ReduceKernel> reduce_kernel;
KernelTable<ArgReduceKernel> arg_reduce_kernel;
KernelTable<ScanKernel> scan_kernel;
KernelTable<SoftmaxKernel> softmax_kernel;

KernelTable<BinaryKernel> binary_kernel;
KernelTable<UnaryKernel> unary_kernel;
KernelTable<WhereKernel> where_kernel;
KernelTable<ClampKernel> clamp_kernel;

KernelTable<IndexOffsetsKernel> index_offsets_kernel;
KernelTable<IndexCheckKernel> index_check_kernel;
KernelTable<IndexKernel> index_kernel;
KernelTable<GatherScatterKernel> gather_scatter_kernel;
KernelTable<NonzeroKernel> nonzero_kernel;

void register_cpu_kernels();   // cpu/register_cpu.cpp
void register_cuda_kernels();  // cuda/, or no_cuda.cpp

void ensure_kernels_registered() {
  static const bool done = [] {
    register_cpu_kernels();
    register_cuda_kernels();
    return true;
  }();
  (void)done;
}

}  // namespace ember
