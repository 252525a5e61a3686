// Depthwise convolution loops, compiled once per ISA.
//
// Every pass is a correlation of one source plane with a few taps: the forward reads the
// input, the input gradient reads the output gradient with the kernel flipped (one
// correlation per stride phase of the input position, each with the taps that reach that
// phase), and the weight gradient takes dot products of the output gradient with the input.
// The source rows a plane needs are first copied into a band with zero columns around them,
// and split into `stride` runs of every stride-th column, so that a tap reads one contiguous
// run with plain vector loads and no bounds tests; rows outside the plane read a row of
// zeros. The output rows are then built a block of rows by a few vectors at a time, the block
// held in registers while every tap adds into it; 3x3 taps (the common case) are unrolled.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cpu/isa/isa.h"
#include "cpu/isa/reduce_ops.h"
#include "cpu/parallel.h"
#include "dispatch/kernels_conv_depthwise.h"

EMBER_ISA_NAMESPACE_BEGIN

namespace {

// One register through the compiler's vector extension (reduce_ops.h's): arrays of them
// indexed by constants stay in registers.
template <typename T>
using Vec = reduce::simd_t<T>;
template <typename T>
constexpr int64_t kLanes = sizeof(Vec<T>) / sizeof(T);
using reduce::simd_load;
using reduce::simd_splat;

template <typename T>
inline void store(T* p, const Vec<T>& v) {
  std::memcpy(p, &v, sizeof(v));
}
// A short copy inline: rows are too short for a call to memmove to pay.
template <typename T>
inline void copy_elements(T* __restrict dst, const T* __restrict src, int64_t n) {
  int64_t q = 0;
  for (; q + kLanes<T> <= n; q += kLanes<T>) store(dst + q, simd_load(src + q));
  for (; q < n; ++q) dst[q] = src[q];
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t round_up(int64_t a, int64_t m) { return (a + m - 1) / m * m; }

// Work below which a call stays on one thread: multiply-adds plus elements copied.
constexpr int64_t kGrainWork = int64_t(1) << 18;
// Source band elements per thread (256 KiB of float32): a bigger plane goes a band of rows at a time.
constexpr int64_t kBandElements = int64_t(1) << 16;
constexpr int64_t kMaxBlockRows = 8;

// ---- source bands -------------------------------------------------------------------------------

// How a source row is laid out in a band: `phases` runs of `run` elements, element q of run p
// holding column q * phases + p - pad (zero outside the row).
struct RowLayout {
  int64_t phases = 1, pad = 0, run = 0;
  int64_t length() const { return phases * run; }
};

// Rows [r0, r1) of a source plane in RowLayout, and a row of zeros for rows outside the plane.
template <typename T>
class SourceBand {
 public:
  SourceBand(const RowLayout& layout, int64_t capacity)
      : layout_(layout), buffer_((capacity + 1) * layout.length(), T(0)) {
    zeros_ = buffer_.data() + capacity * layout.length();
  }

  void fill(const T* plane, int64_t width, int64_t r0, int64_t r1) {
    if (plane == plane_ && r0 == r0_ && r1 == r1_) return;  // the same rows again (channel multiplier)
    plane_ = plane;
    r0_ = r0;
    r1_ = r1;
    const int64_t s = layout_.phases, run = layout_.run, length = layout_.length();
    for (int64_t p = 0; p < s; ++p) {
      // q * s + p - pad inside [0, width). The columns outside [q0, q1) are the same for every
      // row and fill, and stay zero.
      const int64_t q0 = std::clamp<int64_t>(ceil_div(layout_.pad - p, s), 0, run);
      const int64_t q1 = std::clamp<int64_t>(ceil_div(width + layout_.pad - p, s), q0, run);
      const int64_t n = q1 - q0;
      const T* from = plane + r0 * width + q0 * s + p - layout_.pad;
      T* dst = buffer_.data() + p * run + q0;
      for (int64_t r = r0; r < r1; ++r, from += width, dst += length) {
        if (s == 1) {
          copy_elements(dst, from, n);
        } else if (s == 2) {
          for (int64_t q = 0; q < n; ++q) dst[q] = from[2 * q];
        } else {
          for (int64_t q = 0; q < n; ++q) dst[q] = from[q * s];
        }
      }
    }
  }

  const T* row(int64_t r) const {
    return r >= r0_ && r < r1_ ? buffer_.data() + (r - r0_) * layout_.length() : zeros_;
  }

 private:
  RowLayout layout_;
  std::vector<T> buffer_;
  const T* zeros_ = nullptr;
  const T* plane_ = nullptr;
  int64_t r0_ = 0, r1_ = 0;
};

// ---- taps ------------------------------------------------------------------------------------

// dst row r, column q  +=  sum over a < na, b < nb of weight[index[a * nb + b]] *
// band.row(r * row_stride + row_offset[a])[column_offset[b] + q].
struct TapPlan {
  int64_t na = 0, nb = 0;
  int64_t row_stride = 1;
  std::vector<int64_t> row_offset;     // na
  std::vector<int64_t> column_offset;  // nb, into a band row (phase run and position)
  std::vector<int64_t> index;          // na * nb, into the channel's KH * KW weights
  int64_t min_row_offset() const { return na ? *std::min_element(row_offset.begin(), row_offset.end()) : 0; }
  int64_t max_row_offset() const { return na ? *std::max_element(row_offset.begin(), row_offset.end()) : 0; }
  int64_t max_column_offset() const {
    return nb ? *std::max_element(column_offset.begin(), column_offset.end()) : 0;
  }
};

// ---- row blocks ------------------------------------------------------------------------------

// One block: kRows rows by kVecs vectors from column q of the sources, written to dst[rr][0..).
template <typename T, int kRows, int kVecs, int kA, int kB>
inline __attribute__((always_inline)) void block_at(T* const* dst, const T* const* src, int64_t q, int64_t na,
                                                    int64_t nb, const T* w, const int64_t* offset, T init,
                                                    bool accumulate) {
  constexpr int64_t L = kLanes<T>;
  Vec<T> acc[kRows][kVecs];
  for (int rr = 0; rr < kRows; ++rr)
    for (int v = 0; v < kVecs; ++v) acc[rr][v] = accumulate ? simd_load(dst[rr] + v * L) : simd_splat(init);
  const auto tap = [&](int64_t a, int64_t b) {
    const Vec<T> wv = simd_splat(w[a * nb + b]);
    const int64_t o = offset[b] + q;
    for (int rr = 0; rr < kRows; ++rr) {
      const T* s = src[rr * na + a] + o;
      for (int v = 0; v < kVecs; ++v) acc[rr][v] += wv * simd_load(s + v * L);
    }
  };
  if constexpr (kA > 0 && kB > 0) {
#pragma GCC unroll 16
    for (int a = 0; a < kA; ++a)
#pragma GCC unroll 16
      for (int b = 0; b < kB; ++b) tap(a, b);
  } else {
    for (int64_t a = 0; a < na; ++a)
      for (int64_t b = 0; b < nb; ++b) tap(a, b);
  }
  for (int rr = 0; rr < kRows; ++rr)
    for (int v = 0; v < kVecs; ++v) store(dst[rr] + v * L, acc[rr][v]);
}

// kRows rows of dst, kVecs vectors of columns at a time: dst[rr][q] = init (or its value when
// accumulating) + sum of w[a * nb + b] * src[rr * na + a][offset[b] + q], for q < width.
// kA, kB: the tap counts when fixed at compile time (0: na, nb at run time). The sources hold
// the columns of the last block past `width`; the destination only to `width`, so the last
// block goes through a local copy.
template <typename T, int kRows, int kVecs, int kA, int kB>
void row_block(T* const* dst, const T* const* src, int64_t na, int64_t nb, const T* w, const int64_t* offset,
               int64_t width, T init, bool accumulate) {
  constexpr int64_t kCols = kVecs * kLanes<T>;
  if constexpr (kA > 0) na = kA;
  if constexpr (kB > 0) nb = kB;
  int64_t q0 = 0;
  for (; q0 + kCols <= width; q0 += kCols) {
    T* at[kRows];
    for (int rr = 0; rr < kRows; ++rr) at[rr] = dst[rr] + q0;
    block_at<T, kRows, kVecs, kA, kB>(at, src, q0, na, nb, w, offset, init, accumulate);
  }
  if (q0 < width) {
    T tail[kRows][kCols];
    T* at[kRows];
    const int64_t n = width - q0;
    for (int rr = 0; rr < kRows; ++rr) {
      at[rr] = tail[rr];
      if (accumulate) {
        std::copy(dst[rr] + q0, dst[rr] + width, tail[rr]);
        std::fill(tail[rr] + n, tail[rr] + kCols, T(0));
      }
    }
    block_at<T, kRows, kVecs, kA, kB>(at, src, q0, na, nb, w, offset, init, accumulate);
    for (int rr = 0; rr < kRows; ++rr) std::copy(tail[rr], tail[rr] + n, dst[rr] + q0);
  }
}

template <typename T>
using RowBlockFn = void (*)(T* const*, const T* const*, int64_t, int64_t, const T*, const int64_t*, int64_t, T,
                            bool);

// Block kernels of rows[0] > rows[1] > ... > 1 rows, for rows of `vecs` vectors: the rows left
// over by the big block go through the next smaller ones rather than one by one (one row alone
// leaves too few independent multiply-add chains).
template <typename T>
struct RowKernels {
  RowBlockFn<T> fns[4] = {};
  int64_t rows[4] = {};
  int count = 0;
};

template <typename T, int kVecs, int kA, int kB, int... kRows>
RowKernels<T> row_kernel_set() {
  RowKernels<T> k;
  ((k.fns[k.count] = row_block<T, kRows, kVecs, kA, kB>, k.rows[k.count++] = kRows), ...);
  return k;
}

template <typename T, int kA, int kB>
RowKernels<T> row_kernels_of(int64_t vecs) {
  // About eight accumulators: enough independent multiply-add chains, and registers left for
  // the weights on AVX-512.
  switch (vecs) {
    case 1: return row_kernel_set<T, 1, kA, kB, 8, 4, 2, 1>();
    case 2: return row_kernel_set<T, 2, kA, kB, 4, 2, 1>();
    case 3: return row_kernel_set<T, 3, kA, kB, 2, 1>();
    default: return row_kernel_set<T, 4, kA, kB, 2, 1>();
  }
}

// Vectors per block column: the whole row when it is short, four vectors of it otherwise.
template <typename T>
int64_t block_vecs(int64_t width) {
  return std::clamp<int64_t>(ceil_div(width, kLanes<T>), 1, 4);
}

template <typename T>
RowKernels<T> row_kernels(const TapPlan& plan, int64_t width) {
  const int64_t vecs = block_vecs<T>(width);
  if (plan.na == 3 && plan.nb == 3) return row_kernels_of<T, 3, 3>(vecs);
  return row_kernels_of<T, 0, 0>(vecs);
}

// The per-thread buffers of one pass.
template <typename T>
struct Workspace {
  SourceBand<T> band;
  std::vector<const T*> sources;  // kMaxBlockRows * na row pointers
  std::vector<T> weights;         // na * nb
  Workspace(const RowLayout& layout, int64_t capacity, int64_t max_taps)
      : band(layout, capacity), sources(kMaxBlockRows * std::max<int64_t>(1, max_taps)),
        weights(std::max<int64_t>(1, max_taps)) {}
};

// A plane's destination: rows [0, rows) of `width` contiguous elements, row r at data + r * row_stride.
template <typename T>
struct Destination {
  T* data = nullptr;
  int64_t rows = 0, width = 0, row_stride = 0;
};

// Source rows a band of destination rows [r0, r1) reads.
inline void source_rows(const TapPlan& plan, int64_t r0, int64_t r1, int64_t source_h, int64_t& lo, int64_t& hi) {
  lo = std::clamp<int64_t>(r0 * plan.row_stride + plan.min_row_offset(), 0, source_h);
  hi = std::clamp<int64_t>((r1 - 1) * plan.row_stride + plan.max_row_offset() + 1, lo, source_h);
}

// Destination rows per band so that their source rows fit `capacity` band rows.
inline int64_t band_rows(const TapPlan& plan, int64_t capacity) {
  const int64_t span = plan.max_row_offset() - plan.min_row_offset();
  return std::max<int64_t>(1, (capacity - span - 1) / plan.row_stride + 1);
}

// Runs `plan` with the channel's `kernel` weights from `source` (source_h x source_w) into `dst`.
template <typename T>
void run_plan(const TapPlan& plan, const RowKernels<T>& kernels, const T* kernel, T init, bool accumulate,
              const T* source, int64_t source_h, int64_t source_w, const Destination<T>& dst, int64_t capacity,
              Workspace<T>& ws) {
  const int64_t na = plan.na, nb = plan.nb;
  T* w = ws.weights.data();
  for (int64_t t = 0; t < na * nb; ++t) w[t] = kernel[plan.index[t]];
  const int64_t per_band = capacity >= source_h ? dst.rows : band_rows(plan, capacity);
  for (int64_t b0 = 0; b0 < dst.rows; b0 += per_band) {
    const int64_t b1 = std::min(dst.rows, b0 + per_band);
    int64_t lo = 0, hi = source_h;  // a plane that fits is copied whole, once for every plan
    if (capacity < source_h) source_rows(plan, b0, b1, source_h, lo, hi);
    ws.band.fill(source, source_w, lo, hi);
    for (int64_t r = b0; r < b1;) {
      int k = 0;
      while (kernels.rows[k] > b1 - r) ++k;
      const int64_t rows = kernels.rows[k];
      T* rows_out[kMaxBlockRows];
      for (int64_t rr = 0; rr < rows; ++rr) {
        for (int64_t a = 0; a < na; ++a)
          ws.sources[rr * na + a] = ws.band.row((r + rr) * plan.row_stride + plan.row_offset[a]);
        rows_out[rr] = dst.data + (r + rr) * dst.row_stride;
      }
      kernels.fns[k](rows_out, ws.sources.data(), na, nb, w, plan.column_offset.data(), dst.width, init, accumulate);
      r += rows;
    }
  }
}

int64_t band_capacity(const RowLayout& layout, const TapPlan& plan, int64_t source_h) {
  const int64_t span = plan.max_row_offset() - plan.min_row_offset();
  const int64_t least = span + 1 + (kMaxBlockRows - 1) * plan.row_stride;
  return std::min(source_h, std::max(least, kBandElements / std::max<int64_t>(1, layout.length())));
}

// ---- forward ---------------------------------------------------------------------------------

// out row oh, column ow = sum over (i, j) of k[i][j] * x[oh * sh + i * dh - ph][ow * sw + j * dw - pw]:
// the band holds each input row as sw runs, tap j reading run (j * dw) % sw from (j * dw) / sw.
TapPlan forward_plan(const ConvGeometry& g, RowLayout& layout, int64_t width_padded) {
  TapPlan plan;
  plan.na = g.kernel_h;
  plan.nb = g.kernel_w;
  plan.row_stride = g.stride_h;
  for (int64_t i = 0; i < g.kernel_h; ++i) plan.row_offset.push_back(i * g.dilation_h - g.pad_h);
  layout.phases = g.stride_w;
  layout.pad = g.pad_w;
  layout.run = width_padded + (g.kernel_w - 1) * g.dilation_w / g.stride_w;
  for (int64_t j = 0; j < g.kernel_w; ++j) {
    const int64_t e = j * g.dilation_w;
    plan.column_offset.push_back(e % g.stride_w * layout.run + e / g.stride_w);
  }
  for (int64_t t = 0; t < g.kernel_h * g.kernel_w; ++t) plan.index.push_back(t);
  return plan;
}

// Planes whose output rows are shorter than a vector (the 7x7 and 14x14 layers): with stride 1,
// laid out flat in rows of `pitch` columns with the padding in place, every tap reads the
// plane at one offset from every output position, so the plane is one long row and its
// vectors are full (the pitch - out_w columns past each row are computed and dropped).
template <typename T>
bool forward_flat(const ConvGeometry& g, T* out, const T* in, const T* w, const T* bias) {
  constexpr int64_t L = kLanes<T>;
  if (g.stride_h != 1 || g.stride_w != 1 || g.out_w >= L) return false;
  const int64_t kh = g.kernel_h, kw = g.kernel_w, taps = kh * kw;
  const int64_t pitch = g.out_w + (kw - 1) * g.dilation_w;  // buffer column c: input column c - pw
  const int64_t lines = g.out_h + (kh - 1) * g.dilation_h;  // buffer row t: input row t - ph
  const int64_t width = g.out_h * pitch;
  const int64_t reach = round_up(width, 4 * L) + (kh - 1) * g.dilation_h * pitch + (kw - 1) * g.dilation_w;
  const int64_t size = std::max(lines * pitch, reach);
  if (size > kBandElements) return false;
  const int64_t mult = g.out_channels / g.in_channels;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const int64_t vecs = block_vecs<T>(width);
  const RowKernels<T> set = kh == 3 && kw == 3 ? row_kernels_of<T, 3, 3>(vecs) : row_kernels_of<T, 0, 0>(vecs);
  const RowBlockFn<T> kernel = set.fns[set.count - 1];  // the one-row block
  std::vector<int64_t> offset(kw);
  for (int64_t j = 0; j < kw; ++j) offset[j] = j * g.dilation_w;
  // Input rows [r0, r1) land in buffer rows r + ph, columns [0, cols) at column pw; the rest of
  // the buffer is padding and stays zero.
  const int64_t r0 = std::max<int64_t>(0, -g.pad_h), r1 = std::min(g.in_h, lines - g.pad_h);
  const int64_t cols = std::min(g.in_w, pitch - g.pad_w);
  const int64_t plane_work = width * taps + in_plane;
  parallel_for(0, g.batch * g.out_channels, std::max<int64_t>(1, kGrainWork / plane_work), [&](int64_t p0, int64_t p1) {
    std::vector<T> buffer(size, T(0)), flat(width);
    std::vector<const T*> sources(kh);
    for (int64_t a = 0; a < kh; ++a) sources[a] = buffer.data() + a * g.dilation_h * pitch;
    const T* filled = nullptr;
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / g.out_channels, oc = p % g.out_channels;
      const T* x = in + (n * g.in_channels + oc / mult) * in_plane;
      if (x != filled && cols > 0) {
        for (int64_t r = r0; r < r1; ++r)
          copy_elements(buffer.data() + (r + g.pad_h) * pitch + g.pad_w, x + r * g.in_w, cols);
        filled = x;
      }
      T* rows[1] = {flat.data()};
      kernel(rows, sources.data(), kh, kw, w + oc * taps, offset.data(), width, bias ? bias[oc] : T(0), false);
      T* y = out + p * out_plane;
      for (int64_t oh = 0; oh < g.out_h; ++oh) copy_elements(y + oh * g.out_w, flat.data() + oh * pitch, g.out_w);
    }
  });
  return true;
}

template <typename T>
void forward(const ConvGeometry& g, T* out, const T* in, const T* w, const T* bias) {
  if (forward_flat(g, out, in, w, bias)) return;
  const int64_t mult = g.out_channels / g.in_channels, taps = g.kernel_h * g.kernel_w;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const int64_t width_padded = round_up(g.out_w, block_vecs<T>(g.out_w) * kLanes<T>);
  RowLayout layout;
  const TapPlan plan = forward_plan(g, layout, width_padded);
  const RowKernels<T> kernels = row_kernels<T>(plan, g.out_w);
  const int64_t capacity = band_capacity(layout, plan, g.in_h);
  const int64_t plane_work = out_plane * taps + in_plane;
  parallel_for(0, g.batch * g.out_channels, std::max<int64_t>(1, kGrainWork / plane_work), [&](int64_t p0, int64_t p1) {
    Workspace<T> ws(layout, capacity, taps);
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / g.out_channels, oc = p % g.out_channels;
      const Destination<T> dst{out + p * out_plane, g.out_h, g.out_w, g.out_w};
      run_plan(plan, kernels, w + oc * taps, bias ? bias[oc] : T(0), false,
               in + (n * g.in_channels + oc / mult) * in_plane, g.in_h, g.in_w, dst, capacity, ws);
    }
  });
}

