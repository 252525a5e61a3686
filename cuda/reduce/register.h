#pragma once
// The registration helpers of the reduce/ family's files other than reduce.cu, which calls
// them from register_reduce_kernels().
#include "dispatch/kernels.h"

namespace ember::cuda {
// reduce/reduce_stats.cu: the norms, var, logsumexp (reduce_kernel's other ops) and the arg
// reductions.
void reduce_stats_cuda(const TensorIter& iter, ReduceOp op, const ReduceArgs& args);
void arg_reduce_cuda(const TensorIter& iter, const Tensor* values, bool is_max);
void register_scan_kernels_cuda();     // reduce/scan.cu
void register_softmax_kernels_cuda();  // reduce/softmax.cu
}  // namespace ember::cuda
