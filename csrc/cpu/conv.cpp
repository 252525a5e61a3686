// CPU convolution kernels (1-D, 2-D and 3-D): im2col + the GEMM kernel table, col2im for the input gradient, and
// direct loops for depthwise convolutions (cpu/isa/conv_depthwise.cpp). A 1x1 convolution with
// stride 1 and no padding needs no column buffer: the GEMM reads the image itself.
//
// Threads: when images are small (or many), each thread takes whole images with its own column
// buffer, and its GEMM calls run on that thread; otherwise images go one after another and the
// column packing and each GEMM are split over the threads.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cpu/conv_im2col.h"
#include "cpu/conv_shifted.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "dispatch/kernels_conv_depthwise.h"
#include "ember/ops.h"

namespace ember {

namespace {
using cpu_conv::col2im;
using cpu_conv::im2col;

// Multiply-adds per image below which a GEMM is too small to split over threads well.
constexpr int64_t kSmallImageWork = int64_t(1) << 23;
constexpr int64_t kMinThreadWork = int64_t(1) << 18;  // multiply-adds
// Column buffer elements per thread (16 MiB of float32): a bigger image is packed a band of
// output rows at a time.
constexpr int64_t kColumnTile = int64_t(1) << 22;
constexpr int64_t kPackGrain = int64_t(1) << 15;  // elements per thread for packing loops

bool pointwise(const ConvGeometry& g) {
  return g.kernel_d == 1 && g.kernel_h == 1 && g.kernel_w == 1 && g.stride_d == 1 && g.stride_h == 1 &&
         g.stride_w == 1 && g.pad_d == 0 && g.pad_h == 0 && g.pad_w == 0 && g.out_d == g.in_d && g.out_h == g.in_h &&
         g.out_w == g.in_w;
}

// How many chunks of whole images run in parallel; 1: images in turn, parallel inside.
int64_t image_chunks(const ConvGeometry& g, int64_t work_per_image) {
  const int64_t threads = get_num_threads();
  if (threads <= 1 || g.batch <= 1 || in_parallel_region()) return 1;
  if (g.batch < threads && work_per_image >= kSmallImageWork) return 1;
  // Below a few hundred thousand multiply-adds a thread costs more to wake than it saves.
  return std::max<int64_t>(1, std::min({threads, g.batch, work_per_image * g.batch / kMinThreadWork}));
}

// Images [begin, end) of chunk c of `chunks`.
inline int64_t chunk_start(int64_t c, int64_t chunks, int64_t n) { return c * n / chunks; }

// Per-thread buffers (slot 0: columns, slot 1: a transposed output gradient), kept between
// calls so that repeated convolutions do not pay for fresh pages; never cleared, since every
// element read is written first.
template <typename T>
T* column_buffer(int slot, int64_t count) {
  thread_local std::vector<double> slots[2];
  std::vector<double>& buf = slots[slot];
  const size_t words = (size_t(count) * sizeof(T) + sizeof(double) - 1) / sizeof(double);
  if (buf.size() < words) buf.resize(words);
  return reinterpret_cast<T*>(buf.data());
}

// Runs image(n, column_buffer) for every image, in parallel chunks of whole images or in turn.
template <typename T, typename F>
void for_each_image(const ConvGeometry& g, int64_t work_per_image, int64_t buffer, const F& image) {
  const int64_t chunks = image_chunks(g, work_per_image);
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    T* col = column_buffer<T>(0, buffer);
    for (int64_t n = chunk_start(c0, chunks, g.batch); n < chunk_start(c1, chunks, g.batch); ++n) image(n, col);
  });
}

GemmKernel cpu_gemm() { return gemm_kernel.get(Device(kCPU), "conv2d"); }

// A GEMM batched over the groups: operand X of group q starts X_bs[0] elements after group 0's.
GemmArgs group_gemm(DType dtype, const ConvGeometry& g, int64_t m, int64_t n, int64_t k) {
  GemmArgs a;
  a.dtype = dtype;
  a.m = m;
  a.n = n;
  a.k = k;
  a.batch_ndim = 1;
  a.batch_sizes[0] = g.groups;
  return a;
}

