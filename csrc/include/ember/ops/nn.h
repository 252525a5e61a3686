#pragma once
// Neural-network kernels: pooling, interpolation, embedding, dropout, convolution, normalization,
// activations, attention; each with the backward ops the autograd layer wires.
// Part of the ops API: include <ember/ops.h>.
#include <array>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- pooling, interpolation, embedding, dropout --------------------------------------------------
// torch.nn.functional's semantics over NCHW floating tensors. 2-D ops take (N, C, H, W) or
// unbatched (C, H, W); 1-D ops (N, C, L) or (C, L). Window arguments hold one entry (used for
// every spatial dim) or one per spatial dim; an empty stride means stride = kernel_size.
// Padding is at most half the kernel; with ceil_mode the last window must start inside the
// input or its left padding. Indices are flat positions h * W + w within each plane.
class Generator;
EMBER_API std::tuple<Tensor, Tensor> max_pool2d_with_indices(
    const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
    const IntArray& padding = {0}, const IntArray& dilation = {1}, bool ceil_mode = false);
EMBER_API Tensor max_pool2d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
                            const IntArray& padding = {0}, const IntArray& dilation = {1}, bool ceil_mode = false);
EMBER_API std::tuple<Tensor, Tensor> max_pool1d_with_indices(
    const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
    const IntArray& padding = {0}, const IntArray& dilation = {1}, bool ceil_mode = false);
EMBER_API Tensor max_pool1d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
                            const IntArray& padding = {0}, const IntArray& dilation = {1}, bool ceil_mode = false);
// The gradient of max_pool2d and adaptive_max_pool2d (max_pool1d_backward: of the 1-D ones):
// grad_output scattered through `indices` into zeros of input_size, summed where windows overlap.
EMBER_API Tensor max_pool2d_backward(const Tensor& grad_output, const IntArray& input_size, const Tensor& indices);
EMBER_API Tensor max_pool1d_backward(const Tensor& grad_output, const IntArray& input_size, const Tensor& indices);
EMBER_API Tensor avg_pool2d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
                            const IntArray& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                            std::optional<int64_t> divisor_override = std::nullopt);
EMBER_API Tensor avg_pool2d_backward(const Tensor& grad_output, const IntArray& input_size,
                                     const IntArray& kernel_size, const IntArray& stride = {},
                                     const IntArray& padding = {0}, bool ceil_mode = false,
                                     bool count_include_pad = true,
                                     std::optional<int64_t> divisor_override = std::nullopt);
EMBER_API Tensor avg_pool1d(const Tensor& input, const IntArray& kernel_size, const IntArray& stride = {},
                            const IntArray& padding = {0}, bool ceil_mode = false, bool count_include_pad = true);
EMBER_API Tensor avg_pool1d_backward(const Tensor& grad_output, const IntArray& input_size,
                                     const IntArray& kernel_size, const IntArray& stride = {},
                                     const IntArray& padding = {0}, bool ceil_mode = false,
                                     bool count_include_pad = true);
// Adaptive pools: output_size has one entry per spatial dim; -1 keeps that input size.
EMBER_API Tensor adaptive_avg_pool2d(const Tensor& input, const IntArray& output_size);
EMBER_API Tensor adaptive_avg_pool1d(const Tensor& input, const IntArray& output_size);
EMBER_API Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const IntArray& input_size);
EMBER_API Tensor adaptive_avg_pool1d_backward(const Tensor& grad_output, const IntArray& input_size);
EMBER_API std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const IntArray& output_size);
EMBER_API std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const IntArray& output_size);

// Resampling of (N, C, W) or (N, C, H, W): output_size has one entry per spatial dim; `scales`
// is empty or holds the caller's scale factors (0 = none), which replace in / out in the
// coordinate map as in PyTorch. Nearest is PyTorch's legacy floor(dst * scale); `exact` gives
// nearest-exact, floor((dst + 0.5) * scale). Linear is (bi)linear with align_corners.
EMBER_API Tensor upsample_nearest(const Tensor& input, const IntArray& output_size,
                                  const std::vector<double>& scales = {}, bool exact = false);
