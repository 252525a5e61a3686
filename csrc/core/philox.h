#pragma once
// Philox 4x32-10, after Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
// 1, 2, 3" (SC 2011). A counter-based generator: a 128-bit counter and a 64-bit key go through
// ten rounds of a multiply-high/low and xor bijection, the key advancing by a Weyl sequence
// between rounds, and come out as four 32-bit words that pass BigCrush for every distinct
// (counter, key). No state is carried from one block to the next, so any thread (or GPU lane)
// computes any block on its own. Header-only, so that CUDA kernels compute the same numbers.
#include <cmath>
#include <cstdint>

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

// Box-Muller: two uniforms (u1 on (0, 1], u2 on [0, 1)) -> two independent standard normals.
// The float version evaluates log, cos and sin in double and rounds once: for every u1 and
// theta it can see (u1 = k 2^-24, theta = 2 pi k 2^-24 in float) no double result lies within
// a few ulps of a float rounding midpoint (checked exhaustively), so any double libm accurate to
// a few ulps (glibc's, CUDA's) rounds to the same float, and CPU and CUDA fills agree bit for
// bit. The float functions (logf, cosf, sinf) differ between libraries in the last bit.
EMBER_HOST_DEVICE void box_muller(float u1, float u2, float& z0, float& z1) {
  const float r = std::sqrt(-2.0f * static_cast<float>(std::log(static_cast<double>(u1))));
  const float theta = 6.28318530717958647692f * u2;
  z0 = r * static_cast<float>(std::cos(static_cast<double>(theta)));
  z1 = r * static_cast<float>(std::sin(static_cast<double>(theta)));
}
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
