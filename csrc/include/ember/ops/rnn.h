#pragma once
// Fused recurrent layers and cells: what PyTorch's native LSTM/GRU/RNN kernels do. One call runs
// one layer and direction over a whole sequence, with one matrix product and one fused pointwise
// pass per step, and keeps what its backward needs; the backward runs the steps in reverse and
// forms the recurrent weight's gradient in one product over all steps. The input projections
// x W_ihᵀ + b_ih of every step are the caller's: one matrix product over the sequence, which
// autograd differentiates as such.
//
// Shapes: T steps, B batch, H hidden, G gates (LSTM 4: i, f, g, o; GRU 3: r, z, n; RNN 1).
#include <cstdint>
#include <string>
#include <vector>

#include "ember/api.h"
#include "ember/tensor.h"

namespace ember {

enum class RecurrentMode : uint8_t { LSTM, GRU, RNNTanh, RNNRelu };

// "LSTM", "GRU", "RNN_TANH" or "RNN_RELU" (the names nn.RNNBase uses); ValueError otherwise.
EMBER_API RecurrentMode recurrent_mode(const std::string& name);

// Whether the fused kernels run for operands of this dtype on this device (float32 and float64
// on the CPU); where not, callers run the recurrence op by op.
EMBER_API bool recurrent_fused_available(DType dtype, Device device);

// One layer and direction: x_gates (T, B, G*H), h0 (B, H), c0 (B, H) for an LSTM (undefined
// otherwise), w_hh (G*H, H), b_hh (G*H) or undefined. `reverse` runs the steps from T-1 to 0.
// Returns {output (T, B, H): each step's h, in step order; h_n; c_n (LSTM, else undefined);
// workspace: per step what the backward reads}.
EMBER_API std::vector<Tensor> recurrent_layer(RecurrentMode mode, const Tensor& x_gates, const Tensor& h0,
                                              const Tensor& c0, const Tensor& w_hh, const Tensor& b_hh, bool reverse);

// The gradients of recurrent_layer from those of its outputs (grad_c_n undefined unless LSTM).
// Returns {grad_x_gates, grad_h0, grad_c0 (LSTM), grad_w_hh, grad_b_hh (when has_bias)}.
EMBER_API std::vector<Tensor> recurrent_layer_backward(RecurrentMode mode, const Tensor& grad_output,
                                                       const Tensor& grad_h_n, const Tensor& grad_c_n,
                                                       const Tensor& h0, const Tensor& c0, const Tensor& w_hh,
                                                       const Tensor& output, const Tensor& workspace, bool reverse,
                                                       bool has_bias);

// One step of a cell from its two projections, x_gates = x W_ihᵀ + b_ih and h_gates =
// h_prev W_hhᵀ + b_hh, each (B, G*H); c_prev (B, H) for an LSTM. Returns {h, c (LSTM), workspace}.
EMBER_API std::vector<Tensor> recurrent_cell(RecurrentMode mode, const Tensor& x_gates, const Tensor& h_gates,
                                             const Tensor& h_prev, const Tensor& c_prev);

// The gradients of recurrent_cell: {grad_x_gates, grad_h_gates, grad_h_prev (the direct term:
// GRU's z * grad_h; undefined for the others), grad_c_prev (LSTM)}. grad_c undefined: zero.
EMBER_API std::vector<Tensor> recurrent_cell_backward(RecurrentMode mode, const Tensor& grad_h, const Tensor& grad_c,
                                                      const Tensor& h_prev, const Tensor& c_prev, const Tensor& h,
                                                      const Tensor& workspace);

}  // namespace ember
