#pragma once
// ember's FFT engine over raw memory: batched, strided 1-D transforms of std::complex<T>
// (interleaved re, im) and real arrays, T = float or double. No tensors: callers describe the
// layout. Strides and distances count elements of the array's own type (complex elements for
// complex arrays, reals for real arrays) and may be negative.
//
// Transform b (0 <= b < howmany) of a call reads in[b*in_dist + j*in_stride] and writes
// out[b*out_dist + k*out_stride]. All transforms are unnormalized, times `scale`:
//   c2c: out[k] = scale * sum_{j<n} in[j] exp(-+2 pi i jk/n)   (- forward, + backward)
//   r2c: n reals -> the n/2+1 outputs k = 0..n/2 of the forward transform
//   c2r: n/2+1 complex inputs (a half Hermitian spectrum) -> n reals of the backward transform;
//        the imaginary parts of in[0] and, for even n, in[n/2] are ignored (as numpy does)
// Output may be the input (in place) when both have the same layout; other overlaps are
// undefined. Batches run in parallel over ember's threads; a single large transform splits
// its passes across them instead. Plans are cached per (length, kind, direction).
#include <complex>
#include <cstdint>

#include "ember/api.h"

namespace ember::fft {

EMBER_API void c2c(const std::complex<float>* in, std::complex<float>* out, int64_t n, int64_t howmany,
                   int64_t in_stride, int64_t in_dist, int64_t out_stride, int64_t out_dist, bool forward,
                   float scale);
EMBER_API void c2c(const std::complex<double>* in, std::complex<double>* out, int64_t n, int64_t howmany,
                   int64_t in_stride, int64_t in_dist, int64_t out_stride, int64_t out_dist, bool forward,
                   double scale);

EMBER_API void r2c(const float* in, std::complex<float>* out, int64_t n, int64_t howmany, int64_t in_stride,
                   int64_t in_dist, int64_t out_stride, int64_t out_dist, float scale);
EMBER_API void r2c(const double* in, std::complex<double>* out, int64_t n, int64_t howmany, int64_t in_stride,
                   int64_t in_dist, int64_t out_stride, int64_t out_dist, double scale);

EMBER_API void c2r(const std::complex<float>* in, float* out, int64_t n, int64_t howmany, int64_t in_stride,
                   int64_t in_dist, int64_t out_stride, int64_t out_dist, float scale);
EMBER_API void c2r(const std::complex<double>* in, double* out, int64_t n, int64_t howmany, int64_t in_stride,
                   int64_t in_dist, int64_t out_stride, int64_t out_dist, double scale);

// Drops every cached plan (their twiddle tables); plans in use stay alive until done.
EMBER_API void clear_plan_cache();

}  // namespace ember::fft
