#include "iter/tensor_iter.h"

#include <cstdlib>

#include "core/shape.h"

namespace ember {

TensorIter TensorIter::elementwise(const Tensor& out, std::initializer_list<Tensor> inputs) {
  TensorIter it;
  EMBER_CHECK(static_cast<int>(inputs.size()) + 1 <= kMaxOperands, "TensorIter: too many operands");
  it.operands_[it.ntensors_++] = &out;
  for (const Tensor& t : inputs) it.operands_[it.ntensors_++] = &t;
  it.build(out.shape(), false);
  return it;
}

TensorIter TensorIter::reduction(const Tensor& out, const Tensor& in) {
  TensorIter it;
  EMBER_CHECK(out.dim() == in.dim(), "TensorIter: a reduction output must keep the input's dims");
  it.operands_[it.ntensors_++] = &out;
  it.operands_[it.ntensors_++] = &in;
  it.build(in.shape(), true);
  return it;
}

void TensorIter::build(const IntArray& shape, bool reduction) {
  const int nd = static_cast<int>(shape.size());
  EMBER_CHECK(nd <= kMaxDims, "tensors of more than ", kMaxDims, " dims are not supported");
  numel_ = numel_of(shape);
  // Every operand lives on the output's device, but for 0-dim CPU inputs of a CUDA iteration.
  device_ = operands_[0]->device();
  for (int k = 1; k < ntensors_; ++k) {
    const Tensor& t = *operands_[k];
    if (t.device() == device_) continue;
    cpu_scalar_[k] = t.device().is_cpu() && t.dim() == 0 && device_.is_cuda();
    EMBER_CHECK(cpu_scalar_[k], "Expected all tensors to be on the same device, but found at least two devices, ",
                device_.str(), " and ", t.device().str(), " (operand of shape ", shape_str(t.shape()), ")");
  }
  // Byte strides of each operand against `shape`, innermost dim first; broadcast dims get 0.
  int64_t st[kMaxDims][kMaxOperands];
  int64_t sz[kMaxDims];
  for (int d = 0; d < nd; ++d) sz[d] = shape[nd - 1 - d];
  for (int k = 0; k < ntensors_; ++k) {
    const Tensor& t = *operands_[k];
    data_[k] = static_cast<char*>(t.data_ptr());
    dtypes_[k] = t.dtype();
    const int64_t es = static_cast<int64_t>(t.element_size());
    const int tnd = static_cast<int>(t.dim());
    EMBER_CHECK(tnd <= nd, "TensorIter: operand of shape ", shape_str(t.shape()), " has more dims than ",
                shape_str(shape));
    for (int d = 0; d < nd; ++d) {
      if (d >= tnd) { st[d][k] = 0; continue; }
      const int64_t s = t.shape()[tnd - 1 - d];
      EMBER_CHECK(s == sz[d] || s == 1, "TensorIter: operand of shape ", shape_str(t.shape()),
                  " does not broadcast to ", shape_str(shape));
      st[d][k] = s == 1 && sz[d] != 1 ? 0 : t.strides()[tnd - 1 - d] * es;
    }
  }
  // Drop size-1 dims: they move no pointer.
  int perm[kMaxDims];
  int n = 0;
  for (int d = 0; d < nd; ++d)
    if (sz[d] != 1) perm[n++] = d;
  // Order dims innermost-first by stride (insertion sort keeps ties in their original order).
  // Elementwise: the output decides, then the inputs. Reductions: the input decides, as it is
  // the operand that streams through memory.
  const int first = reduction ? 1 : 0;
  auto should_swap = [&](int a, int b) {  // true when dim a should be inner to dim b
    for (int k = first; k < ntensors_; ++k) {
      const int64_t sa = std::llabs(st[a][k]), sb = std::llabs(st[b][k]);
      if (sa == 0 || sb == 0) continue;
      if (sa != sb) return sa < sb;
    }
    return false;
  };
  for (int i = 1; i < n; ++i)
    for (int j = i; j > 0 && should_swap(perm[j], perm[j - 1]); --j) std::swap(perm[j], perm[j - 1]);
  // Merge neighbours that are contiguous with each other in every operand.
  ndim_ = 0;
  for (int i = 0; i < n; ++i) {
    const int d = perm[i];
    if (ndim_ > 0) {
      const int prev = ndim_ - 1;
      bool can_merge = true;
      for (int k = 0; k < ntensors_ && can_merge; ++k)
        can_merge = st[d][k] == strides_[prev][k] * sizes_[prev];
      if (can_merge) {
        sizes_[prev] *= sz[d];
        continue;
      }
    }
    sizes_[ndim_] = sz[d];
    for (int k = 0; k < ntensors_; ++k) strides_[ndim_][k] = st[d][k];
    ++ndim_;
  }
  if (ndim_ == 0) {  // a single element (or every dim was size 1): one run of length 1
    ndim_ = 1;
    sizes_[0] = numel_ == 0 ? 0 : 1;
    for (int k = 0; k < ntensors_; ++k) strides_[0][k] = 0;
  }
  if (numel_ == 0) {
    ndim_ = 1;
    sizes_[0] = 0;
  }
}

bool TensorIter::inner_contiguous(bool allow_broadcast) const {
  for (int k = 0; k < ntensors_; ++k) {
    const int64_t s = strides_[0][k];
    if (s == static_cast<int64_t>(dtype_size(dtypes_[k]))) continue;
    if (allow_broadcast && k > 0 && s == 0) continue;
    return false;
  }
  return true;
}

}  // namespace ember
