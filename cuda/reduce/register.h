#pragma once
// The registration helpers of the reduce/ family's files other than reduce.cu, which calls
// them from register_reduce_kernels().
namespace ember::cuda {
void register_scan_kernels_cuda();     // reduce/scan.cu
void register_softmax_kernels_cuda();  // reduce/softmax.cu
}  // namespace ember::cuda
