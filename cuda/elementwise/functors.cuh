#pragma once
// The CPU kernels' scalar functors (cpu/isa/functors.h, activation_functors.h), compiled for
// the device: the same math the CPU tests check. The cpu/isa headers live in a per-ISA
// namespace; CUDA files get their own, ember::cpu::cuda_device.
#ifndef EMBER_ISA
#define EMBER_ISA cuda_device
#endif
#include "cpu/isa/activation_functors.h"
#include "cpu/isa/functors.h"

namespace ember::cuda::ew {
namespace fn = ::ember::cpu::EMBER_ISA::ew;    // elementwise functors
namespace act = ::ember::cpu::EMBER_ISA::act;  // activations
}  // namespace ember::cuda::ew
