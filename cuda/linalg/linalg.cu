// The CUDA slots of the dense factorizations and of the CTC loss run the CPU's code on host
// copies of the operands: the operands are copied to the host, the CPU kernel runs there, and
// the results are copied back (PyTorch, too, sends small factorizations through host-side
// libraries; these problems are small, sequential per matrix and dominated by latency on a GPU).
// The results are therefore exactly the CPU's.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "dispatch/kernels.h"
#include "dispatch/kernels_ctc.h"
#include "linalg/host_copy.h"

namespace ember::cuda {

namespace {
using namespace host_io;

// The device a pointer of the arguments lives on (-1: host memory, or unknown to CUDA).
int pointer_device(const void* p) {
  if (p == nullptr) return -1;
  cudaPointerAttributes attr{};
  if (cudaPointerGetAttributes(&attr, p) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error of a plain host pointer
    return -1;
  }
  return attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged ? attr.device : -1;
}

// One buffer of the arguments: its device pointer, host copy and element count.
template <typename T> struct Buffer {
  T* dev = nullptr;
  std::vector<T> host;
  size_t count = 0;
  T* bind(T* p, int64_t n, int device) {
    dev = p;
    if (p == nullptr) return nullptr;
    count = static_cast<size_t>(std::max<int64_t>(n, 0));
    host.resize(std::max<size_t>(count, 1));
    copy_to_host(host.data(), p, count * sizeof(T), device, "linalg");
    return host.data();
  }
  void restore(int device) {
    if (dev != nullptr) copy_to_device(dev, host.data(), count * sizeof(T), device, "linalg");
  }
};

void linalg_cuda(LinalgOp op, const LinalgArgs& x) {
  const LinalgKernel cpu = linalg_kernel.get(Device(kCPU), "linalg");
  int device = -1;
  for (const void* p : {static_cast<const void*>(x.a), static_cast<const void*>(x.b),
                        static_cast<const void*>(x.c), static_cast<const void*>(x.d),
                        static_cast<const void*>(x.pivots), static_cast<const void*>(x.info)})
    if (device < 0) device = pointer_device(p);
  if (device < 0) return cpu(op, x);  // host buffers after all
  const int64_t B = x.batch, m = x.m, n = x.n, k = x.k, kmin = std::min(m, n);
  // Element counts of each buffer the op uses (a buffer the op does not use is left alone).
  int64_t na = 0, nb = 0, nc = 0, nd = 0, npiv = 0, ninfo = 0;
  switch (op) {
    case LinalgOp::LuFactor: na = m * n; npiv = kmin; ninfo = 1; break;
    case LinalgOp::LuSolve: na = n * n; npiv = n; nb = n * k; break;
    case LinalgOp::Cholesky: na = n * n; ninfo = 1; break;
    case LinalgOp::TriangularSolve: na = n * n; nb = n * k; break;
    case LinalgOp::Qr: na = m * n; nc = m * k; break;
    case LinalgOp::Eigh: na = n * n; nb = n; nc = n * n; break;
    case LinalgOp::Svd: {
      const int64_t ku = x.full ? m : kmin, kv = x.full ? n : kmin;
      na = m * n; nb = kmin; nc = m * ku; nd = kv * n;
      break;
    }
  }
  Buffer<double> a, b, c, d;
  Buffer<int64_t> piv, info;
  LinalgArgs h = x;
  h.a = na ? a.bind(x.a, B * na, device) : x.a;
  h.b = nb ? b.bind(x.b, B * nb, device) : x.b;
  h.c = nc ? c.bind(x.c, B * nc, device) : x.c;
  h.d = nd ? d.bind(x.d, B * nd, device) : x.d;
  h.pivots = npiv ? piv.bind(x.pivots, B * npiv, device) : x.pivots;
  h.info = ninfo ? info.bind(x.info, B * ninfo, device) : x.info;
  cpu(op, h);
  for (auto* buf : {&a, &b, &c, &d}) buf->restore(device);
  piv.restore(device);
  info.restore(device);
}

// ---- CTC loss: the same host round trip ---------------------------------------------------------
void ctc_loss_cuda(const Tensor& nll, const Tensor& log_alpha, const Tensor& log_probs, const Tensor& targets,
                   const std::vector<int64_t>& input_lengths, const std::vector<int64_t>& target_lengths,
                   int64_t blank) {
  const char* op = "ctc_loss";
  const Tensor h_nll = empty(nll.shape(), TensorOptions(nll.dtype()));
  const Tensor h_alpha = empty(log_alpha.shape(), TensorOptions(log_alpha.dtype()));
  ctc_loss_kernel.get(Device(kCPU), op)(h_nll, h_alpha, host_copy(log_probs, op), host_copy(targets, op),
                                        input_lengths, target_lengths, blank);
  copy_back(nll, h_nll, op);
  copy_back(log_alpha, h_alpha, op);
}

void ctc_loss_backward_cuda(const Tensor& grad_log_probs, const Tensor& grad, const Tensor& log_probs,
                            const Tensor& targets, const std::vector<int64_t>& input_lengths,
                            const std::vector<int64_t>& target_lengths, const Tensor& nll, const Tensor& log_alpha,
                            int64_t blank, bool zero_infinity) {
  const char* op = "ctc_loss_backward";
  const Tensor h_grad = host_copy(grad_log_probs, op);  // zeroed by the front-end
  ctc_loss_backward_kernel.get(Device(kCPU), op)(h_grad, host_copy(grad, op), host_copy(log_probs, op),
                                                 host_copy(targets, op), input_lengths, target_lengths,
                                                 host_copy(nll, op), host_copy(log_alpha, op), blank,
                                                 zero_infinity);
  copy_back(grad_log_probs, h_grad, op);
}

}  // namespace

void register_linalg_ctc_kernels() {
  ctc_loss_kernel.set(DeviceType::CUDA, ctc_loss_cuda);
  ctc_loss_backward_kernel.set(DeviceType::CUDA, ctc_loss_backward_cuda);
}

void register_linalg_kernels() {
  linalg_kernel.set(DeviceType::CUDA, linalg_cuda);
  register_linalg_ctc_kernels();
}

}  // namespace ember::cuda