// Sizes shared by the three kernels. A "plane" is one channel's (D x) H x W values, a "line"
// one output row of OW positions (lines = OD * OH, see cpu/conv_im2col.h).
struct Dims {
  int64_t groups, cig, cog, in_plane, out_plane, k, in_image, out_image, rows, lines;
  bool direct;     // 1x1, stride 1, no padding: the image is its own column buffer
  int64_t band;    // output lines per column buffer (all of them when direct)
  int64_t buffer;  // column buffer elements: a band of output lines
  explicit Dims(const ConvGeometry& g)
      : groups(g.groups),
        cig(g.in_channels / g.groups),
        cog(g.out_channels / g.groups),
        in_plane(g.in_d * g.in_h * g.in_w),
        out_plane(g.out_d * g.out_h * g.out_w),
        k(cig * g.kernel_d * g.kernel_h * g.kernel_w),
        in_image(g.in_channels * in_plane),
        out_image(g.out_channels * out_plane),
        rows(g.groups * k),
        lines(g.out_d * g.out_h),
        direct(pointwise(g)) {
    band = direct ? lines : std::clamp<int64_t>(kColumnTile / std::max<int64_t>(1, rows * g.out_w), 1, lines);
    buffer = direct ? 0 : rows * band * g.out_w;
  }
  int64_t work() const { return cog * k * out_plane * groups; }  // multiply-adds per image
};

// Packs the columns of output lines [oh0, oh1) of one image, split over threads unless already
// inside a parallel region.
template <typename T>
void pack_columns(const ConvGeometry& g, const Dims& d, const T* image, T* col, int64_t oh0, int64_t oh1) {
  const int64_t cols = (oh1 - oh0) * g.out_w;
  const int64_t grain = std::max<int64_t>(1, kPackGrain / std::max<int64_t>(1, cols));
  parallel_for(0, d.rows, grain, [&](int64_t r0, int64_t r1) { im2col(g, image, col, cols, r0, r1, oh0, oh1); });
}

template <typename T>
void add_bias(const Dims& d, const ConvGeometry& g, T* out, const T* bias) {
  for (int64_t c = 0; c < g.out_channels; ++c) {
    T* plane = out + c * d.out_plane;
    const T b = bias[c];
#pragma omp simd
    for (int64_t p = 0; p < d.out_plane; ++p) plane[p] += b;
  }
}

// Each output plane = its channel's bias (zero without one).
template <typename T>
void fill_bias(const Dims& d, const ConvGeometry& g, T* out, const T* bias) {
  for (int64_t c = 0; c < g.out_channels; ++c)
    std::fill(out + c * d.out_plane, out + (c + 1) * d.out_plane, bias ? bias[c] : T(0));
}

// bfloat16 (the CPU's bfloat16 GEMM) takes the bias into the output before the product and adds
// the product with beta = 1, so that each output is rounded once.
// The implicit-GEMM kernels of the ISA this CPU runs (cpu/conv_shifted.h), chosen on first use.
struct ShiftedKernels {
  void (*forward)(const cpu_conv::ShiftedConvArgs&);
  void (*backward_input)(const cpu_conv::ShiftedConvArgs&);
  void (*columns)(const cpu_conv::ShiftedConvColumns&);
};
const ShiftedKernels& shifted_kernels() {
  static const ShiftedKernels kernels = [] {
#ifdef EMBER_X86_ISA_VARIANTS
    const char* isa = cpu_capability();
    if (std::strncmp(isa, "avx512", 6) == 0)
      return ShiftedKernels{&cpu::avx512::conv_shifted_forward, &cpu::avx512::conv_shifted_backward_input,
                            &cpu::avx512::conv_shifted_columns};
    if (std::strcmp(isa, "avx2") == 0)
      return ShiftedKernels{&cpu::avx2::conv_shifted_forward, &cpu::avx2::conv_shifted_backward_input,
                            &cpu::avx2::conv_shifted_columns};
#endif
    return ShiftedKernels{&cpu::base::conv_shifted_forward, &cpu::base::conv_shifted_backward_input,
                            &cpu::base::conv_shifted_columns};
  }();
  return kernels;
}

