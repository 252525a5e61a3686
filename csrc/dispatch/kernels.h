#pragma once
// The kernel families and their per-device tables. Front-ends in ops/ call these; kernel files
// in cpu/ (and cuda/) fill them. One section per family.
#include "dispatch/kernel_table.h"
#include "ember/scalar.h"
#include "iter/tensor_iter.h"

namespace ember {

// ---- copy: out <- in, converting between any two dtypes (broadcast inputs allowed) ------------
using CopyKernel = void (*)(const TensorIter& iter);
extern KernelTable<CopyKernel> copy_kernel;

}  // namespace ember
