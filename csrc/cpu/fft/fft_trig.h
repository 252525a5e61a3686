#pragma once
// Unit roots for twiddles, computed one step wider than the plan's type (double for float
// plans, long double for double plans) and rounded once, so a twiddle is within half an ulp.
#include <cmath>
#include <cstdint>

#include "cpu/fft/fft_complex.h"

namespace ember::fft {

template <typename T>
struct WiderOf;
template <>
struct WiderOf<float> {
  using type = double;
};
template <>
struct WiderOf<double> {
  using type = long double;
};

// exp(sign * 2 pi i k / n) for 0 <= k < n (any k is reduced mod n). The angle is folded into
// [0, pi/4] by the symmetries of sin and cos first, so the trig functions see small arguments.
template <typename T>
cpx<T> unit_root(int64_t k, int64_t n, int sign) {
  using W = typename WiderOf<T>::type;
  k %= n;
  if (k < 0) k += n;
  // Work in eighths of a turn: 8k = octant * n + rest.
  const int64_t k8 = 8 * k;
  const int64_t octant = k8 / n;
  const int64_t rest = k8 - octant * n;
  // Angle within the octant, in turns*8 units: rest / n; flip odd octants to measure from the
  // octant's far edge so the argument stays in [0, pi/4].
  const W pi_over_4 = static_cast<W>(0.785398163397448309615660845819875721049L);
  W c, s;
  if (octant % 2 == 0) {
    const W x = pi_over_4 * static_cast<W>(rest) / static_cast<W>(n);
    c = std::cos(x);
    s = std::sin(x);
  } else {
    const W x = pi_over_4 * static_cast<W>(n - rest) / static_cast<W>(n);
    // angle = (octant+1)*pi/4 - x; for odd octant the (octant+1)*pi/4 is a multiple of pi/2.
    c = std::cos(x);
    s = std::sin(x);
  }
  // (cos, sin) of the full angle from (c, s) of the reduced one.
  W re, im;
  switch (octant) {
    case 0: re = c; im = s; break;              // x
    case 1: re = s; im = c; break;              // pi/2 - x
    case 2: re = -s; im = c; break;             // pi/2 + x
    case 3: re = -c; im = s; break;             // pi - x
    case 4: re = -c; im = -s; break;            // pi + x
    case 5: re = -s; im = -c; break;            // 3pi/2 - x
    case 6: re = s; im = -c; break;             // 3pi/2 + x
    default: re = c; im = -s; break;            // 2pi - x
  }
  return {static_cast<T>(re), static_cast<T>(sign * im)};
}

}  // namespace ember::fft
