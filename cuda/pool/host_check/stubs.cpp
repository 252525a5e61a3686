// Definitions the host checks link against instead of the CUDA runtime pieces and the kernel
// tables (hidden in libember).
#include <cuda_runtime.h>
#include <cstddef>
#include "ember/device.h"
namespace ember::cuda {
class Workspace { public: Workspace(size_t, int); ~Workspace(); void* ptr_; size_t n_; int d_; };
Workspace::Workspace(size_t, int) {}
Workspace::~Workspace() {}
const cudaDeviceProp& properties(int) { static cudaDeviceProp p; return p; }
cudaStream_t stream_for(Device) { return nullptr; }
void throw_cuda_error(cudaError_t, const char*, const char*, int) { throw 1; }
}
#include "dispatch/kernels.h"
namespace ember {
KernelTable<MaxPool2dKernel> max_pool2d_kernel;
KernelTable<AvgPool2dKernel> avg_pool2d_kernel;
KernelTable<AvgPool2dBackwardKernel> avg_pool2d_backward_kernel;
KernelTable<AdaptiveMaxPool2dKernel> adaptive_max_pool2d_kernel;
KernelTable<AdaptiveAvgPool2dKernel> adaptive_avg_pool2d_kernel;
KernelTable<AdaptiveAvgPool2dBackwardKernel> adaptive_avg_pool2d_backward_kernel;
KernelTable<IndexScatter2dKernel> index_scatter2d_kernel;
KernelTable<UpsampleKernel> upsample_kernel;
KernelTable<UpsampleBackwardKernel> upsample_backward_kernel;
}
#ifndef WITH_UPSAMPLE
namespace ember::cuda {
void upsample(const Tensor&, const Tensor&, const UpsampleParams&) {}
void upsample_backward(const Tensor&, const Tensor&, const UpsampleParams&) {}
}
#endif
