// Front-ends of the fused recurrent layers and cells (ember/ops/rnn.h): check the operands, then
// run the steps. A layer's step is one matrix product, h_prev W_hhᵀ into a (B, G*H) buffer, and
// one pointwise kernel that adds the input projection and the bias, applies the gates and
// writes h (straight into the output), c and the workspace. The backward walks the steps in
// reverse with one pointwise kernel and one product (the gate gradients times W_hh) per step,
// then forms W_hh's gradient as one product over all steps.
#include <string>

#include "core/shape.h"
#include "dispatch/kernels_rnn.h"
#include "ember/ops.h"
#include "ember/ops/rnn.h"
#include "ops/matmul.h"

namespace ember {

namespace {

const char* mode_name(RecurrentMode mode) {
  switch (mode) {
    case RecurrentMode::LSTM: return "LSTM";
    case RecurrentMode::GRU: return "GRU";
    case RecurrentMode::RNNTanh: return "RNN_TANH";
    case RecurrentMode::RNNRelu: return "RNN_RELU";
  }
  return "?";
}

// The rows of a (B, W) operand whose rows are contiguous.
RecurrentRows rows(const Tensor& t) { return {t.data_ptr(), t.size(0) > 1 ? t.stride(0) : t.size(1)}; }
// H values per row starting at gate `gate` of a workspace of rows.
RecurrentRows gate_rows(const Tensor& t, int64_t gate, int64_t hidden) {
  return {static_cast<char*>(t.data_ptr()) + gate * hidden * static_cast<int64_t>(t.element_size()), t.stride(0)};
}

// Checks that t is (rows, cols) of the dtype and device of `like`, naming the op and operand.
void check_operand(const std::string& op, const char* what, const Tensor& t, const IntArray& shape,
                   const Tensor& like) {
  EMBER_CHECK_VALUE(t.defined(), op, ": ", what, " is required");
  EMBER_CHECK_SHAPE(t.shape() == shape, op, ": expected ", what, " of shape ", shape_str(shape), ", got ",
                    shape_str(t.shape()));
  EMBER_CHECK_TYPE(t.dtype() == like.dtype(), op, ": expected ", what, " of dtype ", dtype_name(like.dtype()),
                   " (the gates' dtype), got ", dtype_name(t.dtype()));
  EMBER_CHECK(t.device() == like.device(), op, ": expected all operands on one device, but got ",
              like.device().str(), " and ", t.device().str(), " (", what, ")");
}

void check_available(const std::string& op, const Tensor& t) {
  EMBER_CHECK_TYPE(t.dtype() == kFloat32 || t.dtype() == kFloat64, op,
                   ": the fused recurrence takes float32 and float64, got ", dtype_name(t.dtype()));
  EMBER_CHECK(recurrent_fused_available(t.dtype(), t.device()), op, ": no fused recurrent kernel for ",
              t.device().str());
}

// Gate rows must be contiguous within a row; the kernels take any row stride, the products
// take any strides, so only an operand with strided rows is copied.
Tensor rows_contiguous(const Tensor& t) {
  if (!t.defined() || t.dim() < 1 || t.size(-1) <= 1 || t.stride(-1) == 1) return t;
  return t.contiguous();
}

std::string op_name(const char* base, RecurrentMode mode) { return std::string(base) + "(" + mode_name(mode) + ")"; }

}  // namespace

RecurrentMode recurrent_mode(const std::string& name) {
  if (name == "LSTM") return RecurrentMode::LSTM;
  if (name == "GRU") return RecurrentMode::GRU;
  if (name == "RNN_TANH") return RecurrentMode::RNNTanh;
  if (name == "RNN_RELU") return RecurrentMode::RNNRelu;
  EMBER_CHECK_VALUE(false, "recurrent_mode: unknown mode '", name, "' (expected LSTM, GRU, RNN_TANH or RNN_RELU)");
  return RecurrentMode::LSTM;
}

bool recurrent_fused_available(DType dtype, Device device) {
  return (dtype == kFloat32 || dtype == kFloat64) && recurrent_step_kernel.has(device.type) &&
         recurrent_step_backward_kernel.has(device.type);
}

std::vector<Tensor> recurrent_layer(RecurrentMode mode, const Tensor& x_gates_in, const Tensor& h0_in,
                                    const Tensor& c0_in, const Tensor& w_hh, const Tensor& b_hh, bool reverse) {
  const std::string op = op_name("recurrent_layer", mode);
  const bool lstm = mode == RecurrentMode::LSTM;
  EMBER_CHECK_VALUE(x_gates_in.defined() && w_hh.defined(), op, ": x_gates and w_hh are required");
  EMBER_CHECK_SHAPE(x_gates_in.dim() == 3, op, ": expected x_gates of shape [T, B, G*H], got ",
                    shape_str(x_gates_in.shape()));
  EMBER_CHECK_SHAPE(w_hh.dim() == 2, op, ": expected w_hh of shape [G*H, H], got ", shape_str(w_hh.shape()));
  check_available(op, x_gates_in);
  const int64_t T = x_gates_in.size(0), B = x_gates_in.size(1), H = w_hh.size(1);
  const int64_t GH = recurrent_gates(mode) * H, WH = recurrent_workspace_gates(mode) * H;
  check_operand(op, "x_gates", x_gates_in, {T, B, GH}, x_gates_in);
  check_operand(op, "w_hh", w_hh, {GH, H}, x_gates_in);
  check_operand(op, "h0", h0_in, {B, H}, x_gates_in);
  if (lstm) check_operand(op, "c0", c0_in, {B, H}, x_gates_in);
  if (b_hh.defined()) check_operand(op, "b_hh", b_hh, {GH}, x_gates_in);

  const Tensor x = rows_contiguous(x_gates_in), h0 = rows_contiguous(h0_in);
  const Tensor c0 = lstm ? rows_contiguous(c0_in) : Tensor();
  const Tensor bias = b_hh.defined() ? b_hh.contiguous() : Tensor();
  const TensorOptions opts = TensorOptions(x.dtype()).device(x.device());
  Tensor output = empty({T, B, H}, opts);
  Tensor workspace = empty({T, B, WH}, opts);
  Tensor h_gates = empty({B, GH}, opts);
  const Tensor w_t = w_hh.t();

  Tensor h_prev = h0;
  RecurrentRows c_prev = lstm ? rows(c0) : RecurrentRows{};
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = reverse ? T - 1 - s : s;
    gemm_into(h_prev, w_t, h_gates, 1.0, 0.0);
    Tensor h = output.select(0, t);
    Tensor work = workspace.select(0, t);
    RecurrentStepArgs a(mode, x.dtype(), B, H);
    a.x_gates = rows(x.select(0, t));
    a.h_gates = rows(h_gates);
    a.bias = bias.defined() ? bias.data_ptr() : nullptr;
    a.h_prev = rows(h_prev);
    a.c_prev = c_prev;
    a.h = rows(h);
    if (WH) a.workspace = rows(work);
    if (lstm) a.c = gate_rows(work, 4, H);  // the new cell state, also the workspace's last gate
    recurrent_step_kernel.get(x.device(), "recurrent_layer")(a);
    h_prev = h;
    if (lstm) c_prev = a.c;
  }
  Tensor h_n = h_prev.clone();
  Tensor c_n;
  if (lstm) c_n = T ? workspace.select(0, reverse ? 0 : T - 1).narrow(1, 4 * H, H).clone() : c0.clone();
  return {output, h_n, c_n, workspace};
}