// The arguments of an implicit-GEMM call with its threading: chunks of whole images, or one
// image at a time with its tiles split over the threads.
template <typename T>
cpu_conv::ShiftedConvArgs shifted_args(const ConvGeometry& g, int64_t work_per_image, T* out, const T* in,
                                       const T* weight, const T* bias) {
  cpu_conv::ShiftedConvArgs args;
  args.g = &g;
  args.dtype = DTypeOf<T>::value;
  args.out = out;
  args.in = in;
  args.weight = weight;
  args.bias = bias;
  args.chunks = image_chunks(g, work_per_image);
  args.split_images = args.chunks == 1 && get_num_threads() > 1 && !in_parallel_region() &&
                      work_per_image * g.batch >= kMinThreadWork;
  return args;
}

// 2-D convolutions whose output rows are as long as the input's, or as one stride phase of it
// (ceil(W / stride)), skip the column buffer: the GEMM's panels are packed from the image (or
// its phases) itself. A pointwise one reads the image as it is already.
bool implicit_gemm(const ConvGeometry& g) {
  return g.in_d == 1 && g.out_d == 1 && g.kernel_d == 1 && g.out_w == (g.in_w + g.stride_w - 1) / g.stride_w &&
         !pointwise(g);
}

template <typename T>
void forward(const ConvGeometry& g, T* out, const T* in, const T* w, const T* bias) {
  constexpr bool bias_first = std::is_same_v<T, BFloat16>;
  const Dims d(g);
  if (d.k == 0) {  // no input channels: the bias alone
    parallel_for(0, g.batch, 1, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) fill_bias(d, g, out + n * d.out_image, bias);
    });
    return;
  }
  if constexpr (!bias_first) {
    if (implicit_gemm(g)) return shifted_kernels().forward(shifted_args(g, d.work(), out, in, w, bias));
  }
  // out_q (Cog x P) = w_q (Cog x K) @ columns_q (K x P) for each group q, a band of output
  // rows (columns of P) at a time
  GemmArgs ga = group_gemm(DTypeOf<T>::value, g, d.cog, 0, d.k);
  ga.a = w;
  ga.a_rs = d.k;
  ga.a_cs = 1;
  ga.a_bs[0] = d.cog * d.k;
  ga.b_cs = 1;
  ga.c_rs = d.out_plane;
  ga.c_cs = 1;
  ga.c_bs[0] = d.cog * d.out_plane;
  const GemmKernel gemm = cpu_gemm();
  if (bias_first && bias) ga.beta = 1.0;
  for_each_image<T>(g, d.work(), d.buffer, [&](int64_t n, T* col) {
    const T* x = in + n * d.in_image;
    if (bias_first && bias) fill_bias(d, g, out + n * d.out_image, bias);
    for (int64_t oh0 = 0; oh0 < d.lines; oh0 += d.band) {
      const int64_t oh1 = std::min(d.lines, oh0 + d.band), cols = (oh1 - oh0) * g.out_w;
      if (!d.direct) pack_columns(g, d, x, col, oh0, oh1);
      GemmArgs a = ga;
      a.n = cols;
      a.b = d.direct ? x : col;
      a.b_rs = cols;
      a.b_bs[0] = d.k * cols;
      a.c = out + n * d.out_image + oh0 * g.out_w;
      gemm(a);
    }
    if constexpr (!bias_first) {
      if (bias) add_bias(d, g, out + n * d.out_image, bias);
    }
  });
}

// A stride-1 convolution's input gradient is itself a stride-1 convolution: of grad_output with
// the weight transposed per group and flipped in space, padded by dilation * (K - 1) - pad.
// Run through forward(), it packs grad_output's columns with block copies instead of adding
// every tap's columns back into the image (col2im's read-modify-write passes). Its GEMM has a
// row per input channel (of a group), so few input channels (a first layer's) stay on col2im,
// whose GEMM has a row per channel and tap instead.
constexpr int64_t kMinTransposedRows = 16;
bool as_transposed_forward(const ConvGeometry& g) {
  return g.in_d == 1 && g.kernel_d == 1 && g.stride_h == 1 && g.stride_w == 1 && !pointwise(g) &&
         g.in_channels / g.groups >= kMinTransposedRows &&
         g.pad_h <= g.dilation_h * (g.kernel_h - 1) && g.pad_w <= g.dilation_w * (g.kernel_w - 1);
}