EMBER_API Tensor upsample_nearest_backward(const Tensor& grad_output, const IntArray& input_size,
                                           const std::vector<double>& scales = {}, bool exact = false);
EMBER_API Tensor upsample_linear(const Tensor& input, const IntArray& output_size, bool align_corners,
                                 const std::vector<double>& scales = {});
EMBER_API Tensor upsample_linear_backward(const Tensor& grad_output, const IntArray& input_size,
                                          bool align_corners, const std::vector<double>& scales = {});

// Rows of weight (num_embeddings, dim) picked by integer indices: shape indices.shape + [dim].
// An index outside [0, num_embeddings) raises IndexError.
EMBER_API Tensor embedding(const Tensor& weight, const Tensor& indices);
// The dense gradient of embedding: (num_weights, dim), repeated indices summed, the row of
// padding_idx (< 0: none) zero; scale_grad_by_freq divides each row by its index's count.
EMBER_API Tensor embedding_backward(const Tensor& grad_output, const Tensor& indices, int64_t num_weights,
                                    int64_t padding_idx = -1, bool scale_grad_by_freq = false);
// Rescales in place each row of weight named by indices whose norm_type-norm exceeds max_norm.
EMBER_API Tensor& embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm, double norm_type = 2);

// Dropout in training mode: (output, mask) with mask a bool tensor of mask_shape (empty: the
// input's shape; else a shape broadcasting to it, as [N, C, 1, 1] for channel dropout) drawn
// from the Philox stream, and output = input * mask / (1 - p); p = 1 gives zeros.
EMBER_API std::tuple<Tensor, Tensor> native_dropout(const Tensor& input, double p, Generator* generator = nullptr,
                                                    const IntArray& mask_shape = {});
// grad_output * mask * scale, scale being 1 / (1 - p) (0 when p = 1).
EMBER_API Tensor dropout_backward(const Tensor& grad_output, const Tensor& mask, double scale);
// torch.dropout: the input itself when not training.
EMBER_API Tensor dropout(const Tensor& input, double p, bool train, Generator* generator = nullptr);

// ---- convolution ---------------------------------------------------------------------------
// NCHW (NCL for 1-D) with PyTorch's semantics. stride, padding, dilation and output_padding take
// one value per spatial dim or one value for all; padding may also be "valid" or "same" (stride
// 1 only; an odd total goes on the bottom/right, as PyTorch pads). An unbatched input ((C, H, W)
// or (C, L)) gives an unbatched result. Floating dtypes, one for input, weight and bias;
// float16/bfloat16 compute in float32. Weights: (out_channels, in_channels / groups, kH, kW).
EMBER_API Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
                        const IntArray& stride = {1}, const IntArray& padding = {0},
                        const IntArray& dilation = {1}, int64_t groups = 1);
EMBER_API Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        const IntArray& stride, const std::string& padding, const IntArray& dilation = {1},
                        int64_t groups = 1);
EMBER_API Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
                        const IntArray& stride = {1}, const IntArray& padding = {0},
                        const IntArray& dilation = {1}, int64_t groups = 1);
EMBER_API Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        const IntArray& stride, const std::string& padding, const IntArray& dilation = {1},
                        int64_t groups = 1);
// Transposed convolutions (the input gradient of a convolution): weight is (in_channels,
// out_channels / groups, kH, kW); output_padding (each below the stride or the dilation) adds
// rows and columns at the bottom and right of the result.
EMBER_API Tensor conv_transpose2d(const Tensor& input, const Tensor& weight,
                                  const std::optional<Tensor>& bias = std::nullopt, const IntArray& stride = {1},
                                  const IntArray& padding = {0}, const IntArray& output_padding = {0},
                                  int64_t groups = 1, const IntArray& dilation = {1});
