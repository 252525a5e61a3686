// Pooling kernels over contiguous (planes, H, W) buffers (the CPU's contract, cpu/pool.cpp):
// one thread per output element for the forward ops. Backward ops gather: each input element
// sums, in the CPU's order, the shares of the outputs whose windows hold it, in opmath
// precision, and is stored once; so nothing is zeroed first and no atomics make results depend
// on scheduling. The max-pool backward (indices given, so windows unknown) sorts (index, output)
// pairs with a stable integer radix sort and sums each index's run in output order.
#include <cub/device/device_radix_sort.cuh>

#include <cstdint>
#include <limits>

#include "dispatch/dispatch.h"
#include "pool/pool.h"
#include "pool/pool_kernels.cuh"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {

using namespace pool_kernels;

int bits_for(uint64_t v) {  // bits to hold every value in [0, v]
  int b = 0;
  while (b < 64 && (v >> b) != 0) ++b;
  return b;
}

// ---- host side ----------------------------------------------------------------------------------
template <typename Launch>
void with_index(const Pool2dParams& p, const Launch& launch) {
  if (pool_fits_int32(p.planes, p.in_h * p.in_w, p.out_h * p.out_w)) launch(geom<int32_t>(p));
  else launch(geom<int64_t>(p));
}

void cuda_max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& in, const Pool2dParams& p) {
  const int64_t n = p.planes * p.out_h * p.out_w;
  if (n == 0) return;
  const int dev = out.device().index;
  cudaStream_t s = stream_for(out.device());
  int64_t* ind = indices.defined() ? static_cast<int64_t*>(indices.data_ptr()) : nullptr;
  dispatch_numeric(in.dtype(), "max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(p, [&](auto g) {
      using Index = decltype(g.planes);
      max_pool_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
          static_cast<T*>(out.data_ptr()), ind, static_cast<const T*>(in.data_ptr()), g);
      EMBER_CUDA_LAUNCH_CHECK("max_pool2d");
    });
  });
}

void cuda_adaptive_max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& in, const Pool2dParams& p) {
  const int64_t n = p.planes * p.out_h * p.out_w;
  if (n == 0) return;
  const int dev = out.device().index;
  cudaStream_t s = stream_for(out.device());
  int64_t* ind = indices.defined() ? static_cast<int64_t*>(indices.data_ptr()) : nullptr;
  dispatch_floating(in.dtype(), "adaptive_max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(p, [&](auto g) {
      using Index = decltype(g.planes);
      adaptive_max_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
          static_cast<T*>(out.data_ptr()), ind, static_cast<const T*>(in.data_ptr()), g);
      EMBER_CUDA_LAUNCH_CHECK("adaptive_max_pool2d");
    });
  });
}

void cuda_avg_pool2d(const Tensor& out, const Tensor& in, const Pool2dParams& p) {
  const int64_t n = p.planes * p.out_h * p.out_w;
  if (n == 0) return;
  const int dev = out.device().index;
  cudaStream_t s = stream_for(out.device());
  dispatch_floating(in.dtype(), "avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(p, [&](auto g) {
      using Index = decltype(g.planes);
      avg_pool_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
          static_cast<T*>(out.data_ptr()), static_cast<const T*>(in.data_ptr()), g);
      EMBER_CUDA_LAUNCH_CHECK("avg_pool2d");
    });
  });
}

void cuda_avg_pool2d_backward(const Tensor& grad_in, const Tensor& grad_out, const Pool2dParams& p) {
  const int64_t n = p.planes * p.in_h * p.in_w;
  if (n == 0) return;
  const int dev = grad_in.device().index;
  cudaStream_t s = stream_for(grad_in.device());
  dispatch_floating(grad_in.dtype(), "avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(p, [&](auto g) {
      using Index = decltype(g.planes);
      avg_pool_backward_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
          static_cast<T*>(grad_in.data_ptr()), static_cast<const T*>(grad_out.data_ptr()), g);
      EMBER_CUDA_LAUNCH_CHECK("avg_pool2d_backward");
    });
  });
}

void cuda_adaptive_avg_pool2d(const Tensor& out, const Tensor& in, const Pool2dParams& p) {
  const int64_t n = p.planes * p.out_h * p.out_w;
  if (n == 0) return;
  const int dev = out.device().index;
  cudaStream_t s = stream_for(out.device());
  dispatch_floating(in.dtype(), "adaptive_avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(p, [&](auto g) {
      using Index = decltype(g.planes);
      adaptive_avg_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
          static_cast<T*>(out.data_ptr()), static_cast<const T*>(in.data_ptr()), g);
      EMBER_CUDA_LAUNCH_CHECK("adaptive_avg_pool2d");
    });
  });
}