// A strided one's input gradient goes phase by phase through the implicit GEMM (see
// cpu/conv_shifted.h) when the output rows are as long as one stride phase of the input's.
bool strided_transposed_forward(const ConvGeometry& g) {
  return (g.stride_h > 1 || g.stride_w > 1) && implicit_gemm(g) && g.in_channels / g.groups >= kMinTransposedRows;
}

ConvGeometry transposed_geometry(const ConvGeometry& g) {
  ConvGeometry t = g;
  t.in_channels = g.out_channels;
  t.out_channels = g.in_channels;
  t.in_h = g.out_h;
  t.in_w = g.out_w;
  t.out_h = g.in_h;
  t.out_w = g.in_w;
  t.pad_h = g.dilation_h * (g.kernel_h - 1) - g.pad_h;
  t.pad_w = g.dilation_w * (g.kernel_w - 1) - g.pad_w;
  return t;
}

// w (Cout, Cin/groups, KH, KW) -> (Cin, Cout/groups, KH, KW), flipped in H and W: group q's
// (o, c, i, j) goes to (c, o, KH-1-i, KW-1-j) of the same group.
template <typename T>
std::vector<T> transposed_weight(const ConvGeometry& g, const T* w) {
  const int64_t cig = g.in_channels / g.groups, cog = g.out_channels / g.groups, taps = g.kernel_h * g.kernel_w;
  std::vector<T> t(g.out_channels * cig * taps);
  for (int64_t q = 0; q < g.groups; ++q)
    for (int64_t o = 0; o < cog; ++o)
      for (int64_t c = 0; c < cig; ++c) {
        const T* src = w + ((q * cog + o) * cig + c) * taps;
        T* dst = t.data() + ((q * cig + c) * cog + o) * taps;
        for (int64_t tap = 0; tap < taps; ++tap) dst[taps - 1 - tap] = src[tap];
      }
  return t;
}

template <typename T>
void backward_input(const ConvGeometry& g, T* grad_in, const T* grad_out, const T* w) {
  if (as_transposed_forward(g)) {
    const std::vector<T> wt = transposed_weight(g, w);
    return forward<T>(transposed_geometry(g), grad_in, grad_out, wt.data(), nullptr);
  }
  const Dims d(g);
  if (d.k == 0) return;  // no input channels: nothing to write
  if (strided_transposed_forward(g))
    return shifted_kernels().backward_input(shifted_args<T>(g, d.work(), grad_in, grad_out, w, nullptr));
  // columns_q (K x P) = w_q^T (K x Cog) @ grad_out_q (Cog x P); the transpose is a stride swap
  GemmArgs ga = group_gemm(DTypeOf<T>::value, g, d.k, 0, d.cog);
  ga.a = w;
  ga.a_rs = 1;
  ga.a_cs = d.k;
  ga.a_bs[0] = d.cog * d.k;
  ga.b_rs = d.out_plane;
  ga.b_cs = 1;
  ga.b_bs[0] = d.cog * d.out_plane;
  ga.c_cs = 1;
  const GemmKernel gemm = cpu_gemm();
  const int64_t grain =
      std::max<int64_t>(1, kPackGrain / std::max<int64_t>(1, d.out_plane * g.kernel_d * g.kernel_h * g.kernel_w));
  for_each_image<T>(g, d.work(), d.buffer, [&](int64_t n, T* col) {
    T* gi = grad_in + n * d.in_image;
    for (int64_t oh0 = 0; oh0 < d.lines; oh0 += d.band) {
      const int64_t oh1 = std::min(d.lines, oh0 + d.band), cols = (oh1 - oh0) * g.out_w;
      GemmArgs a = ga;
      a.n = cols;
      a.b = grad_out + n * d.out_image + oh0 * g.out_w;
      a.c = d.direct ? gi : col;  // 1x1: the columns are the input gradient itself
      a.c_rs = cols;
      a.c_bs[0] = d.k * cols;
      gemm(a);
      if (d.direct) continue;
      // Bands overlap in the input rows they touch, so each adds; the first clears the image.
      parallel_for(0, g.in_channels, grain, [&](int64_t c0, int64_t c1) {
        if (oh0 == 0) std::fill(gi + c0 * d.in_plane, gi + c1 * d.in_plane, T(0));
        col2im(g, col, cols, gi, c0, c1, oh0, oh1);
      });
    }
  });
}

