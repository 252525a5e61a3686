#pragma once
// Column buffers for the GEMM-based convolution kernels (cpu/conv.cpp). The column buffer of
// one image has a row per (input channel c, kernel tap i, j), numbered (c * KH + i) * KW + j,
// holding for each output position (oh, ow) the input value that tap reads there (zero in the
// padding). A convolution of one group is then weight (Cout/g x K) @ columns (K x OH*OW), and
// the input gradient is the transposed product scattered back by col2im.
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

// [lo, hi) of valid_range for the output rows, cut to the tile [oh0, oh1).
inline void tile_rows(const ConvGeometry& g, int64_t h_off, int64_t oh0, int64_t oh1, int64_t& lo, int64_t& hi) {
  valid_range(g.out_h, g.in_h, g.stride_h, h_off, lo, hi);
  lo = std::min(std::max(lo, oh0), oh1);
  hi = std::max(lo, std::min(hi, oh1));
}

// Writes rows [r0, r1) of the column buffer of output rows [oh0, oh1) of one image (`image`
// at its first channel); buffer rows are `ld` elements apart, column 0 is output row oh0.
template <typename T>
void im2col(const ConvGeometry& g, const T* image, T* col, int64_t ld, int64_t r0, int64_t r1, int64_t oh0,
            int64_t oh1) {
  const int64_t taps = g.kernel_h * g.kernel_w, ow_n = g.out_w, plane = g.in_h * g.in_w;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t c = r / taps, i = r % taps / g.kernel_w, j = r % g.kernel_w;
    const T* src = image + c * plane;
    const int64_t h_off = i * g.dilation_h - g.pad_h, w_off = j * g.dilation_w - g.pad_w;
    int64_t h_lo, h_hi, w_lo, w_hi;
    tile_rows(g, h_off, oh0, oh1, h_lo, h_hi);
    valid_range(ow_n, g.in_w, g.stride_w, w_off, w_lo, w_hi);
    T* dst = col + r * ld;
    std::fill(dst, dst + (h_lo - oh0) * ow_n, T(0));
    for (int64_t oh = h_lo; oh < h_hi; ++oh) {
      T* d = dst + (oh - oh0) * ow_n;
      const T* line = src + (oh * g.stride_h + h_off) * g.in_w;
      std::fill(d, d + w_lo, T(0));
      if (g.stride_w == 1) {
        std::copy(line + (w_lo + w_off), line + (w_hi + w_off), d + w_lo);
      } else {
        for (int64_t ow = w_lo; ow < w_hi; ++ow) d[ow] = line[ow * g.stride_w + w_off];
      }
      std::fill(d + w_hi, d + ow_n, T(0));
    }
    std::fill(dst + (h_hi - oh0) * ow_n, dst + (oh1 - oh0) * ow_n, T(0));
  }
}

// Adds the rows of channels [c0, c1) of the column buffer of output rows [oh0, oh1) back into
// `image` (at its first channel): every input position receives the sum over the taps that read
// it. Distinct channels touch distinct memory, so callers may split the channels over threads.
template <typename T>
void col2im(const ConvGeometry& g, const T* col, int64_t ld, T* image, int64_t c0, int64_t c1, int64_t oh0,
            int64_t oh1) {
  const int64_t ow_n = g.out_w, plane = g.in_h * g.in_w;
  for (int64_t c = c0; c < c1; ++c) {
    T* dst = image + c * plane;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const int64_t h_off = i * g.dilation_h - g.pad_h;
      int64_t h_lo, h_hi;
      tile_rows(g, h_off, oh0, oh1, h_lo, h_hi);
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t w_off = j * g.dilation_w - g.pad_w;
        int64_t w_lo, w_hi;
        valid_range(ow_n, g.in_w, g.stride_w, w_off, w_lo, w_hi);
        const T* src = col + ((c * g.kernel_h + i) * g.kernel_w + j) * ld;
        for (int64_t oh = h_lo; oh < h_hi; ++oh) {
          const T* s = src + (oh - oh0) * ow_n;
          T* line = dst + (oh * g.stride_h + h_off) * g.in_w;
          if (g.stride_w == 1) {
#pragma omp simd
            for (int64_t ow = w_lo; ow < w_hi; ++ow) line[ow + w_off] += s[ow];
          } else {
            for (int64_t ow = w_lo; ow < w_hi; ++ow) line[ow * g.stride_w + w_off] += s[ow];
          }
        }
      }
    }
  }
}

}  // namespace ember::cpu_conv
