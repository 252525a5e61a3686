// The normal fill for float32, float16 and bfloat16, compiled once per ISA: Philox blocks are
// generated a tile at a time, then philox::box_muller (all float arithmetic, core/philox.h)
// turns the tile's words into normals in one `#pragma omp simd` loop, 8 or 16 lanes wide.
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

EMBER_ISA_NAMESPACE_BEGIN

namespace {

constexpr int kPerBlock = 4;     // float draws per Philox block
constexpr int kTile = 256;       // blocks per tile: the words and normals stay in L1
constexpr int64_t kGrain = 4096; // blocks per thread: below this, one thread

// The standard normals of blocks first .. first + nb - 1 (nb <= kTile), in element order.
void standard_normals(uint64_t seed, uint64_t first, int nb, float* __restrict z) {
  alignas(64) uint32_t w0[kTile], w1[kTile], w2[kTile], w3[kTile];
#pragma omp simd
  for (int j = 0; j < nb; ++j) {
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
