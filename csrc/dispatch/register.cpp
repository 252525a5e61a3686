// Fills every kernel table exactly once, on first use (thread-safe through a function-local
// static), so both the Python module and C++ programs find the kernels without static
// initialisers.
#include "dispatch/kernels.h"
#include "dispatch/kernels_conv_depthwise.h"
#include "dispatch/kernels_ctc.h"
#include "dispatch/kernels_optim.h"
#include "dispatch/kernels_rnn.h"

namespace ember {

KernelTable<CopyKernel> copy_kernel;
KernelTable<RandomKernel> random_kernel;
KernelTable<GemmKernel> gemm_kernel;

KernelTable<ReduceKernel> reduce_kernel;
KernelTable<ArgReduceKernel> arg_reduce_kernel;
KernelTable<ScanKernel> scan_kernel;
KernelTable<SoftmaxKernel> softmax_kernel;
KernelTable<SoftmaxBackwardKernel> softmax_backward_kernel;

KernelTable<BinaryKernel> binary_kernel;
KernelTable<UnaryKernel> unary_kernel;
KernelTable<WhereKernel> where_kernel;
KernelTable<ClampKernel> clamp_kernel;

KernelTable<NllLossKernel> nll_loss_kernel;
KernelTable<NllLossBackwardKernel> nll_loss_backward_kernel;
KernelTable<MaxPool2dKernel> max_pool2d_kernel;
KernelTable<AvgPool2dKernel> avg_pool2d_kernel;
KernelTable<AvgPool2dBackwardKernel> avg_pool2d_backward_kernel;
KernelTable<AdaptiveMaxPool2dKernel> adaptive_max_pool2d_kernel;
KernelTable<AdaptiveAvgPool2dKernel> adaptive_avg_pool2d_kernel;
KernelTable<AdaptiveAvgPool2dBackwardKernel> adaptive_avg_pool2d_backward_kernel;
KernelTable<IndexScatter2dKernel> index_scatter2d_kernel;
KernelTable<UpsampleKernel> upsample_kernel;
KernelTable<UpsampleBackwardKernel> upsample_backward_kernel;
KernelTable<EmbeddingKernel> embedding_kernel;
KernelTable<EmbeddingBackwardKernel> embedding_backward_kernel;
KernelTable<CtcLossKernel> ctc_loss_kernel;
KernelTable<CtcLossBackwardKernel> ctc_loss_backward_kernel;
KernelTable<AdamStepKernel> adam_step_kernel;
KernelTable<RecurrentStepKernel> recurrent_step_kernel;
KernelTable<RecurrentStepBackwardKernel> recurrent_step_backward_kernel;
KernelTable<SortKernel> sort_kernel;
KernelTable<TopkKernel> topk_kernel;
KernelTable<SelectKernel> select_kernel;
KernelTable<UniqueKernel> unique_kernel;
KernelTable<SearchsortedKernel> searchsorted_kernel;
KernelTable<ConvForwardKernel> conv2d_kernel;
KernelTable<ConvBackwardInputKernel> conv2d_backward_input_kernel;
KernelTable<ConvBackwardWeightKernel> conv2d_backward_weight_kernel;
KernelTable<DepthwiseConvForwardKernel> depthwise_conv_kernel;
KernelTable<DepthwiseConvBackwardInputKernel> depthwise_conv_backward_input_kernel;
KernelTable<DepthwiseConvBackwardWeightKernel> depthwise_conv_backward_weight_kernel;
KernelTable<LinalgKernel> linalg_kernel;
KernelTable<TriangularKernel> triangular_kernel;
KernelTable<PadEdgeKernel> pad_edge_kernel;
KernelTable<BatchNormKernel> batch_norm_kernel;
KernelTable<BatchNormBackwardKernel> batch_norm_backward_kernel;
KernelTable<RowNormKernel> row_norm_kernel;
KernelTable<RowNormBackwardKernel> row_norm_backward_kernel;
KernelTable<ActivationKernel> activation_kernel;
KernelTable<ActivationKernel> activation_backward_kernel;
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
