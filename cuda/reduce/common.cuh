#pragma once
// Device helpers shared by the reduction, scan, softmax, normalization and loss kernels:
// value loads in the arithmetic type, integer loads by runtime dtype (one kernel serves every
// integer dtype, which keeps the number of template instances small), warp shuffles of any
// trivially copyable accumulator, and the block size constants.
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "dispatch/dispatch.h"
#include "ember/dtype.h"
#include "ember/half.h"

namespace ember::cuda::red {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;

template <typename T>
constexpr bool is_float_v = std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// Marks "the input is an integer (or bool) dtype, read with load_int by its runtime code".
struct AnyInt {};

template <typename T>
__device__ __forceinline__ opmath_t<T> opval(T x) {
  return static_cast<opmath_t<T>>(x);
}

template <typename T>
__device__ __forceinline__ T load(const char* p) {
  return *reinterpret_cast<const T*>(p);
}

// An integer or bool element of dtype `dt` as int64 (zero-extended for uint8 and bool).
__device__ __forceinline__ int64_t load_int(const char* p, DType dt) {
  switch (dt) {
    case DType::Bool: return *reinterpret_cast<const uint8_t*>(p) != 0;
    case DType::UInt8: return *reinterpret_cast<const uint8_t*>(p);
    case DType::Int8: return *reinterpret_cast<const int8_t*>(p);
    case DType::Int16: return *reinterpret_cast<const int16_t*>(p);
    case DType::Int32: return *reinterpret_cast<const int32_t*>(p);
    default: return *reinterpret_cast<const int64_t*>(p);
  }
}
// Stores v, which holds a value of dtype `dt`, into an element of that dtype.
__device__ __forceinline__ void store_int(char* p, DType dt, int64_t v) {
  switch (dt) {
    case DType::Bool: *reinterpret_cast<bool*>(p) = v != 0; break;
    case DType::UInt8: *reinterpret_cast<uint8_t*>(p) = static_cast<uint8_t>(v); break;
    case DType::Int8: *reinterpret_cast<int8_t*>(p) = static_cast<int8_t>(v); break;
    case DType::Int16: *reinterpret_cast<int16_t*>(p) = static_cast<int16_t>(v); break;
    case DType::Int32: *reinterpret_cast<int32_t*>(p) = static_cast<int32_t>(v); break;
    default: *reinterpret_cast<int64_t*>(p) = v; break;
  }
}

template <typename V>
__device__ __forceinline__ bool is_nan(V v) {
  if constexpr (std::is_floating_point_v<V>) return v != v;
  else return false;
}

// exp in the arithmetic type (expf is accurate to 2 ulp, as close to the CPU's exp as float
// rounding allows).
__device__ __forceinline__ float dexp(float x) { return expf(x); }
__device__ __forceinline__ double dexp(double x) { return exp(x); }
__device__ __forceinline__ float dlog(float x) { return logf(x); }
__device__ __forceinline__ double dlog(double x) { return log(x); }

// Shuffles any trivially copyable value as 32-bit words.
template <typename A>
__device__ __forceinline__ A shfl_xor(const A& a, int mask) {
  constexpr int W = (sizeof(A) + 3) / 4;
  static_assert(std::is_trivially_copyable_v<A>, "shuffled values must be trivially copyable");
  unsigned w[W];
  memcpy(w, &a, sizeof(A));
#pragma unroll
  for (int k = 0; k < W; ++k) w[k] = __shfl_xor_sync(kFullMask, w[k], mask);
  A b;
  memcpy(&b, w, sizeof(A));
  return b;
}

// Combines the values of `width` neighbouring lanes (a power of two <= 32) with comb(a, b)
// (a butterfly: every lane of the group ends with the result). The order is fixed, so the
// result is deterministic.
template <typename A, class Comb>
__device__ __forceinline__ A warp_combine(A a, int width, const Comb& comb) {
  for (int m = width >> 1; m > 0; m >>= 1) {
    const A b = shfl_xor(a, m);
    comb(a, b);
  }
  return a;
}

// Combines one value per thread of a 1-D block (blockDim.x a multiple of 32, at most 1024)
// into the value every thread returns. `smem` holds 32 values of A.
template <typename A, class Comb>
__device__ __forceinline__ A block_combine(A a, A* smem, const Comb& comb) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp, warps = blockDim.x / kWarp;
  a = warp_combine(a, kWarp, comb);
  __syncthreads();  // smem may still be read by a previous call
  if (lane == 0) smem[warp] = a;
  __syncthreads();
  a = smem[0];
  for (int w = 1; w < warps; ++w) comb(a, smem[w]);
  return a;
}

// The value of element x as a float64 (T a floating type).
template <typename T>
__device__ __forceinline__ double fval(const char* x) {
  return static_cast<double>(opval(load<T>(x)));
}

// T's element size, or 0 for AnyInt (whose size is known at run time only).
template <typename T>
constexpr int elem_size() {
  if constexpr (std::is_same_v<T, AnyInt>) return 0;
  else return sizeof(T);
}

// Calls f with a tag of the float type of dt, or of AnyInt for bool and integer dtypes.
template <typename F>
void dispatch_value(DType dt, const F& f) {
  switch (dt) {
    case kFloat32: return f(TypeTag<float>{});
    case kFloat64: return f(TypeTag<double>{});
    case kFloat16: return f(TypeTag<Half>{});
    case kBFloat16: return f(TypeTag<BFloat16>{});
    default: return f(TypeTag<AnyInt>{});
  }
}

inline int pow2_at_least(int64_t n, int cap) {
  int p = 1;
  while (p < cap && p < n) p <<= 1;
  return p;
}

}  // namespace ember::cuda::red