// ---- input gradient --------------------------------------------------------------------------

// Input row ih = sh * u + row_phase, column iw = sw * v + column_phase gathers tap (i, j) from
// output-gradient row u + (row_phase + ph - i * dh) / sh and column v + (column_phase + pw -
// j * dw) / sw, for the taps where both divisions are exact: each phase pair is one
// correlation of the output gradient with those taps.
struct PhasePlan {
  TapPlan plan;
  int64_t row_phase = 0, column_phase = 0, rows = 0, width = 0;
};

std::vector<PhasePlan> input_grad_plans(const ConvGeometry& g, RowLayout& layout) {
  const int64_t sh = g.stride_h, sw = g.stride_w;
  // Band rows are output-gradient rows with `pad` zero columns in front, in one run.
  int64_t pad = 0;
  for (int64_t c = 0; c < sw; ++c)
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      const int64_t e = c + g.pad_w - j * g.dilation_w;
      if (e % sw == 0) pad = std::max(pad, -e / sw);
    }
  std::vector<PhasePlan> plans;
  int64_t run = 0;
  for (int64_t rp = 0; rp < std::min(sh, g.in_h); ++rp) {
    for (int64_t cp = 0; cp < std::min(sw, g.in_w); ++cp) {
      PhasePlan pp;
      pp.row_phase = rp;
      pp.column_phase = cp;
      pp.rows = ceil_div(g.in_h - rp, sh);
      pp.width = ceil_div(g.in_w - cp, sw);
      TapPlan& plan = pp.plan;
      std::vector<int64_t> is, js;
      for (int64_t i = 0; i < g.kernel_h; ++i)
        if ((rp + g.pad_h - i * g.dilation_h) % sh == 0) is.push_back(i);
      for (int64_t j = 0; j < g.kernel_w; ++j)
        if ((cp + g.pad_w - j * g.dilation_w) % sw == 0) js.push_back(j);
      plan.na = is.size();
      plan.nb = js.size();
      plan.row_stride = 1;
      for (int64_t i : is) plan.row_offset.push_back((rp + g.pad_h - i * g.dilation_h) / sh);
      for (int64_t j : js) plan.column_offset.push_back((cp + g.pad_w - j * g.dilation_w) / sw + pad);
      for (int64_t i : is)
        for (int64_t j : js) plan.index.push_back(i * g.kernel_w + j);
      // A row kernel reads round_up(width, its block width) columns, at most this many.
      const int64_t cols = round_up(pp.width, 4 * kLanes<float>);
      run = std::max(run, cols + plan.max_column_offset());
      plans.push_back(std::move(pp));
    }
  }
  layout.phases = 1;
  layout.pad = pad;
  layout.run = run;
  return plans;
}

