#pragma once
// Complex products spelled out for the complex linalg kernels: std::complex's operator* checks
// for NaN and infinite parts on every product (C99 Annex G) and is several times slower in the
// inner loops. NaN and infinite inputs still give NaN and infinite results, only not Annex G's
// recovery of some of them.
#include <complex>

namespace ember::cpu::linalg {

inline std::complex<double> product(const std::complex<double>& a, const std::complex<double>& b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// conj(a) * b
inline std::complex<double> conj_product(const std::complex<double>& a, const std::complex<double>& b) {
  return {a.real() * b.real() + a.imag() * b.imag(), a.real() * b.imag() - a.imag() * b.real()};
}

// x -= l * y
inline void sub_product(std::complex<double>& x, const std::complex<double>& l, const std::complex<double>& y) {
  x = {x.real() - (l.real() * y.real() - l.imag() * y.imag()), x.imag() - (l.real() * y.imag() + l.imag() * y.real())};
}

}  // namespace ember::cpu::linalg
