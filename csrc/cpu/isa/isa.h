#pragma once
// Files in cpu/isa/ are compiled once per instruction set (base, avx2, avx512), each copy in
// namespace ember::cpu::<isa> through EMBER_ISA. Keep them free of non-inline definitions
// outside that namespace, or the copies would collide at link time.
//
// Inline functions from shared headers (half.h, convert.h, the standard library) get one copy
// per variant, and the linker keeps the first it sees. CMakeLists.txt adds the base variant
// first, ahead of the avx2/avx512 objects and the rest of the library, so the copy kept is the
// baseline one and a CPU without AVX never runs an AVX instruction outside the dispatched
// kernels. Keep that order, and keep ISA-specific code (intrinsics, `#ifdef __AVX2__` paths)
// inside the EMBER_ISA namespace.
#ifndef EMBER_ISA
#error "cpu/isa files are compiled through ember_add_isa_variant() with EMBER_ISA set"
#endif
#define EMBER_ISA_NAMESPACE_BEGIN namespace ember { namespace cpu { namespace EMBER_ISA {
#define EMBER_ISA_NAMESPACE_END } } }
