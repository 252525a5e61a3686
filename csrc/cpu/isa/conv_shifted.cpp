// The implicit-GEMM forward of 2-D convolutions whose output rows are as long as the input's,
// or as a stride's phase of it (see cpu/conv_shifted.h).
//
// Per group, out (Cog x P) = weight (Cog x K) @ columns (K x P), with P = OH * OW positions and
// K = Cig * KH * KW rows (channel, tap). With stride 1, position q = oh * W + ow of tap (i, j)
// reads the plane at q + (i * dh - ph) * W + (j * dw - pw) when that lands inside the image,
// else zero. So a packed NR-wide panel row of the columns is one masked load of NR consecutive
// plane values, with a lane mask that depends only on the tap and the panel: the masks are
// computed once per call. Strides go through phase planes (Phases below), and so does a strided
// convolution's input gradient, phase by phase. The blocking is
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

// One implicit GEMM per group: out (Cog x P) = weights (Cog x K) @ columns (K x P), where
// column row r = (channel c, tap t) holds, at position q, source channel c's value at q + shift[t]
// when bit q % NR of masks[t * panels + q / NR] is set, else zero. The weights are packed into
// MR-row micro-panels once; each thread packs its own KC x NC blocks of the columns.
template <typename T>
struct ShiftedGemm {
  static constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR, KC = Tile<T>::KC, NC = Tile<T>::NC;
  int64_t groups, cig, cog, taps, k, positions, panels, m_padded, channel_stride;
  std::vector<int64_t> shift;    // per tap
  std::vector<uint64_t> masks;   // per tap and panel of NR positions
  std::vector<T> weights;        // per group, per KC block, per MR rows: micro-panels

  // `w` holds each group's Cog x (Cig * taps) weight matrix, rows w_rs apart.
  ShiftedGemm(int64_t groups_, int64_t cig_, int64_t cog_, int64_t taps_, int64_t positions_, int64_t channel_stride_)
      : groups(groups_), cig(cig_), cog(cog_), taps(taps_), k(cig_ * taps_), positions(positions_),
        panels((positions_ + NR - 1) / NR), m_padded((cog_ + MR - 1) / MR * MR), channel_stride(channel_stride_),
        shift(taps_), masks(taps_ * panels, 0) {}

  // Sets the lanes of tap t's positions for which inside(q) holds.
  template <typename F>
  void set_mask(int64_t t, const F& inside) {
    for (int64_t q = 0; q < positions; ++q)
      if (inside(q)) masks[t * panels + q / NR] |= uint64_t(1) << (q % NR);
  }

  void pack_weights(const T* w) {
    weights.resize(groups * m_padded * k);
    for (int64_t grp = 0; grp < groups; ++grp)
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

  // Rows [pc, pc + kc) and positions [jc, jc + nc) of one group's columns, as NR-wide panels;
  // x is the group's first source channel.
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

  // Output rows [m0, m1) (multiples of MR but the last) and column block b of group grp; x and
  // y are the group's first source channel and first output plane. add: y holds values (a
  // bias) that the product adds to.
  void tile(const T* x, T* y, bool add, int64_t grp, int64_t m0, int64_t m1, int64_t b) const {
    const int64_t jc = b * NC, nc = std::min<int64_t>(NC, positions - jc);
    T* b_pack = tl_panels.get<T>(size_t(KC) * ((nc + NR - 1) / NR * NR));
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min<int64_t>(KC, k - pc);
      pack_columns(x, pc, kc, jc, nc, b_pack);
      const T beta = pc == 0 && !add ? T(0) : T(1);
      for (int64_t ir = m0; ir < m1; ir += MR) {
        const int mr = static_cast<int>(std::min<int64_t>(MR, m1 - ir));
        const T* a = weights.data() + packed_offset(grp, pc, ir, kc);
        for (int64_t jr = 0; jr < nc; jr += NR)
          gemm::run_kernel<T>(kc, a, b_pack + jr / NR * kc * NR, y + ir * positions + jc + jr, positions, 1, mr,
                              static_cast<int>(std::min<int64_t>(NR, nc - jr)), T(1), beta);
      }
    }
  }

