// Elementwise kernels (unary, binary, comparison, where), compiled once per ISA.
#include "cpu/isa/isa.h"
#include "dispatch/kernels.h"

EMBER_ISA_NAMESPACE_BEGIN

void register_elementwise_kernels() {}

EMBER_ISA_NAMESPACE_END
