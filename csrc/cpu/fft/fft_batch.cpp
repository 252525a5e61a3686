// The entry points of ember/fft_engine.h: run a plan over a batch of strided transforms.
// Each transform whose axis is contiguous (stride 1) is read and written in place of the
// caller's memory; a strided axis, or an output that overlaps the input, goes through a
// contiguous copy of that one transform. The scale is applied in the same sweep that
// writes the result out.
#include <algorithm>
#include <vector>

#include "cpu/fft/fft_plan.h"
#include "cpu/fft/fft_plan_cache.h"
#include "cpu/parallel.h"
#include "ember/fft_engine.h"

namespace ember::fft {

namespace {

// [lowest, highest] element offsets a batch touches, to tell whether in and out overlap.
struct Extent {
  int64_t lo, hi;
};
Extent extent_of(int64_t count, int64_t stride, int64_t howmany, int64_t dist) {
  Extent e{0, 0};
  const int64_t a = (count - 1) * stride, b = (howmany - 1) * dist;
  e.lo = std::min<int64_t>(a, 0) + std::min<int64_t>(b, 0);
  e.hi = std::max<int64_t>(a, 0) + std::max<int64_t>(b, 0);
  return e;
}
bool overlaps(const void* in, Extent ei, size_t in_elem, const void* out, Extent eo, size_t out_elem) {
  const char* i0 = static_cast<const char*>(in) + ei.lo * static_cast<int64_t>(in_elem);
  const char* i1 = static_cast<const char*>(in) + (ei.hi + 1) * static_cast<int64_t>(in_elem);
  const char* o0 = static_cast<const char*>(out) + eo.lo * static_cast<int64_t>(out_elem);
  const char* o1 = static_cast<const char*>(out) + (eo.hi + 1) * static_cast<int64_t>(out_elem);
  return i0 < o1 && o0 < i1;
}

// Batches run one transform per thread at a time unless the transforms are few and large,
// then each transform splits its passes across the threads.
bool split_each_transform(int64_t n, int64_t howmany) {
  return n >= kThreadedPassMinSize && howmany < 2 * get_num_threads();
}
// Transforms per parallel chunk: enough elements that a thread's start-up cost is small.
int64_t batch_grain(int64_t n) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1)); }

template <typename T>
void gather(const T* src, int64_t stride, int64_t count, T* dst) {
  for (int64_t j = 0; j < count; ++j) dst[j] = src[j * stride];
}
template <typename T, typename S>
void scatter_scaled(const T* src, int64_t count, S scale, T* dst, int64_t stride) {
  if (scale == S(1)) {
    for (int64_t j = 0; j < count; ++j) dst[j * stride] = src[j];
  } else {
    for (int64_t j = 0; j < count; ++j) dst[j * stride] = scale * src[j];
  }
}
template <typename T, typename S>
void scale_in_place(T* data, int64_t count, S scale) {
  if (scale == S(1)) return;
  for (int64_t j = 0; j < count; ++j) data[j] = scale * data[j];
}

// Runs body(b, scratch) for every transform b of a batch, in parallel when that pays;
// `threaded` tells the body whether to split the transform itself across threads.
template <typename T, typename Body>
void for_each_transform(int64_t n, int64_t howmany, int64_t scratch_len, const Body& body) {
  if (split_each_transform(n, howmany)) {
    std::vector<cpx<T>> scratch(scratch_len);
    for (int64_t b = 0; b < howmany; ++b) body(b, scratch.data(), true);
    return;
  }
  parallel_for(0, howmany, batch_grain(n), [&](int64_t lo, int64_t hi) {
    std::vector<cpx<T>> scratch(scratch_len);
    for (int64_t b = lo; b < hi; ++b) body(b, scratch.data(), false);
  });
}

// Transforms along a strided axis run `width` at a time, interleaved
// (ComplexPlan::execute_bundle): copying them in and out is then a sweep over rows of `width`
// adjacent elements instead of one element per row, and the passes' inner loops are long.
// Measured on the 2-D 256 x 256 column pass: about 0.46 -> 0.25 ms at width 8 (one thread).
// Contiguous transforms gain nothing from it (the transposing copy costs what the vector
// loops save), so they run one at a time. A bundle's buffers stay within about 1.5 MiB.
constexpr int64_t kBundleElements = 65536;
constexpr int64_t kMaxBundleWidth = 8;
int64_t bundle_width(int64_t n) { return std::min<int64_t>(kMaxBundleWidth, kBundleElements / n); }

