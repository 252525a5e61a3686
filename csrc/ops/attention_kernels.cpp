// The tables of the fused attention kernels (dispatch/kernels_attention.h), filled by
// cpu/isa/attention.cpp and cuda/attention/.
#include "dispatch/kernels_attention.h"

namespace ember {

KernelTable<AttentionForwardKernel> attention_forward_kernel;
KernelTable<AttentionBackwardKernel> attention_backward_kernel;

}  // namespace ember