template <typename T>
void interleave_pairs(T* __restrict out, const T* __restrict even, const T* __restrict odd, int64_t pairs) {
  for (int64_t q = 0; q < pairs; ++q) {
    out[2 * q] = even[q];
    out[2 * q + 1] = odd[q];
  }
}

// Writes the staged phase planes into the input gradient plane: column phase c of row phase r
// holds input columns c, c + sw, ... of input rows r, r + sh, ...
template <typename T>
void interleave_phases(const ConvGeometry& g, const std::vector<PhasePlan>& plans,
                       const std::vector<int64_t>& offset, const T* staging, T* gi) {
  const int64_t sh = g.stride_h, sw = g.stride_w;
  const int64_t phases_w = std::min(sw, g.in_w);
  for (size_t k = 0; k < plans.size(); k += phases_w) {  // the plans of one row phase, by column phase
    const PhasePlan& first = plans[k];
    for (int64_t u = 0; u < first.rows; ++u) {
      T* out = gi + (first.row_phase + sh * u) * g.in_w;
      if (sw == 2 && phases_w == 2) {
        const T* even = staging + offset[k] + u * plans[k].width;
        const T* odd = staging + offset[k + 1] + u * plans[k + 1].width;
        const int64_t pairs = plans[k + 1].width;  // the even phase has one more when in_w is odd
        interleave_pairs(out, even, odd, pairs);
        if (plans[k].width > pairs) out[2 * pairs] = even[pairs];
      } else {
        for (int64_t c = 0; c < phases_w; ++c) {
          const PhasePlan& pp = plans[k + c];
          const T* from = staging + offset[k + c] + u * pp.width;
          for (int64_t q = 0; q < pp.width; ++q) out[c + sw * q] = from[q];
        }
      }
    }
  }
}

