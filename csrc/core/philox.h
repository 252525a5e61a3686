#pragma once
// Philox 4x32-10, after Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
// 1, 2, 3" (SC 2011). A counter-based generator: a 128-bit counter and a 64-bit key go through
// ten rounds of a multiply-high/low and xor bijection, the key advancing by a Weyl sequence
// between rounds, and come out as four 32-bit words that pass BigCrush for every distinct
// (counter, key). No state is carried from one block to the next, so any thread (or GPU lane)
// computes any block on its own. Header-only, so that CUDA kernels compute the same numbers.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ember/api.h"  // EMBER_HOST_DEVICE

namespace ember::philox {

struct Block {
  uint32_t w[4];
};

// The round multipliers and the key schedule's Weyl increments (golden ratio, sqrt(3) - 1),
// as the paper gives them for Philox 4x32.
constexpr uint32_t kMul0 = 0xD2511F53u;
constexpr uint32_t kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;
constexpr uint32_t kWeyl1 = 0xBB67AE85u;

EMBER_HOST_DEVICE void round(uint32_t c[4], uint32_t k0, uint32_t k1) {
  const uint64_t p0 = static_cast<uint64_t>(kMul0) * c[0];
  const uint64_t p1 = static_cast<uint64_t>(kMul1) * c[2];
  const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
  const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
  const uint32_t c1 = c[1], c3 = c[3];
  c[0] = hi1 ^ c1 ^ k0;
  c[1] = lo1;
  c[2] = hi0 ^ c3 ^ k1;
  c[3] = lo0;
}

// The raw bijection, word for word as the paper's known-answer tests state it.
EMBER_HOST_DEVICE Block philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                                      uint32_t k1) {
  uint32_t c[4] = {c0, c1, c2, c3};
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    round(c, k0, k1);
  }
  return Block{{c[0], c[1], c[2], c[3]}};
}

