#pragma once
// Ops whose kernels read several tensors (matmul, convolution, normalization, losses, joins,
// indexing) take them all on one device; mixing devices is an error that names both. The
// elementwise ops are more lenient (elementwise::common_device): a 0-dim CPU tensor mixes with
// CUDA tensors there, as in PyTorch.
#include <initializer_list>

#include "ember/tensor.h"

namespace ember {

// Null entries and undefined tensors (absent optional operands) are skipped.
inline void check_same_device(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor* t : tensors) {
    if (t == nullptr || !t->defined()) continue;
    if (first == nullptr) {
      first = t;
      continue;
    }
    EMBER_CHECK(t->device() == first->device(), op, ": expected all tensors to be on the same device, but found ",
                "at least two devices, ", first->device().str(), " and ", t->device().str());
  }
}

template <typename T> const Tensor* opt_ptr(const std::optional<T>& t) { return t ? &*t : nullptr; }

}  // namespace ember
