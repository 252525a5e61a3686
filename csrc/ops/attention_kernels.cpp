// The tables of the fused attention kernels (dispatch/kernels_attention.h). The CPU registers
// nothing here: it computes attention with the composite in attention.cpp.
#include "dispatch/kernels_attention.h"

namespace ember {

KernelTable<AttentionForwardKernel> attention_forward_kernel;
KernelTable<AttentionBackwardKernel> attention_backward_kernel;

}  // namespace ember
