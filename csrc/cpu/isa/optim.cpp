// The fused optimizer updates on the CPU, compiled once per ISA (the update's square root and
// division vectorize only there, with -fno-math-errno). Each element goes through the same operations, in
// the same order and precision, as PyTorch's single-tensor algorithm applies them tensor by
// tensor, so the fused step gives the values the op-by-op step gives; it just reads and
// writes each value once.
#include <cmath>
#include <type_traits>

#include "cpu/isa/isa.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels_optim.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread: below this, one thread

// One parameter's elements [begin, end). The flags are template parameters so that each loop
// is branch-free and vectorizes (the operands never overlap: __restrict).
template <typename T, bool kMaximize, bool kDecay, bool kDecoupled, bool kAmsgrad>
void adam_range(T* __restrict p, const T* __restrict grad, T* __restrict m, T* __restrict v, T* __restrict vmax,
                const AdamStepArgs& a, int64_t begin, int64_t end) {
  const T keep = static_cast<T>(1 - a.lr * a.weight_decay);
  const T wd = static_cast<T>(a.weight_decay);
  const T w = static_cast<T>(1 - a.beta1);  // lerp weight
  const bool small_weight = w < T(0.5);     // torch's lerp takes one of two forms by the weight
  const T beta2 = static_cast<T>(a.beta2), one_minus_beta2 = static_cast<T>(1 - a.beta2);
  const T bc2_sqrt = static_cast<T>(a.bias_correction2_sqrt), eps = static_cast<T>(a.eps);
  const T neg_step = static_cast<T>(-a.step_size);
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    T g = kMaximize ? -grad[i] : grad[i];
    T pi = p[i];
    if constexpr (kDecay) {
      if constexpr (kDecoupled) pi = pi * keep;
      else g = g + wd * pi;
    }
    const T mi = m[i];
    const T new_m = small_weight ? mi + w * (g - mi) : g - (g - mi) * (T(1) - w);
    T vi = v[i] * beta2;
    vi = vi + one_minus_beta2 * g * g;
    T second = vi;
    if constexpr (kAmsgrad) {
      second = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = second;
    }
    const T denom = std::sqrt(second) / bc2_sqrt + eps;
    m[i] = new_m;
    v[i] = vi;
    p[i] = pi + neg_step * (new_m / denom);
  }
}

// adam_range with the flags of `a` as template arguments.
template <typename T>
void adam_dispatch(T* p, const T* g, T* m, T* v, T* vmax, const AdamStepArgs& a, int64_t b, int64_t e) {
  const bool decay = a.weight_decay != 0;
  auto run = [&](auto maximize, auto amsgrad) {
    if (!decay) adam_range<T, maximize.value, false, false, amsgrad.value>(p, g, m, v, vmax, a, b, e);
    else if (a.decoupled) adam_range<T, maximize.value, true, true, amsgrad.value>(p, g, m, v, vmax, a, b, e);
    else adam_range<T, maximize.value, true, false, amsgrad.value>(p, g, m, v, vmax, a, b, e);
  };
  using yes = std::true_type;
  using no = std::false_type;
  if (a.maximize) a.amsgrad ? run(yes{}, yes{}) : run(yes{}, no{});
  else a.amsgrad ? run(no{}, yes{}) : run(no{}, no{});
}

void cpu_adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                   const Tensor& max_exp_avg_sq, const AdamStepArgs& args) {
  dispatch_floating(param.dtype(), "adam_step_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      T* p = param.data_ptr<T>();
      const T* g = grad.data_ptr<T>();
      T* m = exp_avg.data_ptr<T>();
      T* v = exp_avg_sq.data_ptr<T>();
      T* vmax = args.amsgrad ? max_exp_avg_sq.data_ptr<T>() : nullptr;
      parallel_for(0, param.numel(), kGrain,
                   [&](int64_t b, int64_t e) { adam_dispatch<T>(p, g, m, v, vmax, args, b, e); });
    } else {
      EMBER_CHECK_TYPE(false, "adam_step_: the fused update takes float32 and float64, got ",
                       dtype_name(param.dtype()));
    }
  });
}

}  // namespace

void register_optim_kernels() { adam_step_kernel.set(DeviceType::CPU, cpu_adam_step); }

EMBER_ISA_NAMESPACE_END
