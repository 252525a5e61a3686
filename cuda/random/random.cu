// CUDA random fills: one thread per Philox block, with the CPU kernel's scheme (cpu/random.cpp):
// element i comes from block offset + i / per_block keyed by the seed, so a tensor gets the same
// numbers on either device. Every transform repeats the CPU's float operations in the same order
// with explicitly rounded intrinsics (__fmul_rn, __dadd_rn, ...), because nvcc would otherwise
// contract a * b + c into one fused multiply-add, which the CPU build never does.
//
// The transcendental functions are where two devices could part in the last bit. The float
// Box-Muller (philox::box_muller, core/philox.h) brings its own log, sin and cos polynomials and
// uses only correctly rounded float operations, spelled __fmul_rn, __fadd_rn and __fsqrt_rn on
// the device, so float32 and 16-bit normals are the CPU's bit for bit. The exponential rounds a
// double log1p to the output type, where a difference needs a result within 1-2 double ulps of a
// rounding midpoint. The float64 paths (Box-Muller and exponential with float64 outputs) use
// CUDA's double log/sin/cos/log1p, within 1-2 ulp of glibc's: their last bit may differ from the
// CPU's on some elements. Uniform, Bernoulli and integer draws use no such function and are bit
// for bit the CPU's.
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/philox.h"
#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "ember/half.h"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {
using philox::Block;

template <typename T> constexpr bool is_half_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

template <typename T> __host__ __device__ constexpr int precision_bits() {
  if constexpr (std::is_same_v<T, Half>) return 11;
  else if constexpr (std::is_same_v<T, BFloat16>) return 8;
  else return 24;
}

// cpu/convert.h's convert<T>(double) and convert<T>(int64_t), on the device.
template <typename T> __device__ __forceinline__ T from_double(double v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0.0;
  else if constexpr (is_half_v<T>) return T(__double2float_rn(v));
  else return static_cast<T>(v);
}
template <typename T> __device__ __forceinline__ T from_int(int64_t v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0;
  else if constexpr (is_half_v<T>) return T(static_cast<float>(v));
  else return static_cast<T>(v);
}
template <typename T> __device__ __forceinline__ double to_double(T v) {
  if constexpr (is_half_v<T>) return static_cast<double>(static_cast<float>(v));
  else return static_cast<double>(v);
}

// The largest value of T below b (cpu/random.cpp's below()).
template <typename T> __device__ __forceinline__ T below(T b) {
  if constexpr (std::is_same_v<T, float>) {
    return nextafterf(b, -__int_as_float(0x7f800000));
  } else if constexpr (std::is_same_v<T, double>) {
    return nextafter(b, -__longlong_as_double(0x7ff0000000000000LL));
  } else {
    T r = b;
    if ((r.bits & 0x7fffu) == 0) r.bits = 0x8001u;
    else if (r.bits & 0x8000u) r.bits = static_cast<uint16_t>(r.bits + 1);
    else r.bits = static_cast<uint16_t>(r.bits - 1);
    return r;
  }
}

__device__ __forceinline__ void box_muller_d(double u1, double u2, double& z0, double& z1) {
  const double r = __dsqrt_rn(__dmul_rn(-2.0, log(u1)));  // log, cos, sin: CUDA's, within 1-2 ulp
  const double theta = __dmul_rn(6.28318530717958647692, u2);
  z0 = __dmul_rn(r, cos(theta));
  z1 = __dmul_rn(r, sin(theta));
}

struct FillArgs {
  void* out;
  int64_t numel;
  uint64_t seed, offset;
  double a, b;
  int64_t low;
  uint64_t range;
  const double* param_a;
  const double* param_b;
  bool unit;  // uniform on [0, 1)
};

// Elements per Philox block, as random_per_block() says, at compile time.
template <RandomDist Dist, typename T> __host__ __device__ constexpr int per_block_of() {
  if constexpr (Dist == RandomDist::Integer) return 2;
  else if constexpr (Dist == RandomDist::Bernoulli) return 4;
  else return std::is_same_v<T, double> ? 2 : 4;
}
template <int Bytes> struct Vec;
template <> struct Vec<2> { using type = uint16_t; };
template <> struct Vec<4> { using type = uint32_t; };
template <> struct Vec<8> { using type = uint2; };
template <> struct Vec<16> { using type = uint4; };

