#pragma once
// The strided iterator shared by the elementwise and reduction kernels (after ATen's
// TensorIterator). It broadcasts the operands to one shape, orders the dims by stride
// (innermost first), drops size-1 dims and merges dims that are contiguous with each other for
// every operand, leaving kernels a short list of (size, byte strides). Kernels receive runs of
// the innermost dim through `loop(char** data, const int64_t* strides, int64_t n)`.
#include <cstdint>
#include <vector>

#include "cpu/parallel.h"
#include "ember/tensor.h"

namespace ember {

class TensorIter {
 public:
  static constexpr int kMaxOperands = 4;
  static constexpr int kMaxDims = 25;

  // Elementwise: operands[0] is the output, already of the broadcast shape; the inputs are
  // broadcast to it. Dims are ordered by the output's strides, then the inputs'.
  static TensorIter elementwise(const Tensor& out, std::initializer_list<Tensor> inputs);
  // Reduction: `out` has the input's rank with size 1 on reduced dims (keepdim form), so its
  // stride there is 0. Dims are ordered by the input's strides.
  static TensorIter reduction(const Tensor& out, const Tensor& in);

  int ntensors() const { return ntensors_; }
  int ndim() const { return ndim_; }
  int64_t numel() const { return numel_; }
  int64_t size(int d) const { return sizes_[d]; }              // d = 0 is the innermost dim
  int64_t stride(int op, int d) const { return strides_[d][op]; }  // bytes
  char* data(int op) const { return data_[op]; }
  DType dtype(int op) const { return dtypes_[op]; }
  // The device the iteration runs on: the output's.
  Device device() const { return device_; }
  // A 0-dim CPU input of a CUDA iteration (a Python number, or a CPU scalar tensor, as PyTorch
  // lets them mix with CUDA tensors): data(op) is then a host pointer and every stride of the
  // operand is 0, so a CUDA kernel reads its value on the host and passes it by value.
  bool is_cpu_scalar(int op) const { return cpu_scalar_[op]; }
  // True when every operand's innermost stride is its element size (or 0 for broadcast inputs
  // if allow_broadcast), so the inner loop is a flat, vectorizable array loop.
  bool inner_contiguous(bool allow_broadcast = false) const;

  // Runs loop over the linear range [begin, end) of the iteration space, innermost fastest.
  template <typename Loop>
  void serial_for_each(const Loop& loop, int64_t begin, int64_t end) const;
  // Splits the space over threads when it exceeds `grain` elements.
  template <typename Loop>
  void for_each(const Loop& loop, int64_t grain = 32768) const {
    parallel_for(0, numel_, grain, [&](int64_t b, int64_t e) { serial_for_each(loop, b, e); });
  }

 private:
  void build(const IntArray& shape, bool reduction);

  int ntensors_ = 0;
  int ndim_ = 0;
  int64_t numel_ = 0;
  int64_t sizes_[kMaxDims] = {};
  int64_t strides_[kMaxDims][kMaxOperands] = {};
  char* data_[kMaxOperands] = {};
  DType dtypes_[kMaxOperands] = {};
  bool cpu_scalar_[kMaxOperands] = {};
  Device device_;
  const Tensor* operands_[kMaxOperands] = {};
};

template <typename Loop>
void TensorIter::serial_for_each(const Loop& loop, int64_t begin, int64_t end) const {
  if (begin >= end) return;
  const int nt = ntensors_;
  char* ptrs[kMaxOperands];
  int64_t inner[kMaxOperands];
  for (int k = 0; k < nt; ++k) inner[k] = strides_[0][k];
  // The multi-index of `begin`, innermost first.
  int64_t idx[kMaxDims];
  int64_t rem = begin;
  for (int d = 0; d < ndim_; ++d) {
    idx[d] = rem % sizes_[d];
    rem /= sizes_[d];
  }
  int64_t pos = begin;
  while (pos < end) {
    for (int k = 0; k < nt; ++k) {
      char* p = data_[k];
      for (int d = 0; d < ndim_; ++d) p += idx[d] * strides_[d][k];
      ptrs[k] = p;
    }
    const int64_t n = std::min(sizes_[0] - idx[0], end - pos);
    loop(ptrs, inner, n);
    pos += n;
    idx[0] += n;
    for (int d = 0; d + 1 < ndim_ && idx[d] == sizes_[d]; ++d) {  // carry into outer dims
      idx[d] = 0;
      ++idx[d + 1];
    }
  }
}

}  // namespace ember
