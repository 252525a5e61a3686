// CUDA reductions: sum, mean, prod, max, min, all, any (the norms, var/std, logsumexp and the
// arg reductions are in reduce_stats.cu). The launch structure is in reduce_driver.cuh; here
// are the reducers, which follow the CPU's (csrc/cpu/isa/reduce.cpp): floats accumulate in
// float64, integers in wrapping int64, NaN wins max/min. Integer and bool inputs share one
// kernel per op that reads the dtype at run time (the branch is uniform), which keeps the
// instance count low.
#include <cmath>
#include <limits>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "reduce/common.cuh"
#include "reduce/reduce_driver.cuh"
#include "reduce/register.h"

namespace ember::cuda {
namespace {
using red::AnyInt;
using red::elem_size;
using red::fval;

// Sum and mean (mean: divide by the count). Integers add in wrapping int64.
template <typename T>
struct SumR {
  static constexpr bool kFloat = !std::is_same_v<T, AnyInt>;
  static constexpr int kElem = elem_size<T>();
  using acc_t = std::conditional_t<kFloat, double, uint64_t>;
  DType dt;
  bool mean;
  __device__ acc_t init(const char*) const { return 0; }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    if constexpr (kFloat) a += fval<T>(x);
    else a += static_cast<uint64_t>(red::load_int(x, dt));
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a += b; }
  __device__ void store(char* out, const acc_t& a, int64_t n) const {
    if constexpr (kFloat) *reinterpret_cast<T*>(out) = static_cast<T>(mean ? a / static_cast<double>(n) : a);
    else *reinterpret_cast<int64_t*>(out) = static_cast<int64_t>(a);
  }
};

// Product: float64 for floats, wrapping int64 for integers (the front-end widens to int64).
template <typename T>
struct ProdR {
  static constexpr bool kFloat = !std::is_same_v<T, AnyInt>;
  static constexpr int kElem = elem_size<T>();
  using acc_t = std::conditional_t<kFloat, double, uint64_t>;
  DType dt;
  __device__ acc_t init(const char*) const { return 1; }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    if constexpr (kFloat) a *= fval<T>(x);
    else a *= static_cast<uint64_t>(red::load_int(x, dt));
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a *= b; }
  __device__ void store(char* out, const acc_t& a, int64_t) const {
    if constexpr (kFloat) *reinterpret_cast<T*>(out) = static_cast<T>(a);
    else *reinterpret_cast<int64_t*>(out) = static_cast<int64_t>(a);
  }
};

// Max and min, NaN winning over every number. The result has the input's dtype.
template <typename T>
struct MinMaxR {
  static constexpr bool kFloat = !std::is_same_v<T, AnyInt>;
  static constexpr int kElem = elem_size<T>();
  using V = std::conditional_t<kFloat, opmath_t<std::conditional_t<kFloat, T, float>>, int64_t>;
  using acc_t = V;
  DType dt;
  bool is_max;
  __device__ V pick(V v, V a) const { return ((is_max ? v > a : v < a) || red::is_nan(v)) ? v : a; }
  __device__ acc_t init(const char*) const {
    if constexpr (kFloat) return is_max ? -INFINITY : INFINITY;
    else return is_max ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    if constexpr (kFloat) a = pick(red::opval(red::load<T>(x)), a);
    else a = pick(red::load_int(x, dt), a);
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a = pick(b, a); }
  __device__ void store(char* out, const acc_t& a, int64_t) const {
    if constexpr (kFloat) *reinterpret_cast<T*>(out) = static_cast<T>(a);
    else red::store_int(out, dt, a);
  }
};

// all / any over the bits: a value is true when any bit but a float's sign bit is set (NaN
// is true), so every dtype reads as an unsigned integer of its width under a mask.
struct AllAnyR {
  using acc_t = int;
  static constexpr int kElem = 0;
  int width;
  uint64_t mask;
  bool all;
  __device__ acc_t init(const char*) const { return all ? 1 : 0; }
  __device__ void update(acc_t& a, const char* x, int64_t) const {
    uint64_t v;
    switch (width) {
      case 1: v = *reinterpret_cast<const uint8_t*>(x); break;
      case 2: v = *reinterpret_cast<const uint16_t*>(x); break;
      case 4: v = *reinterpret_cast<const uint32_t*>(x); break;
      default: v = *reinterpret_cast<const uint64_t*>(x); break;
    }
    const int t = (v & mask) != 0;
    a = all ? (a & t) : (a | t);
  }
  __device__ void combine(acc_t& a, const acc_t& b) const { a = all ? (a & b) : (a | b); }
  __device__ void store(char* out, const acc_t& a, int64_t) const { *reinterpret_cast<bool*>(out) = a != 0; }
};

void cuda_reduce(const TensorIter& iter, ReduceOp op, const ReduceArgs& args) {
  const DType dt = iter.dtype(1);
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: {
      const bool mean = op == ReduceOp::Mean;
      const char* name = mean ? "mean" : "sum";
      if (mean) EMBER_CHECK_TYPE(is_floating(dt), "mean: not implemented for dtype ", dtype_name(dt));
      return red::dispatch_value(dt, [&](auto tag) {
        red::launch(iter, SumR<typename decltype(tag)::type>{dt, mean}, name);
      });
    }
    case ReduceOp::Prod:
      return red::dispatch_value(dt, [&](auto tag) {
        red::launch(iter, ProdR<typename decltype(tag)::type>{dt}, "prod");
      });
    case ReduceOp::Max:
    case ReduceOp::Min: {
      const bool is_max = op == ReduceOp::Max;
      const char* name = is_max ? "max" : "min";
      return red::dispatch_value(dt, [&](auto tag) {
        red::launch(iter, MinMaxR<typename decltype(tag)::type>{dt, is_max}, name);
      });
    }
    case ReduceOp::All:
    case ReduceOp::Any: {
      const bool fl = is_floating(dt);
      const int width = static_cast<int>(dtype_size(dt));
      const uint64_t mask = width >= 8 ? (fl ? 0x7fffffffffffffffull : ~0ull)
                                       : ((1ull << (8 * width)) - 1) >> (fl ? 1 : 0);
      return red::launch(iter, AllAnyR{width, mask, op == ReduceOp::All}, op == ReduceOp::All ? "all" : "any");
    }
    default:
      return reduce_stats_cuda(iter, op, args);
  }
}

}  // namespace

void register_reduce_kernels() {
  reduce_kernel.set(DeviceType::CUDA, cuda_reduce);
  arg_reduce_kernel.set(DeviceType::CUDA, arg_reduce_cuda);
  register_scan_kernels_cuda();
  register_softmax_kernels_cuda();
}

}  // namespace ember::cuda
