#pragma once
// The inner loops and drivers of the elementwise kernels. A kernel is a scalar functor (the math,
// written once on the compute type opmath_t<T>) wrapped in one of the loops below, which read
// and write the storage types. Each loop has flat `#pragma omp simd` paths for contiguous runs
// and for runs where one input is a broadcast scalar (stride 0: `x * 2`), and a strided path.
// `run` walks the iterator: in parallel chunks, or in 2D tiles when an input is transposed
// against the output.
#include <algorithm>
#include <cstdlib>
#include <type_traits>

#include "cpu/isa/isa.h"
#include "cpu/isa/vec_math.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"
#include "iter/tensor_iter.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace ew {

// ---- storage <-> compute conversions (branch-free, so the loops around them vectorize) ----
template <typename T> inline T get(T v) { return v; }
inline float get(Half h) {
  const uint32_t sign = static_cast<uint32_t>(h.bits & 0x8000u) << 16;
  const uint32_t em = h.bits & 0x7fffu;
  // Normal and denormal halves: the bits shifted into a float, rescaled by 2^112 (exact).
  const float v = vec::as_float(em << 13) * 5.192296858534828e+33f;
  const float special = vec::as_float(0x7f800000u | (em << 13));  // inf, NaN
  return vec::as_float(vec::as_bits(em >= 0x7c00u ? special : v) | sign);
}
inline float get(BFloat16 b) { return vec::as_float(static_cast<uint32_t>(b.bits) << 16); }

template <typename Out, typename V> inline Out put(V v) {
  if constexpr (std::is_same_v<Out, Half>) {
    const uint32_t x = vec::as_bits(v), sign = (x >> 16) & 0x8000u, a = x & 0x7fffffffu;
    const uint32_t special = a > 0x7f800000u ? 0x7e00u : 0x7c00u;              // NaN, or overflow to inf
    const uint32_t normal = (a + 0xc8000fffu + ((a >> 13) & 1u)) >> 13;         // rebias, round to even
    const uint32_t denormal = vec::as_bits(vec::as_float(a) + 0.5f) - 0x3f000000u;  // the FPU rounds
    Half h;
    h.bits = static_cast<uint16_t>(sign | (a >= 0x477ff000u ? special : a < 0x38800000u ? denormal : normal));
    return h;
  } else if constexpr (std::is_same_v<Out, BFloat16>) {
    const uint32_t x = vec::as_bits(v);
    const uint32_t rounded = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
    BFloat16 b;
    b.bits = static_cast<uint16_t>((x & 0x7fffffffu) > 0x7f800000u ? (x >> 16) | 0x40u : rounded);
    return b;
  } else {
    return static_cast<Out>(v);
  }
}

template <typename T> using M = opmath_t<T>;

// ---- loops: loop(char** data, const int64_t* strides, int64_t n), operand 0 the output ----
template <typename Out, typename In, typename F>
struct UnaryLoop {
  F f;
  void operator()(char** data, const int64_t* s, int64_t n) const {
    Out* o = reinterpret_cast<Out*>(data[0]);
    const In* a = reinterpret_cast<const In*>(data[1]);
    if (s[0] == sizeof(Out) && s[1] == sizeof(In)) {
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) o[k] = put<Out>(f(get(a[k])));
    } else {
      for (int64_t k = 0; k < n; ++k)
        *reinterpret_cast<Out*>(data[0] + k * s[0]) = put<Out>(f(get(*reinterpret_cast<const In*>(data[1] + k * s[1]))));
    }
  }
};

// Functors whose fast math is exact only on part of the range (sin, cos) also provide
// `needs_slow(x)` and `slow(x)`; blocks that hold such an argument take the scalar route.
template <typename Out, typename In, typename F>
struct UnaryLoopWithSlowPath {
  F f;
  void operator()(char** data, const int64_t* s, int64_t n) const {
    constexpr int64_t kBlock = 256;
    if (s[0] == sizeof(Out) && s[1] == sizeof(In)) {
      Out* o = reinterpret_cast<Out*>(data[0]);
      const In* a = reinterpret_cast<const In*>(data[1]);
      for (int64_t b = 0; b < n; b += kBlock) {
        const int64_t e = std::min(n, b + kBlock);
        bool slow = false;
#pragma omp simd reduction(|| : slow)
        for (int64_t k = b; k < e; ++k) slow = slow || F::needs_slow(get(a[k]));
        if (!slow) {
#pragma omp simd
          for (int64_t k = b; k < e; ++k) o[k] = put<Out>(f(get(a[k])));
        } else {
          for (int64_t k = b; k < e; ++k) {
            const auto v = get(a[k]);
            o[k] = put<Out>(F::needs_slow(v) ? F::slow(v) : f(v));
          }
        }
      }
      return;
    }
    for (int64_t k = 0; k < n; ++k) {
      const auto v = get(*reinterpret_cast<const In*>(data[1] + k * s[1]));
      *reinterpret_cast<Out*>(data[0] + k * s[0]) = put<Out>(F::needs_slow(v) ? F::slow(v) : f(v));
    }
  }
};

