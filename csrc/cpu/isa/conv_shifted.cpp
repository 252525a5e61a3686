// The implicit-GEMM forward of 2-D convolutions whose output rows are as long as the input's,
// or as a stride's phase of it (see cpu/conv_shifted.h).
//
// Per group, out (Cog x P) = weight (Cog x K) @ columns (K x P), with P = OH * OW positions and
// K = Cig * KH * KW rows (channel, tap). With stride 1, position q = oh * W + ow of tap (i, j)
// reads the plane at q + (i * dh - ph) * W + (j * dw - pw) when that lands inside the image,
// else zero. So a packed NR-wide panel row of the columns is one masked load of NR consecutive
// plane values, with a lane mask that depends only on the tap and the panel: the masks are
// computed once per call. Strides go through phase planes (ShiftedConv below). The blocking is
// the GEMM's (cpu/isa/gemm.cpp): a KC x NC block of B packed per thread, the weights packed
// into MR-row micro-panels once for every image, the same micro-kernels.
#include <cstdint>
#include <vector>

#include "cpu/conv_shifted.h"
#include "cpu/isa/gemm_kernel.h"
#include "cpu/isa/gemm_pack.h"
#include "cpu/parallel.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace {

using gemm::Tile;
using gemm::Vec;

// The packed B block, and a strided convolution's phases of one image.
thread_local gemm::Scratch tl_panels, tl_phases;

// dst[0:NR] = src[j] where bit j of `mask` is set, else 0. Lanes whose bit is clear are never
// read: src may point outside the plane there (past an image edge).
template <typename T>
inline void masked_panel_row(const T* src, uint64_t mask, T* dst) {
  using VT = Vec<T>;
  constexpr int W = VT::W, NV = Tile<T>::NV;
#if defined(__AVX512F__)
  // A masked load costs what a plain one does: no branch on the mask.
  for (int v = 0; v < NV; ++v) {
    const unsigned bits = unsigned(mask >> (v * W)) & ((1u << W) - 1);
    if constexpr (sizeof(T) == 4) _mm512_storeu_ps(dst + v * W, _mm512_maskz_loadu_ps(__mmask16(bits), src + v * W));
    else _mm512_storeu_pd(dst + v * W, _mm512_maskz_loadu_pd(__mmask8(bits), src + v * W));
  }
#else
  // Masked loads cost more than plain ones (or are scalar): whole rows and empty rows first.
  constexpr int NR = Tile<T>::NR;
  constexpr uint64_t kFull = NR == 64 ? ~uint64_t(0) : (uint64_t(1) << NR) - 1;
  if (mask == kFull || mask == 0) {
    for (int v = 0; v < NV; ++v) VT::store(dst + v * W, mask ? VT::load(src + v * W) : VT::zero());
    return;
  }
#if defined(__AVX2__)
  for (int v = 0; v < NV; ++v) {
    const long long bits = (long long)((mask >> (v * W)) & ((1u << W) - 1));
    if constexpr (sizeof(T) == 4) {
      const __m256i lane = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
      const __m256i on = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(int(bits)), lane), lane);
      _mm256_storeu_ps(dst + v * W, _mm256_maskload_ps(src + v * W, on));
    } else {
      const __m256i lane = _mm256_setr_epi64x(1, 2, 4, 8);
      const __m256i on = _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(bits), lane), lane);
      _mm256_storeu_pd(dst + v * W, _mm256_maskload_pd(src + v * W, on));
    }
  }
#else
  for (int j = 0; j < NR; ++j) dst[j] = (mask >> j) & 1 ? src[j] : T(0);
#endif
#endif
}

// floor(a / b) for b > 0
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// What every image shares: sizes, per-tap plane offsets, lane masks and the packed weights.
//
// A stride s > 1 along a dim first splits each channel plane into s phases along it: phase a
// holds the input rows a, a + s, a + 2s, ... Output row oh of tap offset h_off reads input row
// oh * s + h_off, which is row oh + floor(h_off / s) of phase h_off mod s, so in the phase
// planes every tap is again a constant shift of the position, as long as the output rows are as
// long as a phase's (OW == ceil(W / sw)). Only the phases some tap reads are built.
template <typename T>
struct ShiftedConv {
  static constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR, KC = Tile<T>::KC, NC = Tile<T>::NC;
  const ConvGeometry& g;
  int64_t cig, cog, taps, k, positions, panels, m_padded, in_plane;
  bool strided;                  // phases are built; otherwise the image is read in place
  int64_t phase_h, phase_w;      // a phase plane's rows and columns
  int64_t channel_stride;        // elements between channels of what the taps read
  std::vector<int64_t> phases;   // the phases built, as a * stride_w + b
  std::vector<int64_t> shift;    // per tap: offset of position 0's source within a channel
  std::vector<uint64_t> masks;   // per tap and panel: the lanes that read inside the image
  std::vector<T> weights;        // per group, per KC block, per MR rows: micro-panels

