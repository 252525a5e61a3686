#pragma once
// The pointwise part of one recurrent step, forward and backward (the matrix products are the
// GEMM kernel's). Every operand is a set of B rows with its own row stride (in elements); each
// row holds H values per gate. The front-end (csrc/ops/rnn.cpp) checks shapes and dtypes.
#include "dispatch/kernel_table.h"
#include "ember/ops/rnn.h"

namespace ember {

struct RecurrentRows {
  void* data = nullptr;
  int64_t row_stride = 0;
};

// Workspace per row: LSTM [i, f, g, o, c] (the activated gates and the new cell state), GRU
// [r, z, n, hn] (hn = h_prev W_hnᵀ + b_hn, which r multiplies), RNN nothing (its backward reads h).
inline int64_t recurrent_workspace_gates(RecurrentMode mode) {
  return mode == RecurrentMode::LSTM ? 5 : mode == RecurrentMode::GRU ? 4 : 0;
}
inline int64_t recurrent_gates(RecurrentMode mode) {
  return mode == RecurrentMode::LSTM ? 4 : mode == RecurrentMode::GRU ? 3 : 1;
}

struct RecurrentStepArgs {
  RecurrentMode mode = RecurrentMode::LSTM;
  DType dtype = kFloat32;
  int64_t batch = 0, hidden = 0;
  RecurrentStepArgs() = default;
  RecurrentStepArgs(RecurrentMode m, DType d, int64_t b, int64_t h) : mode(m), dtype(d), batch(b), hidden(h) {}
  RecurrentRows x_gates, h_gates;  // the two projections (G*H per row)
  const void* bias = nullptr;      // b_hh (G*H), added to h_gates; null: none
  RecurrentRows h_prev, c_prev;    // c_prev: LSTM only
  RecurrentRows h, c, workspace;   // written (c: LSTM only)
};

struct RecurrentStepBackwardArgs {
  RecurrentMode mode = RecurrentMode::LSTM;
  DType dtype = kFloat32;
  int64_t batch = 0, hidden = 0;
  RecurrentStepBackwardArgs() = default;
  RecurrentStepBackwardArgs(RecurrentMode m, DType d, int64_t b, int64_t h) : mode(m), dtype(d), batch(b), hidden(h) {}
  RecurrentRows grad_h;           // the step's gradient of h from outside the recurrence
  RecurrentRows grad_h_carry;     // in: the gradient carried from the next step;
                                  // out (GRU): z * grad, the direct part of h_prev's gradient
  RecurrentRows grad_c_carry;     // LSTM: in the next step's cell gradient, out c_prev's
  RecurrentRows h_prev, c_prev, h, workspace;
  RecurrentRows grad_x_gates;     // written
  RecurrentRows grad_h_gates;     // written for GRU (it differs from grad_x_gates in n)
};

using RecurrentStepKernel = void (*)(const RecurrentStepArgs& args);
using RecurrentStepBackwardKernel = void (*)(const RecurrentStepBackwardArgs& args);
extern KernelTable<RecurrentStepKernel> recurrent_step_kernel;
extern KernelTable<RecurrentStepBackwardKernel> recurrent_step_backward_kernel;

}  // namespace ember
