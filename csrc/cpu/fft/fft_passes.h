#pragma once
// One pass of the Stockham autosort FFT, the unit the plans chain together.
//
// A pass of radix r over a transform of total length n works on sub-transforms of length
// r*m, each repeated at stride s = n / (r*m) (s = the product of the radices of earlier
// passes). For p in [0, m) and q in [0, s) it reads the r inputs in[q + s*(p + k*m)],
// k = 0..r-1, takes their length-r DFT b_0..b_{r-1}, and writes
//     out[q + s*(r*p + j)] = b_j * w^(j*p),   w = exp(-+2*pi*i / (r*m)).
// After the last pass (m = 1) out holds the transform in natural order: no bit reversal.
// Twiddles for a pass are laid out as tw[(j-1)*m + p], j = 1..r-1, so that a loop over p
// reads each of them contiguously.
#include <cstdint>

#include "cpu/fft/fft_complex.h"

namespace ember::fft {

// The most a generic odd-radix pass handles; larger prime factors go through Bluestein.
constexpr int kMaxGenericRadix = 97;

template <typename T>
struct PassArgs {
  const cpx<T>* in;
  cpx<T>* out;
  const cpx<T>* tw;    // (r-1)*m twiddles
  const T* trig;       // cos(2*pi*t/r), sin(2*pi*t/r) interleaved, t = 0..r-1 (odd radices)
  int radix;
  int64_t m, s;
  // The slice of the pass to run: p in [p0, p1), q in [q0, q1); threads split one of them.
  int64_t p0, p1, q0, q1;
};

template <typename T>
using PassFn = void (*)(const PassArgs<T>&);

// The kernel for a radix and direction: hand-written for 2 and 4, unrolled at compile time
// for 3, 5, 7, 11, 13, and generic (runtime radix) for any other odd radix up to
// kMaxGenericRadix.
template <typename T>
PassFn<T> pass_kernel(int radix, bool forward);

}  // namespace ember::fft
