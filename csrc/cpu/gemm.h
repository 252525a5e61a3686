#pragma once
// The reference GEMM (cpu/gemm.cpp): every numeric dtype, any strides. The fast per-ISA GEMM
// (cpu/isa/gemm.cpp) takes the floating dtypes and hands integers to this one.
#include "dispatch/kernels.h"

namespace ember {

void gemm_reference(const GemmArgs& args);

}  // namespace ember