  int64_t blocks() const { return (positions + NC - 1) / NC; }

  // The whole product of one image on the calling thread; source and out at the image's first
  // channel.
  void image(const T* source, T* out, bool add) const {
    for (int64_t grp = 0; grp < groups; ++grp)
      for (int64_t b = 0; b < blocks(); ++b)
        tile(source + grp * cig * channel_stride, out + grp * cog * positions, add, grp, 0, cog, b);
  }

  // The same with its (group, column block, row range) tiles split over the threads, in row
  // ranges of whole micro-panels when the blocks alone are fewer than the threads.
  void image_split(const T* source, T* out, bool add) const {
    const int64_t threads = get_num_threads(), row_tiles = m_padded / MR;
    const int64_t row_parts = std::clamp<int64_t>((threads + groups * blocks() - 1) / (groups * blocks()), 1, row_tiles);
    parallel_for(0, groups * blocks() * row_parts, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t grp = t / (blocks() * row_parts), b = t / row_parts % blocks(), part = t % row_parts;
        const int64_t m0 = part * row_tiles / row_parts * MR;
        const int64_t m1 = std::min(cog, (part + 1) * row_tiles / row_parts * MR);
        if (m0 < m1) tile(source + grp * cig * channel_stride, out + grp * cog * positions, add, grp, m0, m1, b);
      }
    });
  }
};

// floor(a / b) for b > 0
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// A stride s > 1 along a dim splits each input plane into s phases along it: phase a holds the
// input rows a, a + s, a + 2s, ... Output row oh of tap offset h_off reads input row
// oh * s + h_off, which is row oh + floor(h_off / s) of phase h_off mod s, so in the phase
// planes every tap is again a constant shift of the position, as long as the output rows are as
// long as a phase's (OW == ceil(W / sw)). Only the phases some tap reads are built.
struct Phases {
  const ConvGeometry& g;
  int64_t rows, cols;                // of a phase plane
  std::vector<int64_t> used;         // the phases some tap reads, as a * stride_w + b
  std::vector<int64_t> of_tap;       // per tap: its index in `used`
  std::vector<int64_t> row_shift, col_shift;  // per tap: floor(offset / stride)

  explicit Phases(const ConvGeometry& geometry) : g(geometry) {
    rows = (g.in_h + g.stride_h - 1) / g.stride_h;
    cols = (g.in_w + g.stride_w - 1) / g.stride_w;
    std::vector<int64_t> index(g.stride_h * g.stride_w, -1);
    for (int64_t t = 0; t < g.kernel_h * g.kernel_w; ++t) {
      const int64_t h_off = t / g.kernel_w * g.dilation_h - g.pad_h, w_off = t % g.kernel_w * g.dilation_w - g.pad_w;
      row_shift.push_back(floor_div(h_off, g.stride_h));
      col_shift.push_back(floor_div(w_off, g.stride_w));
      const int64_t phase = (h_off - row_shift.back() * g.stride_h) * g.stride_w + (w_off - col_shift.back() * g.stride_w);
      if (index[phase] < 0) {
        index[phase] = static_cast<int64_t>(used.size());
        used.push_back(phase);
      }
      of_tap.push_back(index[phase]);
    }
  }
  int64_t plane() const { return rows * cols; }

  // Calls f(phase row y, phase col x, input offset ih * W + iw) for every input position of
  // phase u; the phase positions past the image's last row or column are left to `outside`.
  template <typename F, typename G>
  void for_each(int64_t u, const F& f, const G& outside) const {
    const int64_t a = used[u] / g.stride_w, b = used[u] % g.stride_w;
    const int64_t inside_cols = (g.in_w - b + g.stride_w - 1) / g.stride_w;  // b + s * x < W
    for (int64_t y = 0; y < rows; ++y) {
      const int64_t ih = y * g.stride_h + a;
      if (ih >= g.in_h) {
        outside(y, 0);
        continue;
      }
      f(y, inside_cols, ih * g.in_w + b);
      if (inside_cols < cols) outside(y, inside_cols);
    }
  }
};