std::vector<Tensor> recurrent_layer_backward(RecurrentMode mode, const Tensor& grad_output_in, const Tensor& grad_h_n,
                                             const Tensor& grad_c_n, const Tensor& h0_in, const Tensor& c0_in,
                                             const Tensor& w_hh, const Tensor& output, const Tensor& workspace,
                                             bool reverse, bool has_bias) {
  const std::string op = op_name("recurrent_layer_backward", mode);
  const bool lstm = mode == RecurrentMode::LSTM, gru = mode == RecurrentMode::GRU;
  EMBER_CHECK_VALUE(output.defined() && w_hh.defined() && workspace.defined(), op,
                    ": output, w_hh and workspace are required");
  EMBER_CHECK_SHAPE(output.dim() == 3 && w_hh.dim() == 2, op, ": expected output [T, B, H] and w_hh [G*H, H], got ",
                    shape_str(output.shape()), " and ", shape_str(w_hh.shape()));
  check_available(op, output);
  const int64_t T = output.size(0), B = output.size(1), H = output.size(2);
  const int64_t GH = recurrent_gates(mode) * H, WH = recurrent_workspace_gates(mode) * H;
  check_operand(op, "w_hh", w_hh, {GH, H}, output);
  check_operand(op, "workspace", workspace, {T, B, WH}, output);
  check_operand(op, "h0", h0_in, {B, H}, output);
  if (lstm) check_operand(op, "c0", c0_in, {B, H}, output);
  const TensorOptions opts = TensorOptions(output.dtype()).device(output.device());
  Tensor grad_output = grad_output_in.defined() ? grad_output_in : zeros({T, B, H}, opts);
  check_operand(op, "grad_output", grad_output, {T, B, H}, output);
  grad_output = rows_contiguous(grad_output);
  const Tensor h0 = rows_contiguous(h0_in);
  const Tensor c0 = lstm ? rows_contiguous(c0_in) : Tensor();

  // The carries: h's gradient from the later steps (and c's, for an LSTM), in place step by step.
  Tensor carry = zeros({B, H}, opts);
  if (grad_h_n.defined()) {
    check_operand(op, "grad_h_n", grad_h_n, {B, H}, output);
    carry.copy_(grad_h_n);
  }
  Tensor cell_carry;
  if (lstm) {
    cell_carry = zeros({B, H}, opts);
    if (grad_c_n.defined()) {
      check_operand(op, "grad_c_n", grad_c_n, {B, H}, output);
      cell_carry.copy_(grad_c_n);
    }
  }
  Tensor grad_x = empty({T, B, GH}, opts);
  Tensor grad_h_gates = gru ? empty({T, B, GH}, opts) : grad_x;

  for (int64_t s = T - 1; s >= 0; --s) {
    const int64_t t = reverse ? T - 1 - s : s;
    const int64_t t_prev = reverse ? t + 1 : t - 1;  // the step whose h (and c) this one started from
    const Tensor h_prev = s == 0 ? h0 : output.select(0, t_prev);
    RecurrentStepBackwardArgs a(mode, output.dtype(), B, H);
    a.grad_h = rows(grad_output.select(0, t));
    a.grad_h_carry = rows(carry);
    if (lstm) {
      a.grad_c_carry = rows(cell_carry);
      a.c_prev = s == 0 ? rows(c0) : gate_rows(workspace.select(0, t_prev), 4, H);
    }
    a.h_prev = rows(h_prev);
    a.h = rows(output.select(0, t));
    if (WH) a.workspace = rows(workspace.select(0, t));
    a.grad_x_gates = rows(grad_x.select(0, t));
    a.grad_h_gates = rows(grad_h_gates.select(0, t));
    recurrent_step_backward_kernel.get(output.device(), "recurrent_layer_backward")(a);
    // h_prev's gradient: the gate gradients through W_hh, plus (GRU) the direct part the kernel
    // left in the carry.
    gemm_into(grad_h_gates.select(0, t), w_hh, carry, 1.0, gru ? 1.0 : 0.0);
  }

  // W_hh's gradient over all steps at once: grad_h_gatesᵀ (G*H, T*B) times each step's h_prev.
  Tensor grad_w = zeros({GH, H}, opts);
  Tensor grad_b;
  if (T * B > 0) {
    Tensor h_prev_all = empty({T, B, H}, opts);
    if (reverse) {
      h_prev_all.narrow(0, 0, T - 1).copy_(output.narrow(0, 1, T - 1));
      h_prev_all.select(0, T - 1).copy_(h0);
    } else {
      h_prev_all.select(0, 0).copy_(h0);
      h_prev_all.narrow(0, 1, T - 1).copy_(output.narrow(0, 0, T - 1));
    }
    const Tensor g2 = grad_h_gates.view({T * B, GH});
    gemm_into(g2.t(), h_prev_all.view({T * B, H}), grad_w, 1.0, 0.0);
    if (has_bias) grad_b = sum(g2, std::vector<int64_t>{0});
  }
  if (has_bias && !grad_b.defined()) grad_b = zeros({GH}, opts);
  return {grad_x, carry, cell_carry, grad_w, grad_b};
}