EMBER_API Tensor conv_transpose1d(const Tensor& input, const Tensor& weight,
                                  const std::optional<Tensor>& bias = std::nullopt, const IntArray& stride = {1},
                                  const IntArray& padding = {0}, const IntArray& output_padding = {0},
                                  int64_t groups = 1, const IntArray& dilation = {1});
// Backward kernels, for autograd. grad_output has the forward result's shape; each gradient
// comes back in the shape and dtype of what it differentiates. The combined forms return
// (grad_input, grad_weight, grad_bias), computing only those output_mask selects (the others
// are undefined tensors).
EMBER_API Tensor conv2d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                       int64_t groups);
EMBER_API Tensor conv2d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const std::string& padding,
                                       const IntArray& dilation, int64_t groups);
EMBER_API Tensor conv2d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                        int64_t groups);
EMBER_API Tensor conv2d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const std::string& padding,
                                        const IntArray& dilation, int64_t groups);
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv2d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv2d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const std::string& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API Tensor conv1d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                       int64_t groups);
EMBER_API Tensor conv1d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const std::string& padding,
                                       const IntArray& dilation, int64_t groups);
EMBER_API Tensor conv1d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                        int64_t groups);
EMBER_API Tensor conv1d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const std::string& padding,
                                        const IntArray& dilation, int64_t groups);
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv1d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv1d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const std::string& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv_transpose2d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& output_padding, int64_t groups, const IntArray& dilation,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv_transpose1d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& output_padding, int64_t groups, const IntArray& dilation,
    std::array<bool, 3> output_mask = {true, true, true});
// 3-D convolutions: NCDHW (unbatched CDHW), weights (out_channels, in_channels / groups, kD, kH,
// kW), transposed (in_channels, out_channels / groups, kD, kH, kW); otherwise as above.
EMBER_API Tensor conv3d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
                        const IntArray& stride = {1}, const IntArray& padding = {0},
                        const IntArray& dilation = {1}, int64_t groups = 1);
EMBER_API Tensor conv3d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                        const IntArray& stride, const std::string& padding, const IntArray& dilation = {1},
                        int64_t groups = 1);
EMBER_API Tensor conv_transpose3d(const Tensor& input, const Tensor& weight,
                                  const std::optional<Tensor>& bias = std::nullopt, const IntArray& stride = {1},
                                  const IntArray& padding = {0}, const IntArray& output_padding = {0},
                                  int64_t groups = 1, const IntArray& dilation = {1});
EMBER_API Tensor conv3d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                       int64_t groups);
EMBER_API Tensor conv3d_backward_input(const Tensor& grad_output, const IntArray& input_size, const Tensor& weight,
                                       const IntArray& stride, const std::string& padding,
                                       const IntArray& dilation, int64_t groups);
EMBER_API Tensor conv3d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const IntArray& padding, const IntArray& dilation,
                                        int64_t groups);
EMBER_API Tensor conv3d_backward_weight(const Tensor& grad_output, const Tensor& input, const IntArray& weight_size,
                                        const IntArray& stride, const std::string& padding,
                                        const IntArray& dilation, int64_t groups);
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv3d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv3d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const std::string& padding, const IntArray& dilation, int64_t groups,
    std::array<bool, 3> output_mask = {true, true, true});
EMBER_API std::tuple<Tensor, Tensor, Tensor> conv_transpose3d_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight, const IntArray& stride,
    const IntArray& padding, const IntArray& output_padding, int64_t groups, const IntArray& dilation,
    std::array<bool, 3> output_mask = {true, true, true});
// ---- normalization, activations, attention ----------------------------------------------------

// Batch norm over (N, C), (N, C, L), (N, C, H, W): statistics per channel (dim 1). Training uses
// the batch's mean and biased variance, and updates running_mean/running_var in place (when
// given) with momentum and the unbiased variance; eval normalizes with the running statistics.
EMBER_API Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& running_mean,
                            const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight,
                            const std::optional<Tensor>& bias, bool training, double momentum = 0.1,
                            double eps = 1e-5);
