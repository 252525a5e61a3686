// CUDA kernels of searchsorted (a binary search per value, one thread each) and unique.
//
// unique runs the CPU kernel on a host copy of the input and copies its three results back:
// its output sizes depend on the data, so a device version needs a sort, a group count, a sync
// to size the outputs and scatter passes anyway; the round trip gives exactly the CPU's answer.
#include <cstdint>
#include <type_traits>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "ember/half.h"
#include "linalg/host_copy.h"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {
using namespace host_io;

template <typename T> __device__ __forceinline__ auto as_key(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return static_cast<float>(v);
  else return v;
}

struct SearchArgs {
  int64_t rows, m, n;
  int64_t b_rs, b_cs, v_rs, v_cs, s_rs, s_cs, o_rs, o_cs;
  bool right, out64;
};

// The first position in [0, n) whose value is not below v (right: not at or below it), with
// the tests written as !(x >= v) and !(x > v) like the CPU's, so NaN searches end at n.
template <typename T>
__global__ void searchsorted_kernel_(void* out, const T* bd, const T* vd, const int64_t* sd, const SearchArgs a) {
  const int64_t total = a.rows * a.m;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = e / a.m, j = e - r * a.m;
    const T* row = bd + r * a.b_rs;
    const int64_t* srow = sd ? sd + r * a.s_rs : nullptr;
    const auto v = as_key(vd[r * a.v_rs + j * a.v_cs]);
    int64_t lo = 0, hi = a.n;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      const auto x = as_key(row[(srow ? srow[mid * a.s_cs] : mid) * a.b_cs]);
      const bool go_right = a.right ? !(x > v) : !(x >= v);
      if (go_right) lo = mid + 1;
      else hi = mid;
    }
    const int64_t o = r * a.o_rs + j * a.o_cs;
    if (a.out64) static_cast<int64_t*>(out)[o] = lo;
    else static_cast<int32_t*>(out)[o] = static_cast<int32_t>(lo);
  }
}

void cuda_searchsorted(const Tensor& out, const Tensor& boundaries, const Tensor& values, const Tensor* sorter,
                       bool right) {
  const char* op = "searchsorted";
  if (out.numel() == 0) return;
  SearchArgs a{};
  a.rows = values.size(0);
  a.m = values.size(1);
  a.n = boundaries.size(1);
  a.b_rs = boundaries.stride(0), a.b_cs = boundaries.stride(1);
  a.v_rs = values.stride(0), a.v_cs = values.stride(1);
  a.s_rs = sorter ? sorter->stride(0) : 0, a.s_cs = sorter ? sorter->stride(1) : 0;
  a.o_rs = out.stride(0), a.o_cs = out.stride(1);
  a.right = right;
  a.out64 = out.dtype() == kInt64;
  EMBER_CHECK(a.out64 || out.dtype() == kInt32, op, ": the output must be int64 or int32, got ", dtype_name(out.dtype()));
  EMBER_CHECK(sorter == nullptr || sorter->dtype() == kInt64, op, ": the sorter must be int64");
  const int device = out.device().index;
  cudaStream_t s = stream_for(out.device());
  constexpr int kThreads = 256;
  dispatch_all(values.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    searchsorted_kernel_<T><<<grid_for(a.rows * a.m, kThreads, device), kThreads, 0, s>>>(
        out.data_ptr(), static_cast<const T*>(boundaries.data_ptr()), static_cast<const T*>(values.data_ptr()),
        sorter ? static_cast<const int64_t*>(sorter->data_ptr()) : nullptr, a);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

void cuda_unique(const Tensor& in, bool consecutive, Tensor& values, Tensor& inverse, Tensor& counts) {
  const char* op = "unique";
  const Tensor h = host_copy(in, op);
  Tensor hv, hi, hc;
  unique_kernel.get(Device(kCPU), op)(h, consecutive, hv, hi, hc);
  values = device_copy(hv, in.device(), op);
  inverse = device_copy(hi, in.device(), op);
  counts = device_copy(hc, in.device(), op);
}

}  // namespace

void register_sort_search_kernels() {
  unique_kernel.set(DeviceType::CUDA, cuda_unique);
  searchsorted_kernel.set(DeviceType::CUDA, cuda_searchsorted);
}

}  // namespace ember::cuda
