// Fills the CUDA slots of the kernel tables, once, at start-up (dispatch/register.cpp calls it
// after the CPU's). One register function per kernel family; each is defined at the bottom of
// the family's file.
#include "dispatch/kernels.h"

namespace ember::cuda {
void register_elementwise_kernels();  // elementwise/: copy, unary, binary, where, clamp, activations
void register_reduce_kernels();       // reduce/: reductions, argmax/argmin, scans, softmax
void register_norm_kernels();         // reduce/norm*.cu: batch, layer and group norm
void register_loss_kernels();         // reduce/nll_loss.cu
void register_gemm_kernels();         // gemm/
void register_conv_kernels();         // conv/
void register_index_kernels();        // index/: advanced indexing, gather/scatter, nonzero
void register_embedding_kernels();    // index/embedding.cu
void register_pool_kernels();         // pool/: pooling and interpolation
void register_sort_kernels();         // sort/: sort, topk, kthvalue/median, unique, searchsorted
void register_shape_kernels();        // shape/: triangular masks, pad edges
void register_random_kernels();       // random/: Philox
void register_linalg_kernels();       // linalg/
void register_attention_kernels();    // attention/: fused scaled dot-product attention
}  // namespace ember::cuda

namespace ember {
void register_cuda_kernels() {
  using namespace cuda;
  register_elementwise_kernels();
  register_reduce_kernels();
  register_norm_kernels();
  register_loss_kernels();
  register_gemm_kernels();
  register_conv_kernels();
  register_index_kernels();
  register_embedding_kernels();
  register_pool_kernels();
  register_sort_kernels();
  register_shape_kernels();
  register_random_kernels();
  register_linalg_kernels();
  register_attention_kernels();
}
}  // namespace ember