// Block `index` of the stream keyed by `seed`: counter = (index low, index high, 0, 0).
EMBER_HOST_DEVICE Block block(uint64_t seed, uint64_t index) {
  return philox4x32_10(static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), 0u, 0u,
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

EMBER_HOST_DEVICE uint64_t word64(const Block& b, int pair) {
  return static_cast<uint64_t>(b.w[2 * pair]) | (static_cast<uint64_t>(b.w[2 * pair + 1]) << 32);
}

// Uniform on [0, 1) from the top `bits` bits of a word: every result is exactly representable
// in a type with `bits` bits of precision (24 float32, 11 float16, 8 bfloat16), so rounding to
// that type never reaches 1.
EMBER_HOST_DEVICE float uniform_float(uint32_t x, int bits) {
  return static_cast<float>(x >> (32 - bits)) * (1.0f / static_cast<float>(1u << bits));
}
EMBER_HOST_DEVICE double uniform_double(uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }
// On (0, 1]: safe under a logarithm.
EMBER_HOST_DEVICE float uniform_float_open0(uint32_t x) { return static_cast<float>((x >> 8) + 1) * 0x1.0p-24f; }
EMBER_HOST_DEVICE double uniform_double_open0(uint64_t x) { return static_cast<double>((x >> 11) + 1) * 0x1.0p-53; }
// Uniform on [0, 2^-32 * 2^32) with all 32 bits, for comparisons against a probability.
EMBER_HOST_DEVICE double uniform_u32(uint32_t x) { return static_cast<double>(x) * 0x1.0p-32; }

// ---- the float32 normal draw ----------------------------------------------------------------
// Box-Muller in float arithmetic, written once for the CPU and CUDA kernels so that both draw
// the same normals. Only operations IEEE 754 rounds correctly are used (+, -, *, sqrt, exact
// int <-> float conversions, bit moves and selects), each rounded on its own: the CPU kernel's
// file is compiled with -ffp-contract=off and the device code spells every rounding out
// (__fmul_rn, ...), because a fused multiply-add would round differently. Inlined into
// `#pragma omp simd` loops, all of it vectorizes (libm's logf and sincosf would not).
namespace bm {
#if defined(__CUDA_ARCH__)
EMBER_HOST_DEVICE float mul(float a, float b) { return __fmul_rn(a, b); }
EMBER_HOST_DEVICE float add(float a, float b) { return __fadd_rn(a, b); }
EMBER_HOST_DEVICE float sqrt(float a) { return __fsqrt_rn(a); }
EMBER_HOST_DEVICE uint32_t bits(float f) { return __float_as_uint(f); }
EMBER_HOST_DEVICE float from_bits(uint32_t u) { return __uint_as_float(u); }
#else
EMBER_HOST_DEVICE float mul(float a, float b) { return a * b; }
EMBER_HOST_DEVICE float add(float a, float b) { return a + b; }
EMBER_HOST_DEVICE float sqrt(float a) { return std::sqrt(a); }
EMBER_HOST_DEVICE uint32_t bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
EMBER_HOST_DEVICE float from_bits(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
#endif
// p * x + c with two roundings.
EMBER_HOST_DEVICE float madd(float p, float x, float c) { return add(mul(p, x), c); }

// log u for u = k 2^-24, k in [1, 2^24] (uniform_float_open0's values): always a normal float,
// so none of logf's special cases arise. u = m 2^e with m in [sqrt(1/2), sqrt(2)), then
// log u = e ln 2 + log(1 + f), f = m - 1, with Cephes' logf polynomial for log(1 + f) and ln 2
// in two parts (the first exact times any e here). Within 1 ulp of log u for every one of
// the 2^24 inputs (checked against double log).
EMBER_HOST_DEVICE float log_open0(float u) {
  const uint32_t b = bits(u);
  const int32_t e = static_cast<int32_t>(b >> 23) - 126;
  const float m = from_bits((b & 0x007fffffu) | 0x3f000000u);  // in [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  const float f = low ? add(add(m, m), -1.0f) : add(m, -1.0f);  // exact (Sterbenz)
  const float ef = static_cast<float>(low ? e - 1 : e);
  const float z = mul(f, f);
  float p = 7.0376836292e-2f;
  p = madd(p, f, -1.1514610310e-1f);
  p = madd(p, f, 1.1676998740e-1f);
  p = madd(p, f, -1.2420140846e-1f);
  p = madd(p, f, 1.4249322787e-1f);
  p = madd(p, f, -1.6668057665e-1f);
  p = madd(p, f, 2.0000714765e-1f);
  p = madd(p, f, -2.4999993993e-1f);
  p = madd(p, f, 3.3333331174e-1f);
  float y = mul(mul(p, f), z);
  y = add(y, mul(ef, -2.12194440e-4f));
  y = add(y, mul(-0.5f, z));
  return add(add(f, y), mul(ef, 0.693359375f));
}

// sin and cos of the angle 2 pi k 2^-24 for the top 24 bits k of x. The quarter turn is read
// off the integer: k = j 2^22 + i with |i| <= 2^21, so the angle is j pi/2 + rho with
// rho = i (2 pi 2^-24), |rho| <= pi/4, and no argument reduction can lose bits. Cephes' sinf
// and cosf polynomials on [-pi/4, pi/4], then the quadrant's swap and signs. Within 2 ulp and
// 1e-7 of the exact sin and cos for every k (checked against double sin and cos).
EMBER_HOST_DEVICE void sincos_turn(uint32_t x, float& s, float& c) {
  const uint32_t k = x >> 8;
  const uint32_t j = (k + (1u << 21)) >> 22;  // 0..4; 4 is a full turn
  const int32_t i = static_cast<int32_t>(k) - static_cast<int32_t>(j << 22);
  const float rho = mul(static_cast<float>(i), 0x1.921fb6p-22f);  // 2 pi / 2^24, rounded to float
  const float z = mul(rho, rho);
  float ps = madd(-1.9515295891e-4f, z, 8.3321608736e-3f);
  ps = madd(ps, z, -1.6666654611e-1f);
  ps = add(mul(mul(ps, z), rho), rho);  // rho + rho^3 P(rho^2)
  float pc = madd(2.443315711809948e-5f, z, -1.388731625493765e-3f);
  pc = madd(pc, z, 4.166664568298827e-2f);
  pc = add(add(mul(mul(pc, z), z), mul(-0.5f, z)), 1.0f);  // 1 - rho^2 / 2 + rho^4 Q(rho^2)
  const uint32_t q = j & 3u;
  const float sv = (q & 1u) ? pc : ps;
  const float cv = (q & 1u) ? ps : pc;
  s = (q & 2u) ? -sv : sv;
  c = ((q + 1u) & 2u) ? -cv : cv;
}
}  // namespace bm

// Box-Muller: two words -> two independent standard normals, r cos(theta) and r sin(theta),
// with r = sqrt(-2 log u1), u1 = uniform_float_open0(w1) on (0, 1], and theta = 2 pi u2 for
// u2 = uniform_float(w2, 24) on [0, 1). The largest |z| is sqrt(-2 log 2^-24) = 5.77.
EMBER_HOST_DEVICE void box_muller(uint32_t w1, uint32_t w2, float& z0, float& z1) {
  const float r = bm::sqrt(bm::mul(-2.0f, bm::log_open0(uniform_float_open0(w1))));
  float s, c;
  bm::sincos_turn(w2, s, c);
  z0 = bm::mul(r, c);
  z1 = bm::mul(r, s);
}
// The float64 draw: two uniforms (u1 on (0, 1], u2 on [0, 1)) through libm.
EMBER_HOST_DEVICE void box_muller(double u1, double u2, double& z0, double& z1) {
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 6.28318530717958647692 * u2;
  z0 = r * std::cos(theta);
  z1 = r * std::sin(theta);
}

// low + a uniform integer on [0, range) by a 64x64 -> 128-bit multiply (Lemire's method without
// the rejection step: the bias is below range / 2^64, under 2^-32 for any range below 2^32).
// range == 0 stands for the full 2^64.
EMBER_HOST_DEVICE int64_t uniform_int(uint64_t x, int64_t low, uint64_t range) {
  const uint64_t r = range == 0 ? x : static_cast<uint64_t>((static_cast<unsigned __int128>(x) * range) >> 64);
  return static_cast<int64_t>(static_cast<uint64_t>(low) + r);  // wraps without overflow UB
}

}  // namespace ember::philox
