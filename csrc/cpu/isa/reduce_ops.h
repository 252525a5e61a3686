#pragma once
// Helpers shared by the reduction, scan and softmax kernels: type traits, a vectorizable exp,
// and the reducers that softmax reuses: max/min (also max, min and the inf norms) and the sum
// of exponentials (logsumexp).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "cpu/convert.h"
#include "cpu/isa/isa.h"
#include "dispatch/dispatch.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace reduce {

// Lanes of a reducer that never need widening.
constexpr int64_t kNoBlock = int64_t(1) << 40;

// Bytes of one SIMD register of the ISA this copy is compiled for.
#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX2__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;
#endif

// One register of T through the compiler's vector extension, for the loops the auto-vectorizer
// does not handle everywhere (selects on float64 without AVX, for one).
template <typename T>
struct SimdOf {
  typedef T type __attribute__((vector_size(kVecBytes)));
};
template <typename T>
using simd_t = typename SimdOf<T>::type;

template <typename T>
inline simd_t<T> simd_load(const T* p) {
  simd_t<T> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <typename T>
inline simd_t<T> simd_splat(T x) {
  return x - simd_t<T>{};  // x - 0 is x for every x (0 + x would turn -0 into +0)
}

template <typename T>
constexpr bool is_float_v = std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// Integer sums and products wrap like int64 two's complement; unsigned arithmetic makes that
// defined behaviour.
template <typename T>
inline uint64_t to_u64(T x) {
  return static_cast<uint64_t>(static_cast<int64_t>(x));
}

// float16 -> float32 without branches (so loops over it vectorize): the half's exponent and
// mantissa, shifted into a float's place, read as a float 2^112 too small for normal and
// subnormal halves alike; infinities and NaNs get the all-ones exponent directly.
inline float half_to_float(Half h) {
  const uint32_t em = h.bits & 0x7fffu;
  float f;
  const uint32_t shifted = em << 13;
  std::memcpy(&f, &shifted, sizeof(f));
  f *= 0x1p112f;
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  bits = em >= 0x7c00u ? (shifted | 0x7f800000u) : bits;
  bits |= static_cast<uint32_t>(h.bits & 0x8000u) << 16;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// A value in the type arithmetic runs in (float for the 16-bit floats).
template <typename T>
inline opmath_t<T> opval(T x) {
  if constexpr (std::is_same_v<T, Half>) return half_to_float(x);
  else return static_cast<opmath_t<T>>(x);
}

template <typename T>
inline bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

// exp for float32, written without calls or branches so that loops over it vectorize.
// exp(x) = 2^n * exp(r) with n = round(x / ln2) and |r| <= ln2 / 2; exp(r) from its Taylor
// series to r^7 (truncation error below 1e-8 relative). Inputs below ln(FLT_MIN) give 0 (no
// subnormal results), above ln(FLT_MAX) give inf; NaN stays NaN.
inline float exp_f32(float x) {
  constexpr float kHi = 88.7228317f, kLo = -87.3365479f;
  float xc = x > kHi ? kHi : x;
  xc = xc < kLo ? kLo : xc;
  xc = x != x ? 0.0f : xc;
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = (xc * 1.44269504088896341f + kMagic) - kMagic;
  // ln2 split in two so that n * ln2_hi is exact
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440054690583e-4f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  float y = p * scale;
  y = x > kHi ? std::numeric_limits<float>::infinity() : y;
  y = x < kLo ? 0.0f : y;
  return x != x ? x : y;
}

template <typename V>
inline V fast_exp(V x) {
  if constexpr (std::is_same_v<V, float>) return exp_f32(x);
  else return std::exp(x);
}

// Max and min (kAbs: of |x|, for the inf norms). NaN wins over every number, like PyTorch.
// float32/float64 rows run through explicit vectors; the other types through the lanes.
template <typename T, bool kMax, bool kAbs>
struct MinMaxReducer {
  using in_t = T;
  using V = opmath_t<T>;
  using acc_t = V;
  static constexpr bool kLanes = true;
  static constexpr bool kRowHook = std::is_floating_point_v<T>;
  using lane_t = V;
  using wide_t = V;
  static constexpr int64_t kBlock = kNoBlock;

  static V value(T x) {
    if constexpr (kAbs) return std::fabs(opval(x));
    else return opval(x);
  }
  static V pick(V v, V a) {
    if constexpr (kMax) return (v > a || is_nan(v)) ? v : a;
    else return (v < a || is_nan(v)) ? v : a;
  }
  static V identity() {
    if constexpr (kAbs) return kMax ? V(0) : std::numeric_limits<V>::infinity();
    else if constexpr (std::is_floating_point_v<V>)
      return kMax ? -std::numeric_limits<V>::infinity() : std::numeric_limits<V>::infinity();
    else return kMax ? std::numeric_limits<V>::lowest() : std::numeric_limits<V>::max();
  }
  acc_t init(const char*) const { return identity(); }
  void update(acc_t& a, T x, int64_t) const { a = pick(value(x), a); }
  void combine(acc_t& a, const acc_t& b) const { a = pick(b, a); }
  void store(char* out, const acc_t& a, int64_t) const { *reinterpret_cast<T*>(out) = convert<T>(a); }
  lane_t lane_init(const acc_t&) const { return identity(); }
  void lane_update(lane_t& l, T x, const acc_t&) const { l = pick(value(x), l); }
  wide_t wide_init(const acc_t&) const { return identity(); }
  void widen(wide_t& w, const lane_t& l) const { w = pick(l, w); }
  void fold(acc_t& a, const wide_t& w) const { a = pick(w, a); }

  // A contiguous float32/float64 run, four registers at a time.
  void row(acc_t& a, const T* x, int64_t n, int64_t) const {
    using S = simd_t<T>;
    constexpr int64_t W = sizeof(S) / sizeof(T);
    int64_t i = 0;
    if (n >= 4 * W) {
      S m[4];
      for (auto& mk : m) mk = simd_splat<T>(identity());
      for (; i + 4 * W <= n; i += 4 * W)
        for (int k = 0; k < 4; ++k) m[k] = vpick(vvalue(simd_load(x + i + k * W)), m[k]);
      for (int k = 0; k < 4; ++k)
        for (int64_t j = 0; j < W; ++j) a = pick(m[k][j], a);
    }
    for (; i < n; ++i) update(a, x[i], 0);
  }
  template <typename S>
  static S vvalue(S v) {
    if constexpr (kAbs) {
      using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
      using SI = simd_t<I>;
      return (S)((SI)v & simd_splat<I>(std::numeric_limits<I>::max()));  // clear the sign bit
    } else {
      return v;
    }
  }
  template <typename S>
  static S vpick(S v, S a) {
    if constexpr (kMax) return ((v > a) | (v != v)) ? v : a;
    else return ((v < a) | (v != v)) ? v : a;
  }
};

// log(sum exp(x)) around the max m that the output (float64) holds on entry: every term is at
// most 1, so nothing overflows. An infinite max shifts by 0 instead, which gives -inf for an
// all -inf input and inf when an element is inf; NaN propagates.
template <typename T>
struct LogSumExpReducer {
  using V = opmath_t<T>;
  struct acc_t {
    V shift;
    double s;
  };
  using in_t = T;
  static constexpr bool kLanes = true;
  using lane_t = V;
  using wide_t = double;
  static constexpr int64_t kBlock = std::is_same_v<V, float> ? 16 : kNoBlock;

  acc_t init(const char* out) const {
    const double m = *reinterpret_cast<const double*>(out);
    return {static_cast<V>(std::isinf(m) ? 0.0 : m), 0.0};
  }
  void update(acc_t& a, T x, int64_t) const { a.s += fast_exp<V>(opval(x) - a.shift); }
  void combine(acc_t& a, const acc_t& b) const { a.s += b.s; }
  void store(char* out, const acc_t& a, int64_t) const {
    *reinterpret_cast<double*>(out) = std::log(a.s) + static_cast<double>(a.shift);
  }
  lane_t lane_init(const acc_t&) const { return 0; }
  void lane_update(lane_t& l, T x, const acc_t& a) const { l += fast_exp<V>(opval(x) - a.shift); }
  wide_t wide_init(const acc_t&) const { return 0.0; }
  void widen(wide_t& w, const lane_t& l) const { w += l; }
  void fold(acc_t& a, const wide_t& w) const { a.s += w; }
};

}  // namespace reduce
EMBER_ISA_NAMESPACE_END
