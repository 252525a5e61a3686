// CPU kernels of nll_loss and its backward (the contract is in dispatch/kernels.h). Both are
// gathers/scatters of one element per (n, s), so they are memory-bound and simple; rows are
// split over threads, and no two (n, s) write the same element.
#include <type_traits>

#include "cpu/convert.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"

namespace ember {

namespace {
constexpr int64_t kGrain = 1 << 14;

void check_targets(const NllLossArgs& a) {
  const int64_t count = a.n * a.s;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t t = a.target[i];
    EMBER_CHECK_INDEX(t == a.ignore_index || (t >= 0 && t < a.c), "nll_loss: target ", t,
                      " is out of bounds for ", a.c, " classes (at flat position ", i, " of the target)");
  }
}

template <typename T>
void nll_forward(const NllLossArgs& a, const T* input, T* loss, T* counted) {
  using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
  parallel_for(0, a.n * a.s, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t t = a.target[i];
      if (t == a.ignore_index) {
        loss[i] = T(0);
        counted[i] = T(0);
        continue;
      }
      const int64_t n = i / a.s, s = i % a.s;
      const Acc w = a.weight ? convert<Acc>(static_cast<const T*>(a.weight)[t]) : Acc(1);
      loss[i] = convert<T>(-w * convert<Acc>(input[(n * a.c + t) * a.s + s]));
      counted[i] = convert<T>(w);
    }
  });
}

template <typename T>
void nll_backward(const NllLossArgs& a, const T* grad, T* grad_input) {
  using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
  parallel_for(0, a.n * a.s, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t t = a.target[i];
      if (t == a.ignore_index) continue;
      const int64_t n = i / a.s, s = i % a.s;
      const Acc w = a.weight ? convert<Acc>(static_cast<const T*>(a.weight)[t]) : Acc(1);
      grad_input[(n * a.c + t) * a.s + s] = convert<T>(-w * convert<Acc>(grad[i]));
    }
  });
}

void cpu_nll_loss(const NllLossArgs& a, const void* input, void* loss, void* counted) {
  check_targets(a);
  dispatch_floating(a.dtype, "nll_loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    nll_forward<T>(a, static_cast<const T*>(input), static_cast<T*>(loss), static_cast<T*>(counted));
  });
}

void cpu_nll_loss_backward(const NllLossArgs& a, const void* grad, void* grad_input) {
  check_targets(a);
  dispatch_floating(a.dtype, "nll_loss_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    nll_backward<T>(a, static_cast<const T*>(grad), static_cast<T*>(grad_input));
  });
}
}  // namespace

void register_cpu_loss_kernels() {
  nll_loss_kernel.set(DeviceType::CPU, cpu_nll_loss);
  nll_loss_backward_kernel.set(DeviceType::CPU, cpu_nll_loss_backward);
}

}  // namespace ember