// Image `go` (C x P) -> P x C, in square tiles so that both sides stay in cache.
template <typename T>
void transpose_plane(const T* go, int64_t channels, int64_t plane, T* out) {
  constexpr int64_t kTile = 16;
  for (int64_t c0 = 0; c0 < channels; c0 += kTile)
    for (int64_t p0 = 0; p0 < plane; p0 += kTile) {
      const int64_t c1 = std::min(channels, c0 + kTile), p1 = std::min(plane, p0 + kTile);
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t p = p0; p < p1; ++p) out[p * channels + c] = go[c * plane + p];
    }
}

// Columns of at most this many rows per group (a first layer's 1 or 3 channels times the taps)
// leave the GEMM's register tiles mostly empty: the weight gradient is then K x Cog dot
// products over the output positions instead.
constexpr int64_t kThinColumns = 32;

// sum a[i] * b[i] in kLanes independent partial sums, which vectorize without reordering any
// one sum's additions (the build allows no reassociation of floating adds).
template <typename T>
T dot_product(const T* a, const T* b, int64_t n) {
  constexpr int64_t kLanes = 16;
  T part[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int64_t j = 0; j < kLanes; ++j) part[j] += a[i + j] * b[i + j];
  T sum = 0;
  for (; i < n; ++i) sum += a[i] * b[i];
  for (int64_t j = 0; j < kLanes; ++j) sum += part[j];
  return sum;
}

// The weight gradient as dot products of each column row with each output-gradient plane,
// summed in double over the images. Threads take ranges of output channels for the whole
// batch (each packing the columns it reads), so a small call wakes them at most once.
template <typename T>
void backward_weight_thin(const ConvGeometry& g, const Dims& d, T* grad_w, const T* grad_out, const T* in) {
  const int64_t per_channel = std::max<int64_t>(1, d.k * d.out_plane * g.batch);
  parallel_for(0, g.out_channels, std::max<int64_t>(1, kMinThreadWork / per_channel), [&](int64_t o0, int64_t o1) {
    std::vector<double> acc((o1 - o0) * d.k, 0.0);
    T* col = column_buffer<T>(0, d.buffer);
    for (int64_t n = 0; n < g.batch; ++n) {
      const T* go = grad_out + n * d.out_image;
      for (int64_t oh0 = 0; oh0 < d.lines; oh0 += d.band) {
        const int64_t oh1 = std::min(d.lines, oh0 + d.band), cols = (oh1 - oh0) * g.out_w;
        pack_columns(g, d, in + n * d.in_image, col, oh0, oh1);
        for (int64_t oc = o0; oc < o1; ++oc) {
          const T* plane = go + oc * d.out_plane + oh0 * g.out_w;
          const T* rows = col + oc / d.cog * d.k * cols;
          for (int64_t r = 0; r < d.k; ++r) acc[(oc - o0) * d.k + r] += dot_product(plane, rows + r * cols, cols);
        }
      }
    }
    for (int64_t i = 0; i < (o1 - o0) * d.k; ++i) grad_w[o0 * d.k + i] = static_cast<T>(acc[i]);
  });
}