// batch_norm that also returns what its backward needs: the mean and 1/sqrt(var + eps) per
// channel used to normalize (the batch's in training, the running ones in eval), float32 for
// 16-bit inputs.
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_batch_norm(
    const Tensor& input, const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var,
    const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, bool training, double momentum,
    double eps);
// Gradients of (input, weight, bias); an undefined Tensor where output_mask is false or the
// parameter has no gradient (weight/bias absent: still computed if asked, shape (C,)).
EMBER_API std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(
    const Tensor& grad_output, const Tensor& input, const std::optional<Tensor>& weight, const Tensor& save_mean,
    const Tensor& save_invstd, bool training, std::array<bool, 3> output_mask = {true, true, true});
// Layer norm over the trailing dims given by normalized_shape.
EMBER_API Tensor layer_norm(const Tensor& input, const IntArray& normalized_shape,
                            const std::optional<Tensor>& weight = std::nullopt,
                            const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
// (output, mean, rstd); mean/rstd have the input's leading dims and size 1 on the normalized ones.
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, const IntArray& normalized_shape,
                                                               const std::optional<Tensor>& weight,
                                                               const std::optional<Tensor>& bias, double eps);
EMBER_API std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(
    const Tensor& grad_output, const Tensor& input, const IntArray& normalized_shape, const Tensor& mean,
    const Tensor& rstd, const std::optional<Tensor>& weight, std::array<bool, 3> output_mask = {true, true, true});
// Group norm of (N, C, *) with C split into num_groups groups; weight/bias are per channel.
EMBER_API Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight = std::nullopt,
                            const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
// (output, mean, rstd) with mean/rstd of shape (N, num_groups).
EMBER_API std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, int64_t num_groups,
                                                               const std::optional<Tensor>& weight,
                                                               const std::optional<Tensor>& bias, double eps);
EMBER_API std::tuple<Tensor, Tensor, Tensor> group_norm_backward(
    const Tensor& grad_output, const Tensor& input, int64_t num_groups, const Tensor& mean, const Tensor& rstd,
    const std::optional<Tensor>& weight, std::array<bool, 3> output_mask = {true, true, true});

// Activations (floating inputs; hardtanh, relu6 and threshold also take integers, like PyTorch).
// Each has a backward taking (grad_output, input, <same parameters>) and giving grad_input.
EMBER_API Tensor gelu(const Tensor& t, const std::string& approximate = "none");  // or "tanh"
EMBER_API Tensor silu(const Tensor& t);
EMBER_API Tensor softplus(const Tensor& t, double beta = 1, double threshold = 20);
EMBER_API Tensor elu(const Tensor& t, double alpha = 1);
EMBER_API Tensor selu(const Tensor& t);
EMBER_API Tensor celu(const Tensor& t, double alpha = 1);
EMBER_API Tensor leaky_relu(const Tensor& t, double negative_slope = 0.01);
EMBER_API Tensor hardtanh(const Tensor& t, const Scalar& min_val = -1, const Scalar& max_val = 1);
EMBER_API Tensor relu6(const Tensor& t);
EMBER_API Tensor mish(const Tensor& t);
EMBER_API Tensor hardswish(const Tensor& t);
EMBER_API Tensor hardsigmoid(const Tensor& t);
EMBER_API Tensor logsigmoid(const Tensor& t);
EMBER_API Tensor softsign(const Tensor& t);
EMBER_API Tensor tanhshrink(const Tensor& t);
EMBER_API Tensor threshold(const Tensor& t, const Scalar& threshold, const Scalar& value);
// The activation named `op` applied in place ("elu", "hardtanh", ...; the parameters as above,
// in order: params[0], params[1]); returns self.
EMBER_API Tensor& activation_(Tensor& self, const std::string& op, const std::vector<double>& params = {});
EMBER_API Tensor gelu_backward(const Tensor& grad, const Tensor& input, const std::string& approximate = "none");
EMBER_API Tensor silu_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor softplus_backward(const Tensor& grad, const Tensor& input, double beta = 1, double threshold = 20);
EMBER_API Tensor elu_backward(const Tensor& grad, const Tensor& input, double alpha = 1);
EMBER_API Tensor selu_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor celu_backward(const Tensor& grad, const Tensor& input, double alpha = 1);
EMBER_API Tensor leaky_relu_backward(const Tensor& grad, const Tensor& input, double negative_slope = 0.01);
EMBER_API Tensor hardtanh_backward(const Tensor& grad, const Tensor& input, const Scalar& min_val = -1,
                                   const Scalar& max_val = 1);
