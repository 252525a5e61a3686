#pragma once
// Files in cpu/isa/ are compiled once per instruction set (base, avx2, avx512), each copy in
// namespace ember::cpu::<isa> through EMBER_ISA. Keep them free of non-inline definitions
// outside that namespace, or the copies would collide at link time.
#ifndef EMBER_ISA
#error "cpu/isa files are compiled through ember_add_isa_variant() with EMBER_ISA set"
#endif
#define EMBER_ISA_NAMESPACE_BEGIN namespace ember { namespace cpu { namespace EMBER_ISA {
#define EMBER_ISA_NAMESPACE_END } } }