std::vector<Tensor> recurrent_cell(RecurrentMode mode, const Tensor& x_gates_in, const Tensor& h_gates_in,
                                   const Tensor& h_prev_in, const Tensor& c_prev_in) {
  const std::string op = op_name("recurrent_cell", mode);
  const bool lstm = mode == RecurrentMode::LSTM;
  EMBER_CHECK_VALUE(x_gates_in.defined() && h_prev_in.defined(), op, ": x_gates and h_prev are required");
  EMBER_CHECK_SHAPE(x_gates_in.dim() == 2 && h_prev_in.dim() == 2, op,
                    ": expected x_gates [B, G*H] and h_prev [B, H], got ", shape_str(x_gates_in.shape()), " and ",
                    shape_str(h_prev_in.shape()));
  check_available(op, x_gates_in);
  const int64_t B = h_prev_in.size(0), H = h_prev_in.size(1);
  const int64_t GH = recurrent_gates(mode) * H, WH = recurrent_workspace_gates(mode) * H;
  check_operand(op, "x_gates", x_gates_in, {B, GH}, x_gates_in);
  check_operand(op, "h_gates", h_gates_in, {B, GH}, x_gates_in);
  check_operand(op, "h_prev", h_prev_in, {B, H}, x_gates_in);
  if (lstm) check_operand(op, "c_prev", c_prev_in, {B, H}, x_gates_in);
  const Tensor x = rows_contiguous(x_gates_in), hg = rows_contiguous(h_gates_in);
  const Tensor h_prev = rows_contiguous(h_prev_in);
  const Tensor c_prev = lstm ? rows_contiguous(c_prev_in) : Tensor();
  const TensorOptions opts = TensorOptions(x.dtype()).device(x.device());
  Tensor h = empty({B, H}, opts);
  Tensor c = lstm ? empty({B, H}, opts) : Tensor();
  Tensor workspace = empty({B, WH}, opts);
  RecurrentStepArgs a(mode, x.dtype(), B, H);
  a.x_gates = rows(x);
  a.h_gates = rows(hg);
  a.h_prev = rows(h_prev);
  a.h = rows(h);
  if (lstm) {
    a.c_prev = rows(c_prev);
    a.c = rows(c);
  }
  if (WH) a.workspace = rows(workspace);
  recurrent_step_kernel.get(x.device(), "recurrent_cell")(a);
  return {h, c, workspace};
}

