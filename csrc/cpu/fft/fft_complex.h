#pragma once
// The complex number the FFT kernels compute with: two T side by side, the layout of
// std::complex<T> and of numpy/torch complex arrays, so raw interleaved memory is cast to it.
// Hand-written operators instead of std::complex: its operator* checks for NaN/inf
// (C99 Annex G) unless -fcx-limited-range, which blocks vectorization of the butterflies.
#include <cstdint>

namespace ember::fft {

template <typename T>
struct cpx {
  T re, im;
};

template <typename T>
inline cpx<T> operator+(cpx<T> a, cpx<T> b) { return {a.re + b.re, a.im + b.im}; }
template <typename T>
inline cpx<T> operator-(cpx<T> a, cpx<T> b) { return {a.re - b.re, a.im - b.im}; }
template <typename T>
inline cpx<T> operator*(cpx<T> a, cpx<T> b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
template <typename T>
inline cpx<T> operator*(T s, cpx<T> a) { return {s * a.re, s * a.im}; }
template <typename T>
inline cpx<T> conj(cpx<T> a) { return {a.re, -a.im}; }

// a * (-i) for a forward transform, a * (+i) for a backward one: the quarter turn of the
// radix-4 butterfly, exact (a swap and a sign).
template <bool Forward, typename T>
inline cpx<T> quarter_turn(cpx<T> a) {
  return Forward ? cpx<T>{a.im, -a.re} : cpx<T>{-a.im, a.re};
}

}  // namespace ember::fft
