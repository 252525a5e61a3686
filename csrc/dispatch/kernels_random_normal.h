#pragma once
// The normal fill for the 32- and 16-bit floating types, compiled once per ISA
// (cpu/isa/random_normal.cpp) because the float Box-Muller vectorizes only there. Not a kernel
// table: cpu/random.cpp is the CPU's random kernel and hands these fills to the copy the CPU runs
// (ember::cpu_capability()).
#include "dispatch/kernels.h"

namespace ember {

#define EMBER_DECLARE_NORMAL_FILL(isa) \
  namespace cpu::isa {                 \
  void normal_fill(const RandomFill& fill); \
  }
EMBER_DECLARE_NORMAL_FILL(base)
#ifdef EMBER_X86_ISA_VARIANTS
EMBER_DECLARE_NORMAL_FILL(avx2)
EMBER_DECLARE_NORMAL_FILL(avx512)
#endif
#undef EMBER_DECLARE_NORMAL_FILL

}  // namespace ember
