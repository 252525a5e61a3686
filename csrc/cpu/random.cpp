// CPU random kernels: each Philox block is computed independently, so blocks are split over
// threads freely and the result never depends on the thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/philox.h"
#include "cpu/convert.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "dispatch/kernels_random_normal.h"
#include "ember/ops/runtime.h"

namespace ember {

namespace {
using philox::Block;

// Bits of precision of each floating type: its uniforms use that many random bits.
template <typename T> constexpr int precision_bits() {
  if constexpr (std::is_same_v<T, Half>) return 11;
  else if constexpr (std::is_same_v<T, BFloat16>) return 8;
  else return 24;  // float (float64 uses 64-bit draws)
}

// The largest value of T below `b`: where a + (b - a) * u rounds up to b, the result is moved
// back inside [a, b).
template <typename T> T below(T b) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return std::nextafter(b, -std::numeric_limits<T>::infinity());
  } else {
    T r = b;  // 16-bit sign-magnitude: step the bit pattern one unit toward -inf
    if ((r.bits & 0x7fffu) == 0) r.bits = 0x8001u;
    else if (r.bits & 0x8000u) r.bits = static_cast<uint16_t>(r.bits + 1);
    else r.bits = static_cast<uint16_t>(r.bits - 1);
    return r;
  }
}

// Calls fill_block(block, first element index, count) for every Philox block of the call.
template <typename F>
void for_each_block(const RandomFill& f, int per_block, const F& fill_block) {
  const int64_t nblocks = (f.numel + per_block - 1) / per_block;
  parallel_for(0, nblocks, 4096, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t i0 = b * per_block;
      const int n = static_cast<int>(std::min<int64_t>(per_block, f.numel - i0));
      fill_block(philox::block(f.seed, f.offset + static_cast<uint64_t>(b)), i0, n);
    }
  });
}

// Uniform draws on [0, 1) for element `lane` of a block: float for the 32-bit types, double
// from a 64-bit word for float64.
template <typename T> auto unit_uniform(const Block& r, int lane) {
  if constexpr (std::is_same_v<T, double>) return philox::uniform_double(philox::word64(r, lane));
  else return philox::uniform_float(r.w[lane], precision_bits<T>());
}

template <typename T>
void fill_uniform(const RandomFill& f) {
  T* out = static_cast<T*>(f.out);
  const bool unit = f.a == 0 && f.b == 1;
  const T hi = convert<T>(f.b);
  for_each_block(f, random_per_block(f.dist, f.dtype), [&](const Block& r, int64_t i0, int n) {
    for (int l = 0; l < n; ++l) {
      const double u = unit_uniform<T>(r, l);
      if (unit) {
        out[i0 + l] = convert<T>(u);  // exact: u has the type's precision
        continue;
      }
      T v = convert<T>(f.a + (f.b - f.a) * u);
      if (f.b > f.a && !(convert<double>(v) < convert<double>(hi))) v = below(hi);
      out[i0 + l] = v;
    }
  });
}

// float64 normals: one Box-Muller pair in double per block (two 64-bit draws).
void fill_normal_double(const RandomFill& f) {
  double* out = static_cast<double*>(f.out);
  for_each_block(f, random_per_block(f.dist, f.dtype), [&](const Block& r, int64_t i0, int n) {
    double z[2];
    philox::box_muller(philox::uniform_double_open0(philox::word64(r, 0)),
                       philox::uniform_double(philox::word64(r, 1)), z[0], z[1]);
    for (int l = 0; l < n; ++l) {
      const int64_t i = i0 + l;
      const double mean = f.param_a ? f.param_a[i] : f.a;
      const double std = f.param_b ? f.param_b[i] : f.b;
      out[i] = mean + std * z[l];
    }
  });
}

// The float32 and 16-bit normal fill of the ISA this CPU runs (cpu/isa/random_normal.cpp),
// chosen on first use: the kernels are registered by then, and cpu_capability() honours the
// EMBER_CPU_ISA cap as the other per-ISA families do. Every copy gives the same numbers.
void fill_normal_float(const RandomFill& f) {
  static const auto fill = [] {
#ifdef EMBER_X86_ISA_VARIANTS
    const char* isa = cpu_capability();
    if (std::strncmp(isa, "avx512", 6) == 0) return &cpu::avx512::normal_fill;
    if (std::strcmp(isa, "avx2") == 0) return &cpu::avx2::normal_fill;
#endif
    return &cpu::base::normal_fill;
  }();
  fill(f);
}

template <typename T>
void fill_exponential(const RandomFill& f) {
  T* out = static_cast<T*>(f.out);
  for_each_block(f, random_per_block(f.dist, f.dtype), [&](const Block& r, int64_t i0, int n) {
    for (int l = 0; l < n; ++l) {
      // 1 - u is on (0, 1], so the logarithm is finite and the result is >= 0.
      const double u = std::is_same_v<T, double> ? philox::uniform_double(philox::word64(r, l))
                                                 : philox::uniform_float(r.w[l], 24);
      out[i0 + l] = convert<T>(-std::log1p(-u) / f.a);
    }
  });
}

template <typename T>
void fill_bernoulli(const RandomFill& f) {
  T* out = static_cast<T*>(f.out);
  for_each_block(f, 4, [&](const Block& r, int64_t i0, int n) {
    for (int l = 0; l < n; ++l) {
      const double p = f.param_a ? f.param_a[i0 + l] : f.a;
      out[i0 + l] = convert<T>(philox::uniform_u32(r.w[l]) < p ? 1 : 0);
    }
  });
}

template <typename T>
void fill_integer(const RandomFill& f) {
  T* out = static_cast<T*>(f.out);
  for_each_block(f, 2, [&](const Block& r, int64_t i0, int n) {
    for (int l = 0; l < n; ++l)
      out[i0 + l] = convert<T>(philox::uniform_int(philox::word64(r, l), f.low, f.range));
  });
}

void cpu_random(const RandomFill& f) {
  switch (f.dist) {
    case RandomDist::Uniform:
      return dispatch_floating(f.dtype, "uniform_", [&](auto tag) { fill_uniform<typename decltype(tag)::type>(f); });
    case RandomDist::Normal:
      if (f.dtype == kFloat64) return fill_normal_double(f);
      return fill_normal_float(f);  // raises the TypeError for a non-floating dtype
    case RandomDist::Exponential:
      return dispatch_floating(f.dtype, "exponential_", [&](auto tag) {
        fill_exponential<typename decltype(tag)::type>(f);
      });
    case RandomDist::Bernoulli:
      return dispatch_all(f.dtype, "bernoulli", [&](auto tag) { fill_bernoulli<typename decltype(tag)::type>(f); });
    case RandomDist::Integer:
      return dispatch_all(f.dtype, "random_", [&](auto tag) { fill_integer<typename decltype(tag)::type>(f); });
  }
}
}  // namespace

void register_cpu_random_kernels() { random_kernel.set(DeviceType::CPU, cpu_random); }

}  // namespace ember