void cuda_adaptive_avg_pool2d_backward(const Tensor& grad_in, const Tensor& grad_out, const Pool2dParams& p) {
  const int64_t n = p.planes * p.in_h * p.in_w;
  if (n == 0) return;
  const int dev = grad_in.device().index;
  cudaStream_t s = stream_for(grad_in.device());
  dispatch_floating(grad_in.dtype(), "adaptive_avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    with_index(p, [&](auto g) {
      using Index = decltype(g.planes);
      adaptive_avg_backward_kernel<T, Index><<<grid_for(n, kThreads, dev), kThreads, 0, s>>>(
          static_cast<T*>(grad_in.data_ptr()), static_cast<const T*>(grad_out.data_ptr()), g);
      EMBER_CUDA_LAUNCH_CHECK("adaptive_avg_pool2d_backward");
    });
  });
}

void cuda_index_scatter2d(const Tensor& grad_in, const Tensor& grad_out, const Tensor& indices, const Pool2dParams& p) {
  const char* op = "max_pool2d_backward";
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  const int64_t n_in = p.planes * in_plane, n_out = p.planes * out_plane;
  if (n_in == 0) return;
  // Checked before any launch, so an unsupported dtype raises without side effects.
  dispatch_floating(grad_in.dtype(), op, [](auto) {});
  const Device device = grad_in.device();
  const int dev = device.index;
  cudaStream_t s = stream_for(device);
  const int key_bits = bits_for(static_cast<uint64_t>(n_in));
  // keys and values, their sorted copies, the bad-index report and cub's temporary storage
  size_t sort_bytes = 0;
  if (n_out > 0) {
    EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, sort_bytes, static_cast<const uint64_t*>(nullptr),
                                                     static_cast<uint64_t*>(nullptr), static_cast<const int64_t*>(nullptr),
                                                     static_cast<int64_t*>(nullptr), n_out, 0, key_bits, s),
                     op);
  }
  const size_t array_bytes = static_cast<size_t>(n_out) * 8;
  const size_t temp_at = (4 * array_bytes + 16 + 255) / 256 * 256;
  Workspace ws(temp_at + sort_bytes, dev);
  char* base = ws.as<char>();
  uint64_t* keys = reinterpret_cast<uint64_t*>(base);
  uint64_t* sorted_keys = reinterpret_cast<uint64_t*>(base + array_bytes);
  int64_t* vals = reinterpret_cast<int64_t*>(base + 2 * array_bytes);
  int64_t* sorted_vals = reinterpret_cast<int64_t*>(base + 3 * array_bytes);
  unsigned long long* bad = reinterpret_cast<unsigned long long*>(base + 4 * array_bytes);
  if (n_out > 0) {
    EMBER_CUDA_CHECK(cudaMemsetAsync(bad, 0, 16, s), op);
    scatter_keys_kernel<<<grid_for(n_out, kThreads, dev), kThreads, 0, s>>>(
        keys, vals, static_cast<const int64_t*>(indices.data_ptr()), n_out, out_plane, in_plane, bad);
    EMBER_CUDA_LAUNCH_CHECK(op);
    EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(base + temp_at, sort_bytes, keys, sorted_keys, vals, sorted_vals,
                                                     n_out, 0, key_bits, s),
                     op);
    unsigned long long report[2] = {0, 0};
    EMBER_CUDA_CHECK(cudaMemcpyAsync(report, bad, sizeof(report), cudaMemcpyDeviceToHost, s), op);
    EMBER_CUDA_CHECK(cudaStreamSynchronize(s), op);
    EMBER_CHECK_INDEX(report[0] == 0, op, ": index ", static_cast<int64_t>(report[1]),
                      " is out of bounds for a plane of ", in_plane, " elements");
  }
  dispatch_floating(grad_in.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_gather_kernel<T><<<grid_for(n_in, kThreads, dev), kThreads, 0, s>>>(
        static_cast<T*>(grad_in.data_ptr()), static_cast<const T*>(grad_out.data_ptr()), sorted_keys, sorted_vals,
        n_out, n_in);
    EMBER_CUDA_LAUNCH_CHECK(op);
  });
}

}  // namespace

void register_pool_kernels() {
  max_pool2d_kernel.set(DeviceType::CUDA, cuda_max_pool2d);
  avg_pool2d_kernel.set(DeviceType::CUDA, cuda_avg_pool2d);
  avg_pool2d_backward_kernel.set(DeviceType::CUDA, cuda_avg_pool2d_backward);
  adaptive_max_pool2d_kernel.set(DeviceType::CUDA, cuda_adaptive_max_pool2d);
  adaptive_avg_pool2d_kernel.set(DeviceType::CUDA, cuda_adaptive_avg_pool2d);
  adaptive_avg_pool2d_backward_kernel.set(DeviceType::CUDA, cuda_adaptive_avg_pool2d_backward);
  index_scatter2d_kernel.set(DeviceType::CUDA, cuda_index_scatter2d);
  upsample_kernel.set(DeviceType::CUDA, upsample);
  upsample_backward_kernel.set(DeviceType::CUDA, upsample_backward);
}

}  // namespace ember::cuda