  ShiftedConv(const ConvGeometry& geometry, const T* w) : g(geometry) {
    cig = g.in_channels / g.groups;
    cog = g.out_channels / g.groups;
    taps = g.kernel_h * g.kernel_w;
    k = cig * taps;
    positions = g.out_h * g.out_w;
    panels = (positions + NR - 1) / NR;
    m_padded = (cog + MR - 1) / MR * MR;
    in_plane = g.in_h * g.in_w;
    strided = g.stride_h > 1 || g.stride_w > 1;
    phase_h = (g.in_h + g.stride_h - 1) / g.stride_h;
    phase_w = (g.in_w + g.stride_w - 1) / g.stride_w;
    std::vector<int64_t> phase_of(g.stride_h * g.stride_w, -1);
    std::vector<int64_t> tap_phase(taps);
    for (int64_t t = 0; t < taps; ++t) {
      const int64_t h_off = t / g.kernel_w * g.dilation_h - g.pad_h, w_off = t % g.kernel_w * g.dilation_w - g.pad_w;
      const int64_t ph = h_off - floor_div(h_off, g.stride_h) * g.stride_h;
      const int64_t pw = w_off - floor_div(w_off, g.stride_w) * g.stride_w;
      int64_t& slot = phase_of[ph * g.stride_w + pw];
      if (slot < 0) {
        slot = static_cast<int64_t>(phases.size());
        phases.push_back(ph * g.stride_w + pw);
      }
      tap_phase[t] = slot;
      shift.push_back(slot * phase_h * phase_w + floor_div(h_off, g.stride_h) * phase_w + floor_div(w_off, g.stride_w));
    }
    channel_stride = strided ? static_cast<int64_t>(phases.size()) * phase_h * phase_w : in_plane;
    masks.assign(taps * panels, 0);
    for (int64_t t = 0; t < taps; ++t) {
      const int64_t h_off = t / g.kernel_w * g.dilation_h - g.pad_h, w_off = t % g.kernel_w * g.dilation_w - g.pad_w;
      for (int64_t q = 0; q < positions; ++q) {
        const int64_t ih = q / g.out_w * g.stride_h + h_off, iw = q % g.out_w * g.stride_w + w_off;
        if (ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w) masks[t * panels + q / NR] |= uint64_t(1) << (q % NR);
      }
    }
    weights.resize(g.groups * m_padded * k);
    for (int64_t grp = 0; grp < g.groups; ++grp)
      for (int64_t pc = 0; pc < k; pc += KC) {
        const int64_t kc = std::min<int64_t>(KC, k - pc);
        for (int64_t ir = 0; ir < cog; ir += MR)
          gemm::pack_a(std::min<int64_t>(MR, cog - ir), kc, w + (grp * cog + ir) * k + pc, k, 1,
                       weights.data() + packed_offset(grp, pc, ir, kc));
      }
  }

  // Where the micro-panel of rows [ir, ir + MR) and depth block [pc, pc + kc) starts.
  int64_t packed_offset(int64_t grp, int64_t pc, int64_t ir, int64_t kc) const {
    return grp * m_padded * k + pc * m_padded + ir * kc;
  }

  // The phases of channels [c0, c1) of one image, channel_stride apart from `dst`. Entries past
  // the image's last row or column (an odd size) are zero; no unmasked lane reads them.
  void build_phases(const T* image, T* dst, int64_t c0, int64_t c1) const {
    for (int64_t c = c0; c < c1; ++c)
      for (size_t u = 0; u < phases.size(); ++u) {
        const int64_t a = phases[u] / g.stride_w, b = phases[u] % g.stride_w;
        const T* plane = image + c * in_plane;
        T* out = dst + c * channel_stride + static_cast<int64_t>(u) * phase_h * phase_w;
        for (int64_t y = 0; y < phase_h; ++y) {
          const int64_t ih = y * g.stride_h + a;
          T* row = out + y * phase_w;
          if (ih >= g.in_h) {
            std::fill(row, row + phase_w, T(0));
            continue;
          }
          const T* line = plane + ih * g.in_w + b;
          const int64_t inside = (g.in_w - b + g.stride_w - 1) / g.stride_w;  // columns b + s*x < W
          for (int64_t x = 0; x < inside; ++x) row[x] = line[x * g.stride_w];
          std::fill(row + inside, row + phase_w, T(0));
        }
      }
  }