// The input gradient at stride 1 of planes with rows shorter than a vector, flat as in
// forward_flat: input position (ih, iw) takes tap (i, j) from output-gradient position
// (ih + ph - i * dh, iw + pw - j * dw), which sits (KH - 1 - i) * dh rows and (KW - 1 - j) * dw
// columns on from it once the output gradient has (KH - 1) * dh - ph zero rows above it and
// (KW - 1) * dw - pw zero columns before it (padding past the kernel takes the row path).
template <typename T>
bool backward_input_flat(const ConvGeometry& g, T* grad_in, const T* grad_out, const T* w) {
  constexpr int64_t L = kLanes<T>;
  if (g.stride_h != 1 || g.stride_w != 1 || g.in_w >= L) return false;
  const int64_t kh = g.kernel_h, kw = g.kernel_w, taps = kh * kw;
  const int64_t top = (kh - 1) * g.dilation_h - g.pad_h, left = (kw - 1) * g.dilation_w - g.pad_w;
  if (top < 0 || left < 0) return false;
  const int64_t pitch = g.in_w + (kw - 1) * g.dilation_w;
  const int64_t lines = g.in_h + (kh - 1) * g.dilation_h;
  const int64_t width = g.in_h * pitch;
  const int64_t reach = round_up(width, 4 * L) + (kh - 1) * g.dilation_h * pitch + (kw - 1) * g.dilation_w;
  const int64_t size = std::max(lines * pitch, reach);
  if (size > kBandElements) return false;
  const int64_t mult = g.out_channels / g.in_channels;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const int64_t vecs = block_vecs<T>(width);
  const RowKernels<T> set = kh == 3 && kw == 3 ? row_kernels_of<T, 3, 3>(vecs) : row_kernels_of<T, 0, 0>(vecs);
  const RowBlockFn<T> kernel = set.fns[set.count - 1];  // the one-row block
  std::vector<int64_t> offset(kw);
  for (int64_t j = 0; j < kw; ++j) offset[j] = (kw - 1 - j) * g.dilation_w;
  // Output-gradient rows [0, rows) land in buffer rows r + top, columns [0, cols) at column left.
  const int64_t rows = std::min(g.out_h, lines - top), cols = std::min(g.out_w, pitch - left);
  const int64_t plane_work = mult * (width * taps + out_plane);
  parallel_for(0, g.batch * g.in_channels, std::max<int64_t>(1, kGrainWork / plane_work), [&](int64_t p0, int64_t p1) {
    std::vector<T> buffer(size, T(0)), flat(width);
    std::vector<const T*> sources(kh);
    for (int64_t a = 0; a < kh; ++a) sources[a] = buffer.data() + (kh - 1 - a) * g.dilation_h * pitch;
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / g.in_channels, ic = p % g.in_channels;
      for (int64_t m = 0; m < mult; ++m) {
        const int64_t oc = ic * mult + m;
        const T* go = grad_out + (n * g.out_channels + oc) * out_plane;
        for (int64_t r = 0; r < rows && cols > 0; ++r)
          copy_elements(buffer.data() + (r + top) * pitch + left, go + r * g.out_w, cols);
        T* dst[1] = {flat.data()};
        kernel(dst, sources.data(), kh, kw, w + oc * taps, offset.data(), width, T(0), m > 0);
      }
      T* gi = grad_in + p * in_plane;
      for (int64_t ih = 0; ih < g.in_h; ++ih) copy_elements(gi + ih * g.in_w, flat.data() + ih * pitch, g.in_w);
    }
  });
  return true;
}