template <RandomDist Dist, typename T>
__global__ void random_fill_kernel(const FillArgs f, int64_t nblocks, bool vector_store) {
  constexpr int per_block = per_block_of<Dist, T>();
  T* out = static_cast<T*>(f.out);
  for (int64_t blk = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; blk < nblocks;
       blk += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const Block r = philox::block(f.seed, f.offset + static_cast<uint64_t>(blk));
    const int64_t i0 = blk * per_block;
    const int64_t rest = f.numel - i0;
    const int n = rest < per_block ? static_cast<int>(rest) : per_block;
    T res[per_block];
    if constexpr (Dist == RandomDist::Uniform) {
      const T hi = from_double<T>(f.b);
      for (int l = 0; l < n; ++l) {
        double u;
        if constexpr (std::is_same_v<T, double>) u = philox::uniform_double(philox::word64(r, l));
        else u = static_cast<double>(philox::uniform_float(r.w[l], precision_bits<T>()));
        if (f.unit) {
          res[l] = from_double<T>(u);
          continue;
        }
        T v = from_double<T>(__dadd_rn(f.a, __dmul_rn(__dsub_rn(f.b, f.a), u)));
        if (f.b > f.a && !(to_double(v) < to_double(hi))) v = below(hi);
        res[l] = v;
      }
    } else if constexpr (Dist == RandomDist::Normal) {
      using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
      Acc z[4] = {};
      if constexpr (std::is_same_v<T, double>) {
        box_muller_d(philox::uniform_double_open0(philox::word64(r, 0)), philox::uniform_double(philox::word64(r, 1)),
                     z[0], z[1]);
      } else {
        philox::box_muller(r.w[0], r.w[1], z[0], z[1]);
        philox::box_muller(r.w[2], r.w[3], z[2], z[3]);
      }
      for (int l = 0; l < n; ++l) {
        const int64_t i = i0 + l;
        const double mean = f.param_a ? f.param_a[i] : f.a;
        const double std = f.param_b ? f.param_b[i] : f.b;
        if constexpr (std::is_same_v<T, double>) {
          res[l] = __dadd_rn(mean, __dmul_rn(std, z[l]));
        } else {
          const float v = __fadd_rn(__double2float_rn(mean), __fmul_rn(__double2float_rn(std), z[l]));
          res[l] = from_double<T>(static_cast<double>(v));  // float -> T as convert<T>(float)
        }
      }
    } else if constexpr (Dist == RandomDist::Exponential) {
      for (int l = 0; l < n; ++l) {
        double u;
        if constexpr (std::is_same_v<T, double>) u = philox::uniform_double(philox::word64(r, l));
        else u = static_cast<double>(philox::uniform_float(r.w[l], 24));
        res[l] = from_double<T>(__ddiv_rn(-log1p(-u), f.a));
      }
    } else if constexpr (Dist == RandomDist::Bernoulli) {
      for (int l = 0; l < n; ++l) {
        const double p = f.param_a ? f.param_a[i0 + l] : f.a;
        res[l] = from_int<T>(philox::uniform_u32(r.w[l]) < p ? 1 : 0);
      }
    } else {  // Integer
      for (int l = 0; l < n; ++l) res[l] = from_int<T>(philox::uniform_int(philox::word64(r, l), f.low, f.range));
    }
    constexpr int bytes = static_cast<int>(sizeof(T)) * per_block;
    if (vector_store && n == per_block) {  // a whole block: one or two stores of its 2 to 32 bytes
      using V = typename Vec<(bytes > 16 ? 16 : bytes)>::type;
      V v[bytes > 16 ? 2 : 1];
      memcpy(v, res, sizeof(v));
      V* dst = reinterpret_cast<V*>(out + i0);
      dst[0] = v[0];
      if constexpr (bytes > 16) dst[1] = v[1];
    } else {
      for (int l = 0; l < n; ++l) out[i0 + l] = res[l];
    }
  }
}

template <RandomDist Dist, typename T>
void launch(const RandomFill& f) {
  constexpr int per_block = per_block_of<Dist, T>();
  EMBER_CHECK(per_block == random_per_block(f.dist, f.dtype), "random: internal error: block size mismatch");
  const int64_t nblocks = (f.numel + per_block - 1) / per_block;
  const int device = f.device;
  cudaStream_t s = stream_for(device);
  FillArgs a{f.out, f.numel, f.seed, f.offset, f.a, f.b, f.low, f.range, f.param_a, f.param_b, f.a == 0 && f.b == 1};
  constexpr int kThreads = 256;
  const size_t vec = sizeof(T) * per_block > 16 ? 16 : sizeof(T) * per_block;
  const bool vector_store = reinterpret_cast<uintptr_t>(f.out) % vec == 0;
  random_fill_kernel<Dist, T><<<grid_for(nblocks, kThreads, device), kThreads, 0, s>>>(a, nblocks, vector_store);
  EMBER_CUDA_LAUNCH_CHECK("random");
}

void cuda_random(const RandomFill& f) {
  if (f.numel <= 0) return;
  switch (f.dist) {
    case RandomDist::Uniform:
      return dispatch_floating(f.dtype, "uniform_", [&](auto tag) { launch<RandomDist::Uniform, typename decltype(tag)::type>(f); });
    case RandomDist::Normal:
      return dispatch_floating(f.dtype, "normal_", [&](auto tag) { launch<RandomDist::Normal, typename decltype(tag)::type>(f); });
    case RandomDist::Exponential:
      return dispatch_floating(f.dtype, "exponential_", [&](auto tag) {
        launch<RandomDist::Exponential, typename decltype(tag)::type>(f);
      });
    case RandomDist::Bernoulli:
      return dispatch_all(f.dtype, "bernoulli", [&](auto tag) { launch<RandomDist::Bernoulli, typename decltype(tag)::type>(f); });
    case RandomDist::Integer:
      return dispatch_all(f.dtype, "random_", [&](auto tag) { launch<RandomDist::Integer, typename decltype(tag)::type>(f); });
  }
}

}  // namespace

void register_random_kernels() { random_kernel.set(DeviceType::CUDA, cuda_random); }

}  // namespace ember::cuda