  // Rows [pc, pc + kc) and positions [jc, jc + nc) of one group's columns, as NR-wide panels;
  // x is the group's first channel of what the taps read.
  void pack_columns(const T* x, int64_t pc, int64_t kc, int64_t jc, int64_t nc, T* dst) const {
    for (int64_t jr = 0; jr < nc; jr += NR, dst += kc * NR) {
      const int64_t panel = (jc + jr) / NR;
      // Lanes past the block's last position are padding, whatever the mask says.
      const int64_t live = std::min<int64_t>(NR, nc - jr);
      const uint64_t edge = live == 64 ? ~uint64_t(0) : (uint64_t(1) << live) - 1;
      int64_t c = pc / taps, t = pc % taps;
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = x + c * channel_stride + (jc + jr) + shift[t];
        masked_panel_row(src, masks[t * panels + panel] & edge, dst + p * NR);
        if (++t == taps) {
          t = 0;
          ++c;
        }
      }
    }
  }

  // Output rows [m0, m1) (multiples of MR but the last) and positions [jc, jc + nc) of group
  // grp of one image; y is that group's first output plane.
  void tile(const T* x, T* y, bool has_bias, int64_t grp, int64_t m0, int64_t m1, int64_t jc, int64_t nc) const {
    T* b_pack = tl_panels.get<T>(size_t(KC) * ((nc + NR - 1) / NR * NR));
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min<int64_t>(KC, k - pc);
      pack_columns(x, pc, kc, jc, nc, b_pack);
      const T beta = pc == 0 && !has_bias ? T(0) : T(1);  // later blocks and the bias add
      for (int64_t ir = m0; ir < m1; ir += MR) {
        const int mr = static_cast<int>(std::min<int64_t>(MR, m1 - ir));
        const T* a = weights.data() + packed_offset(grp, pc, ir, kc);
        for (int64_t jr = 0; jr < nc; jr += NR)
          gemm::run_kernel<T>(kc, a, b_pack + jr / NR * kc * NR, y + ir * positions + jc + jr, positions, 1, mr,
                              static_cast<int>(std::min<int64_t>(NR, nc - jr)), T(1), beta);
      }
    }
  }
};

template <typename T>
void fill_bias(const ShiftedConv<T>& s, T* y, const T* bias, int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c) std::fill(y + c * s.positions, y + (c + 1) * s.positions, bias[c]);
}

template <typename T>
void run(const cpu_conv::ShiftedConvArgs& args) {
  const ConvGeometry& g = *args.g;
  const ShiftedConv<T> s(g, static_cast<const T*>(args.weight));
  const T* in = static_cast<const T*>(args.in);
  const T* bias = static_cast<const T*>(args.bias);
  T* out = static_cast<T*>(args.out);
  const int64_t in_image = g.in_channels * s.in_plane, out_image = g.out_channels * s.positions;
  const int64_t source_image = g.in_channels * s.channel_stride;  // phases of one image
  const int64_t blocks = (s.positions + s.NC - 1) / s.NC;
  // Every (group, column block) tile of image n's output rows [m0, m1) of each group, reading
  // `source` (the image or its phases).
  const auto tiles = [&](const T* source, int64_t n, int64_t grp, int64_t b, int64_t m0, int64_t m1) {
    const int64_t jc = b * s.NC;
    s.tile(source + grp * s.cig * s.channel_stride, out + n * out_image + grp * s.cog * s.positions, bias, grp, m0, m1,
           jc, std::min<int64_t>(s.NC, s.positions - jc));
  };

  if (args.chunks > 1 || !args.split_images) {
    const int64_t chunks = std::max<int64_t>(1, args.chunks);
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      T* phases = s.strided ? tl_phases.get<T>(source_image) : nullptr;
      for (int64_t n = c0 * g.batch / chunks; n < c1 * g.batch / chunks; ++n) {
        const T* image = in + n * in_image;
        if (s.strided) s.build_phases(image, phases, 0, g.in_channels);
        if (bias) fill_bias(s, out + n * out_image, bias, 0, g.out_channels);
        for (int64_t grp = 0; grp < g.groups; ++grp)
          for (int64_t b = 0; b < blocks; ++b) tiles(s.strided ? phases : image, n, grp, b, 0, s.cog);
      }
    });
    return;
  }
  // Few big images: split each one's (group, column block, row range) tiles over the threads,
  // in row ranges of whole micro-panels when the blocks alone are fewer than the threads.
  const int64_t threads = get_num_threads();
  const int64_t row_tiles = s.m_padded / s.MR;
  const int64_t row_parts = std::clamp<int64_t>((threads + g.groups * blocks - 1) / (g.groups * blocks), 1, row_tiles);
  const int64_t tasks = g.groups * blocks * row_parts;
  std::vector<T> phases(s.strided ? source_image : 0);
  const int64_t plane_grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, s.in_plane));
  for (int64_t n = 0; n < g.batch; ++n) {
    const T* image = in + n * in_image;
    if (s.strided)
      parallel_for(0, g.in_channels, plane_grain,
                   [&](int64_t c0, int64_t c1) { s.build_phases(image, phases.data(), c0, c1); });
    if (bias) fill_bias(s, out + n * out_image, bias, 0, g.out_channels);
    parallel_for(0, tasks, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t grp = t / (blocks * row_parts), b = t / row_parts % blocks, part = t % row_parts;
        const int64_t m0 = part * row_tiles / row_parts * s.MR;
        const int64_t m1 = std::min(s.cog, (part + 1) * row_tiles / row_parts * s.MR);
        if (m0 < m1) tiles(s.strided ? phases.data() : image, n, grp, b, m0, m1);
      }
    });
  }
}

}  // namespace

void conv_shifted_forward(const cpu_conv::ShiftedConvArgs& args) {
  if (args.dtype == kFloat64) run<double>(args);
  else run<float>(args);
}

EMBER_ISA_NAMESPACE_END
