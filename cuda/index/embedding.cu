// CUDA embedding kernels: a row gather, and its dense gradient. The gradient is deterministic
// and equal to the CPU's bit for bit: the host groups the positions by index (a counting sort,
// positions ascending within each index), and one thread per (row, column) of grad_weight adds
// that row's gradient rows in position order, in opmath precision, exactly as the CPU does.
#include <algorithm>
#include <memory>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "dispatch/dispatch.h"
#include "dispatch/kernels.h"
#include "ember/half.h"
#include "linalg/host_copy.h"
#include "runtime/runtime.h"

namespace ember::cuda {

namespace {
using namespace host_io;

constexpr int kThreads = 256;

struct BadFlag {
  int found;
  int pad;
  long long value;
};

__global__ void check_rows_kernel(const int64_t* ix, int64_t n, int64_t num, BadFlag* flag) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t v = ix[i];
    if ((v < 0 || v >= num) && atomicCAS(&flag->found, 0, 1) == 0) flag->value = v;
  }
}

// The indices on the device: CPU indices (what the front-end passes today) are copied over;
// CUDA ones are range-checked there.
const int64_t* device_indices(const Tensor& indices, int64_t num, int device, std::unique_ptr<Workspace>& hold,
                              const char* op) {
  const int64_t n = indices.numel();
  if (indices.device().is_cpu()) {
    const Tensor h = indices.contiguous();
    const int64_t* p = static_cast<const int64_t*>(h.data_ptr());
    for (int64_t i = 0; i < n; ++i)
      EMBER_CHECK_INDEX(p[i] >= 0 && p[i] < num, op, ": index ", p[i], " is out of range for num_embeddings ", num,
                        " (valid indices are 0 to ", num - 1, ")");
    hold = std::make_unique<Workspace>(static_cast<size_t>(n) * sizeof(int64_t), device);
    copy_to_device(hold->get(), p, static_cast<size_t>(n) * sizeof(int64_t), device, op);
    return hold->as<int64_t>();
  }
  const int64_t* p = static_cast<const int64_t*>(indices.data_ptr());
  cudaStream_t s = stream_for(device);
  Workspace ws(sizeof(BadFlag), device);
  EMBER_CUDA_CHECK(cudaMemsetAsync(ws.get(), 0, sizeof(BadFlag), s), op);
  check_rows_kernel<<<grid_for(n, kThreads, device), kThreads, 0, s>>>(p, n, num, ws.as<BadFlag>());
  EMBER_CUDA_LAUNCH_CHECK(op);
  BadFlag h{};
  copy_to_host(&h, ws.get(), sizeof(BadFlag), device, op);
  EMBER_CHECK_INDEX(h.found == 0, op, ": index ", h.value, " is out of range for num_embeddings ", num,
                    " (valid indices are 0 to ", num - 1, ")");
  return p;
}

// out row i <- weight row ix[i], moved in units U (the widest that divides the row and the
// pointers' alignment).
template <typename U>
__global__ void embedding_kernel_(U* out, const U* weight, const int64_t* ix, int64_t n, int64_t row_units) {
  const int64_t total = n * row_units;
  for (int64_t u = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; u < total;
       u += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = u / row_units, c = u - i * row_units;
    out[u] = weight[ix[i] * row_units + c];
  }
}

void cuda_embedding(const Tensor& out, const Tensor& weight, const Tensor& indices) {
  const char* op = "embedding";
  const int64_t n = indices.numel(), num = weight.size(0);
  if (n == 0 || out.numel() == 0) return;
  const int device = weight.device().index;
  std::unique_ptr<Workspace> hold;
  const int64_t* ix = device_indices(indices, num, device, hold, op);
  cudaStream_t s = stream_for(weight.device());
  const size_t row_bytes = static_cast<size_t>(weight.size(1)) * weight.element_size();
  const uintptr_t align = reinterpret_cast<uintptr_t>(out.data_ptr()) | reinterpret_cast<uintptr_t>(weight.data_ptr());
  auto launch = [&](auto unit) {
    using U = decltype(unit);
    const int64_t units = static_cast<int64_t>(row_bytes / sizeof(U));
    embedding_kernel_<U><<<grid_for(n * units, kThreads, device), kThreads, 0, s>>>(
        static_cast<U*>(out.data_ptr()), static_cast<const U*>(weight.data_ptr()), ix, n, units);
  };
  auto fits = [&](size_t u) { return row_bytes % u == 0 && align % u == 0; };
  if (fits(16)) launch(uint4{});
  else if (fits(8)) launch(uint64_t{});
  else if (fits(4)) launch(uint32_t{});
  else if (fits(2)) launch(uint16_t{});
  else launch(uint8_t{});
  EMBER_CUDA_LAUNCH_CHECK(op);
}