template <typename T>
void backward_input(const ConvGeometry& g, T* grad_in, const T* grad_out, const T* w) {
  if (backward_input_flat(g, grad_in, grad_out, w)) return;
  const int64_t mult = g.out_channels / g.in_channels, taps = g.kernel_h * g.kernel_w;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  RowLayout layout;
  const std::vector<PhasePlan> plans = input_grad_plans(g, layout);
  // With a column stride, each column phase's values are built in a plane of their own and
  // interleaved into the input gradient at the end (strided stores one by one would cost more
  // than the taps). Without one, the phases write their rows of the gradient directly.
  const bool staged = g.stride_w > 1;
  std::vector<int64_t> staging_offset;
  int64_t staging_size = 0;
  for (const PhasePlan& pp : plans) {
    staging_offset.push_back(staging_size);
    staging_size += pp.rows * pp.width;
  }
  std::vector<RowKernels<T>> kernels;
  int64_t capacity = 1;
  for (const PhasePlan& pp : plans) {
    kernels.push_back(row_kernels<T>(pp.plan, pp.width));
    capacity = std::max(capacity, band_capacity(layout, pp.plan, g.out_h));
  }
  const int64_t plane_work = mult * (in_plane * taps / (g.stride_h * g.stride_w) + out_plane);
  // One task per input plane, which gathers from its `mult` output channels: no two tasks
  // write the same memory.
  parallel_for(0, g.batch * g.in_channels, std::max<int64_t>(1, kGrainWork / std::max<int64_t>(1, plane_work)),
               [&](int64_t p0, int64_t p1) {
    Workspace<T> ws(layout, capacity, taps);
    std::vector<T> staging(staged ? staging_size : 0);
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / g.in_channels, ic = p % g.in_channels;
      T* gi = grad_in + p * in_plane;
      for (int64_t m = 0; m < mult; ++m) {
        const int64_t oc = ic * mult + m;
        const T* go = grad_out + (n * g.out_channels + oc) * out_plane;
        for (size_t k = 0; k < plans.size(); ++k) {
          const PhasePlan& pp = plans[k];
          const Destination<T> dst =
              staged ? Destination<T>{staging.data() + staging_offset[k], pp.rows, pp.width, pp.width}
                     : Destination<T>{gi + pp.row_phase * g.in_w, pp.rows, pp.width, g.stride_h * g.in_w};
          run_plan(pp.plan, kernels[k], w + oc * taps, T(0), m > 0, go, g.out_h, g.out_w, dst, capacity, ws);
        }
      }
      if (staged) interleave_phases(g, plans, staging_offset, staging.data(), gi);
    }
  });
}