EMBER_API Tensor relu6_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor mish_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor hardswish_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor hardsigmoid_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor logsigmoid_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor softsign_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor tanhshrink_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor threshold_backward(const Tensor& grad, const Tensor& input, const Scalar& threshold);
// Backward of the existing relu, sigmoid and tanh: from the input (relu) or the output.
EMBER_API Tensor relu_backward(const Tensor& grad, const Tensor& input);
EMBER_API Tensor sigmoid_backward(const Tensor& grad, const Tensor& output);
EMBER_API Tensor tanh_backward(const Tensor& grad, const Tensor& output);

// softmax(q @ k^T * scale + mask) @ v over (..., L, E), (..., S, E), (..., S, Ev) with batch dims
// broadcast. A bool mask keeps where true, a float mask is added; is_causal keeps j <= i (the
// top-left aligned lower triangle). A row with every key masked gives zeros, as PyTorch's CPU
// kernels do. scale defaults to 1/sqrt(E); enable_gqa lets k/v have fewer heads (dim -3) than q.
EMBER_API Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                              const std::optional<Tensor>& attn_mask = std::nullopt,
                                              double dropout_p = 0, bool is_causal = false,
                                              std::optional<double> scale = std::nullopt, bool enable_gqa = false,
                                              Generator* generator = nullptr);
// (output, attention probabilities before dropout, the dropout keep-mask (undefined without
// dropout)). `dropout_mask`, when given, replaces the random one (1 keeps, 0 drops).
EMBER_API std::tuple<Tensor, Tensor, Tensor> scaled_dot_product_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, const std::optional<Tensor>& attn_mask,
    double dropout_p, bool is_causal, std::optional<double> scale, bool enable_gqa,
    const std::optional<Tensor>& dropout_mask = std::nullopt, Generator* generator = nullptr);
// (dq, dk, dv) from the probabilities and keep-mask the forward returned.
EMBER_API std::tuple<Tensor, Tensor, Tensor> scaled_dot_product_attention_backward(
    const Tensor& grad_output, const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& attn,
    const std::optional<Tensor>& dropout_mask, double dropout_p, std::optional<double> scale, bool enable_gqa);
// The fused path: one kernel computes the output and, per query row, the logsumexp of its
// scaled, masked scores; backward recomputes the probabilities from it instead of storing them.
// Taken on a device whose fused attention kernels are registered (CUDA) for float32/16-bit
// inputs without dropout within the kernel's limits (see the definition); elsewhere the
// composite above is used. `fused_available` says whether a call would take it.
EMBER_API bool scaled_dot_product_attention_fused_available(const Tensor& query, const Tensor& key,
                                                            const Tensor& value,
                                                            const std::optional<Tensor>& attn_mask,
                                                            double dropout_p, bool enable_gqa);
// (output, logsumexp (..., L) float32; -inf for a row with every key masked).
EMBER_API std::tuple<Tensor, Tensor> scaled_dot_product_attention_fused_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, const std::optional<Tensor>& attn_mask,
    bool is_causal, std::optional<double> scale, bool enable_gqa);
// (dq, dk, dv) from the fused forward's output and logsumexp.
EMBER_API std::tuple<Tensor, Tensor, Tensor> scaled_dot_product_attention_fused_backward(
    const Tensor& grad_output, const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& output,
    const Tensor& logsumexp, const std::optional<Tensor>& attn_mask, bool is_causal, std::optional<double> scale,
    bool enable_gqa);

}  // namespace ember