template <typename T>
void backward_weight(const ConvGeometry& g, T* grad_w, const T* grad_out, const T* in) {
  const Dims d(g);
  const int64_t wsize = g.out_channels * d.k;
  if (wsize == 0) return;
  if (g.batch == 0 || d.out_plane == 0) {
    std::fill(grad_w, grad_w + wsize, T(0));
    return;
  }
  if (d.k <= kThinColumns && !d.direct) return backward_weight_thin(g, d, grad_w, grad_out, in);
  // With more column rows than output channels, the transposed gradient
  // grad_w_q^T (K x Cog) += columns_q (K x P) @ grad_out_q^T (P x Cog), summed over the images
  // and the bands of output rows: both factors are then read along their rows (grad_out
  // transposed once per image, a copy the size of the output), where the untransposed product
  // would pack the columns' transpose, a strided walk over the larger buffer. Otherwise
  // grad_w_q (Cog x K) += grad_out_q (Cog x P) @ columns_q^T (P x K) directly.
  const bool transposed = d.k > d.cog;
  GemmArgs ga = transposed ? group_gemm(DTypeOf<T>::value, g, d.k, d.cog, 0) : group_gemm(DTypeOf<T>::value, g, d.cog, d.k, 0);
  ga.a_cs = 1;
  ga.c_cs = 1;
  if (transposed) {
    ga.b_rs = g.out_channels;
    ga.b_cs = 1;
    ga.b_bs[0] = d.cog;
    ga.c_rs = d.cog;
  } else {
    ga.a_rs = d.out_plane;
    ga.a_bs[0] = d.cog * d.out_plane;
    ga.b_rs = 1;
    ga.c_rs = d.k;
  }
  ga.c_bs[0] = d.k * d.cog;
  const GemmKernel gemm = cpu_gemm();
  // Each chunk of images sums into its own partial; the partials are added in chunk order on
  // the way into grad_w, so a result depends only on the chunk count.
  const int64_t chunks = image_chunks(g, d.work());
  std::vector<T> partials(chunks * wsize);
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    T* col = column_buffer<T>(0, d.buffer);
    T* go_t = transposed ? column_buffer<T>(1, d.out_image) : nullptr;
    for (int64_t c = c0; c < c1; ++c) {
      T* acc = partials.data() + c * wsize;
      const int64_t n0 = chunk_start(c, chunks, g.batch);
      const int64_t n1 = chunk_start(c + 1, chunks, g.batch);
      // acc += the product of image n's output lines [oh0, oh1), whose columns are ready
      const auto accumulate = [&](int64_t n, int64_t oh0, int64_t oh1) {
        const T* x = in + n * d.in_image;
        const T* go = grad_out + n * d.out_image;
        if (transposed && oh0 == 0) transpose_plane(go, g.out_channels, d.out_plane, go_t);
        const int64_t cols = (oh1 - oh0) * g.out_w;
        const int64_t ld = d.direct ? d.in_plane : cols;
        const T* columns = d.direct ? x : col;
        GemmArgs a = ga;
        a.k = cols;
        if (transposed) {
          a.a = columns;
          a.a_rs = ld;
          a.a_bs[0] = d.k * ld;
          a.b = go_t + oh0 * g.out_w * g.out_channels;
        } else {
          a.a = go + oh0 * g.out_w;
          a.b = columns;
          a.b_cs = ld;
          a.b_bs[0] = d.k * ld;
        }
        a.c = acc;
        a.beta = n == n0 && oh0 == 0 ? 0.0 : 1.0;
        gemm(a);
      };
      if (implicit_gemm(g) && d.band == d.lines) {  // whole images' columns, by masked loads
        auto whole = [&](int64_t n) { accumulate(n, 0, d.lines); };
        using Whole = decltype(whole);
        cpu_conv::ShiftedConvColumns job;
        job.g = &g;
        job.dtype = DTypeOf<T>::value;
        job.in = in;
        job.columns = col;
        job.n0 = n0;
        job.n1 = n1;
        job.consume = [](void* context, int64_t n) { (*static_cast<Whole*>(context))(n); };
        job.context = &whole;
        shifted_kernels().columns(job);
        continue;
      }
      for (int64_t n = n0; n < n1; ++n)
        for (int64_t oh0 = 0; oh0 < d.lines; oh0 += d.band) {
          const int64_t oh1 = std::min(d.lines, oh0 + d.band);
          if (!d.direct) pack_columns(g, d, in + n * d.in_image, col, oh0, oh1);
          accumulate(n, oh0, oh1);
        }
    }
  });
  // grad_w (groups, Cog, K) = the partials' sum (transposed back from (groups, K, Cog))
  parallel_for(0, g.out_channels, std::max<int64_t>(1, kPackGrain / d.k), [&](int64_t o0, int64_t o1) {
    for (int64_t oc = o0; oc < o1; ++oc) {
      const int64_t q = oc / d.cog, o = oc % d.cog;
      T* dst = grad_w + oc * d.k;
      for (int64_t r = 0; r < d.k; ++r) {
        const T* src = partials.data() + (transposed ? (q * d.k + r) * d.cog + o : oc * d.k + r);
        T sum = src[0];
        for (int64_t c = 1; c < chunks; ++c) sum += src[c * wsize];
        dst[r] = sum;
      }
    }
  });
}

