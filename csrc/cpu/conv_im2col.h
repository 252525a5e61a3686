#pragma once
// Column buffers for the GEMM-based convolution kernels (cpu/conv.cpp). The column buffer of
// one image has a row per (input channel c, kernel tap kd, i, j), numbered
// ((c * KD + kd) * KH + i) * KW + j, holding for each output position (od, oh, ow) the input
// value that tap reads there (zero in the padding). A convolution of one group is then
// weight (Cout/g x K) @ columns (K x OD*OH*OW), and the input gradient is the transposed
// product scattered back by col2im. 1-D and 2-D convolutions have KD = OD = D = 1.
//
// Output positions come in lines of OW: line t is (od, oh) = (t / OH, t % OH), and a tile of
// the column buffer is a range of lines [t0, t1).
#include <algorithm>
#include <cstdint>

#include "dispatch/kernels.h"

namespace ember::cpu_conv {

// The output positions [lo, hi) along one dim whose input index o * stride + offset lies in
// [0, size); `out` positions exist.
inline void valid_range(int64_t out, int64_t size, int64_t stride, int64_t offset, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;        // o * stride + offset >= 0
  hi = size - offset <= 0 ? 0 : (size - offset + stride - 1) / stride;  // ... < size
  lo = std::min(lo, out);
  hi = std::max(lo, std::min(hi, out));
}

// The input line (of the image's D*H lines) that the tap at depth and row offsets (d_off,
// h_off) reads for output line t, or -1 when that is in the padding.
inline int64_t source_line(const ConvGeometry& g, int64_t t, int64_t d_off, int64_t h_off) {
  const int64_t od = t / g.out_h, oh = t - od * g.out_h;
  const int64_t id = od * g.stride_d + d_off, ih = oh * g.stride_h + h_off;
  if (id < 0 || id >= g.in_d || ih < 0 || ih >= g.in_h) return -1;
  return id * g.in_h + ih;
}

// A kernel tap's offsets: row r of the column buffer is (channel, tap).
struct Tap {
  int64_t d_off, h_off, w_off;
};
inline Tap tap_of(const ConvGeometry& g, int64_t tap) {
  const int64_t khw = g.kernel_h * g.kernel_w;
  const int64_t kd = tap / khw, i = tap % khw / g.kernel_w, j = tap % g.kernel_w;
  return {kd * g.dilation_d - g.pad_d, i * g.dilation_h - g.pad_h, j * g.dilation_w - g.pad_w};
}

// A 2-D stride-1 convolution whose output lines are as long as the input's ("same" padding
// along W): a tap's output lines [t0, t1) read consecutive input lines, so the rows of the
// column buffer are one block copy from the input shifted by the tap's offsets, with the
// columns that fall into the padding cleared afterwards.
inline bool shifted_copies(const ConvGeometry& g) {
  return g.in_d == 1 && g.out_d == 1 && g.stride_h == 1 && g.stride_w == 1 && g.out_w == g.in_w;
}

// One column-buffer row (a tap at offsets k of one channel plane `src`) for output lines
// [t0, t1), in the shifted_copies case; [w_lo, w_hi) are the tap's columns inside the image.
template <typename T>
void shifted_row(const ConvGeometry& g, const T* src, const Tap& k, int64_t w_lo, int64_t w_hi, T* dst, int64_t t0,
                 int64_t t1) {
  const int64_t w = g.in_w;
  int64_t h_lo, h_hi;
  valid_range(g.out_h, g.in_h, 1, k.h_off, h_lo, h_hi);
  const int64_t a = std::clamp(h_lo, t0, t1), b = std::clamp(h_hi, a, t1);
  std::fill(dst, dst + (a - t0) * w, T(0));
  std::fill(dst + (b - t0) * w, dst + (t1 - t0) * w, T(0));
  if (a == b) return;
  // Output line a, column 0 reads the plane at `start`; the block may begin before the plane
  // or end after it only inside columns that are cleared below.
  const int64_t start = (a + k.h_off) * w + k.w_off, count = (b - a) * w;
  const int64_t q0 = std::max<int64_t>(0, -start), q1 = std::min(count, g.in_h * w - start);
  T* block = dst + (a - t0) * w;
  if (q0 < q1) std::copy(src + start + q0, src + start + q1, block + q0);
  if (w_lo == 0 && w_hi == w) return;
  for (int64_t line = 0; line < b - a; ++line) {
    T* d = block + line * w;
    std::fill(d, d + std::min(w_lo, w), T(0));
    std::fill(d + std::max(w_hi, w_lo), d + w, T(0));
  }
}

// Writes rows [r0, r1) of the column buffer of output lines [t0, t1) of one image (`image`
// at its first channel); buffer rows are `ld` elements apart, column 0 is line t0's first.
template <typename T>
void im2col(const ConvGeometry& g, const T* image, T* col, int64_t ld, int64_t r0, int64_t r1, int64_t t0,
            int64_t t1) {
  const int64_t taps = g.kernel_d * g.kernel_h * g.kernel_w, ow_n = g.out_w;
  const int64_t volume = g.in_d * g.in_h * g.in_w;
  const bool shifted = shifted_copies(g);
  for (int64_t r = r0; r < r1; ++r) {
    const T* src = image + r / taps * volume;
    const Tap k = tap_of(g, r % taps);
    int64_t w_lo, w_hi;
    valid_range(ow_n, g.in_w, g.stride_w, k.w_off, w_lo, w_hi);
    T* dst = col + r * ld;
    if (shifted) {
      shifted_row(g, src, k, w_lo, w_hi, dst, t0, t1);
      continue;
    }
    for (int64_t t = t0; t < t1; ++t) {
      T* d = dst + (t - t0) * ow_n;
      const int64_t s = source_line(g, t, k.d_off, k.h_off);
      if (s < 0) {
        std::fill(d, d + ow_n, T(0));
        continue;
      }
      const T* line = src + s * g.in_w;
      std::fill(d, d + w_lo, T(0));
      if (g.stride_w == 1) {
        std::copy(line + (w_lo + k.w_off), line + (w_hi + k.w_off), d + w_lo);
      } else {
        for (int64_t ow = w_lo; ow < w_hi; ++ow) d[ow] = line[ow * g.stride_w + k.w_off];
      }
      std::fill(d + w_hi, d + ow_n, T(0));
    }
  }
}

// Adds the rows of channels [c0, c1) of the column buffer of output lines [t0, t1) back into
// `image` (at its first channel): every input position receives the sum over the taps that read
// it. Distinct channels touch distinct memory, so callers may split the channels over threads.
template <typename T>
void col2im(const ConvGeometry& g, const T* col, int64_t ld, T* image, int64_t c0, int64_t c1, int64_t t0,
            int64_t t1) {
  const int64_t taps = g.kernel_d * g.kernel_h * g.kernel_w, ow_n = g.out_w;
  const int64_t volume = g.in_d * g.in_h * g.in_w;
  for (int64_t c = c0; c < c1; ++c) {
    T* dst = image + c * volume;
    for (int64_t tap = 0; tap < taps; ++tap) {
      const Tap k = tap_of(g, tap);
      int64_t w_lo, w_hi;
      valid_range(ow_n, g.in_w, g.stride_w, k.w_off, w_lo, w_hi);
      const T* src = col + (c * taps + tap) * ld;
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t s_line = source_line(g, t, k.d_off, k.h_off);
        if (s_line < 0) continue;
        const T* s = src + (t - t0) * ow_n;
        T* line = dst + s_line * g.in_w;
        if (g.stride_w == 1) {
#pragma omp simd
          for (int64_t ow = w_lo; ow < w_hi; ++ow) line[ow + k.w_off] += s[ow];
        } else {
          for (int64_t ow = w_lo; ow < w_hi; ++ow) line[ow * g.stride_w + k.w_off] += s[ow];
        }
      }
    }
  }
}

}  // namespace ember::cpu_conv