// ---- weight gradient -------------------------------------------------------------------------

template <typename T>
double sum_lanes(const Vec<T>& v) {
  T t[kLanes<T>];
  store(t, v);
  double s = 0;
  for (int64_t l = 0; l < kLanes<T>; ++l) s += t[l];
  return s;
}

// Lane masks (for the vector extension's selects): all ones in the lanes kept.
template <typename T>
struct LaneMaskOf {
  typedef std::conditional_t<sizeof(T) == 4, int32_t, int64_t> type __attribute__((vector_size(reduce::kVecBytes)));
};
template <typename T>
using LaneMask = typename LaneMaskOf<T>::type;
template <typename T>
LaneMask<T> first_lanes(int64_t n) {
  using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  I bits[kLanes<T>];
  for (int64_t l = 0; l < kLanes<T>; ++l) bits[l] = l < n ? I(-1) : I(0);
  LaneMask<T> m;
  std::memcpy(&m, bits, sizeof(m));
  return m;
}

// Products per lane that a float32 accumulator takes before it is added into the double sums.
template <typename T>
constexpr int64_t kLaneTerms = std::is_same_v<T, float> ? 64 : int64_t(1) << 40;

// sums[a * nb + b] += sum over rows r in [r0, r1) and columns q of g(r)[q] * src(r, a)[offset[b] + q],
// where g(r) is `width_padded` elements (zero past the row) and src(r, a) = band.row(r * row_stride + row_offset[a]).
// The sums go through float vectors kept in `carry` (na * nb vectors of the channel) between
// calls, `terms` products per lane so far: they are added into the double sums when full, so
// that small planes do not pay a horizontal sum each. Returns the new count of terms.
// kA: tap rows held in registers at once (0: one tap row at a time, na of them); kB: tap columns.
template <typename T, int kA, int kB>
int64_t weight_rows(const TapPlan& plan, const SourceBand<T>& band, const T* const* grad_rows, int64_t width,
                    int64_t width_padded, int64_t r0, int64_t r1, int64_t b_first, double* sums, T* carry,
                    int64_t terms) {
  constexpr int64_t L = kLanes<T>;
  constexpr int64_t kAccRows = kA > 0 ? kA : 1;
  const int64_t* offset = plan.column_offset.data() + b_first;
  const int64_t row_terms = width_padded / L;
  const LaneMask<T> tail = first_lanes<T>(width % L);
  int64_t terms_after = terms;
  for (int64_t a0 = 0; a0 < plan.na; a0 += kAccRows) {
    int64_t t = terms;  // every tap row pass sees the same rows
    Vec<T> acc[kAccRows][kB];
    for (int a = 0; a < kAccRows; ++a)
      for (int b = 0; b < kB; ++b) acc[a][b] = simd_load(carry + ((a0 + a) * plan.nb + b_first + b) * L);
    for (int64_t r = r0; r < r1; ++r) {
      if (t > 0 && t + row_terms > kLaneTerms<T>) {
        for (int a = 0; a < kAccRows; ++a)
          for (int b = 0; b < kB; ++b) {
            sums[(a0 + a) * plan.nb + b_first + b] += sum_lanes<T>(acc[a][b]);
            acc[a][b] = Vec<T>{};
          }
        t = 0;
      }
      t += row_terms;
      const T* gr = grad_rows[r - r0];
      const T* src[kAccRows];
      for (int a = 0; a < kAccRows; ++a) src[a] = band.row(r * plan.row_stride + plan.row_offset[a0 + a]);
      int64_t q = 0;
      for (; q + L <= width; q += L) {
        const Vec<T> gv = simd_load(gr + q);
        for (int a = 0; a < kAccRows; ++a)
          for (int b = 0; b < kB; ++b) acc[a][b] += gv * simd_load(src[a] + offset[b] + q);
      }
      if (q < width) {
        // Past the row the band holds input columns of other taps: an inf there must not
        // meet the zeros of g.
        const Vec<T> gv = simd_load(gr + q);
        for (int a = 0; a < kAccRows; ++a)
          for (int b = 0; b < kB; ++b) acc[a][b] += tail ? gv * simd_load(src[a] + offset[b] + q) : Vec<T>{};
      }
    }
    for (int a = 0; a < kAccRows; ++a)
      for (int b = 0; b < kB; ++b) store(carry + ((a0 + a) * plan.nb + b_first + b) * L, acc[a][b]);
    terms_after = t;
  }
  return terms_after;
}