// The direct depthwise loops are 2-D: a 3-D depthwise convolution takes the grouped GEMM path.
bool depthwise(const ConvGeometry& g) {
  return g.groups > 1 && g.groups == g.in_channels && g.in_d == 1 && g.out_d == 1 && g.kernel_d == 1 && g.pad_d == 0;
}

// The front-end hands over float32 or float64 (16-bit inputs are converted once, up front).
template <typename F>
void dispatch_compute(DType t, const char* op, F&& f) {
  if (t == kFloat32) f(TypeTag<float>{});
  else if (t == kFloat64) f(TypeTag<double>{});
  else EMBER_FAIL(ErrorKind::Type, op, ": the CPU kernel computes in float32 or float64, got ", dtype_name(t));
}

// bfloat16 (the forward front-end hands it over on the CPU): im2col and the GEMM in bfloat16,
// whose products accumulate in float32; depthwise loops run on a float32 copy.
void cpu_conv2d_bf16(const ConvGeometry& g, const Tensor& out, const Tensor& input, const Tensor& weight,
                     const Tensor* bias) {
  if (depthwise(g)) {
    const Tensor out32 = empty(out.shape(), TensorOptions(kFloat32));
    const Tensor b32 = bias ? bias->to(kFloat32) : Tensor();
    depthwise_conv_kernel.get(out.device(), "conv2d")(g, kFloat32, out32.data_ptr<float>(),
                                                      input.to(kFloat32).data_ptr<float>(),
                                                      weight.to(kFloat32).data_ptr<float>(),
                                                      bias ? b32.data_ptr<float>() : nullptr);
    Tensor handle = out;  // shares out's elements
    handle.copy_(out32);
    return;
  }
  forward(g, out.data_ptr<BFloat16>(), input.data_ptr<BFloat16>(), weight.data_ptr<BFloat16>(),
          bias ? bias->data_ptr<BFloat16>() : nullptr);
}

void cpu_conv2d(const ConvGeometry& g, const Tensor& out, const Tensor& input, const Tensor& weight,
                const Tensor* bias) {
  if (out.dtype() == kBFloat16) return cpu_conv2d_bf16(g, out, input, weight, bias);
  dispatch_compute(out.dtype(), "conv2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* b = bias ? bias->data_ptr<T>() : nullptr;
    if (depthwise(g))
      depthwise_conv_kernel.get(out.device(), "conv2d")(g, out.dtype(), out.data_ptr<T>(), input.data_ptr<T>(),
                                                        weight.data_ptr<T>(), b);
    else forward(g, out.data_ptr<T>(), input.data_ptr<T>(), weight.data_ptr<T>(), b);
  });
}

void cpu_conv2d_backward_input(const ConvGeometry& g, const Tensor& grad_input, const Tensor& grad_output,
                               const Tensor& weight) {
  dispatch_compute(grad_input.dtype(), "conv2d_backward_input", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gi = grad_input.data_ptr<T>();
    if (depthwise(g))
      depthwise_conv_backward_input_kernel.get(grad_input.device(), "conv2d_backward_input")(
          g, grad_input.dtype(), gi, grad_output.data_ptr<T>(), weight.data_ptr<T>());
    else backward_input(g, gi, grad_output.data_ptr<T>(), weight.data_ptr<T>());
  });
}

void cpu_conv2d_backward_weight(const ConvGeometry& g, const Tensor& grad_weight, const Tensor& grad_output,
                                const Tensor& input) {
  dispatch_compute(grad_weight.dtype(), "conv2d_backward_weight", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gw = grad_weight.data_ptr<T>();
    if (depthwise(g))
      depthwise_conv_backward_weight_kernel.get(grad_weight.device(), "conv2d_backward_weight")(
          g, grad_weight.dtype(), gw, grad_output.data_ptr<T>(), input.data_ptr<T>());
    else backward_weight(g, gw, grad_output.data_ptr<T>(), input.data_ptr<T>());
  });
}
}  // namespace

void register_cpu_conv_kernels() {
  conv2d_kernel.set(DeviceType::CPU, cpu_conv2d);
  conv2d_backward_input_kernel.set(DeviceType::CPU, cpu_conv2d_backward_input);
  conv2d_backward_weight_kernel.set(DeviceType::CPU, cpu_conv2d_backward_weight);
}

}  // namespace ember
