#pragma once
// The bfloat16 GEMM on AVX512-BF16 (cpu/isa/gemm_bf16.cpp), registered over the AVX-512 GEMM
// when the CPU has the dot-product instruction (EMBER_CPU_ISA=avx512_bf16, the default there).
#include "cpu/isa/isa.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN
namespace gemm {

// The GEMM of cpu/isa/gemm.cpp for every floating dtype (16-bit ones through float32 packing);
// the bfloat16 kernel hands it the shapes it does not take.
void gemm_kernel_fast(const GemmArgs& g);

}  // namespace gemm

#if defined(__AVX512F__)
// Makes gemm_kernel's CPU slot the bfloat16 dot-product GEMM (other dtypes pass through).
void register_gemm_bf16_kernels();
#endif

EMBER_ISA_NAMESPACE_END