template <typename Out, typename In, typename F>
struct BinaryLoop {
  F f;
  void operator()(char** data, const int64_t* s, int64_t n) const {
    Out* o = reinterpret_cast<Out*>(data[0]);
    const In* a = reinterpret_cast<const In*>(data[1]);
    const In* b = reinterpret_cast<const In*>(data[2]);
    constexpr int64_t so = sizeof(Out), si = sizeof(In);
    if (s[0] == so && s[1] == si && s[2] == si) {
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) o[k] = put<Out>(f(get(a[k]), get(b[k])));
    } else if (s[0] == so && s[1] == si && s[2] == 0) {
      const auto bv = get(*b);
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) o[k] = put<Out>(f(get(a[k]), bv));
    } else if (s[0] == so && s[1] == 0 && s[2] == si) {
      const auto av = get(*a);
#pragma omp simd
      for (int64_t k = 0; k < n; ++k) o[k] = put<Out>(f(av, get(b[k])));
    } else {
      for (int64_t k = 0; k < n; ++k)
        *reinterpret_cast<Out*>(data[0] + k * s[0]) =
            put<Out>(f(get(*reinterpret_cast<const In*>(data[1] + k * s[1])),
                       get(*reinterpret_cast<const In*>(data[2] + k * s[2]))));
    }
  }
};

// A binary loop with its two inputs swapped (gt(a, b) runs lt's loop on (b, a)).
template <typename Loop>
struct Swapped {
  Loop loop;
  void operator()(char** data, const int64_t* s, int64_t n) const {
    char* d[3] = {data[0], data[2], data[1]};
    const int64_t st[3] = {s[0], s[2], s[1]};
    loop(d, st, n);
  }
};

// out = f(x, a, b): where (x the condition) and clamp with both bounds.
template <typename Out, typename In0, typename In, typename F>
struct TernaryLoop {
  F f;
  void operator()(char** data, const int64_t* s, int64_t n) const {
    Out* o = reinterpret_cast<Out*>(data[0]);
    const In0* x = reinterpret_cast<const In0*>(data[1]);
    const In* a = reinterpret_cast<const In*>(data[2]);
    const In* b = reinterpret_cast<const In*>(data[3]);
    if (s[0] == sizeof(Out) && s[1] == sizeof(In0)) {
      if (s[2] == sizeof(In) && s[3] == sizeof(In)) {
#pragma omp simd
        for (int64_t k = 0; k < n; ++k) o[k] = put<Out>(f(get(x[k]), get(a[k]), get(b[k])));
        return;
      }
      if (s[2] == 0 && s[3] == 0) {  // clamp(t, lo, hi) with number bounds
        const auto av = get(*a), bv = get(*b);
#pragma omp simd
        for (int64_t k = 0; k < n; ++k) o[k] = put<Out>(f(get(x[k]), av, bv));
        return;
      }
    }
    for (int64_t k = 0; k < n; ++k)
      *reinterpret_cast<Out*>(data[0] + k * s[0]) =
          put<Out>(f(get(*reinterpret_cast<const In0*>(data[1] + k * s[1])),
                     get(*reinterpret_cast<const In*>(data[2] + k * s[2])),
                     get(*reinterpret_cast<const In*>(data[3] + k * s[3]))));
  }
};

// ---- driver --------------------------------------------------------------------------------
// Runs `fn(ctx, ...)` over the iterator (defined in elementwise.cpp). The driver is compiled
// once per ISA rather than once per op and dtype: the indirect call costs nothing next to a
// run of the inner dim.
using LoopFn = void (*)(const void* ctx, char** data, const int64_t* strides, int64_t n);
void run_loop(const TensorIter& it, LoopFn fn, const void* ctx);

template <typename Loop>
void run(const TensorIter& it, const Loop& loop) {
  run_loop(it, [](const void* ctx, char** data, const int64_t* strides, int64_t n) {
    (*static_cast<const Loop*>(ctx))(data, strides, n);
  }, &loop);
}

}  // namespace ew
EMBER_ISA_NAMESPACE_END
