// Complex plans: factor the length, precompute twiddles, chain the Stockham passes, or fall
// back to Bluestein's chirp-z for lengths with a large prime factor.
#include "cpu/fft/fft_plan.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "cpu/fft/fft_plan_cache.h"
#include "cpu/fft/fft_trig.h"
#include "cpu/parallel.h"

namespace ember::fft {

namespace {

// The radices of a Stockham chain for n: powers of two in radix-4 passes (a radix-2 pass last
// when the exponent is odd), then the odd primes in increasing order. Radix-8 passes (fewer
// sweeps over memory) measured 0-20% slower than radix 4 at every power of two from 256 to
// 2^20 with this compiler and baseline x86-64: their butterflies spill registers.
std::vector<int> factor_radices(int64_t n) {
  std::vector<int> radices;
  int twos = 0;
  while (n % 2 == 0) {
    n /= 2;
    ++twos;
  }
  for (int i = 0; i < twos / 2; ++i) radices.push_back(4);
  if (twos % 2 == 1) radices.push_back(2);
  for (int64_t p = 3; p * p <= n; p += 2)
    while (n % p == 0) {
      radices.push_back(static_cast<int>(p));
      n /= p;
    }
  if (n > 1) radices.push_back(n > (int64_t(1) << 30) ? -1 : static_cast<int>(n));
  return radices;
}

// Rough operation counts per element, to choose between the passes and Bluestein.
double pass_cost(int radix) {
  switch (radix) {
    case 2: return 2.5;
    case 4: return 4.0;
    case 8: return 5.5;
    case 3: return 4.0;
    case 5: return 5.5;
    case 7: return 7.0;
    case 11: return 10.0;
    case 13: return 12.0;
    default: return radix * 1.2;  // the generic pass: O(r) work per element, scalar
  }
}
double chain_cost(int64_t n, const std::vector<int>& radices) {
  double c = 0;
  for (int r : radices) c += pass_cost(r);
  return c * static_cast<double>(n);
}
bool chain_possible(const std::vector<int>& radices) {
  for (int r : radices)
    if (r < 0 || (r > 13 && r > kMaxGenericRadix)) return false;
  return true;
}

// The smallest 2^a 3^b 5^c >= n: the convolution length of Bluestein.
int64_t smooth_length_at_least(int64_t n) {
  int64_t best = int64_t(1) << 62;
  for (int64_t p5 = 1; p5 < best; p5 *= 5)
    for (int64_t p35 = p5; p35 < best; p35 *= 3) {
      int64_t v = p35;
      while (v < n) v *= 2;
      if (v < best) best = v;
    }
  return best;
}

bool bluestein_cheaper(int64_t n, const std::vector<int>& radices) {
  if (!chain_possible(radices)) return true;
  int largest = 0;
  for (int r : radices) largest = std::max(largest, r);
  if (largest <= 13) return false;
  const int64_t m = smooth_length_at_least(2 * n - 1);
  const double blue = 2.0 * chain_cost(m, factor_radices(m)) + 8.0 * static_cast<double>(m);
  return blue < chain_cost(n, radices);
}

}  // namespace

template <typename T>
std::shared_ptr<const ComplexPlan<T>> ComplexPlan<T>::get(int64_t n, bool forward) {
  return PlanCache<ComplexPlan<T>>::instance().get(n, forward);
}

template <typename T>
ComplexPlan<T>::ComplexPlan(int64_t n, bool forward) : n_(n), forward_(forward) {
  if (n < 1) throw std::invalid_argument("fft: length must be positive, got " + std::to_string(n));
  const std::vector<int> radices = factor_radices(n);
  if (n > 1 && bluestein_cheaper(n, radices))
    build_bluestein();
  else
    build_passes(radices);
}

template <typename T>
void ComplexPlan<T>::build_passes(const std::vector<int>& radices) {
  const int sign = forward_ ? -1 : 1;
  int64_t s = 1;
  for (int r : radices) {
    const int64_t m = n_ / (s * r);
    Pass pass{r, m, s, pass_kernel<T>(r, forward_), static_cast<int64_t>(twiddles_.size()),
              static_cast<int64_t>(trig_.size())};
    if (!pass.fn) throw std::logic_error("fft: no pass kernel for radix " + std::to_string(r));
    // tw[(j-1)*m + p] = exp(-+2 pi i j p / (r m)) = exp(-+2 pi i (j p s) / n): the angles
    // come from the root table of n, each computed directly in wider precision.
    if (m > 1)
      for (int j = 1; j < r; ++j)
        for (int64_t p = 0; p < m; ++p) twiddles_.push_back(unit_root<T>(j * p * s, n_, sign));
    for (int t = 0; t < r; ++t) {
      const cpx<T> w = unit_root<T>(t, r, 1);
      trig_.push_back(w.re);
      trig_.push_back(w.im);
    }
    passes_.push_back(pass);
    s *= r;
  }
}

template <typename T>
void ComplexPlan<T>::build_bluestein() {
  const int sign = forward_ ? -1 : 1;
  m_ = smooth_length_at_least(2 * n_ - 1);
  inner_ = ComplexPlan<T>::get(m_, true);
  // c_j = exp(-+ i pi j^2 / n) = exp(-+ 2 pi i (j^2 mod 2n) / (2n)); j^2 reduced exactly
  // in integers, so the angle stays small and accurate even for j near n ~ 10^6.
  chirp_.resize(n_);
  const int64_t two_n = 2 * n_;
  for (int64_t j = 0; j < n_; ++j) {
    const int64_t jj = static_cast<int64_t>((static_cast<unsigned __int128>(j) * j) % two_n);
    chirp_[j] = unit_root<T>(jj, two_n, sign);
  }
  // The convolution kernel conj(c_t), t in (-n, n), wrapped onto [0, m); its spectrum is
  // computed once in double (whatever T) and folded with the 1/m of the inverse FFT.
  std::vector<cpx<double>> kernel(m_, cpx<double>{0, 0}), spectrum(m_);
  for (int64_t t = 0; t < n_; ++t) {
    const int64_t tt = static_cast<int64_t>((static_cast<unsigned __int128>(t) * t) % two_n);
    const cpx<double> b = unit_root<double>(tt, two_n, -sign);
    kernel[t] = b;
    if (t > 0) kernel[m_ - t] = b;
  }
  auto kernel_plan = ComplexPlan<double>::get(m_, true);
  std::vector<cpx<double>> scratch(kernel_plan->scratch_size());
  kernel_plan->execute(kernel.data(), spectrum.data(), scratch.data(), true);
  kernel_spectrum_.resize(m_);
  const double inv_m = 1.0 / static_cast<double>(m_);
  for (int64_t k = 0; k < m_; ++k)
    kernel_spectrum_[k] = {static_cast<T>(spectrum[k].re * inv_m), static_cast<T>(spectrum[k].im * inv_m)};
}

template <typename T>
int64_t ComplexPlan<T>::scratch_size() const {
  if (inner_) return 2 * m_ + inner_->scratch_size();
  return n_;
}

template <typename T>
void ComplexPlan<T>::execute(const cpx<T>* in, cpx<T>* out, cpx<T>* scratch, bool threaded) const {
  if (inner_)
    run_bluestein(in, out, scratch, threaded);
  else
    run_passes(in, out, scratch, threaded, 1);
}

template <typename T>
void ComplexPlan<T>::execute_bundle(const cpx<T>* in, cpx<T>* out, cpx<T>* scratch, int64_t width) const {
  run_passes(in, out, scratch, false, width);
}

template <typename T>
void ComplexPlan<T>::run_passes(const cpx<T>* in, cpx<T>* out, cpx<T>* scratch, bool threaded,
                                int64_t width) const {
  const size_t count = passes_.size();
  if (count == 0) {
    for (int64_t b = 0; b < width; ++b) out[b] = in[b];
    return;
  }
  threaded = threaded && n_ >= kThreadedPassMinSize && get_num_threads() > 1;
  const cpx<T>* src = in;
  for (size_t i = 0; i < count; ++i) {
    const Pass& ps = passes_[i];
    // Ping-pong between scratch and out so that the last pass lands in out.
    cpx<T>* dst = ((count - 1 - i) % 2 == 0) ? out : scratch;
    PassArgs<T> args{src, dst, twiddles_.data() + ps.tw_offset, trig_.data() + ps.trig_offset,
                     ps.radix, ps.m, ps.s * width, 0, ps.m, 0, ps.s * width};
    if (!threaded) {
      ps.fn(args);
    } else if (ps.m >= args.s) {
      parallel_for(0, ps.m, 1, [&](int64_t b, int64_t e) {
        PassArgs<T> part = args;
        part.p0 = b;
        part.p1 = e;
        ps.fn(part);
      });
    } else {
      parallel_for(0, args.s, 1, [&](int64_t b, int64_t e) {
        PassArgs<T> part = args;
        part.q0 = b;
        part.q1 = e;
        ps.fn(part);
      });
    }
    src = dst;
  }
}

// X_k = c_k * sum_j (x_j c_j) conj(c_{k-j}): a circular convolution of length m, computed as
// conj(FFT(conj(FFT(a) * K))) with K the kernel's spectrum over m, so one forward plan does it.
template <typename T>
void ComplexPlan<T>::run_bluestein(const cpx<T>* in, cpx<T>* out, cpx<T>* scratch, bool threaded) const {
  cpx<T>* a = scratch;
  cpx<T>* b = scratch + m_;
  cpx<T>* inner_scratch = scratch + 2 * m_;
  const int64_t n = n_, m = m_;
  const cpx<T>* chirp = chirp_.data();
  const cpx<T>* spec = kernel_spectrum_.data();
  const int64_t grain = threaded ? 16384 : m + n;  // one chunk when not threaded
  parallel_for(0, m, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t j = lo; j < hi; ++j) a[j] = j < n ? in[j] * chirp[j] : cpx<T>{T(0), T(0)};
  });
  inner_->execute(a, b, inner_scratch, threaded);
  parallel_for(0, m, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) b[k] = conj(b[k] * spec[k]);
  });
  inner_->execute(b, a, inner_scratch, threaded);
  parallel_for(0, n, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) out[k] = chirp[k] * conj(a[k]);
  });
}

template class ComplexPlan<float>;
template class ComplexPlan<double>;

}  // namespace ember::fft
