// The pointwise part of a recurrent step on the CPU, forward and backward: the gate
// activations, the cell update and their derivatives in one pass per batch row, compiled once
// per ISA so that the float32 sigmoid/tanh (vec_math.h, through act::m_sigmoid / m_tanh, the
// functions the sigmoid and tanh ops use) vectorize across the hidden units. Each formula is
// the op-by-op recurrence's (ember/_ops/rnn.py cell()), in the same order of operations.
#include <type_traits>

#include "cpu/isa/activation_functors.h"
#include "cpu/isa/isa.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels_rnn.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {

using act::m_sigmoid;
using act::m_tanh;

constexpr int64_t kGrain = 1 << 14;  // values per thread: a step of a small layer stays on one

template <typename T>
T* row(const RecurrentRows& r, int64_t b) {
  return r.data == nullptr ? nullptr : static_cast<T*>(r.data) + b * r.row_stride;
}

// ---- forward ---------------------------------------------------------------------------------

template <typename T, bool kBias>
void lstm_row(const T* __restrict x, const T* __restrict hg, const T* __restrict bias, const T* __restrict c_prev,
              T* __restrict h, T* c, T* w, int64_t H) {
  // c may be w's last gate (a layer keeps the cell state only there): not __restrict, and
  // both stores of one value happen in one iteration, which simd allows.
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    T gi = x[j] + (kBias ? hg[j] + bias[j] : hg[j]);
    T gf = x[H + j] + (kBias ? hg[H + j] + bias[H + j] : hg[H + j]);
    T gg = x[2 * H + j] + (kBias ? hg[2 * H + j] + bias[2 * H + j] : hg[2 * H + j]);
    T go = x[3 * H + j] + (kBias ? hg[3 * H + j] + bias[3 * H + j] : hg[3 * H + j]);
    const T i = m_sigmoid(gi), f = m_sigmoid(gf), g = m_tanh(gg), o = m_sigmoid(go);
    const T cn = f * c_prev[j] + i * g;
    w[j] = i;
    w[H + j] = f;
    w[2 * H + j] = g;
    w[3 * H + j] = o;
    w[4 * H + j] = cn;
    c[j] = cn;
    h[j] = o * m_tanh(cn);
  }
}

template <typename T, bool kBias>
void gru_row(const T* __restrict x, const T* __restrict hg, const T* __restrict bias, const T* __restrict h_prev,
             T* __restrict h, T* __restrict w, int64_t H) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T hr = kBias ? hg[j] + bias[j] : hg[j];
    const T hz = kBias ? hg[H + j] + bias[H + j] : hg[H + j];
    const T hn = kBias ? hg[2 * H + j] + bias[2 * H + j] : hg[2 * H + j];
    const T r = m_sigmoid(x[j] + hr);
    const T z = m_sigmoid(x[H + j] + hz);
    const T n = m_tanh(x[2 * H + j] + r * hn);
    w[j] = r;
    w[H + j] = z;
    w[2 * H + j] = n;
    w[3 * H + j] = hn;
    h[j] = (T(1) - z) * n + z * h_prev[j];
  }
}

template <typename T, bool kBias, bool kTanh>
void rnn_row(const T* __restrict x, const T* __restrict hg, const T* __restrict bias, T* __restrict h, int64_t H) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T pre = x[j] + (kBias ? hg[j] + bias[j] : hg[j]);
    if constexpr (kTanh) {
      h[j] = m_tanh(pre);
    } else {
      h[j] = pre > T(0) ? pre : (pre == pre ? T(0) : pre);  // relu; NaN passes through
    }
  }
}

template <typename T, bool kBias>
void step_rows(const RecurrentStepArgs& a, int64_t b0, int64_t b1) {
  const T* bias = static_cast<const T*>(a.bias);
  const int64_t H = a.hidden;
  for (int64_t b = b0; b < b1; ++b) {
    const T* x = row<T>(a.x_gates, b);
    const T* hg = row<T>(a.h_gates, b);
    switch (a.mode) {
      case RecurrentMode::LSTM:
        lstm_row<T, kBias>(x, hg, bias, row<T>(a.c_prev, b), row<T>(a.h, b), row<T>(a.c, b),
                           row<T>(a.workspace, b), H);
        break;
      case RecurrentMode::GRU:
        gru_row<T, kBias>(x, hg, bias, row<T>(a.h_prev, b), row<T>(a.h, b), row<T>(a.workspace, b), H);
        break;
      case RecurrentMode::RNNTanh:
        rnn_row<T, kBias, true>(x, hg, bias, row<T>(a.h, b), H);
        break;
      case RecurrentMode::RNNRelu:
        rnn_row<T, kBias, false>(x, hg, bias, row<T>(a.h, b), H);
        break;
    }
  }
}

// ---- backward --------------------------------------------------------------------------------

