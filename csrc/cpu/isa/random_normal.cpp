// The normal fill for float32, float16 and bfloat16, compiled once per ISA: Philox blocks are
// generated a tile at a time (16 per vector on AVX-512, philox16 below), then
// philox::box_muller (all float arithmetic, core/philox.h) turns the tile's words into normals
// in one `#pragma omp simd` loop, 4 to 16 lanes wide.
// Element i comes from block offset + i / 4 as before, so the numbers do not depend on the
// tiling, the thread count or the ISA: this file is compiled with -ffp-contract=off
// (CMakeLists.txt), since a fused multiply-add in one variant would change the last bit.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/philox.h"
#include "cpu/convert.h"
#include "cpu/isa/isa.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels_random_normal.h"
#if defined(__AVX512F__)
#include <immintrin.h>
// GCC 12 takes the undefined pass-through vectors inside the shift and multiply intrinsics for
// uninitialized reads (the warning surfaces where they are inlined).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

EMBER_ISA_NAMESPACE_BEGIN

namespace {

constexpr int kPerBlock = 4;     // float draws per Philox block
constexpr int kTile = 256;       // blocks per tile: the words and normals stay in L1
constexpr int64_t kGrain = 4096; // blocks per thread: below this, one thread

#if defined(__AVX512F__)
// philox::block for the 16 blocks first .. first + 15, one lane each. GCC vectorizes the scalar
// rounds by emulating 64-bit lanes (its 32 x 32 -> 64 products become 64-bit multiplies); here
// the high and low words come from widening multiplies of the even and odd lanes instead,
// which takes the words at about half the cost.
inline void philox16(uint64_t seed, uint64_t first, uint32_t* w0, uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  const __m512i lo = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(first)));
  const __m512i hi = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(first >> 32)));
  __m512i c0 = _mm512_add_epi32(lo, _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  const __mmask16 wrapped = _mm512_cmplt_epu32_mask(c0, lo);  // the counter's low word carried
  __m512i c1 = _mm512_mask_add_epi32(hi, wrapped, hi, _mm512_set1_epi32(1));
  __m512i c2 = _mm512_setzero_si512(), c3 = _mm512_setzero_si512();
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(philox::kMul0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(philox::kMul1));
  constexpr __mmask16 kOdd = 0xAAAA;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += philox::kWeyl0;
      k1 += philox::kWeyl1;
    }
    const __m512i e0 = _mm512_mul_epu32(c0, m0), o0 = _mm512_mul_epu32(_mm512_srli_epi64(c0, 32), m0);
    const __m512i e1 = _mm512_mul_epu32(c2, m1), o1 = _mm512_mul_epu32(_mm512_srli_epi64(c2, 32), m1);
    const __m512i hi0 = _mm512_mask_blend_epi32(kOdd, _mm512_srli_epi64(e0, 32), o0);
    const __m512i hi1 = _mm512_mask_blend_epi32(kOdd, _mm512_srli_epi64(e1, 32), o1);
    const __m512i lo0 = _mm512_mask_blend_epi32(kOdd, e0, _mm512_slli_epi64(o0, 32));
    const __m512i lo1 = _mm512_mask_blend_epi32(kOdd, e1, _mm512_slli_epi64(o1, 32));
    // philox::round: c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0); 0x96 is a three-way xor
    c0 = _mm512_ternarylogic_epi32(hi1, c1, _mm512_set1_epi32(static_cast<int>(k0)), 0x96);
    c2 = _mm512_ternarylogic_epi32(hi0, c3, _mm512_set1_epi32(static_cast<int>(k1)), 0x96);
    c1 = lo1;
    c3 = lo0;
  }
  _mm512_storeu_si512(w0, c0);
  _mm512_storeu_si512(w1, c1);
  _mm512_storeu_si512(w2, c2);
  _mm512_storeu_si512(w3, c3);
}
#endif

// The standard normals of blocks first .. first + nb - 1 (nb <= kTile), in element order.
void standard_normals(uint64_t seed, uint64_t first, int nb, float* __restrict z) {
  alignas(64) uint32_t w0[kTile], w1[kTile], w2[kTile], w3[kTile];
  int j0 = 0;
#if defined(__AVX512F__)
  for (; j0 + 16 <= nb; j0 += 16)
    philox16(seed, first + static_cast<uint64_t>(j0), w0 + j0, w1 + j0, w2 + j0, w3 + j0);
#endif
#pragma omp simd
  for (int j = j0; j < nb; ++j) {
    const philox::Block r = philox::block(seed, first + static_cast<uint64_t>(j));
    w0[j] = r.w[0];
    w1[j] = r.w[1];
    w2[j] = r.w[2];
    w3[j] = r.w[3];
  }
#pragma omp simd
  for (int j = 0; j < nb; ++j) {
    float a0, a1, b0, b1;
    philox::box_muller(w0[j], w1[j], a0, a1);
    philox::box_muller(w2[j], w3[j], b0, b1);
    z[kPerBlock * j] = a0;
    z[kPerBlock * j + 1] = a1;
    z[kPerBlock * j + 2] = b0;
    z[kPerBlock * j + 3] = b1;
  }
}

// out = mean + std * z in float, then rounded to T: the formula (and rounding) the CUDA kernel
// uses too.
template <typename T>
void fill(const RandomFill& f) {
  T* out = static_cast<T*>(f.out);
  const int64_t nblocks = (f.numel + kPerBlock - 1) / kPerBlock;
  const float mean = static_cast<float>(f.a), stdev = static_cast<float>(f.b);
  parallel_for(0, nblocks, kGrain, [&](int64_t b0, int64_t b1) {
    alignas(64) float z[kPerBlock * kTile];
    for (int64_t t = b0; t < b1; t += kTile) {
      const int nb = static_cast<int>(std::min<int64_t>(kTile, b1 - t));
      standard_normals(f.seed, f.offset + static_cast<uint64_t>(t), nb, z);
      const int64_t i0 = t * kPerBlock;
      const int n = static_cast<int>(std::min<int64_t>(kPerBlock * nb, f.numel - i0));
      T* __restrict o = out + i0;
      if (!f.param_a && !f.param_b) {
#pragma omp simd
        for (int l = 0; l < n; ++l) o[l] = convert<T>(mean + stdev * z[l]);
      } else {
        for (int l = 0; l < n; ++l) {
          const float m = static_cast<float>(f.param_a ? f.param_a[i0 + l] : f.a);
          const float s = static_cast<float>(f.param_b ? f.param_b[i0 + l] : f.b);
          o[l] = convert<T>(m + s * z[l]);
        }
      }
    }
  });
}

}  // namespace

void normal_fill(const RandomFill& f) {
  dispatch_floating(f.dtype, "normal_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, double>) {
      EMBER_CHECK(false, "normal_: internal error: float64 fills run in cpu/random.cpp");
    } else {
      fill<T>(f);
    }
  });
}

EMBER_ISA_NAMESPACE_END
#if defined(__AVX512F__)
#pragma GCC diagnostic pop
#endif