// The batch in bundles: gather `width` transforms interleaved, run them together, scatter.
template <typename T>
void c2c_bundled(const ComplexPlan<T>& plan, const cpx<T>* in, cpx<T>* out, int64_t n, int64_t howmany,
                 int64_t in_stride, int64_t in_dist, int64_t out_stride, int64_t out_dist, T scale,
                 int64_t width) {
  const int64_t bundles = (howmany + width - 1) / width;
  const int64_t grain = std::max<int64_t>(1, 32768 / (n * width));
  parallel_for(0, bundles, grain, [&](int64_t lo, int64_t hi) {
    std::vector<cpx<T>> buffers(3 * n * width);
    cpx<T>* x = buffers.data();
    cpx<T>* y = x + n * width;
    cpx<T>* scratch = y + n * width;
    for (int64_t bundle = lo; bundle < hi; ++bundle) {
      const int64_t b0 = bundle * width, w = std::min(width, howmany - b0);
      const cpx<T>* src = in + b0 * in_dist;
      for (int64_t j = 0; j < n; ++j)
        for (int64_t b = 0; b < w; ++b) x[j * w + b] = src[b * in_dist + j * in_stride];
      plan.execute_bundle(x, y, scratch, w);
      cpx<T>* dst = out + b0 * out_dist;
      if (scale == T(1)) {
        for (int64_t k = 0; k < n; ++k)
          for (int64_t b = 0; b < w; ++b) dst[b * out_dist + k * out_stride] = y[k * w + b];
      } else {
        for (int64_t k = 0; k < n; ++k)
          for (int64_t b = 0; b < w; ++b) dst[b * out_dist + k * out_stride] = scale * y[k * w + b];
      }
    }
  });
}

template <typename T>
void c2c_impl(const cpx<T>* in, cpx<T>* out, int64_t n, int64_t howmany, int64_t in_stride, int64_t in_dist,
              int64_t out_stride, int64_t out_dist, bool forward, T scale) {
  if (n <= 0 || howmany <= 0) return;
  auto plan = ComplexPlan<T>::get(n, forward);
  const bool alias = overlaps(in, extent_of(n, in_stride, howmany, in_dist), sizeof(cpx<T>), out,
                              extent_of(n, out_stride, howmany, out_dist), sizeof(cpx<T>));
  // A bundle reads all of its transforms before writing any, so in place is safe there.
  if (plan->can_bundle() && (in_stride != 1 || out_stride != 1) && howmany > 1 && bundle_width(n) >= 4 &&
      !split_each_transform(n, howmany)) {
    c2c_bundled(*plan, in, out, n, howmany, in_stride, in_dist, out_stride, out_dist, scale, bundle_width(n));
    return;
  }
  const bool copy_in = in_stride != 1 || alias, copy_out = out_stride != 1;
  const int64_t plan_scratch = plan->scratch_size();
  const int64_t scratch_len = plan_scratch + (copy_in ? n : 0) + (copy_out ? n : 0);
  for_each_transform<T>(n, howmany, scratch_len, [&](int64_t b, cpx<T>* scratch, bool threaded) {
    const cpx<T>* src = in + b * in_dist;
    cpx<T>* dst = out + b * out_dist;
    cpx<T>* extra = scratch + plan_scratch;
    const cpx<T>* x = src;
    if (copy_in) {
      gather(src, in_stride, n, extra);
      x = extra;
      extra += n;
    }
    if (copy_out) {
      plan->execute(x, extra, scratch, threaded);
      scatter_scaled(extra, n, scale, dst, out_stride);
    } else {
      plan->execute(x, dst, scratch, threaded);
      scale_in_place(dst, n, scale);
    }
  });
}

template <typename T>
void r2c_impl(const T* in, cpx<T>* out, int64_t n, int64_t howmany, int64_t in_stride, int64_t in_dist,
              int64_t out_stride, int64_t out_dist, T scale) {
  if (n <= 0 || howmany <= 0) return;
  auto plan = RealPlan<T>::get(n, true);
  const int64_t h1 = n / 2 + 1;
  const bool alias = overlaps(in, extent_of(n, in_stride, howmany, in_dist), sizeof(T), out,
                              extent_of(h1, out_stride, howmany, out_dist), sizeof(cpx<T>));
  const bool copy_in = in_stride != 1 || alias, copy_out = out_stride != 1;
  const int64_t plan_scratch = plan->scratch_size();
  // A gathered real input takes n/2+1 complex slots (n reals, rounded up).
  const int64_t scratch_len = plan_scratch + (copy_in ? h1 : 0) + (copy_out ? h1 : 0);
  for_each_transform<T>(n, howmany, scratch_len, [&](int64_t b, cpx<T>* scratch, bool threaded) {
    const T* src = in + b * in_dist;
    cpx<T>* dst = out + b * out_dist;
    cpx<T>* extra = scratch + plan_scratch;
    const T* x = src;
    if (copy_in) {
      T* reals = reinterpret_cast<T*>(extra);
      gather(src, in_stride, n, reals);
      x = reals;
      extra += h1;
    }
    if (copy_out) {
      plan->r2c(x, extra, scratch, threaded);
      scatter_scaled(extra, h1, scale, dst, out_stride);
    } else {
      plan->r2c(x, dst, scratch, threaded);
      scale_in_place(dst, h1, scale);
    }
  });
}