// grad_weight (num, dim) <- per row r, the sum of grad rows pos[starts[r]..starts[r + 1]) in
// that order, scaled by 1 / count with scale_by_freq; padding_idx's row stays zero.
template <typename T>
__global__ void embedding_backward_kernel_(T* gw, const T* grad, const int64_t* starts, const int64_t* pos,
                                           int64_t num, int64_t dim, int64_t padding_idx, bool scale_by_freq) {
  using A = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const int64_t total = num * dim;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = e / dim, c = e - r * dim;
    A acc = A(0);
    const int64_t b = starts[r], f = starts[r + 1];
    if (r != padding_idx)
      for (int64_t p = b; p < f; ++p) acc += static_cast<A>(grad[pos[p] * dim + c]);
    const A scale = scale_by_freq && f > b ? A(1) / static_cast<A>(f - b) : A(1);
    gw[e] = static_cast<T>(acc * scale);
  }
}

void cuda_embedding_backward(const Tensor& grad_weight, const Tensor& grad, const Tensor& indices,
                             int64_t padding_idx, bool scale_by_freq) {
  const char* op = "embedding_backward";
  const int64_t n = indices.numel(), num = grad_weight.size(0), dim = grad_weight.size(1);
  if (grad_weight.numel() == 0) return;
  const int device = grad_weight.device().index;
  // Group the positions by index on the host (the indices are small next to the gradient).
  const Tensor h = host_copy(indices, op);
  const int64_t* ix = static_cast<const int64_t*>(h.data_ptr());
  std::vector<int64_t> starts(static_cast<size_t>(num) + 1, 0), pos(static_cast<size_t>(std::max<int64_t>(n, 1)));
  for (int64_t i = 0; i < n; ++i) {
    EMBER_CHECK_INDEX(ix[i] >= 0 && ix[i] < num, op, ": index ", ix[i], " is out of range for num_embeddings ", num,
                      " (valid indices are 0 to ", num - 1, ")");
    ++starts[ix[i] + 1];
  }
  for (int64_t r = 0; r < num; ++r) starts[r + 1] += starts[r];
  {
    std::vector<int64_t> next(starts.begin(), starts.end() - 1);
    for (int64_t i = 0; i < n; ++i) pos[next[ix[i]]++] = i;
  }
  Workspace d_starts(starts.size() * sizeof(int64_t), device), d_pos(pos.size() * sizeof(int64_t), device);
  copy_to_device(d_starts.get(), starts.data(), starts.size() * sizeof(int64_t), device, op);
  copy_to_device(d_pos.get(), pos.data(), static_cast<size_t>(n) * sizeof(int64_t), device, op);
  cudaStream_t s = stream_for(grad_weight.device());
  dispatch_floating(grad_weight.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    embedding_backward_kernel_<T><<<grid_for(num * dim, kThreads, device), kThreads, 0, s>>>(
        static_cast<T*>(grad_weight.data_ptr()), static_cast<const T*>(grad.data_ptr()), d_starts.as<int64_t>(),
        d_pos.as<int64_t>(), num, dim, padding_idx, scale_by_freq);
  });
  EMBER_CUDA_LAUNCH_CHECK(op);
}

}  // namespace

void register_embedding_kernels() {
  embedding_kernel.set(DeviceType::CUDA, cuda_embedding);
  embedding_backward_kernel.set(DeviceType::CUDA, cuda_embedding_backward);
}

}  // namespace ember::cuda
