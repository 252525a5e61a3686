#pragma once
// The fused scaled dot-product attention kernels (FlashAttention-style: the L x S probabilities
// are never stored; backward recomputes them from the per-row logsumexp). Only devices with a
// fused kernel register these; the front-end (ops/attention.cpp) takes the composite path
// elsewhere. Every operand arrives as a 4-dim block laid out by the front-end, contiguous for
// CUDA, any strides (views) for the CPU, which copies its tiles anyway:
//   q, grad_out-like (B, H, L, *), k, v (B, Hk, S, *), with H a multiple of Hk (grouped-query
//   heads: query head h reads key/value head h / (H / Hk)).
#include "dispatch/kernel_table.h"
#include "ember/tensor.h"

namespace ember {

// The largest head dim (E and Ev) the fused kernels take.
constexpr int64_t kAttentionMaxHeadDim = 128;

// The optional mask: undefined, or a (B, H, L, S)-shaped view (any strides, broadcast dims with
// stride 0) of dtype bool (true keeps) or the compute dtype (float32; float64 for float64
// operands), added to the scaled scores.
struct AttentionArgs {
  double scale = 1;
  bool is_causal = false;  // keep key j for query i when j <= i
  Tensor mask;
};

// out (B, H, L, Ev) in q's dtype, logsumexp (B, H, L) in the compute dtype <- q (B, H, L, E),
// k (B, Hk, S, E), v (B, Hk, S, Ev); float32, float16 or bfloat16 (CUDA), float32 or float64
// (CPU), S >= 1, E and Ev <= kAttentionMaxHeadDim.
// A row whose scores are all -inf gets logsumexp -inf and zeros when a mask is given (NaN
// without one, as softmax gives).
using AttentionForwardKernel = void (*)(const Tensor& out, const Tensor& logsumexp, const Tensor& q,
                                        const Tensor& k, const Tensor& v, const AttentionArgs& args);
// grad_q (B, H, L, E), grad_k (B, Hk, S, E), grad_v (B, Hk, S, Ev), in the inputs' dtype <-
// grad_out and out (B, H, L, Ev), logsumexp from the forward. Deterministic (no atomics).
using AttentionBackwardKernel = void (*)(const Tensor& grad_q, const Tensor& grad_k, const Tensor& grad_v,
                                         const Tensor& grad_out, const Tensor& q, const Tensor& k,
                                         const Tensor& v, const Tensor& out, const Tensor& logsumexp,
                                         const AttentionArgs& args);

extern KernelTable<AttentionForwardKernel> attention_forward_kernel;
extern KernelTable<AttentionBackwardKernel> attention_backward_kernel;

}  // namespace ember