template <typename T>
using WeightRowsFn = int64_t (*)(const TapPlan&, const SourceBand<T>&, const T* const*, int64_t, int64_t, int64_t,
                                 int64_t, int64_t, double*, T*, int64_t);

// Tap columns go at most seven at a time (their accumulators fill the registers).
constexpr int64_t kMaxWeightColumns = 7;

template <typename T>
WeightRowsFn<T> weight_rows_for(int64_t columns) {
  switch (columns) {
    case 1: return weight_rows<T, 0, 1>;
    case 2: return weight_rows<T, 0, 2>;
    case 3: return weight_rows<T, 0, 3>;
    case 4: return weight_rows<T, 0, 4>;
    case 5: return weight_rows<T, 0, 5>;
    case 6: return weight_rows<T, 0, 6>;
    default: return weight_rows<T, 0, 7>;
  }
}

template <typename T>
void backward_weight(const ConvGeometry& g, T* grad_w, const T* grad_out, const T* in) {
  const int64_t mult = g.out_channels / g.in_channels, taps = g.kernel_h * g.kernel_w;
  const int64_t in_plane = g.in_h * g.in_w, out_plane = g.out_h * g.out_w;
  const int64_t width_padded = round_up(g.out_w, kLanes<T>);
  RowLayout layout;
  const TapPlan plan = forward_plan(g, layout, width_padded);
  const int64_t capacity = band_capacity(layout, plan, g.in_h);
  const int64_t per_band = capacity >= g.in_h ? g.out_h : band_rows(plan, capacity);
  const bool three_by_three = plan.na == 3 && plan.nb == 3;
  const bool padded_rows = g.out_w % kLanes<T> != 0;  // a row is read past its end otherwise
  const int64_t work = std::max<int64_t>(1, g.batch * (out_plane * taps + in_plane));
  // Each task takes a range of output channels and sums over the images in double. The planes
  // go in memory order (image by image, its channels in turn), which the hardware prefetchers
  // follow: channel by channel, each image's plane is a jump.
  parallel_for(0, g.out_channels, std::max<int64_t>(1, kGrainWork / work), [&](int64_t c0, int64_t c1) {
    SourceBand<T> band(layout, capacity);
    std::vector<double> sums((c1 - c0) * taps, 0.0);
    std::vector<T> carry((c1 - c0) * taps * kLanes<T>, T(0));
    std::vector<int64_t> terms(c1 - c0, 0);
    std::vector<T> copies(padded_rows ? per_band * width_padded : 0, T(0));
    std::vector<const T*> grad_rows(per_band);
    for (int64_t n = 0; n < g.batch; ++n) {
      for (int64_t oc = c0; oc < c1; ++oc) {
        double* channel_sums = sums.data() + (oc - c0) * taps;
        T* channel_carry = carry.data() + (oc - c0) * taps * kLanes<T>;
        int64_t& channel_terms = terms[oc - c0];
        const T* go = grad_out + (n * g.out_channels + oc) * out_plane;
        const T* x = in + (n * g.in_channels + oc / mult) * in_plane;
        for (int64_t b0 = 0; b0 < g.out_h; b0 += per_band) {
          const int64_t b1 = std::min(g.out_h, b0 + per_band);
          int64_t lo = 0, hi = g.in_h;
          if (capacity < g.in_h) source_rows(plan, b0, b1, g.in_h, lo, hi);
          band.fill(x, g.in_w, lo, hi);
          for (int64_t r = b0; r < b1; ++r) {
            if (padded_rows) {
              T* c = copies.data() + (r - b0) * width_padded;
              copy_elements(c, go + r * g.out_w, g.out_w);
              grad_rows[r - b0] = c;
            } else {
              grad_rows[r - b0] = go + r * g.out_w;
            }
          }
          if (three_by_three) {
            channel_terms = weight_rows<T, 3, 3>(plan, band, grad_rows.data(), g.out_w, width_padded, b0, b1, 0,
                                                 channel_sums, channel_carry, channel_terms);
          } else {
            int64_t after = channel_terms;
            for (int64_t bf = 0; bf < plan.nb; bf += kMaxWeightColumns) {
              const int64_t columns = std::min(kMaxWeightColumns, plan.nb - bf);
              after = weight_rows_for<T>(columns)(plan, band, grad_rows.data(), g.out_w, width_padded, b0, b1, bf,
                                                  channel_sums, channel_carry, channel_terms);
            }
            channel_terms = after;
          }
        }
      }
    }
    for (int64_t oc = c0; oc < c1; ++oc) {
      for (int64_t t = 0; t < taps; ++t) {
        const int64_t k = (oc - c0) * taps + t;
        grad_w[oc * taps + t] = static_cast<T>(sums[k] + sum_lanes<T>(simd_load(carry.data() + k * kLanes<T>)));
      }
    }
  });
}