template <typename T>
void c2r_impl(const cpx<T>* in, T* out, int64_t n, int64_t howmany, int64_t in_stride, int64_t in_dist,
              int64_t out_stride, int64_t out_dist, T scale) {
  if (n <= 0 || howmany <= 0) return;
  auto plan = RealPlan<T>::get(n, false);
  const int64_t h1 = n / 2 + 1;
  const bool alias = overlaps(in, extent_of(h1, in_stride, howmany, in_dist), sizeof(cpx<T>), out,
                              extent_of(n, out_stride, howmany, out_dist), sizeof(T));
  const bool copy_in = in_stride != 1 || alias, copy_out = out_stride != 1;
  const int64_t plan_scratch = plan->scratch_size();
  const int64_t scratch_len = plan_scratch + (copy_in ? h1 : 0) + (copy_out ? h1 : 0);
  for_each_transform<T>(n, howmany, scratch_len, [&](int64_t b, cpx<T>* scratch, bool threaded) {
    const cpx<T>* src = in + b * in_dist;
    T* dst = out + b * out_dist;
    cpx<T>* extra = scratch + plan_scratch;
    const cpx<T>* x = src;
    if (copy_in) {
      gather(src, in_stride, h1, extra);
      x = extra;
      extra += h1;
    }
    if (copy_out) {
      T* reals = reinterpret_cast<T*>(extra);
      plan->c2r(x, reals, scratch, threaded);
      scatter_scaled(reals, n, scale, dst, out_stride);
    } else {
      plan->c2r(x, dst, scratch, threaded);
      scale_in_place(dst, n, scale);
    }
  });
}

template <typename T>
const cpx<T>* as_cpx(const std::complex<T>* p) { return reinterpret_cast<const cpx<T>*>(p); }
template <typename T>
cpx<T>* as_cpx(std::complex<T>* p) { return reinterpret_cast<cpx<T>*>(p); }

}  // namespace

void c2c(const std::complex<float>* in, std::complex<float>* out, int64_t n, int64_t howmany, int64_t in_stride,
         int64_t in_dist, int64_t out_stride, int64_t out_dist, bool forward, float scale) {
  c2c_impl(as_cpx(in), as_cpx(out), n, howmany, in_stride, in_dist, out_stride, out_dist, forward, scale);
}
void c2c(const std::complex<double>* in, std::complex<double>* out, int64_t n, int64_t howmany, int64_t in_stride,
         int64_t in_dist, int64_t out_stride, int64_t out_dist, bool forward, double scale) {
  c2c_impl(as_cpx(in), as_cpx(out), n, howmany, in_stride, in_dist, out_stride, out_dist, forward, scale);
}
void r2c(const float* in, std::complex<float>* out, int64_t n, int64_t howmany, int64_t in_stride, int64_t in_dist,
         int64_t out_stride, int64_t out_dist, float scale) {
  r2c_impl(in, as_cpx(out), n, howmany, in_stride, in_dist, out_stride, out_dist, scale);
}
void r2c(const double* in, std::complex<double>* out, int64_t n, int64_t howmany, int64_t in_stride,
         int64_t in_dist, int64_t out_stride, int64_t out_dist, double scale) {
  r2c_impl(in, as_cpx(out), n, howmany, in_stride, in_dist, out_stride, out_dist, scale);
}
void c2r(const std::complex<float>* in, float* out, int64_t n, int64_t howmany, int64_t in_stride, int64_t in_dist,
         int64_t out_stride, int64_t out_dist, float scale) {
  c2r_impl(as_cpx(in), out, n, howmany, in_stride, in_dist, out_stride, out_dist, scale);
}
void c2r(const std::complex<double>* in, double* out, int64_t n, int64_t howmany, int64_t in_stride,
         int64_t in_dist, int64_t out_stride, int64_t out_dist, double scale) {
  c2r_impl(as_cpx(in), out, n, howmany, in_stride, in_dist, out_stride, out_dist, scale);
}

void clear_plan_cache() {
  PlanCache<ComplexPlan<float>>::instance().clear();
  PlanCache<ComplexPlan<double>>::instance().clear();
  PlanCache<RealPlan<float>>::instance().clear();
  PlanCache<RealPlan<double>>::instance().clear();
}

}  // namespace ember::fft
