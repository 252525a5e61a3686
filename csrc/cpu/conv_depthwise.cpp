// Depthwise convolution loops. Each output row is built tap by tap over the range of output
// columns whose input column is inside the image, so the inner loops have no bounds tests and
// vectorize (contiguously when the stride is 1).
#include "cpu/conv_depthwise.h"

#include <algorithm>
#include <vector>

#include "cpu/conv_im2col.h"
#include "cpu/parallel.h"

namespace ember::cpu_conv {

namespace {
constexpr int64_t kPlaneGrainWork = int64_t(1) << 16;  // multiply-adds per thread at least

int64_t plane_grain(const ConvGeometry& g) {
  const int64_t work = std::max<int64_t>(1, g.out_h * g.out_w * g.kernel_h * g.kernel_w);
  return std::max<int64_t>(1, kPlaneGrainWork / work);
}
}  // namespace

template <typename T>
void depthwise_forward(const ConvGeometry& g, T* out, const T* in, const T* w, const T* bias) {
  const int64_t mult = g.out_channels / g.in_channels, taps = g.kernel_h * g.kernel_w;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  parallel_for(0, g.batch * g.out_channels, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / g.out_channels, oc = p % g.out_channels;
      const T* x = in + (n * g.in_channels + oc / mult) * in_plane;
      const T* k = w + oc * taps;
      T* y = out + p * out_plane;
      std::fill(y, y + out_plane, bias ? bias[oc] : T(0));
      for (int64_t i = 0; i < g.kernel_h; ++i) {
        const int64_t h_off = i * g.dilation_h - g.pad_h;
        int64_t h_lo, h_hi;
        valid_range(g.out_h, g.in_h, g.stride_h, h_off, h_lo, h_hi);
        for (int64_t j = 0; j < g.kernel_w; ++j) {
          const int64_t w_off = j * g.dilation_w - g.pad_w;
          int64_t w_lo, w_hi;
          valid_range(g.out_w, g.in_w, g.stride_w, w_off, w_lo, w_hi);
          const T kv = k[i * g.kernel_w + j];
          for (int64_t oh = h_lo; oh < h_hi; ++oh) {
            const T* line = x + (oh * g.stride_h + h_off) * g.in_w;
            T* yrow = y + oh * g.out_w;
            if (g.stride_w == 1) {
#pragma omp simd
              for (int64_t ow = w_lo; ow < w_hi; ++ow) yrow[ow] += kv * line[ow + w_off];
            } else {
              for (int64_t ow = w_lo; ow < w_hi; ++ow) yrow[ow] += kv * line[ow * g.stride_w + w_off];
            }
          }
        }
      }
    }
  });
}

template <typename T>
void depthwise_backward_input(const ConvGeometry& g, T* grad_in, const T* grad_out, const T* w) {
  const int64_t mult = g.out_channels / g.in_channels, taps = g.kernel_h * g.kernel_w;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  // One task per input plane, which gathers from its `mult` output channels: no two tasks
  // write the same memory.
  parallel_for(0, g.batch * g.in_channels, std::max<int64_t>(1, plane_grain(g) / mult), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / g.in_channels, ic = p % g.in_channels;
      T* gi = grad_in + p * in_plane;
      std::fill(gi, gi + in_plane, T(0));
      for (int64_t oc = ic * mult; oc < (ic + 1) * mult; ++oc) {
        const T* go = grad_out + (n * g.out_channels + oc) * out_plane;
        const T* k = w + oc * taps;
        for (int64_t i = 0; i < g.kernel_h; ++i) {
          const int64_t h_off = i * g.dilation_h - g.pad_h;
          int64_t h_lo, h_hi;
          valid_range(g.out_h, g.in_h, g.stride_h, h_off, h_lo, h_hi);
          for (int64_t j = 0; j < g.kernel_w; ++j) {
            const int64_t w_off = j * g.dilation_w - g.pad_w;
            int64_t w_lo, w_hi;
            valid_range(g.out_w, g.in_w, g.stride_w, w_off, w_lo, w_hi);
            const T kv = k[i * g.kernel_w + j];
            for (int64_t oh = h_lo; oh < h_hi; ++oh) {
              T* line = gi + (oh * g.stride_h + h_off) * g.in_w;
              const T* grow = go + oh * g.out_w;
              if (g.stride_w == 1) {
#pragma omp simd
                for (int64_t ow = w_lo; ow < w_hi; ++ow) line[ow + w_off] += kv * grow[ow];
              } else {
                for (int64_t ow = w_lo; ow < w_hi; ++ow) line[ow * g.stride_w + w_off] += kv * grow[ow];
              }
            }
          }
        }
      }
    }
  });
}

template <typename T>
void depthwise_backward_weight(const ConvGeometry& g, T* grad_w, const T* grad_out, const T* in) {
  const int64_t mult = g.out_channels / g.in_channels, taps = g.kernel_h * g.kernel_w;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const int64_t work = std::max<int64_t>(1, g.batch * out_plane * taps);
  // One task per output channel, summing over the images: each tap is a dot product of an
  // output-gradient plane with a shifted input plane, carried in double across rows.
  parallel_for(0, g.out_channels, std::max<int64_t>(1, kPlaneGrainWork / work), [&](int64_t c0, int64_t c1) {
    std::vector<double> acc(taps);
    for (int64_t oc = c0; oc < c1; ++oc) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t n = 0; n < g.batch; ++n) {
        const T* go = grad_out + (n * g.out_channels + oc) * out_plane;
        const T* x = in + (n * g.in_channels + oc / mult) * in_plane;
        for (int64_t i = 0; i < g.kernel_h; ++i) {
          const int64_t h_off = i * g.dilation_h - g.pad_h;
          int64_t h_lo, h_hi;
          valid_range(g.out_h, g.in_h, g.stride_h, h_off, h_lo, h_hi);
          for (int64_t j = 0; j < g.kernel_w; ++j) {
            const int64_t w_off = j * g.dilation_w - g.pad_w;
            int64_t w_lo, w_hi;
            valid_range(g.out_w, g.in_w, g.stride_w, w_off, w_lo, w_hi);
            double sum = 0;
            for (int64_t oh = h_lo; oh < h_hi; ++oh) {
              const T* line = x + (oh * g.stride_h + h_off) * g.in_w;
              const T* grow = go + oh * g.out_w;
              T row = 0;
              if (g.stride_w == 1) {
#pragma omp simd reduction(+ : row)
                for (int64_t ow = w_lo; ow < w_hi; ++ow) row += grow[ow] * line[ow + w_off];
              } else {
                for (int64_t ow = w_lo; ow < w_hi; ++ow) row += grow[ow] * line[ow * g.stride_w + w_off];
              }
              sum += row;
            }
            acc[i * g.kernel_w + j] += sum;
          }
        }
      }
      for (int64_t t = 0; t < taps; ++t) grad_w[oc * taps + t] = static_cast<T>(acc[t]);
    }
  });
}

#define EMBER_DEPTHWISE(T)                                                                          \
  template void depthwise_forward<T>(const ConvGeometry&, T*, const T*, const T*, const T*);        \
  template void depthwise_backward_input<T>(const ConvGeometry&, T*, const T*, const T*);           \
  template void depthwise_backward_weight<T>(const ConvGeometry&, T*, const T*, const T*);
EMBER_DEPTHWISE(float)
EMBER_DEPTHWISE(double)
#undef EMBER_DEPTHWISE

}  // namespace ember::cpu_conv