template <typename T>
void fill_bias(T* y, const T* bias, int64_t channels, int64_t plane) {
  for (int64_t c = 0; c < channels; ++c) std::fill(y + c * plane, y + (c + 1) * plane, bias[c]);
}

// Runs image(n, thread's scratch) for every image: in parallel chunks of images, or in turn.
template <typename T, typename F>
void for_each_image(const cpu_conv::ShiftedConvArgs& args, int64_t scratch, const F& image) {
  const int64_t chunks = std::max<int64_t>(1, args.chunks), batch = args.g->batch;
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    T* buffer = scratch ? tl_phases.get<T>(scratch) : nullptr;
    for (int64_t n = c0 * batch / chunks; n < c1 * batch / chunks; ++n) image(n, buffer);
  });
}

// What the forward's taps read: the image itself (stride 1) or its phases, and the
// ShiftedGemm (without weights) whose columns are the convolution's column buffer.
template <typename T>
struct ForwardReads {
  const ConvGeometry& g;
  bool strided;
  Phases ph;
  int64_t in_plane, channel_stride;
  ShiftedGemm<T> s;

  explicit ForwardReads(const ConvGeometry& geometry)
      : g(geometry), strided(g.stride_h > 1 || g.stride_w > 1), ph(g), in_plane(g.in_h * g.in_w),
        // strided: the taps read the phases of each channel, stored one after another
        channel_stride(strided ? static_cast<int64_t>(ph.used.size()) * ph.plane() : in_plane),
        s(g.groups, g.in_channels / g.groups, g.out_channels / g.groups, g.kernel_h * g.kernel_w, g.out_h * g.out_w,
          channel_stride) {
    for (int64_t t = 0; t < s.taps; ++t) {
      const int64_t h_off = t / g.kernel_w * g.dilation_h - g.pad_h, w_off = t % g.kernel_w * g.dilation_w - g.pad_w;
      s.shift[t] = strided ? ph.of_tap[t] * ph.plane() + ph.row_shift[t] * ph.cols + ph.col_shift[t]
                           : h_off * g.in_w + w_off;
      s.set_mask(t, [&](int64_t q) {
        const int64_t ih = q / g.out_w * g.stride_h + h_off, iw = q % g.out_w * g.stride_w + w_off;
        return ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
      });
    }
  }

  // Elements of one image's phases (0 when the image is read in place).
  int64_t phase_image() const { return strided ? g.in_channels * channel_stride : 0; }

  // The phases of channels [c0, c1) of one image; entries past its last row or column (odd
  // sizes) are zero, though no unmasked lane reads them.
  void build_phases(const T* image, T* dst, int64_t c0, int64_t c1) const {
    for (int64_t c = c0; c < c1; ++c)
      for (size_t u = 0; u < ph.used.size(); ++u) {
        T* plane = dst + c * channel_stride + static_cast<int64_t>(u) * ph.plane();
        const T* src = image + c * in_plane;
        ph.for_each(
            static_cast<int64_t>(u),
            [&](int64_t y, int64_t n, int64_t at) {
              for (int64_t x = 0; x < n; ++x) plane[y * ph.cols + x] = src[at + x * g.stride_w];
            },
            [&](int64_t y, int64_t from) { std::fill(plane + y * ph.cols + from, plane + (y + 1) * ph.cols, T(0)); });
      }
  }

  // What the taps of one image read: the image, or its phases built into `phases`.
  const T* source(const T* image, T* phases) const {
    if (!strided) return image;
    build_phases(image, phases, 0, g.in_channels);
    return phases;
  }
};