std::vector<Tensor> recurrent_cell_backward(RecurrentMode mode, const Tensor& grad_h_in, const Tensor& grad_c,
                                            const Tensor& h_prev_in, const Tensor& c_prev_in, const Tensor& h,
                                            const Tensor& workspace) {
  const std::string op = op_name("recurrent_cell_backward", mode);
  const bool lstm = mode == RecurrentMode::LSTM, gru = mode == RecurrentMode::GRU;
  EMBER_CHECK_VALUE(h.defined() && h_prev_in.defined() && workspace.defined(), op,
                    ": h, h_prev and workspace are required");
  EMBER_CHECK_SHAPE(h.dim() == 2, op, ": expected h of shape [B, H], got ", shape_str(h.shape()));
  check_available(op, h);
  const int64_t B = h.size(0), H = h.size(1);
  const int64_t GH = recurrent_gates(mode) * H, WH = recurrent_workspace_gates(mode) * H;
  const TensorOptions opts = TensorOptions(h.dtype()).device(h.device());
  const Tensor grad_h = grad_h_in.defined() ? rows_contiguous(grad_h_in) : zeros({B, H}, opts);
  check_operand(op, "grad_h", grad_h, {B, H}, h);
  check_operand(op, "h_prev", h_prev_in, {B, H}, h);
  check_operand(op, "workspace", workspace, {B, WH}, h);
  if (lstm) check_operand(op, "c_prev", c_prev_in, {B, H}, h);
  const Tensor h_prev = rows_contiguous(h_prev_in);
  const Tensor c_prev = lstm ? rows_contiguous(c_prev_in) : Tensor();
  Tensor carry = zeros({B, H}, opts);
  Tensor cell_carry;
  if (lstm) {
    cell_carry = zeros({B, H}, opts);
    if (grad_c.defined()) {
      check_operand(op, "grad_c", grad_c, {B, H}, h);
      cell_carry.copy_(grad_c);
    }
  }
  Tensor grad_x = empty({B, GH}, opts);
  Tensor grad_hg = gru ? empty({B, GH}, opts) : grad_x;
  RecurrentStepBackwardArgs a(mode, h.dtype(), B, H);
  a.grad_h = rows(grad_h);
  a.grad_h_carry = rows(carry);
  if (lstm) {
    a.grad_c_carry = rows(cell_carry);
    a.c_prev = rows(c_prev);
  }
  a.h_prev = rows(h_prev);
  a.h = rows(h);
  if (WH) a.workspace = rows(workspace);
  a.grad_x_gates = rows(grad_x);
  a.grad_h_gates = rows(grad_hg);
  recurrent_step_backward_kernel.get(h.device(), "recurrent_cell_backward")(a);
  return {grad_x, grad_hg, gru ? carry : Tensor(), cell_carry};
}

}  // namespace ember