// ---- entry points ----------------------------------------------------------------------------

void depthwise_forward(const ConvGeometry& g, DType dtype, void* out, const void* input, const void* weight,
                       const void* bias) {
  if (dtype == kFloat32)
    forward(g, static_cast<float*>(out), static_cast<const float*>(input), static_cast<const float*>(weight),
            static_cast<const float*>(bias));
  else if (dtype == kFloat64)
    forward(g, static_cast<double*>(out), static_cast<const double*>(input), static_cast<const double*>(weight),
            static_cast<const double*>(bias));
  else
    EMBER_CHECK_TYPE(false, "conv2d: the depthwise kernel takes float32 and float64, got ", dtype_name(dtype));
}

void depthwise_backward_input(const ConvGeometry& g, DType dtype, void* grad_input, const void* grad_output,
                              const void* weight) {
  if (dtype == kFloat32)
    backward_input(g, static_cast<float*>(grad_input), static_cast<const float*>(grad_output),
                   static_cast<const float*>(weight));
  else if (dtype == kFloat64)
    backward_input(g, static_cast<double*>(grad_input), static_cast<const double*>(grad_output),
                   static_cast<const double*>(weight));
  else
    EMBER_CHECK_TYPE(false, "conv2d_backward_input: the depthwise kernel takes float32 and float64, got ",
                     dtype_name(dtype));
}

void depthwise_backward_weight(const ConvGeometry& g, DType dtype, void* grad_weight, const void* grad_output,
                               const void* input) {
  if (dtype == kFloat32)
    backward_weight(g, static_cast<float*>(grad_weight), static_cast<const float*>(grad_output),
                    static_cast<const float*>(input));
  else if (dtype == kFloat64)
    backward_weight(g, static_cast<double*>(grad_weight), static_cast<const double*>(grad_output),
                    static_cast<const double*>(input));
  else
    EMBER_CHECK_TYPE(false, "conv2d_backward_weight: the depthwise kernel takes float32 and float64, got ",
                     dtype_name(dtype));
}

}  // namespace

void register_conv_depthwise_kernels() {
  depthwise_conv_kernel.set(DeviceType::CPU, depthwise_forward);
  depthwise_conv_backward_input_kernel.set(DeviceType::CPU, depthwise_backward_input);
  depthwise_conv_backward_weight_kernel.set(DeviceType::CPU, depthwise_backward_weight);
}

EMBER_ISA_NAMESPACE_END
