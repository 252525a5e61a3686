// CTC loss kernels: the alpha recursion over the extended target (blank, l1, blank, l2, ...,
// blank) in log space, and the gradient from alpha and the beta recursion, as PyTorch's. Threads
// split the batch: each sequence is independent.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels_ctc.h"

namespace ember {

namespace {

template <typename A> A neg_inf() { return -std::numeric_limits<A>::infinity(); }

// log(exp(a) + exp(b)), -inf when both are.
template <typename A> A log_add(A a, A b) {
  if (a == neg_inf<A>()) return b;
  if (b == neg_inf<A>()) return a;
  const A m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

// log(exp(a) + exp(b) + exp(c)), -inf when all are.
template <typename A> A log_add3(A a, A b, A c) {
  const A m = std::max(a, std::max(b, c));
  if (m == neg_inf<A>()) return m;
  return m + std::log(std::exp(a - m) + std::exp(b - m) + std::exp(c - m));
}

// The label at position s of sequence n's extended target.
inline int64_t label(const int64_t* targets, int64_t S, int64_t n, int64_t s, int64_t blank) {
  return s % 2 == 0 ? blank : targets[n * S + s / 2];
}

void cpu_ctc_loss(const Tensor& nll, const Tensor& log_alpha, const Tensor& log_probs, const Tensor& targets,
                  const std::vector<int64_t>& input_lengths, const std::vector<int64_t>& target_lengths,
                  int64_t blank) {
  const int64_t T = log_probs.size(0), N = log_probs.size(1), C = log_probs.size(2);
  const int64_t S = targets.size(1), width = 2 * S + 1;
  const int64_t* tg = static_cast<const int64_t*>(targets.data_ptr());
  dispatch_floating(log_probs.dtype(), "ctc_loss", [&](auto tag) {
    using T_ = typename decltype(tag)::type;
    using A = opmath_t<T_>;
    const T_* lp = static_cast<const T_*>(log_probs.data_ptr());
    T_* out = static_cast<T_*>(nll.data_ptr());
    T_* alpha_out = static_cast<T_*>(log_alpha.data_ptr());
    auto at = [&](int64_t t, int64_t n, int64_t c) { return static_cast<A>(lp[(t * N + n) * C + c]); };
    parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
      std::vector<A> la(static_cast<size_t>(T * width));
      for (int64_t n = b; n < e; ++n) {
        const int64_t L = input_lengths[n], tl = target_lengths[n], used = 2 * tl + 1;
        std::fill(la.begin(), la.end(), neg_inf<A>());
        if (L > 0) {
          la[0] = at(0, n, blank);
          if (tl > 0) la[1] = at(0, n, label(tg, S, n, 1, blank));
        }
        for (int64_t t = 1; t < L; ++t) {
          const A* prev = la.data() + (t - 1) * width;
          A* cur = la.data() + t * width;
          for (int64_t s = 0; s < used; ++s) {
            const int64_t l = label(tg, S, n, s, blank);
            const A one = s > 0 ? prev[s - 1] : neg_inf<A>();
            const bool skip = s > 1 && l != blank && l != label(tg, S, n, s - 2, blank);
            const A two = skip ? prev[s - 2] : neg_inf<A>();
            const A sum = log_add3(prev[s], one, two);
            cur[s] = sum == neg_inf<A>() ? sum : sum + at(t, n, l);
          }
        }
        A likelihood;
        if (L == 0) {
          likelihood = tl == 0 ? A(0) : neg_inf<A>();
        } else {
          const A* last = la.data() + (L - 1) * width;
          likelihood = log_add(last[2 * tl], tl > 0 ? last[2 * tl - 1] : neg_inf<A>());
        }
        out[n] = static_cast<T_>(-likelihood);
        T_* dst = alpha_out + n * T * width;
        for (int64_t i = 0; i < T * width; ++i) dst[i] = static_cast<T_>(la[i]);
      }
    });
  });
}

void cpu_ctc_loss_backward(const Tensor& grad_log_probs, const Tensor& grad, const Tensor& log_probs,
                           const Tensor& targets, const std::vector<int64_t>& input_lengths,
                           const std::vector<int64_t>& target_lengths, const Tensor& nll, const Tensor& log_alpha,
                           int64_t blank, bool zero_infinity) {
  const int64_t T = log_probs.size(0), N = log_probs.size(1), C = log_probs.size(2);
  const int64_t S = targets.size(1), width = 2 * S + 1;
  const int64_t* tg = static_cast<const int64_t*>(targets.data_ptr());
  dispatch_floating(log_probs.dtype(), "ctc_loss_backward", [&](auto tag) {
    using T_ = typename decltype(tag)::type;
    using A = opmath_t<T_>;
    const T_* lp = static_cast<const T_*>(log_probs.data_ptr());
    const T_* gr = static_cast<const T_*>(grad.data_ptr());
    const T_* loss = static_cast<const T_*>(nll.data_ptr());
    const T_* alpha = static_cast<const T_*>(log_alpha.data_ptr());
    T_* out = static_cast<T_*>(grad_log_probs.data_ptr());
    auto at = [&](int64_t t, int64_t n, int64_t c) { return static_cast<A>(lp[(t * N + n) * C + c]); };
    parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
      std::vector<A> lb(static_cast<size_t>(T * width));
      std::vector<A> lcab(static_cast<size_t>(C));
      for (int64_t n = b; n < e; ++n) {
        const int64_t L = input_lengths[n], tl = target_lengths[n], used = 2 * tl + 1;
        const A nll_n = static_cast<A>(loss[n]);
        if (L == 0 || (zero_infinity && nll_n == std::numeric_limits<A>::infinity())) continue;  // stays zero
        std::fill(lb.begin(), lb.end(), neg_inf<A>());
        A* end = lb.data() + (L - 1) * width;
        end[2 * tl] = at(L - 1, n, blank);
        if (tl > 0) end[2 * tl - 1] = at(L - 1, n, label(tg, S, n, 2 * tl - 1, blank));
        for (int64_t t = L - 2; t >= 0; --t) {
          const A* next = lb.data() + (t + 1) * width;
          A* cur = lb.data() + t * width;
          for (int64_t s = 0; s < used; ++s) {
            const int64_t l = label(tg, S, n, s, blank);
            const A one = s + 1 < used ? next[s + 1] : neg_inf<A>();
            bool skip = false;
            if (s + 2 < used) {
              const int64_t l2 = label(tg, S, n, s + 2, blank);
              skip = l2 != blank && l2 != l;
            }
            const A two = skip ? next[s + 2] : neg_inf<A>();
            const A sum = log_add3(next[s], one, two);
            cur[s] = sum == neg_inf<A>() ? sum : sum + at(t, n, l);
          }
        }
        const A g = static_cast<A>(gr[n]);
        for (int64_t t = 0; t < L; ++t) {
          std::fill(lcab.begin(), lcab.end(), neg_inf<A>());
          const T_* a = alpha + (n * T + t) * width;
          const A* bt = lb.data() + t * width;
          for (int64_t s = 0; s < used; ++s) {
            const int64_t l = label(tg, S, n, s, blank);
            lcab[l] = log_add(lcab[l], static_cast<A>(a[s]) + bt[s]);
          }
          T_* row = out + (t * N + n) * C;
          for (int64_t c = 0; c < C; ++c) {
            const A v = at(t, n, c);
            row[c] = static_cast<T_>((std::exp(v) - std::exp(lcab[c] + nll_n - v)) * g);
          }
        }
      }
    });
  });
}

}  // namespace

void register_cpu_ctc_kernels() {
  ctc_loss_kernel.set(DeviceType::CPU, cpu_ctc_loss);
  ctc_loss_backward_kernel.set(DeviceType::CPU, cpu_ctc_loss_backward);
}

}  // namespace ember
