#pragma once
// Threading, CPU caches and capabilities, printing.
// Part of the ops API: include <ember/ops.h>.
#include <iosfwd>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- threading (OpenMP; small work stays on the calling thread) -----------------------------
EMBER_API int get_num_threads();
EMBER_API void set_num_threads(int n);
// Frees the big CPU buffers the allocator keeps for reuse (see core/allocator.cpp).
EMBER_API void empty_cpu_cache();
// The instruction set the vectorized CPU kernels were chosen for: "base", "avx2" or "avx512".
EMBER_API const char* cpu_capability();

// ---- printing ------------------------------------------------------------------------------
// PyTorch's print format (Tensor::repr); `extra_suffixes` ("requires_grad=True", ...) follow
// the device and dtype suffixes, wrapped at 80 columns as PyTorch wraps them.
EMBER_API std::string tensor_repr(const Tensor& t, const std::vector<std::string>& extra_suffixes = {});
EMBER_API std::ostream& operator<<(std::ostream& os, const Tensor& t);  // writes t.repr()

}  // namespace ember
