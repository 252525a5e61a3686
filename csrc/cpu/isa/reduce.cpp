// Reduction kernels, compiled once per ISA.
#include "cpu/isa/isa.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

void register_reduce_kernels() {}

EMBER_ISA_NAMESPACE_END
