// Real transforms through a complex FFT of half the length (even n).
//
// r2c: the n reals read as h = n/2 complex z_j = x_{2j} + i x_{2j+1}; Z = FFT_h(z). With
//   E_k = (Z_k + conj Z_{h-k}) / 2   (the spectrum of the even samples)
//   O_k = (Z_k - conj Z_{h-k}) / 2i  (of the odd samples)
// the spectrum is X_k = E_k + w^k O_k, w = exp(-2 pi i / n), k = 0..h (Z_h = Z_0).
// c2r inverts it: 2E_k = X_k + conj X_{h-k}, 2O_k = (X_k - conj X_{h-k}) conj(w^k); the
// backward FFT_h of Z_k = 2E_k + i 2O_k gives n times (x_{2j} + i x_{2j+1}).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "cpu/fft/fft_plan.h"
#include "cpu/fft/fft_plan_cache.h"
#include "cpu/fft/fft_trig.h"
#include "cpu/parallel.h"

namespace ember::fft {

template <typename T>
std::shared_ptr<const RealPlan<T>> RealPlan<T>::get(int64_t n, bool forward) {
  return PlanCache<RealPlan<T>>::instance().get(n, forward);
}

template <typename T>
RealPlan<T>::RealPlan(int64_t n, bool forward) : n_(n), forward_(forward) {
  if (n < 1) throw std::invalid_argument("fft: length must be positive, got " + std::to_string(n));
  if (n % 2 == 0) {
    const int64_t h = n / 2;
    half_ = ComplexPlan<T>::get(h, forward);
    split_twiddles_.resize(h + 1);
    for (int64_t k = 0; k <= h; ++k) split_twiddles_[k] = unit_root<T>(k, n, -1);
  } else {
    full_ = ComplexPlan<T>::get(n, forward);
  }
}

template <typename T>
int64_t RealPlan<T>::scratch_size() const {
  if (half_) return n_ / 2 + half_->scratch_size();
  return 2 * n_ + full_->scratch_size();
}

template <typename T>
void RealPlan<T>::r2c(const T* in, cpx<T>* out, cpx<T>* scratch, bool threaded) const {
  const int64_t n = n_;
  if (full_) {
    cpx<T>* z = scratch;
    cpx<T>* spectrum = scratch + n;
    for (int64_t j = 0; j < n; ++j) z[j] = {in[j], T(0)};
    full_->execute(z, spectrum, scratch + 2 * n, threaded);
    std::copy(spectrum, spectrum + n / 2 + 1, out);
    return;
  }
  const int64_t h = n / 2;
  // Reals in pairs are complex numbers: the same bytes, read as cpx<T>.
  half_->execute(reinterpret_cast<const cpx<T>*>(in), out, scratch + h, threaded);
  const cpx<T> z0 = out[0];
  out[0] = {z0.re + z0.im, T(0)};
  out[h] = {z0.re - z0.im, T(0)};
  const cpx<T>* w = split_twiddles_.data();
  const T half = T(0.5);
  // Pairs (k, h-k) together, in place: each reads both before writing both.
  const int64_t grain = threaded && n >= kThreadedPassMinSize ? 8192 : h;
  parallel_for(1, h / 2 + 1, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) {
      const int64_t k2 = h - k;
      const cpx<T> zk = out[k], zc = conj(out[k2]);
      const cpx<T> e = half * (zk + zc), d = half * (zk - zc);
      const cpx<T> o = {d.im, -d.re};  // d / i
      out[k] = e + w[k] * o;
      if (k2 != k) {
        // X_{h-k} = conj(E_k) + w^{h-k} conj(O_k)... from the same E and O: E_{h-k} = conj E_k,
        // O_{h-k} = conj O_k.
        out[k2] = conj(e) + w[k2] * conj(o);
      }
    }
  });
}

template <typename T>
void RealPlan<T>::c2r(const cpx<T>* in, T* out, cpx<T>* scratch, bool threaded) const {
  const int64_t n = n_;
  if (full_) {
    // Rebuild the full Hermitian spectrum; the imaginary part of X_0 drops out of the real
    // part of the result, so it needs no clearing.
    cpx<T>* spectrum = scratch;
    cpx<T>* signal = scratch + n;
    const int64_t h = n / 2;
    for (int64_t k = 0; k <= h; ++k) spectrum[k] = in[k];
    for (int64_t k = h + 1; k < n; ++k) spectrum[k] = conj(in[n - k]);
    full_->execute(spectrum, signal, scratch + 2 * n, threaded);
    for (int64_t j = 0; j < n; ++j) out[j] = signal[j].re;
    return;
  }
  const int64_t h = n / 2;
  cpx<T>* z = scratch;
  const cpx<T>* w = split_twiddles_.data();
  // X_0 and X_h are real by symmetry: their imaginary parts are ignored.
  const T x0 = in[0].re, xh = in[h].re;
  z[0] = {x0 + xh, x0 - xh};
  const int64_t grain = threaded && n >= kThreadedPassMinSize ? 8192 : h;
  parallel_for(1, h / 2 + 1, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) {
      const int64_t k2 = h - k;
      const cpx<T> xk = in[k], xc = conj(in[k2]);
      const cpx<T> e = xk + xc, o = (xk - xc) * conj(w[k]);  // 2E_k, 2O_k
      z[k] = {e.re - o.im, e.im + o.re};                      // 2E_k + i 2O_k
      if (k2 != k) {
        const cpx<T> e2 = conj(e), o2 = conj(o);              // 2E_{h-k}, 2O_{h-k}
        z[k2] = {e2.re - o2.im, e2.im + o2.re};
      }
    }
  });
  half_->execute(z, reinterpret_cast<cpx<T>*>(out), scratch + h, threaded);
}

template class RealPlan<float>;
template class RealPlan<double>;

}  // namespace ember::fft