// An LSTM row: dh = grad_h + carry; dc = dc_carry + dh o (1 - tanh(c)^2); the pre-activation
// gradients of i, f, g, o; c_prev's gradient dc f goes back into the cell carry.
template <typename T>
void lstm_backward_row(const T* __restrict gh, const T* __restrict carry, T* __restrict dc_carry,
                       const T* __restrict c_prev, const T* __restrict w, T* __restrict gx, int64_t H) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T i = w[j], f = w[H + j], g = w[2 * H + j], o = w[3 * H + j], cn = w[4 * H + j];
    const T dh = gh[j] + carry[j];
    const T tc = m_tanh(cn);
    const T dc = dc_carry[j] + dh * o * (T(1) - tc * tc);
    gx[j] = dc * g * (i * (T(1) - i));
    gx[H + j] = dc * c_prev[j] * (f * (T(1) - f));
    gx[2 * H + j] = dc * i * (T(1) - g * g);
    gx[3 * H + j] = dh * tc * (o * (T(1) - o));
    dc_carry[j] = dc * f;
  }
}

// A GRU row: h = (1 - z) n + z h_prev, n = tanh(xn + r hn). The carry becomes z dh, the
// direct part of h_prev's gradient (the product with W_hh adds the rest).
template <typename T>
void gru_backward_row(const T* __restrict gh, T* __restrict carry, const T* __restrict h_prev,
                      const T* __restrict w, T* __restrict gx, T* __restrict ghh, int64_t H) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T r = w[j], z = w[H + j], n = w[2 * H + j], hn = w[3 * H + j];
    const T dh = gh[j] + carry[j];
    const T dn = dh * (T(1) - z) * (T(1) - n * n);
    const T dz = dh * (h_prev[j] - n) * (z * (T(1) - z));
    const T dr = dn * hn * (r * (T(1) - r));
    gx[j] = dr;
    gx[H + j] = dz;
    gx[2 * H + j] = dn;
    ghh[j] = dr;
    ghh[H + j] = dz;
    ghh[2 * H + j] = dn * r;
    carry[j] = dh * z;
  }
}

template <typename T, bool kTanh>
void rnn_backward_row(const T* __restrict gh, const T* __restrict carry, const T* __restrict h, T* __restrict gx,
                      int64_t H) {
#pragma omp simd
  for (int64_t j = 0; j < H; ++j) {
    const T dh = gh[j] + carry[j];
    gx[j] = kTanh ? dh * (T(1) - h[j] * h[j]) : (h[j] > T(0) ? dh : T(0));
  }
}

template <typename T>
void step_backward_rows(const RecurrentStepBackwardArgs& a, int64_t b0, int64_t b1) {
  const int64_t H = a.hidden;
  for (int64_t b = b0; b < b1; ++b) {
    const T* gh = row<T>(a.grad_h, b);
    T* carry = row<T>(a.grad_h_carry, b);
    T* gx = row<T>(a.grad_x_gates, b);
    switch (a.mode) {
      case RecurrentMode::LSTM:
        lstm_backward_row<T>(gh, carry, row<T>(a.grad_c_carry, b), row<T>(a.c_prev, b),
                                     row<T>(a.workspace, b), gx, H);
        break;
      case RecurrentMode::GRU:
        gru_backward_row<T>(gh, carry, row<T>(a.h_prev, b), row<T>(a.workspace, b), gx,
                                    row<T>(a.grad_h_gates, b), H);
        break;
      case RecurrentMode::RNNTanh:
        rnn_backward_row<T, true>(gh, carry, row<T>(a.h, b), gx, H);
        break;
      case RecurrentMode::RNNRelu:
        rnn_backward_row<T, false>(gh, carry, row<T>(a.h, b), gx, H);
        break;
    }
  }
}

int64_t rows_grain(const RecurrentMode mode, int64_t hidden) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, recurrent_gates(mode) * hidden));
}

void cpu_recurrent_step(const RecurrentStepArgs& a) {
  dispatch_floating(a.dtype, "recurrent_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      parallel_for(0, a.batch, rows_grain(a.mode, a.hidden), [&](int64_t b0, int64_t b1) {
        if (a.bias != nullptr) step_rows<T, true>(a, b0, b1);
        else step_rows<T, false>(a, b0, b1);
      });
    } else {
      EMBER_CHECK_TYPE(false, "recurrent_step: the fused kernels take float32 and float64, got ",
                       dtype_name(a.dtype));
    }
  });
}

void cpu_recurrent_step_backward(const RecurrentStepBackwardArgs& a) {
  dispatch_floating(a.dtype, "recurrent_step_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      parallel_for(0, a.batch, rows_grain(a.mode, a.hidden),
                   [&](int64_t b0, int64_t b1) { step_backward_rows<T>(a, b0, b1); });
    } else {
      EMBER_CHECK_TYPE(false, "recurrent_step_backward: the fused kernels take float32 and float64, got ",
                       dtype_name(a.dtype));
    }
  });
}

}  // namespace

void register_rnn_kernels() {
  recurrent_step_kernel.set(DeviceType::CPU, cpu_recurrent_step);
  recurrent_step_backward_kernel.set(DeviceType::CPU, cpu_recurrent_step_backward);
}

EMBER_ISA_NAMESPACE_END