template <typename T>
void forward(const cpu_conv::ShiftedConvArgs& args) {
  const ConvGeometry& g = *args.g;
  ForwardReads<T> reads(g);
  ShiftedGemm<T>& s = reads.s;
  s.pack_weights(static_cast<const T*>(args.weight));
  const T* in = static_cast<const T*>(args.in);
  const T* bias = static_cast<const T*>(args.bias);
  T* out = static_cast<T*>(args.out);
  const int64_t in_image = g.in_channels * reads.in_plane, out_image = g.out_channels * s.positions;

  if (!args.split_images) {
    for_each_image<T>(args, reads.phase_image(), [&](int64_t n, T* phases) {
      const T* source = reads.source(in + n * in_image, phases);
      if (bias) fill_bias(out + n * out_image, bias, g.out_channels, s.positions);
      s.image(source, out + n * out_image, bias);
    });
    return;
  }
  std::vector<T> phases(reads.phase_image());
  for (int64_t n = 0; n < g.batch; ++n) {
    const T* image = in + n * in_image;
    if (reads.strided)
      parallel_for(0, g.in_channels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, reads.in_plane)),
                   [&](int64_t c0, int64_t c1) { reads.build_phases(image, phases.data(), c0, c1); });
    if (bias) fill_bias(out + n * out_image, bias, g.out_channels, s.positions);
    s.image_split(reads.strided ? phases.data() : image, out + n * out_image, bias);
  }
}

// The column buffers of images [n0, n1), one after another on the calling thread: row r =
// (channel, tap) of the P positions, each row NR positions (one masked load) at a time.
template <typename T>
void columns(const cpu_conv::ShiftedConvColumns& job) {
  const ConvGeometry& g = *job.g;
  const ForwardReads<T> reads(g);
  const ShiftedGemm<T>& s = reads.s;
  constexpr int NR = Tile<T>::NR;
  const T* in = static_cast<const T*>(job.in);
  T* col = static_cast<T*>(job.columns);
  T* phases = reads.strided ? tl_phases.get<T>(reads.phase_image()) : nullptr;
  const int64_t full = s.positions / NR * NR;
  alignas(64) T last[NR];
  for (int64_t n = job.n0; n < job.n1; ++n) {
    const T* source = reads.source(in + n * g.in_channels * reads.in_plane, phases);
    for (int64_t r = 0; r < g.in_channels * s.taps; ++r) {
      const int64_t c = r / s.taps, t = r % s.taps;
      const T* src = source + c * s.channel_stride + s.shift[t];
      const uint64_t* mask = s.masks.data() + t * s.panels;
      T* row = col + r * s.positions;
      for (int64_t q = 0; q < full; q += NR) masked_panel_row(src + q, mask[q / NR], row + q);
      if (full < s.positions) {  // the last, partial panel through a buffer
        masked_panel_row(src + full, mask[full / NR], last);
        std::copy(last, last + (s.positions - full), row + full);
      }
    }
    job.consume(job.context, n);
  }
}

// The input gradient of a strided convolution, phase by phase: input position (y * s + a,
// x * s + b) gets its gradient only from the taps of phase (a, b), which read it for output
// position (y - row_shift, x - col_shift). So each phase plane of the input gradient is a
// product like the forward's: of grad_output's planes (whose rows are as long as a phase's)
// shifted back by each of the phase's taps, with the weights transposed per group. The phase
// planes are then written into the input gradient; positions no tap reads get zero.
template <typename T>
void backward_input(const cpu_conv::ShiftedConvArgs& args) {
  const ConvGeometry& g = *args.g;
  const Phases ph(g);
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const int64_t cig = g.in_channels / g.groups, cog = g.out_channels / g.groups, taps = g.kernel_h * g.kernel_w;
  const T* w = static_cast<const T*>(args.weight);
  std::vector<ShiftedGemm<T>> products;
  for (size_t u = 0; u < ph.used.size(); ++u) {
    std::vector<int64_t> mine;  // the phase's taps
    for (int64_t t = 0; t < taps; ++t)
      if (ph.of_tap[t] == static_cast<int64_t>(u)) mine.push_back(t);
    const int64_t count = static_cast<int64_t>(mine.size());
    ShiftedGemm<T> s(g.groups, cog, cig, count, ph.plane(), out_plane);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t t = mine[i], dy = ph.row_shift[t], dx = ph.col_shift[t];
      s.shift[i] = -(dy * g.out_w + dx);
      s.set_mask(i, [&](int64_t z) {
        const int64_t oh = z / ph.cols - dy, ow = z % ph.cols - dx;
        return oh >= 0 && oh < g.out_h && ow >= 0 && ow < g.out_w;
      });
    }
    // group q's (c, (o, i)) = w[(q * cog + o), c, mine[i]]
    std::vector<T> wt(g.in_channels * cog * count);
    for (int64_t q = 0; q < g.groups; ++q)
      for (int64_t c = 0; c < cig; ++c)
        for (int64_t o = 0; o < cog; ++o)
          for (int64_t i = 0; i < count; ++i)
            wt[((q * cig + c) * cog + o) * count + i] = w[((q * cog + o) * cig + c) * taps + mine[i]];
    s.pack_weights(wt.data());
    products.push_back(std::move(s));
  }
  const T* grad_out = static_cast<const T*>(args.in);
  T* grad_in = static_cast<T*>(args.out);
  const int64_t in_image = g.in_channels * in_plane, out_image = g.out_channels * out_plane;
  const int64_t phase_image = g.in_channels * ph.plane();
  // Phase u of channels [c0, c1) into the input gradient.
  const auto scatter = [&](const T* phase, T* image, int64_t u, int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const T* plane = phase + c * ph.plane();
      T* dst = image + c * in_plane;
      ph.for_each(
          u,
          [&](int64_t y, int64_t n, int64_t at) {
            for (int64_t x = 0; x < n; ++x) dst[at + x * g.stride_w] = plane[y * ph.cols + x];
          },
          [](int64_t, int64_t) {});
    }
  };
  // Every input position belongs to one phase; with fewer phases used than there are, clear first.
  const bool partial = static_cast<int64_t>(ph.used.size()) < g.stride_h * g.stride_w;

  if (!args.split_images) {
    for_each_image<T>(args, phase_image, [&](int64_t n, T* phase) {
      T* image = grad_in + n * in_image;
      if (partial) std::fill(image, image + in_image, T(0));
      for (size_t u = 0; u < products.size(); ++u) {
        products[u].image(grad_out + n * out_image, phase, false);
        scatter(phase, image, static_cast<int64_t>(u), 0, g.in_channels);
      }
    });
    return;
  }
  std::vector<T> phase(phase_image);
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, in_plane));
  for (int64_t n = 0; n < g.batch; ++n) {
    T* image = grad_in + n * in_image;
    if (partial) std::fill(image, image + in_image, T(0));
    for (size_t u = 0; u < products.size(); ++u) {
      products[u].image_split(grad_out + n * out_image, phase.data(), false);
      parallel_for(0, g.in_channels, grain,
                   [&](int64_t c0, int64_t c1) { scatter(phase.data(), image, static_cast<int64_t>(u), c0, c1); });
    }
  }
}

}  // namespace

void conv_shifted_forward(const cpu_conv::ShiftedConvArgs& args) {
  if (args.dtype == kFloat64) forward<double>(args);
  else forward<float>(args);
}

void conv_shifted_backward_input(const cpu_conv::ShiftedConvArgs& args) {
  if (args.dtype == kFloat64) backward_input<double>(args);
  else backward_input<float>(args);
}

void conv_shifted_columns(const cpu_conv::ShiftedConvColumns& job) {
  if (job.dtype == kFloat64) columns<double>(job);
  else columns<float>(job);
}

EMBER_ISA_NAMESPACE_END
